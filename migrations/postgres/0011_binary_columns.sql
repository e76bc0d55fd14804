-- Whether a column held binary values that are not UTF-8 text and was scanned through
-- their printable runs, for secrets only (the scan report's `binary`), so that a stored
-- scan read back says so as the scan's own report did. FALSE for columns recorded before.
-- (`binary` itself is a reserved word in Postgres; both stores use the same name.)
ALTER TABLE scan_columns ADD COLUMN binary_values BOOLEAN NOT NULL DEFAULT FALSE;
