//! Recording scans: one row per scan, one per column it looked at, one per finding (masked
//! evidence only), written in one transaction with the end of the scan's lease; and the
//! scans of a source, newest first.

use super::*;
use super::leases::FINISH_LEASE;

/// A scan to record: what ran, what it found, and which objects it read or saw gone.
pub struct ScanRecord<'a> {
    pub source: &'a SourceRow,
    pub worker: &'a str,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    pub report: &'a Report,
    /// Why the whole scan failed, if it did.
    pub failed: Option<&'a str>,
    /// The objects (or tables) this scan read, with their versions.
    pub read: &'a [ObjectEntry],
    /// Objects seen before that the listing no longer has.
    pub removed: &'a [String],
    /// The digest of the rules the scan ran (`Engine::rules_digest`), when known.
    pub rules_digest: Option<&'a str>,
    /// What the scan says that is not an error, one per line.
    pub notes: &'a [String],
    /// Objects or tables left alone as unchanged since they were read.
    pub unchanged: usize,
}

/// A recorded scan: its id, status, and the alert events its contamination check raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub scan_id: i64,
    pub status: ScanStatus,
    /// Events written to the outbox (alerts opened, reopened, resolved; gates failed).
    pub events: usize,
}

impl Store {
    /// Records a scan with its report (see [`Store::finish_scan`]) without a lease to end.
    pub async fn record_scan(&self, rec: &ScanRecord<'_>, policy: &AlertPolicy) -> Result<Recorded, StoreError> {
        let Some(recorded) = self.record(rec, policy, None).await? else {
            unreachable!("only a lease to release can turn a scan away");
        };
        Ok(recorded)
    }

    /// Records a scan and everything that follows from it in one transaction: the end of
    /// `worker`'s lease (first, so the source's row stays locked until the commit), one row
    /// for the scan, one per column looked at, one per finding, the objects it read, the
    /// datasets and columns the source has now, and the contamination check of every
    /// feature set with a member on the source, with the alerts and outbox rows it writes.
    /// A worker that dies part-way leaves nothing half-recorded: the scan, its alerts and
    /// their deliveries commit together or not at all. `None` (nothing recorded) when the
    /// lease had been lost meanwhile.
    pub async fn finish_scan(&self, rec: &ScanRecord<'_>, policy: &AlertPolicy, next_due: DateTime<Utc>, consecutive_failures: i64) -> Result<Option<Recorded>, StoreError> {
        self.record(rec, policy, Some((next_due, consecutive_failures))).await
    }

    async fn record(&self, rec: &ScanRecord<'_>, policy: &AlertPolicy, release: Option<(DateTime<Utc>, i64)>) -> Result<Option<Recorded>, StoreError> {
        let report = rec.report;
        let source_id = rec.source.id;
        let status = match rec.failed {
            Some(_) => ScanStatus::Failed,
            None if report.errors.is_empty() => ScanStatus::Succeeded,
            None => ScanStatus::Partial,
        };
        let error = rec.failed.map(str::to_string).or_else(|| {
            (!report.errors.is_empty()).then(|| report.errors.iter().map(|e| e.error.as_str()).collect::<Vec<_>>().join("\n"))
        });
        let what = format!("recording a scan of source {source_id}");
        let mut tx = self.begin().await?;
        if let Some((next_due, consecutive_failures)) = release {
            let released = on_tx!(&mut tx, "record_scan", |c| sqlx::query(FINISH_LEASE)
                .bind(ms(next_due))
                .bind(consecutive_failures)
                .bind(source_id)
                .bind(rec.worker)
                .execute(c)
                .await
                .map_err(query_err(format!("releasing source {source_id}")))?
                .rows_affected());
            if released == 0 {
                return Ok(None);
            }
        }
        let scan_id: i64 = on_tx!(&mut tx, "record_scan", |c| sqlx::query(
            "INSERT INTO scans (source_id, status, started_ms, finished_ms, worker, error, units, rules_digest, notes, read_count, unchanged_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(source_id)
        .bind(status.as_str())
        .bind(ms(rec.started))
        .bind(ms(rec.finished))
        .bind(rec.worker)
        .bind(error.as_deref())
        .bind(report.columns.len() as i64)
        .bind(rec.rules_digest)
        .bind((!rec.notes.is_empty()).then(|| rec.notes.join("\n")))
        .bind(rec.read.len() as i64)
        .bind(rec.unchanged as i64)
        .fetch_one(c)
        .await
        .map_err(query_err(what.clone()))?
        .get(0));
        for c in &report.columns {
            on_tx!(&mut tx, "record_scan", |conn| sqlx::query("INSERT INTO scan_columns (scan_id, object, column_name, rows_sampled, non_null, not_scanned, binary_values) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(scan_id)
                .bind(&c.source)
                .bind(&c.column)
                .bind(c.rows_sampled as i64)
                .bind(c.non_null as i64)
                .bind(c.not_scanned.as_deref())
                .bind(c.binary)
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(query_err(what.clone()))?);
            for l in &c.labels {
                on_tx!(&mut tx, "record_scan", |conn| sqlx::query(
                    "INSERT INTO findings (scan_id, source_id, object, column_name, label, matches, match_rate, confidence, evidence_json, schemes_json, fingerprints_json, sample_part) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
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
                .bind((!l.fingerprints.is_empty()).then(|| serde_json::to_string(&l.fingerprints).unwrap_or_default()))
                .bind(l.sample_part.as_deref())
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(query_err(what.clone()))?);
            }
        }
        tx.update_objects(source_id, scan_id, rec.read, rec.removed).await?;
        const LAST: &str = "UPDATE sources SET last_scan_id = $1, last_scan_status = $2, last_scan_ms = $3, \
                            last_ok_scan_id = CASE WHEN $2 = 'failed' THEN last_ok_scan_id ELSE $1 END, \
                            last_ok_ms = CASE WHEN $2 = 'failed' THEN last_ok_ms ELSE $3 END WHERE id = $4";
        on_tx!(&mut tx, "record_scan", |c| sqlx::query(LAST)
            .bind(scan_id)
            .bind(status.as_str())
            .bind(ms(rec.finished))
            .bind(source_id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err(what.clone()))?);
        // A failed scan saw nothing: it changes no dataset, column or alert (the gate
        // reports it as failed instead).
        let events = if status == ScanStatus::Failed {
            0
        } else {
            let touched: Vec<&str> = rec.read.iter().map(|o| o.shown.as_str()).chain(rec.removed.iter().map(String::as_str)).collect();
            tx.after_scan(rec.source, scan_id, rec.finished, Some(&touched), policy).await?
        };
        tx.commit().await?;
        Ok(Some(Recorded { scan_id, status, events }))
    }

    /// The rules digest of a source's last successful scan: `None` when it has none,
    /// `Some(None)` when that scan did not record one (made before digests were kept).
    pub async fn last_rules_digest(&self, source_id: i64) -> Result<Option<Option<String>>, StoreError> {
        const SQL: &str = "SELECT s.rules_digest FROM sources src JOIN scans s ON s.id = src.last_ok_scan_id WHERE src.id = $1";
        let v = on_pool!(self, "last_rules_digest", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_optional(p)
            .await
            .map_err(query_err(format!("reading the rules of source {source_id}'s last scan")))?
            .map(|r| r.get::<Option<String>, _>(0)));
        Ok(v)
    }

    /// The latest `limit` scans of a source, newest first.
    pub async fn scans(&self, source_id: i64, limit: i64) -> Result<Vec<ScanSummary>, StoreError> {
        const SQL: &str = concat!("SELECT ", scan_columns!(""), " FROM scans WHERE source_id = $1 ORDER BY started_ms DESC, id DESC LIMIT $2");
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
/// The columns `scan_row` reads, in its order, each prefixed with `$p` (a table alias).
macro_rules! scan_columns {
    ($p:literal) => {
        concat!($p, "id, ", $p, "status, ", $p, "started_ms, ", $p, "finished_ms, ", $p, "worker, ", $p, "error, ", $p, "read_count, ", $p, "unchanged_count, ", $p, "notes")
    };
}
pub(super) use scan_columns;

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
        read: r.get(6),
        unchanged: r.get(7),
        notes: r.get::<Option<String>, _>(8).map(|n| n.lines().map(str::to_string).collect()).unwrap_or_default(),
    }
}
