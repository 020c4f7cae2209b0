-- Detection: per-org values of Sigma placeholders (%name%, the expand
-- modifier), and the sampled per-rule evaluation time beside the other
-- rule statistics.
CREATE TABLE detection_placeholders (
    org_id     TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    vals       TEXT NOT NULL DEFAULT '[]',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);

ALTER TABLE rule_stats ADD COLUMN eval_ns BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rule_stats ADD COLUMN eval_samples BIGINT NOT NULL DEFAULT 0;
