//! Alerts: list and read them (with their history of episodes), and acknowledge one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{AppState, Page, PageQuery};
use crate::store::{Alert, AlertEvent, AlertFilter};

/// Filters of the alert list, newest first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// `open`, `acknowledged` or `resolved`.
    pub status: Option<String>,
    pub feature_set: Option<String>,
    pub source: Option<String>,
    pub label: Option<String>,
}

/// Lists alerts, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(AlertQuery), responses((status = 200, body = Page<Alert>), (status = 400, body = super::ErrorBody)))]
pub async fn list(State(st): State<AppState>, Query(q): Query<AlertQuery>) -> Result<Json<Page<Alert>>, ApiError> {
    if q.status.as_deref().is_some_and(|s| !matches!(s, "open" | "acknowledged" | "resolved")) {
        return Err(ApiError::bad_request("status must be open, acknowledged or resolved"));
    }
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let (before, limit) = (page.id_cursor()?, page.limit());
    let filter = AlertFilter { status: q.status, feature_set: q.feature_set, source: q.source, label: q.label, before, limit: limit + 1 };
    let mut items = st.store.alerts(&filter).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more { items.last().map(|a| a.id.to_string()) } else { None };
    Ok(Json(Page { items, next_cursor }))
}

/// An alert with its history.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: Alert,
    pub history: Vec<AlertEvent>,
}

/// One alert with every state change (episodes, acknowledgements, dismissals).
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = AlertDetail), (status = 404, body = super::ErrorBody)))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Json<AlertDetail>, ApiError> {
    let (alert, history) = st.store.alert(id).await?.ok_or_else(|| ApiError::not_found(format!("no alert {id}")))?;
    Ok(Json(AlertDetail { alert, history }))
}

/// Why an alert is acknowledged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledge {
    pub reason: Option<String>,
}

/// Acknowledges an open alert: someone is on it. It stays unresolved (and fails the gate)
/// until clean scans resolve it or the finding is dismissed.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts", params(("id" = i64, Path)), request_body = Acknowledge,
    responses((status = 200, body = Alert), (status = 404, body = super::ErrorBody)))]
pub async fn acknowledge(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(id): Path<i64>, Body(req): Body<Acknowledge>) -> Result<(Audited, Json<Alert>), ApiError> {
    Ok((Audited, Json(acknowledge_as(&st, &caller, id, req.reason).await?)))
}

/// Acknowledges alert `id` as `caller`, with its audit row in the same transaction (the
/// API route and the dashboard's button both come here).
pub async fn acknowledge_as(st: &AppState, caller: &Caller, id: i64, reason: Option<String>) -> Result<Alert, ApiError> {
    let reason = reason.map(|r| r.chars().take(1000).collect::<String>());
    let mut tx = st.store.begin().await?;
    let alert = tx.acknowledge_alert(id, &caller.name, reason.as_deref(), st.store.now().await?).await?.ok_or_else(|| ApiError::not_found(format!("no alert {id}")))?;
    tx.audit(&caller.audit(StatusCode::OK, format!("alert:{id}"), reason)).await?;
    tx.commit().await?;
    Ok(alert)
}

/// The webhook deliveries of an alert's events: attempts, status codes, next retry, and
/// why one was dead-lettered.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/deliveries", tag = "alerts", params(("id" = i64, Path)), responses((status = 200, body = Vec<crate::store::Delivery>), (status = 404, body = super::ErrorBody)))]
pub async fn deliveries(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Json<Vec<crate::store::Delivery>>, ApiError> {
    if st.store.alert(id).await?.is_none() {
        return Err(ApiError::not_found(format!("no alert {id}")));
    }
    Ok(Json(st.store.deliveries(id).await?))
}
