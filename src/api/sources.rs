//! Sources: register (behind the location policy), list, read, remove, scan now, and the
//! current columns.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{check_name, AppState, Page, PageQuery};
use crate::config::{format_duration, parse_duration};
use crate::scan::Reread;
use crate::schedule::ScanNowResult;
use crate::sources::location::{redact, Location};
use crate::sources::policy::LocationPolicy;
use crate::store::{NewSource, SourceRow};

/// Most `tables` selectors a source may carry, and the longest one.
const MAX_TABLES: usize = 200;
const MAX_TABLE_LEN: usize = 200;
/// Longest column name Postgres keeps (NAMEDATALEN - 1).
const MAX_IDENTIFIER_LEN: usize = 63;
/// Longest location accepted.
const MAX_LOCATION_LEN: usize = 2048;
/// Most rows a source may sample per file or table.
pub const MAX_SAMPLE_ROWS: i64 = 1_000_000;

/// A source as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceView {
    pub name: String,
    /// As registered (a path, URL or credential reference), passwords redacted.
    pub location: String,
    pub tables: Vec<String>,
    /// Interval between scans, e.g. `1h`.
    pub interval: String,
    pub sample_rows: i64,
    pub next_due_at: String,
    pub consecutive_failures: i64,
    /// The column that orders a database source's rows by arrival, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_key: Option<String>,
    /// The SQS queue the source's bucket notifies of new objects (URL redacted, or the
    /// `env:` reference as given), when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
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
            append_key: s.append_key,
            events: s.events.as_deref().map(redact),
        }
    }
}

/// The body of `POST /api/v1/sources`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddSource {
    pub name: String,
    /// A path or `file://` URL under an allowed directory, `s3://`, `gs://`, `az://`,
    /// `abfs[s]://` URL, `postgres://` DSN without a password, or a reference
    /// (`env:NAME`, `file:/path`) to one.
    pub location: String,
    #[serde(default)]
    pub tables: Vec<String>,
    /// e.g. `30m`, `1h`, `1d` (default `1h`).
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub sample_rows: Option<i64>,
    /// A database source's column that orders rows by arrival (a timestamp or integer
    /// that leads a btree index): rows past its last value are read first at each scan.
    /// Without it, each table's identity key or an indexed `created_at`, `inserted_at`,
    /// `ingested_at` or `updated_at` is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_key: Option<String>,
    /// An `s3://` source's SQS queue that its bucket sends object-created notifications
    /// to: the queue's URL as AWS gives it (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`)
    /// or an `env:NAME` reference to one. New objects under the prefix are then scanned
    /// within seconds; listing at each interval stays the safety net.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
}

/// The result of a scan-now: the scan's status, what it read, and the source's columns
/// as they stand after it (objects it skipped as unchanged included).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScanNow {
    pub scan_id: i64,
    pub status: String,
    /// Objects or tables this scan read.
    pub read: usize,
    /// Objects skipped as unchanged since the scan that last read them.
    pub unchanged: usize,
    /// Objects gone since the previous scan.
    pub removed: usize,
    /// How tables were sampled (append keys, new rows read), one per line; absent when
    /// there is nothing to say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The source's current columns (one per dataset and column) and this scan's errors.
    #[schema(value_type = Object)]
    pub report: crate::report::Report,
}

/// `prefix` (names starting so), `failing` (only sources whose last scans failed), and the page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SourceQuery {
    pub prefix: Option<String>,
    #[serde(default)]
    pub failing: bool,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The registered sources, by name.
#[utoipa::path(get, path = "/api/v1/sources", tag = "sources", params(SourceQuery), responses((status = 200, body = Page<SourceView>)))]
pub async fn list(State(st): State<AppState>, Query(sq): Query<SourceQuery>) -> Result<Json<Page<SourceView>>, ApiError> {
    let q = PageQuery { limit: sq.limit, cursor: sq.cursor.clone() };
    let limit = q.limit() as usize;
    let prefix = sq.prefix.as_deref().unwrap_or("");
    // Sources are few (thousands): the page is cut from the ordered list; the cursor is
    // the last name shown, so a source added meanwhile never shifts a page.
    let all = st.store.list_sources().await?;
    let after = q.cursor.as_deref().unwrap_or("");
    let mut items: Vec<SourceView> = all
        .into_iter()
        .filter(|s| s.name.as_str() > after && s.name.starts_with(prefix) && (!sq.failing || s.consecutive_failures > 0))
        .take(limit + 1)
        .map(SourceView::from)
        .collect();
    let next_cursor = (items.len() > limit).then(|| {
        items.truncate(limit);
        items.last().map(|s| s.name.clone()).unwrap_or_default()
    });
    Ok(Json(Page { items, next_cursor }))
}

/// One source.
#[utoipa::path(get, path = "/api/v1/sources/{name}", tag = "sources", params(("name" = String, Path)), responses((status = 200, body = SourceView), (status = 404, body = super::ErrorBody)))]
pub async fn get(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<SourceView>, ApiError> {
    Ok(Json(find(&st, &name).await?.into()))
}

/// Registers a source (scanned at once, then every interval). Local paths and credential
/// references must be allowed by the server's operator; a credential written into the
/// location is refused.
#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", request_body = AddSource,
    responses((status = 201, body = SourceView), (status = 400, body = super::ErrorBody), (status = 403, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn add(State(st): State<AppState>, Extension(caller): Extension<Caller>, Body(req): Body<AddSource>) -> Result<(StatusCode, Audited, Json<SourceView>), ApiError> {
    let new = check_source(&req)?;
    check_location(&st.settings.policy, &new.location)?;
    check_events(&st.settings.policy, new.events.as_deref())?;
    let mut tx = st.store.begin().await?;
    let row = tx.add_source(&new, st.store.now().await?).await?;
    tx.audit(&caller.audit(StatusCode::CREATED, format!("source:{}", row.name), Some(format!("location {}", redact(&row.location))))).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Audited, Json(row.into())))
}

/// Removes a source; its scans and findings stay. 409 while a feature set has it as a member.
#[utoipa::path(delete, path = "/api/v1/sources/{name}", tag = "sources", params(("name" = String, Path)), responses((status = 204), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn remove(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>) -> Result<(StatusCode, Audited, ()), ApiError> {
    // A member would point at nothing: the gate of its feature set could never pass.
    if let Some(src) = st.store.source(&name).await? {
        let using = st.store.feature_sets_using(src.id).await?;
        if !using.is_empty() {
            return Err(ApiError::conflict(format!("source `{name}` is a member of feature set(s) {}; remove it from them first", using.join(", "))));
        }
    }
    let mut tx = st.store.begin().await?;
    if !tx.remove_source(&name, st.store.now().await?).await? {
        return Err(ApiError::not_found(format!("no source named `{name}`")));
    }
    tx.audit(&caller.audit(StatusCode::NO_CONTENT, format!("source:{name}"), None)).await?;
    tx.commit().await?;
    Ok((StatusCode::NO_CONTENT, Audited, ()))
}

/// Options of a scan-now. Asked for now, a scan samples every table (a table's change
/// counters can lag a commit by a second or more, and a sample costs about the same at
/// any size); objects go by their ETags. Scheduled scans skip unchanged tables too.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct ScanQuery {
    /// Read objects that did not change since the last scan, too.
    #[serde(default)]
    pub force: bool,
}

/// Scans a source now and waits for the report. The scan takes one of the worker's scan
/// slots (429 when none frees up in time), runs to its end even if the client goes away,
/// and is stopped after the server's scan timeout (504).
#[utoipa::path(post, path = "/api/v1/sources/{name}/scan", tag = "sources", params(("name" = String, Path), ScanQuery),
    responses((status = 200, body = ScanNow), (status = 404, body = super::ErrorBody), (status = 409, body = super::ErrorBody), (status = 429, body = super::ErrorBody), (status = 504, body = super::ErrorBody)))]
pub async fn scan(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>, Query(q): Query<ScanQuery>) -> Result<(Audited, Json<ScanNow>), ApiError> {
    // Everything from here runs in a task of its own, so that a client that goes away
    // (dropping this handler) neither stops the scan nor leaves it unaudited.
    let task = tokio::spawn({
        let (st, name) = (st.clone(), name.clone());
        async move {
            let src = find(&st, &name).await?;
            let asked = if q.force { "forced scan requested" } else { "scan requested" };
            st.store.audit(&caller.audit(StatusCode::ACCEPTED, format!("source:{name}"), Some(asked.into()))).await?;
            let id = src.id;
            match tokio::time::timeout(st.settings.scan_timeout, st.scheduler.scan_now(src, st.settings.scan_queue, if q.force { Reread::All } else { Reread::Tables })).await {
                Ok(r) => Ok((id, Some(r?))),
                Err(_) => {
                    st.scheduler.give_up(id).await;
                    Ok::<_, ApiError>((id, None))
                }
            }
        }
    });
    let (id, outcome) = match task.await {
        Ok(r) => r?,
        Err(e) => return Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the scan of `{name}` failed: {e}"))),
    };
    let outcome = match outcome {
        Some(ScanNowResult::Done(o)) => o,
        None => return Err(ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", format!("the scan of `{name}` ran longer than {}; it was stopped", format_duration(st.settings.scan_timeout)))),
        Some(ScanNowResult::Busy) => return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "busy", "every scan slot of this worker is busy; retry later").retry_after(30)),
        Some(ScanNowResult::Leased) => {
            if st.store.source(&name).await?.is_none_or(|s| s.id != id) {
                return Err(ApiError::not_found(format!("source `{name}` was removed while it was being scanned")));
            }
            return Err(ApiError::conflict(format!("source `{name}` is being scanned by another worker; try again when it finishes")));
        }
    };
    let src = find(&st, &name).await?;
    let columns = st.store.source_columns(&src).await?;
    let report = crate::report::Report { scanned_at: outcome.report.scanned_at, columns, errors: outcome.report.errors };
    Ok((Audited, Json(ScanNow { scan_id: outcome.scan_id, status: outcome.status.as_str().to_string(), read: outcome.read, unchanged: outcome.unchanged, removed: outcome.removed, notes: outcome.notes, report })))
}

/// A source's columns as its latest scans left them (the scan report's shape).
#[utoipa::path(get, path = "/api/v1/sources/{name}/columns", tag = "findings", params(("name" = String, Path)), responses((status = 200, description = "the scan report contract (DESIGN.md)", body = Object)))]
pub async fn columns(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<crate::report::Report>, ApiError> {
    let src = find(&st, &name).await?;
    let columns = st.store.source_columns(&src).await?;
    let scanned_at = st.store.scans(src.id, 1).await?.first().map(|s| s.started_at.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default();
    Ok(Json(crate::report::Report { scanned_at, columns, errors: Vec::new() }))
}

/// The live source called `name`, or 404.
pub async fn find(st: &AppState, name: &str) -> Result<SourceRow, ApiError> {
    st.store.source(name).await?.ok_or_else(|| ApiError::not_found(format!("no source named `{name}`")))
}

/// A fault in a requested source, naming the field it is in (`assay apply` reports it at
/// that field's line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError::bad_request(e.message)
    }
}

/// Checks a requested source's name, location length, tables, interval and sample size,
/// with the defaults filled in. No I/O: clients run it too (`assay apply` before sending).
pub fn check_source(req: &AddSource) -> Result<NewSource, FieldError> {
    let fault = |field, message: String| FieldError { field, message };
    check_name("source", &req.name).map_err(|e| fault("name", e.message))?;
    if req.location.len() > MAX_LOCATION_LEN {
        return Err(fault("location", format!("the location is longer than {MAX_LOCATION_LEN} bytes")));
    }
    if req.tables.len() > MAX_TABLES || req.tables.iter().any(|t| t.is_empty() || t.len() > MAX_TABLE_LEN || t.chars().any(char::is_control)) {
        return Err(fault("tables", format!("tables: at most {MAX_TABLES} selectors of 1-{MAX_TABLE_LEN} printable characters")));
    }
    let interval = parse_duration(req.interval.as_deref().unwrap_or("1h")).map_err(|e| fault("interval", e))?;
    let sample_rows = req.sample_rows.unwrap_or(1000);
    if !(1..=MAX_SAMPLE_ROWS).contains(&sample_rows) {
        return Err(fault("sample_rows", format!("sample_rows must be between 1 and {MAX_SAMPLE_ROWS}")));
    }
    if let Some(k) = &req.append_key {
        if k.is_empty() || k.len() > MAX_IDENTIFIER_LEN || k.chars().any(char::is_control) {
            return Err(fault("append_key", format!("append_key must be a column name of 1-{MAX_IDENTIFIER_LEN} printable characters")));
        }
    }
    if let Some(q) = &req.events {
        crate::sources::events::check_queue_reference(q).map_err(|e| fault("events", e.to_string()))?;
        // Notifications name buckets and keys: only an S3 prefix can be matched against
        // them (a reference location always holds a database DSN).
        let scheme = req.location.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("s3" | "s3a")) {
            return Err(fault("events", "events: object-created notifications are read for s3:// sources only".into()));
        }
    }
    Ok(NewSource { name: req.name.clone(), location: req.location.clone(), tables: req.tables.clone(), interval, sample_rows, append_key: req.append_key.clone(), events: req.events.clone() })
}

/// Checks that this server may read `location` (its operator's policy, which also refuses a
/// credential written into it: 403) and that it is a location at all (400).
pub fn check_location(policy: &LocationPolicy, location: &str) -> Result<(), ApiError> {
    // The policy first: nothing is resolved or opened before the operator's rules allow it.
    policy.check(location).map_err(|e| ApiError::forbidden(e.to_string()))?;
    Location::parse(location).map_err(|e| {
        // What a reference holds is never quoted back, not even redacted.
        if location.starts_with("env:") || location.starts_with("file:") && !location.starts_with("file://") {
            ApiError::bad_request(format!("`{location}` does not hold a supported location (a path, s3://, gs://, az://, abfs[s]:// URL or postgres:// DSN)"))
        } else {
            ApiError::bad_request(e.to_string())
        }
    })?;
    Ok(())
}

/// Checks that an `events` reference (`env:NAME`) names a variable the operator lets API
/// clients name, and that it resolves to a queue URL (403 or 400); a URL needs no policy.
pub fn check_events(policy: &LocationPolicy, events: Option<&str>) -> Result<(), ApiError> {
    let Some(q) = events.filter(|q| q.starts_with("env:")) else { return Ok(()) };
    policy.check_secret(q).map_err(|e| ApiError::forbidden(e.to_string()))?;
    crate::sources::events::resolve_queue(q).map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(())
}
