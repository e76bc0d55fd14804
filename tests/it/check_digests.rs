//! The contamination check's input digest (src/store/check_digests.rs), on both backends:
//! a scan with the same findings as the last skips the check and changes nothing, while
//! everything that must still happen does — clean scans counting towards resolving an
//! alert (with `resolve_after` 2, so a check is left in motion), the label coming back, a
//! new feature set on the source, a dismissal and its lapse at a higher rate — and a scan
//! whose findings differ only in counts and evidence updates the alert's evidence.

use crate::common;

use std::time::Duration;

use assay::classify::LabelVerdict;
use assay::report::{ColumnReport, Report};
use assay::sources::store::ObjectEntry;
use assay::store::{Alert, AlertFilter, AlertPolicy, FeatureSetSpec, MemberSpec, NewSource, ScanRecord, SourceRow, Store, Verdict};
use chrono::{DateTime, TimeZone, Utc};

/// A scan of `orders`: `notes` holds e-mail addresses at `rate` (none at 0), `plan` never.
fn report(rate: f64) -> Report {
    let column = |name: &str, labels: Vec<LabelVerdict>| ColumnReport {
        source: "bench/orders/part-00000.parquet".into(),
        column: name.into(),
        rows_sampled: 1000,
        non_null: 1000,
        rows_swept: None,
        not_scanned: None,
        objects: None,
        binary: false,
        labels,
    };
    let emails = if rate > 0.0 {
        let matches = (rate * 1000.0) as usize;
        vec![LabelVerdict {
            label: "pii.email".into(),
            confidence: 0.97,
            matches,
            match_rate: rate,
            evidence: vec!["j***@e******.com".into()],
            schemes: vec![],
            fingerprints: (0..matches.min(8)).map(|i| format!("{i:016x}")).collect(),
            sample_part: None,
        }]
    } else {
        vec![]
    };
    Report { scanned_at: String::new(), columns: vec![column("plan", vec![]), column("notes", emails)], errors: vec![] }
}

struct Story {
    store: Store,
    src: SourceRow,
    policy: AlertPolicy,
    at: DateTime<Utc>,
}

impl Story {
    async fn scan(&mut self, rate: f64) {
        self.at += chrono::Duration::minutes(1);
        let report = report(rate);
        // A new ETag each time: the object was rewritten, so the scan read it.
        let read = [ObjectEntry { shown: "bench/orders/part-00000.parquet".into(), key: Default::default(), size: 1, e_tag: Some(format!("\"{}\"", self.at.timestamp())), last_modified: self.at, state: None }];
        let rec = ScanRecord { source: &self.src, worker: "w1", started: self.at, finished: self.at, report: &report, failed: None, read: &read, removed: &[], rules_digest: None, notes: &[], unchanged: 0 };
        self.store.record_scan(&rec, &self.policy).await.expect("record a scan");
    }

    async fn declare(&mut self, name: &str) {
        let spec = FeatureSetSpec { name: name.into(), description: String::new(), owner: "ml".into(), webhooks: vec![], members: vec![MemberSpec { source: "orders".into(), columns: None, allow: vec![] }] };
        let mut tx = self.store.begin().await.unwrap();
        tx.put_feature_set(&spec, self.at, &self.policy).await.expect("declare");
        tx.commit().await.unwrap();
    }

    /// (feature set, status, episode, clean scans, events) of every alert.
    async fn alerts(&self) -> Vec<(String, String, i64, i64, usize)> {
        let all: Vec<Alert> = self.store.alerts(&AlertFilter { limit: 100, ..Default::default() }).await.unwrap();
        let mut out = Vec::new();
        for a in all {
            let (_, events) = self.store.alert(a.id).await.unwrap().unwrap();
            out.push((a.feature_set, a.status, a.episode, a.clean_scans, events.len()));
        }
        out.sort();
        out
    }
}

impl Story {
    /// The match rate every alert shows.
    async fn rates(&self) -> Vec<f64> {
        self.store.alerts(&AlertFilter { limit: 100, ..Default::default() }).await.unwrap().iter().map(|a| a.match_rate).collect()
    }
}

fn row(fs: &str, status: &str, episode: i64, clean: i64, events: usize) -> (String, String, i64, i64, usize) {
    (fs.into(), status.into(), episode, clean, events)
}

async fn story(store: Store) {
    store.migrate().await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    let new = NewSource { name: "orders".into(), location: "bench".into(), tables: vec![], interval: Duration::from_secs(3600), sample_rows: 1000, append_key: None, events: None };
    let src = store.add_source(&new, at).await.unwrap();
    let mut s = Story { store, src, policy: AlertPolicy { resolve_after: 2, ..AlertPolicy::default() }, at };

    s.scan(0.01).await;
    s.declare("churn").await;
    assert_eq!(s.alerts().await, [row("churn", "open", 1, 0, 1)], "the declaration's re-check opens the alert");
    // The same findings again and again: nothing to do, and nothing done.
    s.scan(0.01).await;
    s.scan(0.01).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 1, 0, 1)]);
    // New counts and evidence in the same column: the alert shows them, nothing else moves.
    s.scan(0.02).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 1, 0, 1)]);
    assert_eq!(s.rates().await, [0.02]);
    s.scan(0.01).await;
    assert_eq!(s.rates().await, [0.01]);
    // Clean: the first clean scan counts, the second — with the same inputs as the first —
    // must still run to resolve the alert.
    s.scan(0.0).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 1, 1, 1)]);
    s.scan(0.0).await;
    assert_eq!(s.alerts().await, [row("churn", "resolved", 1, 0, 2)], "the second clean scan resolves");
    s.scan(0.0).await;
    assert_eq!(s.alerts().await, [row("churn", "resolved", 1, 0, 2)]);
    // The label comes back: the same alert, a new episode.
    s.scan(0.01).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 2, 0, 3)]);
    s.scan(0.01).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 2, 0, 3)]);

    // A second feature set on the source: its alert opens, and a scan with the same
    // findings as before the declaration keeps both.
    s.declare("fraud").await;
    s.scan(0.01).await;
    assert_eq!(s.alerts().await, [row("churn", "open", 2, 0, 3), row("fraud", "open", 1, 0, 1)]);

    // Dismissed as a false positive: the same findings raise nothing...
    let mut tx = s.store.begin().await.unwrap();
    let (dataset, _) = tx.dataset_id(s.src.id, None).await.unwrap().expect("the source's dataset");
    tx.review(s.src.id, dataset, "notes", "pii.email", Verdict::Dismiss, Some("test fixtures"), "reviewer", s.at, "http://127.0.0.1:8080").await.expect("dismiss");
    tx.commit().await.unwrap();
    let dismissed = s.alerts().await;
    assert!(dismissed.iter().all(|(_, status, ..)| status == "resolved"), "{dismissed:?}");
    s.scan(0.01).await;
    s.scan(0.01).await;
    assert_eq!(s.alerts().await, dismissed, "a dismissed finding with the same evidence stays quiet");
    // ...until it comes back at ten times the rate.
    s.scan(0.1).await;
    let back = s.alerts().await;
    assert_eq!(back.len(), 2);
    assert!(back.iter().all(|(_, status, episode, ..)| status == "open" && *episode >= 2), "{back:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_scans_skip_the_check_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("assay.db").display());
    story(Store::open(&url).await.expect("open sqlite")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_scans_skip_the_check_on_postgres() {
    common::pg::install_crypto();
    let db = common::pg::TestDb::new().await;
    story(Store::open(db.dsn()).await.expect("open postgres")).await;
}
