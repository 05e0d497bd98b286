CREATE TABLE health_checks (
    id BIGSERIAL PRIMARY KEY,
    service_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('up', 'down')),
    status_code INTEGER,
    response_time_ms INTEGER,
    error_message TEXT,
    checked_at TIMESTAMP NOT NULL
);
CREATE INDEX health_checks_service_time ON health_checks (service_name, checked_at);
CREATE INDEX health_checks_time ON health_checks (checked_at);

CREATE TABLE outages (
    id BIGSERIAL PRIMARY KEY,
    service_name TEXT NOT NULL,
    start_time TIMESTAMP NOT NULL,
    end_time TIMESTAMP,
    resolved BOOLEAN NOT NULL DEFAULT FALSE,
    resolved_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX outages_service_open ON outages (service_name, end_time);

CREATE TABLE service_states (
    service_name TEXT PRIMARY KEY NOT NULL,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    streak_start TIMESTAMP,
    outage_start TIMESTAMP,
    down_alert_sent BOOLEAN NOT NULL DEFAULT FALSE,
    last_checked_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE alert_outbox (
    id BIGSERIAL PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    service_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX alert_outbox_state ON alert_outbox (state, id);
