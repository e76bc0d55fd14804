//! `assay serve` and `assay migrate`: the scheduler and the API over the store, configured
//! in layers (`assay::config`), and the bundled example for a first look.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use assay::api::{ApiSettings, AppState};
use assay::classify::Engine;
use assay::config::{format_duration, ServeConfig};
use assay::deliver::{DeliveryConfig, Deliverer};
use assay::schedule::{ScanNowResult, Scheduler, SchedulerConfig};
use assay::sources::location::redact;
use assay::sources::policy::LocationPolicy;
use assay::sources::location::resolve_reference;
use assay::store::{generate_token, AlertPolicy, FeatureSetSpec, MemberSpec, Role, SourceRow, Store, FINGERPRINT_KEY};
use sha2::Digest;

/// `serve`'s flags: each overrides the same setting from `assay.toml` and `ASSAY_*`.
#[derive(Args, Serialize, Default)]
pub struct ServeFlags {
    /// A TOML file of settings (default: ./assay.toml when it exists).
    #[arg(long, env = "ASSAY_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address the API listens on [default 127.0.0.1:8080].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// A separate address serving /metrics without a token (and the health checks).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_listen: Option<String>,
    /// Run as a scheduler worker only, without the API.
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_api: bool,
    /// The store: postgres://… (shared by several workers), sqlite://path, or an env:/file: reference [env DATABASE_URL].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Scans this worker runs at once (API scans included) [default 4].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<usize>,
    /// How often to look for due sources [default 5s].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll: Option<String>,
    /// Lease on a source while scanning it; renewed every third of it [default 60s].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
    /// This worker's name in leases and scans (default: host-pid).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// After SIGTERM, how long scans in flight may finish [default 30s].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shutdown_grace: Option<String>,
    /// Longest scan asked for through the API [default 10m].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_timeout: Option<String>,
    /// How long a scan-now waits for a free scan slot before answering 429 [default 30s].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan_queue: Option<String>,
    /// The dashboard's address as users reach it, for links in webhook bodies [default http://LISTEN].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Consecutive clean scans of a column after which its alert resolves [default 1].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolve_after: Option<u32>,
    /// A dismissed finding alerts again at this many times its dismissed match rate [default 3].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lapse_factor: Option<f64>,
    /// The key of finding fingerprints as env:NAME or file:/path [default: generated once into the store].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint_key: Option<String>,
    /// text or json (one object per line); the level is RUST_LOG (default info).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// A directory whose files API clients may register (data, or credential files for
    /// `file:` references); repeatable.
    #[arg(long = "allow-dir")]
    #[serde(rename = "allow_dirs", skip_serializing_if = "Vec::is_empty")]
    pub allow_dirs: Vec<PathBuf>,
    /// A variable API clients may name in `env:` references (`PREFIX_*` for a prefix);
    /// repeatable [default ASSAY_SOURCE_*].
    #[arg(long = "allow-env")]
    #[serde(rename = "allow_env", skip_serializing_if = "Vec::is_empty")]
    pub allow_env: Vec<String>,
    /// Requests per second per token; 0: no limit [default 50].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    /// Requests a token may send at once above the rate [default 200].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_burst: Option<u32>,
    /// Register the bundled example source (`example`: examples/data, run from the
    /// repository), print its findings once scanned, and a fresh admin token.
    #[arg(long)]
    #[serde(skip)]
    pub example: bool,
}

pub fn serve(src: &assay::classify::RuleSource, flags: ServeFlags) -> anyhow::Result<()> {
    let mut cfg = ServeConfig::load(flags.config.as_deref(), &flags)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cfg.log_format.as_str() {
        "json" => logs.json().init(),
        _ => logs.init(),
    }
    let example_dir = if flags.example {
        let dir = std::fs::canonicalize("examples/data").context("the example data is examples/data in the repository: run `assay serve --example` from there")?;
        cfg.allow_dirs.push(dir.clone());
        Some(dir)
    } else {
        None
    };
    let engine = Engine::load(src).context("loading classifiers")?;
    super::runtime()?.block_on(run(cfg, engine, example_dir))
}

/// Migrate the store, run the scheduler and the API until SIGTERM/SIGINT, then stop
/// claiming and let the scans in flight finish.
async fn run(cfg: ServeConfig, engine: Engine, example: Option<PathBuf>) -> anyhow::Result<()> {
    let database_url = cfg.database_url.resolve()?;
    let store = Store::open(&database_url).await?;
    store.migrate().await?;
    let alerts = AlertPolicy {
        resolve_after: cfg.resolve_after,
        lapse_factor: cfg.lapse_factor,
        public_url: cfg.public_url.clone().unwrap_or_else(|| format!("http://{}", cfg.listen)),
        ..AlertPolicy::default()
    };
    let mut sched = SchedulerConfig { concurrency: cfg.concurrency, lease: cfg.lease.0, shutdown_grace: cfg.shutdown_grace.0, alerts, ..Default::default() };
    // Every worker fingerprints matched values with the same key, so that a dismissal made
    // from one worker's scan is recognised in another's.
    let key = match &cfg.fingerprint_key {
        Some(reference) => {
            let held = resolve_reference(reference).map_err(|e| anyhow::anyhow!("fingerprint_key: {e}"))?;
            let digest: [u8; 32] = sha2::Sha256::digest(held.trim().as_bytes()).into();
            digest
        }
        None => store.key(FINGERPRINT_KEY).await?,
    };
    let engine = Arc::new(engine.with_fingerprint_key(key));
    if let Some(w) = &cfg.worker {
        sched.worker = w.clone();
    }
    tracing::info!(worker = %sched.worker, store = %redact(&database_url), "starting");
    let policy = LocationPolicy::new(&cfg.allow_dirs, &cfg.allow_env)?;
    // Installed before the scheduler starts, so that its first cycle is counted too.
    let metrics = if cfg.no_api && cfg.metrics_listen.is_none() {
        None
    } else {
        Some(
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0])?
                .install_recorder()
                .context("installing the metrics recorder")?,
        )
    };
    let deliverer = Arc::new(Deliverer::new(store.clone(), DeliveryConfig::from_serve(&cfg, &sched.worker), policy.clone())?);
    let outbox = sched.outbox.clone();
    let scheduler = Arc::new(Scheduler::new(store.clone(), engine, sched));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let delivery_task = tokio::spawn(deliverer.run(outbox, stopped.clone()));
    // Object-created notifications of the sources that name a queue: scanned at once.
    // Scans it asks for wait their turn for a slot no longer than an API scan-now does.
    let events = assay::sources::events::ListenerConfig {
        scan_queue: cfg.scan_queue.0,
        visibility: (cfg.scan_timeout.0 + cfg.lease.0 * 2).max(std::time::Duration::from_secs(60)),
        ..Default::default()
    };
    let events_task = tokio::spawn(Arc::new(assay::sources::events::Listener::new(store.clone(), scheduler.clone(), events)).run(stopped.clone()));
    let loop_task = tokio::spawn(scheduler.clone().run(cfg.poll.0, stopped));
    if let Some(dir) = example {
        let src = example_source(&store, &dir, scheduler.alert_policy()).await?;
        let token = example_token(&store).await?;
        let (scheduler, store, listen) = (scheduler.clone(), store.clone(), cfg.listen.clone());
        tokio::spawn(async move {
            if let Err(e) = show_example(&scheduler, &store, src, &listen, &token).await {
                tracing::error!(error = %e, "the example scan failed");
            }
        });
    }
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        let _ = shutdown_tx.send(true);
    });
    let signal = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    if let Some(metrics) = metrics {
        let settings = ApiSettings { policy, scan_timeout: cfg.scan_timeout.0, scan_queue: cfg.scan_queue.0, rate_limit: cfg.rate_limit, rate_burst: cfg.rate_burst, max_body_bytes: cfg.max_body_bytes };
        let state = AppState::new(store, scheduler, metrics, settings);
        let mut servers = tokio::task::JoinSet::new();
        if let Some(addr) = &cfg.metrics_listen {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr} (metrics)"))?;
            tracing::info!(listen = %listener.local_addr()?, "metrics listening");
            let app = assay::api::health::metrics_router(state.clone());
            let rx = shutdown_rx.clone();
            servers.spawn(async move { axum::serve(listener, app).with_graceful_shutdown(signal(rx)).await });
        }
        if !cfg.no_api {
            let listener = tokio::net::TcpListener::bind(&cfg.listen).await.with_context(|| format!("listening on {}", cfg.listen))?;
            tracing::info!(listen = %listener.local_addr()?, "API listening");
            let app = assay::api::router(state).into_make_service_with_connect_info::<SocketAddr>();
            let rx = shutdown_rx.clone();
            servers.spawn(async move { axum::serve(listener, app).with_graceful_shutdown(signal(rx)).await });
        }
        if servers.is_empty() {
            signal(shutdown_rx).await;
        }
        while let Some(done) = servers.join_next().await {
            done.context("serving")?.context("serving the API")?;
        }
    } else {
        signal(shutdown_rx).await;
    }
    tracing::info!("shutting down: no new scans; waiting for scans in flight");
    let _ = stop.send(true);
    loop_task.await.context("scheduler")?;
    // A scan it asked for finishes like the scheduler's (within the grace); then it stops.
    let abort = events_task.abort_handle();
    if tokio::time::timeout(cfg.shutdown_grace.0, events_task).await.is_err() {
        abort.abort();
        tracing::warn!("the object-events listener was stopped at the end of the shutdown grace");
    }
    delivery_task.await.context("webhook delivery")?;
    tracing::info!("stopped");
    Ok(())
}

/// The bundled example source, registered on first use.
async fn example_source(store: &Store, dir: &std::path::Path, policy: &AlertPolicy) -> anyhow::Result<SourceRow> {
    if let Some(src) = store.source("example").await? {
        return Ok(src);
    }
    let new = assay::store::NewSource { name: "example".into(), location: dir.display().to_string(), tables: Vec::new(), interval: std::time::Duration::from_secs(3600), sample_rows: 1000, append_key: None, events: None };
    let src = store.add_source(&new, chrono::Utc::now()).await?;
    // A feature set declared clean over three customer columns: its free-text notes hold a
    // few phone numbers, which is what the gate is there to catch.
    let spec = FeatureSetSpec {
        name: EXAMPLE_FEATURE_SET.into(),
        description: "Features of the example churn model".into(),
        owner: "ml-platform".into(),
        webhooks: Vec::new(),
        members: vec![MemberSpec { source: "example".into(), columns: Some(vec!["segment".into(), "notes".into(), "created_at".into()]), allow: Vec::new() }],
    };
    let mut tx = store.begin().await?;
    tx.put_feature_set(&spec, chrono::Utc::now(), policy).await?;
    tx.commit().await?;
    Ok(src)
}

/// The feature set `serve --example` declares.
const EXAMPLE_FEATURE_SET: &str = "churn";

/// A fresh local admin token for the example (the previous one is revoked: a token is
/// shown once, and this is the only place it can be shown).
async fn example_token(store: &Store) -> anyhow::Result<String> {
    const NAME: &str = "example-admin";
    let now = chrono::Utc::now();
    let token = generate_token();
    let mut tx = store.begin().await?;
    tx.revoke_token(NAME, now).await?;
    tx.create_token(NAME, Role::Admin, &token, Some("serve --example"), Some(now + chrono::Duration::days(1)), now).await?;
    tx.commit().await?;
    Ok(token)
}

/// Scans the example source now and prints its columns, for a first look at the service.
async fn show_example(scheduler: &Scheduler, store: &Store, src: SourceRow, listen: &str, token: &str) -> anyhow::Result<()> {
    let outcome = match scheduler.scan_now(src.clone(), std::time::Duration::from_secs(300), assay::scan::Reread::Changed).await? {
        ScanNowResult::Done(o) => o,
        ScanNowResult::Leased | ScanNowResult::Busy => anyhow::bail!("the example source is being scanned by another worker"),
    };
    let columns = store.source_columns(&src).await?;
    let report = assay::report::Report { scanned_at: outcome.report.scanned_at, columns, errors: outcome.report.errors };
    let gate = store.gate(EXAMPLE_FEATURE_SET, std::time::Duration::from_secs(24 * 3600), store.now().await?).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nSource `example` ({}), scan {}:\n", src.location, outcome.status.as_str())?;
    report.write_table(&mut out)?;
    if let Some(gate) = &gate {
        writeln!(out, "\nFeature set `{EXAMPLE_FEATURE_SET}` (example: segment, notes, created_at; no label allowed): gate {}", gate.status.to_uppercase())?;
        for r in &gate.reasons {
            writeln!(out, "  {}: {}", r.kind, assay::report::printable(&r.message))?;
        }
    }
    writeln!(out, "\nAssay keeps scanning it every {}. The API is on http://{listen}.", format_duration(src.interval))?;
    writeln!(out, "The dashboard: open this sign-in link (it signs you in as the local admin; the token\nrides in the # fragment, which the browser never sends to a server or a log):\n\n  http://{listen}/signin#token={token}\n")?;
    writeln!(out, "A local admin token (valid one day, replaced at each `serve --example`):\n\n  export ASSAY_TOKEN={token}\n")?;
    writeln!(out, "Then, in another terminal:")?;
    writeln!(out, "  cargo run --release -- sources list")?;
    writeln!(out, "  cargo run --release -- gate {EXAMPLE_FEATURE_SET}            # exit 0 pass, 1 fail, 2 cannot decide")?;
    writeln!(out, "  cargo run --release -- feature-sets show {EXAMPLE_FEATURE_SET}")?;
    writeln!(out, "  cargo run --release -- sources add <name> <s3://…, postgres://…, env:ASSAY_SOURCE_…> --interval 1h")?;
    writeln!(out, "  curl -H \"Authorization: Bearer $ASSAY_TOKEN\" http://{listen}/api/v1/openapi.json")?;
    writeln!(out, "Stop it with Ctrl-C.")?;
    Ok(())
}

/// `assay migrate`.
pub async fn migrate(database_url: &str) -> anyhow::Result<()> {
    let store = Store::open(database_url).await?;
    store.migrate().await?;
    println!("assay: store {} is up to date", redact(database_url));
    Ok(())
}
