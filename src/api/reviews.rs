//! Reviews: a reviewer confirms a finding or dismisses it as a false positive (a
//! suppression until the evidence changes materially), or reopens it; and the history of
//! every review.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Query};
use super::{AppState, Page, PageQuery};
use crate::store::{Review, ReviewFilter, StoreError, Verdict};

/// A review of one finding: (source, dataset, column, label).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub source: String,
    /// The dataset within the source (as alerts and columns name it); may be omitted when
    /// the source has one.
    pub dataset: Option<String>,
    pub column: String,
    pub label: String,
    pub verdict: Verdict,
    /// Why; required to dismiss.
    pub reason: Option<String>,
}

/// A review as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewDone {
    pub review_id: i64,
    /// Webhook deliveries queued by the alert changes it made.
    pub events: usize,
}

/// Records a review. Dismissing resolves the finding's alerts in every feature set and
/// keeps it from alerting or failing the gate until its evidence changes materially.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews", request_body = ReviewRequest,
    responses((status = 201, body = ReviewDone), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn add(State(st): State<AppState>, Extension(caller): Extension<Caller>, Body(req): Body<ReviewRequest>) -> Result<(StatusCode, Audited, Json<ReviewDone>), ApiError> {
    let done = record(&st, &caller, &req).await?;
    Ok((StatusCode::CREATED, Audited, Json(done)))
}

/// Records a review by `caller` and its audit row in one transaction (the API's
/// `POST /api/v1/reviews` and the dashboard's review forms both come here, so a review is
/// checked, stored and audited the same way whoever asks).
pub async fn record(st: &AppState, caller: &Caller, req: &ReviewRequest) -> Result<ReviewDone, ApiError> {
    let reason = req.reason.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(|r| r.chars().take(1000).collect::<String>());
    if req.verdict == Verdict::Dismiss && reason.is_none() {
        return Err(ApiError::bad_request("a dismissal needs a reason"));
    }
    let src = st.store.source(&req.source).await?.ok_or_else(|| ApiError::not_found(format!("no source named `{}`", req.source)))?;
    let mut tx = st.store.begin().await?;
    let (dataset_id, dataset) = tx.dataset_id(src.id, req.dataset.as_deref()).await?.ok_or_else(|| match &req.dataset {
        Some(d) => ApiError::not_found(format!("source `{}` has no dataset `{d}`", req.source)),
        None => ApiError::bad_request(format!("source `{}` has several datasets (or none scanned yet): name one with `dataset`", req.source)),
    })?;
    let now = st.store.now().await?;
    let (review_id, events) = match tx.review(src.id, dataset_id, &req.column, &req.label, req.verdict, reason.as_deref(), &caller.name, now, &st.scheduler.alert_policy().public_url).await {
        Err(StoreError::Unknown { .. }) => return Err(ApiError::not_found(format!("`{dataset}` column `{}` holds no {} finding now", req.column, req.label))),
        r => r?,
    };
    let detail = format!("{:?} {} {}{}", req.verdict, req.column, req.label, reason.map(|r| format!(": {r}")).unwrap_or_default()).to_lowercase();
    tx.audit(&caller.audit(StatusCode::CREATED, format!("finding:{}/{dataset}/{}/{}", src.name, req.column, req.label), Some(detail))).await?;
    tx.commit().await?;
    if events > 0 {
        st.scheduler.notify_outbox();
    }
    Ok(ReviewDone { review_id, events })
}

/// Filters of the review history, newest first.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    pub source: Option<String>,
    pub label: Option<String>,
    /// `confirmed`, `dismissed`, `reopened` or `lapsed`.
    pub verdict: Option<String>,
}

/// The review history, newest first.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews", params(ReviewQuery), responses((status = 200, body = Page<Review>)))]
pub async fn list(State(st): State<AppState>, Query(q): Query<ReviewQuery>) -> Result<Json<Page<Review>>, ApiError> {
    let page = PageQuery { limit: q.limit, cursor: q.cursor.clone() };
    let (before, limit) = (page.id_cursor()?, page.limit());
    let filter = ReviewFilter { source: q.source, label: q.label, verdict: q.verdict, before, limit: limit + 1 };
    let mut items = st.store.reviews(&filter).await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = if more { items.last().map(|r| r.id.to_string()) } else { None };
    Ok(Json(Page { items, next_cursor }))
}
