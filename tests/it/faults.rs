//! Faults `assay serve` must live through without panicking, with the real binary and real
//! Postgres: the store's Postgres restarted under running scans, a source removed while it
//! is being scanned, and a wall clock that jumps a day forwards and backwards (libfaketime)
//! on a SQLite worker and on a Postgres worker next to a steady one.

use crate::common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assay::store::Store;
use chrono::Utc;
use common::cluster::Cluster;
use common::pg::TestDb;
use common::service::Service;
use serde_json::Value;

/// Polls `check` every 100 ms until it returns `Some`, for at most `secs` seconds.
fn until<T>(secs: u64, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One row of `scans`, with its source's name.
#[derive(Debug, Clone, PartialEq)]
struct ScanRow {
    id: i64,
    source: String,
    status: String,
    started_ms: i64,
    finished_ms: i64,
    worker: String,
}

/// One row of `sources`.
#[derive(Debug, Clone, PartialEq)]
struct SourceState {
    name: String,
    lease_owner: Option<String>,
    lease_expires_ms: Option<i64>,
    next_due_ms: i64,
    failures: i64,
    removed: bool,
}

/// Reads the service's store directly, as an operator would with psql or sqlite3.
struct Peek {
    rt: tokio::runtime::Runtime,
    store: Store,
}

impl Peek {
    fn open(url: &str) -> Peek {
        common::pg::install_crypto();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let store = rt.block_on(Store::open(url)).expect("open the service's store");
        Peek { rt, store }
    }

    fn scans(&self) -> Vec<ScanRow> {
        const SQL: &str = "SELECT s.id, src.name, s.status, s.started_ms, s.finished_ms, s.worker FROM scans s JOIN sources src ON src.id = s.source_id ORDER BY s.id";
        type Row = (i64, String, String, i64, Option<i64>, String);
        let rows: Vec<Row> = self.rt.block_on(async {
            match &self.store {
                Store::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await,
                Store::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await,
            }
        })
        .expect("read scans");
        rows.into_iter()
            .map(|(id, source, status, started_ms, finished_ms, worker)| {
                let finished_ms = finished_ms.unwrap_or_else(|| panic!("scan {id} of {source} has no end"));
                ScanRow { id, source, status, started_ms, finished_ms, worker }
            })
            .collect()
    }

    fn sources(&self) -> BTreeMap<String, SourceState> {
        const SQL: &str = "SELECT name, lease_owner, lease_expires_ms, next_due_ms, consecutive_failures, removed_ms FROM sources";
        type Row = (String, Option<String>, Option<i64>, i64, i64, Option<i64>);
        let rows: Vec<Row> = self.rt.block_on(async {
            match &self.store {
                Store::Postgres(p) => sqlx::query_as(SQL).fetch_all(p).await,
                Store::Sqlite(p) => sqlx::query_as(SQL).fetch_all(p).await,
            }
        })
        .expect("read sources");
        rows.into_iter()
            .map(|(name, lease_owner, lease_expires_ms, next_due_ms, failures, removed_ms)| {
                (name.clone(), SourceState { name, lease_owner, lease_expires_ms, next_due_ms, failures, removed: removed_ms.is_some() })
            })
            .collect()
    }

    /// Names of the sources whose lease `worker` holds (any worker when `None`).
    fn leased(&self, worker: Option<&str>) -> Vec<String> {
        self.sources().into_values().filter(|s| s.lease_owner.is_some() && worker.is_none_or(|w| s.lease_owner.as_deref() == Some(w))).map(|s| s.name).collect()
    }
}

/// A fresh database on the machine's Postgres holding views that take `secs` seconds to
/// read (`slow0`, `slow1`, …), so scans of them are under way long enough to interfere with.
fn slow_views(rt: &tokio::runtime::Runtime, names: &[&str], secs: f64) -> TestDb {
    let db = rt.block_on(TestDb::new());
    let sql: String = names
        .iter()
        .map(|n| format!("CREATE VIEW \"{n}\" AS SELECT pg_sleep({secs})::text AS nap, 'ada@math-example.org'::text AS contact;\n"))
        .collect();
    rt.block_on(db.exec(&sql));
    db
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The store's Postgres goes down while every source is being scanned, stays down until the
/// service has given up recording those scans, and comes back: the service survives, is not
/// ready meanwhile and ready after, and each interrupted scan is retried and recorded once.
#[test]
fn a_postgres_restart_loses_no_scan() {
    let rt = runtime();
    let cluster = Cluster::start();
    let names = ["slow0", "slow1", "slow2", "slow3"];
    // Sources on the machine's server, so the scans outlive the store's outage.
    let data = slow_views(&rt, &names, 5.0);
    let metrics_port = common::http::free_port().to_string();
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let mut svc = Service::start(&cluster.url(), "restart-worker", &["--lease", "6s", "--concurrency", "4", "--metrics-listen", &metrics_addr], &[]);
    for n in names {
        svc.add(n, data.dsn(), &["--table", &format!("public.{n}"), "--interval", "1h", "--sample-rows", "10"]);
    }
    let peek = Peek::open(&cluster.url());
    until(30, "all four scans to be under way", || (peek.leased(None).len() == 4).then_some(()));
    assert_eq!(peek.scans(), vec![], "a scan finished before the outage; the views are too quick");

    cluster.stop();
    let (code, took) = until(15, "/readyz to report the outage", || Some(svc.probe("/readyz")).filter(|(c, _)| *c == 503));
    assert!(took < Duration::from_secs(5), "/readyz took {took:?} ({code})");
    assert_eq!(svc.probe("/healthz").0, 200, "the process is alive while its store is down");
    // Metrics are wanted most during an outage: the scrape still answers, promptly.
    let asked = Instant::now();
    let (code, text) = common::http::exchange(&format!("http://{metrics_addr}"), "GET", "/metrics", &[], b"");
    assert_eq!(code, 200, "/metrics during the outage: {text}");
    assert!(text.contains("assay_store_queries_total") && asked.elapsed() < Duration::from_secs(5), "{:?}", asked.elapsed());
    // Down until every scan has ended on a store error (the pool gives up connecting after
    // 10 s; a shorter outage is absorbed by its reconnecting), so that what is tested is
    // the retry of interrupted scans.
    until(60, "the store errors to end the four scans", || {
        let ended = svc.logged("a store error ended the scan; the source is retried when its lease expires");
        names.iter().all(|n| ended.iter().any(|l| l["fields"]["source"] == *n)).then_some(())
    });
    svc.assert_alive();
    assert_eq!(svc.probe("/readyz").0, 503);

    let restarted_ms = now_ms();
    cluster.restart();
    until(30, "/readyz to report ready again", || (svc.probe("/readyz").0 == 200).then_some(()));
    until(60, "every source to be scanned again and released", || {
        let scanned = peek.scans().len() >= names.len();
        (scanned && peek.leased(None).is_empty()).then_some(())
    });
    svc.assert_alive();

    let scans = peek.scans();
    let sources: Vec<&str> = scans.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(sources.len(), names.len(), "each source recorded once (interval 1h): {scans:?}");
    for n in names {
        assert!(sources.contains(&n), "{n} has no scan: {scans:?}");
    }
    for s in &scans {
        assert!(s.started_ms >= restarted_ms - 1000, "{} was recorded from before the outage: {s:?}", s.source);
        assert!(["succeeded", "partial"].contains(&s.status.as_str()), "{s:?}");
        assert!(s.finished_ms >= s.started_ms && s.worker == "restart-worker", "{s:?}");
    }
    let hour_ahead = now_ms() + 50 * 60 * 1000;
    for s in peek.sources().into_values() {
        assert_eq!((s.lease_owner.as_deref(), s.lease_expires_ms, s.failures), (None, None, 0), "{s:?}");
        assert!(s.next_due_ms > hour_ahead, "{} is due again within the hour: {s:?}", s.name);
    }
    svc.stop();
}

/// A source removed through the API while a scheduled scan of it, and then a scan-now of
/// another, are under way: both scans are abandoned, neither source comes back or is claimed
/// again, and the CLI names the source in a 404.
#[test]
fn a_source_removed_while_being_scanned_stays_removed() {
    let rt = runtime();
    let db = slow_views(&rt, &["doomed_view", "doomed_now_view"], 4.0);
    let mut svc = Service::start(db.dsn(), "removal-worker", &["--lease", "3s", "--concurrency", "4"], &[]);
    svc.add("keeper", "examples/data", &["--interval", "2s"]);
    svc.add("doomed", db.dsn(), &["--table", "public.doomed_view", "--interval", "1h", "--sample-rows", "10"]);
    svc.add("doomed-now", db.dsn(), &["--table", "public.doomed_now_view", "--interval", "1h", "--sample-rows", "10"]);
    let peek = Peek::open(db.dsn());

    // A scheduled scan in flight.
    until(30, "the scan of doomed to be under way", || peek.leased(None).contains(&"doomed".to_string()).then_some(()));
    let out = svc.cli(&["sources", "remove", "doomed"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let removed_ms = now_ms();

    // A scan-now in flight: after doomed-now's first scheduled scan, ask for another and
    // remove the source while it runs.
    until(30, "doomed-now's first scan to be recorded", || {
        let done = peek.scans().iter().any(|s| s.source == "doomed-now") && !peek.leased(None).contains(&"doomed-now".to_string());
        done.then_some(())
    });
    let mut scan_now = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["sources", "scan", "doomed-now", "--format", "json"])
        .env("ASSAY_URL", &svc.url)
        .env("ASSAY_TOKEN", &svc.token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until(30, "the scan-now of doomed-now to be under way", || peek.leased(None).contains(&"doomed-now".to_string()).then_some(()));
    let out = svc.cli(&["sources", "remove", "doomed-now"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let removed_now_ms = now_ms();
    // The scan gives up at its next lease renewal (every second) rather than running to the end.
    let answered = until(10, "the scan-now request to end", || scan_now.try_wait().unwrap());
    let out = scan_now.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(answered.code(), Some(2), "{err}");
    assert!(err.contains("404") && err.contains("`doomed-now` was removed while it was being scanned"), "{err}");

    // The scheduler goes on with the source that is left, and never claims the removed ones.
    let keeper_before = peek.scans().iter().filter(|s| s.source == "keeper").count();
    until(30, "two more scans of keeper", || {
        let leased = peek.leased(None);
        assert!(!leased.iter().any(|n| n.starts_with("doomed")), "a removed source was claimed: {leased:?}");
        (peek.scans().iter().filter(|s| s.source == "keeper").count() >= keeper_before + 2).then_some(())
    });
    let scans = peek.scans();
    assert!(!scans.iter().any(|s| s.source == "doomed"), "the abandoned scan was recorded: {scans:?}");
    let later: Vec<&ScanRow> = scans.iter().filter(|s| s.source == "doomed-now" && s.started_ms > removed_ms).collect();
    assert!(later.iter().all(|s| s.finished_ms <= removed_now_ms), "doomed-now scanned after its removal: {later:?}");
    let states = peek.sources();
    for n in ["doomed", "doomed-now"] {
        let s = &states[n];
        assert!(s.removed && s.lease_owner.is_none(), "{s:?}");
    }
    let abandoned: Vec<String> = svc.logged("lease lost; scan abandoned").iter().map(|l| l["fields"]["source"].as_str().unwrap_or_default().to_string()).collect();
    assert!(abandoned.contains(&"doomed".into()) && abandoned.contains(&"doomed-now".into()), "{abandoned:?}");

    let out = svc.cli(&["sources", "list", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<&str> = list.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["keeper"]);
    let out = svc.cli(&["sources", "scan", "doomed"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("404") && err.contains("no source named `doomed`"), "{err}");
    let out = svc.cli(&["sources", "remove", "doomed"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    // An interval whose due times would overflow is refused, not a panic later.
    let out = svc.cli(&["sources", "add", "forever", "examples/data", "--interval", "999999999999999999d"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code() == Some(2) && err.contains("400") && err.contains("longer than 3650d"), "{err}");
    svc.assert_alive();
    svc.stop();
}

/// The libfaketime library, installed by `.ci/run` (Debian package `faketime`).
fn libfaketime() -> PathBuf {
    let found = std::fs::read_dir("/usr/lib")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("faketime/libfaketime.so.1"))
        .chain([PathBuf::from("/usr/lib/faketime/libfaketime.so.1")])
        .find(|p| p.exists());
    found.expect("libfaketime.so.1 not found: install the `faketime` package (.ci/run does)")
}

/// A wall clock the test sets for a process started with `env()`: an offset from real
/// time, re-read by libfaketime at every clock call; the monotonic clock stays real, as
/// when NTP steps the clock.
struct FakeClock {
    file: tempfile::NamedTempFile,
}

const DAY_MS: i64 = 86_400_000;

impl FakeClock {
    fn new() -> FakeClock {
        let clock = FakeClock { file: tempfile::NamedTempFile::new().unwrap() };
        clock.set_days(0);
        clock
    }

    /// Sets the clock `days` days off real time.
    fn set_days(&self, days: i64) {
        // Written aside and renamed, so the process never reads a half-written offset.
        let dir = self.file.path().parent().unwrap();
        let next = tempfile::NamedTempFile::new_in(dir).unwrap();
        std::fs::write(next.path(), format!("{days:+}d\n")).unwrap();
        next.persist(self.file.path()).unwrap();
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LD_PRELOAD", libfaketime().display().to_string()),
            ("FAKETIME_NO_CACHE", "1".into()),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1".into()),
            ("FAKETIME_TIMESTAMP_FILE", self.file.path().display().to_string()),
        ]
    }
}

/// A scan placed on real time: its recorded times less the whole days the clock was off.
#[derive(Debug)]
struct RealScan {
    row: ScanRow,
    offset_days: i64,
    start: i64,
    end: i64,
}

fn on_real_time(rows: &[ScanRow], origin_ms: i64) -> Vec<RealScan> {
    rows.iter()
        .map(|r| {
            let offset_days = ((r.started_ms - origin_ms) as f64 / DAY_MS as f64).round() as i64;
            let shift = offset_days * DAY_MS;
            RealScan { row: r.clone(), offset_days, start: r.started_ms - shift, end: r.finished_ms - shift }
        })
        .collect()
}

/// Per source: scans never overlap (none scanned twice at once, so none recorded twice), and
/// on one clock a scan starts at least `interval` after the previous one ended (no storm).
fn assert_on_schedule(scans: &[RealScan], interval_ms: i64) {
    let mut by_source: BTreeMap<&str, Vec<&RealScan>> = BTreeMap::new();
    for s in scans {
        assert!(s.row.finished_ms >= s.row.started_ms, "a scan ended before it began: {s:?}");
        by_source.entry(&s.row.source).or_default().push(s);
    }
    for (source, mut list) in by_source {
        list.sort_by_key(|s| s.start);
        for pair in list.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(b.start >= a.end, "{source} was scanned twice at once: {a:?} {b:?}");
            // Across a jump a source may be due at once; on one clock it waits its interval.
            if a.offset_days == b.offset_days {
                assert!(b.start - a.end >= interval_ms - 5, "{source} was scanned again {} ms after a scan: {a:?} {b:?}", b.start - a.end);
            }
        }
    }
}

fn count(scans: &[ScanRow], after_id: i64, pred: impl Fn(&ScanRow) -> bool) -> usize {
    scans.iter().filter(|s| s.id > after_id && pred(s)).count()
}

/// A SQLite worker whose wall clock jumps a day forwards, back, and a day back again, each
/// time while a scan is under way: every source keeps being scanned at its interval after
/// each jump (neither starved by due times a day ahead nor scanned in a storm), no scan is
/// recorded twice, and every scan ends after it began.
#[test]
fn a_sqlite_worker_survives_clock_jumps() {
    let rt = runtime();
    let db = slow_views(&rt, &["slow"], 1.5);
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("assay.db").display());
    let clock = FakeClock::new();
    let origin_ms = now_ms();
    let mut svc = Service::start(&store, "jumpy", &["--lease", "6s", "--concurrency", "4"], &clock.env());
    let interval_ms = 2000;
    svc.add("files", "examples/data", &["--interval", "2s"]);
    svc.add("slow", db.dsn(), &["--table", "public.slow", "--interval", "2s", "--sample-rows", "10"]);
    let peek = Peek::open(&store);
    until(30, "first scans", || {
        let scans = peek.scans();
        (count(&scans, 0, |s| s.source == "files") >= 2 && count(&scans, 0, |s| s.source == "slow") >= 1).then_some(())
    });

    for days in [1, 0, -1] {
        // Jump while slow is being scanned: a forward jump makes its lease look expired.
        until(20, "a scan of slow to be under way", || peek.leased(None).contains(&"slow".to_string()).then_some(()));
        let mark = peek.scans().last().map_or(0, |s| s.id);
        let jumped = Instant::now();
        clock.set_days(days);
        let scans = until(40, &format!("scans after the jump to {days:+} days"), || {
            let scans = peek.scans();
            (count(&scans, mark, |s| s.source == "files") >= 3 && count(&scans, mark, |s| s.source == "slow") >= 2).then_some(scans)
        });
        let seconds = jumped.elapsed().as_secs_f64();
        svc.assert_alive();
        // At most one scan per interval, plus the one under way and the one due at once.
        let most = 2 + (seconds * 1000.0 / interval_ms as f64) as usize;
        for source in ["files", "slow"] {
            let n = count(&scans, mark, |s| s.source == source);
            assert!(n <= most, "{source}: {n} scans in {seconds:.1} s after the jump to {days:+} days");
        }
        let newest = scans.last().unwrap();
        assert_eq!(on_real_time(std::slice::from_ref(newest), origin_ms)[0].offset_days, days, "the worker's clock did not move: {newest:?}");
    }
    assert_on_schedule(&on_real_time(&peek.scans(), origin_ms), interval_ms);
    // A claim of the source under way after the forward jump started no second scan (which
    // would have lost the lease to the first and been abandoned).
    assert!(svc.logged("lease lost; scan abandoned").is_empty(), "{}", svc.log());
    svc.stop();
}

/// A Postgres worker whose wall clock jumps a day forwards and back, next to a worker with a
/// steady clock: leases and due times follow the database's clock, so the jumpy worker takes
/// over none of the steady one's live leases, keeps scanning after each jump, records times
/// of the real clock, and every source stays on its interval throughout.
#[test]
fn a_postgres_worker_ignores_its_clock_jumping() {
    let rt = runtime();
    let db = slow_views(&rt, &["slow_a", "slow_b"], 1.5);
    let clock = FakeClock::new();
    let started_ms = now_ms();
    let steady = Service::start(db.dsn(), "steady", &["--lease", "6s", "--concurrency", "1"], &[]);
    let mut jumpy = Service::start(db.dsn(), "jumpy", &["--lease", "6s", "--concurrency", "4"], &clock.env());
    let interval_ms = 2000;
    steady.add("files", "examples/data", &["--interval", "2s"]);
    for n in ["slow_a", "slow_b"] {
        steady.add(n, db.dsn(), &["--table", &format!("public.{n}"), "--interval", "2s", "--sample-rows", "10"]);
    }
    let peek = Peek::open(db.dsn());
    until(30, "both workers to record scans", || {
        let scans = peek.scans();
        (count(&scans, 0, |s| s.worker == "jumpy") >= 1 && count(&scans, 0, |s| s.worker == "steady") >= 1).then_some(())
    });

    for days in [1, -1] {
        // Jump while the steady worker holds a lease, which a skewed clock would see expired.
        until(20, "the steady worker to hold a lease", || (!peek.leased(Some("steady")).is_empty()).then_some(()));
        let mark = peek.scans().last().map_or(0, |s| s.id);
        clock.set_days(days);
        until(40, &format!("scans after the jump to {days:+} days"), || {
            let scans = peek.scans();
            let each = ["files", "slow_a", "slow_b"].iter().all(|n| count(&scans, mark, |s| s.source == *n) >= 1);
            (each && count(&scans, mark, |s| s.worker == "jumpy") >= 2).then_some(())
        });
        jumpy.assert_alive();
    }
    let scans = peek.scans();
    let ended_ms = now_ms();
    for s in &scans {
        assert!(s.started_ms >= started_ms - 2000 && s.finished_ms <= ended_ms + 2000, "a time off the database's clock: {s:?}");
    }
    let real = on_real_time(&scans, started_ms);
    assert!(real.iter().all(|s| s.offset_days == 0));
    assert_on_schedule(&real, interval_ms);
    for svc in [&steady, &jumpy] {
        let metrics = svc.get("/metrics");
        assert!(!metrics.lines().any(|l| l.starts_with("assay_lease_takeovers_total") && !l.ends_with(" 0")), "a live lease was taken over:\n{metrics}");
        assert!(svc.logged("lease lost; scan abandoned").is_empty(), "a lease was lost:\n{}", svc.log());
    }
    jumpy.stop();
    steady.stop();
}

/// Due times saturate instead of panicking on clocks at the ends of time and on the longest
/// intervals, and are never before the clock.
#[test]
fn due_times_do_not_overflow_on_odd_clocks() {
    use assay::schedule::{next_due, SchedulerConfig};
    use chrono::DateTime;
    let cfg = SchedulerConfig::default();
    let ends = [DateTime::<Utc>::MIN_UTC, DateTime::from_timestamp_millis(-1).unwrap(), Utc::now(), DateTime::<Utc>::MAX_UTC];
    for now in ends {
        for interval in [Duration::from_secs(1), Duration::from_secs(3650 * 86_400), Duration::from_secs(i64::MAX as u64), Duration::MAX] {
            for failures in [0, 1, 63, i64::MAX] {
                let due = next_due(&cfg, interval, failures, now, &mut rand::rng());
                assert!(due >= now, "{now} + {interval:?} after {failures} failures gave {due}");
            }
        }
    }
    assert!(assay::config::parse_duration("999999999999999999d").is_err());
    assert_eq!(assay::config::parse_duration("3650d"), Ok(Duration::from_secs(3650 * 86_400)));
}

/// SIGTERM while a scan outlasts the shutdown grace: the process exits cleanly soon after
/// the grace, records nothing for the stopped scan, and releases its lease with the source
/// still due, so another worker claims it at once instead of waiting out the lease.
#[test]
fn sigterm_releases_the_leases_of_scans_that_outlast_the_grace() {
    let rt = runtime();
    let db = slow_views(&rt, &["long_view"], 60.0);
    let svc = Service::start(db.dsn(), "grace-worker", &["--lease", "60s", "--shutdown-grace", "2s"], &[]);
    svc.add("long", db.dsn(), &["--table", "public.long_view", "--interval", "1h", "--sample-rows", "10"]);
    let peek = Peek::open(db.dsn());
    until(30, "the scan to be under way", || (peek.leased(Some("grace-worker")) == ["long"]).then_some(()));
    let asked = Instant::now();
    let log = svc.stop();
    let took = asked.elapsed();
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(20), "stopped after {took:?}, grace 2 s:\n{log}");
    assert!(log.contains("scan stopped at shutdown; lease released"), "{log}");
    assert_eq!(peek.scans(), vec![], "a stopped scan is not recorded");
    let s = &peek.sources()["long"];
    assert_eq!((s.lease_owner.as_deref(), s.lease_expires_ms), (None, None), "{s:?}");
    assert!(s.next_due_ms <= now_ms(), "still due, for the next worker: {s:?}");
}
