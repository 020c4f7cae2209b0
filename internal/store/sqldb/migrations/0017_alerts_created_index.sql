-- The queue filters and sorts by when an alert was raised (time_field and
-- sort created on GET /api/v1/alerts), as analysts expect of its time
-- range. These are the created_at twins of the last_seen indexes of
-- 0005: the org's newest raised alerts, and one range per status (and
-- per status and severity) that List merges, so that neither a range nor
-- a first page of a million-alert queue is sorted whole. created_at never
-- changes after the insert, so a folded repeat does not write them.
CREATE INDEX alerts_org_created ON alerts (org_id, created_at, id);
CREATE INDEX alerts_org_status_created ON alerts (org_id, status, created_at, id);
CREATE INDEX alerts_org_status_sev_created ON alerts (org_id, status, severity, created_at, id);
