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
    #[error("a source named `{0}` already exists")]
    Duplicate(String),
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
        count_query($op);
        match $store {
            Store::Postgres($pool) => $body,
            Store::Sqlite($pool) => $body,
        }
    }};
}

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
}

/// What registering a source takes.
#[derive(Debug, Clone)]
pub struct NewSource {
    pub name: String,
    pub location: String,
    pub tables: Vec<String>,
    pub interval: Duration,
    pub sample_rows: i64,
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

/// Ends a worker's lease ($4) on a source ($3): next due at $1 (ms) after $2 consecutive
/// failures; touches nothing when another worker holds the lease.
const FINISH_LEASE: &str = "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL, next_due_ms = $1, consecutive_failures = $2 \
                            WHERE id = $3 AND lease_owner = $4";

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

/// A `sources` row selected as id, name, location, tables_json, interval_secs,
/// sample_rows, created_ms, next_due_ms, consecutive_failures.
fn source_row<R: Row>(r: &R) -> SourceRow
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    SourceRow {
        id: r.get(0),
        name: r.get(1),
        location: r.get(2),
        tables: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        interval: Duration::from_secs(r.get::<i64, _>(4).max(1) as u64),
        sample_rows: r.get(5),
        created_at: from_ms(r.get(6)),
        next_due_at: from_ms(r.get(7)),
        consecutive_failures: r.get(8),
    }
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

    /// Registers a source, due at once. Fails when a live source has the name.
    pub async fn add_source(&self, new: &NewSource, now: DateTime<Utc>) -> Result<SourceRow, StoreError> {
        const SQL: &str = "INSERT INTO sources (name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms) \
                           VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id";
        let tables = serde_json::to_string(&new.tables).unwrap_or_else(|_| "[]".into());
        let res = on_pool!(self, "add_source", |p| sqlx::query(SQL)
            .bind(&new.name)
            .bind(&new.location)
            .bind(&tables)
            .bind(new.interval.as_secs() as i64)
            .bind(new.sample_rows)
            .bind(ms(now))
            .fetch_one(p)
            .await
            .map(|r| r.get::<i64, _>(0)));
        let id = match res {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::Duplicate(new.name.clone())),
            Err(e) => return Err(query_err(format!("registering source `{}`", new.name))(e)),
        };
        Ok(SourceRow {
            id,
            name: new.name.clone(),
            location: new.location.clone(),
            tables: new.tables.clone(),
            interval: new.interval,
            sample_rows: new.sample_rows,
            created_at: from_ms(ms(now)),
            next_due_at: from_ms(ms(now)),
            consecutive_failures: 0,
        })
    }

    /// The live sources, by name.
    pub async fn list_sources(&self) -> Result<Vec<SourceRow>, StoreError> {
        const SQL: &str = "SELECT id, name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms, consecutive_failures \
                           FROM sources WHERE removed_ms IS NULL ORDER BY name";
        let rows = on_pool!(self, "list_sources", |p| sqlx::query(SQL)
            .fetch_all(p)
            .await
            .map_err(query_err("listing sources"))?
            .into_iter()
            .map(|r| source_row(&r))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The live source called `name`.
    pub async fn source(&self, name: &str) -> Result<Option<SourceRow>, StoreError> {
        Ok(self.list_sources().await?.into_iter().find(|s| s.name == name))
    }

    /// Removes a source; its scans and findings stay. Returns whether it existed.
    pub async fn remove_source(&self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET removed_ms = $1, lease_owner = NULL, lease_expires_ms = NULL WHERE name = $2 AND removed_ms IS NULL";
        let n = on_pool!(self, "remove_source", |p| sqlx::query(SQL)
            .bind(ms(now))
            .bind(name)
            .execute(p)
            .await
            .map_err(query_err(format!("removing source `{name}`")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Claims up to `limit` due sources for `worker` with a lease until `now + lease`: due
    /// (`next_due_at <= now`), live, and not leased or with an expired lease (a dead
    /// worker's sources are taken over). On Postgres concurrent claimers skip each other's
    /// rows (`FOR UPDATE SKIP LOCKED`); SQLite serialises writers, so one statement is
    /// atomic there.
    pub async fn claim_due(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: i64) -> Result<Vec<SourceRow>, StoreError> {
        const CLAIM: &str = "UPDATE sources SET previous_owner = lease_owner, lease_owner = $1, lease_expires_ms = $2 WHERE id IN (\
                             SELECT id FROM sources WHERE removed_ms IS NULL \
                             AND next_due_ms <= $3 \
                             AND (lease_expires_ms IS NULL OR lease_expires_ms <= $3) ORDER BY next_due_ms, id LIMIT $4";
        const RETURNING: &str = ") RETURNING id, name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms, consecutive_failures, previous_owner";
        let expires = ms_after(now, lease);
        let sql = match self {
            Store::Postgres(_) => format!("{CLAIM} FOR UPDATE SKIP LOCKED{RETURNING}"),
            Store::Sqlite(_) => format!("{CLAIM}{RETURNING}"),
        };
        let mut rows = on_pool!(self, "claim_due", |p| sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(worker)
            .bind(expires)
            .bind(ms(now))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("claiming due sources for {worker}")))?
            .into_iter()
            .map(|r| {
                // An expired lease someone else held: its worker died or stalled.
                if r.get::<Option<String>, _>(9).is_some() {
                    metrics::counter!("assay_lease_takeovers_total").increment(1);
                }
                source_row(&r)
            })
            .collect::<Vec<_>>());
        rows.sort_by_key(|s| (s.next_due_at, s.id));
        Ok(rows)
    }

    /// Makes due at `now` every source due more than twice its interval after `now`: no
    /// schedule sets that, only a clock that was ahead and has been set back, which must
    /// not starve those sources until it catches up. Kept out of `claim_due` so that a
    /// claim reads only the due end of its index; the scheduler runs it at start and when
    /// it sees the clock go back. Returns how many sources were rescheduled.
    pub async fn reschedule_ahead(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        const SQL: &str = "UPDATE sources SET next_due_ms = $1 WHERE removed_ms IS NULL AND (next_due_ms - $1) / 2000 > interval_secs";
        let n = on_pool!(self, "reschedule_ahead", |p| sqlx::query(SQL)
            .bind(ms(now))
            .execute(p)
            .await
            .map_err(query_err("rescheduling sources due ahead of the clock"))?
            .rows_affected());
        Ok(n)
    }

    /// Claims one source for `worker` whatever its schedule (scan now); false when another
    /// worker holds a live lease on it or it was removed.
    pub async fn claim_source(&self, source_id: i64, worker: &str, now: DateTime<Utc>, lease: Duration) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET lease_owner = $1, lease_expires_ms = $2 \
                           WHERE id = $3 AND removed_ms IS NULL AND (lease_expires_ms IS NULL OR lease_expires_ms <= $4)";
        let n = on_pool!(self, "claim_source", |p| sqlx::query(SQL)
            .bind(worker)
            .bind(ms_after(now, lease))
            .bind(source_id)
            .bind(ms(now))
            .execute(p)
            .await
            .map_err(query_err(format!("claiming source {source_id}")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Extends `worker`'s lease on a source; false when the lease was lost (expired and
    /// taken over, or the source was removed), and the worker must stop.
    pub async fn renew_lease(&self, source_id: i64, worker: &str, now: DateTime<Utc>, lease: Duration) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET lease_expires_ms = $1 WHERE id = $2 AND lease_owner = $3 AND removed_ms IS NULL";
        let n = on_pool!(self, "renew_lease", |p| sqlx::query(SQL)
            .bind(ms_after(now, lease))
            .bind(source_id)
            .bind(worker)
            .execute(p)
            .await
            .map_err(query_err(format!("renewing the lease on source {source_id}")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Gives up `worker`'s lease without recording a scan (shutdown): the source keeps its
    /// due time, so another worker claims it at once. False when the lease was not held.
    pub async fn release_lease(&self, source_id: i64, worker: &str) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL WHERE id = $1 AND lease_owner = $2";
        let n = on_pool!(self, "release_lease", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(worker)
            .execute(p)
            .await
            .map_err(query_err(format!("releasing the lease on source {source_id}")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Ends `worker`'s lease: the source is next due at `next_due` with this many
    /// consecutive failures. False when the lease had been lost meanwhile.
    pub async fn finish_lease(&self, source_id: i64, worker: &str, next_due: DateTime<Utc>, consecutive_failures: i64) -> Result<bool, StoreError> {
        let n = on_pool!(self, "finish_lease", |p| sqlx::query(FINISH_LEASE)
            .bind(ms(next_due))
            .bind(consecutive_failures)
            .bind(source_id)
            .bind(worker)
            .execute(p)
            .await
            .map_err(query_err(format!("releasing source {source_id}")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Records a scan that ran from `started` to `finished` with its report: one row for
    /// the scan, one per column looked at, one per finding. Returns the scan id and status.
    pub async fn record_scan(&self, source_id: i64, worker: &str, started: DateTime<Utc>, finished: DateTime<Utc>, report: &Report, failed: Option<&str>) -> Result<(i64, ScanStatus), StoreError> {
        let Some(recorded) = self.record(source_id, worker, started, finished, report, failed, None).await? else {
            unreachable!("only a lease to release can turn a scan away");
        };
        Ok(recorded)
    }

    /// Records a scan as `record_scan` does and ends `worker`'s lease as `finish_lease`
    /// does, in one transaction: a worker that died between the two would leave a recorded
    /// scan whose source is still due, scanned again as soon as the lease expired. `None`
    /// (nothing recorded) when the lease had been lost meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_scan(
        &self,
        source_id: i64,
        worker: &str,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        report: &Report,
        failed: Option<&str>,
        next_due: DateTime<Utc>,
        consecutive_failures: i64,
    ) -> Result<Option<(i64, ScanStatus)>, StoreError> {
        self.record(source_id, worker, started, finished, report, failed, Some((next_due, consecutive_failures))).await
    }

    /// `record_scan`, and with `release` (next due, consecutive failures) `finish_lease` in
    /// the same transaction, first, so that the source's row stays locked until the commit.
    #[allow(clippy::too_many_arguments)]
    async fn record(
        &self,
        source_id: i64,
        worker: &str,
        started: DateTime<Utc>,
        finished: DateTime<Utc>,
        report: &Report,
        failed: Option<&str>,
        release: Option<(DateTime<Utc>, i64)>,
    ) -> Result<Option<(i64, ScanStatus)>, StoreError> {
        let status = match failed {
            Some(_) => ScanStatus::Failed,
            None if report.errors.is_empty() => ScanStatus::Succeeded,
            None => ScanStatus::Partial,
        };
        let error = failed.map(str::to_string).or_else(|| {
            (!report.errors.is_empty()).then(|| report.errors.iter().map(|e| e.error.as_str()).collect::<Vec<_>>().join("\n"))
        });
        let what = format!("recording a scan of source {source_id}");
        macro_rules! record {
            ($p:expr) => {{
                // BEGIN and COMMIT are round trips too.
                count_query("record_scan");
                let mut tx = $p.begin().await.map_err(query_err(what.clone()))?;
                if let Some((next_due, consecutive_failures)) = release {
                    count_query("record_scan");
                    let released = sqlx::query(FINISH_LEASE)
                        .bind(ms(next_due))
                        .bind(consecutive_failures)
                        .bind(source_id)
                        .bind(worker)
                        .execute(&mut *tx)
                        .await
                        .map_err(query_err(format!("releasing source {source_id}")))?
                        .rows_affected();
                    if released == 0 {
                        let _ = tx.rollback().await;
                        return Ok(None);
                    }
                }
                count_query("record_scan");
                let scan_id: i64 = sqlx::query(
                    "INSERT INTO scans (source_id, status, started_ms, finished_ms, worker, error, units) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(source_id)
                .bind(status.as_str())
                .bind(ms(started))
                .bind(ms(finished))
                .bind(worker)
                .bind(error.as_deref())
                .bind(report.columns.len() as i64)
                .fetch_one(&mut *tx)
                .await
                .map_err(query_err(what.clone()))?
                .get(0);
                for c in &report.columns {
                    count_query("record_scan");
                    sqlx::query("INSERT INTO scan_columns (scan_id, object, column_name, rows_sampled, non_null, not_scanned) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(scan_id)
                        .bind(&c.source)
                        .bind(&c.column)
                        .bind(c.rows_sampled as i64)
                        .bind(c.non_null as i64)
                        .bind(c.not_scanned.as_deref())
                        .execute(&mut *tx)
                        .await
                        .map_err(query_err(what.clone()))?;
                    for l in &c.labels {
                        count_query("record_scan");
                        sqlx::query(
                            "INSERT INTO findings (scan_id, source_id, object, column_name, label, matches, match_rate, confidence, evidence_json) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        )
                        .bind(scan_id)
                        .bind(source_id)
                        .bind(&c.source)
                        .bind(&c.column)
                        .bind(&l.label)
                        .bind(l.matches as i64)
                        .bind(l.match_rate)
                        .bind(l.confidence)
                        .bind(serde_json::to_string(&l.evidence).unwrap_or_else(|_| "[]".into()))
                        .execute(&mut *tx)
                        .await
                        .map_err(query_err(what.clone()))?;
                    }
                }
                count_query("record_scan");
                tx.commit().await.map_err(query_err(what.clone()))?;
                Ok(Some((scan_id, status)))
            }};
        }
        match self {
            Store::Postgres(p) => record!(p),
            Store::Sqlite(p) => record!(p),
        }
    }

    /// Live sources due before `before` (overdue when `before` is now minus a grace).
    pub async fn count_due_before(&self, before: DateTime<Utc>) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM sources WHERE removed_ms IS NULL AND next_due_ms < $1";
        let n = on_pool!(self, "count_due_before", |p| sqlx::query(SQL).bind(ms(before)).fetch_one(p).await.map_err(query_err("counting overdue sources"))?.get::<i64, _>(0));
        Ok(n)
    }

    /// The latest `limit` scans of a source, newest first.
    pub async fn scans(&self, source_id: i64, limit: i64) -> Result<Vec<ScanSummary>, StoreError> {
        const SQL: &str = "SELECT id, status, started_ms, finished_ms, worker, error FROM scans WHERE source_id = $1 ORDER BY started_ms DESC, id DESC LIMIT $2";
        let rows = on_pool!(self, "scans", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("listing scans of source {source_id}")))?
            .into_iter()
            .map(|r| ScanSummary {
                id: r.get(0),
                status: r.get(1),
                started_at: from_ms(r.get(2)),
                finished_at: r.get::<Option<i64>, _>(3).map(from_ms),
                worker: r.get(4),
                error: r.get(5),
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// When a column of a source first held `label`: the start of the earliest scan with
    /// that finding (history is append-only, so this is one query).
    pub async fn first_seen(&self, source_id: i64, object: &str, column: &str, label: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        const SQL: &str = "SELECT MIN(s.started_ms) FROM findings f JOIN scans s ON s.id = f.scan_id \
                           WHERE f.source_id = $1 AND f.object = $2 AND f.column_name = $3 AND f.label = $4";
        let v: Option<i64> = on_pool!(self, "first_seen", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(object)
            .bind(column)
            .bind(label)
            .fetch_one(p)
            .await
            .map_err(query_err("looking up a finding's first scan"))?
            .get(0));
        Ok(v.map(from_ms))
    }

    /// The objects a lake source read last, for incremental listing.
    pub async fn objects_seen(&self, source_id: i64) -> Result<Vec<ObjectEntry>, StoreError> {
        const SQL: &str = "SELECT object, size, e_tag, last_modified_ms FROM objects_seen WHERE source_id = $1 ORDER BY object";
        let rows = on_pool!(self, "objects_seen", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(query_err("reading the objects seen"))?
            .into_iter()
            .map(|r| ObjectEntry {
                shown: r.get(0),
                key: Default::default(),
                size: r.get::<i64, _>(1) as u64,
                e_tag: r.get(2),
                last_modified: from_ms(r.get(3)),
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The current columns of a source, one per (object, column): for each object it
    /// still has, the results of the scan that last read it (an unchanged object is not
    /// read again, so its results come from an earlier scan).
    pub async fn current_columns(&self, source_id: i64) -> Result<Vec<ColumnReport>, StoreError> {
        const COLUMNS: &str = "SELECT c.object, c.column_name, c.rows_sampled, c.non_null, c.not_scanned \
                               FROM objects_seen o JOIN scan_columns c ON c.scan_id = o.scan_id AND c.object = o.object \
                               WHERE o.source_id = $1 ORDER BY c.object, c.column_name";
        const LABELS: &str = "SELECT f.object, f.column_name, f.label, f.matches, f.match_rate, f.confidence, f.evidence_json \
                              FROM objects_seen o JOIN findings f ON f.scan_id = o.scan_id AND f.object = o.object \
                              WHERE o.source_id = $1 ORDER BY f.object, f.column_name, f.id";
        let what = || query_err(format!("reading the current columns of source {source_id}"));
        let mut columns = on_pool!(self, "current_columns", |p| sqlx::query(COLUMNS)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(what())?
            .into_iter()
            .map(|r| ColumnReport {
                source: r.get(0),
                column: r.get(1),
                rows_sampled: r.get::<i64, _>(2) as usize,
                non_null: r.get::<i64, _>(3) as usize,
                rows_swept: None,
                not_scanned: r.get(4),
                objects: None,
                labels: Vec::new(),
            })
            .collect::<Vec<_>>());
        let labels = on_pool!(self, "current_columns", |p| sqlx::query(LABELS)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(what())?
            .into_iter()
            .map(|r| {
                let key: (String, String) = (r.get(0), r.get(1));
                let verdict = LabelVerdict {
                    label: r.get(2),
                    matches: r.get::<i64, _>(3) as usize,
                    match_rate: r.get(4),
                    confidence: r.get(5),
                    evidence: serde_json::from_str(&r.get::<String, _>(6)).unwrap_or_default(),
                    schemes: Vec::new(),
                };
                (key, verdict)
            })
            .collect::<Vec<_>>());
        let index: std::collections::HashMap<(String, String), usize> = columns.iter().enumerate().map(|(i, c)| ((c.source.clone(), c.column.clone()), i)).collect();
        for (key, verdict) in labels {
            if let Some(&i) = index.get(&key) {
                columns[i].labels.push(verdict);
            }
        }
        Ok(columns)
    }

    /// A source's current verdict per column: `current_columns` merged per dataset (a
    /// table of a database; the part files of a lake directory, partitions included).
    pub async fn source_columns(&self, src: &SourceRow) -> Result<Vec<ColumnReport>, StoreError> {
        let columns = self.current_columns(src.id).await?;
        let given = redact(&src.location);
        Ok(match Location::parse(&src.location) {
            Ok(Location::Postgres { .. }) => merge_objects(columns, str::to_string),
            _ => {
                let datasets = datasets(&given, columns.iter().map(|c| c.source.as_str()));
                merge_objects(columns, |o| datasets.get(o).cloned().unwrap_or_else(|| o.to_string()))
            }
        })
    }

    /// Remembers the versions of objects a scan read (replacing earlier versions) and
    /// forgets those no longer listed, in one transaction, so that the source's current
    /// columns move from one scan's view to the next and never show half of one.
    pub async fn update_objects(&self, source_id: i64, scan_id: i64, read: &[ObjectEntry], removed: &[String]) -> Result<(), StoreError> {
        const UPSERT: &str = "INSERT INTO objects_seen (source_id, object, size, e_tag, last_modified_ms, scan_id) VALUES ($1, $2, $3, $4, $5, $6) \
                              ON CONFLICT (source_id, object) DO UPDATE SET size = excluded.size, e_tag = excluded.e_tag, \
                              last_modified_ms = excluded.last_modified_ms, scan_id = excluded.scan_id";
        const DELETE: &str = "DELETE FROM objects_seen WHERE source_id = $1 AND object = $2";
        let what = format!("recording the objects scan {scan_id} read");
        macro_rules! update {
            ($p:expr) => {{
                count_query("update_objects");
                let mut tx = $p.begin().await.map_err(query_err(what.clone()))?;
                for o in read {
                    count_query("update_objects");
                    sqlx::query(UPSERT)
                        .bind(source_id)
                        .bind(&o.shown)
                        .bind(o.size as i64)
                        .bind(o.e_tag.as_deref())
                        .bind(ms(o.last_modified))
                        .bind(scan_id)
                        .execute(&mut *tx)
                        .await
                        .map_err(query_err(format!("recording object {}", o.shown)))?;
                }
                for o in removed {
                    count_query("update_objects");
                    sqlx::query(DELETE).bind(source_id).bind(o).execute(&mut *tx).await.map_err(query_err(format!("forgetting object {o}")))?;
                }
                count_query("update_objects");
                tx.commit().await.map_err(query_err(what.clone()))
            }};
        }
        match self {
            Store::Postgres(p) => update!(p),
            Store::Sqlite(p) => update!(p),
        }
    }
}
