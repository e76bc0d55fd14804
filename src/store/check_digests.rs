//! The contamination check's input digests: what lets a scan that changes nothing skip the
//! check.
//!
//! A source scanned on a schedule mostly finds what it found last time. Its check then
//! reads every member of every feature set on the source and every alert of the source
//! (thousands of rows for a source in many feature sets) only to write nothing. The check's
//! outcome is a function of: the pooled findings of the datasets the scan looked at, their
//! columns present and removed, the alert policy, the feature sets' members, the reviews in
//! force, and the alerts' states. The first three are hashed here at every check; the rest
//! change only through declarations and reviews, which forget the digests they concern
//! ([`Tx::forget_check_digests`]), and through the check itself. A digest is kept only when
//! the check left no alert in motion (counting clean scans towards resolving): then running
//! it again on the same inputs writes nothing, so skipping it is exact.
//!
//! Two digests are kept: of everything (`digest`), and of the *shape* alone — which labels
//! which columns hold, without their counts and evidence. When only the evidence moved (a
//! table's rows changed, the same columns hold the same labels), the check's outcome is the
//! last check's with new evidence: the same findings alert (kept as `alerting`), and the
//! same dismissals hold them back (`held_back`) unless the new evidence lapses one — which
//! runs the check whole. So only the evidence of the alerting findings is written.

use std::collections::{BTreeMap, HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::alerts::{AlertPolicy, Held};
use super::datasets::ColumnChanges;
use super::*;

/// A finding as the check keys it: (dataset, column, label).
pub(super) type FindingKey = (i64, String, String);

/// What a source's last settled check left, to compare the next one's inputs with.
#[derive(Debug, Default)]
pub(super) struct LastCheck {
    pub digest: String,
    pub shape: String,
    /// The findings that alerted in some feature set.
    pub alerting: Vec<FindingKey>,
    /// The findings that would have alerted but for a dismissal in force.
    pub held_back: Vec<FindingKey>,
}

/// Two SHA-256 digests written in step: one of every field, one of the shape fields only.
struct Digests {
    all: Sha256,
    shape: Sha256,
}

impl Digests {
    /// Adds one record. Fields are separated by bytes that column names, labels and masked
    /// evidence do not hold in practice; callers write every list in a fixed order.
    fn put(&mut self, shape: bool, parts: &[&str]) {
        for p in parts {
            self.all.update(p.as_bytes());
            self.all.update([0x1f]);
            if shape {
                self.shape.update(p.as_bytes());
                self.shape.update([0x1f]);
            }
        }
        self.all.update([0x1e]);
        if shape {
            self.shape.update([0x1e]);
        }
    }
}

/// The digests of a check's inputs, (everything, shape): the datasets looked at
/// (`touched`), the source's columns and the labels in them (with, for the first, their
/// pooled counts, evidence and fingerprints), the columns present and removed, the policy.
pub(super) fn inputs_digest(touched: &HashSet<i64>, now: &HashMap<i64, BTreeMap<String, HashMap<String, Held>>>, changes: &ColumnChanges, policy: &AlertPolicy) -> (String, String) {
    let mut h = Digests { all: Sha256::new(), shape: Sha256::new() };
    let mut severity: Vec<_> = policy.severity.iter().collect();
    severity.sort();
    h.put(true, &["policy", &policy.resolve_after.to_string(), &policy.lapse_factor.to_string()]);
    for (label, s) in severity {
        h.put(true, &["severity", label, s]);
    }
    let mut datasets: Vec<i64> = touched.iter().copied().collect();
    datasets.sort_unstable();
    for d in datasets {
        h.put(true, &["dataset", &d.to_string()]);
        for (column, labels) in now.get(&d).into_iter().flatten() {
            h.put(true, &["column", column]);
            let mut labels: Vec<_> = labels.iter().collect();
            labels.sort_by(|a, b| a.0.cmp(b.0));
            for (label, held) in labels {
                h.put(true, &["label", label]);
                h.put(false, &[&held.matches.to_string(), &held.match_rate.to_string()]);
                h.put(false, &held.evidence.iter().map(String::as_str).collect::<Vec<_>>());
                h.put(false, &held.fingerprints.iter().map(String::as_str).collect::<Vec<_>>());
            }
        }
    }
    let mut removed: Vec<_> = changes.removed.iter().collect();
    removed.sort();
    for (d, column) in removed {
        h.put(true, &["removed", &d.to_string(), column]);
    }
    let mut present: Vec<_> = changes.present.iter().collect();
    present.sort();
    for column in present {
        h.put(true, &["present", column]);
    }
    (hex::encode(h.all.finalize()), hex::encode(h.shape.finalize()))
}

impl Tx {
    /// What the source's last settled check kept, if anything.
    pub(super) async fn last_check(&mut self, source_id: i64) -> Result<Option<LastCheck>, StoreError> {
        let row: Option<(String, String, String, String)> = on_tx!(self, "check_digest", |c| sqlx::query("SELECT digest, shape, alerting_json, held_back_json FROM check_digests WHERE source_id = $1")
            .bind(source_id)
            .fetch_optional(c)
            .await
            .map_err(query_err("reading a source's check digest"))?
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))));
        Ok(row.map(|(digest, shape, alerting, held_back)| LastCheck {
            digest,
            shape,
            // Unreadable lists (never written so) make the shape compare unequal.
            alerting: serde_json::from_str(&alerting).unwrap_or_default(),
            held_back: serde_json::from_str(&held_back).unwrap_or_default(),
        }))
    }

    /// Keeps what a settled check saw (`Some`), or forgets it (`None`: the check left an
    /// alert in motion, so the next one must run whole).
    pub(super) async fn keep_last_check(&mut self, source_id: i64, last: Option<&LastCheck>) -> Result<(), StoreError> {
        let Some(last) = last else { return self.forget_check_digests(Some(source_id)).await };
        let alerting = serde_json::to_string(&last.alerting).unwrap_or_else(|_| "[]".into());
        let held_back = serde_json::to_string(&last.held_back).unwrap_or_else(|_| "[]".into());
        const SQL: &str = "INSERT INTO check_digests (source_id, digest, shape, alerting_json, held_back_json) VALUES ($1, $2, $3, $4, $5) \
                           ON CONFLICT (source_id) DO UPDATE SET digest = excluded.digest, shape = excluded.shape, alerting_json = excluded.alerting_json, held_back_json = excluded.held_back_json";
        on_tx!(self, "check_digest", |c| sqlx::query(SQL)
            .bind(source_id)
            .bind(&last.digest)
            .bind(&last.shape)
            .bind(&alerting)
            .bind(&held_back)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("keeping a source's check digest"))?);
        Ok(())
    }

    /// Forgets the check digests of one source, or of every source (`None`: a feature set
    /// changed, whose members may be on any source), so that their next scans run the
    /// check whole.
    pub(super) async fn forget_check_digests(&mut self, source_id: Option<i64>) -> Result<(), StoreError> {
        on_tx!(self, "check_digest", |c| match source_id {
            Some(id) => sqlx::query("DELETE FROM check_digests WHERE source_id = $1").bind(id).execute(c).await,
            None => sqlx::query("DELETE FROM check_digests").execute(c).await,
        }
        .map(|_| ())
        .map_err(query_err("forgetting check digests"))?);
        Ok(())
    }
}

impl Tx {
    /// The check when only counts and evidence moved since the last settled one (`last`,
    /// whose shape the scan's inputs share): the evidence of the findings that alerted is
    /// brought up to date. Returns `false`, having written nothing, when that is not the
    /// whole outcome — a dismissed finding's new evidence lapses its dismissal, or a finding
    /// is not where the last check left it — so that the check runs whole.
    pub(super) async fn evidence_only(
        &mut self,
        source_id: i64,
        scan_id: i64,
        at: chrono::DateTime<chrono::Utc>,
        now: &HashMap<i64, BTreeMap<String, HashMap<String, Held>>>,
        last: &LastCheck,
        policy: &AlertPolicy,
    ) -> Result<bool, StoreError> {
        let removed = Held::default();
        let find = |(d, column, label): &FindingKey| -> Option<&Held> {
            if label == super::alerts::COLUMN_REMOVED {
                Some(&removed)
            } else {
                now.get(d)?.get(column)?.get(label)
            }
        };
        if !last.held_back.is_empty() {
            let suppressions = self.suppressions(source_id).await?;
            for key in &last.held_back {
                let (Some(s), Some(held)) = (suppressions.get(key), find(key)) else { return Ok(false) };
                if super::reviews::lapse_reason(s, held, policy.lapse_factor).is_some() {
                    return Ok(false);
                }
            }
        }
        let mut findings = Vec::with_capacity(last.alerting.len());
        for key in &last.alerting {
            let Some(held) = find(key) else { return Ok(false) };
            findings.push((key, held));
        }
        self.record_evidence(source_id, scan_id, at, &findings).await?;
        Ok(true)
    }
}
