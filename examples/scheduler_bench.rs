//! Scheduler overhead with many registered sources (bench/scheduler.sh runs it).
//!
//! Usage: `cargo run --release --example scheduler_bench -- <store URL> [sources]`
//! on an empty store (a fresh Postgres database or a new SQLite file). It registers
//! `sources` (default 10,000) sources that all point at one tiny CSV file, so that a scan
//! costs next to nothing and what is left is the scheduler's own work, and prints:
//!
//! - the same-run baselines: a `SELECT 1` round trip on the store's pool, and a scan of
//!   the tiny file alone (no store);
//! - one scheduler cycle (`claim_due` for 4 slots, what `Scheduler::run` does per poll)
//!   with nothing due, and with 1, 100 and all sources due;
//! - per scan through `Scheduler::run_due` with one slot: store statements by operation
//!   (from `assay_store_queries_total`, counted in the store itself), time, and the time
//!   of each store call in the scheduler's order (claim, renew, record, finish);
//! - one worker (`Scheduler::run`, 4 slots) draining all sources due at once: scans per
//!   second and statements per scan, against scans of the file alone at the same
//!   concurrency.
//!
//! Why an example and not criterion: every measurement changes the store (a claim takes a
//! lease, a drain moves every source's schedule), needs a reset between rounds that must
//! not be timed, and reads the process's query counter; criterion's repeat-one-closure
//! model fits none of that.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use assay::classify::{Engine, RuleSource};
use assay::schedule::{Scheduler, SchedulerConfig};
use assay::scan::{scan_locations, ScanOptions};
use assay::sources::location::redact;
use assay::store::{NewSource, Store};
use chrono::Utc;
use futures::StreamExt;

const LEASE: Duration = Duration::from_secs(60);
/// `SchedulerConfig::default().concurrency`: the slots one cycle claims for.
const SLOTS: usize = 4;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(url) = args.first() else {
        anyhow::bail!("usage: scheduler_bench <store URL> [sources]");
    };
    let n: i64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(10_000);
    let store = Store::open(url).await?;
    store.migrate().await?;
    anyhow::ensure!(store.list_sources().await?.is_empty(), "{}: the store must be empty", redact(url));
    let backend = match &store {
        Store::Postgres(_) => "postgres",
        Store::Sqlite(_) => "sqlite",
    };
    println!("== {backend} ({}), {n} sources", redact(url));

    let dir = tempfile::tempdir()?;
    let tiny = dir.path().join("tiny.csv");
    std::fs::write(&tiny, "id,email,note\n1,ada@math-example.org,hello\n2,alan@math-example.org,world\n")?;
    let location = tiny.display().to_string();
    let engine = Arc::new(Engine::load(&RuleSource::Builtin)?);

    let started = Instant::now();
    let t0 = Utc::now();
    for i in 0..n {
        let s = NewSource { name: format!("src-{i:05}"), location: location.clone(), tables: vec![], interval: Duration::from_secs(3600), sample_rows: 1000, append_key: None, events: None };
        store.add_source(&s, t0).await?;
    }
    let took = started.elapsed();
    println!("registered {n} sources in {:.1} s ({:.2} ms each)", took.as_secs_f64(), ms(took) / n as f64);
    exec(&store, "ANALYZE").await?;

    // Baselines, same run.
    let select1 = median(&timed(300, || async { exec(&store, "SELECT 1").await }).await?);
    let opts = ScanOptions::default();
    let (report, _) = scan_locations(engine.clone(), std::slice::from_ref(&location), &opts).await;
    anyhow::ensure!(report.errors.is_empty() && !report.columns.is_empty(), "the tiny file does not scan: {:?}", report.errors);
    let findings: usize = report.columns.iter().map(|c| c.labels.len()).sum();
    let alone_times = timed(300, || async {
        scan_locations(engine.clone(), std::slice::from_ref(&location), &opts).await;
        Ok(())
    })
    .await?;
    let scan_alone = median(&alone_times);
    println!(
        "baseline: SELECT 1 round trip {:.3} ms; scan of the tiny file alone {:.3} ms (mean {:.3}; {} columns, {findings} findings)",
        ms(select1),
        ms(scan_alone),
        ms(mean(&alone_times)),
        report.columns.len()
    );

    // (a) One cycle: claim_due for SLOTS over n rows, none or some due. Schedules are
    // spread over the next hour as after a first round of scans; "due" ones over the last
    // minute. Each claim is released (untimed) before the next.
    println!("scheduler cycle (claim_due, {SLOTS} slots), median of 100 [p90]:");
    let cases: [(&str, i64, bool); 5] =
        [("nothing due", 0, false), ("1 due", 1, false), ("100 due", 100, false), ("all due", n, false), ("all due at the same ms (registered together)", n, true)];
    for (what, due, same_ms) in cases {
        schedule(&store, due, same_ms).await?;
        let mut times = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            let got = store.claim_due("bench", Utc::now(), LEASE, SLOTS as i64).await?;
            times.push(t.elapsed());
            anyhow::ensure!(got.len() == (due as usize).min(SLOTS), "{what}: claimed {}", got.len());
            exec(&store, "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL, previous_owner = NULL WHERE lease_owner IS NOT NULL").await?;
        }
        times.sort();
        let m = median(&times);
        println!("  {what:46} {:7.3} ms [{:.3}]  = {:5.1}x SELECT 1", ms(m), ms(times[times.len() * 9 / 10]), ratio(m, select1));
    }

    // (b) Per scan through the scheduler, one slot: each run_due is claim, scan, renew,
    // record, finish.
    let k = 500.min(n);
    schedule(&store, k, false).await?;
    let before = counts(&metrics);
    let sched = Scheduler::new(store.clone(), engine.clone(), SchedulerConfig { worker: "bench".into(), concurrency: 1, lease: LEASE, ..SchedulerConfig::default() });
    let mut runs = Vec::new();
    loop {
        let t = Instant::now();
        if sched.run_due().await? == 0 {
            break;
        }
        runs.push(t.elapsed());
    }
    anyhow::ensure!(runs.len() == k as usize, "scanned {} of {k}", runs.len());
    let scanned = runs.len() as f64;
    let queries = diff(&counts(&metrics), &before);
    let total: f64 = queries.values().sum();
    let per_scan = median(&runs);
    println!(
        "per scan, Scheduler::run_due with 1 slot ({k} scans): median {:.3} ms (mean {:.3}), of which the scan alone {:.3}: scheduler overhead {:.3} ms = {:.1}x SELECT 1",
        ms(per_scan),
        ms(mean(&runs)),
        ms(scan_alone),
        ms(per_scan.saturating_sub(scan_alone)),
        ratio(per_scan.saturating_sub(scan_alone), select1)
    );
    println!("  store statements per scan: {:.2} ({})", total / scanned, per_op(&queries, scanned));

    // The same calls timed one by one, in scan_one's order (src/schedule.rs).
    schedule(&store, k, false).await?;
    let mut by_call: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for _ in 0..k {
        let t = Instant::now();
        let src = store.claim_due("bench", Utc::now(), LEASE, 1).await?.pop().expect("a due source");
        by_call.entry("1 claim_due (1 slot)").or_default().push(t.elapsed());
        let started = Utc::now();
        let (report, _) = scan_locations(engine.clone(), std::slice::from_ref(&src.location), &opts).await;
        let t = Instant::now();
        anyhow::ensure!(store.renew_lease(src.id, "bench", Utc::now(), LEASE).await?);
        by_call.entry("2 renew_lease").or_default().push(t.elapsed());
        let t = Instant::now();
        let rec = assay::store::ScanRecord { source: &src, worker: "bench", started, finished: Utc::now(), report: &report, failed: None, read: &[], removed: &[], rules_digest: None, notes: &[], unchanged: 0 };
        store.record_scan(&rec, &assay::store::AlertPolicy::default()).await?;
        by_call.entry("3 record_scan").or_default().push(t.elapsed());
        let t = Instant::now();
        anyhow::ensure!(store.finish_lease(src.id, "bench", Utc::now() + chrono::Duration::hours(1), 0).await?);
        by_call.entry("4 finish_lease").or_default().push(t.elapsed());
    }
    let parts: Vec<String> = by_call.iter().map(|(name, t)| format!("{} {:.3} ({:.3})", &name[2..], ms(median(t)), ms(mean(t)))).collect();
    println!("  store calls, median (mean) ms of {k} each: {}", parts.join(", "));

    // (c) One worker draining every source, all due at once.
    schedule(&store, n, false).await?;
    let before = counts(&metrics);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let cfg = SchedulerConfig { worker: "bench".into(), concurrency: SLOTS, lease: LEASE, ..SchedulerConfig::default() };
    let sched = Arc::new(Scheduler::new(store.clone(), engine.clone(), cfg));
    let t = Instant::now();
    let worker = tokio::spawn(sched.run(Duration::from_secs(1), stopped));
    let horizon = Utc::now() + chrono::Duration::minutes(5);
    while store.count_due_before(horizon).await? > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let drain = t.elapsed();
    stop.send(true)?;
    worker.await?;
    let queries = diff(&counts(&metrics), &before);
    let total: f64 = queries.values().sum::<f64>() - queries.get("count_due_before").copied().unwrap_or(0.0);
    let rate = n as f64 / drain.as_secs_f64();
    // The same number of scans of the file alone, SLOTS at a time, as the baseline rate.
    let m = 2000.min(n) as usize;
    let t = Instant::now();
    futures::stream::iter(0..m)
        .map(|_| scan_locations(engine.clone(), std::slice::from_ref(&location), &opts))
        .buffer_unordered(SLOTS)
        .collect::<Vec<_>>()
        .await;
    let alone = m as f64 / t.elapsed().as_secs_f64();
    println!(
        "drain, Scheduler::run with {SLOTS} slots: {n} scans in {:.1} s = {rate:.0} scans/s; the file alone {SLOTS} at a time {alone:.0} scans/s; ratio {:.2}",
        drain.as_secs_f64(),
        rate / alone
    );
    println!("  store statements per scan: {:.2} ({})", total / n as f64, per_op(&queries, n as f64));
    Ok(())
}

/// Sets the schedule: `due` sources due over the last minute (all at the same instant
/// when `same_ms`), the rest spread over the next hour; no leases.
async fn schedule(store: &Store, due: i64, same_ms: bool) -> anyhow::Result<()> {
    let now = Utc::now().timestamp_millis();
    let past = if same_ms { format!("{}", now - 60_000) } else { format!("{now} - 60000 + (id * 7919) % 60000") };
    exec(
        store,
        &format!(
            "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL, previous_owner = NULL, \
             next_due_ms = CASE WHEN id <= (SELECT MIN(id) FROM sources) + {due} - 1 THEN {past} ELSE {now} + 60000 + (id * 7919) % 3600000 END"
        ),
    )
    .await?;
    // Start each measurement from a vacuumed table, as autovacuum keeps one: the update
    // above leaves an index entry per row behind, many of them "due", that a claim would
    // otherwise walk over (see BENCHMARKS.md on dead index entries).
    match store {
        Store::Postgres(_) => exec(store, "VACUUM ANALYZE sources").await,
        Store::Sqlite(_) => exec(store, "ANALYZE sources").await,
    }
}

async fn exec(store: &Store, sql: &str) -> anyhow::Result<()> {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match store {
        Store::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
        Store::Sqlite(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ())?,
    }
    Ok(())
}

async fn timed<F, Fut>(runs: usize, mut f: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f().await?;
        out.push(t.elapsed());
    }
    Ok(out)
}

fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    t[t.len() / 2]
}

fn mean(times: &[Duration]) -> Duration {
    times.iter().sum::<Duration>() / times.len() as u32
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// `assay_store_queries_total` by operation, from the process's Prometheus recorder.
fn counts(metrics: &metrics_exporter_prometheus::PrometheusHandle) -> BTreeMap<String, f64> {
    metrics
        .render()
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("assay_store_queries_total{op=\"")?;
            let (op, value) = rest.split_once("\"} ")?;
            Some((op.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

fn diff(after: &BTreeMap<String, f64>, before: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    after.iter().map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0))).filter(|(_, v)| *v > 0.0).collect()
}

fn per_op(queries: &BTreeMap<String, f64>, scans: f64) -> String {
    queries.iter().filter(|(k, _)| *k != "count_due_before").map(|(k, v)| format!("{k} {:.2}", v / scans)).collect::<Vec<_>>().join(", ")
}
