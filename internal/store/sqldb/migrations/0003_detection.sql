-- Detection: rules, their tuning exceptions and statistics, alerts, and the
-- checkpoints of stream consumers (detection resumes from its checkpoint,
-- written in the same transaction as the alerts it raised).
CREATE TABLE rules (
    id                TEXT NOT NULL,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    author            TEXT NOT NULL DEFAULT '',
    format            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    source            TEXT NOT NULL,
    source_hash       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT '',
    level             TEXT NOT NULL,
    severity_override TEXT NOT NULL DEFAULT '',
    enabled           BOOLEAN NOT NULL DEFAULT TRUE,
    pack              TEXT NOT NULL DEFAULT 'custom',
    product           TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL DEFAULT '',
    service           TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '[]',
    refs              TEXT NOT NULL DEFAULT '[]',
    falsepositives    TEXT NOT NULL DEFAULT '[]',
    created_by        TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE rule_exceptions (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    rule_id    TEXT NOT NULL,
    field      TEXT NOT NULL,
    operator   TEXT NOT NULL,
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    expires_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX rule_exceptions_rule ON rule_exceptions (org_id, rule_id);

CREATE TABLE rule_stats (
    org_id        TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    matches       BIGINT NOT NULL DEFAULT 0,
    alerts        BIGINT NOT NULL DEFAULT 0,
    last_match_at BIGINT,
    PRIMARY KEY (org_id, rule_id)
);

CREATE TABLE alerts (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    rule_id     TEXT NOT NULL,
    rule_title  TEXT NOT NULL,
    rule_kind   TEXT NOT NULL,
    severity    TEXT NOT NULL,
    status      TEXT NOT NULL,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tactics     TEXT NOT NULL DEFAULT '[]',
    techniques  TEXT NOT NULL DEFAULT '[]',
    entities    TEXT NOT NULL DEFAULT '{}',
    grp         TEXT NOT NULL DEFAULT '{}',
    event_ids   TEXT NOT NULL DEFAULT '[]',
    count       BIGINT NOT NULL DEFAULT 1,
    dedup_key   TEXT NOT NULL,
    assignee    TEXT NOT NULL DEFAULT '',
    first_seen  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX alerts_org_seen ON alerts (org_id, last_seen);
CREATE INDEX alerts_dedup ON alerts (org_id, dedup_key, last_seen);
CREATE INDEX alerts_rule ON alerts (org_id, rule_id);

CREATE TABLE checkpoints (
    name       TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
