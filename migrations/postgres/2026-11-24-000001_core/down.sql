DROP TABLE alert_outbox;
DROP TABLE service_states;
DROP TABLE outages;
DROP TABLE health_checks;
