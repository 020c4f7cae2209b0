-- Per-rule alert grouping: the fields whose values key a rule's alerts
-- (empty: host, user and source address) and how far apart in event time
-- repeats still fold into one alert (0: detection's default, 24 hours).
ALTER TABLE rules ADD COLUMN alert_group_by TEXT NOT NULL DEFAULT '[]';
ALTER TABLE rules ADD COLUMN alert_window_s BIGINT NOT NULL DEFAULT 0;
