//! Leases: which worker scans which source. Claims take due sources whose lease is free or
//! expired (`FOR UPDATE SKIP LOCKED` on Postgres; SQLite serialises writers), a lease is
//! renewed while its scan runs, and ended (with the next due time) when the scan is
//! recorded or given up. A worker that dies simply stops renewing: its leases expire and
//! another worker takes the sources over.

use super::*;
use super::sources::{source_columns, source_row, AFTER_SOURCE_COLUMNS};

/// Ends a worker's lease ($4) on a source ($3): next due at $1 (ms) after $2 consecutive
/// failures; touches nothing when another worker holds the lease.
pub(super) const FINISH_LEASE: &str = "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL, next_due_ms = $1, consecutive_failures = $2 \
                            WHERE id = $3 AND lease_owner = $4";

impl Store {
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
        const RETURNING: &str = concat!(") RETURNING ", source_columns!(), ", previous_owner");
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
                if r.get::<Option<String>, _>(AFTER_SOURCE_COLUMNS).is_some() {
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
}
