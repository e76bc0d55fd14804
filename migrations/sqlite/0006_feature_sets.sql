-- (SQLite: the same schema as migrations/postgres, in its dialect.)
-- Feature sets, their contamination alerts, reviews and suppressions, webhooks and the
-- outbox that delivers alerts, stable dataset identities, the current columns of each
-- dataset, and the keys the store generates once (fingerprints, attestations).

-- A dataset of a source (a table; the part files of a lake directory) keeps the identity
-- and the name it was given when first seen: members, alerts and suppressions key on it,
-- so adding, removing or renaming unrelated files beside it never renames or orphans it.
CREATE TABLE datasets (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id  BIGINT NOT NULL REFERENCES sources (id),
    -- What makes an object part of it: the directory without partition segments and the
    -- file family (`dir\x1ffamily`), or the table/object itself.
    key        TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    UNIQUE (source_id, key)
);
ALTER TABLE objects_seen ADD COLUMN dataset_id BIGINT REFERENCES datasets (id);

-- The columns each dataset has now, maintained at scan time; a column gone from a
-- dataset keeps its row with the scan that saw it gone (`schema.column_removed`).
CREATE TABLE dataset_columns (
    dataset_id      BIGINT NOT NULL REFERENCES datasets (id),
    column_name     TEXT NOT NULL,
    first_scan_id   BIGINT NOT NULL,
    last_scan_id    BIGINT NOT NULL,
    removed_scan_id BIGINT,
    PRIMARY KEY (dataset_id, column_name)
);

-- Keyed HMAC-SHA256 fingerprints of matched values (never the values), per finding.
ALTER TABLE findings ADD COLUMN fingerprints_json TEXT;

-- The last scan of each source, kept on the source so the gate reads one row per member.
ALTER TABLE sources ADD COLUMN last_scan_id BIGINT;
ALTER TABLE sources ADD COLUMN last_scan_status TEXT;
ALTER TABLE sources ADD COLUMN last_scan_ms BIGINT;
ALTER TABLE sources ADD COLUMN last_ok_scan_id BIGINT;
ALTER TABLE sources ADD COLUMN last_ok_ms BIGINT;

-- Keys generated once into the store (hex), unless the configuration supplies them.
CREATE TABLE store_keys (
    name       TEXT PRIMARY KEY,
    key_hex    TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    -- A reference (`env:NAME`, `file:/path`), never the secret itself.
    secret_ref TEXT,
    format     TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    -- Global webhooks receive every feature set's events; others only those of the
    -- feature sets that name them.
    global     INTEGER NOT NULL,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    removed_ms BIGINT
);
CREATE UNIQUE INDEX webhooks_live_name ON webhooks (name) WHERE removed_ms IS NULL;

CREATE TABLE feature_sets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    owner       TEXT NOT NULL,
    -- `pass` or `fail` as of the last contamination check (for the gate.failed event).
    gate_status TEXT NOT NULL DEFAULT 'pass',
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    removed_ms  BIGINT
);
CREATE UNIQUE INDEX feature_sets_live_name ON feature_sets (name) WHERE removed_ms IS NULL;

CREATE TABLE feature_set_members (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    feature_set_id BIGINT NOT NULL REFERENCES feature_sets (id),
    position       BIGINT NOT NULL,
    source_id      BIGINT NOT NULL REFERENCES sources (id),
    -- JSON list of column names; NULL for every column.
    columns_json   TEXT,
    -- JSON list of the labels the member may hold.
    allow_json     TEXT NOT NULL,
    -- JSON list of named columns no dataset of the source has now (kept at scan time).
    missing_json   TEXT NOT NULL DEFAULT '[]',
    UNIQUE (feature_set_id, position)
);
CREATE INDEX feature_set_members_source ON feature_set_members (source_id);

CREATE TABLE feature_set_webhooks (
    feature_set_id BIGINT NOT NULL REFERENCES feature_sets (id),
    webhook_id     BIGINT NOT NULL REFERENCES webhooks (id),
    PRIMARY KEY (feature_set_id, webhook_id)
);

-- One alert per (feature set, dataset, column, label), however many scans see it; it
-- resolves after clean scans and reopens (a new episode) when the label comes back.
CREATE TABLE alerts (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    feature_set_id BIGINT NOT NULL REFERENCES feature_sets (id),
    source_id      BIGINT NOT NULL REFERENCES sources (id),
    dataset_id     BIGINT NOT NULL REFERENCES datasets (id),
    column_name    TEXT NOT NULL,
    label          TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved')),
    severity       TEXT NOT NULL,
    -- The evidence when it (re)opened; the latest is in finding_state.
    matches        BIGINT NOT NULL,
    match_rate     REAL NOT NULL,
    evidence_json  TEXT NOT NULL,
    first_seen_ms  BIGINT NOT NULL,
    last_seen_ms   BIGINT NOT NULL,
    first_scan_id  BIGINT NOT NULL,
    scan_id        BIGINT NOT NULL,
    clean_scans    BIGINT NOT NULL DEFAULT 0,
    episode        BIGINT NOT NULL DEFAULT 1,
    updated_ms     BIGINT NOT NULL,
    UNIQUE (feature_set_id, dataset_id, column_name, label)
);
CREATE INDEX alerts_feature_set ON alerts (feature_set_id, status);
CREATE INDEX alerts_source ON alerts (source_id);
CREATE INDEX alerts_status ON alerts (status, id);

-- The latest evidence of each finding that alerts, shared by the alerts of every feature
-- set on it: a scan writes one row per finding, not one per alert (with a thousand
-- feature sets over a column, a thousand). Alerts read their current match rate,
-- evidence and last sighting from here.
CREATE TABLE finding_state (
    dataset_id    BIGINT NOT NULL REFERENCES datasets (id),
    column_name   TEXT NOT NULL,
    label         TEXT NOT NULL,
    source_id     BIGINT NOT NULL REFERENCES sources (id),
    matches       BIGINT NOT NULL,
    match_rate    REAL NOT NULL,
    evidence_json TEXT NOT NULL,
    last_seen_ms  BIGINT NOT NULL,
    scan_id       BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, column_name, label)
);

-- Every state change of an alert: who (a token name, or `scan:ID`), when, why.
CREATE TABLE alert_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id BIGINT NOT NULL REFERENCES alerts (id),
    at_ms    BIGINT NOT NULL,
    kind     TEXT NOT NULL,
    episode  BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    reason   TEXT,
    scan_id  BIGINT
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, id);

-- Reviews of a finding, append-only history, and the current verdict per finding key.
CREATE TABLE reviews (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id         BIGINT NOT NULL REFERENCES sources (id),
    dataset_id        BIGINT NOT NULL REFERENCES datasets (id),
    column_name       TEXT NOT NULL,
    label             TEXT NOT NULL,
    verdict           TEXT NOT NULL CHECK (verdict IN ('confirmed', 'dismissed', 'reopened', 'lapsed')),
    reason            TEXT,
    actor             TEXT NOT NULL,
    at_ms             BIGINT NOT NULL,
    match_rate        REAL,
    fingerprints_json TEXT
);
CREATE INDEX reviews_finding ON reviews (dataset_id, column_name, label, id);
CREATE INDEX reviews_at ON reviews (at_ms, id);

-- A dismissal in force is a suppression; it lapses when the evidence changes materially.
CREATE TABLE review_state (
    dataset_id        BIGINT NOT NULL REFERENCES datasets (id),
    column_name       TEXT NOT NULL,
    label             TEXT NOT NULL,
    source_id         BIGINT NOT NULL REFERENCES sources (id),
    verdict           TEXT NOT NULL CHECK (verdict IN ('confirmed', 'dismissed')),
    review_id         BIGINT NOT NULL REFERENCES reviews (id),
    match_rate        REAL NOT NULL,
    fingerprints_json TEXT NOT NULL,
    PRIMARY KEY (dataset_id, column_name, label)
);
CREATE INDEX review_state_source ON review_state (source_id);

-- Webhook deliveries, written in the transaction of the change they announce; delivered
-- at least once, claimed with a lease, retried with backoff, dead-lettered with a reason.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `evt_…`, stable across retries: the Idempotency-Key.
    event_id         TEXT NOT NULL,
    webhook_id       BIGINT NOT NULL REFERENCES webhooks (id),
    event            TEXT NOT NULL,
    alert_id         BIGINT REFERENCES alerts (id),
    feature_set_id   BIGINT REFERENCES feature_sets (id),
    payload_json     TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    created_ms       BIGINT NOT NULL,
    next_attempt_ms  BIGINT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    last_attempt_ms  BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    lease_owner      TEXT,
    lease_expires_ms BIGINT,
    delivered_ms     BIGINT,
    dead_reason      TEXT,
    UNIQUE (event_id, webhook_id)
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms, id) WHERE status = 'pending';
CREATE INDEX outbox_alert ON outbox (alert_id, id);

-- Every delivery attempt (the dashboard shows them per alert).
CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id   BIGINT NOT NULL REFERENCES outbox (id),
    at_ms       BIGINT NOT NULL,
    worker      TEXT NOT NULL,
    status_code BIGINT,
    error       TEXT,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX delivery_attempts_outbox ON delivery_attempts (outbox_id, id);
