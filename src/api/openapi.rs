//! The OpenAPI 3.1 document at `/api/v1/openapi.json`, generated from the handlers'
//! `#[utoipa::path]` attributes and the request and response types. The roles each
//! operation admits are added from `ROUTES` (the one place they are declared), as its
//! bearer security requirement and an `x-roles` list, so the document cannot disagree
//! with the guard. A test checks that every route is in the document and vice versa.

use axum::extract::State;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

use super::{alerts, apply, audit, feature_sets, health, reviews, scans, sources, tokens, webhooks, AppState, ROUTES};

#[derive(OpenApi)]
#[openapi(
    info(title = "Assay", description = "Continuous sensitive-data discovery for ML training data. Every route but /healthz and /readyz needs `Authorization: Bearer <token>`; `x-roles` on each operation lists the roles it admits."),
    paths(
        health::healthz, health::readyz, health::metrics_text, document,
        sources::list, sources::add, sources::get, sources::remove, sources::scan, sources::columns,
        scans::list, scans::get, scans::history,
        tokens::list, tokens::create, tokens::revoke,
        audit::list,
        feature_sets::list, feature_sets::add, feature_sets::get, feature_sets::put, feature_sets::remove, feature_sets::findings,
        feature_sets::gate, feature_sets::gate_rescan, feature_sets::attestation, feature_sets::attestation_key,
        alerts::list, alerts::get, alerts::acknowledge, alerts::deliveries,
        reviews::list, reviews::add,
        webhooks::list, webhooks::put, webhooks::remove,
        apply::apply,
    ),
    components(schemas(super::ErrorBody, super::error::ErrorDetail, crate::store::Role, crate::store::AuditEntry)),
)]
struct ApiDoc;

/// The document, with security requirements from `ROUTES`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("assay_…").build()));
    for route in ROUTES {
        let Some(item) = doc.paths.paths.get_mut(route.path) else { continue };
        let op = match route.method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "PUT" => item.put.as_mut(),
            "PATCH" => item.patch.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        let Some(op) = op else { continue };
        if route.is_open() {
            continue;
        }
        let roles: Vec<String> = route.roles.iter().map(|r| r.as_str().to_string()).collect();
        op.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", roles.clone())]);
        let ext = op.extensions.get_or_insert_with(Default::default);
        ext.insert("x-roles".into(), serde_json::json!(roles));
        ext.insert("x-audit-action".into(), serde_json::json!(route.action));
    }
    doc
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1", body = Object)))]
pub async fn document(State(_): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::to_value(openapi()).unwrap_or_default())
}
