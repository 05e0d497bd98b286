-- A check is stored once: a batch replayed after a lost COMMIT reply must not double it.
DELETE FROM health_checks
WHERE id NOT IN (SELECT MIN(id) FROM health_checks GROUP BY service_name, checked_at);
DROP INDEX health_checks_service_time;
CREATE UNIQUE INDEX health_checks_service_time ON health_checks (service_name, checked_at);
