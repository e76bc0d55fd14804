//! Recording scans: one row per scan, one per column it looked at, one per finding (masked
//! evidence only), written in one transaction with the end of the scan's lease; and the
//! scans of a source, newest first.

use super::*;
use super::leases::FINISH_LEASE;

impl Store {
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
                            "INSERT INTO findings (scan_id, source_id, object, column_name, label, matches, match_rate, confidence, evidence_json, schemes_json) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                        .bind((!l.schemes.is_empty()).then(|| serde_json::to_string(&l.schemes).unwrap_or_default()))
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
            .map(|r| scan_row(&r))
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
}

/// A scan row selected as id, status, started_ms, finished_ms, worker, error.
pub(super) fn scan_row<R: Row>(r: &R) -> ScanSummary
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    ScanSummary {
        id: r.get(0),
        status: r.get(1),
        started_at: from_ms(r.get(2)),
        finished_at: r.get::<Option<i64>, _>(3).map(from_ms),
        worker: r.get(4),
        error: r.get(5),
    }
}
