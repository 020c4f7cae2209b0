-- Notifications: the channels an org sends to, and the delivery log, which
-- is also the durable queue the dispatcher works from (pending rows whose
-- next_attempt_at has come are due).
CREATE TABLE notify_channels (
    id           TEXT NOT NULL,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL DEFAULT TRUE,
    min_severity TEXT NOT NULL DEFAULT '',
    events       TEXT NOT NULL DEFAULT '[]',
    group_ids    TEXT NOT NULL DEFAULT '[]',
    config       TEXT NOT NULL DEFAULT '{}',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX notify_channels_name ON notify_channels (org_id, name);

CREATE TABLE notify_deliveries (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    channel_id      TEXT NOT NULL,
    channel_name    TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL,
    adhoc_config    TEXT,
    event           TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL DEFAULT '',
    ref_id          TEXT NOT NULL DEFAULT '',
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    response_code   INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
-- The queue: only pending rows, by due time. Partial, so the log's sent and
-- failed rows cost the dispatcher nothing.
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_attempt_at, channel_id) WHERE status = 'pending';
-- The delivery log, newest first, whole org or one channel.
CREATE INDEX notify_deliveries_log ON notify_deliveries (org_id, created_at, id);
CREATE INDEX notify_deliveries_channel ON notify_deliveries (org_id, channel_id, created_at, id);
CREATE INDEX notify_deliveries_ref ON notify_deliveries (org_id, ref_id);
