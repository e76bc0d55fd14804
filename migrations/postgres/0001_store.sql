-- The store: registered sources, one row per scan, append-only column results and
-- findings pointing at their scan, and the objects a lake source has seen.
-- Times are epoch milliseconds (UTC) in both backends, so one query text serves both.

CREATE TABLE sources (
    id                   BIGSERIAL PRIMARY KEY,
    name                 TEXT NOT NULL,
    -- As registered: a path, URL or credential reference (env:/file:), never a resolved secret.
    location             TEXT NOT NULL,
    tables_json          TEXT NOT NULL DEFAULT '[]',
    interval_secs        BIGINT NOT NULL CHECK (interval_secs > 0),
    sample_rows          BIGINT NOT NULL CHECK (sample_rows > 0),
    created_ms           BIGINT NOT NULL,
    next_due_ms          BIGINT NOT NULL,
    lease_owner          TEXT,
    lease_expires_ms     BIGINT,
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    -- Removal keeps the history; a name is unique among live sources only.
    removed_ms           BIGINT
);
CREATE UNIQUE INDEX sources_live_name ON sources (name) WHERE removed_ms IS NULL;
CREATE INDEX sources_due ON sources (next_due_ms) WHERE removed_ms IS NULL;

CREATE TABLE scans (
    id          BIGSERIAL PRIMARY KEY,
    source_id   BIGINT NOT NULL REFERENCES sources (id),
    status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'partial', 'failed')),
    started_ms  BIGINT NOT NULL,
    finished_ms BIGINT,
    worker      TEXT NOT NULL,
    error       TEXT,
    units       BIGINT NOT NULL DEFAULT 0,
    bytes_read  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX scans_source ON scans (source_id, started_ms);

-- Every column a scan looked at, clean or not (the gate needs "scanned recently").
CREATE TABLE scan_columns (
    scan_id      BIGINT NOT NULL REFERENCES scans (id),
    object       TEXT NOT NULL,
    column_name  TEXT NOT NULL,
    rows_sampled BIGINT NOT NULL,
    non_null     BIGINT NOT NULL,
    not_scanned  TEXT,
    PRIMARY KEY (scan_id, object, column_name)
);

-- One row per (scan, object, column, label); evidence is masked, never raw.
CREATE TABLE findings (
    id            BIGSERIAL PRIMARY KEY,
    scan_id       BIGINT NOT NULL REFERENCES scans (id),
    source_id     BIGINT NOT NULL REFERENCES sources (id),
    object        TEXT NOT NULL,
    column_name   TEXT NOT NULL,
    label         TEXT NOT NULL,
    matches       BIGINT NOT NULL,
    match_rate    DOUBLE PRECISION NOT NULL,
    confidence    DOUBLE PRECISION NOT NULL,
    evidence_json TEXT NOT NULL
);
CREATE INDEX findings_column ON findings (source_id, object, column_name, label, scan_id);

-- The last version of each object a lake source has read (incremental listing).
CREATE TABLE objects_seen (
    source_id        BIGINT NOT NULL REFERENCES sources (id),
    object           TEXT NOT NULL,
    size             BIGINT NOT NULL,
    e_tag            TEXT,
    last_modified_ms BIGINT NOT NULL,
    scan_id          BIGINT NOT NULL REFERENCES scans (id),
    PRIMARY KEY (source_id, object)
);
