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

use super::reviews::{review_row, Review};
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
    /// Only findings of these sources (a feature set's members); `None`: any.
    pub source_ids: Option<Vec<i64>>,
    /// Only findings without a verdict in force.
    pub unreviewed: bool,
    /// Leave out dismissed findings (false positives do not count as sensitive).
    pub without_dismissed: bool,
    /// Keys below this one (the cursor), newest first.
    pub before: Option<i64>,
    /// Highest match rate first (then newest); the cursor is then (`before_rate`, `before`).
    pub by_rate: bool,
    pub before_rate: Option<f64>,
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
///
/// Written for Postgres's planner, which misjudges joins here by orders of magnitude on a
/// big store (one row expected where there are thousands, then a loop over every source
/// for each): the review state, dataset and source name are read by scalar subqueries and
/// `NOT EXISTS` rather than outer joins; the bound on `f.scan_id` is redundant (every
/// object's scan is at least the smallest) but makes it probe `findings_scan` per object
/// instead of reading every finding; and a label list is applied after grouping, where it
/// cannot tempt the planner into scanning findings by label.
const CURRENT: &str = "SELECT MAX(f.id), (SELECT s.name FROM sources s WHERE s.id = o.source_id), COALESCE((SELECT d.name FROM datasets d WHERE d.id = o.dataset_id), MIN(o.object)), \
                       f.column_name, f.label, CAST(SUM(f.matches) AS BIGINT), MAX(f.match_rate), MAX(f.confidence), MAX(f.evidence_json), \
                       (SELECT rs.verdict FROM review_state rs WHERE rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label), MAX(f.scan_id) \
                       FROM objects_seen o JOIN findings f ON f.scan_id = o.scan_id AND f.object = o.object AND f.scan_id >= (SELECT MIN(scan_id) FROM objects_seen) \
                       WHERE o.source_id IN (SELECT id FROM sources WHERE removed_ms IS NULL AND ($1 IS NULL OR name = $1)) AND ($2 IS NULL OR f.label = $2) \
                       AND ($3 = FALSE OR NOT EXISTS (SELECT 1 FROM review_state rs WHERE rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label)) \
                       AND ($4 = FALSE OR NOT EXISTS (SELECT 1 FROM review_state rs WHERE rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label AND rs.verdict = 'dismissed')) \
                       GROUP BY o.source_id, o.dataset_id, CASE WHEN o.dataset_id IS NULL THEN o.object END, f.column_name, f.label \
                       HAVING ($5 IS NULL OR (CASE WHEN $7 IS NULL THEN MAX(f.id) < $5 \
                       ELSE (MAX(f.match_rate) < $7 OR (MAX(f.match_rate) = $7 AND MAX(f.id) < $5)) END))";

impl Store {
    /// Current findings matching `filter`, newest first.
    pub async fn current_findings(&self, filter: &FindingFilter) -> Result<Vec<CurrentFinding>, StoreError> {
        // The label list is bound, one placeholder per label; only the placeholders are
        // spliced.
        let labels = filter.labels.clone().unwrap_or_default();
        let ids = filter.source_ids.clone().unwrap_or_default();
        let mut sql = String::from(CURRENT);
        if filter.source_ids.is_some() {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let marks: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 8 + labels.len())).collect();
            // Before the GROUP BY's HAVING: this narrows the join itself.
            let at = sql.find(" GROUP BY").unwrap_or(sql.len());
            sql.insert_str(at, &format!(" AND o.source_id IN ({})", marks.join(", ")));
        }
        if filter.labels.is_some() {
            if labels.is_empty() {
                return Ok(Vec::new());
            }
            let marks: Vec<String> = (0..labels.len()).map(|i| format!("${}", i + 8)).collect();
            // MAX of a grouping key is the key; as an aggregate it stays after grouping.
            sql.push_str(&format!(" AND MAX(f.label) IN ({})", marks.join(", ")));
        }
        sql.push_str(if filter.by_rate { " ORDER BY 7 DESC, 1 DESC LIMIT $6" } else { " ORDER BY 1 DESC LIMIT $6" });
        let rows = on_pool!(self, "current_findings", |p| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(filter.source.as_deref())
                .bind(filter.label.as_deref())
                .bind(filter.unreviewed)
                .bind(filter.without_dismissed)
                .bind(filter.before)
                .bind(filter.limit)
                .bind(filter.before_rate);
            for l in &labels {
                q = q.bind(l.as_str());
            }
            for id in &ids {
                q = q.bind(*id);
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
        // A count per object, probing scan_columns' primary key: as a join, Postgres
        // misjudges how few rows match and reads all of scan_columns (every scan's).
        const COLUMNS: &str = "SELECT COALESCE(CAST(SUM((SELECT COUNT(*) FROM scan_columns c WHERE c.scan_id = o.scan_id AND c.object = o.object)) AS BIGINT), 0) \
                               FROM objects_seen o JOIN sources s ON s.id = o.source_id WHERE s.removed_ms IS NULL";
        let sources: i64 = on_pool!(self, "dashboard_counts", |p| sqlx::query(SOURCES).fetch_one(p).await.map_err(query_err("counting sources"))?.get(0));
        let columns: i64 = on_pool!(self, "dashboard_counts", |p| sqlx::query(COLUMNS).fetch_one(p).await.map_err(query_err("counting columns"))?.get(0));
        Ok((sources, columns))
    }

    /// Per live source and label: how many of its columns hold the label now (dismissed
    /// findings left out), and the highest match rate.
    pub async fn sensitive_by_source(&self) -> Result<Vec<SourceFindings>, StoreError> {
        // Aggregated per source id first, named after: joined before, the planner expects
        // one row where there are thousands and loops over every source for each. The
        // bound on `f.scan_id` changes no result (every object's scan is at least the
        // smallest) but tells Postgres how few findings qualify, so it probes
        // `findings_scan` per object (≈ 10 ms on 540,000 findings) instead of reading them
        // all (≈ 50-190 ms).
        const SQL: &str = "SELECT s.name, x.label, x.n, x.rate FROM (SELECT o.source_id AS sid, f.label AS label, COUNT(DISTINCT f.column_name) AS n, MAX(f.match_rate) AS rate \
                           FROM objects_seen o JOIN findings f ON f.scan_id = o.scan_id AND f.object = o.object AND f.scan_id >= (SELECT MIN(scan_id) FROM objects_seen) \
                           WHERE NOT EXISTS (SELECT 1 FROM review_state rs WHERE rs.dataset_id = o.dataset_id AND rs.column_name = f.column_name AND rs.label = f.label AND rs.verdict = 'dismissed') \
                           GROUP BY o.source_id, f.label) x \
                           JOIN sources s ON s.id = x.sid WHERE s.removed_ms IS NULL ORDER BY s.name, x.label";
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

    /// Per day of scans started in [`since`, `until`): how many columns held some label
    /// in that day's scans.
    pub async fn sensitive_columns_per_day(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<DayCount>, StoreError> {
        const SQL: &str = "SELECT x.d, COUNT(*) FROM (SELECT DISTINCT s.started_ms / 86400000 AS d, f.source_id, f.object, f.column_name \
                           FROM scans s JOIN findings f ON f.scan_id = s.id WHERE s.started_ms >= $1 AND s.started_ms < $2) x GROUP BY x.d ORDER BY x.d";
        self.day_counts("sensitive_columns_per_day", SQL, ms(since), ms(until)).await
    }

    /// Per day of scans started in [`since`, `until`): how many (column, label) findings
    /// were first seen that day.
    pub async fn new_findings_per_day(&self, since: DateTime<Utc>, until: DateTime<Utc>) -> Result<Vec<DayCount>, StoreError> {
        // The window's findings, first per (object, column, label), kept when no finding
        // of the same key comes from an earlier scan (one probe of `findings_column` each):
        // the cost follows the window, not the whole history.
        const SQL: &str = "SELECT x.d, COUNT(*) FROM (SELECT f.source_id AS sid, f.object AS obj, f.column_name AS col, f.label AS label, MIN(f.scan_id) AS first_scan, MIN(s.started_ms) / 86400000 AS d \
                           FROM scans s JOIN findings f ON f.scan_id = s.id WHERE s.started_ms >= $1 AND s.started_ms < $2 GROUP BY f.source_id, f.object, f.column_name, f.label) x \
                           WHERE NOT EXISTS (SELECT 1 FROM findings e WHERE e.source_id = x.sid AND e.object = x.obj AND e.column_name = x.col AND e.label = x.label AND e.scan_id < x.first_scan) \
                           GROUP BY x.d ORDER BY x.d";
        self.day_counts("new_findings_per_day", SQL, ms(since), ms(until)).await
    }

    async fn day_counts(&self, op: &'static str, sql: &'static str, since: i64, until: i64) -> Result<Vec<DayCount>, StoreError> {
        let rows = on_pool!(self, "day_counts", |p| sqlx::query(sql)
            .bind(since)
            .bind(until)
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
            .map(review_row)
            .collect::<Vec<_>>());
        Ok(rows)
    }
}
