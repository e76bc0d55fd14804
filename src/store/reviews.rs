//! Reviews of findings: a reviewer confirms a finding or dismisses it as a false positive.
//!
//! Every review is kept (append-only history: who, when, why, and the evidence as it was);
//! `review_state` holds the verdict in force per (dataset, column, label). A dismissal in
//! force is a suppression: the finding neither alerts nor fails the gate, until its
//! evidence changes materially — a match rate `lapse_factor` times the rate dismissed, or
//! fingerprints of matched values none of which were seen at dismissal — when the
//! suppression lapses (a `lapsed` review by the scan) and the alert reopens.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::alerts::{Announce, Held};
use super::*;

/// What a reviewer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The finding is real (it keeps alerting until the data is cleaned or allowed).
    Confirm,
    /// A false positive: suppress it until the evidence changes materially.
    Dismiss,
    /// Withdraw an earlier verdict: the finding is unreviewed again.
    Reopen,
}

/// One review as kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Review {
    pub id: i64,
    pub source: String,
    pub dataset: String,
    pub column: String,
    pub label: String,
    /// `confirmed`, `dismissed`, `reopened`, or `lapsed` (a scan saw the evidence change).
    pub verdict: String,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
    /// The finding's match rate when reviewed.
    pub match_rate: Option<f64>,
}

/// A dismissal in force.
#[derive(Debug, Clone)]
pub(super) struct Suppression {
    pub match_rate: f64,
    pub fingerprints: Vec<String>,
}

/// Why a suppression no longer holds given what the column holds now, if it does not.
pub(super) fn lapse_reason(s: &Suppression, now: &Held, factor: f64) -> Option<String> {
    if now.match_rate > 0.0 && now.match_rate >= factor * s.match_rate.max(0.001) {
        return Some(format!("match rate {:.3} is at least {factor}× the {:.3} dismissed", now.match_rate, s.match_rate));
    }
    let seen: HashSet<&String> = s.fingerprints.iter().collect();
    if !now.fingerprints.is_empty() && !s.fingerprints.is_empty() && now.fingerprints.iter().all(|f| !seen.contains(f)) {
        return Some("matched values none of which were seen when it was dismissed".into());
    }
    None
}

/// Which reviews to list, newest first; `before` is the cursor.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub source: Option<String>,
    pub label: Option<String>,
    pub verdict: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Reviews matching `filter`, newest first.
    pub async fn reviews(&self, filter: &ReviewFilter) -> Result<Vec<Review>, StoreError> {
        const SQL: &str = "SELECT r.id, s.name, d.name, r.column_name, r.label, r.verdict, r.reason, r.actor, r.at_ms, r.match_rate \
                           FROM reviews r JOIN sources s ON s.id = r.source_id JOIN datasets d ON d.id = r.dataset_id \
                           WHERE ($1 IS NULL OR s.name = $1) AND ($2 IS NULL OR r.label = $2) AND ($3 IS NULL OR r.verdict = $3) AND ($4 IS NULL OR r.id < $4) \
                           ORDER BY r.id DESC LIMIT $5";
        let rows = on_pool!(self, "reviews", |p| sqlx::query(SQL)
            .bind(filter.source.as_deref())
            .bind(filter.label.as_deref())
            .bind(filter.verdict.as_deref())
            .bind(filter.before)
            .bind(filter.limit)
            .fetch_all(p)
            .await
            .map_err(query_err("listing reviews"))?
            .iter()
            .map(review_row)
            .collect::<Vec<_>>());
        Ok(rows)
    }
}

impl Tx {
    /// The dismissals in force on a source, by (dataset, column, label).
    pub(super) async fn suppressions(&mut self, source_id: i64) -> Result<HashMap<(i64, String, String), Suppression>, StoreError> {
        const SQL: &str = "SELECT dataset_id, column_name, label, match_rate, fingerprints_json FROM review_state WHERE source_id = $1 AND verdict = 'dismissed'";
        let map = on_tx!(self, "suppressions", |c| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's dismissals"))?
            .iter()
            .map(|r| {
                let s = Suppression { match_rate: r.get(3), fingerprints: serde_json::from_str(&r.get::<String, _>(4)).unwrap_or_default() };
                ((r.get(0), r.get(1), r.get(2)), s)
            })
            .collect());
        Ok(map)
    }

    /// Ends a dismissal whose evidence changed (a `lapsed` review by the scan).
    pub(super) async fn lapse(&mut self, source_id: i64, key: &(i64, String, String), now: &Held, why: &str, scan_id: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        let (d, column, label) = key;
        self.insert_review(source_id, *d, column, label, "lapsed", Some(why), &format!("scan:{scan_id}"), at, Some(now.match_rate), &now.fingerprints).await?;
        on_tx!(self, "lapse", |c| sqlx::query("DELETE FROM review_state WHERE dataset_id = $1 AND column_name = $2 AND label = $3")
            .bind(d)
            .bind(column)
            .bind(label)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("ending a dismissal"))?);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_review(&mut self, source_id: i64, dataset_id: i64, column: &str, label: &str, verdict: &str, reason: Option<&str>, actor: &str, at: DateTime<Utc>, rate: Option<f64>, fingerprints: &[String]) -> Result<i64, StoreError> {
        const SQL: &str = "INSERT INTO reviews (source_id, dataset_id, column_name, label, verdict, reason, actor, at_ms, match_rate, fingerprints_json) \
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
        let id = on_tx!(self, "review", |c| sqlx::query(SQL)
            .bind(source_id)
            .bind(dataset_id)
            .bind(column)
            .bind(label)
            .bind(verdict)
            .bind(reason)
            .bind(actor)
            .bind(ms(at))
            .bind(rate)
            .bind(serde_json::to_string(fingerprints).unwrap_or_else(|_| "[]".into()))
            .fetch_one(c)
            .await
            .map_err(query_err("recording a review"))?
            .get::<i64, _>(0));
        Ok(id)
    }

    /// The dataset of `source_id` called `name`, or its only dataset when `name` is `None`.
    pub async fn dataset_id(&mut self, source_id: i64, name: Option<&str>) -> Result<Option<(i64, String)>, StoreError> {
        const SQL: &str = "SELECT id, name FROM datasets WHERE source_id = $1 ORDER BY id";
        let all: Vec<(i64, String)> = on_tx!(self, "dataset_id", |c| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's datasets"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect());
        Ok(match name {
            Some(n) => all.into_iter().find(|(_, x)| x == n),
            None if all.len() == 1 => all.into_iter().next(),
            None => None,
        })
    }

    /// What a dataset's column holds of `label` now, pooled over its objects; `None` when
    /// it holds none.
    async fn held_now(&mut self, dataset_id: i64, column: &str, label: &str) -> Result<Option<Held>, StoreError> {
        // Every object's copy of the column, with the finding where it has it: the rate is
        // over all of the column's values, as the contamination check pools it.
        const SQL: &str = "SELECT sc.non_null, f.matches, f.match_rate, f.evidence_json, f.fingerprints_json FROM objects_seen o \
                           JOIN scan_columns sc ON sc.scan_id = o.scan_id AND sc.object = o.object \
                           LEFT JOIN findings f ON f.scan_id = sc.scan_id AND f.object = sc.object AND f.column_name = sc.column_name AND f.label = $3 \
                           WHERE o.dataset_id = $1 AND sc.column_name = $2";
        type Row = (i64, Option<i64>, Option<f64>, Option<String>, Option<String>);
        let rows: Vec<Row> = on_tx!(self, "held_now", |c| sqlx::query(SQL)
            .bind(dataset_id)
            .bind(column)
            .bind(label)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a finding's evidence"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect());
        if rows.iter().all(|r| r.1.is_none()) {
            return Ok(None);
        }
        let mut held = Held::default();
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok()).unwrap_or_default();
        let non_null = rows.iter().map(|r| r.0).sum();
        for (nn, matches, rate, evidence, fingerprints) in rows {
            if let (Some(matches), Some(rate)) = (matches, rate) {
                held.add(matches, rate, nn, json(evidence), json(fingerprints));
            }
        }
        held.finish(non_null);
        Ok(Some(held))
    }

    /// Records a review of the finding (source, dataset, column, label) by `actor`. A
    /// dismissal resolves the finding's alerts in every feature set; a reopen reopens the
    /// alerts a dismissal resolved. Fails with `Unknown` when the column holds no such
    /// finding now (a removed column's alert can be reviewed too). Returns the review and
    /// how many outbox events it wrote.
    #[allow(clippy::too_many_arguments)]
    pub async fn review(&mut self, source_id: i64, dataset_id: i64, column: &str, label: &str, verdict: Verdict, reason: Option<&str>, actor: &str, at: DateTime<Utc>, public_url: &str) -> Result<(i64, usize), StoreError> {
        // A dismissal holds findings back from the check, a reopening lets them through.
        self.forget_check_digests(Some(source_id)).await?;
        let held = match self.held_now(dataset_id, column, label).await? {
            Some(h) => h,
            None if label == super::alerts::COLUMN_REMOVED => Held::default(),
            None => return Err(StoreError::Unknown { kind: "finding", name: format!("{column} {label}") }),
        };
        let stored = match verdict {
            Verdict::Confirm => "confirmed",
            Verdict::Dismiss => "dismissed",
            Verdict::Reopen => "reopened",
        };
        let review_id = self.insert_review(source_id, dataset_id, column, label, stored, reason, actor, at, Some(held.match_rate), &held.fingerprints).await?;
        if verdict == Verdict::Reopen {
            on_tx!(self, "review", |c| sqlx::query("DELETE FROM review_state WHERE dataset_id = $1 AND column_name = $2 AND label = $3")
                .bind(dataset_id)
                .bind(column)
                .bind(label)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err("withdrawing a verdict"))?);
        } else {
            const UPSERT: &str = "INSERT INTO review_state (dataset_id, column_name, label, source_id, verdict, review_id, match_rate, fingerprints_json) \
                                  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dataset_id, column_name, label) DO UPDATE SET \
                                  verdict = excluded.verdict, review_id = excluded.review_id, match_rate = excluded.match_rate, fingerprints_json = excluded.fingerprints_json";
            on_tx!(self, "review", |c| sqlx::query(UPSERT)
                .bind(dataset_id)
                .bind(column)
                .bind(label)
                .bind(source_id)
                .bind(stored)
                .bind(review_id)
                .bind(held.match_rate)
                .bind(serde_json::to_string(&held.fingerprints).unwrap_or_else(|_| "[]".into()))
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err("recording a verdict"))?);
        }
        // The finding's alerts in every live feature set.
        const ALERTS: &str = "SELECT a.id, a.feature_set_id, a.status, a.episode FROM alerts a JOIN feature_sets f ON f.id = a.feature_set_id \
                              WHERE a.dataset_id = $1 AND a.column_name = $2 AND a.label = $3 AND f.removed_ms IS NULL";
        let alerts: Vec<(i64, i64, String, i64)> = on_tx!(self, "review", |c| sqlx::query(ALERTS)
            .bind(dataset_id)
            .bind(column)
            .bind(label)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a finding's alerts"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect());
        let mut announce = Vec::new();
        let mut sets = Vec::new();
        for (id, fs, status, episode) in alerts {
            match verdict {
                Verdict::Dismiss if status != "resolved" => {
                    on_tx!(self, "review", |c| sqlx::query("UPDATE alerts SET status = 'resolved', clean_scans = 0, updated_ms = $1 WHERE id = $2")
                        .bind(ms(at))
                        .bind(id)
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(query_err("resolving a dismissed alert"))?);
                    self.alert_event(id, "dismissed", episode, actor, reason, None, at).await?;
                    announce.push(Announce::Alert("alert.resolved", id, fs));
                    sets.push(fs);
                }
                Verdict::Reopen if status == "resolved" => {
                    on_tx!(self, "review", |c| sqlx::query("UPDATE alerts SET status = 'open', clean_scans = 0, episode = episode + 1, updated_ms = $1 WHERE id = $2")
                        .bind(ms(at))
                        .bind(id)
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(query_err("reopening an alert"))?);
                    self.alert_event(id, "reopened", episode + 1, actor, reason, None, at).await?;
                    announce.push(Announce::Alert("alert.reopened", id, fs));
                    sets.push(fs);
                }
                _ => {}
            }
        }
        for fs in self.refresh_gate_status(&sets).await? {
            announce.push(Announce::GateFailed(fs));
        }
        let events = self.announce(&announce, public_url, at).await?;
        Ok((review_id, events))
    }
}

/// A review selected as id, source, dataset, column, label, verdict, reason, actor,
/// at_ms and match_rate.
pub(super) fn review_row<R: Row>(r: &R) -> Review
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    f64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Review {
        id: r.get(0),
        source: r.get(1),
        dataset: r.get(2),
        column: r.get(3),
        label: r.get(4),
        verdict: r.get(5),
        reason: r.get(6),
        actor: r.get(7),
        at: from_ms(r.get(8)),
        match_rate: r.get(9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(rate: f64, fingerprints: &[&str]) -> Held {
        Held { matches: 1, match_rate: rate, evidence: Vec::new(), fingerprints: fingerprints.iter().map(|f| f.to_string()).collect() }
    }

    #[test]
    fn a_dismissal_lapses_only_when_the_evidence_changes_materially() {
        let s = Suppression { match_rate: 0.02, fingerprints: vec!["a1".into(), "b2".into(), "c3".into()] };
        // The same values, a rate that moves with sampling: still suppressed.
        assert_eq!(lapse_reason(&s, &held(0.02, &["a1", "b2"]), 3.0), None);
        assert_eq!(lapse_reason(&s, &held(0.05, &["a1", "c3", "d4"]), 3.0), None, "some new values among seen ones");
        // Three times the rate, or only values never seen when it was dismissed: lapsed.
        assert!(lapse_reason(&s, &held(0.06, &["a1"]), 3.0).unwrap().contains("match rate"));
        assert!(lapse_reason(&s, &held(0.02, &["e5", "f6"]), 3.0).unwrap().contains("none of which"));
        // A removed column has neither rate nor values: its dismissal holds.
        let removed = Suppression { match_rate: 0.0, fingerprints: Vec::new() };
        assert_eq!(lapse_reason(&removed, &held(0.0, &[]), 3.0), None);
        // Dismissed without fingerprints (an engine without a key): the rate still counts.
        let bare = Suppression { match_rate: 0.01, fingerprints: Vec::new() };
        assert_eq!(lapse_reason(&bare, &held(0.02, &["x"]), 3.0), None);
        assert!(lapse_reason(&bare, &held(0.1, &["x"]), 3.0).is_some());
    }
}
