DROP INDEX health_checks_service_time;
CREATE INDEX health_checks_service_time ON health_checks (service_name, checked_at);
