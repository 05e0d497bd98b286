DROP TABLE rollup_progress;
DROP TABLE check_rollups;
