//! Who may do what. The only place that decides it: every route is declared once, in
//! `api::ROUTES`, with the roles it admits and the action it is audited as; the guard
//! below runs in front of each route's handler.
//!
//! The guard, for every request but the open health checks:
//! 1. gives the request an id (sent back as `X-Request-Id`) and notes the client address;
//! 2. authenticates the bearer token (`Authorization: Bearer assay_…`): unknown, malformed,
//!    expired and revoked tokens get 401 — all alike to the client, told apart in the audit
//!    log;
//! 3. rate-limits per token (per client address before authentication), answering 429 with
//!    `Retry-After`;
//! 4. authorizes by role: 403 unless the route admits the token's role;
//! 5. audits: every refusal above, and every mutating request whose handler did not audit
//!    it itself. A handler that changes the store writes its audit row in the change's own
//!    transaction and marks its response [`Audited`], so a change is never recorded twice
//!    nor committed unrecorded.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, IntoResponseParts, Response, ResponseParts};
use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::error::{ApiError, RefusalMessage};
use super::AppState;
use crate::store::{hash_token, AuditEntry, Role, TokenRow, TOKEN_PREFIX};

/// A route: method, path (axum syntax, `{name}` for a parameter), the roles admitted (empty:
/// open to anyone) and the action name it is audited as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub roles: &'static [Role],
    pub action: &'static str,
}

impl Route {
    pub fn is_open(&self) -> bool {
        self.roles.is_empty()
    }
    /// Whether the route changes anything (audited even when it succeeds).
    pub fn mutates(&self) -> bool {
        self.method != "GET"
    }
}

/// Open to anyone: liveness and readiness only.
pub const OPEN: &[Role] = &[];
/// Tokens and other credentials.
pub const ADMIN: &[Role] = &[Role::Admin];
/// Registering sources and scanning.
pub const ENGINEERS: &[Role] = &[Role::Admin, Role::Engineer];
/// Reading sources, scans and findings.
pub const READERS: &[Role] = &[Role::Admin, Role::Engineer, Role::Reviewer];
/// Reading the audit log.
pub const AUDITORS: &[Role] = &[Role::Admin, Role::Reviewer];
/// Reviewing findings and acknowledging alerts.
pub const REVIEWERS: &[Role] = &[Role::Admin, Role::Reviewer];
/// Any valid token.
pub const ANY_ROLE: &[Role] = &Role::ALL;

/// The authenticated caller of a request, for handlers (`Extension<Caller>`).
#[derive(Debug, Clone)]
pub struct Caller {
    pub token_id: i64,
    pub name: String,
    pub role: Role,
    pub request_id: String,
    pub client: Option<String>,
    pub action: &'static str,
}

impl Caller {
    /// The audit row of this request's success on `target`.
    pub fn audit(&self, status: StatusCode, target: impl Into<String>, detail: Option<String>) -> AuditEntry {
        AuditEntry {
            at: Utc::now(),
            actor: Some(self.name.clone()),
            role: Some(self.role.as_str().to_string()),
            action: self.action.to_string(),
            target: Some(target.into()),
            outcome: "ok".into(),
            status: status.as_u16(),
            client: self.client.clone(),
            request_id: self.request_id.clone(),
            detail,
        }
    }
}

/// Marks a response whose handler wrote its audit row itself.
pub struct Audited;

#[derive(Clone, Copy)]
struct AuditedMark;

impl IntoResponseParts for Audited {
    type Error = Infallible;
    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
        res.extensions_mut().insert(AuditedMark);
        Ok(res)
    }
}

/// Per-key request limits: a token's id, or a client address before authentication.
pub struct Limiter {
    inner: Option<DefaultKeyedRateLimiter<String>>,
}

impl Limiter {
    /// `per_second` requests a second with bursts of `burst`; 0 turns limiting off.
    pub fn new(per_second: u32, burst: u32) -> Limiter {
        let inner = NonZeroU32::new(per_second).map(|rate| RateLimiter::keyed(Quota::per_second(rate).allow_burst(NonZeroU32::new(burst).unwrap_or(rate))));
        Limiter { inner }
    }

    /// `Err(wait)` when `key` is over its limit.
    fn check(&self, key: String) -> Result<(), Duration> {
        let Some(l) = &self.inner else { return Ok(()) };
        l.check_key(&key).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// The guard's state: the app and the route it stands in front of.
#[derive(Clone)]
pub struct Guard {
    pub app: AppState,
    pub route: &'static Route,
}

/// How long a token's last use is not written again: one write per token a minute at most.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// The guard (see the module comment).
pub async fn guard(State(g): State<Guard>, mut req: Request, next: Next) -> Response {
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let client = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let mut refusal = Refusal { g: &g, request_id: &request_id, client };
    let resp = if g.route.is_open() {
        next.run(req).await
    } else {
        let authorization = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_string).unwrap_or_default());
        match authenticate(&g.app, authorization).await {
            Err(Denied::Store(e)) => e.into_response(),
            Err(Denied::Token { actor, why }) => {
                let key = format!("ip:{}", client.map_or("-".into(), |c| c.to_string()));
                match g.app.limiter.check(key) {
                    Err(wait) => refusal.refuse(None, rate_limited(wait), "rate_limited").await,
                    Ok(()) => {
                        let (actor, role) = actor.map_or((None, None), |t| (Some(t.name), Some(t.role)));
                        refusal.refuse_as(actor, role, ApiError::unauthenticated("a valid API token is required (Authorization: Bearer assay_…)"), "unauthenticated", Some(why)).await
                    }
                }
            }
            Ok(token) => {
                if let Err(wait) = g.app.limiter.check(format!("token:{}", token.id)) {
                    refusal.refuse(Some(&token), rate_limited(wait), "rate_limited").await
                } else if !g.route.roles.contains(&token.role) {
                    let e = ApiError::forbidden(format!("the {} role may not {} {}", token.role, g.route.method, g.route.path));
                    refusal.refuse(Some(&token), e, "denied").await
                } else {
                    let caller = Caller { token_id: token.id, name: token.name.clone(), role: token.role, request_id: request_id.clone(), client: client.map(|c| c.to_string()), action: g.route.action };
                    touch(&g.app, &token);
                    req.extensions_mut().insert(caller.clone());
                    let resp = next.run(req).await;
                    if g.route.mutates() && resp.extensions().get::<AuditedMark>().is_none() {
                        let mut entry = caller.audit(resp.status(), target_of(g.route), resp.extensions().get::<RefusalMessage>().map(|m| m.0.clone()));
                        entry.outcome = outcome_of(resp.status()).into();
                        refusal.write(entry).await;
                    }
                    resp
                }
            }
        }
    };
    let mut resp = resp;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// The target recorded when a handler did not name one: the route's path.
fn target_of(route: &Route) -> String {
    route.path.to_string()
}

/// How a response's status reads in the audit log.
pub fn outcome_of(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200..=399 => "ok",
        401 => "unauthenticated",
        403 => "denied",
        429 => "rate_limited",
        400..=499 => "rejected",
        _ => "failed",
    }
}

fn rate_limited(wait: Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many requests for this token; retry later").retry_after(secs)
}

/// Writes the audit rows of refusals.
struct Refusal<'a> {
    g: &'a Guard,
    request_id: &'a str,
    client: Option<IpAddr>,
}

impl Refusal<'_> {
    async fn refuse(&mut self, token: Option<&TokenRow>, e: ApiError, outcome: &str) -> Response {
        let detail = Some(e.message.clone());
        self.refuse_as(token.map(|t| t.name.clone()), token.map(|t| t.role), e, outcome, detail).await
    }

    async fn refuse_as(&mut self, actor: Option<String>, role: Option<Role>, e: ApiError, outcome: &str, detail: Option<String>) -> Response {
        let entry = AuditEntry {
            at: Utc::now(),
            actor,
            role: role.map(|r| r.as_str().to_string()),
            action: self.g.route.action.to_string(),
            target: Some(target_of(self.g.route)),
            outcome: outcome.to_string(),
            status: e.status.as_u16(),
            client: self.client.map(|c| c.to_string()),
            request_id: self.request_id.to_string(),
            detail,
        };
        self.write(entry).await;
        e.into_response()
    }

    async fn write(&mut self, entry: AuditEntry) {
        // The request has been answered (or refused) already; a store that cannot take the
        // row is logged, with what the row would have said, so nothing goes unrecorded.
        if let Err(e) = self.g.app.store.audit(&entry).await {
            tracing::error!(error = %e, action = %entry.action, actor = ?entry.actor, outcome = %entry.outcome, request_id = %entry.request_id, "cannot write the audit log");
        }
    }
}

enum Denied {
    /// No valid token; `actor` is the token's row when it exists but is expired or revoked.
    Token { actor: Option<TokenRow>, why: String },
    Store(ApiError),
}

/// Checks the `Authorization` header's value (owned: a request body is not `Sync`, so the
/// request cannot be held across the store lookup).
async fn authenticate(app: &AppState, authorization: Option<String>) -> Result<TokenRow, Denied> {
    let denied = |why: &str| Denied::Token { actor: None, why: why.to_string() };
    let Some(value) = authorization else {
        return Err(denied("no Authorization header"));
    };
    let Some(token) = value.strip_prefix("Bearer ").map(str::trim) else {
        return Err(denied("the Authorization header is not `Bearer <token>`"));
    };
    if !token.starts_with(TOKEN_PREFIX) || token.len() != TOKEN_PREFIX.len() + 64 {
        return Err(denied("malformed token"));
    }
    let row = app.store.token_by_hash(&hash_token(token)).await.map_err(|e| Denied::Store(e.into()))?;
    let Some(row) = row else {
        return Err(denied("unknown token"));
    };
    let now = Utc::now();
    if row.revoked_at.is_some() {
        return Err(Denied::Token { actor: Some(row), why: "revoked token".into() });
    }
    if !row.is_live(now) {
        return Err(Denied::Token { actor: Some(row), why: "expired token".into() });
    }
    Ok(row)
}

/// Notes the token's use now and then, off the request's path.
fn touch(app: &AppState, token: &TokenRow) {
    let now = Utc::now();
    if token.last_used_at.is_some_and(|t| now - t < TOUCH_EVERY) {
        return;
    }
    let (store, id) = (app.store.clone(), token.id);
    tokio::spawn(async move {
        if let Err(e) = store.touch_token(id, now).await {
            tracing::debug!(error = %e, "cannot note a token's use");
        }
    });
}
