//! The store on both backends (SQLite file, real Postgres): migrations, the source
//! registry, scans with their columns and findings, "when did this column first hold X",
//! the objects a lake source has seen, and leases for several workers.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use assay::classify::{Engine, RuleSource};
use assay::scan::{scan_locations, ScanOptions};
use assay::sources::store::ObjectEntry;
use assay::store::{AlertPolicy, NewSource, ScanRecord, Store, StoreError};
use chrono::{TimeZone, Utc};

fn new_source(name: &str) -> NewSource {
    NewSource { name: name.into(), location: "examples/data".into(), tables: vec![], interval: Duration::from_secs(3600), sample_rows: 1000, append_key: None, events: None }
}

async fn exercise(store: &Store) {
    store.migrate().await.expect("migrate");
    store.migrate().await.expect("migrating twice is a no-op");
    let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0).unwrap();

    // Registry: add, duplicate, list, remove (history stays), re-add under the same name.
    let src = store.add_source(&new_source("customers"), t0).await.expect("add");
    let mut pg = new_source("warehouse");
    pg.location = "env:WAREHOUSE_DSN".into();
    pg.tables = vec!["sales.*".into()];
    store.add_source(&pg, t0).await.expect("add second");
    assert!(matches!(store.add_source(&new_source("customers"), t0).await, Err(StoreError::Duplicate { kind: "source", name }) if name == "customers"));
    let listed = store.list_sources().await.unwrap();
    assert_eq!(listed.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["customers", "warehouse"]);
    let wh = &listed[1];
    assert_eq!((wh.location.as_str(), wh.tables.clone(), wh.interval), ("env:WAREHOUSE_DSN", vec!["sales.*".to_string()], Duration::from_secs(3600)));
    assert_eq!(wh.next_due_at, t0);

    // A real scan of the example data, recorded twice, a day apart.
    let engine = Arc::new(Engine::load(&RuleSource::Builtin).expect("rules"));
    let (report, _) = scan_locations(engine, &["examples/data".to_string()], &ScanOptions::default()).await;
    assert!(report.errors.is_empty());
    let policy = AlertPolicy::default();
    let record = |worker: &'static str, at: chrono::DateTime<Utc>, report: &'static assay::report::Report, failed: Option<&'static str>| {
        let (store, src, policy) = (store.clone(), src.clone(), policy.clone());
        async move {
            let rec = ScanRecord { source: &src, worker, started: at, finished: at + chrono::Duration::seconds(2), report, failed, read: &[], removed: &[], rules_digest: None, notes: &[], unchanged: 0 };
            store.record_scan(&rec, &policy).await
        }
    };
    let report: &'static assay::report::Report = Box::leak(Box::new(report));
    let first = record("w1", t0, report, None).await.expect("record");
    assert_eq!(first.status.as_str(), "succeeded");
    let (first, status) = (first.scan_id, first.status);
    let _ = status;
    let t1 = t0 + chrono::Duration::days(1);
    let second = record("w1", t1, report, None).await.expect("record again").scan_id;
    assert!(second > first);
    let empty: &'static assay::report::Report = Box::leak(Box::new(assay::report::Report { scanned_at: String::new(), columns: vec![], errors: vec![] }));
    let failed = record("w2", t1, empty, Some("connection refused")).await;
    assert_eq!(failed.expect("record a failure").status.as_str(), "failed");
    let seen = store.first_seen(src.id, "examples/data/customers.csv", "card", "pii.credit_card").await.unwrap();
    assert_eq!(seen, Some(t0));
    assert_eq!(store.first_seen(src.id, "examples/data/customers.csv", "segment", "pii.credit_card").await.unwrap(), None);

    // Removal keeps history; the name can be registered again.
    assert!(store.remove_source("customers", t1).await.unwrap());
    assert!(!store.remove_source("customers", t1).await.unwrap());
    assert_eq!(store.first_seen(src.id, "examples/data/customers.csv", "card", "pii.credit_card").await.unwrap(), Some(t0));
    let again = store.add_source(&new_source("customers"), t1).await.expect("re-add");
    assert_ne!(again.id, src.id);

    // Objects seen: recorded, then replaced by a newer version.
    let obj = |etag: &str, size: u64| ObjectEntry { shown: "s3://lake/a.parquet".into(), key: Default::default(), size, e_tag: Some(etag.into()), last_modified: t0, state: None };
    store.update_objects(again.id, second, &[obj("\"v1\"", 10)], &[]).await.unwrap();
    store.update_objects(again.id, second, &[obj("\"v2\"", 12)], &[]).await.unwrap();
    let objects = store.objects_seen(again.id).await.unwrap();
    assert_eq!(objects.len(), 1);
    assert_eq!((objects[0].e_tag.as_deref(), objects[0].size, objects[0].last_modified), (Some("\"v2\""), 12, t0));

    // Current columns: each object seen, with the results of the scan that last read it;
    // merged per dataset; a forgotten object drops out.
    let seen = |name: &str| ObjectEntry { shown: name.into(), key: Default::default(), size: 1, e_tag: None, last_modified: t0, state: None };
    store.update_objects(again.id, first, &[seen("examples/data/customers.csv")], &["s3://lake/a.parquet".to_string()]).await.unwrap();
    store.update_objects(again.id, second, &[seen("examples/data/events.ndjson")], &[]).await.unwrap();
    let current = store.current_columns(again.id).await.unwrap();
    let mut recorded: Vec<(&str, &str, usize)> = report.columns.iter().map(|c| (c.source.as_str(), c.column.as_str(), c.labels.len())).collect();
    recorded.sort();
    assert_eq!(current.iter().map(|c| (c.source.as_str(), c.column.as_str(), c.labels.len())).collect::<Vec<_>>(), recorded);
    let card = current.iter().find(|c| c.column == "card").unwrap();
    assert_eq!(card.labels, report.columns.iter().find(|c| c.column == "card").unwrap().labels, "labels come back as recorded");
    let merged = store.source_columns(&again).await.unwrap();
    let card = merged.iter().find(|c| c.column == "card").unwrap();
    assert_eq!((card.source.as_str(), card.objects, card.labels[0].label.as_str()), ("examples/data/customers*", Some(1), "pii.credit_card"));
    store.update_objects(again.id, second, &[], &["examples/data/events.ndjson".to_string()]).await.unwrap();
    assert!(store.current_columns(again.id).await.unwrap().iter().all(|c| c.source == "examples/data/customers.csv"));
}

/// Leases: concurrent claimers never get the same source, a live lease is respected, an
/// expired one is taken over, and a worker that lost its lease can neither renew nor
/// finish it.
async fn leases(store: &Store) {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    for i in 0..60 {
        store.add_source(&new_source(&format!("lease-{i:02}")), t0).await.unwrap();
    }
    let lease = Duration::from_secs(30);
    let claimers: Vec<_> = (0..3)
        .map(|w| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let batch = store.claim_due(&format!("w{w}"), t0, lease, 7).await.expect("claim");
                    if batch.is_empty() {
                        break got;
                    }
                    got.extend(batch.into_iter().map(|s| s.name));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claimers {
        all.extend(c.await.unwrap());
    }
    let lease_names: Vec<&String> = all.iter().filter(|n| n.starts_with("lease-")).collect();
    let unique: std::collections::BTreeSet<&String> = lease_names.iter().copied().collect();
    assert_eq!((lease_names.len(), unique.len()), (60, 60), "each source claimed exactly once");

    // Leased sources are not claimable again until the lease expires...
    assert!(store.claim_due("w9", t0 + chrono::Duration::seconds(29), lease, 100).await.unwrap().is_empty());
    let s0 = store.source("lease-00").await.unwrap().unwrap();
    // ...then another worker takes all of them over.
    let later = t0 + chrono::Duration::seconds(31);
    let taken = store.claim_due("w9", later, lease, 100).await.unwrap();
    assert!(taken.iter().filter(|s| s.name.starts_with("lease-")).count() == 60);
    for w in ["w0", "w1", "w2"] {
        assert!(!store.renew_lease(s0.id, w, later, lease).await.unwrap(), "{w} lost its lease");
        assert!(!store.finish_lease(s0.id, w, later, 0).await.unwrap());
    }
    assert!(store.renew_lease(s0.id, "w9", later, lease).await.unwrap());
    let next = later + chrono::Duration::hours(1);
    assert!(store.finish_lease(s0.id, "w9", next, 2).await.unwrap());
    let s0 = store.source("lease-00").await.unwrap().unwrap();
    assert_eq!((s0.next_due_at, s0.consecutive_failures), (next, 2));
    // Released and not yet due: not claimed; due: claimed.
    assert!(store.claim_due("w8", later + chrono::Duration::seconds(60), lease, 100).await.unwrap().iter().all(|s| s.name != "lease-00"));
    let due = store.claim_due("w8", next, lease, 100).await.unwrap();
    assert!(due.iter().any(|s| s.name == "lease-00"));
    // A removed source loses its lease.
    store.remove_source("lease-00", next).await.unwrap();
    assert!(!store.renew_lease(s0.id, "w8", next, lease).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("assay.db").display());
    let store = Store::open(&url).await.expect("open sqlite");
    exercise(&store).await;
    leases(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store() {
    common::pg::install_crypto();
    let db = common::pg::TestDb::new().await;
    let store = Store::open(db.dsn()).await.expect("open postgres");
    exercise(&store).await;
    leases(&store).await;
}

/// The two dialects' migrations describe one schema: the same tables with the same
/// columns, and the same named indexes (the query texts are shared, so a column or an
/// index missing on one side is a bug there only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_sqlite_schemas_stay_in_step() {
    use sqlx::Row;
    use std::collections::BTreeSet;
    common::pg::install_crypto();
    let db = common::pg::TestDb::new().await;
    let pg = Store::open(db.dsn()).await.unwrap();
    pg.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lite = Store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).await.unwrap();
    lite.migrate().await.unwrap();
    let (Store::Postgres(pg), Store::Sqlite(lite)) = (pg, lite) else { unreachable!() };
    let pg_columns: BTreeSet<(String, String)> = sqlx::query("SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'")
        .fetch_all(&pg)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let lite_columns: BTreeSet<(String, String)> = sqlx::query(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&lite)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert!(pg_columns.len() > 50, "{pg_columns:?}");
    assert_eq!(pg_columns.symmetric_difference(&lite_columns).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "columns on one side only");
    // Named indexes (those CREATE INDEX makes; constraint indexes are named by each engine).
    let pg_indexes: BTreeSet<(String, String)> = sqlx::query("SELECT tablename::text, indexname::text FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'")
        .fetch_all(&pg)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let lite_indexes: BTreeSet<(String, String)> = sqlx::query("SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .fetch_all(&lite)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(pg_indexes.len() > 10, "{pg_indexes:?}");
    assert_eq!(pg_indexes.symmetric_difference(&lite_indexes).collect::<Vec<_>>(), Vec::<&(String, String)>::new(), "indexes on one side only");
}

#[test]
fn migrate_command_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("m.db").display());
    for _ in 0..2 {
        let out = common::cli::assay_env(&["migrate"], &[("DATABASE_URL", sqlite.clone())]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(dir.path().join("m.db").exists());
    let out = common::cli::assay_env(&["migrate"], &[("DATABASE_URL", "postgres://nobody:s3cret-pw@127.0.0.1:1/x".into())]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1:1") && !err.contains("s3cret-pw"), "{err}");
}

/// The scheduler over a real store: due sources are scanned and recorded and set due again
/// at their interval; a source that cannot be reached fails, is retried with backoff, and
/// holds up nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_scans_due_sources_and_backs_off_failures() {
    use assay::schedule::{Scheduler, SchedulerConfig};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}", dir.path().join("s.db").display())).await.unwrap();
    store.migrate().await.unwrap();
    let data = dir.path().join("lake");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("people.csv"), "id,email\n1,ada@math-example.org\n2,alan@math-example.org\n").unwrap();
    let now = Utc::now();
    let mut ok = new_source("lake");
    ok.location = data.display().to_string();
    let ok = store.add_source(&ok, now).await.unwrap();
    let mut dead = new_source("dead-db");
    dead.location = "postgres://nobody:pw@127.0.0.1:1/none".into();
    let dead = store.add_source(&dead, now).await.unwrap();

    let engine = Arc::new(Engine::load(&RuleSource::Builtin).unwrap());
    let cfg = SchedulerConfig { worker: "test-worker".into(), ..SchedulerConfig::default() };
    let backoff = cfg.backoff;
    let scheduler = Scheduler::new(store.clone(), engine, cfg);
    assert_eq!(scheduler.run_due().await.unwrap(), 2);
    // Nothing is due any more.
    assert_eq!(scheduler.run_due().await.unwrap(), 0);

    let scans = store.scans(ok.id, 10).await.unwrap();
    assert_eq!((scans.len(), scans[0].status.as_str(), scans[0].worker.as_str()), (1, "succeeded", "test-worker"));
    let email_seen = store.first_seen(ok.id, &data.join("people.csv").display().to_string(), "email", "pii.email").await.unwrap();
    assert_eq!(email_seen, Some(scans[0].started_at));
    let lake = store.source("lake").await.unwrap().unwrap();
    let wait = (lake.next_due_at - scans[0].finished_at.unwrap()).to_std().unwrap();
    assert!(wait >= Duration::from_secs(3600) && wait <= Duration::from_secs(3960), "next due in {wait:?}");

    let failed = store.scans(dead.id, 10).await.unwrap();
    assert_eq!(failed[0].status, "failed");
    let msg = failed[0].error.as_deref().unwrap();
    assert!(msg.contains("127.0.0.1:1") && !msg.contains(":pw@"), "{msg}");
    let d = store.source("dead-db").await.unwrap().unwrap();
    assert_eq!(d.consecutive_failures, 1);
    let wait = (d.next_due_at - failed[0].finished_at.unwrap()).to_std().unwrap();
    assert!(wait <= backoff + Duration::from_secs(1), "retry in {wait:?}");
}

#[test]
fn backoff_doubles_and_is_capped_by_the_interval() {
    use assay::schedule::{next_due, SchedulerConfig};
    let cfg = SchedulerConfig { backoff: Duration::from_secs(30), max_backoff: Duration::from_secs(600), jitter: 0.1, ..SchedulerConfig::default() };
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let secs = |f| (next_due(&cfg, Duration::from_secs(3600), f, now, &mut rand::rng()) - now).num_seconds();
    assert_eq!((secs(1), secs(2), secs(3), secs(6), secs(60)), (30, 60, 120, 600, 600));
    assert_eq!((next_due(&cfg, Duration::from_secs(45), 3, now, &mut rand::rng()) - now).num_seconds(), 45);
    for _ in 0..100 {
        let s = secs(0);
        assert!((3600..=3960).contains(&s), "{s}");
    }
}

/// Two workers on one Postgres store: every due source is scanned exactly once, and both
/// stop cleanly on shutdown, leaving no lease behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_sources_and_shut_down_cleanly() {
    use assay::schedule::{Scheduler, SchedulerConfig};
    common::pg::install_crypto();
    let db = common::pg::TestDb::new().await;
    let store = Store::open(db.dsn()).await.unwrap();
    store.migrate().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let now = Utc::now();
    for i in 0..24 {
        let d = dir.path().join(format!("src{i}"));
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("t.csv"), format!("id,email\n{i},user{i}@corp-example.com\n")).unwrap();
        let mut s = new_source(&format!("src{i:02}"));
        s.location = d.display().to_string();
        store.add_source(&s, now).await.unwrap();
    }
    let engine = Arc::new(Engine::load(&RuleSource::Builtin).unwrap());
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = ["wa", "wb"]
        .into_iter()
        .map(|w| {
            let cfg = SchedulerConfig { worker: w.into(), concurrency: 3, ..SchedulerConfig::default() };
            let s = Arc::new(Scheduler::new(store.clone(), engine.clone(), cfg));
            tokio::spawn(s.run(Duration::from_millis(50), stopped.clone()))
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let sources = store.list_sources().await.unwrap();
        if sources.iter().all(|s| s.next_due_at > now + chrono::Duration::minutes(30)) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "sources not all scanned in time");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    for w in workers {
        tokio::time::timeout(Duration::from_secs(30), w).await.expect("worker stops").unwrap();
    }
    let mut by_worker = std::collections::HashMap::new();
    for s in store.list_sources().await.unwrap() {
        let scans = store.scans(s.id, 10).await.unwrap();
        assert_eq!(scans.len(), 1, "{} scanned {} times", s.name, scans.len());
        assert_eq!(scans[0].status, "succeeded");
        *by_worker.entry(scans[0].worker.clone()).or_insert(0) += 1;
    }
    assert_eq!(by_worker.values().sum::<i32>(), 24);
    let mut conn = db.conn().await;
    let leased: i64 = sqlx::query_scalar("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL OR lease_expires_ms IS NOT NULL").fetch_one(&mut conn).await.unwrap();
    assert_eq!(leased, 0, "no lease left behind");
}
