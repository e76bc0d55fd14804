//! The audit log: one append-only row per mutating request, refusal and sign-in.
//!
//! Rows are written through a [`Tx`] so that a change and its record commit together;
//! refusals, which change nothing, are written on their own. Nothing here updates or
//! deletes a row (the migrations' triggers refuse it too).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::tx::on_tx;
use super::{from_ms, ms, query_err, Store, StoreError, Tx};

/// Longest `detail` kept: a reason or an error message, never a payload.
const MAX_DETAIL: usize = 1000;

/// What one audit row says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// When the request was handled (RFC 3339).
    pub at: DateTime<Utc>,
    /// The token's name; absent for requests without a valid token.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// What was asked, e.g. `sources.add`, `tokens.revoke`, `auth.denied`.
    pub action: String,
    /// What it was asked of, e.g. `source:orders`.
    pub target: Option<String>,
    /// `ok`, `rejected` (4xx from validation), `denied` (403), `unauthenticated` (401),
    /// `rate_limited` (429), `failed` (5xx).
    pub outcome: String,
    /// The HTTP status answered.
    pub status: u16,
    /// The client's address.
    pub client: Option<String>,
    /// The request id, also sent back as `X-Request-Id`.
    pub request_id: String,
    /// A reason or error message (capped).
    pub detail: Option<String>,
}

/// An audit row as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRow {
    pub id: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Which rows to read: every field narrows; `before` is the cursor (rows with a smaller
/// id), newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub before: Option<i64>,
    pub limit: i64,
}

const INSERT: &str = "INSERT INTO audit_log (at_ms, actor, role, action, target, outcome, status, client, request_id, detail) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

fn capped(detail: &Option<String>) -> Option<String> {
    detail.as_ref().map(|d| match d.char_indices().nth(MAX_DETAIL) {
        Some((i, _)) => format!("{}…", &d[..i]),
        None => d.clone(),
    })
}

impl Tx {
    /// Appends `entry` in this transaction.
    pub async fn audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError> {
        on_tx!(self, "audit", |c| sqlx::query(INSERT)
            .bind(ms(entry.at))
            .bind(entry.actor.as_deref())
            .bind(entry.role.as_deref())
            .bind(&entry.action)
            .bind(entry.target.as_deref())
            .bind(&entry.outcome)
            .bind(i32::from(entry.status))
            .bind(entry.client.as_deref())
            .bind(&entry.request_id)
            .bind(capped(&entry.detail))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("writing the audit log"))?);
        Ok(())
    }
}

impl Store {
    /// Appends `entry` on its own (for requests that changed nothing).
    pub async fn audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.audit(entry).await?;
        tx.commit().await
    }

    /// Audit rows matching `filter`, newest first, at most `filter.limit`.
    pub async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        const SQL: &str = "SELECT id, at_ms, actor, role, action, target, outcome, status, client, request_id, detail FROM audit_log \
                           WHERE ($1 IS NULL OR actor = $1) AND ($2 IS NULL OR action = $2) AND ($3 IS NULL OR target = $3) \
                           AND ($4 IS NULL OR at_ms >= $4) AND ($5 IS NULL OR at_ms < $5) AND ($6 IS NULL OR id < $6) \
                           ORDER BY id DESC LIMIT $7";
        let rows = on_pool!(self, "audit_log", |p| sqlx::query(SQL)
            .bind(filter.actor.as_deref())
            .bind(filter.action.as_deref())
            .bind(filter.target.as_deref())
            .bind(filter.since.map(ms))
            .bind(filter.until.map(ms))
            .bind(filter.before)
            .bind(filter.limit)
            .fetch_all(p)
            .await
            .map_err(query_err("reading the audit log"))?
            .into_iter()
            .map(|r| AuditRow {
                id: r.get(0),
                entry: AuditEntry {
                    at: from_ms(r.get(1)),
                    actor: r.get(2),
                    role: r.get(3),
                    action: r.get(4),
                    target: r.get(5),
                    outcome: r.get(6),
                    status: r.get::<i32, _>(7).clamp(0, 999) as u16,
                    client: r.get(8),
                    request_id: r.get(9),
                    detail: r.get(10),
                },
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }
}
