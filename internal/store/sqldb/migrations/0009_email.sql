-- E-mail analysis: analysed messages with their reports, the quarantine of
-- suspicious ones (the raw message is a content-addressed blob), the
-- mailboxes polled for new messages with their poll state, and each org's
-- e-mail policy (own domains, protected brands, executives).
CREATE TABLE email_reports (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    from_addr  TEXT NOT NULL DEFAULT '',
    from_name  TEXT NOT NULL DEFAULT '',
    verdict    TEXT NOT NULL,
    score      INTEGER NOT NULL,
    source     TEXT NOT NULL,
    mailbox_id TEXT NOT NULL DEFAULT '',
    sha256     TEXT NOT NULL,
    size       BIGINT NOT NULL,
    report     TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX email_reports_org_created ON email_reports (org_id, created_at, id);
CREATE INDEX email_reports_org_verdict ON email_reports (org_id, verdict, created_at);

CREATE TABLE email_quarantine (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    report_id   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    from_addr   TEXT NOT NULL DEFAULT '',
    recipients  TEXT NOT NULL DEFAULT '[]',
    verdict     TEXT NOT NULL,
    score       INTEGER NOT NULL,
    mailbox_id  TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    released_by TEXT NOT NULL DEFAULT '',
    released_at BIGINT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX email_quarantine_org_created ON email_quarantine (org_id, created_at, id);
CREATE INDEX email_quarantine_org_sha ON email_quarantine (org_id, sha256);

CREATE TABLE email_mailboxes (
    id               TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    config           TEXT NOT NULL DEFAULT '{}',
    interval_seconds INTEGER NOT NULL,
    uid_validity     BIGINT NOT NULL DEFAULT 0,
    last_uid         BIGINT NOT NULL DEFAULT 0,
    poll_cursor      TEXT NOT NULL DEFAULT '',
    last_poll_at     BIGINT,
    last_error       TEXT NOT NULL DEFAULT '',
    last_count       INTEGER NOT NULL DEFAULT 0,
    next_poll_at     BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX email_mailboxes_name ON email_mailboxes (org_id, name);
CREATE INDEX email_mailboxes_due ON email_mailboxes (next_poll_at) WHERE enabled;

CREATE TABLE email_policies (
    org_id     TEXT PRIMARY KEY REFERENCES orgs(id) ON DELETE CASCADE,
    policy     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
