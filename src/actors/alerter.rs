//! Alerter: delivers alerts to the Slack webhook, one at a time and in order.
//!
//! Every alert reaches the Alerter after its outbox row was handed to Persistence (in the same
//! batch as the state that caused it), and pending rows are reloaded at start, so an alert
//! survives a restart. Delivery retries connection errors, timeouts, 5xx and 429 (honouring
//! `Retry-After`) with capped exponential backoff, holding later alerts back so they arrive in
//! the order the transitions happened. A 2xx marks the row sent; a 400 (Slack rejected the
//! payload itself) marks it failed and moves on. No webhook: the alert is logged and skipped.

use super::persistence::Record;
use crate::alert::{AlertKind, OutboxState};
use crate::db::models::{NewAlert, PendingAlertRow, WriteOp};
use crate::metrics::Metrics;
use crate::settings::WebhookUrl;
use actix::prelude::*;
use chrono::{NaiveDateTime, Utc};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// One alert waiting for delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingAlert {
    /// `{kind}:{service}:{outage start}`.
    pub key: String,
    /// Service name.
    pub service: String,
    /// What it announces.
    pub kind: AlertKind,
    /// The Slack payload, JSON.
    pub payload: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the transition happened.
    pub created_at: NaiveDateTime,
}

impl PendingAlert {
    /// The outbox row for this alert in `state`.
    pub fn row(&self, state: OutboxState, last_error: Option<String>) -> NewAlert {
        NewAlert {
            dedupe_key: self.key.clone(),
            service_name: self.service.clone(),
            kind: self.kind.as_str().to_string(),
            payload: self.payload.clone(),
            state: state.as_str().to_string(),
            attempts: i32::try_from(self.attempts).unwrap_or(i32::MAX),
            last_error,
            created_at: self.created_at,
            sent_at: (state == OutboxState::Sent).then(|| Utc::now().naive_utc()),
        }
    }
}

impl TryFrom<PendingAlertRow> for PendingAlert {
    /// The row back, when its `kind` is none this version writes.
    type Error = PendingAlertRow;

    fn try_from(row: PendingAlertRow) -> Result<Self, Self::Error> {
        let Some(kind) = AlertKind::from_stored(&row.kind) else {
            return Err(row);
        };
        Ok(PendingAlert {
            key: row.dedupe_key,
            service: row.service_name,
            kind,
            payload: row.payload,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            created_at: row.created_at,
        })
    }
}

/// Queue an alert for delivery.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Deliver(pub PendingAlert);

/// Resolves when the queue is empty (callers bound the wait).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Drain;

/// Delivery timing.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// First retry delay.
    pub initial: Duration,
    /// Largest retry delay.
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(300),
        }
    }
}

/// The actor.
pub struct Alerter {
    webhook: Option<WebhookUrl>,
    client: awc::Client,
    queue: VecDeque<PendingAlert>,
    busy: bool,
    backoff: Backoff,
    delay: Duration,
    persistence: Recipient<Record>,
    waiters: Vec<oneshot::Sender<()>>,
    metrics: Arc<Metrics>,
}

enum Reply {
    Status(u16, Option<Duration>),
    Error(String),
}

impl Alerter {
    /// An Alerter posting to `webhook` (none: log and skip), starting with `resumed` alerts.
    pub fn new(
        webhook: Option<WebhookUrl>,
        persistence: Recipient<Record>,
        resumed: Vec<PendingAlert>,
        backoff: Backoff,
    ) -> Self {
        Alerter {
            webhook: webhook.filter(|w| !w.is_empty()),
            client: awc::Client::builder().timeout(SEND_TIMEOUT).finish(),
            queue: resumed.into(),
            busy: false,
            backoff,
            delay: backoff.initial,
            persistence,
            waiters: Vec::new(),
            metrics: Arc::default(),
        }
    }

    /// The same Alerter counting deliveries and its queue in `metrics` (by default, in metrics
    /// of its own).
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    fn pump(&mut self, ctx: &mut Context<Self>) {
        self.metrics.alert_backlog.set(self.queue.len());
        while !self.busy {
            let Some(head) = self.queue.front().cloned() else {
                self.waiters.drain(..).for_each(|w| {
                    let _ = w.send(());
                });
                return;
            };
            let Some(url) = self.webhook.clone() else {
                log::warn!(
                    "No Slack webhook configured; alert logged and skipped: {}",
                    alert_text(&head.payload)
                );
                self.metrics.alerts_skipped.inc();
                self.finish(OutboxState::Skipped, None);
                continue;
            };
            self.busy = true;
            let request = self
                .client
                .post(url.expose())
                .insert_header(("Content-Type", "application/json"));
            let payload = head.payload.clone();
            let send = async move {
                match request.send_body(payload).await {
                    Ok(mut resp) => {
                        let retry_after = resp
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<u64>().ok())
                            .map(Duration::from_secs);
                        let _ = resp.body().limit(64 * 1024).await;
                        Reply::Status(resp.status().as_u16(), retry_after)
                    }
                    Err(e) => Reply::Error(e.to_string()),
                }
            };
            ctx.spawn(send.into_actor(self).map(|reply, act, ctx| {
                act.busy = false;
                act.handle_reply(reply, ctx);
                act.pump(ctx);
            }));
        }
    }

    fn handle_reply(&mut self, reply: Reply, ctx: &mut Context<Self>) {
        let Some(head) = self.queue.front_mut() else {
            return;
        };
        head.attempts += 1;
        let (service, kind, attempts) = (head.service.clone(), head.kind, head.attempts);
        if !matches!(reply, Reply::Status(code, _) if (200..300).contains(&code)) {
            self.metrics.alert_delivery_failures.inc();
        }
        let retry_in = match reply {
            Reply::Status(code, _) if (200..300).contains(&code) => {
                log::info!("Sent {kind} alert for {service} to Slack");
                self.metrics.alerts_sent.inc();
                self.delay = self.backoff.initial;
                return self.finish(OutboxState::Sent, None);
            }
            Reply::Status(400, _) => {
                log::error!(
                    "Slack rejected the {kind} alert for {service} (HTTP 400); not retried"
                );
                self.metrics.alerts_given_up.inc();
                return self.finish(OutboxState::Failed, Some("HTTP 400".into()));
            }
            Reply::Status(429, Some(after)) => after.min(self.backoff.max),
            Reply::Status(code, _) => {
                self.next_delay_logged(&service, kind, attempts, &format!("HTTP {code}"))
            }
            Reply::Error(e) => self.next_delay_logged(&service, kind, attempts, &e),
        };
        self.busy = true;
        ctx.run_later(retry_in, |act, ctx| {
            act.busy = false;
            act.pump(ctx);
        });
    }

    fn next_delay_logged(
        &mut self,
        service: &str,
        kind: AlertKind,
        attempts: u32,
        why: &str,
    ) -> Duration {
        let delay = self.delay;
        self.delay = (self.delay * 2).min(self.backoff.max);
        log::warn!(
            "Slack delivery of {kind} alert for {service} failed (attempt {attempts}, {} waiting): {why}; retrying in {}",
            self.queue.len(),
            crate::settings::format_duration(delay)
        );
        delay
    }

    /// Pops the head and records how its delivery ended.
    fn finish(&mut self, state: OutboxState, error: Option<String>) {
        if let Some(done) = self.queue.pop_front() {
            self.metrics.alert_backlog.set(self.queue.len());
            let op = WriteOp::AlertDone(done.row(state, error));
            self.persistence.do_send(Record {
                ops: vec![op],
                state: None,
                urgent: true,
                state_refresh_only: false,
            });
        }
    }
}

/// The plain-text summary (`text`) of a Slack payload.
fn alert_text(payload: &str) -> String {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_str()).map(str::to_string))
        .unwrap_or_else(|| payload.to_string())
}

impl Actor for Alerter {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        if !self.queue.is_empty() {
            log::info!("Resuming delivery of {} pending alerts", self.queue.len());
        }
        self.pump(ctx);
    }
}

impl Handler<Deliver> for Alerter {
    type Result = ();

    fn handle(&mut self, msg: Deliver, ctx: &mut Self::Context) {
        if self.queue.iter().any(|a| a.key == msg.0.key) {
            return;
        }
        self.queue.push_back(msg.0);
        self.pump(ctx);
    }
}

impl Handler<Drain> for Alerter {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: Drain, ctx: &mut Self::Context) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.waiters.push(tx);
        self.pump(ctx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}
