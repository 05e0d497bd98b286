-- When each service was first monitored: retention cleanup never touches it, so the 90-day
-- uptime bars count only time the service was really watched.
CREATE TABLE monitored_services (
    service_name TEXT PRIMARY KEY NOT NULL,
    monitored_since TIMESTAMP NOT NULL
);

-- Incident messages posted by operators (severity high | medium | resolved).
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    severity TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'resolved')),
    text TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX incidents_active ON incidents (active, created_at);

-- Maintenance windows; affected_services is a JSON array of names, empty for all services.
CREATE TABLE maintenance_windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    affected_services TEXT NOT NULL DEFAULT '[]',
    start_time TIMESTAMP NOT NULL,
    end_time TIMESTAMP NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (end_time > start_time)
);
CREATE INDEX maintenance_windows_end ON maintenance_windows (active, end_time);
