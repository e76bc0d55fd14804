//! The store: registered sources, scans, append-only column results and findings, and the
//! objects lake sources have seen, in Postgres (production, shared by workers) or SQLite
//! (the embedded default).
//!
//! Both backends run the same query texts (`$N` placeholders, times as epoch
//! milliseconds); only the migrations differ in dialect. Nothing raw is stored: locations
//! are kept as registered (credential references, not secrets) and evidence is masked.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row;

use crate::classify::LabelVerdict;
use crate::report::{merge_objects, ColumnReport, Report};
use crate::sources::location::{redact, Location};
use crate::sources::store::{datasets, ObjectEntry};

/// The default store when `DATABASE_URL` is not set.
pub const DEFAULT_URL: &str = "sqlite://./assay.db";

/// Why the store could not do something; each names what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{url}: cannot open the store: {message}")]
    Open { url: String, message: String },
    #[error("{url}: unsupported store URL (expected postgres://… or sqlite://…)")]
    Scheme { url: String },
    #[error("applying migrations: {0}")]
    Migrate(String),
    #[error("{what}: {source}")]
    Query { what: String, source: sqlx::Error },
    /// The name is taken among live things of that kind.
    #[error("a {kind} named `{name}` already exists")]
    Duplicate { kind: &'static str, name: String },
    /// Something named does not exist (a member's source, a feature set's webhook).
    #[error("no {kind} named `{name}`")]
    Unknown { kind: &'static str, name: String },
}

/// A connected store.
#[derive(Clone, Debug)]
pub enum Store {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// Runs the same query-building expression against whichever pool the store holds,
/// counting it as one statement of operation `$op` (see [`count_query`]).
macro_rules! on_pool {
    ($store:expr, $op:literal, |$pool:ident| $body:expr) => {{
        $crate::store::count_query($op);
        match $store {
            $crate::store::Store::Postgres($pool) => $body,
            $crate::store::Store::Sqlite($pool) => $body,
        }
    }};
}

mod alerts;
mod audit;
mod check_digests;
mod datasets;
mod feature_sets;
mod gate;
mod history;
mod keys;
mod leases;
mod objects;
pub mod outbox;
mod reviews;
mod scans;
mod sessions;
mod sources;
mod dashboard;
mod tokens;
mod tx;
mod webhooks;

pub use alerts::{alert_payload, Alert, AlertEvent, AlertFilter, AlertPolicy, COLUMN_REMOVED};
pub use audit::{AuditEntry, AuditFilter, AuditRow};
pub use feature_sets::{FeatureSet, FeatureSetSpec, Member, MemberSpec};
pub use gate::{GateAnswer, GateMember, GateReason};
pub use history::FindingAt;
pub use keys::{ATTESTATION_KEY, FINGERPRINT_KEY};
pub use outbox::{Delivery, DeliveryAttempt, OutboxStats};
pub use reviews::{Review, ReviewFilter, Verdict};
pub use scans::{Recorded, ScanRecord};
pub use sessions::SessionRow;
pub use dashboard::{CurrentFinding, FindingFilter, LabelCount, SourceFindings, DayCount};
pub use webhooks::{Webhook, WebhookFormat, WebhookSpec};
pub use tokens::{generate_token, hash_token, Role, TokenRow, TOKEN_PREFIX};
pub use tx::Tx;
use tx::on_tx;

/// Counts one statement sent to the store (`assay_store_queries_total{op}`), so that
/// round trips per scan can be read off /metrics and measured by the benchmarks.
fn count_query(op: &'static str) {
    metrics::counter!("assay_store_queries_total", "op" => op).increment(1);
}

/// A source as registered.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRow {
    pub id: i64,
    pub name: String,
    /// As registered: a path, URL or credential reference.
    pub location: String,
    /// `--table` selectors for database sources.
    pub tables: Vec<String>,
    pub interval: Duration,
    pub sample_rows: i64,
    pub created_at: DateTime<Utc>,
    pub next_due_at: DateTime<Utc>,
    pub consecutive_failures: i64,
    /// The column that orders a database source's rows by arrival (see `scan::ScanOptions`).
    pub append_key: Option<String>,
    /// The SQS queue (URL or `env:` reference) this lake source's bucket sends
    /// object-created notifications to (see `sources::events`).
    pub events: Option<String>,
}

/// One scan of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanSummary {
    pub id: i64,
    /// `running`, `succeeded`, `partial` or `failed`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub worker: String,
    /// The failure, or the errors of a partial scan (redacted).
    pub error: Option<String>,
    /// Objects or tables it read, and those it left alone as unchanged (`None` for scans
    /// recorded before these were kept).
    pub read: Option<i64>,
    pub unchanged: Option<i64>,
    /// What it says that is not an error (how tables were sampled), one per line.
    pub notes: Vec<String>,
}

/// What registering a source takes.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub location: String,
    pub tables: Vec<String>,
    pub interval: Duration,
    pub sample_rows: i64,
    pub append_key: Option<String>,
    pub events: Option<String>,
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStatus {
    /// Everything was scanned.
    Succeeded,
    /// Some objects, tables or columns failed; the rest was scanned.
    Partial,
    /// Nothing could be scanned (e.g. the database was unreachable).
    Failed,
}

impl ScanStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Succeeded => "succeeded",
            ScanStatus::Partial => "partial",
            ScanStatus::Failed => "failed",
        }
    }
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// `t + d` in epoch ms, saturating (a lease from a far-future clock must not overflow).
fn ms_after(t: DateTime<Utc>, d: Duration) -> i64 {
    ms(t).saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

fn query_err(what: impl Into<String>) -> impl FnOnce(sqlx::Error) -> StoreError {
    let what = what.into();
    move |source| StoreError::Query { what, source }
}

impl Store {
    /// Opens the store at `url` (`postgres://…` or `sqlite://path`; a SQLite file is
    /// created if missing).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let shown = redact(url);
        let open_err = |e: sqlx::Error| StoreError::Open { url: shown.clone(), message: redact(&e.to_string()) };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(10)).connect(url).await.map_err(open_err)?;
            Ok(Store::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            // WAL and a busy timeout: the scheduler and the API write from several tasks.
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(open_err)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new().max_connections(4).connect_with(opts).await.map_err(open_err)?;
            Ok(Store::Sqlite(pool))
        } else {
            Err(StoreError::Scheme { url: shown })
        }
    }

    /// Applies the migrations this binary carries that the store has not seen.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let res = match self {
            Store::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await,
            Store::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await,
        };
        res.map_err(|e| StoreError::Migrate(e.to_string()))
    }

    /// The clock leases and due times are compared on. Postgres's `clock_timestamp()`,
    /// shared by every worker, so that one whose wall clock is skewed or jumps neither
    /// takes over live leases nor starves sources; a SQLite store serves one process,
    /// whose clock it is.
    pub async fn now(&self) -> Result<DateTime<Utc>, StoreError> {
        match self {
            Store::Postgres(p) => {
                count_query("now");
                let v: i64 = sqlx::query("SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT")
                    .fetch_one(p)
                    .await
                    .map_err(query_err("reading the store's clock"))?
                    .get(0);
                Ok(from_ms(v))
            }
            Store::Sqlite(_) => Ok(Utc::now()),
        }
    }

    /// Whether the store answers a query (readiness).
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, "ping", |p| sqlx::query("SELECT 1").execute(p).await.map(|_| ()).map_err(query_err("reaching the store")))
    }

}
