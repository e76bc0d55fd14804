//! The HTTP API of `assay serve`: the source registry, scan-now, liveness, readiness and
//! Prometheus metrics.
//!
//! Every error is a JSON body `{"error": "..."}` with a 4xx or 5xx status; a malformed
//! request never reaches the store. Locations are validated when registered (a credential
//! reference must resolve) but stored as given, so no secret lands in the database.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::schedule::Scheduler;
use crate::sources::location::{redact, Location};
use crate::store::{NewSource, SourceRow, Store, StoreError};

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub scheduler: Arc<Scheduler>,
    /// Renders the process's metrics in the Prometheus text format.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

/// The API's routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/api/v1/sources", get(list_sources).post(add_source))
        .route("/api/v1/sources/{name}", get(get_source).delete(remove_source))
        .route("/api/v1/sources/{name}/scan", post(scan_source))
        .route("/api/v1/sources/{name}/columns", get(source_columns))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(state)
}

/// An error response: a status and a message, as JSON.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({ "error": redact(&self.message) }))).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Duplicate(_) => ApiError::new(StatusCode::CONFLICT, e.to_string()),
            e => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        }
    }
}

/// A source as the API shows it.
#[derive(Debug, Serialize, Deserialize)]
pub struct SourceView {
    pub name: String,
    pub location: String,
    pub tables: Vec<String>,
    /// Interval between scans, e.g. `1h`.
    pub interval: String,
    pub sample_rows: i64,
    pub next_due_at: String,
    pub consecutive_failures: i64,
}

impl From<SourceRow> for SourceView {
    fn from(s: SourceRow) -> SourceView {
        SourceView {
            name: s.name,
            location: redact(&s.location),
            tables: s.tables,
            interval: format_duration(s.interval),
            sample_rows: s.sample_rows,
            next_due_at: s.next_due_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            consecutive_failures: s.consecutive_failures,
        }
    }
}

/// The body of `POST /api/v1/sources`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddSource {
    pub name: String,
    pub location: String,
    #[serde(default)]
    pub tables: Vec<String>,
    /// e.g. `30m`, `1h`, `1d` (default `1h`).
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub sample_rows: Option<i64>,
}

/// The longest duration accepted: ample for any schedule or lease, and short enough that
/// times computed from it stay far from overflowing.
const MAX_DURATION_DAYS: u64 = 3650;

/// Parses `90s`, `30m`, `1h`, `1d` (or bare seconds), up to 3650 days.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num.parse().map_err(|_| format!("`{text}` is not a duration (e.g. 30m, 1h, 1d)"))?;
    let unit_secs = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}` is not a duration (e.g. 30m, 1h, 1d)")),
    };
    let secs = n.checked_mul(unit_secs).filter(|s| *s <= MAX_DURATION_DAYS * 86_400).ok_or_else(|| format!("`{text}` is longer than {MAX_DURATION_DAYS}d"))?;
    if secs == 0 {
        return Err("the interval must be positive".into());
    }
    Ok(Duration::from_secs(secs))
}

/// The shortest of `Nd`, `Nh`, `Nm`, `Ns` that is exact.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// How long readiness waits for the store: a store that is down makes connecting retry
/// until the pool's acquire timeout, far longer than a probe waits.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

async fn readyz(State(st): State<AppState>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, st.store.ping()).await {
        Ok(answer) => answer?,
        Err(_) => return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("the store did not answer within {} s", READY_TIMEOUT.as_secs()))),
    }
    Ok("ready")
}

/// A source is overdue when it was due more than this long ago (one poll is normal).
const OVERDUE_GRACE: chrono::Duration = chrono::Duration::minutes(1);

async fn metrics_text(State(st): State<AppState>) -> Result<String, ApiError> {
    let now = st.store.now().await?;
    let overdue = st.store.count_due_before(now.checked_sub_signed(OVERDUE_GRACE).unwrap_or(now)).await?;
    metrics::gauge!("assay_sources_overdue").set(overdue as f64);
    Ok(st.metrics.render())
}

async fn list_sources(State(st): State<AppState>) -> Result<Json<Vec<SourceView>>, ApiError> {
    Ok(Json(st.store.list_sources().await?.into_iter().map(SourceView::from).collect()))
}

async fn get_source(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<SourceView>, ApiError> {
    Ok(Json(find_source(&st, &name).await?.into()))
}

async fn add_source(State(st): State<AppState>, body: Result<Json<AddSource>, axum::extract::rejection::JsonRejection>) -> Result<(StatusCode, Json<SourceView>), ApiError> {
    let Json(req) = body.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let bad = |m: String| ApiError::new(StatusCode::BAD_REQUEST, m);
    if req.name.is_empty() || req.name.len() > 200 || !req.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
        return Err(bad(format!("source name `{}` must be 1-200 letters, digits, `-`, `_` or `.`", req.name)));
    }
    Location::parse(&req.location).map_err(|e| bad(e.to_string()))?;
    let interval = parse_duration(req.interval.as_deref().unwrap_or("1h")).map_err(bad)?;
    let sample_rows = req.sample_rows.unwrap_or(1000);
    if !(1..=1_000_000).contains(&sample_rows) {
        return Err(bad("sample_rows must be between 1 and 1000000".into()));
    }
    let new = NewSource { name: req.name, location: req.location, tables: req.tables, interval, sample_rows };
    let row = st.store.add_source(&new, st.store.now().await?).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

async fn remove_source(State(st): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    if st.store.remove_source(&name, st.store.now().await?).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::new(StatusCode::NOT_FOUND, format!("no source named `{name}`")))
    }
}

/// The result of a scan-now: the scan's status, what it read, and the source's columns
/// as they stand after it (objects it skipped as unchanged included).
#[derive(Debug, Serialize, Deserialize)]
pub struct ScanNow {
    pub status: String,
    /// Objects or tables this scan read.
    pub read: usize,
    /// Objects skipped as unchanged since the scan that last read them.
    pub unchanged: usize,
    /// Objects gone since the previous scan.
    pub removed: usize,
    /// The source's current columns (one per dataset and column) and this scan's errors.
    pub report: crate::report::Report,
}

async fn scan_source(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<ScanNow>, ApiError> {
    let src = find_source(&st, &name).await?;
    let Some(outcome) = st.scheduler.scan_now(src.clone()).await? else {
        if st.store.source(&name).await?.is_none_or(|s| s.id != src.id) {
            return Err(ApiError::new(StatusCode::NOT_FOUND, format!("source `{name}` was removed while it was being scanned")));
        }
        return Err(ApiError::new(StatusCode::CONFLICT, format!("source `{name}` is being scanned by another worker; try again when it finishes")));
    };
    let columns = st.store.source_columns(&src).await?;
    let report = crate::report::Report { scanned_at: outcome.report.scanned_at, columns, errors: outcome.report.errors };
    Ok(Json(ScanNow { status: outcome.status.as_str().to_string(), read: outcome.read, unchanged: outcome.unchanged, removed: outcome.removed, report }))
}

/// A source's columns as its latest scans left them.
async fn source_columns(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<crate::report::Report>, ApiError> {
    let src = find_source(&st, &name).await?;
    let columns = st.store.source_columns(&src).await?;
    let scanned_at = st.store.scans(src.id, 1).await?.first().map(|s| s.started_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default();
    Ok(Json(crate::report::Report { scanned_at, columns, errors: Vec::new() }))
}

async fn find_source(st: &AppState, name: &str) -> Result<SourceRow, ApiError> {
    st.store.source(name).await?.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, format!("no source named `{name}`")))
}
