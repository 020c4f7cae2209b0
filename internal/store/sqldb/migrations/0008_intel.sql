-- Threat intelligence: indicators of compromise, the events that matched
-- them (sightings, live or retro-hunted), and feed subscriptions.
CREATE TABLE intel_indicators (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    type             TEXT NOT NULL,
    value            TEXT NOT NULL,
    confidence       BIGINT NOT NULL DEFAULT 50,
    severity         TEXT NOT NULL DEFAULT 'medium',
    source           TEXT NOT NULL,
    feed_id          TEXT NOT NULL DEFAULT '',
    tags             TEXT NOT NULL DEFAULT '[]',
    description      TEXT NOT NULL DEFAULT '',
    exact_only       BOOLEAN NOT NULL DEFAULT FALSE,
    first_seen       BIGINT NOT NULL,
    last_seen        BIGINT NOT NULL,
    expires_at       BIGINT,
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    feed_seen_at     BIGINT,
    sightings        BIGINT NOT NULL DEFAULT 0,
    last_sighting_at BIGINT,
    retro_status     TEXT NOT NULL DEFAULT '',
    retro_hits       BIGINT NOT NULL DEFAULT 0,
    retro_at         BIGINT,
    UNIQUE (org_id, source, type, value)
);
CREATE INDEX intel_indicators_org_updated ON intel_indicators (org_id, updated_at);
CREATE INDEX intel_indicators_org_value ON intel_indicators (org_id, value);
CREATE INDEX intel_indicators_feed ON intel_indicators (org_id, feed_id);

CREATE TABLE intel_sightings (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    indicator_id    TEXT NOT NULL REFERENCES intel_indicators(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_time      BIGINT NOT NULL,
    field           TEXT NOT NULL DEFAULT '',
    value           TEXT NOT NULL DEFAULT '',
    match_type      TEXT NOT NULL DEFAULT '',
    origin          TEXT NOT NULL,
    seen_at         BIGINT NOT NULL,
    indicator_type  TEXT NOT NULL DEFAULT '',
    indicator_value TEXT NOT NULL DEFAULT '',
    UNIQUE (indicator_id, event_id)
);
CREATE INDEX intel_sightings_org_seen ON intel_sightings (org_id, seen_at);

CREATE TABLE intel_feeds (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    url              TEXT NOT NULL,
    format           TEXT NOT NULL,
    interval_seconds BIGINT NOT NULL,
    enabled          BOOLEAN NOT NULL DEFAULT TRUE,
    confidence       BIGINT NOT NULL DEFAULT 50,
    severity         TEXT NOT NULL DEFAULT 'medium',
    tags             TEXT NOT NULL DEFAULT '[]',
    etag             TEXT NOT NULL DEFAULT '',
    last_modified    TEXT NOT NULL DEFAULT '',
    last_run_at      BIGINT,
    last_success_at  BIGINT,
    last_error       TEXT NOT NULL DEFAULT '',
    last_count       BIGINT NOT NULL DEFAULT 0,
    failures         BIGINT NOT NULL DEFAULT 0,
    next_run_at      BIGINT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX intel_feeds_due ON intel_feeds (enabled, next_run_at);
