//! API tokens, for admins: list, create (the token is in the answer, once), revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{check_name, AppState};
use crate::config::parse_duration;
use crate::store::{generate_token, Role, TokenRow};

/// The body of `POST /api/v1/tokens`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    pub name: String,
    pub role: Role,
    /// Lifetime, e.g. `90d` (default: no expiry).
    #[serde(default)]
    pub expires: Option<String>,
}

/// A new token: shown once, stored only as a hash.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenRow,
}

/// `all=true` lists revoked tokens too.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    #[serde(default)]
    pub all: bool,
}

/// The tokens (never the tokens themselves: their names, roles, prefixes and dates).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenQuery), responses((status = 200, body = super::Page<TokenRow>)))]
pub async fn list(State(st): State<AppState>, Query(q): Query<TokenQuery>) -> Result<Json<super::Page<TokenRow>>, ApiError> {
    Ok(Json(super::Page { items: st.store.list_tokens(q.all).await?, next_cursor: None }))
}

/// Creates a token; the answer holds it, once.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateToken, responses((status = 201, body = CreatedToken), (status = 409, body = super::ErrorBody)))]
pub async fn create(State(st): State<AppState>, Extension(caller): Extension<Caller>, Body(req): Body<CreateToken>) -> Result<(StatusCode, Audited, Json<CreatedToken>), ApiError> {
    check_name("token", &req.name)?;
    let now = Utc::now();
    let expires = match &req.expires {
        Some(e) => Some(now + parse_duration(e).map_err(ApiError::bad_request)?),
        None => None,
    };
    let token = generate_token();
    let mut tx = st.store.begin().await?;
    let info = tx.create_token(&req.name, req.role, &token, Some(&caller.name), expires, now).await?;
    tx.audit(&caller.audit(StatusCode::CREATED, format!("token:{}", req.name), Some(format!("role {}", req.role)))).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Audited, Json(CreatedToken { token, info })))
}

/// Revokes a token: it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{name}", tag = "tokens", params(("name" = String, Path)), responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn revoke(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>) -> Result<(StatusCode, Audited, ()), ApiError> {
    let mut tx = st.store.begin().await?;
    if !tx.revoke_token(&name, Utc::now()).await? {
        return Err(ApiError::not_found(format!("no live token named `{name}`")));
    }
    tx.audit(&caller.audit(StatusCode::NO_CONTENT, format!("token:{name}"), None)).await?;
    tx.commit().await?;
    Ok((StatusCode::NO_CONTENT, Audited, ()))
}
