//! The audit log, read-only: filter by actor, action, target and time; page by cursor;
//! export as JSON (a page), CSV or JSON Lines (up to `limit` rows, the next cursor in the
//! `X-Next-Cursor` header).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::error::ApiError;
use super::extract::Query;
use super::{AppState, Page};
use crate::store::{AuditFilter, AuditRow};

/// Most rows one export answers.
const MAX_EXPORT: u32 = 10_000;

/// Filters (all optional), the page and the format.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// A token name.
    pub actor: Option<String>,
    /// e.g. `sources.add`.
    pub action: Option<String>,
    /// e.g. `source:orders`.
    pub target: Option<String>,
    /// RFC 3339; rows at or after.
    pub since: Option<String>,
    /// RFC 3339; rows before.
    pub until: Option<String>,
    /// Rows per page (default 100; up to 1000, or 10000 for csv and jsonl).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// `json` (default), `csv` or `jsonl`.
    pub format: Option<String>,
}

fn when(field: &str, v: &Option<String>) -> Result<Option<DateTime<Utc>>, ApiError> {
    v.as_deref()
        .map(|t| DateTime::parse_from_rfc3339(t).map(|d| d.with_timezone(&Utc)).map_err(|_| ApiError::bad_request(format!("{field}: `{t}` is not an RFC 3339 time"))))
        .transpose()
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = Page<AuditRow>, description = "JSON page; text/csv or application/jsonl with format=csv|jsonl")))]
pub async fn list(State(st): State<AppState>, Query(q): Query<AuditQuery>) -> Result<Response, ApiError> {
    let format = q.format.as_deref().unwrap_or("json");
    let max = if format == "json" { super::MAX_PAGE } else { MAX_EXPORT };
    let limit = i64::from(q.limit.unwrap_or(100).clamp(1, max));
    let before = q.cursor.as_deref().map(|c| c.parse::<i64>().map_err(|_| ApiError::bad_request(format!("cursor `{c}` is not one this API gave")))).transpose()?;
    let filter = AuditFilter { actor: q.actor.clone(), action: q.action.clone(), target: q.target.clone(), since: when("since", &q.since)?, until: when("until", &q.until)?, before, limit: limit + 1 };
    let mut rows = st.store.audit_log(&filter).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| r.id.to_string()).unwrap_or_default()
    });
    let (content_type, body) = match format {
        "json" => return Ok(Json(Page { items: rows, next_cursor }).into_response()),
        "csv" => ("text/csv; charset=utf-8", to_csv(&rows)?),
        "jsonl" => ("application/jsonl", rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default() + "\n").collect()),
        other => return Err(ApiError::bad_request(format!("format `{other}`: expected json, csv or jsonl"))),
    };
    let mut resp = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    if let Some(c) = next_cursor.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert("x-next-cursor", c);
    }
    Ok(resp)
}

fn to_csv(rows: &[AuditRow]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string());
    w.write_record(["id", "at", "actor", "role", "action", "target", "outcome", "status", "client", "request_id", "detail"]).map_err(internal)?;
    for r in rows {
        let e = &r.entry;
        w.write_record([
            r.id.to_string(),
            e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            e.actor.clone().unwrap_or_default(),
            e.role.clone().unwrap_or_default(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.outcome.clone(),
            e.status.to_string(),
            e.client.clone().unwrap_or_default(),
            e.request_id.clone(),
            // A spreadsheet would run a cell starting with = + - @ as a formula.
            e.detail.clone().map(|d| if d.starts_with(['=', '+', '-', '@']) { format!("'{d}") } else { d }).unwrap_or_default(),
        ])
        .map_err(internal)?;
    }
    let bytes = w.into_inner().map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
