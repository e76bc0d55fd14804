//! The review queue: unreviewed findings to confirm or dismiss, one at a time or in bulk,
//! and the dismissals in force, which can be reopened.
//!
//! Reading admits the API's readers (an engineer sees the queue without its buttons);
//! acting admits REVIEWERS, needs the session's CSRF token, and goes through
//! `api::reviews::record`, the API's own review path: the same checks, the same store
//! transaction, the same audit row (`reviews.add`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine as _;
use bytes::Bytes;
use serde::Deserialize;

use super::pages::{source_href, PAGE};
use super::session::{Form, Viewer};
use super::view::*;
use super::WebError;
use crate::api::auth::{READERS, REVIEWERS};
use crate::api::reviews::{record, ReviewRequest};
use crate::api::AppState;
use crate::store::{FindingFilter, Verdict};

/// A finding's key (source, dataset, column, label) as one form value: names may hold
/// any character, so they travel as base64url JSON rather than in a delimited string.
fn item(source: &str, dataset: &str, column: &str, label: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(&[source, dataset, column, label]).unwrap_or_default())
}

fn parse_item(v: &str) -> Option<[String; 4]> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(v).ok()?;
    serde_json::from_slice(&bytes).ok()
}

const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    pub label: Option<String>,
    pub source: Option<String>,
    pub severity: Option<String>,
    pub feature_set: Option<String>,
    /// `newest` (default) or `rate` (highest match rate first).
    pub sort: Option<String>,
    pub before: Option<i64>,
    pub before_rate: Option<f64>,
    /// After an action: how many findings it changed, and how.
    pub done: Option<usize>,
    pub verdict: Option<String>,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// `GET /reviews`: unreviewed findings, newest first, filtered by label, source, severity.
pub async fn queue(State(st): State<AppState>, viewer: Viewer, Query(q): Query<QueueQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.reviews", "open the review queue").await?;
    let (label, source, severity) = (nonempty(&q.label), nonempty(&q.source), nonempty(&q.severity).filter(|s| SEVERITIES.contains(&s.as_str())));
    let policy = st.scheduler.alert_policy();
    let known: Vec<String> = {
        let mut l: Vec<String> = st.scheduler.engine().rules().iter().map(|r| r.label.clone()).collect();
        l.sort();
        l.dedup();
        l
    };
    let labels_of_severity = severity.as_ref().map(|s| known.iter().filter(|l| policy.severity.get(*l).map_or("medium", String::as_str) == s).cloned().collect::<Vec<_>>());
    // A feature set narrows to its members' sources here and to their columns below (a
    // page may then show fewer rows; the cursor still follows the rows read).
    let feature_set = nonempty(&q.feature_set);
    let members = match &feature_set {
        Some(name) => Some(st.store.feature_set(name).await?.ok_or_else(|| WebError::NotFound(format!("no feature set named `{name}`")))?.members),
        None => None,
    };
    let source_ids = members.as_ref().map(|m| m.iter().map(|m| m.source_id).collect());
    let by_rate = q.sort.as_deref() == Some("rate");
    let filter = FindingFilter {
        source: source.clone(),
        label: label.clone(),
        labels: labels_of_severity,
        source_ids,
        unreviewed: true,
        without_dismissed: true,
        before: q.before,
        by_rate,
        before_rate: q.before_rate.filter(|_| by_rate),
        limit: PAGE + 1,
    };
    let found = st.store.current_findings(&filter).await?;
    let more = found.len() as i64 > PAGE;
    let covered = |f: &&crate::store::CurrentFinding| {
        members.as_ref().is_none_or(|ms| ms.iter().any(|m| m.spec.source == f.source && m.spec.columns.as_ref().is_none_or(|c| c.contains(&f.column))))
    };
    let items: Vec<QueueRow> = found
        .iter()
        .take(PAGE as usize)
        .filter(covered)
        .map(|f| QueueRow {
            item: item(&f.source, &f.dataset, &f.column, &f.label),
            source: f.source.clone(),
            source_href: source_href(&f.source),
            dataset: f.dataset.clone(),
            column: f.column.clone(),
            label: f.label.clone(),
            severity: policy.severity.get(&f.label).cloned().unwrap_or_else(|| "medium".into()),
            rate: pct(f.match_rate),
            confidence: format!("{:.2}", f.confidence),
            evidence: f.evidence.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        })
        .collect();
    let filters = format!(
        "label={}&source={}&severity={}&feature_set={}&sort={}",
        enc(label.as_deref().unwrap_or("")),
        enc(source.as_deref().unwrap_or("")),
        enc(severity.as_deref().unwrap_or("")),
        enc(feature_set.as_deref().unwrap_or("")),
        if by_rate { "rate" } else { "newest" }
    );
    let next = if more {
        found.get(PAGE as usize - 1).map(|f| if by_rate { format!("/reviews?{filters}&before={}&before_rate={}", f.key, f.match_rate) } else { format!("/reviews?{filters}&before={}", f.key) })
    } else {
        None
    };
    let choices = |all: Vec<String>, current: &Option<String>| all.into_iter().map(|v| Choice { selected: current.as_deref() == Some(v.as_str()), value: v }).collect::<Vec<_>>();
    let sources: Vec<String> = st.store.list_sources().await?.into_iter().map(|s| s.name).collect();
    let sets: Vec<String> = st.store.feature_sets(None, 200).await?.into_iter().map(|f| f.name).collect();
    let notice = q.done.map(|n| format!("{n} finding{} {}.", if n == 1 { "" } else { "s" }, q.verdict.as_deref().unwrap_or("reviewed")));
    let page = ReviewPage {
        shell: Shell::new(&viewer, "Review queue", "reviews"),
        items,
        labels: choices(known, &label),
        sources: choices(sources, &source),
        severities: choices(SEVERITIES.iter().map(|s| s.to_string()).collect(), &severity),
        feature_sets: choices(sets, &feature_set),
        by_rate,
        next,
        can_act: viewer.may(REVIEWERS),
        notice,
    };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DismissedQuery {
    pub before: Option<i64>,
}

/// `GET /reviews/dismissed`: the dismissals in force: who, when, why.
pub async fn dismissed(State(st): State<AppState>, viewer: Viewer, Query(q): Query<DismissedQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.reviews", "open the review queue").await?;
    let rows = st.store.dismissals(q.before, PAGE + 1).await?;
    let more = rows.len() as i64 > PAGE;
    let next = if more { rows.get(PAGE as usize - 1).map(|r| format!("/reviews/dismissed?before={}", r.id)) } else { None };
    let items = rows
        .iter()
        .take(PAGE as usize)
        .map(|r| DismissedRow {
            item: item(&r.source, &r.dataset, &r.column, &r.label),
            source: r.source.clone(),
            dataset: r.dataset.clone(),
            column: r.column.clone(),
            label: r.label.clone(),
            reason: r.reason.clone().unwrap_or_default(),
            actor: r.actor.clone(),
            at: when(r.at),
            rate: r.match_rate.map(pct).unwrap_or_default(),
        })
        .collect();
    let page = DismissedPage { shell: Shell::new(&viewer, "Dismissed findings", "reviews"), items, next, can_act: viewer.may(REVIEWERS) };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

/// `POST /reviews`: confirm, dismiss (with a reason) or reopen the checked findings.
pub async fn act(State(st): State<AppState>, viewer: Viewer, body: Bytes) -> Result<Response, WebError> {
    let form = Form::parse(&body);
    viewer.check_csrf(&st, &form, "reviews.add").await?;
    viewer.require(&st, REVIEWERS, "reviews.add", "review findings").await?;
    let verdict = match form.get("verdict") {
        Some("confirm") => Verdict::Confirm,
        Some("dismiss") => Verdict::Dismiss,
        Some("reopen") => Verdict::Reopen,
        _ => return Err(WebError::BadRequest("choose confirm, dismiss or reopen".into())),
    };
    let items: Vec<[String; 4]> = form.all("item").into_iter().filter_map(parse_item).collect();
    if items.is_empty() {
        return Err(WebError::BadRequest("no finding was selected".into()));
    }
    let reason = form.get("reason").map(str::to_string);
    let caller = viewer.caller("reviews.add");
    let mut done = 0;
    for [source, dataset, column, label] in items {
        let req = ReviewRequest { source, dataset: Some(dataset), column, label, verdict, reason: reason.clone() };
        match record(&st, &caller, &req).await {
            Ok(_) => done += 1,
            // The refusal is audited as the API's guard audits a refused request.
            Err(e) => {
                let mut entry = caller.audit(e.status, format!("finding:{}/{}/{}/{}", req.source, req.dataset.as_deref().unwrap_or(""), req.column, req.label), Some(e.message.clone()));
                entry.outcome = crate::api::auth::outcome_of(e.status).into();
                if let Err(err) = st.store.audit(&entry).await {
                    tracing::error!(error = %err, "cannot write the audit log");
                }
                let message = if done > 0 { format!("{done} finding(s) were recorded before this one failed: {}", e.message) } else { e.message.clone() };
                return Err(WebError::Api(crate::api::ApiError::new(e.status, e.code, message)));
            }
        }
    }
    let word = match verdict {
        Verdict::Confirm => "confirmed",
        Verdict::Dismiss => "dismissed",
        Verdict::Reopen => "reopened",
    };
    let back = if verdict == Verdict::Reopen { "/reviews/dismissed".to_string() } else { format!("/reviews?done={done}&verdict={word}") };
    let mut resp = Redirect::to(&back).into_response();
    *resp.status_mut() = StatusCode::SEE_OTHER;
    Ok(resp)
}
