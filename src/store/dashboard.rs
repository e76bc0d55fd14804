//! What the dashboard reads that no API list gives: the current findings of every source
//! with their review state (the review queue and the overview's counts and risk ranking),
//! findings per day (its charts), the match rates of a source's columns across its recent
//! scans, and the dismissals in force.
//!
//! A source's current findings are those of the scan that last read each of its objects
//! (`objects_seen`), as `current_columns` has them; a finding is keyed by (dataset,
//! column, label), the key reviews use. Every list is paged by a keyset, never an offset,
//! so a page costs the same at the end of a big store as at its start.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::reviews::Review;
use super::{from_ms, ms, query_err, Store, StoreError};

/// One current finding of a (dataset, column, label), pooled over the dataset's objects.
#[derive(Debug, Clone, PartialEq)]
pub struct CurrentFinding {
    /// The newest finding row behind it: the keyset of the review queue.
    pub key: i64,
    pub source: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    pub matches: i64,
    /// The highest match rate among the dataset's objects.
    pub match_rate: f64,
    pub confidence: f64,
    /// Masked evidence of one object (the store never holds more than masked values).
    pub evidence: Vec<String>,
    /// `confirmed` or `dismissed` when a verdict is in force.
    pub verdict: Option<String>,
    /// The scan that found it.
    pub scan_id: i64,
}

/// Which current findings to read.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub source: Option<String>,
    pub label: Option<String>,
    /// Only these labels (a severity chosen in the queue); `None`: any.
    pub labels: Option<Vec<String>>,
    /// Only findings without a verdict in force.
    pub unreviewed: bool,
    /// Leave out dismissed findings (false positives do not count as sensitive).
    pub without_dismissed: bool,
    /// Keys below this one (the cursor), newest first.
    pub before: Option<i64>,
    pub limit: i64,
}

/// How many of something one label has.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelCount {
    pub label: String,
    pub count: i64,
}

/// A source's current sensitive columns, per label (the overview's risk ranking).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFindings {
    pub source: String,
    /// (label, columns holding it, highest match rate).
    pub labels: Vec<(String, i64, f64)>,
}

/// A day (UTC) and a count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayCount {
    pub day: DateTime<Utc>,
    pub count: i64,
}

const DAY_MS: i64 = 86_400_000;

/// The current findings of live sources, one row per (dataset, column, label).
const CURRENT: &str = "SELECT MAX(f.id), s.name, COALESCE(d.name, o.object), f.column_name, f.label, CAST(SUM(f.matches) AS BIGINT), MAX(f.match_rate), MAX(f.confidence), \
                       MAX(f.evidence_json), rs.verdict, MAX(f.scan_id) \
                       FROM objects_seen o JOIN sources s ON s.id = o.source_id \
                       JOIN findings f ON f.source_id = o.source_id AND f.object = o.object AND f.scan_id = o.scan_id \
                       LEFT JOIN datasets d ON d.id = o.dataset_id \
                       LEFT JOIN review_state rs ON rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label \
                       WHERE s.removed_ms IS NULL AND ($1 IS NULL OR s.name = $1) AND ($2 IS NULL OR f.label = $2) \
                       AND ($3 = FALSE OR rs.verdict IS NULL) AND ($4 = FALSE OR rs.verdict IS NULL OR rs.verdict <> 'dismissed')";

impl Store {
    /// Current findings matching `filter`, newest first.
    pub async fn current_findings(&self, filter: &FindingFilter) -> Result<Vec<CurrentFinding>, StoreError> {
        // The label list is bound, one placeholder per label; only the placeholders are
        // spliced.
        let labels = filter.labels.clone().unwrap_or_default();
        let mut sql = String::from(CURRENT);
        if filter.labels.is_some() {
            if labels.is_empty() {
                return Ok(Vec::new());
            }
            let marks: Vec<String> = (0..labels.len()).map(|i| format!("${}", i + 7)).collect();
            sql.push_str(&format!(" AND f.label IN ({})", marks.join(", ")));
        }
        sql.push_str(" GROUP BY s.name, o.dataset_id, COALESCE(d.name, o.object), f.column_name, f.label, rs.verdict HAVING ($5 IS NULL OR MAX(f.id) < $5) ORDER BY 1 DESC LIMIT $6");
        let rows = on_pool!(self, "current_findings", |p| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(filter.source.as_deref())
                .bind(filter.label.as_deref())
                .bind(filter.unreviewed)
                .bind(filter.without_dismissed)
                .bind(filter.before)
                .bind(filter.limit);
            for l in &labels {
                q = q.bind(l.as_str());
            }
            q.fetch_all(p)
                .await
                .map_err(query_err("reading current findings"))?
                .iter()
                .map(|r| CurrentFinding {
                    key: r.get(0),
                    source: r.get(1),
                    dataset: r.get(2),
                    column: r.get(3),
                    label: r.get(4),
                    matches: r.get(5),
                    match_rate: r.get(6),
                    confidence: r.get(7),
                    evidence: serde_json::from_str(&r.get::<String, _>(8)).unwrap_or_default(),
                    verdict: r.get(9),
                    scan_id: r.get(10),
                })
                .collect::<Vec<_>>()
        });
        Ok(rows)
    }

    /// Live sources, and the columns their objects have now (scanned or not).
    pub async fn dashboard_counts(&self) -> Result<(i64, i64), StoreError> {
        const SOURCES: &str = "SELECT COUNT(*) FROM sources WHERE removed_ms IS NULL";
        const COLUMNS: &str = "SELECT COUNT(*) FROM objects_seen o JOIN sources s ON s.id = o.source_id \
                               JOIN scan_columns c ON c.scan_id = o.scan_id AND c.object = o.object WHERE s.removed_ms IS NULL";
        let sources: i64 = on_pool!(self, "dashboard_counts", |p| sqlx::query(SOURCES).fetch_one(p).await.map_err(query_err("counting sources"))?.get(0));
        let columns: i64 = on_pool!(self, "dashboard_counts", |p| sqlx::query(COLUMNS).fetch_one(p).await.map_err(query_err("counting columns"))?.get(0));
        Ok((sources, columns))
    }

    /// Per live source and label: how many of its columns hold the label now (dismissed
    /// findings left out), and the highest match rate.
    pub async fn sensitive_by_source(&self) -> Result<Vec<SourceFindings>, StoreError> {
        const SQL: &str = "SELECT s.name, f.label, COUNT(DISTINCT f.column_name), MAX(f.match_rate) \
                           FROM objects_seen o JOIN sources s ON s.id = o.source_id \
                           JOIN findings f ON f.source_id = o.source_id AND f.object = o.object AND f.scan_id = o.scan_id \
                           LEFT JOIN review_state rs ON rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label \
                           WHERE s.removed_ms IS NULL AND (rs.verdict IS NULL OR rs.verdict <> 'dismissed') \
                           GROUP BY s.name, f.label ORDER BY s.name, f.label";
        let rows: Vec<(String, String, i64, f64)> = on_pool!(self, "sensitive_by_source", |p| sqlx::query(SQL)
            .fetch_all(p)
            .await
            .map_err(query_err("counting sensitive columns"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect());
        let mut out: Vec<SourceFindings> = Vec::new();
        for (source, label, n, rate) in rows {
            match out.last_mut() {
                Some(last) if last.source == source => last.labels.push((label, n, rate)),
                _ => out.push(SourceFindings { source, labels: vec![(label, n, rate)] }),
            }
        }
        Ok(out)
    }

    /// Per day since `since`: how many columns held some label in that day's scans.
    pub async fn sensitive_columns_per_day(&self, since: DateTime<Utc>) -> Result<Vec<DayCount>, StoreError> {
        const SQL: &str = "SELECT x.d, COUNT(*) FROM (SELECT DISTINCT s.started_ms / 86400000 AS d, f.source_id, f.object, f.column_name \
                           FROM scans s JOIN findings f ON f.scan_id = s.id WHERE s.started_ms >= $1) x GROUP BY x.d ORDER BY x.d";
        self.day_counts("sensitive_columns_per_day", SQL, ms(since)).await
    }

    /// Per day since `since`: how many (column, label) findings were first seen that day.
    pub async fn new_findings_per_day(&self, since: DateTime<Utc>) -> Result<Vec<DayCount>, StoreError> {
        const SQL: &str = "SELECT x.d, COUNT(*) FROM (SELECT MIN(s.started_ms) / 86400000 AS d FROM findings f JOIN scans s ON s.id = f.scan_id \
                           GROUP BY f.source_id, f.object, f.column_name, f.label) x WHERE x.d >= $1 GROUP BY x.d ORDER BY x.d";
        self.day_counts("new_findings_per_day", SQL, ms(since) / DAY_MS).await
    }

    async fn day_counts(&self, op: &'static str, sql: &'static str, since: i64) -> Result<Vec<DayCount>, StoreError> {
        let rows = on_pool!(self, "day_counts", |p| sqlx::query(sql)
            .bind(since)
            .fetch_all(p)
            .await
            .map_err(query_err(op))?
            .iter()
            .map(|r| DayCount { day: from_ms(r.get::<i64, _>(0) * DAY_MS), count: r.get(1) })
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The match rates of a source's findings in scans `since_scan` and later: (column,
    /// label, scan id, scan start, rate), oldest scan first.
    pub async fn match_rates_since(&self, source_id: i64, since_scan: i64) -> Result<Vec<(String, String, i64, DateTime<Utc>, f64)>, StoreError> {
        const SQL: &str = "SELECT f.column_name, f.label, f.scan_id, s.started_ms, MAX(f.match_rate) FROM findings f JOIN scans s ON s.id = f.scan_id \
                           WHERE f.source_id = $1 AND f.scan_id >= $2 GROUP BY f.column_name, f.label, f.scan_id, s.started_ms ORDER BY f.scan_id";
        let rows = on_pool!(self, "match_rates_since", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(since_scan)
            .fetch_all(p)
            .await
            .map_err(query_err("reading match rates across scans"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), from_ms(r.get(3)), r.get(4)))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// When each (column, label) of a source was first found.
    pub async fn first_found(&self, source_id: i64) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        const SQL: &str = "SELECT f.column_name, f.label, MIN(s.started_ms) FROM findings f JOIN scans s ON s.id = f.scan_id \
                           WHERE f.source_id = $1 GROUP BY f.column_name, f.label";
        let rows = on_pool!(self, "first_found", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(query_err("reading when findings were first seen"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), from_ms(r.get(2))))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The dismissals in force, with the review that made each (who, when, why), newest
    /// first; `before` is the cursor (review ids).
    pub async fn dismissals(&self, before: Option<i64>, limit: i64) -> Result<Vec<Review>, StoreError> {
        const SQL: &str = "SELECT r.id, s.name, d.name, rs.column_name, rs.label, r.verdict, r.reason, r.actor, r.at_ms, r.match_rate \
                           FROM review_state rs JOIN reviews r ON r.id = rs.review_id JOIN sources s ON s.id = rs.source_id JOIN datasets d ON d.id = rs.dataset_id \
                           WHERE rs.verdict = 'dismissed' AND s.removed_ms IS NULL AND ($1 IS NULL OR r.id < $1) ORDER BY r.id DESC LIMIT $2";
        let rows = on_pool!(self, "dismissals", |p| sqlx::query(SQL)
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err("listing dismissals"))?
            .iter()
            .map(|r| Review {
                id: r.get(0),
                source: r.get(1),
                dataset: r.get(2),
                column: r.get(3),
                label: r.get(4),
                verdict: r.get(5),
                reason: r.get(6),
                actor: r.get(7),
                at: from_ms(r.get(8)),
                match_rate: r.get(9),
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }
}
