//! Dashboard sessions: what signing in with an API token opens (see `web::session`).
//!
//! Only the SHA-256 of a session id is stored. A session is looked up together with its
//! token, so a revoked or expired token ends its sessions without touching this table;
//! expired rows are swept when sessions are opened.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::tokens::token_row;
use super::tx::on_tx;
use super::{ms, query_err, Store, StoreError, TokenRow, Tx};

/// A live session and the token it acts as.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub token: TokenRow,
    /// The session's CSRF token, carried by every form.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl Tx {
    /// Opens a session (by the hash of its id) for token `token_id`, and sweeps expired ones.
    pub async fn open_session(&mut self, id_hash: &str, token_id: i64, csrf: &str, now: DateTime<Utc>, expires: DateTime<Utc>) -> Result<(), StoreError> {
        on_tx!(self, "open_session", |c| sqlx::query("DELETE FROM web_sessions WHERE expires_ms <= $1")
            .bind(ms(now))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("sweeping expired sessions"))?);
        const SQL: &str = "INSERT INTO web_sessions (id_hash, token_id, csrf, created_ms, expires_ms) VALUES ($1, $2, $3, $4, $5)";
        on_tx!(self, "open_session", |c| sqlx::query(SQL)
            .bind(id_hash)
            .bind(token_id)
            .bind(csrf)
            .bind(ms(now))
            .bind(ms(expires))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("opening a session"))?);
        Ok(())
    }

    /// Ends the session whose id hashes to `id_hash`; false when there was none.
    pub async fn close_session(&mut self, id_hash: &str) -> Result<bool, StoreError> {
        let n = on_tx!(self, "close_session", |c| sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(c)
            .await
            .map_err(query_err("closing a session"))?
            .rows_affected());
        Ok(n > 0)
    }
}

impl Store {
    /// The session whose id hashes to `id_hash` if it is live at `now` and its token too
    /// (not revoked, not expired).
    pub async fn session(&self, id_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRow>, StoreError> {
        const SQL: &str = "SELECT t.id, t.name, t.role, t.prefix, t.created_ms, t.created_by, t.expires_ms, t.revoked_ms, t.last_used_ms, s.csrf, s.expires_ms \
                           FROM web_sessions s JOIN api_tokens t ON t.id = s.token_id \
                           WHERE s.id_hash = $1 AND s.expires_ms > $2 AND t.revoked_ms IS NULL AND (t.expires_ms IS NULL OR t.expires_ms > $2)";
        let row = on_pool!(self, "session", |p| sqlx::query(SQL)
            .bind(id_hash)
            .bind(ms(now))
            .fetch_optional(p)
            .await
            .map_err(query_err("looking up a session"))?
            .map(|r| SessionRow { token: token_row(&r), csrf: r.get(9), expires_at: super::from_ms(r.get(10)) }));
        Ok(row)
    }
}
