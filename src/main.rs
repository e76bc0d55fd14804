//! The `assay` command line: parse, build the engine, dispatch. `anyhow` lives here only.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use assay::classify::lint::check_examples;
use assay::classify::{Engine, RuleSource};
use assay::scan::{scan_locations, ScanOptions};
use assay::sources::location::{redact, Location};
use assay::sources::store::Lake;

#[derive(Parser)]
#[command(name = "assay", version, about = "Sensitive-data discovery for ML training data")]
struct Cli {
    /// Load classifiers from this directory instead of the built-in set.
    #[arg(long, global = true, env = "ASSAY_RULES_DIR")]
    rules: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Json,
    Table,
}

#[derive(Subcommand)]
enum Command {
    /// Sample files, object-store prefixes or databases and report sensitive columns.
    Scan {
        /// Paths, file:// s3:// gs:// az:// abfs:// URLs (Parquet, CSV, TSV, NDJSON; .gz/.zst
        /// for text), or postgres:// DSNs; `env:NAME` or `file:/path` to read one from there.
        #[arg(required = true)]
        locations: Vec<String>,
        /// Database tables to scan: `schema.table` or `schema.*` (default: every table).
        #[arg(long = "table")]
        tables: Vec<String>,
        /// Print bytes read and requests made to stderr.
        #[arg(long)]
        stats: bool,
        /// Output format (default: table on a terminal, JSON otherwise).
        #[arg(long)]
        format: Option<OutputFormat>,
        /// Rows sampled per file.
        #[arg(long, default_value_t = 1000)]
        sample_rows: usize,
        /// Drop labels whose confidence is below this.
        #[arg(long, default_value_t = 0.0)]
        min_confidence: f64,
        /// Bytes of a value that are matched; longer values are cut.
        #[arg(long, default_value_t = assay::classify::engine::DEFAULT_MAX_VALUE_LEN)]
        max_value_bytes: usize,
    },
    /// List the data files of a location with size, ETag and last-modified (JSON lines),
    /// the facts an incremental scan compares.
    Ls {
        /// A path, or a file:// s3:// gs:// az:// abfs:// URL.
        location: String,
    },
    /// Run the service: the scheduler (and, unless --no-api, the HTTP API) over the store.
    Serve {
        /// Address the API listens on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Run as a scheduler worker only, without the API.
        #[arg(long)]
        no_api: bool,
        /// The store: postgres://… (shared by several workers) or sqlite://path.
        #[arg(long, env = "DATABASE_URL", default_value = assay::store::DEFAULT_URL, hide_env_values = true)]
        database_url: String,
        /// Scans this worker runs at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// How often to look for due sources (e.g. 5s).
        #[arg(long, default_value = "5s")]
        poll: String,
        /// Lease on a source while scanning it; renewed every third of it (e.g. 60s).
        #[arg(long, default_value = "60s")]
        lease: String,
        /// This worker's name in leases and scans (default: host-pid).
        #[arg(long)]
        worker: Option<String>,
        /// After SIGTERM, how long scans in flight may finish before they are stopped and
        /// their leases released (e.g. 30s).
        #[arg(long, default_value = "30s")]
        shutdown_grace: String,
        /// Log lines as text or JSON (one object per line); the level is RUST_LOG (default info).
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// Register the bundled example source (`example`: examples/data, run from the
        /// repository) unless it exists, and print its findings once it is scanned.
        #[arg(long)]
        example: bool,
    },
    /// Register, list, remove and scan sources on a running `assay serve`.
    Sources {
        /// The service (ASSAY_URL); the token is read from ASSAY_TOKEN.
        #[arg(long, env = "ASSAY_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// Apply the store's migrations (the store is `DATABASE_URL`, default sqlite://./assay.db).
    Migrate {
        /// The store: postgres://… or sqlite://path.
        #[arg(long, env = "DATABASE_URL", default_value = assay::store::DEFAULT_URL, hide_env_values = true)]
        database_url: String,
    },
    /// Work with the classifier rules.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
}

#[derive(Subcommand)]
enum SourcesCommand {
    /// Register a source (scanned at once, then every interval).
    Add {
        name: String,
        /// A path, object-store URL or postgres:// DSN; `env:NAME`/`file:/path` references are kept as such.
        location: String,
        /// Time between scans (e.g. 30m, 1h, 1d).
        #[arg(long, default_value = "1h")]
        interval: String,
        /// Rows sampled per file or table.
        #[arg(long, default_value_t = 1000)]
        sample_rows: i64,
        /// Database tables: `schema.table` or `schema.*`.
        #[arg(long = "table")]
        tables: Vec<String>,
    },
    /// List the registered sources.
    List {
        #[arg(long)]
        format: Option<OutputFormat>,
    },
    /// Remove a source (its history stays).
    Remove { name: String },
    /// Scan a source now and wait for the report.
    Scan {
        name: String,
        #[arg(long)]
        format: Option<OutputFormat>,
    },
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Check that every rule matches its examples and none of its negative examples.
    Check,
    /// List the rules with their labels.
    List,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("assay: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // object_store and sqlx use aws-lc-rs; with ring also linked (by dev tools), rustls
    // cannot choose on its own, so say which. An error only means one is installed.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the async runtime")
}

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let src = match &cli.rules {
        Some(d) => RuleSource::Dir(d.clone()),
        None => RuleSource::Builtin,
    };
    match cli.command {
        Command::Scan { locations, tables, stats: show_stats, format, sample_rows, min_confidence, max_value_bytes } => {
            if sample_rows == 0 {
                anyhow::bail!("--sample-rows must be at least 1");
            }
            let engine = Engine::load(&src).context("loading classifiers")?.with_max_value_len(max_value_bytes);
            let opts = ScanOptions { sample_rows, min_confidence, threads: 0, tables, max_value_len: max_value_bytes };
            let started = std::time::Instant::now();
            let (report, stats) = runtime()?.block_on(scan_locations(std::sync::Arc::new(engine), &locations, &opts));
            for e in &report.errors {
                eprintln!("assay: {}", e.error);
            }
            if show_stats {
                eprintln!(
                    "assay: sampled {} file(s)/table(s), read {} bytes in {} request(s), {:.3} s",
                    stats.units,
                    stats.bytes_read,
                    stats.requests,
                    started.elapsed().as_secs_f64()
                );
            }
            let stdout = std::io::stdout();
            let fmt = format.unwrap_or(if stdout.is_terminal() { OutputFormat::Table } else { OutputFormat::Json });
            let lock = stdout.lock();
            match fmt {
                OutputFormat::Json => report.write_json(lock)?,
                OutputFormat::Table => report.write_table(lock)?,
            }
            Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Command::Ls { location } => {
            let parsed = Location::parse(&location).map_err(|e| anyhow::anyhow!(redact(&e.to_string())))?;
            let lake = Lake::open(&location, &parsed)?;
            let entries = runtime()?.block_on(lake.list())?;
            let mut out = std::io::stdout().lock();
            for e in entries {
                serde_json::to_writer(&mut out, &e)?;
                writeln!(out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { listen, no_api, database_url, concurrency, poll, lease, worker, shutdown_grace, log_format, example } => {
            let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
            let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
            match log_format {
                LogFormat::Json => logs.json().init(),
                LogFormat::Text => logs.init(),
            }
            let poll = assay::api::parse_duration(&poll).map_err(|e| anyhow::anyhow!("--poll: {e}"))?;
            let lease = assay::api::parse_duration(&lease).map_err(|e| anyhow::anyhow!("--lease: {e}"))?;
            let shutdown_grace = assay::api::parse_duration(&shutdown_grace).map_err(|e| anyhow::anyhow!("--shutdown-grace: {e}"))?;
            let mut cfg = assay::schedule::SchedulerConfig { concurrency: concurrency.max(1), lease, shutdown_grace, ..Default::default() };
            if let Some(w) = worker {
                cfg.worker = w;
            }
            let engine = std::sync::Arc::new(Engine::load(&src).context("loading classifiers")?);
            runtime()?.block_on(serve(listen, no_api, database_url, poll, cfg, engine, example))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Sources { server, command } => runtime()?.block_on(sources_client(&server, command)),
        Command::Migrate { database_url } => {
            runtime()?.block_on(async {
                let store = assay::store::Store::open(&database_url).await?;
                store.migrate().await
            })?;
            println!("assay: store {} is up to date", redact(&database_url));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules { command: RulesCommand::Check } => {
            let (failures, checked) = check_examples(&src).context("loading classifiers")?;
            for f in &failures {
                println!("{f}");
            }
            println!("{} examples checked, {} failed", checked, failures.len());
            Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Rules { command: RulesCommand::List } => {
            let engine = Engine::load(&src).context("loading classifiers")?;
            for r in engine.rules() {
                println!("{:40} {:28} {:?}  {}", r.id, r.label, r.severity, r.path);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `assay serve`: migrate the store, run the scheduler and the API until SIGTERM/SIGINT,
/// then stop claiming and let the scans in flight finish.
async fn serve(
    listen: String,
    no_api: bool,
    database_url: String,
    poll: std::time::Duration,
    cfg: assay::schedule::SchedulerConfig,
    engine: std::sync::Arc<Engine>,
    example: bool,
) -> anyhow::Result<()> {
    use assay::schedule::Scheduler;
    let store = assay::store::Store::open(&database_url).await?;
    store.migrate().await?;
    tracing::info!(worker = %cfg.worker, store = %redact(&database_url), "starting");
    // Installed before the scheduler starts, so that its first cycle is counted too.
    let metrics = if no_api {
        None
    } else {
        Some(
            metrics_exporter_prometheus::PrometheusBuilder::new()
                .set_buckets(&[0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0])?
                .install_recorder()
                .context("installing the metrics recorder")?,
        )
    };
    let scheduler = std::sync::Arc::new(Scheduler::new(store.clone(), engine, cfg));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let loop_task = tokio::spawn(scheduler.clone().run(poll, stopped));
    if example {
        let src = example_source(&store).await?;
        let (scheduler, store, listen) = (scheduler.clone(), store.clone(), listen.clone());
        tokio::spawn(async move {
            if let Err(e) = show_example(&scheduler, &store, src, &listen).await {
                tracing::error!(error = %e, "the example scan failed");
            }
        });
    }
    let signal = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    if let Some(metrics) = metrics {
        let listener = tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("listening on {listen}"))?;
        tracing::info!(listen = %listener.local_addr()?, "API listening");
        let app = assay::api::router(assay::api::AppState { store, scheduler, metrics });
        axum::serve(listener, app).with_graceful_shutdown(signal).await.context("serving the API")?;
    } else {
        signal.await;
    }
    tracing::info!("shutting down: no new scans; waiting for scans in flight");
    let _ = stop.send(true);
    loop_task.await.context("scheduler")?;
    tracing::info!("stopped");
    Ok(())
}

/// The bundled example source, registered on first use.
async fn example_source(store: &assay::store::Store) -> anyhow::Result<assay::store::SourceRow> {
    if let Some(src) = store.source("example").await? {
        return Ok(src);
    }
    let dir = std::fs::canonicalize("examples/data").context("the example data is examples/data in the repository: run `assay serve --example` from there")?;
    let new = assay::store::NewSource {
        name: "example".into(),
        location: dir.display().to_string(),
        tables: Vec::new(),
        interval: std::time::Duration::from_secs(3600),
        sample_rows: 1000,
    };
    Ok(store.add_source(&new, chrono::Utc::now()).await?)
}

/// Scans the example source now and prints its columns, for a first look at the service.
async fn show_example(scheduler: &assay::schedule::Scheduler, store: &assay::store::Store, src: assay::store::SourceRow, listen: &str) -> anyhow::Result<()> {
    let outcome = scheduler.scan_now(src.clone()).await?.context("the example source is leased by another worker")?;
    let columns = store.source_columns(&src).await?;
    let report = assay::report::Report { scanned_at: outcome.report.scanned_at, columns, errors: outcome.report.errors };
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nSource `example` ({}), scan {}:\n", src.location, outcome.status.as_str())?;
    report.write_table(&mut out)?;
    writeln!(out, "\nAssay keeps scanning it every {}. The API is on http://{listen}; in another terminal:", assay::api::format_duration(src.interval))?;
    writeln!(out, "  cargo run --release -- sources list")?;
    writeln!(out, "  cargo run --release -- sources add <name> <path, s3://…, postgres://…> --interval 1h")?;
    writeln!(out, "Stop it with Ctrl-C.")?;
    Ok(())
}

/// The `sources` verbs: HTTP calls to a running `assay serve`.
async fn sources_client(server: &str, command: SourcesCommand) -> anyhow::Result<ExitCode> {
    let base = server.trim_end_matches('/');
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3600)).build()?;
    let token = std::env::var("ASSAY_TOKEN").ok();
    let send = |req: reqwest::RequestBuilder| {
        let req = match &token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        async move {
            let resp = req.send().await.with_context(|| format!("cannot reach assay serve at {base}"))?;
            let status = resp.status();
            let body: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
            if !status.is_success() {
                anyhow::bail!("{}: {}", status, body["error"].as_str().unwrap_or("request failed"));
            }
            Ok::<_, anyhow::Error>(body)
        }
    };
    let terminal = std::io::stdout().is_terminal();
    match command {
        SourcesCommand::Add { name, location, interval, sample_rows, tables } => {
            let body = assay::api::AddSource { name, location, tables, interval: Some(interval), sample_rows: Some(sample_rows) };
            let v = send(client.post(format!("{base}/api/v1/sources")).json(&body)).await?;
            println!("added source {} (next scan {})", v["name"].as_str().unwrap_or_default(), v["next_due_at"].as_str().unwrap_or_default());
        }
        SourcesCommand::List { format } => {
            let v = send(client.get(format!("{base}/api/v1/sources"))).await?;
            match format.unwrap_or(if terminal { OutputFormat::Table } else { OutputFormat::Json }) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&v)?),
                OutputFormat::Table => {
                    println!("{:24}  {:8}  {:20}  {:8}  LOCATION", "NAME", "INTERVAL", "NEXT SCAN", "FAILURES");
                    for s in v.as_array().into_iter().flatten() {
                        println!(
                            "{:24}  {:8}  {:20}  {:8}  {}",
                            s["name"].as_str().unwrap_or_default(),
                            s["interval"].as_str().unwrap_or_default(),
                            s["next_due_at"].as_str().unwrap_or_default(),
                            s["consecutive_failures"],
                            s["location"].as_str().unwrap_or_default()
                        );
                    }
                }
            }
        }
        SourcesCommand::Remove { name } => {
            send(client.delete(format!("{base}/api/v1/sources/{name}"))).await?;
            println!("removed source {name}");
        }
        SourcesCommand::Scan { name, format } => {
            let v = send(client.post(format!("{base}/api/v1/sources/{name}/scan"))).await?;
            let scan: assay::api::ScanNow = serde_json::from_value(v)?;
            for e in &scan.report.errors {
                eprintln!("assay: {}", e.error);
            }
            let mut out = std::io::stdout().lock();
            match format.unwrap_or(if terminal { OutputFormat::Table } else { OutputFormat::Json }) {
                OutputFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &scan)?;
                    writeln!(out)?;
                }
                OutputFormat::Table => {
                    scan.report.write_table(&mut out)?;
                    writeln!(out, "scan {}: read {} object(s) or table(s), {} unchanged, {} removed", scan.status, scan.read, scan.unchanged, scan.removed)?;
                }
            }
            return Ok(if scan.status == "succeeded" { ExitCode::SUCCESS } else { ExitCode::from(3) });
        }
    }
    Ok(ExitCode::SUCCESS)
}
