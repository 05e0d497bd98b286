//! Diesel schema, the same for both backends (see `migrations/sqlite` and `migrations/postgres`).

diesel::table! {
    /// One row per conclusive check cycle.
    health_checks (id) {
        id -> BigInt,
        service_name -> Text,
        status -> Text,
        status_code -> Nullable<Integer>,
        response_time_ms -> Nullable<Integer>,
        error_message -> Nullable<Text>,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    /// Confirmed outages; `end_time` is null while open.
    outages (id) {
        id -> BigInt,
        service_name -> Text,
        start_time -> Timestamp,
        end_time -> Nullable<Timestamp>,
        resolved -> Bool,
        resolved_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// The state machine's memory, one row per service, restored at start.
    service_states (service_name) {
        service_name -> Text,
        consecutive_failures -> Integer,
        streak_start -> Nullable<Timestamp>,
        outage_start -> Nullable<Timestamp>,
        down_alert_sent -> Bool,
        last_checked_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Every alert, written before it is sent; `state` is pending, sent, skipped or failed.
    alert_outbox (id) {
        id -> BigInt,
        dedupe_key -> Text,
        service_name -> Text,
        kind -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(health_checks, outages, service_states, alert_outbox);

diesel::table! {
    /// When each service was first monitored; retention cleanup leaves it alone.
    monitored_services (service_name) {
        service_name -> Text,
        monitored_since -> Timestamp,
    }
}

diesel::table! {
    /// Incident messages (severity high, medium or resolved).
    incidents (id) {
        id -> BigInt,
        severity -> Text,
        text -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    /// Maintenance windows; `affected_services` is a JSON array of names (empty: all).
    maintenance_windows (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        affected_services -> Text,
        start_time -> Timestamp,
        end_time -> Timestamp,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(incidents, maintenance_windows, monitored_services);

diesel::table! {
    /// Operators' changes: who (token name or `cli`), what, before and after as JSON.
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
    }
}

diesel::table! {
    /// Hourly rollups of the check rows, per service and UTC hour; `le_N` counts checks that
    /// answered within N ms (cumulative; `latency_count` is the +Inf bucket).
    check_rollups (service_name, hour) {
        service_name -> Text,
        hour -> Timestamp,
        checks -> BigInt,
        failures -> BigInt,
        latency_count -> BigInt,
        latency_sum_ms -> BigInt,
        latency_min_ms -> Nullable<Integer>,
        latency_max_ms -> Nullable<Integer>,
        le_50 -> BigInt,
        le_100 -> BigInt,
        le_250 -> BigInt,
        le_500 -> BigInt,
        le_1000 -> BigInt,
        le_2500 -> BigInt,
        le_5000 -> BigInt,
    }
}

diesel::table! {
    /// The newest check row already counted in `check_rollups` (one row, id 1).
    rollup_progress (id) {
        id -> Integer,
        last_check_id -> BigInt,
    }
}
