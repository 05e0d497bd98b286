DROP TABLE maintenance_windows;
DROP TABLE incidents;
DROP TABLE monitored_services;
