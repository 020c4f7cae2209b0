-- Response: alert triage fields, incidents with tasks, observables and a
-- timeline, playbooks, war-room notes and attachments, workplans, shift
-- handovers, containment actions, SLA policies, and every object's history.
ALTER TABLE alerts ADD COLUMN assignee_group TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN verdict TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN escalation TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN incident_id TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acknowledged_at BIGINT;
ALTER TABLE alerts ADD COLUMN resolved_at BIGINT;
ALTER TABLE alerts ADD COLUMN deleted_at BIGINT;
ALTER TABLE alerts ADD COLUMN deleted_by TEXT NOT NULL DEFAULT '';
-- The queue pages by (last_seen, id) newest first, overall or per status.
DROP INDEX alerts_org_seen;
CREATE INDEX alerts_org_seen ON alerts (org_id, last_seen, id);
CREATE INDEX alerts_org_status_seen ON alerts (org_id, status, last_seen, id);
CREATE INDEX alerts_org_assignee_seen ON alerts (org_id, assignee, last_seen, id);
CREATE INDEX alerts_org_status_sev_seen ON alerts (org_id, status, severity, last_seen, id);
CREATE INDEX alerts_org_group_seen ON alerts (org_id, assignee_group, last_seen, id);
CREATE INDEX alerts_org_group_status_seen ON alerts (org_id, assignee_group, status, last_seen, id);
DROP INDEX alerts_rule;
CREATE INDEX alerts_rule ON alerts (org_id, rule_id, last_seen, id);
CREATE INDEX alerts_incident ON alerts (org_id, incident_id);

-- alert_entities indexes each alert's hosts, users and IPs so related
-- alerts and incident proposals are index look-ups, not JSON scans.
CREATE TABLE alert_entities (
    org_id    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    value     TEXT NOT NULL,
    alert_id  TEXT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, value, alert_id)
);
CREATE INDEX alert_entities_alert ON alert_entities (org_id, alert_id);

CREATE TABLE object_history (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX object_history_object ON object_history (org_id, object_type, object_id, at);

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    number          BIGINT NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL,
    verdict         TEXT NOT NULL DEFAULT '',
    owner           TEXT NOT NULL DEFAULT '',
    grp             TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '[]',
    playbook_id     TEXT NOT NULL DEFAULT '',
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    resolved_at     BIGINT,
    closed_at       BIGINT,
    deleted_at      BIGINT
);
CREATE UNIQUE INDEX incidents_number ON incidents (org_id, number);
CREATE INDEX incidents_org_updated ON incidents (org_id, updated_at);

CREATE TABLE tasks (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    incident_id   TEXT NOT NULL DEFAULT '',
    workplan_id   TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    assignee      TEXT NOT NULL DEFAULT '',
    due_at        BIGINT,
    position      BIGINT NOT NULL DEFAULT 0,
    playbook_step INTEGER,
    action        TEXT NOT NULL DEFAULT '',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    completed_at  BIGINT
);
CREATE INDEX tasks_incident ON tasks (org_id, incident_id);
CREATE INDEX tasks_workplan ON tasks (org_id, workplan_id);
CREATE INDEX tasks_assignee ON tasks (org_id, assignee, status);

CREATE TABLE observables (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    type        TEXT NOT NULL,
    value       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    ioc         BOOLEAN NOT NULL DEFAULT FALSE,
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX observables_value ON observables (org_id, incident_id, type, value);

CREATE TABLE timeline (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    incident_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX timeline_incident ON timeline (org_id, incident_id, at);

CREATE TABLE playbooks (
    id            TEXT NOT NULL,
    org_id        TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    severity_hint TEXT NOT NULL DEFAULT '',
    steps         TEXT NOT NULL DEFAULT '[]',
    created_by    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE response_actions (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    type        TEXT NOT NULL,
    target      TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    reason      TEXT NOT NULL DEFAULT '',
    alert_id    TEXT NOT NULL DEFAULT '',
    incident_id TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    result      TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX response_actions_alert ON response_actions (org_id, alert_id);
CREATE INDEX response_actions_incident ON response_actions (org_id, incident_id);
CREATE INDEX response_actions_external ON response_actions (org_id, external_id);

CREATE TABLE notes (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    author      TEXT NOT NULL,
    body        TEXT NOT NULL,
    mentions    TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX notes_object ON notes (org_id, object_type, object_id, created_at);

CREATE TABLE attachments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    object_type  TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    note_id      TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX attachments_object ON attachments (org_id, object_type, object_id);

CREATE TABLE workplans (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    grp         TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL,
    due_at      BIGINT,
    links       TEXT NOT NULL DEFAULT '[]',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX workplans_org ON workplans (org_id, updated_at);

CREATE TABLE handovers (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    grp        TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    recipients TEXT NOT NULL DEFAULT '[]',
    channel_id TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    error      TEXT NOT NULL DEFAULT '',
    snapshot   TEXT NOT NULL DEFAULT '{}',
    sent_at    BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX handovers_org ON handovers (org_id, created_at);

CREATE TABLE sla_policies (
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    severity        TEXT NOT NULL,
    ack_minutes     INTEGER NOT NULL,
    resolve_minutes INTEGER NOT NULL,
    PRIMARY KEY (org_id, severity)
);
