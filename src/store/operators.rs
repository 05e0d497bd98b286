//! The operators' changes as the web asks for them: each runs the [`super::changes`]
//! function of the same name on a blocking thread, at the present time (to the microsecond
//! both databases keep), with `actor` (the token's name) as the audit actor.

use super::changes::audit::{self, AuditEntry};
use super::changes::incidents::{self, IncidentPatch, NewIncident};
use super::changes::maintenance::{self, NewWindow, Window, WindowPatch};
use super::changes::now;
use super::changes::outages::{self, Outage};
use super::{Store, StoreError};
use crate::domain::notices::Incident;
use chrono::{DateTime, Utc};

type Done<T> = Result<T, StoreError>;

impl Store {
    /// Every incident, newest first (at most 500).
    pub async fn incidents(&self) -> Done<Vec<Incident>> {
        self.run(incidents::list).await
    }

    /// Posts an incident.
    pub async fn create_incident(&self, actor: &str, input: NewIncident) -> Done<Incident> {
        let actor = actor.to_string();
        self.run(move |c| incidents::create(c, &actor, &input, now()))
            .await
    }

    /// Changes incident `id`.
    pub async fn update_incident(
        &self,
        actor: &str,
        id: i64,
        patch: IncidentPatch,
    ) -> Done<Incident> {
        let actor = actor.to_string();
        self.run(move |c| incidents::update(c, &actor, id, &patch, now()))
            .await
    }

    /// Resolves incident `id`.
    pub async fn resolve_incident(&self, actor: &str, id: i64) -> Done<Incident> {
        let actor = actor.to_string();
        self.run(move |c| incidents::resolve(c, &actor, id, now()))
            .await
    }

    /// Deletes incident `id`.
    pub async fn delete_incident(&self, actor: &str, id: i64) -> Done<()> {
        let actor = actor.to_string();
        self.run(move |c| incidents::delete(c, &actor, id, now()))
            .await
    }

    /// Every maintenance window, latest start first (at most 500).
    pub async fn windows(&self) -> Done<Vec<Window>> {
        self.run(maintenance::list).await
    }

    /// Schedules a window; its services must be among the configured `known`.
    pub async fn create_window(
        &self,
        actor: &str,
        input: NewWindow,
        known: Vec<String>,
    ) -> Done<Window> {
        let actor = actor.to_string();
        self.run(move |c| maintenance::create(c, &actor, &input, &known, now()))
            .await
    }

    /// Changes window `id`; the result must name only configured services (`known`).
    pub async fn update_window(
        &self,
        actor: &str,
        id: i64,
        patch: WindowPatch,
        known: Vec<String>,
    ) -> Done<Window> {
        let actor = actor.to_string();
        self.run(move |c| maintenance::update(c, &actor, id, &patch, &known, now()))
            .await
    }

    /// Cancels window `id`.
    pub async fn cancel_window(&self, actor: &str, id: i64) -> Done<Window> {
        let actor = actor.to_string();
        self.run(move |c| maintenance::cancel(c, &actor, id, now()))
            .await
    }

    /// Deletes window `id`.
    pub async fn delete_window(&self, actor: &str, id: i64) -> Done<()> {
        let actor = actor.to_string();
        self.run(move |c| maintenance::delete(c, &actor, id, now()))
            .await
    }

    /// Outages newest first (at most 500), their durations up to `at` while open; only the
    /// open ones with `open_only`.
    pub async fn operator_outages(&self, open_only: bool, at: DateTime<Utc>) -> Done<Vec<Outage>> {
        self.run(move |c| outages::list(c, open_only, at)).await
    }

    /// Force-resolves outage `id`.
    pub async fn resolve_outage(&self, actor: &str, id: i64) -> Done<Outage> {
        let actor = actor.to_string();
        self.run(move |c| outages::resolve(c, &actor, id, now()))
            .await
    }

    /// The newest `limit` audit entries, newest first.
    pub async fn audit(&self, limit: i64) -> Done<Vec<AuditEntry>> {
        self.run(move |c| Ok(audit::recent(c, limit)?)).await
    }
}
