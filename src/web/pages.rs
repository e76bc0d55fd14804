//! The read-only pages: overview, a source, alerts, feature sets and the audit log.
//!
//! Each page admits the roles of the API list it mirrors (`sources.list`, `alerts.list`,
//! `audit.list`: READERS or AUDITORS) and reads through the same store functions; every
//! list is paged (a keyset cursor, or an offset into a list already bounded in memory).
//!
//! The risk score (overview) ranks sources the way Macie's bucket sensitivity score
//! does, by how much and how sensitive: see [`risk_score`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::charts::{self, Kind};
use super::session::Viewer;
use super::view::*;
use super::WebError;
use crate::api::auth::{AUDITORS, READERS};
use crate::api::feature_sets::DEFAULT_MAX_AGE;
use crate::api::AppState;
use crate::sources::location::redact;
use crate::store::{Alert, AlertFilter, AuditFilter, FindingFilter};

/// Rows per page of a list.
pub const PAGE: i64 = 50;

/// How much one label weighs in a source's risk: secrets and government identifiers
/// most (a leaked key or a social security number is directly harmful), then financial
/// identifiers, then contact and identity details, and network or location traces least.
pub fn label_weight(label: &str) -> f64 {
    match label {
        l if l.starts_with("secret.") => 10.0,
        "pii.us_ssn" | "pii.national_id" | "pii.passport_number" => 9.0,
        "pii.credit_card" | "pii.iban" | "pii.crypto_wallet" => 7.0,
        "pii.email" | "pii.phone_number" | "pii.person_name" | "pii.street_address" | "pii.date_of_birth" => 4.0,
        "pii.ip_address" | "pii.mac_address" | "pii.geo_coordinates" => 1.0,
        _ => 3.0,
    }
}

/// A source's risk, 0-100: each label it holds now counts its weight ([`label_weight`])
/// times the columns holding it, each column counting half when only traces match and
/// fully from a match rate of 10 % up; the sum `raw` becomes `100 × (1 − e^(−raw/40))`, so
/// the score grows with every finding but saturates (one column of secrets ≈ 22, four ≈ 63,
/// one column of IP addresses ≈ 2). Dismissed findings do not count.
pub fn risk_score(labels: &[(String, i64, f64)]) -> u32 {
    let raw: f64 = labels.iter().map(|(l, n, rate)| label_weight(l) * *n as f64 * (0.5 + 0.5 * (rate * 10.0).min(1.0))).sum();
    (100.0 * (1.0 - (-raw / 40.0).exp())).round() as u32
}

fn severity_of(st: &AppState, label: &str) -> String {
    st.scheduler.alert_policy().severity.get(label).cloned().unwrap_or_else(|| "medium".into())
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

pub(super) fn source_href(name: &str) -> String {
    format!("/sources/{}", enc(name))
}

pub(super) fn alert_row(st: &AppState, a: &Alert) -> AlertRow {
    AlertRow {
        id: a.id,
        href: format!("/alerts/{}", a.id),
        feature_set: a.feature_set.clone(),
        source: a.source.clone(),
        source_href: source_href(&a.source),
        dataset: a.dataset.clone(),
        column: a.column.clone(),
        label: a.label.clone(),
        severity: if a.severity.is_empty() { severity_of(st, &a.label) } else { a.severity.clone() },
        status: a.status.clone(),
        rate: pct(a.match_rate),
        evidence: a.evidence.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        first_seen: when(a.first_seen),
        last_seen: when(a.last_seen),
        episode: a.episode,
    }
}

/// `?page=N` of a list held in memory.
#[derive(Debug, Default, Deserialize)]
pub struct OverviewQuery {
    pub page: Option<usize>,
}

/// `GET /`: the overview.
pub async fn overview(State(st): State<AppState>, viewer: Viewer, Query(q): Query<OverviewQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.overview", "open the overview").await?;
    // The parts are independent reads: asked at once, on as many pooled connections, the
    // page takes about as long as its slowest part rather than their sum.
    let now = st.store.now().await?;
    let from = now - Duration::days(29);
    let open = AlertFilter { status: Some("open".into()), limit: 10, ..Default::default() };
    let ((sources, columns), by_source, alerts, gates, days) = tokio::try_join!(
        async { st.store.dashboard_counts().await.map_err(WebError::from) },
        async { st.store.sensitive_by_source().await.map_err(WebError::from) },
        async { st.store.alerts(&open).await.map_err(WebError::from) },
        gates(&st, now),
        per_day(&st, from, now),
    )?;
    let mut labels: BTreeMap<String, i64> = BTreeMap::new();
    for s in &by_source {
        for (l, n, _) in &s.labels {
            *labels.entry(l.clone()).or_default() += n;
        }
    }
    let findings: i64 = labels.values().sum();
    let mut by_label: Vec<LabelRow> = labels.iter().map(|(l, n)| LabelRow { label: l.clone(), severity: severity_of(&st, l), count: *n }).collect();
    by_label.sort_by(|a, b| severity_rank(&a.severity).cmp(&severity_rank(&b.severity)).then(b.count.cmp(&a.count)).then(a.label.cmp(&b.label)));
    let mut sev: BTreeMap<u8, (String, i64)> = BTreeMap::new();
    for r in &by_label {
        sev.entry(severity_rank(&r.severity)).or_insert_with(|| (r.severity.clone(), 0)).1 += r.count;
    }
    let by_severity = sev.into_values().map(|(s, n)| LabelRow { label: s.clone(), severity: s, count: n }).collect();
    let mut ranked: Vec<RiskRow> = by_source
        .iter()
        .map(|s| {
            let mut top: Vec<&(String, i64, f64)> = s.labels.iter().collect();
            top.sort_by(|a, b| label_weight(&b.0).total_cmp(&label_weight(&a.0)).then(b.1.cmp(&a.1)));
            RiskRow {
                source: s.source.clone(),
                href: source_href(&s.source),
                score: risk_score(&s.labels),
                columns: s.labels.iter().map(|l| l.1).sum(),
                top: top.iter().take(4).map(|(l, n, _)| format!("{l} ×{n}")).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    ranked.sort_by(|a, b| b.score.cmp(&a.score).then(a.source.cmp(&b.source)));
    let per = 10;
    let page = q.page.unwrap_or(0);
    let risk_next = (ranked.len() > (page + 1) * per).then(|| format!("/?page={}", page + 1));
    let risk: Vec<RiskRow> = ranked.into_iter().skip(page * per).take(per).collect();
    let open_alerts = alerts.iter().map(|a| alert_row(&st, a)).collect::<Vec<_>>();
    let chart_columns = charts::daily("Sensitive columns per day, last 30 days", "sensitive columns", &days.iter().map(|d| (d.0, d.1)).collect::<Vec<_>>(), from, now, Kind::Line, charts::BLUE);
    let chart_new = charts::daily("New findings per day, last 30 days", "new findings", &days.iter().map(|d| (d.0, d.2)).collect::<Vec<_>>(), from, now, Kind::Bars, charts::VERMILLION);
    let stats = vec![
        Stat { label: "Sources".into(), value: sources.to_string(), note: "registered".into() },
        Stat { label: "Columns scanned".into(), value: columns.to_string(), note: "as of each source's last scan".into() },
        Stat { label: "Sensitive findings".into(), value: findings.to_string(), note: "column × label, dismissed left out".into() },
        Stat { label: "Open alerts".into(), value: if alerts.len() >= 10 { "10+".into() } else { alerts.len().to_string() }, note: "contaminated feature sets".into() },
    ];
    let page = OverviewPage { shell: Shell::new(&viewer, "Overview", "overview"), stats, by_label, by_severity, risk, risk_next, alerts: open_alerts, gates, chart_columns, chart_new };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

/// The first 20 feature sets' gates, for the overview.
async fn gates(st: &AppState, now: chrono::DateTime<Utc>) -> Result<Vec<GateRow>, WebError> {
    let mut gates = Vec::new();
    for fs in st.store.feature_sets(None, 20).await? {
        if let Some(g) = st.store.gate(&fs.name, DEFAULT_MAX_AGE, now).await? {
            gates.push(GateRow { name: g.feature_set.clone(), status: g.status.clone(), reasons: g.reasons.iter().take(3).map(|r| r.message.clone()).collect() });
        }
    }
    Ok(gates)
}

const DAY_MS: i64 = 86_400_000;

/// Sensitive columns and new findings per day from `from`'s day to now's: finished days
/// from the cache (counted on first use), the rest read now (see [`super::WebCache`]).
async fn per_day(st: &AppState, from: chrono::DateTime<Utc>, now: chrono::DateTime<Utc>) -> Result<Vec<(chrono::DateTime<Utc>, i64, i64)>, WebError> {
    let day = |t: chrono::DateTime<Utc>| t.timestamp_millis().div_euclid(DAY_MS);
    let at = |d: i64| chrono::DateTime::from_timestamp_millis(d * DAY_MS).unwrap_or_default();
    let (first, settled) = (day(from), day(now - Duration::hours(1)));
    let missing: Vec<i64> = {
        let cached = st.web.days.lock().unwrap_or_else(|p| p.into_inner());
        (first..settled).filter(|d| !cached.contains_key(d)).collect()
    };
    let count = |cols: Vec<crate::store::DayCount>, new: Vec<crate::store::DayCount>, into: &mut std::collections::BTreeMap<i64, (i64, i64)>| {
        for c in cols {
            into.entry(day(c.day)).or_default().0 = c.count;
        }
        for c in new {
            into.entry(day(c.day)).or_default().1 = c.count;
        }
    };
    if let (Some(lo), Some(hi)) = (missing.first(), missing.last()) {
        let (lo, hi) = (at(*lo), at(hi + 1));
        let (cols, new) = tokio::try_join!(st.store.sensitive_columns_per_day(lo, hi), st.store.new_findings_per_day(lo, hi))?;
        let mut fresh = std::collections::BTreeMap::new();
        count(cols, new, &mut fresh);
        let mut cached = st.web.days.lock().unwrap_or_else(|p| p.into_inner());
        for d in missing {
            cached.insert(d, fresh.get(&d).copied().unwrap_or_default());
        }
        // Days before the window are not shown again.
        cached.retain(|d, _| *d >= first);
    }
    let mut live = std::collections::BTreeMap::new();
    let start = at(settled.max(first));
    let end = now + Duration::days(1);
    let (cols, new) = tokio::try_join!(st.store.sensitive_columns_per_day(start, end), st.store.new_findings_per_day(start, end))?;
    count(cols, new, &mut live);
    let cached = st.web.days.lock().unwrap_or_else(|p| p.into_inner());
    Ok((first..=day(now)).map(|d| {
        let (c, n) = if d < settled { cached.get(&d).copied().unwrap_or_default() } else { live.get(&d).copied().unwrap_or_default() };
        (at(d), c, n)
    }).collect())
}

/// `GET /sources`: every registered source, by name, with its risk and findings (the
/// overview ranks only those holding something), 50 a page.
pub async fn sources(State(st): State<AppState>, viewer: Viewer, Query(q): Query<OverviewQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.sources", "open source pages").await?;
    let (all, by_source) = tokio::try_join!(st.store.list_sources(), st.store.sensitive_by_source())?;
    let found: HashMap<&str, &crate::store::SourceFindings> = by_source.iter().map(|s| (s.source.as_str(), s)).collect();
    let per = PAGE as usize;
    let page = q.page.unwrap_or(0);
    let next = (all.len() > (page + 1) * per).then(|| format!("/sources?page={}", page + 1));
    let prev = (page > 0).then(|| format!("/sources?page={}", page - 1));
    let items = all
        .iter()
        .skip(page * per)
        .take(per)
        .map(|s| {
            let f = found.get(s.name.as_str());
            SourceLine {
                name: s.name.clone(),
                href: source_href(&s.name),
                location: redact(&s.location),
                interval: crate::config::format_duration(s.interval),
                next_due: when(s.next_due_at),
                failures: s.consecutive_failures,
                findings: f.map_or(0, |f| f.labels.iter().map(|l| l.1).sum()),
                score: f.map_or(0, |f| risk_score(&f.labels)),
            }
        })
        .collect();
    let page = SourcesPage { shell: Shell::new(&viewer, "Sources", "sources"), total: all.len(), items, prev, next };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SourceQuery {
    /// The first column shown (the grid is paged by columns).
    pub cols: Option<usize>,
    /// The scan history's cursor.
    pub before: Option<i64>,
}

/// Why a rule labels a column, as far as the rule tells: its id, the check every match
/// passed, and a column-name keyword the column's name holds.
fn why(st: &AppState, label: &str, column: &str) -> Vec<String> {
    let lower = column.to_lowercase();
    let mut out = Vec::new();
    for r in st.scheduler.engine().rules().iter().filter(|r| r.label == label) {
        let mut parts = vec![format!("rule {}", r.id)];
        if let Some(v) = r.validator() {
            parts.push(format!("each match passed the {v} check"));
        }
        if let Some(k) = r.column_keywords().iter().find(|k| !k.is_empty() && k.iter().all(|t| lower.contains(t.as_str()))) {
            parts.push(format!("column name mentions “{}”", k.join(" ")));
        }
        out.push(parts.join("; "));
        if out.len() == 3 {
            break;
        }
    }
    out
}

/// `GET /sources/{name}`: the columns × labels grid, the findings explained, scan history.
pub async fn source(State(st): State<AppState>, viewer: Viewer, Path(name): Path<String>, Query(q): Query<SourceQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.source", "open source pages").await?;
    let src = st.store.source(&name).await?.ok_or_else(|| WebError::NotFound(format!("no source named `{name}`")))?;
    let columns = st.store.source_columns(&src).await?;
    let labels: Vec<String> = columns.iter().flat_map(|c| c.labels.iter().map(|l| l.label.clone())).collect::<BTreeSet<_>>().into_iter().collect();
    let per = PAGE as usize;
    let start = q.cols.unwrap_or(0).min(columns.len());
    let here = format!("/sources/{}", enc(&name));
    let grid_prev = (start > 0).then(|| format!("{here}?cols={}", start.saturating_sub(per)));
    let grid_next = (columns.len() > start + per).then(|| format!("{here}?cols={}", start + per));
    let shown = &columns[start..(start + per).min(columns.len())];
    let grid = shown
        .iter()
        .map(|c| GridRow {
            dataset: c.source.clone(),
            column: c.column.clone(),
            binary: c.binary,
            sampled: match &c.not_scanned {
                Some(why) => format!("not scanned: {why}"),
                None => format!("{} sampled, {} non-null", c.rows_sampled, c.non_null),
            },
            cells: labels
                .iter()
                .map(|l| match c.labels.iter().find(|x| &x.label == l) {
                    Some(v) => GridCell { text: format!("{} · {:.2}", pct(v.match_rate), v.confidence), severity: severity_of(&st, l) },
                    None => GridCell { text: String::new(), severity: String::new() },
                })
                .collect(),
        })
        .collect();
    let verdicts: HashMap<(String, String, String), String> = st
        .store
        .current_findings(&FindingFilter { source: Some(src.name.clone()), limit: 100_000, ..Default::default() })
        .await?
        .into_iter()
        .filter_map(|f| f.verdict.map(|v| ((f.dataset, f.column, f.label), v)))
        .collect();
    let scans = st.store.scans_page(src.id, q.before, 20).await?;
    let trend_from = st.store.scans_page(src.id, None, 20).await?.last().map_or(0, |s| s.id);
    // (column, label) → (scan start, match rate), oldest first.
    type Trend = Vec<(chrono::DateTime<Utc>, f64)>;
    let mut rates: HashMap<(String, String), Trend> = HashMap::new();
    for (column, label, _, at, rate) in st.store.match_rates_since(src.id, trend_from).await? {
        rates.entry((column, label)).or_default().push((at, rate));
    }
    let first: HashMap<(String, String), chrono::DateTime<Utc>> = st.store.first_found(src.id).await?.into_iter().map(|(c, l, t)| ((c, l), t)).collect();
    let mut findings = Vec::new();
    for c in shown {
        for l in &c.labels {
            let key = (c.column.clone(), l.label.clone());
            findings.push(FindingRow {
                dataset: c.source.clone(),
                column: c.column.clone(),
                label: l.label.clone(),
                severity: severity_of(&st, &l.label),
                rate: format!("{} ({} matches)", pct(l.match_rate), l.matches),
                confidence: format!("{:.2}", l.confidence),
                evidence: l.evidence.iter().take(5).cloned().collect(),
                why: why(&st, &l.label, &c.column),
                first_seen: first.get(&key).map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into()),
                verdict: verdicts.get(&(c.source.clone(), c.column.clone(), l.label.clone())).cloned().unwrap_or_else(|| "unreviewed".into()),
                trend: rates.get(&key).map(|p| charts::sparkline(&format!("{} {}", c.column, l.label), p)).unwrap_or_default(),
            });
        }
    }
    let scans_next = (scans.len() == 20).then(|| format!("{here}?before={}", scans.last().map_or(0, |s| s.id)));
    let scans = scans
        .iter()
        .map(|s| ScanRow {
            id: s.id,
            status: s.status.clone(),
            started: when(s.started_at),
            duration: s.finished_at.map(|f| format!("{:.1} s", (f - s.started_at).num_milliseconds() as f64 / 1000.0)).unwrap_or_else(|| "running".into()),
            worker: s.worker.clone(),
            error: s.error.as_deref().map(|e| redact(e).chars().take(300).collect()).unwrap_or_default(),
        })
        .collect();
    let page = SourcePage {
        shell: Shell::new(&viewer, format!("Source {}", src.name), "sources"),
        name: src.name.clone(),
        location: redact(&src.location),
        interval: crate::config::format_duration(src.interval),
        labels,
        grid,
        grid_prev,
        grid_next,
        findings,
        scans,
        scans_next,
    };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    pub status: Option<String>,
    pub before: Option<i64>,
}

/// `GET /alerts`: alerts by status, newest first.
pub async fn alerts(State(st): State<AppState>, viewer: Viewer, Query(q): Query<AlertsQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.alerts", "open alerts").await?;
    let status = q.status.filter(|s| ["open", "acknowledged", "resolved"].contains(&s.as_str()));
    let items = st.store.alerts(&AlertFilter { status: status.clone(), before: q.before, limit: PAGE + 1, ..Default::default() }).await?;
    let more = items.len() as i64 > PAGE;
    let items: Vec<AlertRow> = items.iter().take(PAGE as usize).map(|a| alert_row(&st, a)).collect();
    let next = if more { items.last().map(|a| format!("/alerts?status={}&before={}", enc(status.as_deref().unwrap_or("")), a.id)) } else { None };
    let statuses = ["", "open", "acknowledged", "resolved"].iter().map(|s| Choice { value: s.to_string(), selected: status.as_deref().unwrap_or("") == *s }).collect();
    let page = AlertsPage { shell: Shell::new(&viewer, "Alerts", "alerts"), statuses, items, next };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

/// `GET /alerts/{id}`: one alert, its episodes and its webhook deliveries.
pub async fn alert(State(st): State<AppState>, viewer: Viewer, Path(id): Path<i64>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.alerts", "open alerts").await?;
    let (a, events) = st.store.alert(id).await?.ok_or_else(|| WebError::NotFound(format!("no alert {id}")))?;
    let deliveries = st.store.deliveries(id).await?;
    let page = AlertPage {
        can_acknowledge: viewer.may(crate::api::auth::REVIEWERS) && a.status == "open",
        shell: Shell::new(&viewer, format!("Alert {id}"), "alerts"),
        alert: alert_row(&st, &a),
        events: events.iter().map(|e| EventRow { at: when(e.at), kind: e.kind.clone(), episode: e.episode, actor: e.actor.clone(), reason: e.reason.clone().unwrap_or_default() }).collect(),
        deliveries: deliveries
            .iter()
            .map(|d| DeliveryRow {
                event: d.event.clone(),
                webhook: d.webhook.clone(),
                status: d.status.clone(),
                attempts: d.attempts,
                last_status: d.last_status.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                last_error: d.last_error.as_deref().map(redact).unwrap_or_default(),
                next_attempt: when_opt(d.next_attempt_at),
                dead_reason: d.dead_reason.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

/// `POST /alerts/{id}`: acknowledge the alert (reviewers), as the API's
/// `POST /api/v1/alerts/{id}/acknowledge` does it.
pub async fn acknowledge(State(st): State<AppState>, viewer: Viewer, Path(id): Path<i64>, body: bytes::Bytes) -> Result<Response, WebError> {
    let form = super::session::Form::parse(&body);
    viewer.check_csrf(&st, &form, "alerts.acknowledge").await?;
    viewer.require(&st, crate::api::auth::REVIEWERS, "alerts.acknowledge", "acknowledge alerts").await?;
    crate::api::alerts::acknowledge_as(&st, &viewer.caller("alerts.acknowledge"), id, form.get("reason").map(str::trim).filter(|r| !r.is_empty()).map(str::to_string)).await?;
    let mut resp = axum::response::Redirect::to(&format!("/alerts/{id}")).into_response();
    *resp.status_mut() = axum::http::StatusCode::SEE_OTHER;
    Ok(resp)
}

#[derive(Debug, Default, Deserialize)]
pub struct FeatureSetsQuery {
    pub after: Option<String>,
}

/// `GET /feature-sets`: each feature set, its members and its gate with reasons.
pub async fn feature_sets(State(st): State<AppState>, viewer: Viewer, Query(q): Query<FeatureSetsQuery>) -> Result<Response, WebError> {
    viewer.require(&st, READERS, "web.feature_sets", "open feature sets").await?;
    let per = 20;
    let sets = st.store.feature_sets(q.after.as_deref(), per + 1).await?;
    let more = sets.len() as i64 > per;
    let now = st.store.now().await?;
    let mut items = Vec::new();
    for fs in sets.iter().take(per as usize) {
        let gate = st.store.gate(&fs.name, DEFAULT_MAX_AGE, now).await?;
        let members = match &gate {
            Some(g) => g
                .members
                .iter()
                .zip(&fs.members)
                .map(|(m, decl)| MemberRow {
                    source: m.source.clone(),
                    source_href: source_href(&m.source),
                    columns: m.columns.as_ref().map(|c| c.join(", ")).unwrap_or_else(|| "every column".into()),
                    allow: if m.allow.is_empty() { "no label".into() } else { m.allow.join(", ") },
                    last_scan: m.last_scan_id.map(|id| format!("#{id}, {}", when_opt(m.last_scan_at))).unwrap_or_else(|| "never".into()),
                    last_status: m.last_scan_status.clone().unwrap_or_else(|| "—".into()),
                    not_seen: decl.not_seen.join(", "),
                })
                .collect(),
            None => Vec::new(),
        };
        items.push(FeatureSetRow {
            name: fs.name.clone(),
            description: fs.description.clone(),
            owner: fs.owner.clone(),
            status: gate.as_ref().map_or("unknown".into(), |g| g.status.clone()),
            reasons: gate.as_ref().map(|g| g.reasons.iter().map(|r| format!("{}: {}", r.kind, r.message)).collect()).unwrap_or_default(),
            members,
        });
    }
    let next = if more { items.last().map(|f| format!("/feature-sets?after={}", enc(&f.name))) } else { None };
    let page = FeatureSetsPage { shell: Shell::new(&viewer, "Feature sets", "feature_sets"), items, next };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub before: Option<i64>,
}

impl AuditQuery {
    fn filter(&self, limit: i64) -> AuditFilter {
        let some = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        AuditFilter { actor: some(&self.actor), action: some(&self.action), target: some(&self.target), before: self.before, limit, ..Default::default() }
    }
    fn query(&self) -> String {
        let f = self.filter(0);
        format!("actor={}&action={}&target={}", enc(f.actor.as_deref().unwrap_or("")), enc(f.action.as_deref().unwrap_or("")), enc(f.target.as_deref().unwrap_or("")))
    }
}

/// `GET /audit`: the audit log, filtered, newest first.
pub async fn audit(State(st): State<AppState>, viewer: Viewer, Query(q): Query<AuditQuery>) -> Result<Response, WebError> {
    viewer.require(&st, AUDITORS, "web.audit", "open the audit log").await?;
    let rows = st.store.audit_log(&q.filter(PAGE + 1)).await?;
    let more = rows.len() as i64 > PAGE;
    let next = if more { rows.get(PAGE as usize - 1).map(|r| format!("/audit?{}&before={}", q.query(), r.id)) } else { None };
    let f = q.filter(0);
    let page = AuditPage {
        shell: Shell::new(&viewer, "Audit log", "audit"),
        actor: f.actor.unwrap_or_default(),
        action: f.action.unwrap_or_default(),
        target: f.target.unwrap_or_default(),
        rows: rows
            .iter()
            .take(PAGE as usize)
            .map(|r| AuditLine {
                at: r.entry.at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                actor: r.entry.actor.clone().unwrap_or_else(|| "—".into()),
                role: r.entry.role.clone().unwrap_or_default(),
                action: r.entry.action.clone(),
                target: r.entry.target.clone().unwrap_or_default(),
                outcome: r.entry.outcome.clone(),
                status: r.entry.status,
                detail: r.entry.detail.clone().unwrap_or_default(),
            })
            .collect(),
        next,
        csv: format!("/audit.csv?{}", q.query()),
    };
    Ok(Html(askama::Template::render(&page)?).into_response())
}

/// Most rows one CSV export holds.
const CSV_ROWS: i64 = 100_000;

/// A cell that a spreadsheet would run as a formula starts with `'` instead.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// `GET /audit.csv`: the filtered audit log as CSV (the newest 100,000 rows).
pub async fn audit_csv(State(st): State<AppState>, viewer: Viewer, Query(q): Query<AuditQuery>) -> Result<Response, WebError> {
    viewer.require(&st, AUDITORS, "web.audit", "export the audit log").await?;
    let rows = st.store.audit_log(&q.filter(CSV_ROWS)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| WebError::BadRequest(format!("writing CSV: {e}"));
    w.write_record(["id", "at", "actor", "role", "action", "target", "outcome", "status", "client", "request_id", "detail"]).map_err(io)?;
    for r in &rows {
        let e = &r.entry;
        w.write_record([
            r.id.to_string(),
            e.at.to_rfc3339(),
            cell(e.actor.as_deref().unwrap_or("")),
            cell(e.role.as_deref().unwrap_or("")),
            cell(&e.action),
            cell(e.target.as_deref().unwrap_or("")),
            cell(&e.outcome),
            e.status.to_string(),
            cell(e.client.as_deref().unwrap_or("")),
            cell(&e.request_id),
            cell(e.detail.as_deref().unwrap_or("")),
        ])
        .map_err(io)?;
    }
    let body = w.into_inner().map_err(|e| WebError::BadRequest(format!("writing CSV: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"assay-audit.csv\"")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_and_government_ids_weigh_more_than_ip_addresses() {
        let one = |l: &str| risk_score(&[(l.to_string(), 1, 0.5)]);
        assert!(one("secret.aws_access_key") > one("pii.email"));
        assert!(one("pii.us_ssn") > one("pii.email"));
        assert!(one("pii.email") > one("pii.ip_address"));
        assert_eq!(risk_score(&[]), 0);
        assert!(risk_score(&[("secret.jwt".into(), 40, 1.0)]) <= 100);
        // Traces count half of a column full of matches.
        assert!(risk_score(&[("pii.email".into(), 1, 0.001)]) < one("pii.email"));
    }
}
