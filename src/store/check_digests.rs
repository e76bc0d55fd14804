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

use std::collections::{BTreeMap, HashMap, HashSet};

use sha2::{Digest, Sha256};

use super::alerts::{AlertPolicy, Held};
use super::datasets::ColumnChanges;
use super::*;

/// The digest of a check's inputs: the datasets looked at (`touched`), the source's
/// columns and pooled findings in them, the columns present and removed, and the policy.
pub(super) fn inputs_digest(touched: &HashSet<i64>, now: &HashMap<i64, BTreeMap<String, HashMap<String, Held>>>, changes: &ColumnChanges, policy: &AlertPolicy) -> String {
    let mut h = Sha256::new();
    // Fields are separated by bytes that column names, labels and masked evidence do not
    // hold in practice, and every list is written in a fixed order.
    let mut put = |parts: &[&str]| {
        for p in parts {
            h.update(p.as_bytes());
            h.update([0x1f]);
        }
        h.update([0x1e]);
    };
    let mut severity: Vec<_> = policy.severity.iter().collect();
    severity.sort();
    put(&["policy", &policy.resolve_after.to_string(), &policy.lapse_factor.to_string()]);
    for (label, s) in severity {
        put(&["severity", label, s]);
    }
    let mut datasets: Vec<i64> = touched.iter().copied().collect();
    datasets.sort_unstable();
    for d in datasets {
        put(&["dataset", &d.to_string()]);
        for (column, labels) in now.get(&d).into_iter().flatten() {
            put(&["column", column]);
            let mut labels: Vec<_> = labels.iter().collect();
            labels.sort_by(|a, b| a.0.cmp(b.0));
            for (label, held) in labels {
                put(&["label", label, &held.matches.to_string(), &held.match_rate.to_string()]);
                put(&held.evidence.iter().map(String::as_str).collect::<Vec<_>>());
                put(&held.fingerprints.iter().map(String::as_str).collect::<Vec<_>>());
            }
        }
    }
    let mut removed: Vec<_> = changes.removed.iter().collect();
    removed.sort();
    for (d, column) in removed {
        put(&["removed", &d.to_string(), column]);
    }
    let mut present: Vec<_> = changes.present.iter().collect();
    present.sort();
    for column in present {
        put(&["present", column]);
    }
    hex::encode(h.finalize())
}

impl Tx {
    /// The digest the source's last check kept, if any.
    pub(super) async fn check_digest(&mut self, source_id: i64) -> Result<Option<String>, StoreError> {
        Ok(on_tx!(self, "check_digest", |c| sqlx::query("SELECT digest FROM check_digests WHERE source_id = $1")
            .bind(source_id)
            .fetch_optional(c)
            .await
            .map_err(query_err("reading a source's check digest"))?
            .map(|r| r.get(0))))
    }

    /// Keeps `digest` as the source's (`Some`), or forgets it (`None`: the check left an
    /// alert in motion, so the next one must run).
    pub(super) async fn keep_check_digest(&mut self, source_id: i64, digest: Option<&str>) -> Result<(), StoreError> {
        match digest {
            Some(d) => on_tx!(self, "check_digest", |c| sqlx::query(
                "INSERT INTO check_digests (source_id, digest) VALUES ($1, $2) ON CONFLICT (source_id) DO UPDATE SET digest = excluded.digest"
            )
            .bind(source_id)
            .bind(d)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(query_err("keeping a source's check digest"))?),
            None => self.forget_check_digests(Some(source_id)).await?,
        }
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
