//! Feature sets: declare (source, columns) sets free of every label they do not allow,
//! list, read, replace and remove them; their current findings (the only findings a
//! pipeline token may read); and the clean-data gate.

use std::collections::HashSet;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::{Body, Path, Query};
use super::{check_name, AppState, Page, PageQuery};
use crate::config::parse_duration;
use crate::report::ColumnReport;
use crate::schedule::ScanNowResult;
use crate::store::{FeatureSet, FeatureSetSpec, GateAnswer, COLUMN_REMOVED};

/// Most members a feature set may have, and most columns a member may name.
const MAX_MEMBERS: usize = 1000;
const MAX_COLUMNS: usize = 10_000;
/// Longest column name, description and owner accepted.
const MAX_COLUMN_LEN: usize = 1024;
const MAX_TEXT_LEN: usize = 4096;
/// The freshness window when the caller names none.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(24 * 3600);

/// The labels a member may allow: those the server's rules can report, and the schema one.
pub fn known_labels(st: &AppState) -> HashSet<String> {
    let mut labels: HashSet<String> = st.scheduler.engine().rules().iter().map(|r| r.label.clone()).collect();
    labels.insert(COLUMN_REMOVED.to_string());
    labels
}

/// Checks a feature set's declaration: names, sizes, and labels the server knows. `at`
/// names where it came from in errors (`feature_sets[2]` for `assay apply`).
pub fn check_spec(spec: &FeatureSetSpec, labels: &HashSet<String>, at: &str) -> Result<(), ApiError> {
    let bad = |msg: String| ApiError::bad_request(format!("{at}{msg}"));
    check_name("feature set", &spec.name).map_err(|e| bad(e.message.clone()))?;
    if spec.description.len() > MAX_TEXT_LEN || spec.owner.len() > MAX_TEXT_LEN {
        return Err(bad(format!("description and owner may hold at most {MAX_TEXT_LEN} bytes")));
    }
    if spec.members.is_empty() || spec.members.len() > MAX_MEMBERS {
        return Err(bad(format!("a feature set needs 1 to {MAX_MEMBERS} members")));
    }
    for (i, m) in spec.members.iter().enumerate() {
        check_name("source", &m.source).map_err(|e| bad(format!("members[{i}]: {}", e.message)))?;
        if let Some(cols) = &m.columns {
            if cols.is_empty() || cols.len() > MAX_COLUMNS {
                return Err(bad(format!("members[{i}].columns: 1 to {MAX_COLUMNS} columns, or omit it for every column")));
            }
            if let Some(c) = cols.iter().find(|c| c.is_empty() || c.len() > MAX_COLUMN_LEN || c.chars().any(char::is_control)) {
                return Err(bad(format!("members[{i}].columns: {:?} is not a column name (1-{MAX_COLUMN_LEN} printable characters)", c.chars().take(80).collect::<String>())));
            }
        }
        for (j, l) in m.allow.iter().enumerate() {
            if !labels.contains(l) {
                return Err(bad(format!("members[{i}].allow[{j}]: unknown label `{}` (see `assay rules list`)", l.chars().take(80).collect::<String>())));
            }
        }
    }
    for w in &spec.webhooks {
        check_name("webhook", w).map_err(|e| bad(e.message.clone()))?;
    }
    Ok(())
}

/// Filters of the feature-set list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeatureSetQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Only feature sets with a member on this source.
    pub source: Option<String>,
}

/// Lists feature sets by name.
#[utoipa::path(get, path = "/api/v1/feature-sets", tag = "feature sets", params(FeatureSetQuery), responses((status = 200, body = Page<FeatureSet>)))]
pub async fn list(State(st): State<AppState>, Query(q): Query<FeatureSetQuery>) -> Result<Json<Page<FeatureSet>>, ApiError> {
    let limit = PageQuery { limit: q.limit, cursor: None }.limit();
    let batch = st.store.feature_sets(q.cursor.as_deref(), limit + 1).await?;
    let more = batch.len() as i64 > limit;
    let batch: Vec<FeatureSet> = batch.into_iter().take(limit as usize).collect();
    let next_cursor = if more { batch.last().map(|s| s.name.clone()) } else { None };
    // A source filter may leave a page short; the cursor still moves on by name.
    let items = batch.into_iter().filter(|s| q.source.as_ref().is_none_or(|src| s.members.iter().any(|m| &m.spec.source == src))).collect();
    Ok(Json(Page { items, next_cursor }))
}

/// One feature set, with its members and the named columns not seen yet.
#[utoipa::path(get, path = "/api/v1/feature-sets/{name}", tag = "feature sets", params(("name" = String, Path)), responses((status = 200, body = FeatureSet), (status = 404, body = super::ErrorBody)))]
pub async fn get(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<FeatureSet>, ApiError> {
    Ok(Json(find(&st, &name).await?))
}

/// Declares a feature set. 409 when one has the name (replace it with PUT).
#[utoipa::path(post, path = "/api/v1/feature-sets", tag = "feature sets", request_body = FeatureSetSpec,
    responses((status = 201, body = FeatureSet), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn add(State(st): State<AppState>, Extension(caller): Extension<Caller>, Body(spec): Body<FeatureSetSpec>) -> Result<(StatusCode, Audited, Json<FeatureSet>), ApiError> {
    check_spec(&spec, &known_labels(&st), "")?;
    let mut tx = st.store.begin().await?;
    if tx.feature_set(&spec.name).await?.is_some() {
        return Err(ApiError::conflict(format!("a feature set named `{}` already exists (PUT replaces it)", spec.name)));
    }
    let (set, _, events) = tx.put_feature_set(&spec, st.store.now().await?, st.scheduler.alert_policy()).await?;
    tx.audit(&caller.audit(StatusCode::CREATED, format!("feature_set:{}", set.name), Some(summary(&spec)))).await?;
    tx.commit().await?;
    if events > 0 {
        st.scheduler.notify_outbox();
    }
    Ok((StatusCode::CREATED, Audited, Json(set)))
}

/// Creates or replaces the feature set `name` with the declaration given (its name must
/// match). Alerts keyed on columns the new declaration no longer covers resolve at the
/// next scan.
#[utoipa::path(put, path = "/api/v1/feature-sets/{name}", tag = "feature sets", params(("name" = String, Path)), request_body = FeatureSetSpec,
    responses((status = 200, body = FeatureSet), (status = 201, body = FeatureSet), (status = 400, body = super::ErrorBody)))]
pub async fn put(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>, Body(spec): Body<FeatureSetSpec>) -> Result<(StatusCode, Audited, Json<FeatureSet>), ApiError> {
    if spec.name != name {
        return Err(ApiError::bad_request(format!("the body names feature set `{}`, the path `{name}`", spec.name)));
    }
    check_spec(&spec, &known_labels(&st), "")?;
    let mut tx = st.store.begin().await?;
    let (set, created, events) = tx.put_feature_set(&spec, st.store.now().await?, st.scheduler.alert_policy()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    tx.audit(&caller.audit(status, format!("feature_set:{}", set.name), Some(summary(&spec)))).await?;
    tx.commit().await?;
    if events > 0 {
        st.scheduler.notify_outbox();
    }
    Ok((status, Audited, Json(set)))
}

/// Removes a feature set; its alerts resolve, history stays.
#[utoipa::path(delete, path = "/api/v1/feature-sets/{name}", tag = "feature sets", params(("name" = String, Path)), responses((status = 204), (status = 404, body = super::ErrorBody)))]
pub async fn remove(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>) -> Result<(StatusCode, Audited, ()), ApiError> {
    let mut tx = st.store.begin().await?;
    if !tx.remove_feature_set(&name, &caller.name, st.store.now().await?).await? {
        return Err(ApiError::not_found(format!("no feature set named `{name}`")));
    }
    tx.audit(&caller.audit(StatusCode::NO_CONTENT, format!("feature_set:{name}"), None)).await?;
    tx.commit().await?;
    Ok((StatusCode::NO_CONTENT, Audited, ()))
}

/// A feature set's findings: every column of its members as the sources have them now
/// (allowed labels included), in the scan report's shape. What a pipeline token may read.
#[utoipa::path(get, path = "/api/v1/feature-sets/{name}/findings", tag = "feature sets", params(("name" = String, Path)),
    responses((status = 200, description = "the scan report contract (DESIGN.md), one column per member column", body = Object), (status = 404, body = super::ErrorBody)))]
pub async fn findings(State(st): State<AppState>, Path(name): Path<String>) -> Result<Json<crate::report::Report>, ApiError> {
    let set = find(&st, &name).await?;
    let mut columns: Vec<ColumnReport> = Vec::new();
    for m in &set.members {
        let Some(src) = st.store.source(&m.spec.source).await? else { continue };
        for mut c in st.store.source_columns(&src).await? {
            if m.spec.columns.as_ref().is_none_or(|cols| cols.contains(&c.column)) {
                // Show the dataset under its source, as a member names it.
                c.source = format!("{}:{}", src.name, c.source);
                columns.push(c);
            }
        }
    }
    Ok(Json(crate::report::Report { scanned_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(), columns, errors: Vec::new() }))
}

/// `max_age`: the freshness window (e.g. `24h`; default 24h).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct GateQuery {
    pub max_age: Option<String>,
}

/// Asks the gate with a rescan first: the members' sources are scanned now (each within
/// the server's scan timeout), then the gate answers.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GateRequest {
    pub max_age: Option<String>,
    #[serde(default)]
    pub rescan: bool,
}

/// Is the feature set clean? `pass` only when every member was scanned within `max_age`,
/// its last scan did not fail, every named column exists, and no alert is unresolved.
#[utoipa::path(get, path = "/api/v1/feature-sets/{name}/gate", tag = "gate", params(("name" = String, Path), GateQuery),
    responses((status = 200, body = GateAnswer), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody)))]
pub async fn gate(State(st): State<AppState>, Path(name): Path<String>, Query(q): Query<GateQuery>) -> Result<Json<GateAnswer>, ApiError> {
    let max_age = max_age(q.max_age.as_deref())?;
    answer(&st, &name, max_age).await.map(Json)
}

/// The gate after a rescan of the members' sources (`rescan: true`), or as `GET` does.
#[utoipa::path(post, path = "/api/v1/feature-sets/{name}/gate", tag = "gate", params(("name" = String, Path)), request_body = GateRequest,
    responses((status = 200, body = GateAnswer), (status = 400, body = super::ErrorBody), (status = 404, body = super::ErrorBody), (status = 504, body = super::ErrorBody)))]
pub async fn gate_rescan(State(st): State<AppState>, Extension(caller): Extension<Caller>, Path(name): Path<String>, Body(req): Body<GateRequest>) -> Result<(Audited, Json<GateAnswer>), ApiError> {
    let max_age = max_age(req.max_age.as_deref())?;
    let set = find(&st, &name).await?;
    st.store.audit(&caller.audit(StatusCode::OK, format!("feature_set:{name}"), Some(if req.rescan { "gate with rescan" } else { "gate" }.into()))).await?;
    if req.rescan {
        // Each source once, even when several members share it; in a task of its own so
        // that a client that hangs up does not leave a scan half-done.
        let mut sources: Vec<String> = set.members.iter().map(|m| m.spec.source.clone()).collect();
        sources.sort();
        sources.dedup();
        let st2 = st.clone();
        let task = tokio::spawn(async move {
            for s in sources {
                let Some(src) = st2.store.source(&s).await? else { continue };
                let id = src.id;
                match tokio::time::timeout(st2.settings.scan_timeout, st2.scheduler.scan_now(src, st2.settings.scan_queue, crate::scan::Reread::Tables)).await {
                    Ok(Ok(ScanNowResult::Done(_))) => {}
                    Ok(Ok(ScanNowResult::Busy)) => return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "busy", "every scan slot of this worker is busy; retry later").retry_after(30)),
                    Ok(Ok(ScanNowResult::Leased)) => return Err(ApiError::conflict(format!("source `{s}` is being scanned by another worker; try again when it finishes"))),
                    Ok(Err(e)) => return Err(e.into()),
                    Err(_) => {
                        st2.scheduler.give_up(id).await;
                        return Err(ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", format!("the rescan of `{s}` ran past the server's scan timeout")));
                    }
                }
            }
            Ok::<_, ApiError>(())
        });
        match task.await {
            Ok(r) => r?,
            Err(e) => return Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("the rescan failed: {e}"))),
        }
    }
    Ok((Audited, Json(answer(&st, &name, max_age).await?)))
}

fn max_age(given: Option<&str>) -> Result<Duration, ApiError> {
    match given {
        None => Ok(DEFAULT_MAX_AGE),
        Some(s) => parse_duration(s).map_err(|e| ApiError::bad_request(format!("max_age: {e}"))),
    }
}

async fn answer(st: &AppState, name: &str, max_age: Duration) -> Result<GateAnswer, ApiError> {
    // This host's clock, not the store's: one round trip less per answer, and a skew of
    // seconds is nothing against a freshness window of hours.
    let answer = st.store.gate(name, max_age, chrono::Utc::now()).await?.ok_or_else(|| ApiError::not_found(format!("no feature set named `{name}`")))?;
    metrics::counter!("assay_gate_answers_total", "status" => answer.status.clone()).increment(1);
    Ok(answer)
}

/// The live feature set called `name`, or 404.
pub async fn find(st: &AppState, name: &str) -> Result<FeatureSet, ApiError> {
    st.store.feature_set(name).await?.ok_or_else(|| ApiError::not_found(format!("no feature set named `{name}`")))
}

/// What an audit row says of a declaration.
fn summary(spec: &FeatureSetSpec) -> String {
    let members: Vec<String> = spec
        .members
        .iter()
        .map(|m| format!("{}[{}]", m.source, m.columns.as_ref().map_or("*".to_string(), |c| c.len().to_string() + " columns")))
        .collect();
    let mut s = format!("members {}", members.join(", "));
    s.truncate(900);
    s
}

/// The server's attestation key.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttestationKey {
    /// `ed25519`.
    pub algorithm: String,
    /// Hex.
    pub public_key: String,
}

/// The public key attestations are signed with (`assay verify` checks against it).
#[utoipa::path(get, path = "/api/v1/attestation-key", tag = "gate", responses((status = 200, body = AttestationKey)))]
pub async fn attestation_key(State(st): State<AppState>) -> Result<Json<AttestationKey>, ApiError> {
    let seed = st.store.key(crate::store::ATTESTATION_KEY).await?;
    Ok(Json(AttestationKey { algorithm: "ed25519".into(), public_key: crate::attest::public_key(&seed) }))
}

/// Most objects listed per member in an attestation (the rest are counted).
const MAX_ATTESTED_OBJECTS: usize = 10_000;

/// The gate's answer as a signed attestation: the verdict, and per member the scan it
/// rests on, the versions (ETags, modification times, sizes) of the objects or tables it
/// read, the labels found and allowed; the Assay version and the rule-set digest.
#[utoipa::path(get, path = "/api/v1/feature-sets/{name}/attestation", tag = "gate", params(("name" = String, Path), GateQuery),
    responses((status = 200, body = crate::attest::Signed), (status = 404, body = super::ErrorBody)))]
pub async fn attestation(State(st): State<AppState>, Path(name): Path<String>, Query(q): Query<GateQuery>) -> Result<Json<crate::attest::Signed>, ApiError> {
    let max_age = max_age(q.max_age.as_deref())?;
    let gate = answer(&st, &name, max_age).await?;
    let set = find(&st, &name).await?;
    let mut members = Vec::new();
    for m in &set.members {
        let Some(src) = st.store.source(&m.spec.source).await? else { continue };
        let mut found: Vec<String> = Vec::new();
        for c in st.store.source_columns(&src).await? {
            if m.spec.columns.as_ref().is_none_or(|cols| cols.contains(&c.column)) {
                found.extend(c.labels.into_iter().map(|l| l.label));
            }
        }
        found.sort();
        found.dedup();
        let objects = st.store.objects_seen(src.id).await?;
        let listed: Vec<serde_json::Value> = objects
            .iter()
            .take(MAX_ATTESTED_OBJECTS)
            .map(|o| serde_json::json!({ "object": o.shown, "e_tag": o.e_tag, "last_modified": o.last_modified, "size": o.size }))
            .collect();
        let last = gate.members.iter().find(|g| g.source == src.name);
        members.push(serde_json::json!({
            "source": src.name,
            "columns": m.spec.columns,
            "allow": m.spec.allow,
            "labels_found": found,
            "last_scan_id": last.and_then(|l| l.last_scan_id),
            "last_scan_at": last.and_then(|l| l.last_scan_at),
            "objects": listed,
            "objects_total": objects.len(),
        }));
    }
    let attestation = serde_json::json!({
        "kind": "assay.gate-attestation/v1",
        "assay_version": env!("CARGO_PKG_VERSION"),
        "rules_digest": st.scheduler.engine().rules_digest(),
        "feature_set": set.name,
        "status": gate.status,
        "checked_at": gate.checked_at,
        "max_age_secs": gate.max_age_secs,
        "reasons": gate.reasons,
        "scans": gate.scans,
        "members": members,
    });
    let seed = st.store.key(crate::store::ATTESTATION_KEY).await?;
    Ok(Json(crate::attest::sign(attestation, &seed)))
}
