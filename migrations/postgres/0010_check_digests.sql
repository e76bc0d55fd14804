-- The contamination check's inputs as a source's last check saw them (a SHA-256 over the
-- pooled findings of the datasets it looked at, their columns, and the alert policy), kept
-- only when that check left nothing in motion (no alert counting clean scans). A scan whose
-- inputs hash the same skips the check: its outcome would be the same writes, none. Any
-- change to feature sets, members or reviews forgets the digests it concerns.
CREATE TABLE check_digests (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id),
    digest TEXT NOT NULL
);
