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
