//! Webhooks: where alert events go. A webhook's secret is a reference the operator allows
//! (`env:NAME`, `file:/path`), checked when declared and resolved only when signing.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{check_name, AppState, Page, PageQuery};
use crate::sources::policy::LocationPolicy;
use crate::store::{Webhook, WebhookSpec};

/// Longest webhook URL accepted.
const MAX_URL_LEN: usize = 2048;

/// Checks a webhook's declaration: its name, an http(s) URL without credentials, and a
/// secret given as an allowed reference. `at` prefixes errors (`webhooks[1]: ` for apply).
pub fn check_spec(spec: &WebhookSpec, policy: &LocationPolicy, at: &str) -> Result<(), ApiError> {
    let bad = |msg: String| ApiError::bad_request(format!("{at}{msg}"));
    check_name("webhook", &spec.name).map_err(|e| bad(e.message))?;
    let url = reqwest::Url::parse(&spec.url).map_err(|e| bad(format!("url: not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || spec.url.len() > MAX_URL_LEN {
        return Err(bad(format!("url: must be an http:// or https:// URL of at most {MAX_URL_LEN} bytes")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("url: holds credentials; give the signing secret as `secret: env:NAME` instead".into()));
    }
    if let Some(secret) = &spec.secret {
        policy.check_secret(secret).map_err(|e| bad(format!("secret: {e}")))?;
    }
    Ok(())
}

/// Lists the webhooks by name (URLs and secret references, never secrets).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(PageQuery), responses((status = 200, body = Page<Webhook>)))]
pub async fn list(State(st): State<AppState>, Query(q): Query<PageQuery>) -> Result<Json<Page<Webhook>>, ApiError> {
    // Webhooks are few: paged in memory, by name.
    let limit = q.limit() as usize;
    let mut items: Vec<Webhook> = st.store.webhooks().await?.into_iter().filter(|w| q.cursor.as_ref().is_none_or(|c| w.spec.name.as_str() > c.as_str())).collect();
    let next_cursor = (items.len() > limit).then(|| {
        items.truncate(limit);
        items.last().map(|w| w.spec.name.clone()).unwrap_or_default()
    });
    Ok(Json(Page { items, next_cursor }))
}

/// Creates or replaces a webhook by name.
#[utoipa::path(put, path = "/api/v1/webhooks/{name}", tag = "webhooks", params(("name" = String, Path)), request_body = WebhookSpec,
    responses((status = 200, body = Webhook), (status = 201, body = Webhook), (status = 400, body = super::ErrorBody)))]
pub async fn put(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>, Body(spec): Body<WebhookSpec>) -> Result<(StatusCode, Audited, Json<Webhook>), ApiError> {
    if spec.name != name {
        return Err(ApiError::bad_request(format!("the body names webhook `{}`, the path `{name}`", spec.name)));
    }
    check_spec(&spec, &st.settings.policy, "")?;
    let mut tx = st.store.begin().await?;
    let (hook, created) = tx.put_webhook(&spec, st.store.now().await?).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    // The host only: incoming-webhook URLs (Slack's) carry their token in the path.
    let host = reqwest::Url::parse(&hook.spec.url).ok().and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme()))).unwrap_or_default();
    let detail = format!("url {host}/… format {} global {}", hook.spec.format.as_str(), hook.spec.global);
    tx.audit(&caller.audit(status, format!("webhook:{name}"), Some(detail))).await?;
    tx.commit().await?;
    Ok((status, Audited, Json(hook)))
}

/// Removes a webhook; deliveries still queued for it are dead-lettered.
#[utoipa::path(delete, path = "/api/v1/webhooks/{name}", tag = "webhooks", params(("name" = String, Path)), responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>) -> Result<(StatusCode, Audited, ()), ApiError> {
    let mut tx = st.store.begin().await?;
    if !tx.remove_webhook(&name, st.store.now().await?).await? {
        return Err(ApiError::not_found(format!("no webhook named `{name}`")));
    }
    tx.audit(&caller.audit(StatusCode::NO_CONTENT, format!("webhook:{name}"), None)).await?;
    tx.commit().await?;
    Ok((StatusCode::NO_CONTENT, Audited, ()))
}
