-- Dashboard sessions. Signing in with an API token opens one: the browser holds a random
-- session id in an HttpOnly cookie; only its SHA-256 hash is kept here, so a copy of the
-- table cannot be replayed as cookies. A session acts as its token: looking one up joins
-- api_tokens, so revoking (or the expiry of) the token ends its sessions at once.
-- `csrf` is the per-session token every dashboard form carries back.
CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id),
    csrf       TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX web_sessions_expires ON web_sessions (expires_ms);

-- The findings of one scan's object, for the dashboard: a source's current findings are
-- those of the scans that last read its objects (objects_seen), and its charts read the
-- findings of the last days' scans; findings_column leads with the source instead.
CREATE INDEX findings_scan ON findings (scan_id, object);
-- Scans by start time: the overview counts the findings of today's scans on every view.
CREATE INDEX scans_started ON scans (started_ms);
