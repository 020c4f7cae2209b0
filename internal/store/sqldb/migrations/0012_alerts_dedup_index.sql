-- The open alert of a dedup key is looked up for every detection match
-- (ORDER BY last_seen DESC, id DESC LIMIT 1). Without id in this index
-- SQLite's planner chose alerts_org_seen to avoid the sort and walked the
-- org's whole alert history for every new key: 29% of the server's CPU at
-- 10,000 events/s with 3,857 rules. With id, this index serves both the
-- equality and the order.
DROP INDEX alerts_dedup;
CREATE INDEX alerts_dedup ON alerts (org_id, dedup_key, last_seen, id);
