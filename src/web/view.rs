//! What the templates show: one struct per page (`templates/*.html`), its values already
//! formatted as text, so templates hold layout only. Everything shown passes askama's
//! HTML escaping, except the SVG charts, which `charts.rs` escapes itself.

use askama::Template;
use chrono::{DateTime, Utc};

use super::session::Viewer;
use crate::api::auth::AUDITORS;

/// What every page's frame shows: title, the active tab, who is signed in, and the
/// session's CSRF token for the sign-out form.
pub struct Shell {
    pub title: String,
    pub nav: &'static str,
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub can_audit: bool,
}

impl Shell {
    pub fn new(viewer: &Viewer, title: impl Into<String>, nav: &'static str) -> Shell {
        Shell {
            title: title.into(),
            nav,
            user: viewer.token.name.clone(),
            role: viewer.role().to_string(),
            csrf: viewer.csrf.clone(),
            can_audit: viewer.may(AUDITORS),
        }
    }
}

/// A time as shown everywhere: UTC, to the minute.
pub fn when(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub fn when_opt(t: Option<DateTime<Utc>>) -> String {
    t.map(when).unwrap_or_else(|| "—".into())
}

/// A rate (0-1) as a percentage: more digits for small rates, which matter here (one
/// e-mail address in 1,000 notes is contamination).
pub fn pct(rate: f64) -> String {
    let p = rate * 100.0;
    if p == 0.0 {
        "0 %".into()
    } else if p < 1.0 {
        format!("{p:.2} %")
    } else {
        format!("{p:.1} %")
    }
}

/// A path segment or query value, percent-encoded.
pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub reason: String,
    pub message: String,
    pub signed_in: Option<super::SignedIn>,
}

#[derive(Template)]
#[template(path = "signin.html")]
pub struct SignInPage {
    pub csrf: String,
    pub error: Option<String>,
}

pub struct Stat {
    pub label: String,
    pub value: String,
    pub note: String,
}

pub struct LabelRow {
    pub label: String,
    pub severity: String,
    pub count: i64,
}

pub struct RiskRow {
    pub source: String,
    pub href: String,
    pub score: u32,
    pub columns: i64,
    pub top: String,
}

pub struct AlertRow {
    pub id: i64,
    pub href: String,
    pub feature_set: String,
    pub source: String,
    pub source_href: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    pub severity: String,
    pub status: String,
    pub rate: String,
    pub evidence: String,
    pub first_seen: String,
    pub last_seen: String,
    pub episode: i64,
}

pub struct GateRow {
    pub name: String,
    pub status: String,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub shell: Shell,
    pub stats: Vec<Stat>,
    pub by_label: Vec<LabelRow>,
    pub by_severity: Vec<LabelRow>,
    pub risk: Vec<RiskRow>,
    pub risk_next: Option<String>,
    pub alerts: Vec<AlertRow>,
    pub gates: Vec<GateRow>,
    pub chart_columns: String,
    pub chart_new: String,
}

pub struct GridCell {
    pub text: String,
    pub severity: String,
}

pub struct GridRow {
    pub dataset: String,
    pub column: String,
    /// Its values were binary, not UTF-8: only their printable runs were scanned.
    pub binary: bool,
    pub sampled: String,
    pub cells: Vec<GridCell>,
}

pub struct FindingRow {
    pub dataset: String,
    pub column: String,
    pub label: String,
    pub severity: String,
    pub rate: String,
    pub confidence: String,
    pub evidence: Vec<String>,
    pub why: Vec<String>,
    pub first_seen: String,
    pub verdict: String,
    pub trend: String,
}

pub struct ScanRow {
    pub id: i64,
    pub status: String,
    pub started: String,
    pub duration: String,
    pub worker: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "source.html")]
pub struct SourcePage {
    pub shell: Shell,
    pub name: String,
    pub location: String,
    pub interval: String,
    pub labels: Vec<String>,
    pub grid: Vec<GridRow>,
    pub grid_prev: Option<String>,
    pub grid_next: Option<String>,
    pub findings: Vec<FindingRow>,
    pub scans: Vec<ScanRow>,
    pub scans_next: Option<String>,
}

pub struct QueueRow {
    pub item: String,
    pub source: String,
    pub source_href: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    pub severity: String,
    pub rate: String,
    pub confidence: String,
    pub evidence: String,
}

pub struct Choice {
    pub value: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "reviews.html")]
pub struct ReviewPage {
    pub shell: Shell,
    pub items: Vec<QueueRow>,
    pub labels: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub severities: Vec<Choice>,
    pub feature_sets: Vec<Choice>,
    /// Sorted by match rate rather than newest first.
    pub by_rate: bool,
    pub next: Option<String>,
    pub can_act: bool,
    pub notice: Option<String>,
}

pub struct DismissedRow {
    pub item: String,
    pub source: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    pub reason: String,
    pub actor: String,
    pub at: String,
    pub rate: String,
}

#[derive(Template)]
#[template(path = "dismissed.html")]
pub struct DismissedPage {
    pub shell: Shell,
    pub items: Vec<DismissedRow>,
    pub next: Option<String>,
    pub can_act: bool,
}

#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    pub shell: Shell,
    pub statuses: Vec<Choice>,
    pub items: Vec<AlertRow>,
    pub next: Option<String>,
}

pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub episode: i64,
    pub actor: String,
    pub reason: String,
}

pub struct DeliveryRow {
    pub event: String,
    pub webhook: String,
    pub status: String,
    pub attempts: i64,
    pub last_status: String,
    pub last_error: String,
    pub next_attempt: String,
    pub dead_reason: String,
}

#[derive(Template)]
#[template(path = "alert.html")]
pub struct AlertPage {
    pub shell: Shell,
    pub alert: AlertRow,
    /// A reviewer looking at an open alert may acknowledge it.
    pub can_acknowledge: bool,
    pub events: Vec<EventRow>,
    pub deliveries: Vec<DeliveryRow>,
}

pub struct MemberRow {
    pub source: String,
    pub source_href: String,
    pub columns: String,
    pub allow: String,
    pub last_scan: String,
    pub last_status: String,
    pub not_seen: String,
}

pub struct FeatureSetRow {
    pub name: String,
    pub description: String,
    pub owner: String,
    pub status: String,
    pub reasons: Vec<String>,
    pub members: Vec<MemberRow>,
}

#[derive(Template)]
#[template(path = "feature_sets.html")]
pub struct FeatureSetsPage {
    pub shell: Shell,
    pub items: Vec<FeatureSetRow>,
    pub next: Option<String>,
}

pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub status: u16,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub shell: Shell,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub rows: Vec<AuditLine>,
    pub next: Option<String>,
    pub csv: String,
}

pub struct SourceLine {
    pub name: String,
    pub href: String,
    pub location: String,
    pub interval: String,
    pub next_due: String,
    pub failures: i64,
    pub findings: i64,
    pub score: u32,
}

#[derive(Template)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    pub shell: Shell,
    pub total: usize,
    pub items: Vec<SourceLine>,
    pub prev: Option<String>,
    pub next: Option<String>,
}
