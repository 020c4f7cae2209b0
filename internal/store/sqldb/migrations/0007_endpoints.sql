-- Endpoints: enrollment keys, agents, their latest inventory and software,
-- resource history, configuration assessments, remote actions, the orgs'
-- agent settings and block lists.
CREATE TABLE enrollment_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT,
    last_used_at BIGINT,
    uses         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX enrollment_keys_org ON enrollment_keys (org_id, created_at);

CREATE TABLE agents (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    hostname          TEXT NOT NULL,
    os                TEXT NOT NULL DEFAULT '',
    platform          TEXT NOT NULL DEFAULT '',
    platform_version  TEXT NOT NULL DEFAULT '',
    arch              TEXT NOT NULL DEFAULT '',
    agent_version     TEXT NOT NULL DEFAULT '',
    facts             TEXT NOT NULL DEFAULT '{}',
    token_prefix      TEXT NOT NULL UNIQUE,
    token_hash        TEXT NOT NULL,
    enrollment_key_id TEXT NOT NULL DEFAULT '',
    owner             TEXT NOT NULL DEFAULT '',
    location          TEXT NOT NULL DEFAULT '',
    grp               TEXT NOT NULL DEFAULT '',
    tags              TEXT NOT NULL DEFAULT '[]',
    isolated          BOOLEAN NOT NULL DEFAULT FALSE,
    config_version    BIGINT NOT NULL DEFAULT 0,
    health            TEXT NOT NULL DEFAULT '{}',
    last_seen         BIGINT,
    last_ip           TEXT NOT NULL DEFAULT '',
    enrolled_at       BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    revoked_at        BIGINT
);
CREATE INDEX agents_org_name ON agents (org_id, name);
CREATE INDEX agents_org_host ON agents (org_id, hostname);

-- One row per agent: the latest full snapshot.
CREATE TABLE agent_inventory (
    agent_id     TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    collected_at BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    snapshot     TEXT NOT NULL
);

-- The software of the latest snapshot, one row per package, so that the
-- org's software can be searched (vulnerability matching, "who runs X").
CREATE TABLE agent_software (
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    name_lower  TEXT NOT NULL,
    version     TEXT NOT NULL,
    source      TEXT NOT NULL DEFAULT '',
    source_name TEXT NOT NULL DEFAULT '',
    arch        TEXT NOT NULL DEFAULT '',
    vendor      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX agent_software_agent ON agent_software (agent_id);
CREATE INDEX agent_software_name ON agent_software (org_id, name_lower);

-- Resource history: resolution 60 (one-minute averages, kept a day) and
-- 900 (fifteen-minute averages, kept a week).
CREATE TABLE agent_metrics (
    agent_id        TEXT NOT NULL,
    resolution      INTEGER NOT NULL,
    at              BIGINT NOT NULL,
    org_id          TEXT NOT NULL,
    cpu_percent     DOUBLE PRECISION NOT NULL DEFAULT 0,
    mem_used_bytes  BIGINT NOT NULL DEFAULT 0,
    mem_total_bytes BIGINT NOT NULL DEFAULT 0,
    disk_used_bytes BIGINT NOT NULL DEFAULT 0,
    disk_total      BIGINT NOT NULL DEFAULT 0,
    net_rx_bytes    BIGINT NOT NULL DEFAULT 0,
    net_tx_bytes    BIGINT NOT NULL DEFAULT 0,
    load1           DOUBLE PRECISION NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, resolution, at)
);
CREATE INDEX agent_metrics_age ON agent_metrics (resolution, at);

CREATE TABLE sca_results (
    agent_id       TEXT NOT NULL,
    policy_id      TEXT NOT NULL,
    org_id         TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    policy_name    TEXT NOT NULL,
    finished_at    BIGINT NOT NULL,
    received_at    BIGINT NOT NULL,
    hash           TEXT NOT NULL DEFAULT '',
    score          DOUBLE PRECISION NOT NULL,
    passed         INTEGER NOT NULL,
    failed         INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    report         TEXT NOT NULL,
    PRIMARY KEY (agent_id, policy_id)
);

CREATE TABLE sca_history (
    org_id      TEXT NOT NULL,
    agent_id    TEXT NOT NULL,
    policy_id   TEXT NOT NULL,
    finished_at BIGINT NOT NULL,
    score       DOUBLE PRECISION NOT NULL,
    passed      INTEGER NOT NULL,
    failed      INTEGER NOT NULL
);
CREATE INDEX sca_history_agent ON sca_history (agent_id, finished_at);

CREATE TABLE agent_actions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    agent_id     TEXT NOT NULL,
    type         TEXT NOT NULL,
    params       TEXT NOT NULL DEFAULT '{}',
    reason       TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    delivered_at BIGINT,
    finished_at  BIGINT,
    exit_code    INTEGER NOT NULL DEFAULT 0,
    output       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    file         TEXT NOT NULL DEFAULT '',
    file_sha256  TEXT NOT NULL DEFAULT '',
    file_size    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX agent_actions_agent ON agent_actions (agent_id, state, created_at);
CREATE INDEX agent_actions_state ON agent_actions (state, expires_at);

CREATE TABLE endpoint_settings (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    settings   TEXT NOT NULL DEFAULT '{}',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

CREATE TABLE block_list (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    UNIQUE (org_id, kind, value)
);
