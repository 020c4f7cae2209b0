-- Per-org settings. Retention: events older than this many days are deleted.
ALTER TABLE orgs ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 30;
