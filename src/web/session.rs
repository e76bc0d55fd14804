//! Signing in to the dashboard, and who is looking at a page.
//!
//! Signing in posts an API token; a live one opens a server-side session: a random
//! 256-bit id in an `HttpOnly; SameSite=Strict` cookie (`Secure` when the request came
//! over TLS or a proxy says `X-Forwarded-Proto: https`), of which the store keeps only the
//! SHA-256. A session expires after [`SESSION_HOURS`], and acts as its token: revoking or
//! the expiry of the token ends it (the lookup joins the token). Signing out deletes it
//! and clears the cookie.
//!
//! CSRF: every session has its own random CSRF token, put in every form and compared on
//! every POST; the sign-in form, before any session, uses a double-submit cookie instead.
//! SameSite=Strict alone would stop most cross-site posts, but not those from a sibling
//! subdomain or an older browser. Refusals are audited as the API's are.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use bytes::Bytes;
use chrono::Utc;

use super::view::SignInPage;
use super::WebError;
use crate::api::auth::Caller;
use crate::api::AppState;
use crate::store::{hash_token, AuditEntry, Role, TokenRow, TOKEN_PREFIX};

/// The session cookie.
pub const COOKIE: &str = "assay_session";
/// The sign-in form's double-submit cookie.
const SIGNIN_COOKIE: &str = "assay_signin";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 8;

/// Who is looking: a live session and the token it acts as.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub token: TokenRow,
    pub csrf: String,
    id_hash: String,
    client: Option<String>,
}

impl Viewer {
    pub fn role(&self) -> Role {
        self.token.role
    }

    /// Whether the viewer's role is among `roles` (a role set of `api::auth`).
    pub fn may(&self, roles: &[Role]) -> bool {
        roles.contains(&self.token.role)
    }

    /// Refuses (403, audited as the API audits refusals) unless the role is among `roles`.
    pub async fn require(&self, st: &AppState, roles: &[Role], action: &'static str, what: &str) -> Result<(), WebError> {
        if self.may(roles) {
            return Ok(());
        }
        let message = format!("the {} role may not {what}", self.token.role);
        let mut entry = self.caller(action).audit(StatusCode::FORBIDDEN, format!("web:{what}"), Some(message.clone()));
        entry.outcome = "denied".into();
        write_audit(st, &entry).await;
        let hint = match self.token.role {
            Role::Pipeline => ". Pipeline tokens are for the gate: `assay gate NAME`, or GET /api/v1/feature-sets/NAME/gate.",
            _ => ". Sign in with a token of a role that may.",
        };
        let signed_in = Some(super::SignedIn { user: self.token.name.clone(), role: self.token.role.to_string(), csrf: self.csrf.clone() });
        Err(WebError::Forbidden { message: format!("{message}{hint}"), signed_in })
    }

    /// The viewer as the API's handlers know a caller, for audit rows and shared actions.
    pub fn caller(&self, action: &'static str) -> Caller {
        Caller {
            token_id: self.token.id,
            name: self.token.name.clone(),
            role: self.token.role,
            request_id: uuid::Uuid::new_v4().simple().to_string(),
            client: self.client.clone(),
            action,
        }
    }

    /// Refuses a form whose `csrf` field is not this session's (audited).
    pub async fn check_csrf(&self, st: &AppState, form: &Form, action: &'static str) -> Result<(), WebError> {
        if form.get("csrf").is_some_and(|c| same(c.as_bytes(), self.csrf.as_bytes())) {
            return Ok(());
        }
        let mut entry = self.caller(action).audit(StatusCode::FORBIDDEN, "web:form", Some("missing or wrong CSRF token".into()));
        entry.outcome = "denied".into();
        write_audit(st, &entry).await;
        Err(WebError::Csrf)
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Viewer, WebError> {
        let Some(id) = cookie(&parts.headers, COOKIE) else { return Err(WebError::SignIn) };
        let id_hash = hash_token(&id);
        let session = st.store.session(&id_hash, Utc::now()).await?.ok_or(WebError::SignIn)?;
        let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(Viewer { token: session.token, csrf: session.csrf, id_hash, client })
    }
}

/// A posted form (`application/x-www-form-urlencoded`), keys in order, repeated keys kept
/// (the review queue's bulk action posts one `item` per checked finding).
pub struct Form(pub Vec<(String, String)>);

impl Form {
    pub fn parse(body: &Bytes) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }
}

/// Constant-time comparison, so a wrong token's answer time tells nothing of the right one.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether the browser reached us over TLS: directly (a URI with the https scheme, as a
/// TLS front end passing the request on gives) or through a proxy that says so.
fn over_tls(headers: &HeaderMap, st: &AppState) -> bool {
    headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
        || st.scheduler.alert_policy().public_url.starts_with("https://")
}

fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")).expect("cookie is ASCII")
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

async fn write_audit(st: &AppState, entry: &AuditEntry) {
    if let Err(e) = st.store.audit(entry).await {
        tracing::error!(error = %e, action = %entry.action, actor = ?entry.actor, outcome = %entry.outcome, "cannot write the audit log");
    }
}

fn entry(action: &str, token: Option<&TokenRow>, outcome: &str, status: StatusCode, client: Option<String>, detail: Option<String>) -> AuditEntry {
    AuditEntry {
        at: Utc::now(),
        actor: token.map(|t| t.name.clone()),
        role: token.map(|t| t.role.as_str().to_string()),
        action: action.to_string(),
        target: Some("web:session".into()),
        outcome: outcome.into(),
        status: status.as_u16(),
        client,
        request_id: uuid::Uuid::new_v4().simple().to_string(),
        detail,
    }
}

/// `GET /signin`: the form (or the overview for a live session).
pub async fn signin_form(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    if let Some(id) = cookie(&headers, COOKIE) {
        if st.store.session(&hash_token(&id), Utc::now()).await?.is_some() {
            return Ok(Redirect::to("/").into_response());
        }
    }
    signin_page(&st, &headers, StatusCode::OK, None)
}

fn signin_page(st: &AppState, headers: &HeaderMap, status: StatusCode, error: Option<String>) -> Result<Response, WebError> {
    let pre = random_hex();
    let html = askama::Template::render(&SignInPage { csrf: pre.clone(), error })?;
    let mut resp = (status, Html(html)).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, &pre, "/signin", 1800, over_tls(headers, st)));
    Ok(resp)
}

/// `POST /signin`: a live token opens a session.
pub async fn signin(State(st): State<AppState>, req: axum::extract::Request) -> Result<Response, WebError> {
    // The client's address when the server was started with it (`assay serve` is); a
    // router served without it still signs in.
    let (parts, body) = req.into_parts();
    let client = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
    let headers = parts.headers;
    let body = axum::body::to_bytes(body, st.settings.max_body_bytes).await.map_err(|e| WebError::BadRequest(format!("reading the form: {e}")))?;
    let form = Form::parse(&body);
    let pre = cookie(&headers, SIGNIN_COOKIE);
    if !matches!((pre.as_deref(), form.get("csrf")), (Some(a), Some(b)) if same(a.as_bytes(), b.as_bytes())) {
        write_audit(&st, &entry("web.signin", None, "denied", StatusCode::FORBIDDEN, client, Some("missing or wrong CSRF token".into()))).await;
        return Err(WebError::Csrf);
    }
    let token = form.get("token").unwrap_or("").trim();
    let now = Utc::now();
    let found = if token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64 { st.store.token_by_hash(&hash_token(token)).await? } else { None };
    let live = found.as_ref().filter(|t| t.is_live(now));
    let Some(row) = live else {
        let why = match &found {
            None => "unknown or malformed token",
            Some(t) if t.revoked_at.is_some() => "revoked token",
            Some(_) => "expired token",
        };
        write_audit(&st, &entry("web.signin", found.as_ref(), "unauthenticated", StatusCode::UNAUTHORIZED, client, Some(why.into()))).await;
        return signin_page(&st, &headers, StatusCode::UNAUTHORIZED, Some("That token is not valid (unknown, revoked or expired).".into()));
    };
    let id = random_hex();
    // A session never outlives its token.
    let expires = row.expires_at.map_or(now + chrono::Duration::hours(SESSION_HOURS), |e| e.min(now + chrono::Duration::hours(SESSION_HOURS)));
    let mut tx = st.store.begin().await?;
    tx.open_session(&hash_token(&id), row.id, &random_hex(), now, expires).await?;
    tx.audit(&entry("web.signin", Some(row), "ok", StatusCode::SEE_OTHER, client, None)).await?;
    tx.commit().await?;
    let secure = over_tls(&headers, &st);
    let mut resp = Redirect::to("/").into_response();
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(COOKIE, &id, "/", (expires - now).num_seconds().max(1), secure));
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(SIGNIN_COOKIE, "", "/signin", 0, secure));
    Ok(resp)
}

/// `POST /signout`: ends the session and clears the cookie.
pub async fn signout(State(st): State<AppState>, viewer: Viewer, headers: HeaderMap, body: Bytes) -> Result<Response, WebError> {
    let form = Form::parse(&body);
    viewer.check_csrf(&st, &form, "web.signout").await?;
    let mut tx = st.store.begin().await?;
    tx.close_session(&viewer.id_hash).await?;
    tx.audit(&entry("web.signout", Some(&viewer.token), "ok", StatusCode::SEE_OTHER, viewer.client.clone(), None)).await?;
    tx.commit().await?;
    let mut resp = Redirect::to("/signin").into_response();
    *resp.status_mut() = StatusCode::SEE_OTHER;
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(COOKIE, "", "/", 0, over_tls(&headers, &st)));
    Ok(resp)
}
