//! What feature sets cost, on a store this program fills: 100 sources × 100 columns
//! (10,000 columns) and 1,000 feature sets over them, some contaminated.
//!
//! 1. The contamination check per scan: recording a 100-column scan of a source that is a
//!    member of many feature sets against a source that is in none, alternated; the
//!    difference is the check. Twice: the same findings every scan (steady state: the
//!    check's inputs are unchanged, so their digest lets it skip), and new evidence every
//!    scan (other masked samples and counts: the check runs whole).
//! 2. The gate under load from a second process: `assay serve` (the binary beside this
//!    example) answers `GET /api/v1/feature-sets/{name}/gate` over keep-alive connections
//!    at a fixed rate (open loop: latency counted from when each request was due, paced by
//!    an OS thread's sleep rather than tokio's millisecond timer wheel, whose rounding alone
//!    added up to a millisecond to every request), then as fast as 8 connections go;
//!    `/healthz` at the same rate is the baseline.
//!
//! `cargo build --release && cargo run --release --example gate_bench [-- RATE SECONDS]`
//! on SQLite in a temp directory, or `DATABASE_URL=postgres://…` (a database it may fill).

use std::sync::Arc;
use std::time::{Duration, Instant};

use assay::report::{ColumnReport, Report};
use assay::sources::store::ObjectEntry;
use assay::classify::LabelVerdict;
use assay::store::{generate_token, AlertPolicy, FeatureSetSpec, MemberSpec, NewSource, Role, ScanRecord, SourceRow, Store};
use chrono::Utc;

const SOURCES: usize = 100;
const COLUMNS: usize = 100;
const SETS: usize = 1000;

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

/// A 100-column scan of `src`: every 20th column holds e-mail addresses; `fresh` gives
/// them new evidence (counts, masked samples, fingerprints) as a changed table would.
fn report(src: &str, fresh: bool) -> Report {
    let salt: u32 = if fresh { rand::random() } else { 0 };
    let columns = (0..COLUMNS)
        .map(|c| ColumnReport {
            source: format!("bench/{src}/part-00000.parquet"),
            column: format!("col_{c:03}"),
            rows_sampled: 1000,
            non_null: 1000,
            rows_swept: None,
            not_scanned: None,
            objects: None,
            binary: false,
            labels: if c % 20 == 7 {
                vec![LabelVerdict {
                    label: "pii.email".into(),
                    confidence: 0.97,
                    matches: 10 + (salt % 5) as usize,
                    match_rate: 0.01,
                    evidence: vec![format!("j***@e{}****.com", salt % 10)],
                    schemes: vec![],
                    fingerprints: vec![format!("{c:08x}{salt:08x}")],
                    sample_part: None,
                }]
            } else {
                Vec::new()
            },
        })
        .collect();
    Report { scanned_at: String::new(), columns, errors: Vec::new() }
}

async fn record(store: &Store, src: &SourceRow, policy: &AlertPolicy, fresh: bool) -> Duration {
    let report = report(&src.name, fresh);
    let read = [ObjectEntry { shown: format!("bench/{}/part-00000.parquet", src.name), key: Default::default(), size: 1, e_tag: Some(format!("\"{}\"", rand::random::<u32>())), last_modified: Utc::now(), state: None }];
    let rec = ScanRecord { source: src, worker: "bench", started: Utc::now(), finished: Utc::now(), report: &report, failed: None, read: &read, removed: &[], rules_digest: None, notes: &[], unchanged: 0 };
    let t = Instant::now();
    store.record_scan(&rec, policy).await.expect("record");
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let rate: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seconds: u64 = std::env::args().nth(2).and_then(|a| a.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let store = Store::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    let policy = AlertPolicy::default();

    // The store: sources, one scan each (datasets and columns), then the feature sets.
    let t = Instant::now();
    let mut sources = Vec::new();
    for i in 0..SOURCES {
        let new = NewSource { name: format!("src{i:03}"), location: "bench".into(), tables: vec![], interval: Duration::from_secs(3600), sample_rows: 1000, append_key: None, events: None };
        let src = store.add_source(&new, Utc::now()).await.unwrap();
        record(&store, &src, &policy, false).await;
        sources.push(src);
    }
    for f in 0..SETS {
        // Source 0 is in every feature set (the check's worst case); two others each.
        let member = |s: usize, cols: Vec<usize>| MemberSpec { source: format!("src{s:03}"), columns: Some(cols.into_iter().map(|c| format!("col_{c:03}")).collect()), allow: vec![] };
        let spec = FeatureSetSpec {
            name: format!("fs{f:04}"),
            description: String::new(),
            owner: "bench".into(),
            webhooks: vec![],
            members: vec![member(0, vec![f % COLUMNS, 7, 27]), member(1 + f % 98, vec![f % COLUMNS, (f + 1) % COLUMNS]), member(1 + (f * 7) % 98, vec![(f * 3) % COLUMNS])],
        };
        let mut tx = store.begin().await.unwrap();
        tx.put_feature_set(&spec, Utc::now(), &policy).await.unwrap();
        tx.commit().await.unwrap();
    }
    let first = record(&store, &sources[0], &policy, false).await;
    println!("store: {SOURCES} sources × {COLUMNS} columns, {SETS} feature sets, filled in {:.1} s", t.elapsed().as_secs_f64());
    // Declaring the feature sets already opened their alerts (each declaration re-checks
    // its sources); this scan finds them open.
    println!("first scan after the declarations, of the source in every feature set: {:.1} ms", first.as_secs_f64() * 1e3);

    // 1. The check: a source in many feature sets vs one in none, alternated. Source 1 is
    // a member of ~80 of the 1,000 (a busy source); source 0 of all of them.
    let in_sets = |i: usize| (0..SETS).filter(|f| i == 0 || 1 + f % 98 == i || 1 + (f * 7) % 98 == i).count();
    record(&store, &sources[1], &policy, false).await;
    for (fresh, what) in [(false, "same findings"), (true, "new evidence")] {
        for (i, label) in [(1, "a source in"), (0, "the source in")] {
            let (mut with, mut without) = (Vec::new(), Vec::new());
            for _ in 0..30 {
                with.push(record(&store, &sources[i], &policy, fresh).await);
                without.push(record(&store, &sources[99], &policy, fresh).await);
            }
            let (w50, o50) = (pct(&mut with, 0.5), pct(&mut without, 0.5));
            println!(
                "{what}: record a 100-column scan: in no feature set p50 {o50:.2} ms p99 {:.2} ms; {label} {} of the {SETS} feature sets p50 {w50:.2} ms p99 {:.2} ms; the check costs {:.2} ms ({:.1}% of the scan's own store time)",
                pct(&mut without, 0.99),
                in_sets(i),
                pct(&mut with, 0.99),
                w50 - o50,
                (w50 - o50) / o50 * 100.0
            );
        }
    }

    // 2. The gate, served by the binary, under load from this process.
    let token = generate_token();
    let mut tx = store.begin().await.unwrap();
    tx.create_token("bench-pipeline", Role::Pipeline, &token, None, None, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let bin = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("assay");
    let mut server = std::process::Command::new(&bin)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--rate-limit", "0", "--poll", "1h"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e} (cargo build --release first)", bin.display()));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gate_path = {
        let base = base.clone();
        move |i: usize| format!("{base}/api/v1/feature-sets/fs{:04}/gate", (i * 7919) % SETS)
    };
    let answer = http.get(gate_path(1)).bearer_auth(&token).send().await.unwrap().text().await.unwrap();
    assert!(answer.contains("\"status\""), "{answer}");
    let open_loop = |path: Arc<dyn Fn(usize) -> String + Send + Sync>| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let n = (rate * seconds) as usize;
            let start = Instant::now() + Duration::from_millis(100);
            // The pacer: an OS thread sleeping to each due time (the kernel's high-resolution
            // timer, tens of microseconds late at most) hands requests to the runtime.
            let (pace, mut due_rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
            std::thread::spawn(move || {
                for i in 0..n {
                    let due = start + Duration::from_nanos(i as u64 * 1_000_000_000 / rate);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    if pace.send((i, due)).is_err() {
                        break;
                    }
                }
            });
            let mut tasks = Vec::with_capacity(n);
            while let Some((i, due)) = due_rx.recv().await {
                let (http, token, path) = (http.clone(), token.clone(), path.clone());
                tasks.push(tokio::spawn(async move {
                    let r = http.get(path(i)).bearer_auth(&token).send().await.unwrap();
                    assert!(r.status().is_success(), "{}", r.status());
                    r.bytes().await.unwrap();
                    due.elapsed()
                }));
            }
            let mut lat = Vec::with_capacity(n);
            for t in tasks {
                lat.push(t.await.unwrap());
            }
            let took = start.elapsed().as_secs_f64();
            (lat, n as f64 / took)
        }
    };
    let health = Arc::new({
        let base = base.clone();
        move |_| format!("{base}/healthz")
    });
    let (mut h, _) = open_loop(health).await;
    let (mut g, achieved) = open_loop(Arc::new(gate_path.clone())).await;
    println!(
        "at {rate} req/s for {seconds} s (open loop, from the time each request was due): /healthz p50 {:.2} ms p99 {:.2} ms; gate p50 {:.2} ms p99 {:.2} ms ({achieved:.0} req/s achieved)",
        pct(&mut h, 0.5),
        pct(&mut h, 0.99),
        pct(&mut g, 0.5),
        pct(&mut g, 0.99)
    );
    // Closed loop: as fast as 8 connections go.
    let t = Instant::now();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..8 {
        let (http, token, done) = (http.clone(), token.clone(), done.clone());
        let base = base.clone();
        workers.push(tokio::spawn(async move {
            let mut i = w;
            while t.elapsed() < Duration::from_secs(seconds) {
                let r = http.get(format!("{base}/api/v1/feature-sets/fs{:04}/gate", (i * 7919) % SETS)).bearer_auth(&token).send().await.unwrap();
                r.bytes().await.unwrap();
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i += 8;
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    println!("closed loop, 8 connections: {:.0} gate answers/s", done.load(std::sync::atomic::Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64());
    let _ = server.kill();
    let _ = server.wait();
}
