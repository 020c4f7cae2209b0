-- Sandbox: submitted samples and their analyses, per-org YARA rules and
-- settings (external enrichment services).
CREATE TABLE sandbox_submissions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    sha256       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    status       TEXT NOT NULL,
    stage        TEXT NOT NULL DEFAULT '',
    progress     BIGINT NOT NULL DEFAULT 0,
    verdict      TEXT NOT NULL DEFAULT '',
    score        BIGINT NOT NULL DEFAULT 0,
    report       TEXT NOT NULL DEFAULT '',
    external     TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT
);
CREATE INDEX sandbox_submissions_org_created ON sandbox_submissions (org_id, created_at);
CREATE INDEX sandbox_submissions_sha256 ON sandbox_submissions (sha256);
CREATE INDEX sandbox_submissions_status ON sandbox_submissions (status);

CREATE TABLE sandbox_rules (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE sandbox_settings (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
