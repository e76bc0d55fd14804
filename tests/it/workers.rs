//! Several `assay serve --no-api` workers sharing one Postgres store, tested for real: three
//! worker processes, 200 sources on short intervals whose scans take real time (their table
//! is a view that sleeps; a few take longer than a lease, so their leases must be renewed
//! while they run), and one worker killed with SIGKILL while it holds leases.
//! What the workers did is read back from the `scans` and `sources` tables: no two scans
//! of a source overlap, every source is scanned once per interval (never more often, and
//! never skipped), the dead worker's sources are taken over within a lease period, and the
//! work is spread over the live workers.
//!
//! A trigger in the test database logs every change of a source's lease holder, so that a
//! claim overwriting a live lease shows even though the scan that lost it records nothing.
//! The sources are registered through the library (`Store::add_source`) for speed; the
//! store is migrated and the workers are run through the binary.

use crate::common;

use std::collections::BTreeMap;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use assay::store::{NewSource, Store};
use chrono::Utc;
use sqlx::{Connection, PgConnection, Row};

/// How the sources scan: (count, interval in whole seconds as the store keeps it, view,
/// seconds the view sleeps). Most are quick; the slow ones outlast the lease, and their
/// shorter interval brings them round about as often as the others.
const KINDS: [(usize, i64, &str, f64); 2] = [(190, 10, "quick_customers", 0.3), (10, 6, "slow_customers", 4.5)];
/// The scheduler's default jitter: up to this fraction of the interval is added.
const JITTER: f64 = 0.1;
const LEASE_S: i64 = 3;
const POLL_S: i64 = 1;
/// Scans per worker at once. A Postgres source scan holds up to two connections (sqlx
/// hands the first back to its pool in a background task, so the sample opens another),
/// so 3 workers × 8 scans × 2, plus the workers' store pools (at most 8 each), stays
/// well under Postgres' default 100 connections (sources registered together are due
/// together, so every slot does fill up). Two workers alone still keep up: 190 scans of
/// up to ~1 s and 10 of ~5 s every ~11 s.
const CONCURRENCY: usize = 8;
/// Most a scan may take beyond its view's sleep: connecting, describing, classifying and
/// recording on a loaded machine.
const SCAN_ALLOWANCE_MS: i64 = 3000;
/// Scheduling delays on a loaded 2-core machine (process wake-ups, queueing for a slot).
const SLACK_MS: i64 = 2000;
/// Scans every source gets before the kill and again after it.
const ROUNDS: i64 = 3;

/// One `assay serve --no-api` process; killed on drop.
struct Worker {
    name: String,
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Worker {
    fn start(name: &str, dsn: &str) -> Worker {
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
        cmd.args(["serve", "--no-api", "--worker", name, "--concurrency", &CONCURRENCY.to_string()])
            .args(["--lease", &format!("{LEASE_S}s"), "--poll", &format!("{POLL_S}s")])
            .env("DATABASE_URL", dsn)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap());
        // The test's own thread spawns the workers and outlives them, so the parent-death
        // signal fires only if the test binary itself dies (then Drop cannot run).
        common::service::die_with_parent(&mut cmd, libc::SIGKILL);
        let child = cmd.spawn().expect("start assay serve --no-api");
        Worker { name: name.to_string(), child, log }
    }

    /// SIGTERM, then the exit status within 30 s.
    fn stop(&mut self) -> ExitStatus {
        common::service::terminate(&mut self.child, Duration::from_secs(30)).unwrap_or_else(|| panic!("{} did not stop on SIGTERM\n{}", self.name, self.log()))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One row of `scans`.
#[derive(Debug, Clone)]
struct Scan {
    source: i64,
    worker: String,
    started: i64,
    finished: i64,
    status: String,
    error: Option<String>,
}

async fn scans(conn: &mut PgConnection) -> Vec<Scan> {
    sqlx::query("SELECT source_id, worker, started_ms, finished_ms, status, error FROM scans ORDER BY source_id, started_ms, id")
        .fetch_all(conn)
        .await
        .expect("read scans")
        .into_iter()
        .map(|r| Scan {
            source: r.get(0),
            worker: r.get(1),
            started: r.get(2),
            finished: r.get::<Option<i64>, _>(3).expect("a recorded scan has finished"),
            status: r.get(4),
            error: r.get(5),
        })
        .collect()
}

/// How many sources have at least `rounds` scans started at or after `since_ms`.
async fn sources_scanned(conn: &mut PgConnection, since_ms: i64, rounds: i64) -> i64 {
    sqlx::query("SELECT count(*) FROM (SELECT source_id FROM scans WHERE started_ms >= $1 GROUP BY source_id HAVING count(*) >= $2) AS s")
        .bind(since_ms)
        .bind(rounds)
        .fetch_one(conn)
        .await
        .expect("count scanned sources")
        .get(0)
}

/// Waits 200 ms before the next look; panics naming `what` once `deadline` has passed or
/// if a worker has exited meanwhile (with its log).
async fn tick(deadline: Instant, what: &str, workers: &mut [Worker]) {
    assert!(Instant::now() < deadline, "timed out waiting for {what}");
    for w in workers.iter_mut() {
        if let Some(status) = w.child.try_wait().unwrap() {
            panic!("{} exited with {status} while waiting for {what}\n{}", w.name, w.log());
        }
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_the_sources_and_take_over_a_killed_one() {
    let db = common::pg::TestDb::new().await;
    let out = common::cli::assay_env(&["migrate"], &[("DATABASE_URL", db.dsn().to_string())]);
    assert!(out.status.success(), "assay migrate: {}", String::from_utf8_lossy(&out.stderr));
    // The sampled tables: views whose read sleeps once, then gives 20 e-mail addresses.
    for (_, _, view, sleep) in KINDS {
        db.exec(&format!(
            "CREATE VIEW {view} AS SELECT g AS id, 'customer' || g || '@mail-example.org' AS email \
             FROM (SELECT pg_sleep({sleep})) AS s, generate_series(1, 20) AS g"
        ))
        .await;
    }
    // Without TLS: every scan opens its own connections, and the handshakes would cost
    // the loaded test machine more CPU than the scans themselves.
    let location = format!("{}?sslmode=disable", db.dsn());
    // Every change of a source's lease holder, as the database saw it.
    db.exec(
        "CREATE TABLE lease_log (source_id BIGINT, old_owner TEXT, old_expires_ms BIGINT, new_owner TEXT, new_expires_ms BIGINT); \
         CREATE FUNCTION log_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           INSERT INTO lease_log VALUES (NEW.id, OLD.lease_owner, OLD.lease_expires_ms, NEW.lease_owner, NEW.lease_expires_ms); RETURN NULL; \
         END $$; \
         CREATE TRIGGER lease_log AFTER UPDATE ON sources FOR EACH ROW \
           WHEN (OLD.lease_owner IS DISTINCT FROM NEW.lease_owner) EXECUTE FUNCTION log_lease()",
    )
    .await;
    let store = Store::open(db.dsn()).await.expect("open the store");
    // Each source's id → (interval, sleep), both in ms.
    let mut kind_of: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for (count, interval, view, sleep) in KINDS {
        for i in 0..count {
            let new = NewSource {
                name: format!("{view}-{i:03}"),
                location: location.clone(),
                tables: vec![format!("public.{view}")],
                interval: Duration::from_secs(interval as u64),
                sample_rows: 10,
                append_key: None,
                events: None,
            };
            let id = store.add_source(&new, Utc::now()).await.expect("register a source").id;
            kind_of.insert(id, (interval * 1000, (sleep * 1000.0) as i64));
        }
    }
    let sources = kind_of.len() as i64;
    assert!(sources >= 200);
    if let Store::Postgres(pool) = &store {
        pool.close().await;
    }

    let mut workers: Vec<Worker> = ["w1", "w2", "w3"].iter().map(|w| Worker::start(w, db.dsn())).collect();
    let mut conn = db.conn().await;

    // A few intervals with all three workers.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = sources_scanned(&mut conn, 0, ROUNDS).await;
        if n == sources {
            break;
        }
        tick(deadline, &format!("every source to be scanned {ROUNDS} times by three workers ({n} of {sources} are)"), &mut workers).await;
    }

    // Kill w3 while it is scanning several sources.
    let victim = "w3";
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let leases: i64 = sqlx::query("SELECT count(*) FROM sources WHERE lease_owner = $1").bind(victim).fetch_one(&mut conn).await.unwrap().get(0);
        if leases >= 2 {
            break;
        }
        tick(deadline, "w3 to hold several leases", &mut workers).await;
    }
    let killed_at = Utc::now().timestamp_millis();
    let mut w3 = workers.pop().unwrap();
    assert_eq!(w3.name, victim);
    w3.child.kill().expect("kill -9 w3");
    w3.child.wait().expect("reap w3");
    // The leases w3 died with (and their expiry): nothing changes them but a takeover once
    // they expire, which the lease log shows should one come before this read.
    let held: BTreeMap<i64, i64> = sqlx::query(
        "SELECT id, lease_expires_ms FROM sources WHERE lease_owner = $1 \
         UNION SELECT source_id, old_expires_ms FROM lease_log WHERE old_owner = $1 AND new_owner IS NOT NULL AND new_expires_ms - $2 >= $3",
    )
    .bind(victim)
    .bind(LEASE_S * 1000)
    .bind(killed_at)
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert!(!held.is_empty(), "w3 held no lease when it was killed");

    // A few more intervals with the two survivors.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = sources_scanned(&mut conn, killed_at, ROUNDS).await;
        if n == sources {
            break;
        }
        tick(deadline, &format!("every source to be scanned {ROUNDS} times after the kill ({n} of {sources} are)"), &mut workers).await;
    }
    let stopped_at = Utc::now().timestamp_millis();
    for w in &mut workers {
        let status = w.stop();
        assert!(status.success(), "{} exited with {status} on SIGTERM\n{}", w.name, w.log());
    }

    let all = scans(&mut conn).await;
    let logs: Vec<(String, String)> = workers.iter().chain([&w3]).map(|w| (w.name.clone(), w.log())).collect();
    // (5) No worker panicked; the survivors stopped cleanly.
    for (name, log) in &logs {
        assert!(!log.contains("panicked"), "{name} panicked:\n{log}");
    }
    for w in &workers {
        assert!(logs.iter().any(|(n, l)| n == &w.name && l.contains("stopped")), "{} did not log its clean stop", w.name);
    }
    if let Some(f) = all.iter().find(|s| s.status == "failed") {
        panic!("a scan failed ({} of source {}): {:?}", f.worker, f.source, f.error);
    }
    // Every scan really sampled the view: each found the e-mail column.
    let with_email: i64 = sqlx::query("SELECT count(DISTINCT scan_id) FROM findings WHERE label = 'pii.email'").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(with_email, all.len() as i64, "scans that found pii.email");

    // The next scan of a source starts within its interval (with jitter) after the last one
    // finished, give or take the poll and scheduling delays; a source w3 held when it died
    // may also wait out w3's lease.
    let gap_bound = |id: &i64| {
        let (interval, sleep) = kind_of[id];
        (interval as f64 * (1.0 + JITTER)) as i64 + sleep + SCAN_ALLOWANCE_MS + POLL_S * 1000 + SLACK_MS
    };
    for (id, (interval, sleep)) in &kind_of {
        // Otherwise the bound would not notice a skipped interval.
        assert!(gap_bound(id) < 2 * (interval + sleep), "the gap bound {} ms would allow a missed interval", gap_bound(id));
    }
    let takeover_bound = (LEASE_S + POLL_S) * 1000 + SLACK_MS;

    let mut by_source: BTreeMap<i64, Vec<&Scan>> = BTreeMap::new();
    for s in &all {
        by_source.entry(s.source).or_default().push(s);
    }
    assert_eq!(by_source.keys().collect::<Vec<_>>(), kind_of.keys().collect::<Vec<_>>(), "every source was scanned");
    // Per kind (by interval): largest gap between scan starts, and around the kill.
    let (mut max_gap, mut max_kill_gap): (BTreeMap<i64, i64>, BTreeMap<i64, i64>) = Default::default();
    let (mut min_rest, mut max_scan, mut handovers) = (i64::MAX, 0i64, 0usize);
    for (id, list) in &by_source {
        let (interval, sleep) = kind_of[id];
        for pair in list.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // (1) One scan of a source at a time, whichever workers ran them.
            assert!(b.started >= a.finished, "source {id}: a scan by {} started at {} before the scan by {} ended at {}", b.worker, b.started, a.worker, a.finished);
            // Not more often than once per interval: due again an interval after finishing.
            min_rest = min_rest.min(b.started - a.finished - interval);
            assert!(
                b.started - a.finished >= interval - 1,
                "source {id} scanned again by {} {} ms after {}'s scan ended ({} ms after the kill; w3 held it then: {})",
                b.worker,
                b.started - a.finished,
                a.worker,
                b.started - killed_at,
                held.contains_key(id)
            );
            // (2) Not less often either.
            let gap = b.started - a.started;
            let around_kill = held.contains_key(id) && a.started < killed_at && b.started >= killed_at;
            let max = if around_kill { &mut max_kill_gap } else { &mut max_gap };
            max.entry(interval).and_modify(|m| *m = (*m).max(gap)).or_insert(gap);
            let bound = gap_bound(id) + if around_kill { LEASE_S * 1000 } else { 0 };
            assert!(gap <= bound, "source {id}: {gap} ms between scans (by {} then {}), more than {bound} ms", a.worker, b.worker);
            handovers += usize::from(a.worker != b.worker);
        }
        let last = list.last().unwrap();
        assert!(stopped_at - last.started <= gap_bound(id), "source {id}: not scanned in the last {} ms before the stop", stopped_at - last.started);
        // A scan that outlasts the lease is recorded only if its lease was renewed meanwhile
        // (a lost lease abandons the scan), so the slow sources' scans show the renewals.
        let longest = list.iter().map(|s| s.finished - s.started).max().unwrap();
        assert!(longest >= sleep, "source {id}: a scan took {longest} ms, less than its view's sleep");
        max_scan = max_scan.max(longest - sleep);
    }
    assert!(kind_of.values().any(|&(_, sleep)| sleep > LEASE_S * 1000), "no source outlasts the lease");
    assert!(handovers > 0, "no source moved between workers, so overlaps across workers were not exercised");

    // (1, from the leases) No claim overwrote a live lease: a source changed hands only once
    // its holder's lease had expired (a claim sets the expiry to its own clock plus the
    // lease). A claim that raced another would show here although the loser records nothing.
    let lease_ms = LEASE_S * 1000;
    let changes = sqlx::query("SELECT source_id, old_owner, old_expires_ms, new_owner, new_expires_ms FROM lease_log WHERE old_owner IS NOT NULL AND new_owner IS NOT NULL")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut taken_from_w3 = Vec::new();
    for r in &changes {
        let (id, old, old_expires, new, new_expires) = (r.get::<i64, _>(0), r.get::<String, _>(1), r.get::<i64, _>(2), r.get::<String, _>(3), r.get::<i64, _>(4));
        let claimed_at = new_expires - lease_ms;
        assert!(old_expires <= claimed_at, "source {id}: {new} claimed it at {claimed_at} while {old}'s lease ran until {old_expires}");
        if old == victim && claimed_at >= killed_at {
            taken_from_w3.push(id);
        }
    }
    taken_from_w3.sort_unstable();
    assert_eq!(taken_from_w3, held.keys().copied().collect::<Vec<_>>(), "each source w3 held taken over once, and no other");

    // (3) w3's sources are taken over by a survivor once their leases expire, within one
    // lease period of the kill.
    let mut takeovers = Vec::new();
    for (id, &expires) in &held {
        let next = by_source[id].iter().find(|s| s.started >= killed_at).unwrap_or_else(|| panic!("source {id} of w3 never scanned after the kill"));
        assert_ne!(next.worker, victim);
        assert!(next.started >= expires, "source {id} taken over at {} before w3's lease expired at {expires}", next.started);
        let delay = next.started - killed_at;
        assert!(delay <= takeover_bound, "source {id} of w3 taken over {delay} ms after the kill (bound {takeover_bound} ms)");
        takeovers.push(delay);
    }

    // (4) Work spread over all three workers before the kill and the two survivors after.
    let share = |from: i64, to: i64| {
        let mut n: BTreeMap<&str, usize> = BTreeMap::new();
        for s in all.iter().filter(|s| s.started >= from && s.started < to) {
            *n.entry(s.worker.as_str()).or_default() += 1;
        }
        n
    };
    let before = share(0, killed_at);
    let after = share(killed_at, i64::MAX);
    let total_before: usize = before.values().sum();
    let total_after: usize = after.values().sum();
    for w in ["w1", "w2", "w3"] {
        assert!(before.get(w).copied().unwrap_or(0) * 100 >= total_before * 15, "{w} ran too few scans before the kill: {before:?}");
    }
    for w in ["w1", "w2"] {
        assert!(after.get(w).copied().unwrap_or(0) * 100 >= total_after * 25, "{w} ran too few scans after the kill: {after:?}");
    }
    assert!(!after.contains_key(victim), "w3 recorded scans after it was killed: {after:?}");

    // (6) A clean stop leaves no source leased.
    let leased: i64 = sqlx::query("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL").fetch_one(&mut conn).await.unwrap().get(0);
    assert_eq!(leased, 0, "sources still leased after the workers stopped");
    let _ = conn.close().await;

    let lost = logs.iter().map(|(_, l)| l.matches("lease lost").count()).sum::<usize>();
    let bounds: BTreeMap<i64, i64> = kind_of.iter().map(|(id, &(interval, _))| (interval, gap_bound(id))).collect();
    eprintln!(
        "workers: {} scans of {sources} sources (before the kill {before:?}, after {after:?}); longest scan beyond its view's sleep {max_scan} ms; \
         largest gap between scan starts by interval {max_gap:?} ms (bounds {bounds:?}), around the kill {max_kill_gap:?} ms (plus {LEASE_S} s); \
         shortest rest beyond the interval {min_rest} ms; {handovers} handovers between workers; {} expired leases taken over, {lost} lost; \
         w3 held {} leases when killed, taken over after {:?} ms (bound {takeover_bound})",
        all.len(),
        changes.len(),
        held.len(),
        takeovers
    );
}
