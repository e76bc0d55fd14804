-- API tokens and the audit log. (SQLite: the same schema as migrations/postgres, in its dialect.)
-- A token is shown once, when created; only its SHA-256 hash is kept (tokens are 256
-- random bits, so a fast unsalted hash cannot be brute-forced), with a short prefix to
-- recognise it in lists. A name is unique among live (unrevoked) tokens.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'reviewer', 'pipeline')),
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_ms   BIGINT NOT NULL,
    created_by   TEXT,
    expires_ms   BIGINT,
    revoked_ms   BIGINT,
    last_used_ms BIGINT
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked_ms IS NULL;

-- One row per mutating request, refusal (401/403/429) and sign-in: who, what, on what,
-- how it ended. Append-only: no route changes it, and the triggers below refuse UPDATE
-- and DELETE from anyone, so a stolen admin token cannot erase its tracks through SQL
-- run by the service either.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      BIGINT NOT NULL,
    actor      TEXT,
    role       TEXT,
    action     TEXT NOT NULL,
    target     TEXT,
    outcome    TEXT NOT NULL,
    status     INTEGER NOT NULL,
    client     TEXT,
    request_id TEXT NOT NULL,
    detail     TEXT
);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_target ON audit_log (target, id);
CREATE INDEX audit_log_at ON audit_log (at_ms, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
