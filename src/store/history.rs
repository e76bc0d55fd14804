//! Reading history: scans of a source page by page, one scan with what it found, and the
//! findings of one column across scans ("when did it first hold this label").

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_ms, query_err, ScanSummary, Store, StoreError};
use super::scans::{scan_columns, scan_row};
use crate::report::ColumnReport;

/// One finding of a column in one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingAt {
    pub id: i64,
    pub scan_id: i64,
    pub scanned_at: DateTime<Utc>,
    pub object: String,
    pub label: String,
    pub matches: i64,
    pub match_rate: f64,
    pub confidence: f64,
}

impl Store {
    /// Scans of a source with ids below `before` (all when `None`), newest first.
    pub async fn scans_page(&self, source_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<ScanSummary>, StoreError> {
        const SQL: &str = concat!("SELECT ", scan_columns!(""), " FROM scans WHERE source_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3");
        let rows = on_pool!(self, "scans_page", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("listing scans of source {source_id}")))?
            .into_iter()
            .map(|r| scan_row(&r))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// One scan and the id and name of its source.
    pub async fn scan(&self, id: i64) -> Result<Option<(ScanSummary, i64, String)>, StoreError> {
        const SQL: &str = concat!("SELECT ", scan_columns!("s."), ", s.source_id, src.name FROM scans s JOIN sources src ON src.id = s.source_id WHERE s.id = $1");
        let row = on_pool!(self, "scan", |p| sqlx::query(SQL).bind(id).fetch_optional(p).await.map_err(query_err(format!("reading scan {id}")))?.map(|r| {
            (
                scan_row(&r),
                r.get::<i64, _>(9),
                r.get::<String, _>(10),
            )
        }));
        Ok(row)
    }

    /// The columns one scan read, with its findings (masked evidence).
    pub async fn scan_columns(&self, scan_id: i64) -> Result<Vec<ColumnReport>, StoreError> {
        const COLUMNS: &str = "SELECT object, column_name, rows_sampled, non_null, not_scanned, binary_values FROM scan_columns WHERE scan_id = $1 ORDER BY object, column_name";
        const LABELS: &str = "SELECT object, column_name, label, matches, match_rate, confidence, evidence_json, schemes_json, fingerprints_json, sample_part FROM findings WHERE scan_id = $1 ORDER BY id";
        self.columns_with_labels("scan_columns", COLUMNS, LABELS, scan_id, format!("reading the columns of scan {scan_id}")).await
    }

    /// Findings of column `column` of a source (any object), optionally of one label, with
    /// ids below `before`, newest first.
    pub async fn column_findings(&self, source_id: i64, column: &str, label: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<FindingAt>, StoreError> {
        const SQL: &str = "SELECT f.id, f.scan_id, s.started_ms, f.object, f.label, f.matches, f.match_rate, f.confidence \
                           FROM findings f JOIN scans s ON s.id = f.scan_id \
                           WHERE f.source_id = $1 AND f.column_name = $2 AND ($3 IS NULL OR f.label = $3) AND ($4 IS NULL OR f.id < $4) \
                           ORDER BY f.id DESC LIMIT $5";
        let rows = on_pool!(self, "column_findings", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(column)
            .bind(label)
            .bind(before)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("reading the findings of column `{column}`")))?
            .into_iter()
            .map(|r| FindingAt {
                id: r.get(0),
                scan_id: r.get(1),
                scanned_at: from_ms(r.get(2)),
                object: r.get(3),
                label: r.get(4),
                matches: r.get(5),
                match_rate: r.get(6),
                confidence: r.get(7),
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// For each label column `column` of a source ever held: the first and last scan start
    /// at which it held it, and in how many scans.
    pub async fn column_label_spans(&self, source_id: i64, column: &str) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>, i64)>, StoreError> {
        const SQL: &str = "SELECT f.label, MIN(s.started_ms), MAX(s.started_ms), COUNT(DISTINCT f.scan_id) \
                           FROM findings f JOIN scans s ON s.id = f.scan_id WHERE f.source_id = $1 AND f.column_name = $2 \
                           GROUP BY f.label ORDER BY MIN(s.started_ms), f.label";
        let rows = on_pool!(self, "column_label_spans", |p| sqlx::query(SQL)
            .bind(source_id)
            .bind(column)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("reading the history of column `{column}`")))?
            .into_iter()
            .map(|r| (r.get::<String, _>(0), from_ms(r.get(1)), from_ms(r.get(2)), r.get::<i64, _>(3)))
            .collect::<Vec<_>>());
        Ok(rows)
    }
}
