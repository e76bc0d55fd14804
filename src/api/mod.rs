//! The HTTP API of `assay serve`, versioned under `/api/v1`: sources, scans, findings,
//! tokens and the audit log, plus liveness, readiness, metrics and the OpenAPI document.
//!
//! Every route is declared once, in [`ROUTES`], with the roles it admits and the action it
//! is audited as; `auth::guard` enforces both in front of each handler (see `auth.rs`).
//! One file per resource; errors are `{"error": {"code", "message"}}` (`error.rs`); lists
//! are paginated with a limit and an opaque cursor in a stable order. The request and
//! response types are public: the `assay` client commands use the same structs.
//!
//! Never here: a raw matched value (the store holds masked evidence only) or what a
//! credential reference points to (`sources::policy` decides what may be read).

pub mod apply;
pub mod audit;
pub mod auth;
pub mod error;
pub mod extract;
pub mod health;
pub mod openapi;
pub mod scans;
pub mod alerts;
pub mod feature_sets;
pub mod reviews;
pub mod sources;
pub mod tokens;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use axum::routing::MethodRouter;
use axum::Router;
use serde::{Deserialize, Serialize};

use crate::schedule::Scheduler;
use crate::sources::policy::LocationPolicy;
use crate::store::Store;
pub use auth::Route;
use auth::{Limiter, ADMIN, ANY_ROLE, AUDITORS, ENGINEERS, OPEN, READERS, REVIEWERS};
pub use error::{ApiError, ErrorBody};

/// The API's settings (from `ServeConfig`).
#[derive(Debug, Clone)]
pub struct ApiSettings {
    /// What API clients may register as a location.
    pub policy: LocationPolicy,
    /// Longest scan asked for through the API.
    pub scan_timeout: Duration,
    /// How long a scan-now waits for a free scan slot before answering 429.
    pub scan_queue: Duration,
    /// Requests per second per token (0: no limit) and burst.
    pub rate_limit: u32,
    pub rate_burst: u32,
    /// Largest request body, bytes.
    pub max_body_bytes: usize,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            policy: LocationPolicy::default(),
            scan_timeout: Duration::from_secs(600),
            scan_queue: Duration::from_secs(30),
            rate_limit: 50,
            rate_burst: 200,
            max_body_bytes: 1 << 20,
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub scheduler: Arc<Scheduler>,
    /// Renders the process's metrics in the Prometheus text format.
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
    pub settings: Arc<ApiSettings>,
    pub limiter: Arc<Limiter>,
    /// What the dashboard keeps between requests (its charts' finished days).
    pub web: Arc<crate::web::WebCache>,
}

impl AppState {
    pub fn new(store: Store, scheduler: Arc<Scheduler>, metrics: metrics_exporter_prometheus::PrometheusHandle, settings: ApiSettings) -> AppState {
        let limiter = Arc::new(Limiter::new(settings.rate_limit, settings.rate_burst));
        AppState { store, scheduler, metrics, settings: Arc::new(settings), limiter, web: Arc::default() }
    }
}

/// Declares the routes: `METHOD "path" ROLES "action" => handler;`. The table
/// ([`ROUTES`]) is what the guard, the OpenAPI document and the route × role test read;
/// the handlers are paired with it in the same order.
macro_rules! routes {
    ($( $method:ident $path:literal $roles:ident $action:literal => $handler:path ; )*) => {
        /// Every route of the API, with the roles it admits and its audit action.
        pub static ROUTES: &[Route] = &[ $( Route { method: method_name(stringify!($method)), path: $path, roles: $roles, action: $action } ),* ];
        fn handlers() -> Vec<MethodRouter<AppState>> {
            vec![ $( axum::routing::$method($handler) ),* ]
        }
    };
}

const fn method_name(m: &str) -> &'static str {
    match m.as_bytes() {
        b"get" => "GET",
        b"post" => "POST",
        b"put" => "PUT",
        b"patch" => "PATCH",
        b"delete" => "DELETE",
        _ => panic!("unknown method"),
    }
}

routes! {
    get    "/healthz"                                  OPEN      "health"          => health::healthz;
    get    "/readyz"                                   OPEN      "ready"           => health::readyz;
    get    "/metrics"                                  READERS   "metrics"         => health::metrics_text;
    get    "/api/v1/openapi.json"                      ANY_ROLE  "openapi"         => openapi::document;
    get    "/api/v1/sources"                           READERS   "sources.list"    => sources::list;
    post   "/api/v1/sources"                           ENGINEERS "sources.add"     => sources::add;
    get    "/api/v1/sources/{name}"                    READERS   "sources.get"     => sources::get;
    delete "/api/v1/sources/{name}"                    ENGINEERS "sources.remove"  => sources::remove;
    post   "/api/v1/sources/{name}/scan"               ENGINEERS "sources.scan"    => sources::scan;
    get    "/api/v1/sources/{name}/columns"            READERS   "sources.columns" => sources::columns;
    get    "/api/v1/sources/{name}/scans"              READERS   "scans.list"      => scans::list;
    get    "/api/v1/scans/{id}"                        READERS   "scans.get"       => scans::get;
    get    "/api/v1/sources/{name}/findings/history"   READERS   "findings.history" => scans::history;
    get    "/api/v1/tokens"                            ADMIN     "tokens.list"     => tokens::list;
    post   "/api/v1/tokens"                            ADMIN     "tokens.create"   => tokens::create;
    delete "/api/v1/tokens/{name}"                     ADMIN     "tokens.revoke"   => tokens::revoke;
    get    "/api/v1/audit"                             AUDITORS  "audit.list"      => audit::list;
    get    "/api/v1/feature-sets"                      READERS   "feature_sets.list" => feature_sets::list;
    post   "/api/v1/feature-sets"                      ENGINEERS "feature_sets.add" => feature_sets::add;
    get    "/api/v1/feature-sets/{name}"               ANY_ROLE  "feature_sets.get" => feature_sets::get;
    put    "/api/v1/feature-sets/{name}"               ENGINEERS "feature_sets.put" => feature_sets::put;
    delete "/api/v1/feature-sets/{name}"               ENGINEERS "feature_sets.remove" => feature_sets::remove;
    get    "/api/v1/feature-sets/{name}/findings"      ANY_ROLE  "feature_sets.findings" => feature_sets::findings;
    get    "/api/v1/feature-sets/{name}/gate"          ANY_ROLE  "gate"            => feature_sets::gate;
    post   "/api/v1/feature-sets/{name}/gate"          ANY_ROLE  "gate.rescan"     => feature_sets::gate_rescan;
    get    "/api/v1/feature-sets/{name}/attestation"   ANY_ROLE  "gate.attest"     => feature_sets::attestation;
    get    "/api/v1/attestation-key"                   ANY_ROLE  "attestation_key" => feature_sets::attestation_key;
    get    "/api/v1/alerts"                            READERS   "alerts.list"     => alerts::list;
    get    "/api/v1/alerts/{id}"                       READERS   "alerts.get"      => alerts::get;
    post   "/api/v1/alerts/{id}/acknowledge"           REVIEWERS "alerts.acknowledge" => alerts::acknowledge;
    get    "/api/v1/alerts/{id}/deliveries"            READERS   "alerts.deliveries" => alerts::deliveries;
    get    "/api/v1/reviews"                           READERS   "reviews.list"    => reviews::list;
    post   "/api/v1/reviews"                           REVIEWERS "reviews.add"     => reviews::add;
    get    "/api/v1/webhooks"                          ENGINEERS "webhooks.list"   => webhooks::list;
    put    "/api/v1/webhooks/{name}"                   ENGINEERS "webhooks.put"    => webhooks::put;
    delete "/api/v1/webhooks/{name}"                   ENGINEERS "webhooks.remove" => webhooks::remove;
    post   "/api/v1/apply"                             ENGINEERS "apply"           => apply::apply;
}

/// The API's routes, each behind its guard.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (route, handler) in ROUTES.iter().zip(handlers()) {
        let guard = auth::Guard { app: state.clone(), route };
        router = router.route(route.path, handler.route_layer(axum::middleware::from_fn_with_state(guard, auth::guard)));
    }
    // The dashboard's pages share the state, the body limit and the fallback.
    router
        .merge(crate::web::router())
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .layer(axum::extract::DefaultBodyLimit::max(state.settings.max_body_bytes))
        .with_state(state)
}

/// The same routes without their guards, every handler seeing `caller` as its caller.
/// Never served: it exists for `examples/api_overhead.rs`, which measures what the guard
/// costs per request by comparing the two routers on the same requests.
#[doc(hidden)]
pub fn router_unguarded(state: AppState, caller: auth::Caller) -> Router {
    let mut router = Router::new();
    for (route, handler) in ROUTES.iter().zip(handlers()) {
        router = router.route(route.path, handler.layer(axum::Extension(caller.clone())));
    }
    router.with_state(state)
}

/// A page of a list: the items and, when there are more, the cursor of the next page
/// (pass it as `cursor`).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// `limit` (1-1000, default 100) and `cursor` (from the previous page).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The longest page.
pub const MAX_PAGE: u32 = 1000;

impl PageQuery {
    pub fn limit(&self) -> i64 {
        i64::from(self.limit.unwrap_or(100).clamp(1, MAX_PAGE))
    }

    /// The cursor of a list paged by id, newest first (the id to read below).
    pub fn id_cursor(&self) -> Result<Option<i64>, ApiError> {
        self.cursor.as_deref().map(|c| c.parse::<i64>().map_err(|_| ApiError::bad_request(format!("cursor `{c}` is not one this API gave")))).transpose()
    }
}

/// Checks a name given to the API (sources, tokens): 1-100 letters, digits, `-`, `_` or
/// `.`, not starting with `.` (no `.`/`..`, nothing a path or a terminal would treat
/// specially).
pub fn check_name(kind: &str, name: &str) -> Result<(), ApiError> {
    let ok = (1..=100).contains(&name.len()) && !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("{kind} name must be 1-100 letters, digits, `-`, `_` or `.`, not starting with `.` (got {:?})", name.chars().take(120).collect::<String>())))
    }
}
