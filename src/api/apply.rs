//! `POST /api/v1/apply`: makes the registry (sources, webhooks, feature sets) match a
//! declared document, in one transaction with its audit row, or refuses it whole.
//!
//! The server's checks are the authority: besides the document's own (`crate::apply`),
//! only it knows what is registered, which locations its operator lets clients register
//! and which labels its engine emits. A refusal (400, code `invalid_document`) lists every
//! problem as `path: message`, one per line after the first, so that `assay apply` can
//! show each at its line of the file.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::auth::{Audited, Caller};
use super::error::ApiError;
use super::extract::Body;
use super::sources::{check_events, check_location, check_source};
use super::AppState;
use crate::apply::{self as doc, Change, Document, Kind, Known, Op, Problem, Registered};
use crate::store::{StoreError, Tx};

/// The error code of a refused document.
pub const INVALID_DOCUMENT: &str = "invalid_document";

/// Most problems listed in a refusal (the rest are counted).
const MAX_LISTED: usize = 25;

/// The body of `POST /api/v1/apply`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The declared sources, webhooks and feature sets (`assay.yaml`'s shape).
    pub document: Document,
    /// Compute and return the plan, change nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Also remove the sources, webhooks and feature sets the document does not declare.
    #[serde(default)]
    pub prune: bool,
}

/// The plan: what was changed (or, for a dry run, would be), in the order it is done.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApplyAnswer {
    pub dry_run: bool,
    pub changes: Vec<Change>,
}

/// Applies a document: creates, updates and (with `prune`) removes sources, webhooks and
/// feature sets until the store matches it. Nothing that already matches is written, so a
/// second apply of the same document changes nothing. A document with any problem is
/// refused whole (400 `invalid_document`, every problem listed); a dry run changes
/// nothing but its audit row.
#[utoipa::path(post, path = "/api/v1/apply", tag = "apply", request_body = ApplyRequest,
    responses((status = 200, body = ApplyAnswer), (status = 400, body = super::ErrorBody), (status = 409, body = super::ErrorBody)))]
pub async fn apply(State(st): State<AppState>, Extension(caller): Extension<Caller>, Body(req): Body<ApplyRequest>) -> Result<(Audited, Json<ApplyAnswer>), ApiError> {
    let label_set = super::feature_sets::known_labels(&st);
    let labels: BTreeSet<String> = label_set.iter().cloned().collect();
    let now = st.store.now().await?;
    let mut tx = st.store.begin().await?;
    // Read and write under one lock, so that two applies never plan over each other.
    tx.lock_registry().await?;
    let state = doc::State { sources: tx.list_sources().await?, webhooks: tx.webhooks().await?, feature_sets: tx.all_feature_sets().await? };
    let registered = Registered::of(&state);
    let document = &req.document;
    let mut problems = doc::check(document, &Known { labels: &labels, registered: Some(&registered), prune: req.prune });
    // Planned even when the document has problems: which sources and webhooks are new or
    // changed says which need the checks below, so that every problem is told at once.
    let changes = doc::plan(document, &state, req.prune);
    // A location the server is to start reading passes its operator's policy. One it
    // already reads is not checked again: a document that changes nothing about a source
    // keeps applying even if, say, the variable a reference names is unset meanwhile.
    for (i, s) in document.sources.iter().enumerate() {
        let new_location = changes.iter().any(|c| c.kind == Kind::Source && c.name == s.name && (c.op == Op::Create || c.fields.iter().any(|f| f.field == "location")));
        if new_location {
            if let Err(e) = check_location(&st.settings.policy, &s.location) {
                problems.push(Problem { path: format!("sources[{i}].location"), message: e.message });
            }
        }
        let new_events = changes.iter().any(|c| c.kind == Kind::Source && c.name == s.name && (c.op == Op::Create || c.fields.iter().any(|f| f.field == "events")));
        if new_events {
            if let Err(e) = check_events(&st.settings.policy, s.events.as_deref()) {
                problems.push(Problem { path: format!("sources[{i}].events"), message: e.message });
            }
        }
    }
    // The checks the feature-set and webhook routes make, so that a document can declare
    // nothing those routes would refuse. A webhook's secret reference is resolved by its
    // check, so (like a location) only a new or changed one is checked.
    let mut theirs = Vec::new();
    for (i, f) in document.feature_sets.iter().enumerate() {
        if let Err(e) = super::feature_sets::check_spec(f, &label_set, "") {
            theirs.push(at_item(&format!("feature_sets[{i}]"), &e.message));
        }
    }
    for (i, w) in document.webhooks.iter().enumerate() {
        if changes.iter().any(|c| c.kind == Kind::Webhook && c.name == w.name) {
            if let Err(e) = super::webhooks::check_spec(w, &st.settings.policy, "") {
                theirs.push(at_item(&format!("webhooks[{i}]"), &e.message));
            }
        }
    }
    // One problem per place: the same fault found by both checks is told once.
    for p in theirs {
        if !problems.iter().any(|q| q.path == p.path || p.path.starts_with(&format!("{}.", q.path)) || q.path.starts_with(&format!("{}.", p.path))) {
            problems.push(p);
        }
    }
    if !problems.is_empty() {
        // The transaction is dropped: nothing of this document was written.
        return Err(refusal(&problems));
    }
    if !req.dry_run {
        make(&mut tx, document, &changes, &caller.name, now, st.scheduler.alert_policy()).await.map_err(|e| match e {
            // Checked above under the lock; seen only if the store disagrees with the check.
            StoreError::Unknown { .. } => ApiError::conflict(e.to_string()),
            e => e.into(),
        })?;
    }
    tx.audit(&caller.audit(StatusCode::OK, "document", Some(doc::summary(&changes, req.dry_run)))).await?;
    tx.commit().await?;
    // Declarations over data already scanned may have opened alerts.
    st.scheduler.notify_outbox();
    Ok((Audited, Json(ApplyAnswer { dry_run: req.dry_run, changes })))
}

/// A route check's message (`members[0].allow[1]: …`, or a message of the whole item) as
/// a problem of the item at `item`.
fn at_item(item: &str, message: &str) -> Problem {
    match doc::split_problem(message) {
        Some((path, rest)) => Problem { path: format!("{item}.{path}"), message: rest.to_string() },
        None => Problem { path: item.to_string(), message: message.to_string() },
    }
}

/// The 400 that lists a refused document's problems, one per line.
fn refusal(problems: &[Problem]) -> ApiError {
    let mut message = format!("the document was refused whole, nothing was applied: {} problem(s)", problems.len());
    for p in problems.iter().take(MAX_LISTED) {
        message.push('\n');
        message.push_str(&p.to_string());
    }
    if problems.len() > MAX_LISTED {
        message.push_str(&format!("\n… and {} more", problems.len() - MAX_LISTED));
    }
    ApiError::new(StatusCode::BAD_REQUEST, INVALID_DOCUMENT, message)
}

/// Makes `changes` (a plan of `document`) in `tx`, in the plan's order.
async fn make(tx: &mut Tx, document: &Document, changes: &[Change], actor: &str, now: DateTime<Utc>, policy: &crate::store::AlertPolicy) -> Result<(), StoreError> {
    for c in changes {
        match (c.kind, c.op) {
            (Kind::Source, Op::Create | Op::Update) => {
                let Some(new) = document.sources.iter().find(|s| s.name == c.name).and_then(|s| check_source(s).ok()) else { continue };
                if c.op == Op::Create {
                    tx.add_source(&new, now).await?;
                } else {
                    tx.update_source(&new, now).await?;
                }
            }
            (Kind::Webhook, Op::Create | Op::Update) => {
                if let Some(w) = document.webhooks.iter().find(|w| w.name == c.name) {
                    tx.put_webhook(w, now).await?;
                }
            }
            (Kind::FeatureSet, Op::Create | Op::Update) => {
                if let Some(f) = document.feature_sets.iter().find(|f| f.name == c.name) {
                    tx.put_feature_set(f, now, policy).await?;
                }
            }
            (Kind::FeatureSet, Op::Delete) => {
                tx.remove_feature_set(&c.name, actor, now).await?;
            }
            (Kind::Webhook, Op::Delete) => {
                tx.remove_webhook(&c.name, now).await?;
            }
            (Kind::Source, Op::Delete) => {
                tx.remove_source(&c.name, now).await?;
            }
        }
    }
    Ok(())
}
