//! Scans and findings history: a source's scans page by page, one scan with the columns
//! it read and what it found, and the history of one column (when it first held a label).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract::{Path, Query};
use super::sources::find;
use super::{AppState, Page, PageQuery};
use crate::store::ScanSummary;

/// One scan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanView {
    pub id: i64,
    pub source: String,
    /// `succeeded`, `partial` or `failed`.
    pub status: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub worker: String,
    /// The failure, or the errors of a partial scan (redacted).
    pub error: Option<String>,
    /// Objects or tables it read, and those it left alone as unchanged since they were
    /// read (absent for scans recorded before these were kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<i64>,
    /// How tables were sampled (append keys, new rows read), one per line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One scan with the columns it read and its findings (masked evidence).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanDetail {
    #[serde(flatten)]
    pub scan: ScanView,
    /// Column reports in the scan contract's shape.
    #[schema(value_type = Vec<Object>)]
    pub columns: Vec<crate::report::ColumnReport>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn view(s: ScanSummary, source: &str) -> ScanView {
    ScanView {
        id: s.id,
        source: source.to_string(),
        status: s.status,
        started_at: time(s.started_at),
        finished_at: s.finished_at.map(time),
        worker: s.worker,
        error: s.error,
        read: s.read,
        unchanged: s.unchanged,
        notes: s.notes,
    }
}

/// A source's scans, newest first.
#[utoipa::path(get, path = "/api/v1/sources/{name}/scans", tag = "scans", params(("name" = String, Path), PageQuery), responses((status = 200, body = Page<ScanView>)))]
pub async fn list(State(st): State<AppState>, Path(name): Path<String>, Query(q): Query<PageQuery>) -> Result<Json<Page<ScanView>>, ApiError> {
    let src = find(&st, &name).await?;
    let limit = q.limit();
    let mut rows = st.store.scans_page(src.id, q.id_cursor()?, limit + 1).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|s| s.id.to_string()).unwrap_or_default()
    });
    Ok(Json(Page { items: rows.into_iter().map(|s| view(s, &name)).collect(), next_cursor }))
}

/// One scan with its columns and findings.
#[utoipa::path(get, path = "/api/v1/scans/{id}", tag = "scans", params(("id" = i64, Path)), responses((status = 200, body = ScanDetail), (status = 404, body = super::ErrorBody)))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Json<ScanDetail>, ApiError> {
    let Some((scan, _, source)) = st.store.scan(id).await? else {
        return Err(ApiError::not_found(format!("no scan {id}")));
    };
    let columns = st.store.scan_columns(id).await?;
    Ok(Json(ScanDetail { scan: view(scan, &source), columns }))
}

/// `column` (required), `label` (optional), and the page.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub column: String,
    pub label: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// When a column held a label: first and last scan, and in how many scans.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LabelSpan {
    pub label: String,
    pub first_seen: String,
    pub last_seen: String,
    pub scans: i64,
}

/// One finding of the column in one scan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FindingView {
    pub scan_id: i64,
    pub scanned_at: String,
    /// The object (file) or table the finding was in.
    pub object: String,
    pub label: String,
    pub matches: i64,
    pub match_rate: f64,
    pub confidence: f64,
}

/// The history of one column.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ColumnHistory {
    pub source: String,
    pub column: String,
    /// Every label the column ever held, in order of first appearance.
    pub labels: Vec<LabelSpan>,
    /// Its findings, newest first.
    pub findings: Page<FindingView>,
}

/// The history of one column: when it first (and last) held each label, and its findings
/// scan by scan.
#[utoipa::path(get, path = "/api/v1/sources/{name}/findings/history", tag = "findings", params(("name" = String, Path), HistoryQuery), responses((status = 200, body = ColumnHistory)))]
pub async fn history(State(st): State<AppState>, Path(name): Path<String>, Query(q): Query<HistoryQuery>) -> Result<Json<ColumnHistory>, ApiError> {
    let src = find(&st, &name).await?;
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let limit = page.limit();
    let labels = st
        .store
        .column_label_spans(src.id, &q.column)
        .await?
        .into_iter()
        .map(|(label, first, last, scans)| LabelSpan { label, first_seen: time(first), last_seen: time(last), scans })
        .collect();
    let mut rows = st.store.column_findings(src.id, &q.column, q.label.as_deref(), page.id_cursor()?, limit + 1).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|f| f.id.to_string()).unwrap_or_default()
    });
    let items = rows
        .into_iter()
        .map(|f| FindingView { scan_id: f.scan_id, scanned_at: time(f.scanned_at), object: f.object, label: f.label, matches: f.matches, match_rate: f.match_rate, confidence: f.confidence })
        .collect();
    Ok(Json(ColumnHistory { source: name, column: q.column, labels, findings: Page { items, next_cursor } }))
}
