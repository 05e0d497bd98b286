-- Hourly rollups of the check rows, so long-range figures never scan raw rows: per service and
-- UTC hour, the checks and failures, the response-time sum, min and max, and a cumulative
-- response-time histogram (le_N: checks answered within N ms; latency_count is +Inf).
CREATE TABLE check_rollups (
    service_name TEXT NOT NULL,
    hour TIMESTAMP NOT NULL,
    checks BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    latency_count BIGINT NOT NULL,
    latency_sum_ms BIGINT NOT NULL,
    latency_min_ms INTEGER,
    latency_max_ms INTEGER,
    le_50 BIGINT NOT NULL,
    le_100 BIGINT NOT NULL,
    le_250 BIGINT NOT NULL,
    le_500 BIGINT NOT NULL,
    le_1000 BIGINT NOT NULL,
    le_2500 BIGINT NOT NULL,
    le_5000 BIGINT NOT NULL,
    PRIMARY KEY (service_name, hour)
);
CREATE INDEX check_rollups_hour ON check_rollups (hour);

-- The id of the newest check row already counted in check_rollups: each write batch rolls up
-- the rows above it and moves it, in the batch's transaction (so a replayed batch adds nothing).
CREATE TABLE rollup_progress (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_check_id BIGINT NOT NULL
);

-- The checks stored so far, rolled up once here.
INSERT INTO check_rollups (service_name, hour, checks, failures, latency_count, latency_sum_ms, latency_min_ms, latency_max_ms, le_50, le_100, le_250, le_500, le_1000, le_2500, le_5000)
SELECT service_name, date_trunc('hour', checked_at), COUNT(*),
    SUM(CASE WHEN status = 'down' THEN 1 ELSE 0 END),
    COUNT(response_time_ms), COALESCE(SUM(response_time_ms), 0),
    MIN(response_time_ms), MAX(response_time_ms),
    SUM(CASE WHEN response_time_ms <= 50 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 250 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 2500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN response_time_ms <= 5000 THEN 1 ELSE 0 END)
FROM health_checks
GROUP BY 1, 2;
INSERT INTO rollup_progress (id, last_check_id)
SELECT 1, COALESCE(MAX(id), 0) FROM health_checks;
