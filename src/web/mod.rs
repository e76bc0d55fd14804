//! The dashboard: server-rendered HTML pages at `/` for compliance and privacy teams,
//! served by the same router as the API.
//!
//! Why it is built so: pages are askama templates (`templates/`), compiled into the
//! binary and HTML-escaped by default, so a table or column named `<script>` is shown as
//! text; charts are SVG drawn here (`charts.rs`), with their own escaping; the stylesheet
//! and the one small script are compiled in (`static/`) and served from this origin, so
//! the Content-Security-Policy can forbid inline script and style and every other origin.
//!
//! A browser signs in with an API token and gets a session (`session.rs`); pages and
//! actions admit the same roles as the API routes they mirror (the role sets of
//! `api::auth`), write the same audit rows, and go through the same store functions
//! (a review is `api::reviews::record`, whoever asks).
//!
//! Never here: a raw matched value (the store holds masked evidence only) or a token
//! (only its name and role are shown).

pub mod charts;
mod pages;
mod review;
pub mod session;
mod view;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::api::{ApiError, AppState};
use crate::store::StoreError;

/// What the dashboard keeps between requests: the overview's per-day counts of days that
/// are over. History is append-only and a finished day's scans do not change, so each
/// such day is counted once per process; only the current day (and the hour after
/// midnight, for scans that started before it and were recorded after) is read each time.
#[derive(Debug, Default)]
pub struct WebCache {
    /// Day number (days since the epoch, UTC) → (sensitive columns, new findings).
    pub(crate) days: std::sync::Mutex<std::collections::BTreeMap<i64, (i64, i64)>>,
}

/// The stylesheet and the script, compiled in.
const APP_CSS: &str = include_str!("static/app.css");
const APP_JS: &str = include_str!("static/app.js");

/// The policy of every dashboard answer: this origin only, no inline script or style, no
/// framing, no plugins, forms posting back here only.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The dashboard's routes (state is the API's; `api::router` merges them).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::overview))
        .route("/sources", get(pages::sources))
        .route("/sources/{name}", get(pages::source))
        .route("/reviews", get(review::queue).post(review::act))
        .route("/reviews/dismissed", get(review::dismissed))
        .route("/alerts", get(pages::alerts))
        .route("/alerts/{id}", get(pages::alert).post(pages::acknowledge))
        .route("/feature-sets", get(pages::feature_sets))
        .route("/audit", get(pages::audit))
        .route("/audit.csv", get(pages::audit_csv))
        .route("/signin", get(session::signin_form).post(session::signin))
        .route("/signout", post(session::signout))
        .route("/static/app.css", get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], APP_CSS) }))
        .route("/static/app.js", get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS) }))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Headers on every dashboard answer: the policy above, no framing, no sniffing, and no
/// caching (pages hold findings and a CSRF token; a shared or back-button cache must not
/// keep them).
async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    resp
}

/// Why a page could not be shown; each becomes an error page with its status.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{}", .0.message)]
    Api(ApiError),
    #[error("rendering the page: {0}")]
    Render(#[from] askama::Error),
    /// The role may not open the page or do the action; the page says who is signed in
    /// and offers to sign out (to sign in with another token).
    #[error("{message}")]
    Forbidden { message: String, signed_in: Option<SignedIn> },
    /// A form without this session's CSRF token.
    #[error("this form has expired or did not come from this dashboard; reload the page and try again")]
    Csrf,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    /// No live session: back to the sign-in page.
    #[error("sign in first")]
    SignIn,
}

/// Who is signed in, for an error page's sign-out form.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: String,
    pub role: String,
    pub csrf: String,
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> WebError {
        WebError::Api(e)
    }
}

impl WebError {
    fn status(&self) -> StatusCode {
        match self {
            WebError::Store(_) | WebError::Render(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Api(e) => e.status,
            WebError::Forbidden { .. } | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::SignIn => StatusCode::SEE_OTHER,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::SignIn = self {
            return (StatusCode::SEE_OTHER, [(header::LOCATION, "/signin")]).into_response();
        }
        let status = self.status();
        let message = match &self {
            WebError::Store(e) => {
                tracing::error!(error = %e, "dashboard: store error");
                "the store could not answer; try again shortly".to_string()
            }
            WebError::Render(e) => {
                tracing::error!(error = %e, "dashboard: rendering failed");
                "the page could not be rendered".to_string()
            }
            e => crate::sources::location::redact(&e.to_string()),
        };
        let signed_in = match self {
            WebError::Forbidden { signed_in, .. } => signed_in,
            _ => None,
        };
        let page = view::ErrorPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("Error").to_string(), message, signed_in };
        match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            // The error page itself failed: the status line alone, as plain text.
            Err(_) => (status, status.to_string()).into_response(),
        }
    }
}
