//! Liveness, readiness and Prometheus metrics.

use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;

use super::error::ApiError;
use super::AppState;

/// How long readiness waits for the store: a store that is down makes connecting retry
/// until the pool's acquire timeout, far longer than a probe waits.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// A source is overdue when it was due more than this long ago (one poll is normal).
const OVERDUE_GRACE: chrono::Duration = chrono::Duration::minutes(1);

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the store answers within 2 s.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready", body = String), (status = 503, body = super::ErrorBody)))]
pub async fn readyz(State(st): State<AppState>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(READY_TIMEOUT, st.store.ping()).await {
        Ok(answer) => answer?,
        Err(_) => return Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("the store did not answer within {} s", READY_TIMEOUT.as_secs()))),
    }
    Ok("ready")
}

/// Prometheus metrics (text format). Open on `--metrics-listen`; with a token here.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn metrics_text(State(st): State<AppState>) -> Result<String, ApiError> {
    render_metrics(&st).await
}

/// The metrics text, with the overdue-sources gauge refreshed. A store that is down (or
/// slow) leaves the gauge at its last value rather than failing the scrape: an outage is
/// exactly when the other metrics are wanted, and /readyz reports the store.
pub async fn render_metrics(st: &AppState) -> Result<String, ApiError> {
    let overdue = async {
        let now = st.store.now().await?;
        st.store.count_due_before(now.checked_sub_signed(OVERDUE_GRACE).unwrap_or(now)).await
    };
    match tokio::time::timeout(READY_TIMEOUT, overdue).await {
        Ok(Ok(n)) => metrics::gauge!("assay_sources_overdue").set(n as f64),
        Ok(Err(e)) => tracing::warn!(error = %e, "cannot count overdue sources for /metrics; the gauge keeps its last value"),
        Err(_) => tracing::warn!("the store did not answer in time for /metrics; the overdue gauge keeps its last value"),
    }
    Ok(st.metrics.render())
}

/// The router of the separate metrics address: `/metrics` without a token (the address is
/// the operator's to protect), plus the health checks.
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(|State(st): State<AppState>| async move { render_metrics(&st).await }))
        .route("/healthz", axum::routing::get(healthz))
        .route("/readyz", axum::routing::get(readyz))
        .with_state(state)
}
