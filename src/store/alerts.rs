//! Contamination alerts: the check that runs in every recorded scan's transaction, and
//! the alerts it keeps, one per (feature set, dataset, column, label).
//!
//! After a scan, each feature set with a member on the source compares the member's
//! columns, as the source has them now, with the labels the member allows. A label it
//! does not allow opens an alert (or updates the open one with new evidence; or reopens
//! a resolved one as a new episode); an alert whose label is gone from a column the scan
//! looked at counts a clean scan and resolves after `resolve_after` of them. A column
//! that disappears is an alert of its own (`schema.column_removed`). A finding a reviewer
//! dismissed raises nothing until its evidence changes materially (see `reviews`). Every
//! state change is kept as an event, and announced through the outbox in the same
//! transaction, so that an alert is never committed without its deliveries.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::check_digests::{FindingKey, LastCheck};
use super::datasets::Datasets;
use super::reviews::lapse_reason;
use super::*;

/// The label of a column that disappeared from its dataset.
pub const COLUMN_REMOVED: &str = "schema.column_removed";

/// How findings become alerts; the service's configuration.
#[derive(Debug, Clone)]
pub struct AlertPolicy {
    /// Consecutive clean scans of a column after which its alert resolves (≥ 1).
    pub resolve_after: u32,
    /// A dismissed finding alerts again when its match rate reaches this many times the
    /// rate it had when dismissed.
    pub lapse_factor: f64,
    /// Severity per label (`low`…`critical`); labels without one are `medium`.
    pub severity: HashMap<String, String>,
    /// The dashboard's address as users reach it, for links in webhook bodies.
    pub public_url: String,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy { resolve_after: 1, lapse_factor: 3.0, severity: HashMap::new(), public_url: "http://127.0.0.1:8080".into() }
    }
}

/// An alert as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub feature_set: String,
    pub source: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    /// `open`, `acknowledged` or `resolved`.
    pub status: String,
    pub severity: String,
    pub matches: i64,
    pub match_rate: f64,
    /// Masked evidence only.
    pub evidence: Vec<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// The scan that first found it, and the last scan that did.
    pub first_scan_id: i64,
    pub scan_id: i64,
    /// Which episode this is: 1, and one more each time it reopened.
    pub episode: i64,
    pub clean_scans: i64,
    pub updated_at: DateTime<Utc>,
}

/// One state change of an alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AlertEvent {
    pub at: DateTime<Utc>,
    /// `opened`, `reopened`, `resolved`, `acknowledged`, `dismissed`.
    pub kind: String,
    pub episode: i64,
    /// A token name, or `scan:ID` for changes a scan made.
    pub actor: String,
    pub reason: Option<String>,
    pub scan_id: Option<i64>,
}

/// Which alerts to list: every field narrows; `before` is the cursor (smaller ids).
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub status: Option<String>,
    pub feature_set: Option<String>,
    pub source: Option<String>,
    pub label: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

/// An alert's latest evidence is its finding's (`finding_state`); one still seen (open or
/// acknowledged, no clean scan since) was last seen by its source's last successful scan.
pub(super) const SELECT_ALERTS: &str = "SELECT a.id, f.name, s.name, d.name, a.column_name, a.label, a.status, a.severity, \
     COALESCE(e.matches, a.matches), COALESCE(e.match_rate, a.match_rate), COALESCE(e.evidence_json, a.evidence_json), a.first_seen_ms, \
     CASE WHEN a.status <> 'resolved' AND a.clean_scans = 0 AND s.last_ok_ms IS NOT NULL THEN s.last_ok_ms ELSE COALESCE(e.last_seen_ms, a.last_seen_ms) END, \
     a.first_scan_id, \
     CASE WHEN a.status <> 'resolved' AND a.clean_scans = 0 AND s.last_ok_scan_id IS NOT NULL THEN s.last_ok_scan_id ELSE COALESCE(e.scan_id, a.scan_id) END, \
     a.episode, a.clean_scans, a.updated_ms \
     FROM alerts a JOIN feature_sets f ON f.id = a.feature_set_id JOIN sources s ON s.id = a.source_id JOIN datasets d ON d.id = a.dataset_id \
     LEFT JOIN finding_state e ON e.dataset_id = a.dataset_id AND e.column_name = a.column_name AND e.label = a.label";

pub(super) fn alert_row<R: Row>(r: &R) -> Alert
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    f64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Alert {
        id: r.get(0),
        feature_set: r.get(1),
        source: r.get(2),
        dataset: r.get(3),
        column: r.get(4),
        label: r.get(5),
        status: r.get(6),
        severity: r.get(7),
        matches: r.get(8),
        match_rate: r.get(9),
        evidence: serde_json::from_str(&r.get::<String, _>(10)).unwrap_or_default(),
        first_seen: from_ms(r.get(11)),
        last_seen: from_ms(r.get(12)),
        first_scan_id: r.get(13),
        scan_id: r.get(14),
        episode: r.get(15),
        clean_scans: r.get(16),
        updated_at: from_ms(r.get(17)),
    }
}

/// The body of an alert event on the wire (DESIGN.md, "Alerts on the wire"), without
/// `sent_at`, which the delivery adds.
pub fn alert_payload(event: &str, event_id: &str, alert: &Alert, public_url: &str) -> serde_json::Value {
    serde_json::json!({
        "event": event,
        "id": event_id,
        "alert": {
            "id": alert.id, "feature_set": alert.feature_set, "source": alert.source, "dataset": alert.dataset,
            "column": alert.column, "label": alert.label, "severity": alert.severity, "status": alert.status,
            "match_rate": alert.match_rate, "first_seen": alert.first_seen, "last_seen": alert.last_seen,
            "scan_id": alert.scan_id, "episode": alert.episode, "evidence": alert.evidence,
            "url": format!("{}/alerts/{}", public_url.trim_end_matches('/'), alert.id),
        }
    })
}

impl Store {
    /// Alerts matching `filter`, newest first.
    pub async fn alerts(&self, filter: &AlertFilter) -> Result<Vec<Alert>, StoreError> {
        let sql = format!(
            "{SELECT_ALERTS} WHERE ($1 IS NULL OR a.status = $1) AND ($2 IS NULL OR f.name = $2) AND ($3 IS NULL OR s.name = $3) \
             AND ($4 IS NULL OR a.label = $4) AND ($5 IS NULL OR a.id < $5) ORDER BY a.id DESC LIMIT $6"
        );
        let rows = on_pool!(self, "alerts", |p| sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(filter.status.as_deref())
            .bind(filter.feature_set.as_deref())
            .bind(filter.source.as_deref())
            .bind(filter.label.as_deref())
            .bind(filter.before)
            .bind(filter.limit)
            .fetch_all(p)
            .await
            .map_err(query_err("listing alerts"))?
            .iter()
            .map(alert_row)
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// One alert with its history of state changes, oldest first.
    pub async fn alert(&self, id: i64) -> Result<Option<(Alert, Vec<AlertEvent>)>, StoreError> {
        let sql = format!("{SELECT_ALERTS} WHERE a.id = $1");
        let alert = on_pool!(self, "alert", |p| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(p).await.map_err(query_err(format!("reading alert {id}")))?.map(|r| alert_row(&r)));
        let Some(alert) = alert else { return Ok(None) };
        const EVENTS: &str = "SELECT at_ms, kind, episode, actor, reason, scan_id FROM alert_events WHERE alert_id = $1 ORDER BY id";
        let events = on_pool!(self, "alert", |p| sqlx::query(EVENTS)
            .bind(id)
            .fetch_all(p)
            .await
            .map_err(query_err(format!("reading the history of alert {id}")))?
            .iter()
            .map(|r| AlertEvent { at: from_ms(r.get(0)), kind: r.get(1), episode: r.get(2), actor: r.get(3), reason: r.get(4), scan_id: r.get(5) })
            .collect::<Vec<_>>());
        Ok(Some((alert, events)))
    }
}

/// An alert row as the check reads it.
struct Existing {
    id: i64,
    status: String,
    clean_scans: i64,
    episode: i64,
}

/// What a column holds of a label now, pooled over the dataset's objects.
#[derive(Debug, Clone, Default)]
pub(super) struct Held {
    pub matches: i64,
    pub match_rate: f64,
    pub evidence: Vec<String>,
    pub fingerprints: Vec<String>,
}

impl Held {
    /// Adds one object's finding; its rate is weighted by the object's `non_null` values
    /// until [`Held::finish`].
    pub(super) fn add(&mut self, matches: i64, rate: f64, non_null: i64, evidence: Vec<String>, fingerprints: Vec<String>) {
        self.matches += matches;
        self.match_rate += rate * non_null as f64;
        crate::classify::verdict::pool_evidence(&mut self.evidence, evidence);
        crate::classify::verdict::pool_fingerprints(&mut self.fingerprints, fingerprints);
    }

    /// The pooled rate: over the `non_null` values of the column in every object of the
    /// dataset, those without the finding included.
    pub(super) fn finish(&mut self, non_null: i64) {
        self.match_rate = ((self.match_rate / non_null.max(1) as f64) * 1000.0).round() / 1000.0;
    }
}

/// A member as the check applies it.
struct Rule {
    feature_set_id: i64,
    member_id: i64,
    columns: Option<Vec<String>>,
    allow: HashSet<String>,
    /// The missing columns as stored (JSON), rewritten only when they change.
    missing: String,
}

impl Rule {
    fn covers(&self, column: &str) -> bool {
        self.columns.as_ref().is_none_or(|c| c.iter().any(|x| x == column))
    }
}

/// An event to announce: its kind, the alert or feature set it is about.
pub(super) enum Announce {
    /// The event, the alert, and its feature set (whose webhooks hear of it).
    Alert(&'static str, i64, i64),
    GateFailed(i64),
}

impl Tx {
    /// The contamination check of a recorded scan (see the module). `touched`: the objects
    /// the scan read or saw gone; `None` re-checks the whole source as its last scan
    /// `scan_id` left it, because a declaration changed rather than the data. Returns the
    /// number of events written to the outbox.
    pub(super) async fn after_scan(&mut self, src: &SourceRow, scan_id: i64, at: DateTime<Utc>, touched: Option<&[&str]>, policy: &AlertPolicy) -> Result<usize, StoreError> {
        // A scan that read nothing and saw nothing go (every object and table unchanged,
        // the steady state of change-aware scans) changes no column: nothing to check, and
        // no column had a clean scan to count towards resolving its alerts.
        if touched.is_some_and(|t| t.is_empty()) {
            return Ok(0);
        }
        let datasets: Datasets = self.sync_datasets(src, at).await?;
        let recheck = touched.is_none();
        let touched_ds: HashSet<i64> = match touched {
            Some(objects) => objects.iter().filter_map(|o| datasets.of(o)).collect(),
            None => datasets.names.keys().copied().collect(),
        };
        // The source's columns now, pooled per dataset.
        let mut now: HashMap<i64, BTreeMap<String, HashMap<String, Held>>> = HashMap::new();
        let mut non_null: HashMap<(i64, String), i64> = HashMap::new();
        for c in self.current_columns(src.id).await? {
            let Some(d) = datasets.of(&c.source) else { continue };
            let col = now.entry(d).or_default().entry(c.column.clone()).or_default();
            for l in c.labels {
                col.entry(l.label).or_default().add(l.matches as i64, l.match_rate, c.non_null as i64, l.evidence, l.fingerprints);
            }
            *non_null.entry((d, c.column)).or_default() += c.non_null as i64;
        }
        for (d, cols) in &mut now {
            for (column, labels) in cols.iter_mut() {
                let n = non_null.get(&(*d, column.clone())).copied().unwrap_or(0);
                labels.values_mut().for_each(|h| h.finish(n));
            }
        }
        let columns_now: HashMap<i64, HashSet<String>> = now.iter().filter(|(d, _)| touched_ds.contains(d)).map(|(d, cols)| (*d, cols.keys().cloned().collect())).collect();
        let changes = self.sync_columns(src.id, scan_id, &touched_ds, &columns_now).await?;
        // The same inputs as the last check, which left nothing in motion: the same
        // outcome, which is no write at all (see check_digests).
        let (digest, shape) = super::check_digests::inputs_digest(&touched_ds, &now, &changes, policy);
        if !recheck {
            if let Some(last) = self.last_check(src.id).await? {
                if last.digest == digest {
                    return Ok(0);
                }
                // Only counts and evidence moved: the same findings alert, with new evidence.
                if last.shape == shape && self.evidence_only(src.id, scan_id, at, &now, &last, policy).await? {
                    self.keep_last_check(src.id, Some(&LastCheck { digest, ..last })).await?;
                    return Ok(0);
                }
            }
        }

        const MEMBERS: &str = "SELECT m.feature_set_id, m.id, m.columns_json, m.allow_json, m.missing_json FROM feature_set_members m \
                               JOIN feature_sets f ON f.id = m.feature_set_id WHERE m.source_id = $1 AND f.removed_ms IS NULL ORDER BY m.id";
        let rules: Vec<Rule> = on_tx!(self, "contamination", |c| sqlx::query(MEMBERS)
            .bind(src.id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading the feature sets of a source"))?
            .iter()
            .map(|r| Rule {
                feature_set_id: r.get(0),
                member_id: r.get(1),
                columns: r.get::<Option<String>, _>(2).and_then(|s| serde_json::from_str(&s).ok()),
                allow: serde_json::from_str::<Vec<String>>(&r.get::<String, _>(3)).unwrap_or_default().into_iter().collect(),
                missing: r.get(4),
            })
            .collect());
        if touched_ds.is_empty() {
            return Ok(0);
        }
        // Named columns no dataset of the source has now.
        for r in &rules {
            if let Some(cols) = &r.columns {
                let missing: Vec<&String> = cols.iter().filter(|c| !changes.present.contains(c.as_str())).collect();
                let missing = serde_json::to_string(&missing).unwrap_or_else(|_| "[]".into());
                if missing == r.missing {
                    continue;
                }
                on_tx!(self, "contamination", |c| sqlx::query("UPDATE feature_set_members SET missing_json = $1 WHERE id = $2")
                    .bind(&missing)
                    .bind(r.member_id)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(query_err("recording a member's missing columns"))?);
            }
        }

        // What should be alerting: (feature set, dataset, column, label) → what it holds.
        let removed_held = Held::default();
        let mut wanted: BTreeMap<(i64, i64, String, String), &Held> = BTreeMap::new();
        for r in &rules {
            for d in &touched_ds {
                let Some(cols) = now.get(d) else { continue };
                // A member names a few columns of a wide dataset: look those up.
                let covered: Box<dyn Iterator<Item = (&String, &HashMap<String, Held>)>> = match &r.columns {
                    Some(names) => Box::new(names.iter().filter_map(|n| cols.get_key_value(n))),
                    None => Box::new(cols.iter()),
                };
                for (column, labels) in covered {
                    for (label, held) in labels {
                        if !r.allow.contains(label) {
                            wanted.insert((r.feature_set_id, *d, column.clone(), label.clone()), held);
                        }
                    }
                }
            }
            for (d, column) in &changes.removed {
                if r.covers(column) && !r.allow.contains(COLUMN_REMOVED) {
                    wanted.insert((r.feature_set_id, *d, column.clone(), COLUMN_REMOVED.to_string()), &removed_held);
                }
            }
        }

        // Dismissals in force hold the finding back, unless its evidence changed materially.
        let suppressions = self.suppressions(src.id).await?;
        let mut lapsed: HashSet<(i64, String, String)> = HashSet::new();
        let mut held_back: HashSet<(i64, String, String)> = HashSet::new();
        for ((_, d, column, label), held) in &wanted {
            let key = (*d, column.clone(), label.clone());
            if lapsed.contains(&key) || held_back.contains(&key) {
                continue;
            }
            let Some(s) = suppressions.get(&key) else { continue };
            match lapse_reason(s, held, policy.lapse_factor) {
                Some(why) => {
                    self.lapse(src.id, &key, held, &why, scan_id, at).await?;
                    lapsed.insert(key);
                }
                None => {
                    held_back.insert(key);
                }
            }
        }

        const EXISTING: &str = "SELECT id, feature_set_id, dataset_id, column_name, label, status, clean_scans, episode FROM alerts WHERE source_id = $1";
        let existing: HashMap<(i64, i64, String, String), Existing> = on_tx!(self, "contamination", |c| sqlx::query(EXISTING)
            .bind(src.id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's alerts"))?
            .iter()
            .map(|r| ((r.get(1), r.get(2), r.get(3), r.get(4)), Existing { id: r.get(0), status: r.get(5), clean_scans: r.get(6), episode: r.get(7) }))
            .collect());
        let actor = if recheck { "declaration".to_string() } else { format!("scan:{scan_id}") };
        let mut announce: Vec<Announce> = Vec::new();
        let mut changed_sets: HashSet<i64> = HashSet::new();
        // Per finding that alerts: its evidence, and the open alerts to reset.
        let mut still: BTreeMap<(i64, String, String), (&Held, Vec<i64>)> = BTreeMap::new();
        for (key, held) in &wanted {
            let (fs, d, column, label) = key;
            if held_back.contains(&(*d, column.clone(), label.clone())) {
                continue;
            }
            still.entry((*d, column.clone(), label.clone())).or_insert_with(|| (held, Vec::new()));
            let evidence = serde_json::to_string(&held.evidence).unwrap_or_else(|_| "[]".into());
            match existing.get(key) {
                Some(e) if e.status != "resolved" => {
                    if e.clean_scans != 0 {
                        still.entry((*d, column.clone(), label.clone())).or_insert_with(|| (held, Vec::new())).1.push(e.id);
                    }
                }
                Some(e) => {
                    const REOPEN: &str = "UPDATE alerts SET status = 'open', matches = $1, match_rate = $2, evidence_json = $3, last_seen_ms = $4, scan_id = $5, \
                                          clean_scans = 0, episode = episode + 1, updated_ms = $4 WHERE id = $6";
                    on_tx!(self, "contamination", |c| sqlx::query(REOPEN)
                        .bind(held.matches)
                        .bind(held.match_rate)
                        .bind(&evidence)
                        .bind(ms(at))
                        .bind(scan_id)
                        .bind(e.id)
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(query_err("reopening an alert"))?);
                    let why = if lapsed.contains(&(*d, column.clone(), label.clone())) { "the dismissed finding's evidence changed" } else { "the label is back" };
                    self.alert_event(e.id, "reopened", e.episode + 1, &actor, Some(why), Some(scan_id), at).await?;
                    announce.push(Announce::Alert("alert.reopened", e.id, *fs));
                    changed_sets.insert(*fs);
                }
                None => {
                    const INSERT: &str = "INSERT INTO alerts (feature_set_id, source_id, dataset_id, column_name, label, status, severity, matches, match_rate, evidence_json, \
                                          first_seen_ms, last_seen_ms, first_scan_id, scan_id, updated_ms) \
                                          VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $10, $11, $11, $10) RETURNING id";
                    let severity = policy.severity.get(label).map_or("medium", String::as_str);
                    let id: i64 = on_tx!(self, "contamination", |c| sqlx::query(INSERT)
                        .bind(fs)
                        .bind(src.id)
                        .bind(d)
                        .bind(column)
                        .bind(label)
                        .bind(severity)
                        .bind(held.matches)
                        .bind(held.match_rate)
                        .bind(&evidence)
                        .bind(ms(at))
                        .bind(scan_id)
                        .fetch_one(c)
                        .await
                        .map_err(query_err("opening an alert"))?
                        .get(0));
                    self.alert_event(id, "opened", 1, &actor, None, Some(scan_id), at).await?;
                    announce.push(Announce::Alert("alert.opened", id, *fs));
                    changed_sets.insert(*fs);
                }
            }
        }
        // The latest evidence of every finding that alerts (see `record_evidence`).
        let evidence: Vec<(&FindingKey, &Held)> = still.iter().map(|(k, (held, _))| (k, *held)).collect();
        self.record_evidence(src.id, scan_id, at, &evidence).await?;
        // Alerts that had counted clean scans start again.
        for (_, reset) in still.values() {
            if !reset.is_empty() {
                let ids = reset.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                let sql = format!("UPDATE alerts SET clean_scans = 0, updated_ms = $1 WHERE id IN ({ids})");
                on_tx!(self, "contamination", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(ms(at)).execute(c).await.map(|_| ()).map_err(query_err("updating alerts"))?);
            }
        }
        // Open alerts of the columns this scan looked at that no longer hold their label
        // count a clean scan; those no declaration covers any more resolve at once.
        let live_sets: HashSet<i64> = rules.iter().map(|r| r.feature_set_id).collect();
        // Whether an alert is left counting clean scans: the next check must then run.
        let mut in_motion = false;
        for (key, e) in &existing {
            let (fs, d, _, _) = key;
            if e.status == "resolved" || wanted.contains_key(key) || !touched_ds.contains(d) {
                continue;
            }
            let uncovered = if !live_sets.contains(fs) {
                Some("the source is no longer a member of the feature set")
            } else if recheck {
                Some("the feature set's declaration no longer covers it")
            } else {
                None
            };
            let clean = e.clean_scans + 1;
            if uncovered.is_none() && e.clean_scans == 0 {
                // Seen until now, and no more: its last sighting is the scan before this one,
                // which the alert could read off the source until this scan replaced it.
                self.pin_last_seen(src.id, scan_id, key).await?;
            }
            if uncovered.is_some() || clean >= i64::from(policy.resolve_after.max(1)) {
                self.resolve_alert(e.id, e.episode, &actor, uncovered.unwrap_or("clean scans"), (!recheck).then_some(scan_id), at).await?;
                announce.push(Announce::Alert("alert.resolved", e.id, *fs));
                changed_sets.insert(*fs);
            } else {
                in_motion = true;
                on_tx!(self, "contamination", |c| sqlx::query("UPDATE alerts SET clean_scans = $1, updated_ms = $2 WHERE id = $3")
                    .bind(clean)
                    .bind(ms(at))
                    .bind(e.id)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(query_err("counting a clean scan"))?);
            }
        }
        let mut held_back: Vec<_> = held_back.into_iter().collect();
        held_back.sort();
        let last = LastCheck { digest, shape, alerting: still.keys().cloned().collect(), held_back };
        self.keep_last_check(src.id, (!in_motion).then_some(&last)).await?;
        for fs in self.refresh_gate_status(&changed_sets.into_iter().collect::<Vec<_>>()).await? {
            announce.push(Announce::GateFailed(fs));
        }
        self.announce(&announce, &policy.public_url, at).await
    }

    /// The latest evidence of the findings that alert: one `finding_state` row per finding,
    /// however many feature sets alert on it, written only when it changed (an open alert
    /// with no clean scan was seen by the source's last scan: see SELECT_ALERTS).
    pub(super) async fn record_evidence(&mut self, source_id: i64, scan_id: i64, at: DateTime<Utc>, findings: &[(&FindingKey, &Held)]) -> Result<(), StoreError> {
        if findings.is_empty() {
            return Ok(());
        }
        const STORED: &str = "SELECT dataset_id, column_name, label, matches, match_rate, evidence_json FROM finding_state WHERE source_id = $1";
        let stored: HashMap<FindingKey, (i64, f64, String)> = on_tx!(self, "contamination", |c| sqlx::query(STORED)
            .bind(source_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading findings' evidence"))?
            .iter()
            .map(|r| ((r.get(0), r.get(1), r.get(2)), (r.get(3), r.get(4), r.get(5))))
            .collect());
        for (key, held) in findings {
            let (d, column, label) = key;
            let evidence = serde_json::to_string(&held.evidence).unwrap_or_else(|_| "[]".into());
            if stored.get(*key).is_some_and(|(m, r, e)| *m == held.matches && *r == held.match_rate && *e == evidence) {
                continue;
            }
            const STATE: &str = "INSERT INTO finding_state (dataset_id, column_name, label, source_id, matches, match_rate, evidence_json, last_seen_ms, scan_id) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (dataset_id, column_name, label) DO UPDATE SET \
                                 matches = excluded.matches, match_rate = excluded.match_rate, evidence_json = excluded.evidence_json, \
                                 last_seen_ms = excluded.last_seen_ms, scan_id = excluded.scan_id";
            on_tx!(self, "contamination", |c| sqlx::query(STATE)
                .bind(d)
                .bind(column)
                .bind(label)
                .bind(source_id)
                .bind(held.matches)
                .bind(held.match_rate)
                .bind(&evidence)
                .bind(ms(at))
                .bind(scan_id)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err("recording a finding's evidence"))?);
        }
        Ok(())
    }

    /// Re-checks the sources `source_ids` as their last scans left them (a feature set was
    /// declared or changed): alerts open for data already there, and resolve where the
    /// declaration no longer covers them. Returns the number of outbox events written.
    pub async fn recheck_sources(&mut self, source_ids: &[i64], at: DateTime<Utc>, policy: &AlertPolicy) -> Result<usize, StoreError> {
        let mut events = 0;
        for id in source_ids {
            const SQL: &str = concat!("SELECT ", super::sources::source_columns!(), ", last_ok_scan_id FROM sources WHERE id = $1 AND removed_ms IS NULL");
            let found: Option<(SourceRow, Option<i64>)> =
                on_tx!(self, "recheck", |c| sqlx::query(SQL).bind(id).fetch_optional(c).await.map_err(query_err("reading a source to re-check"))?.map(|r| (super::sources::source_row(&r), r.get(super::sources::AFTER_SOURCE_COLUMNS))));
            if let Some((src, Some(scan_id))) = found {
                events += self.after_scan(&src, scan_id, at, None, policy).await?;
            }
        }
        Ok(events)
    }

    /// Sets a finding's last sighting to the source's last successful scan before `scan_id`
    /// (it held the finding then; `scan_id` no longer does).
    async fn pin_last_seen(&mut self, source_id: i64, scan_id: i64, key: &(i64, i64, String, String)) -> Result<(), StoreError> {
        let (_, d, column, label) = key;
        const SQL: &str = "UPDATE finding_state SET (last_seen_ms, scan_id) = (SELECT COALESCE(MAX(finished_ms), finding_state.last_seen_ms), COALESCE(MAX(id), finding_state.scan_id) \
                           FROM scans WHERE source_id = $1 AND id < $2 AND status <> 'failed') WHERE dataset_id = $3 AND column_name = $4 AND label = $5";
        on_tx!(self, "contamination", |c| sqlx::query(SQL)
            .bind(source_id)
            .bind(scan_id)
            .bind(d)
            .bind(column)
            .bind(label)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("recording a finding's last sighting"))?);
        Ok(())
    }

    /// Records one state change of an alert.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn alert_event(&mut self, alert_id: i64, kind: &str, episode: i64, actor: &str, reason: Option<&str>, scan_id: Option<i64>, at: DateTime<Utc>) -> Result<(), StoreError> {
        const SQL: &str = "INSERT INTO alert_events (alert_id, at_ms, kind, episode, actor, reason, scan_id) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, "alert_event", |c| sqlx::query(SQL)
            .bind(alert_id)
            .bind(ms(at))
            .bind(kind)
            .bind(episode)
            .bind(actor)
            .bind(reason)
            .bind(scan_id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("recording an alert's history"))?);
        Ok(())
    }

    /// Resolves an alert (with its event).
    pub(super) async fn resolve_alert(&mut self, id: i64, episode: i64, actor: &str, reason: &str, scan_id: Option<i64>, at: DateTime<Utc>) -> Result<(), StoreError> {
        on_tx!(self, "resolve_alert", |c| sqlx::query("UPDATE alerts SET status = 'resolved', clean_scans = 0, updated_ms = $1 WHERE id = $2")
            .bind(ms(at))
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("resolving an alert"))?);
        self.alert_event(id, "resolved", episode, actor, Some(reason), scan_id, at).await
    }

    /// Resolves every unresolved alert of a feature set (it was removed).
    pub(super) async fn close_alerts_of(&mut self, feature_set_id: i64, actor: &str, reason: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let open: Vec<(i64, i64)> = on_tx!(self, "close_alerts", |c| sqlx::query("SELECT id, episode FROM alerts WHERE feature_set_id = $1 AND status <> 'resolved'")
            .bind(feature_set_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a feature set's alerts"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect());
        for (id, episode) in open {
            self.resolve_alert(id, episode, actor, reason, None, at).await?;
        }
        Ok(())
    }

    /// Acknowledges an open alert: someone is on it (it still fails the gate). Returns the
    /// alert, or `None` when there is no such alert; acknowledging twice changes nothing.
    pub async fn acknowledge_alert(&mut self, id: i64, actor: &str, reason: Option<&str>, at: DateTime<Utc>) -> Result<Option<Alert>, StoreError> {
        let episode: Option<i64> = on_tx!(self, "acknowledge_alert", |c| sqlx::query("UPDATE alerts SET status = 'acknowledged', updated_ms = $1 WHERE id = $2 AND status = 'open' RETURNING episode")
            .bind(ms(at))
            .bind(id)
            .fetch_optional(c)
            .await
            .map_err(query_err(format!("acknowledging alert {id}")))?
            .map(|r| r.get(0)));
        if let Some(episode) = episode {
            self.alert_event(id, "acknowledged", episode, actor, reason, None, at).await?;
        }
        let sql = format!("{SELECT_ALERTS} WHERE a.id = $1");
        let alert = on_tx!(self, "acknowledge_alert", |c| sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id).fetch_optional(c).await.map_err(query_err(format!("reading alert {id}")))?.map(|r| alert_row(&r)));
        Ok(alert)
    }

    /// Sets each feature set's contamination status from its unresolved alerts. Returns
    /// those that turned from pass to fail.
    pub(super) async fn refresh_gate_status(&mut self, feature_sets: &[i64]) -> Result<Vec<i64>, StoreError> {
        let mut failed = Vec::new();
        for fs in feature_sets {
            const SQL: &str = "SELECT f.gate_status, (SELECT COUNT(*) FROM alerts a WHERE a.feature_set_id = f.id AND a.status <> 'resolved') FROM feature_sets f WHERE f.id = $1";
            let (was, open): (String, i64) = on_tx!(self, "gate_status", |c| sqlx::query(SQL)
                .bind(fs)
                .fetch_one(c)
                .await
                .map(|r| (r.get(0), r.get(1)))
                .map_err(query_err("reading a feature set's alerts"))?);
            let now = if open > 0 { "fail" } else { "pass" };
            if now != was {
                on_tx!(self, "gate_status", |c| sqlx::query("UPDATE feature_sets SET gate_status = $1 WHERE id = $2")
                    .bind(now)
                    .bind(fs)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(query_err("recording a feature set's status"))?);
                if now == "fail" {
                    failed.push(*fs);
                }
            }
        }
        Ok(failed)
    }
}
