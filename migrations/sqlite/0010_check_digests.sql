-- The contamination check's inputs as a source's last check saw them (a SHA-256 over the
-- pooled findings of the datasets it looked at, their columns, and the alert policy), kept
-- only when that check left nothing in motion (no alert counting clean scans). A scan whose
-- inputs hash the same skips the check: its outcome would be the same writes, none; one
-- whose inputs differ only in counts and evidence writes the evidence of the findings that
-- alerted. Any change to feature sets, members or reviews forgets the digests it concerns.
CREATE TABLE check_digests (
    source_id BIGINT PRIMARY KEY REFERENCES sources(id),
    digest TEXT NOT NULL,
    -- The same without counts and evidence: which labels which columns hold.
    shape TEXT NOT NULL,
    -- JSON lists of (dataset, column, label): the findings that alerted, and those a
    -- dismissal held back, at that check.
    alerting_json TEXT NOT NULL,
    held_back_json TEXT NOT NULL
);
