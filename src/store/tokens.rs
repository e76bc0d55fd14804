//! API tokens: who may call the service, with which role. Only a hash of each token is
//! stored; the token itself is shown once, when it is created.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::tx::on_tx;
use super::{from_ms, ms, query_err, Store, StoreError, Tx};

/// What a token may do (DESIGN.md, Roles). Which routes admit which roles is decided in
/// `api::auth` only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything, including tokens and webhooks.
    Admin,
    /// Sources, feature sets, webhooks, scans; reads findings and alerts.
    Engineer,
    /// Reads everything; reviews findings, acknowledges alerts.
    Reviewer,
    /// The gate, and the findings of the feature sets it asks about.
    Pipeline,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Engineer, Role::Reviewer, Role::Pipeline];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Engineer => "engineer",
            Role::Reviewer => "reviewer",
            Role::Pipeline => "pipeline",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role `{s}` (expected admin, engineer, reviewer or pipeline)"))
    }
}

/// Every token starts so: secret scanners (Assay's own `secret.assay_token` rule among
/// them) recognise a leaked one.
pub const TOKEN_PREFIX: &str = "assay_";

/// Characters of a token kept in clear to tell tokens apart in lists.
const SHOWN_PREFIX: usize = 12;

/// A new random token: the prefix and 256 random bits in hex.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A token as stored (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenRow {
    /// Usable at `now`: not revoked, not expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| e > now)
    }
}


pub(super) fn token_row<R: Row>(r: &R) -> TokenRow
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    TokenRow {
        id: r.get(0),
        name: r.get(1),
        // The column's CHECK constraint holds the four names.
        role: r.get::<String, _>(2).parse().unwrap_or(Role::Pipeline),
        prefix: r.get(3),
        created_at: from_ms(r.get(4)),
        created_by: r.get(5),
        expires_at: r.get::<Option<i64>, _>(6).map(from_ms),
        revoked_at: r.get::<Option<i64>, _>(7).map(from_ms),
        last_used_at: r.get::<Option<i64>, _>(8).map(from_ms),
    }
}

impl Tx {
    /// Stores a new token (by hash) named `name` with `role`; fails with `Duplicate` when
    /// a live token has the name.
    pub async fn create_token(&mut self, name: &str, role: Role, token: &str, created_by: Option<&str>, expires: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Result<TokenRow, StoreError> {
        const SQL: &str = "INSERT INTO api_tokens (name, role, token_hash, prefix, created_ms, created_by, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let prefix: String = token.chars().take(SHOWN_PREFIX).collect();
        let res = on_tx!(self, "create_token", |c| sqlx::query(SQL)
            .bind(name)
            .bind(role.as_str())
            .bind(hash_token(token))
            .bind(&prefix)
            .bind(ms(now))
            .bind(created_by)
            .bind(expires.map(ms))
            .fetch_one(c)
            .await
            .map(|r| r.get::<i64, _>(0)));
        let id = match res {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::Duplicate { kind: "token", name: name.to_string() }),
            Err(e) => return Err(query_err(format!("creating token `{name}`"))(e)),
        };
        Ok(TokenRow {
            id,
            name: name.to_string(),
            role,
            prefix,
            created_at: from_ms(ms(now)),
            created_by: created_by.map(str::to_string),
            expires_at: expires.map(|e| from_ms(ms(e))),
            revoked_at: None,
            last_used_at: None,
        })
    }

    /// Revokes the live token called `name`; false when there is none.
    pub async fn revoke_token(&mut self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE api_tokens SET revoked_ms = $1 WHERE name = $2 AND revoked_ms IS NULL";
        let n = on_tx!(self, "revoke_token", |c| sqlx::query(SQL)
            .bind(ms(now))
            .bind(name)
            .execute(c)
            .await
            .map_err(query_err(format!("revoking token `{name}`")))?
            .rows_affected());
        Ok(n > 0)
    }
}

impl Store {
    /// The token whose hash is `hash`, live or not (the caller decides, and says why).
    pub async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, StoreError> {
        const SQL: &str = "SELECT id, name, role, prefix, created_ms, created_by, expires_ms, revoked_ms, last_used_ms FROM api_tokens WHERE token_hash = $1";
        let row = on_pool!(self, "token_by_hash", |p| sqlx::query(SQL)
            .bind(hash)
            .fetch_optional(p)
            .await
            .map_err(query_err("looking up a token"))?
            .map(|r| token_row(&r)));
        Ok(row)
    }

    /// Tokens, oldest first; revoked ones only with `include_revoked`.
    pub async fn list_tokens(&self, include_revoked: bool) -> Result<Vec<TokenRow>, StoreError> {
        const SQL: &str = "SELECT id, name, role, prefix, created_ms, created_by, expires_ms, revoked_ms, last_used_ms FROM api_tokens \
                           WHERE ($1 OR revoked_ms IS NULL) ORDER BY id";
        let rows = on_pool!(self, "list_tokens", |p| sqlx::query(SQL)
            .bind(include_revoked)
            .fetch_all(p)
            .await
            .map_err(query_err("listing tokens"))?
            .iter()
            .map(token_row)
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// Notes that token `id` was used at `now` (best effort, for `tokens list`).
    pub async fn touch_token(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        const SQL: &str = "UPDATE api_tokens SET last_used_ms = $1 WHERE id = $2";
        on_pool!(self, "touch_token", |p| sqlx::query(SQL).bind(ms(now)).bind(id).execute(p).await.map(|_| ()).map_err(query_err("noting a token's use"))?);
        Ok(())
    }
}
