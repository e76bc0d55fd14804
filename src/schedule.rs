//! The scheduler: claims due sources with a lease, scans them, records the result, and
//! sets when each is due again (its interval with jitter, or an exponential backoff after
//! a failure).
//!
//! Several workers may share one Postgres store: the lease is what keeps two of them off
//! the same source, and it is renewed while a scan runs so that only a dead worker's
//! sources are taken over. A scan that loses its lease is not recorded.
//!
//! Time comes from the store's clock (`Store::now`): on Postgres the database's, shared by
//! every worker, so a worker whose wall clock is skewed or jumps neither steals live
//! leases nor starves sources. A scan's length is measured on the monotonic clock, so its
//! recorded end is never before its start. A source claimed again while this worker is
//! still scanning it (its lease looked expired after a forward jump) is not scanned twice.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::classify::Engine;
use crate::report::Report;
use crate::scan::{scan_source, Reread, ScanOptions};
use crate::store::{AlertPolicy, ScanRecord, ScanStatus, SourceRow, Store, StoreError};

/// How one worker schedules.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// This worker's name in leases and scan rows.
    pub worker: String,
    /// Lease length; renewed every third of it while scanning.
    pub lease: Duration,
    /// Scans run at once by this worker.
    pub concurrency: usize,
    /// First retry delay after a failure; doubles per consecutive failure.
    pub backoff: Duration,
    /// Longest retry delay (never longer than the source's interval).
    pub max_backoff: Duration,
    /// Fraction of the interval added at random, so sources registered together spread out.
    pub jitter: f64,
    /// How long scans in flight may run on after shutdown is asked for; then they are
    /// stopped and their leases released, so another worker takes them over at once.
    pub shutdown_grace: Duration,
    /// How findings become alerts (severities are filled in from the engine's rules).
    pub alerts: AlertPolicy,
    /// Woken when a recorded scan wrote webhook deliveries, so they go out at once rather
    /// than at the delivery loop's next poll.
    pub outbox: Arc<tokio::sync::Notify>,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            worker: format!("{}-{}", hostname(), std::process::id()),
            lease: Duration::from_secs(60),
            concurrency: 4,
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(3600),
            jitter: 0.1,
            shutdown_grace: Duration::from_secs(30),
            alerts: AlertPolicy::default(),
            outbox: Arc::new(tokio::sync::Notify::new()),
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "worker".into())
}

/// When a source is due again: after a success, its interval plus up to `jitter` of it;
/// after `failures` consecutive failures, `backoff · 2^(failures-1)` capped by
/// `max_backoff` and the interval.
pub fn next_due(cfg: &SchedulerConfig, interval: Duration, failures: i64, now: DateTime<Utc>, rng: &mut impl Rng) -> DateTime<Utc> {
    let delay = if failures == 0 {
        Duration::try_from_secs_f64(interval.as_secs_f64() * (1.0 + cfg.jitter * rng.random::<f64>())).unwrap_or(interval)
    } else {
        let exp = cfg.backoff.saturating_mul(1u32 << (failures - 1).clamp(0, 20) as u32);
        exp.min(cfg.max_backoff).min(interval)
    };
    // Saturating: a clock far in the future must not make the schedule panic.
    now.checked_add_signed(chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        tracing::error!(error = %e, "a scan task failed");
    }
}

/// One worker's scheduler over a store.
pub struct Scheduler {
    store: Store,
    engine: Arc<Engine>,
    cfg: SchedulerConfig,
    /// Ids of the sources this worker is scanning.
    scanning: Mutex<HashSet<i64>>,
    /// One permit per scan this worker may run at once, shared by scheduled scans and
    /// scans asked for through the API, so that a burst of scan-now requests cannot run
    /// more scans than the worker is sized for.
    permits: Arc<tokio::sync::Semaphore>,
}

/// What became of a scan asked for now.
#[derive(Debug)]
pub enum ScanNowResult {
    /// Scanned and recorded.
    Done(ScanOutcome),
    /// Another worker kept the source's lease for two lease periods (or the lease was lost).
    Leased,
    /// Every scan slot stayed busy for as long as the caller would wait.
    Busy,
}

/// Marks a source as being scanned by this worker until dropped.
struct Scanning<'a> {
    set: &'a Mutex<HashSet<i64>>,
    id: i64,
}

impl Drop for Scanning<'_> {
    fn drop(&mut self) {
        self.set.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.id);
    }
}

impl Scheduler {
    /// A scheduler for `store` using `engine`.
    pub fn new(store: Store, engine: Arc<Engine>, mut cfg: SchedulerConfig) -> Scheduler {
        for r in engine.rules() {
            if let Some(sev) = engine.severity_of(&r.label) {
                cfg.alerts.severity.entry(r.label.clone()).or_insert_with(|| format!("{sev:?}").to_lowercase());
            }
        }
        let permits = Arc::new(tokio::sync::Semaphore::new(cfg.concurrency.max(1)));
        Scheduler { store, engine, cfg, scanning: Mutex::new(HashSet::new()), permits }
    }

    /// The engine scans run with (its labels are the taxonomy clients may name).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Wakes the webhook delivery loop (something just wrote to the outbox).
    pub fn notify_outbox(&self) {
        self.cfg.outbox.notify_one();
    }

    /// How this worker turns findings into alerts.
    pub fn alert_policy(&self) -> &AlertPolicy {
        &self.cfg.alerts
    }

    /// Marks `id` as being scanned; `None` when it already is.
    fn start_scanning(&self, id: i64) -> Option<Scanning<'_>> {
        let inserted = self.scanning.lock().unwrap_or_else(|e| e.into_inner()).insert(id);
        // Built after the lock is released: dropping a guard takes the lock.
        inserted.then(|| Scanning { set: &self.scanning, id })
    }

    fn is_scanning(&self, id: i64) -> bool {
        self.scanning.lock().unwrap_or_else(|e| e.into_inner()).contains(&id)
    }

    /// Claims up to `concurrency` due sources and scans them concurrently; returns how
    /// many were scanned and recorded.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let now = self.store.now().await?;
        let claimed = self.store.claim_due(&self.cfg.worker, now, self.cfg.lease, self.cfg.concurrency as i64).await?;
        let results = futures::future::join_all(claimed.into_iter().map(|s| self.scan_one(s, Reread::Changed))).await;
        let mut recorded = 0;
        for r in results {
            if r?.is_some() {
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    /// Runs until `shutdown` turns true: keeps up to `concurrency` scans going, claiming
    /// more as slots free up (so one slow source holds up only its own slot), and polls
    /// for due sources every `poll`. On shutdown it stops claiming and lets the scans in
    /// flight finish within `shutdown_grace`; those still running then are stopped
    /// unrecorded and their leases released. Store errors are retried at the next poll.
    pub async fn run(self: Arc<Self>, poll: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut running = tokio::task::JoinSet::new();
        let mut deadline = None;
        let mut clock = None;
        loop {
            while let Some(done) = running.try_join_next() {
                log_panic(done);
            }
            let stopping = *shutdown.borrow();
            if stopping && running.is_empty() {
                return;
            }
            if stopping && deadline.is_none() {
                deadline = Some(tokio::time::Instant::now() + self.cfg.shutdown_grace);
            }
            let free = self.permits.available_permits();
            if !stopping && free > 0 {
                let claimed = match self.store.now().await {
                    Ok(now) => {
                        self.follow_clock(now, &mut clock).await;
                        self.store.claim_due(&self.cfg.worker, now, self.cfg.lease, free as i64).await
                    }
                    Err(e) => Err(e),
                };
                match claimed {
                    Ok(claimed) => {
                        for src in claimed {
                            // A scan-now may have taken the slot since it was counted:
                            // hand the source back (it stays due) rather than overrun.
                            let Ok(permit) = self.permits.clone().try_acquire_owned() else {
                                if let Err(e) = self.store.release_lease(src.id, &self.cfg.worker).await {
                                    tracing::warn!(source = %src.name, error = %e, "cannot release an unused lease; it expires on its own");
                                }
                                continue;
                            };
                            let me = self.clone();
                            running.spawn(async move {
                                let _permit = permit;
                                let name = src.name.clone();
                                // Logged here, not when joined: the loop may be waiting
                                // long for a store that is down.
                                if let Err(e) = me.scan_one(src, Reread::Changed).await {
                                    tracing::warn!(source = %name, error = %e, "a store error ended the scan; the source is retried when its lease expires");
                                }
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot claim due sources; retrying at the next poll"),
                }
            }
            tokio::select! {
                Some(done) = running.join_next(), if !running.is_empty() => log_panic(done),
                _ = tokio::time::sleep(poll), if !stopping => {}
                _ = shutdown.changed(), if !stopping => {}
                _ = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => {
                    self.release_running(&mut running).await;
                    return;
                }
            }
        }
    }

    /// Notices the store's clock going back (against the monotonic clock since the last
    /// reading) and, then and at the first reading, makes due the sources whose due times
    /// a clock that was ahead pushed beyond their schedule.
    async fn follow_clock(&self, now: DateTime<Utc>, last: &mut Option<(DateTime<Utc>, Instant)>) {
        let went_back = match *last {
            None => true,
            Some((wall, mono)) => {
                let expected = wall.checked_add_signed(chrono::Duration::from_std(mono.elapsed()).unwrap_or_default()).unwrap_or(wall);
                expected.checked_sub_signed(chrono::Duration::seconds(1)).is_some_and(|t| now < t)
            }
        };
        *last = Some((now, Instant::now()));
        if went_back {
            match self.store.reschedule_ahead(now).await {
                Ok(0) => {}
                Ok(n) => tracing::warn!(sources = n, "due times ahead of the clock (it was set back); due now"),
                Err(e) => tracing::warn!(error = %e, "cannot reschedule sources due ahead of the clock; trying again when it is seen going back"),
            }
        }
    }

    /// Stops the scans still running at the end of the shutdown grace and releases their
    /// leases (their due times are already past), so that another worker need not wait for
    /// the leases to expire.
    async fn release_running(&self, running: &mut tokio::task::JoinSet<()>) {
        let ids: Vec<i64> = self.scanning.lock().unwrap_or_else(|e| e.into_inner()).iter().copied().collect();
        running.abort_all();
        while running.join_next().await.is_some() {}
        for id in ids {
            match self.store.release_lease(id, &self.cfg.worker).await {
                Ok(true) => tracing::warn!(source_id = id, "scan stopped at shutdown; lease released"),
                Ok(false) => {}
                Err(e) => tracing::warn!(source_id = id, error = %e, "cannot release the lease; it expires on its own"),
            }
        }
    }

    /// Scans a source now, whatever its schedule, and waits for the outcome, taking one of
    /// the worker's scan slots (waiting up to `queue` for one).
    /// `reread` says what is read besides what changed since the last scan.
    pub async fn scan_now(&self, src: SourceRow, queue: Duration, reread: Reread) -> Result<ScanNowResult, StoreError> {
        let Ok(Ok(_permit)) = tokio::time::timeout(queue, self.permits.clone().acquire_owned()).await else {
            return Ok(ScanNowResult::Busy);
        };
        Ok(match self.scan_now_unlimited(src, reread).await? {
            Some(outcome) => ScanNowResult::Done(outcome),
            None => ScanNowResult::Leased,
        })
    }

    /// Releases this worker's lease on a source whose scan was given up (a scan-now that
    /// ran past its timeout), so that it is scanned again without waiting for the lease.
    pub async fn give_up(&self, source_id: i64) {
        match self.store.release_lease(source_id, &self.cfg.worker).await {
            Ok(_) => {}
            Err(e) => tracing::warn!(source_id, error = %e, "cannot release the lease of a scan given up; it expires on its own"),
        }
    }

    /// `scan_now` without taking a slot. `None` when another worker kept its lease for two
    /// lease periods.
    async fn scan_now_unlimited(&self, src: SourceRow, reread: Reread) -> Result<Option<ScanOutcome>, StoreError> {
        // A scheduled scan of it may be under way: wait for it (up to two leases) and then
        // run a fresh one, which is what "scan now and wait" means to the caller.
        let deadline = tokio::time::Instant::now() + self.cfg.lease * 2;
        while self.is_scanning(src.id) || !self.store.claim_source(src.id, &self.cfg.worker, self.store.now().await?, self.cfg.lease).await? {
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Re-read it: the scan that just finished moved its schedule and failure count.
        let src = self.store.source(&src.name).await?.unwrap_or(src);
        self.scan_one(src, reread).await
    }

    /// Scans one claimed source, renewing its lease meanwhile: only the objects and tables
    /// that are new or changed since the last scan are read, unless `reread` asks for more or
    /// the last successful scan ran other rules (unchanged data can hold what new rules
    /// find). Records the scan and the objects it
    /// read, and sets when the source is next due. `None` when the lease was lost
    /// (nothing recorded) or this worker is already scanning the source (the claim only
    /// extended that scan's lease).
    async fn scan_one(&self, src: SourceRow, reread: Reread) -> Result<Option<ScanOutcome>, StoreError> {
        let Some(_scanning) = self.start_scanning(src.id) else {
            return Ok(None);
        };
        let started = self.store.now().await?;
        let clock = Instant::now();
        let digest = self.engine.rules_digest();
        let rules_changed = !digest.is_empty() && self.store.last_rules_digest(src.id).await?.is_some_and(|d| d.as_deref() != Some(digest));
        if rules_changed {
            tracing::info!(source = %src.name, "the rules changed since the last scan: reading everything again");
        }
        let opts = ScanOptions { sample_rows: src.sample_rows.max(1) as usize, tables: src.tables.clone(),
            reread: if rules_changed { Reread::All } else { reread },
            append_key: src.append_key.clone(),
            ..ScanOptions::default()
        };
        let previous = self.store.objects_seen(src.id).await?;
        let scan = scan_source(self.engine.clone(), &src.location, &opts, &previous);
        let renew = async {
            let mut tick = tokio::time::interval(self.cfg.lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                let renewed = match self.store.now().await {
                    Ok(now) => self.store.renew_lease(src.id, &self.cfg.worker, now, self.cfg.lease).await,
                    Err(e) => Err(e),
                };
                match renewed {
                    Ok(true) => {}
                    // Lost (taken over or removed): give the scan up.
                    Ok(false) => {
                        tracing::warn!(source = %src.name, "lease lost; scan abandoned");
                        return;
                    }
                    // The store is unreachable: keep scanning, the next renewal may work.
                    Err(_) => {}
                }
            }
        };
        let scan = tokio::select! {
            r = scan => r,
            _ = renew => return Ok(None),
        };
        let elapsed = clock.elapsed();
        let finished = started.checked_add_signed(chrono::Duration::from_std(elapsed).unwrap_or_default()).unwrap_or(started);
        let now = self.store.now().await?;
        let report = scan.report;
        // Nothing could be listed, or nothing read while something failed and nothing was
        // left from before: the source itself failed (unreachable database, missing
        // bucket); retry with backoff rather than at the interval.
        let failed = !scan.listed || (scan.read.is_empty() && scan.unchanged == 0 && !report.errors.is_empty());
        let failure = failed.then(|| report.errors.iter().map(|e| e.error.as_str()).collect::<Vec<_>>().join("\n"));
        let failures = if failed { src.consecutive_failures + 1 } else { 0 };
        let due = next_due(&self.cfg, src.interval, failures, now, &mut rand::rng());
        let rec = ScanRecord {
            source: &src,
            worker: &self.cfg.worker,
            started,
            finished,
            report: &report,
            failed: failure.as_deref(),
            read: &scan.read,
            removed: &scan.removed,
            rules_digest: (!digest.is_empty()).then_some(digest),
            notes: &scan.notes,
            unchanged: scan.unchanged,
        };
        let recorded = self.store.finish_scan(&rec, &self.cfg.alerts, due, failures).await?;
        let Some(recorded) = recorded else {
            tracing::warn!(source = %src.name, "lease lost before the scan was recorded; scan discarded");
            return Ok(None);
        };
        let (scan_id, status) = (recorded.scan_id, recorded.status);
        if recorded.events > 0 {
            self.cfg.outbox.notify_one();
        }
        metrics::counter!("assay_scans_total", "status" => status.as_str()).increment(1);
        // Counts and names only: errors are already redacted, and no value is logged.
        tracing::info!(
            source = %src.name,
            status = status.as_str(),
            seconds = elapsed.as_secs_f64(),
            read = scan.read.len(),
            unchanged = scan.unchanged,
            removed = scan.removed.len(),
            columns = report.columns.len(),
            findings = report.columns.iter().map(|c| c.labels.len()).sum::<usize>(),
            errors = report.errors.len(),
            events = recorded.events,
            "scan recorded"
        );
        if let Some(f) = &failure {
            tracing::warn!(source = %src.name, failures = src.consecutive_failures + 1, error = %f, "scan failed; retrying with backoff");
        }
        metrics::histogram!("assay_scan_duration_seconds").record(elapsed.as_secs_f64());
        for l in report.columns.iter().flat_map(|c| &c.labels) {
            metrics::counter!("assay_findings_total", "label" => l.label.clone()).increment(1);
        }
        Ok(Some(ScanOutcome { scan_id, status, report, read: scan.read.len(), unchanged: scan.unchanged, removed: scan.removed.len(), notes: scan.notes }))
    }
}

/// How a recorded scan of a registered source went.
#[derive(Debug)]
pub struct ScanOutcome {
    pub scan_id: i64,
    pub status: ScanStatus,
    /// The columns of the objects this scan read (not those skipped as unchanged), and
    /// every error.
    pub report: Report,
    /// Objects or tables read by this scan.
    pub read: usize,
    /// Objects skipped because they had not changed since the scan that last read them.
    pub unchanged: usize,
    /// Objects seen before and now gone.
    pub removed: usize,
    /// How tables were sampled (append keys, new rows read), one per line.
    pub notes: Vec<String>,
}
