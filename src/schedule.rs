//! The scheduler: claims due sources with a lease, scans them, records the result, and
//! sets when each is due again (its interval with jitter, or an exponential backoff after
//! a failure).
//!
//! Several workers may share one Postgres store: the lease is what keeps two of them off
//! the same source, and it is renewed while a scan runs so that only a dead worker's
//! sources are taken over. A scan that loses its lease is not recorded.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::classify::Engine;
use crate::report::Report;
use crate::scan::{scan_locations, ScanOptions};
use crate::store::{SourceRow, Store, StoreError};

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
        interval.mul_f64(1.0 + cfg.jitter * rng.random::<f64>())
    } else {
        let exp = cfg.backoff.saturating_mul(1u32 << (failures - 1).clamp(0, 20) as u32);
        exp.min(cfg.max_backoff).min(interval)
    };
    now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1))
}

/// One worker's scheduler over a store.
pub struct Scheduler {
    store: Store,
    engine: Arc<Engine>,
    cfg: SchedulerConfig,
}

impl Scheduler {
    /// A scheduler for `store` using `engine`.
    pub fn new(store: Store, engine: Arc<Engine>, cfg: SchedulerConfig) -> Scheduler {
        Scheduler { store, engine, cfg }
    }

    /// Claims up to `concurrency` due sources and scans them concurrently; returns how
    /// many were scanned and recorded.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let claimed = self.store.claim_due(&self.cfg.worker, Utc::now(), self.cfg.lease, self.cfg.concurrency as i64).await?;
        let results = futures::future::join_all(claimed.into_iter().map(|s| self.scan_one(s))).await;
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
    /// flight finish and release their leases. Store errors are retried at the next poll.
    pub async fn run(self: Arc<Self>, poll: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut running = tokio::task::JoinSet::new();
        loop {
            let stopping = *shutdown.borrow();
            if stopping && running.is_empty() {
                return;
            }
            let free = self.cfg.concurrency.saturating_sub(running.len());
            if !stopping && free > 0 {
                match self.store.claim_due(&self.cfg.worker, Utc::now(), self.cfg.lease, free as i64).await {
                    Ok(claimed) => {
                        for src in claimed {
                            let me = self.clone();
                            running.spawn(async move { me.scan_one(src).await });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot claim due sources; retrying at the next poll"),
                }
            }
            tokio::select! {
                Some(done) = running.join_next(), if !running.is_empty() => {
                    match done {
                        Ok(Err(e)) => tracing::warn!(error = %e, "recording a scan failed; the source is retried when its lease expires"),
                        Err(e) => tracing::error!(error = %e, "a scan task failed"),
                        Ok(Ok(_)) => {}
                    }
                }
                _ = tokio::time::sleep(poll), if !stopping => {}
                _ = shutdown.changed(), if !stopping => {}
            }
        }
    }

    /// Scans a source now, whatever its schedule, and waits for the result (status and
    /// report). `None` when another worker kept its lease for two lease periods.
    pub async fn scan_now(&self, src: SourceRow) -> Result<Option<(String, Report)>, StoreError> {
        // A scheduled scan of it may be under way: wait for it (up to two leases) and then
        // run a fresh one, which is what "scan now and wait" means to the caller.
        let deadline = tokio::time::Instant::now() + self.cfg.lease * 2;
        while !self.store.claim_source(src.id, &self.cfg.worker, Utc::now(), self.cfg.lease).await? {
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Re-read it: the scan that just finished moved its schedule and failure count.
        let src = self.store.source(&src.name).await?.unwrap_or(src);
        self.scan_one(src).await
    }

    /// Scans one claimed source, renewing its lease meanwhile; records the scan and sets
    /// when it is next due. Returns the scan's status and report, or `None` when the
    /// lease was lost (nothing recorded).
    async fn scan_one(&self, src: SourceRow) -> Result<Option<(String, Report)>, StoreError> {
        let started = Utc::now();
        let opts = ScanOptions { sample_rows: src.sample_rows.max(1) as usize, tables: src.tables.clone(), ..ScanOptions::default() };
        let scan = scan_locations(self.engine.clone(), std::slice::from_ref(&src.location), &opts);
        let renew = async {
            let mut tick = tokio::time::interval(self.cfg.lease / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                match self.store.renew_lease(src.id, &self.cfg.worker, Utc::now(), self.cfg.lease).await {
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
        let (report, _stats) = tokio::select! {
            r = scan => r,
            _ = renew => return Ok(None),
        };
        let finished = Utc::now();
        // Nothing scanned and something failed: the source itself failed (unreachable
        // database, missing bucket); retry with backoff rather than at the interval.
        let failed = report.columns.is_empty() && !report.errors.is_empty();
        let failure = failed.then(|| report.errors.iter().map(|e| e.error.as_str()).collect::<Vec<_>>().join("\n"));
        let failures = if failed { src.consecutive_failures + 1 } else { 0 };
        let due = next_due(&self.cfg, src.interval, failures, finished, &mut rand::rng());
        let recorded = self.store.finish_scan(src.id, &self.cfg.worker, started, finished, &report, failure.as_deref(), due, failures).await?;
        let Some((_, status)) = recorded else {
            tracing::warn!(source = %src.name, "lease lost before the scan was recorded; scan discarded");
            return Ok(None);
        };
        metrics::counter!("assay_scans_total", "status" => status.as_str()).increment(1);
        // Counts and names only: errors are already redacted, and no value is logged.
        tracing::info!(
            source = %src.name,
            status = status.as_str(),
            seconds = (finished - started).num_milliseconds() as f64 / 1000.0,
            columns = report.columns.len(),
            findings = report.columns.iter().map(|c| c.labels.len()).sum::<usize>(),
            errors = report.errors.len(),
            "scan recorded"
        );
        if let Some(f) = &failure {
            tracing::warn!(source = %src.name, failures = src.consecutive_failures + 1, error = %f, "scan failed; retrying with backoff");
        }
        metrics::histogram!("assay_scan_duration_seconds").record((finished - started).num_milliseconds().max(0) as f64 / 1000.0);
        for l in report.columns.iter().flat_map(|c| &c.labels) {
            metrics::counter!("assay_findings_total", "label" => l.label.clone()).increment(1);
        }
        Ok(Some((status.as_str().to_string(), report)))
    }
}
