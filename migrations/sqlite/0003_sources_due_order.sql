-- claim_due takes the earliest due sources in (next_due_ms, id) order (see
-- migrations/postgres: there the index on next_due_ms alone made Postgres sort every due
-- row). SQLite already walked that order (id is the rowid, stored in every index); the
-- same index keeps the two schemas alike.
DROP INDEX sources_due;
CREATE INDEX sources_due ON sources (next_due_ms, id) WHERE removed_ms IS NULL;
