-- Change-aware discovery (issue 14).
-- The rule set each scan ran with: a source whose last successful scan ran other rules is
-- read again in full, since unchanged data can hold what new rules find.
ALTER TABLE scans ADD COLUMN rules_digest TEXT;
-- What a scan says that is not an error (a table without an append key, the sample size
-- it chose instead), one note per line.
ALTER TABLE scans ADD COLUMN notes TEXT;
-- Objects or tables a scan read, and those it left alone as unchanged since they were read.
ALTER TABLE scans ADD COLUMN read_count BIGINT;
ALTER TABLE scans ADD COLUMN unchanged_count BIGINT;
-- The column that orders a database source's rows by arrival, where its tables have it
-- indexed (else each table's identity key or a conventional timestamp is used).
ALTER TABLE sources ADD COLUMN append_key TEXT;
-- A table's sampling state beside its version (e_tag): its append key and high-water
-- mark, the round of its rotating sample and the change counters it was read at (JSON).
ALTER TABLE objects_seen ADD COLUMN state_json TEXT;
-- Which part of a table's sample held a finding: `new_rows` (beyond the high-water
-- mark), `table` (the uniform sample) or `both`; NULL for files.
ALTER TABLE findings ADD COLUMN sample_part TEXT;
