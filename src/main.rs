//! The `assay` command line: parse, build the engine, dispatch. `anyhow` lives here only.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use assay::classify::lint::check_examples;
use assay::classify::{Engine, RuleSource};
use assay::scan::{scan_paths, ScanOptions};

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
    /// Sample files or directories and report sensitive columns.
    Scan {
        /// Files or directories (Parquet, CSV, TSV, NDJSON; .gz/.zst for text).
        #[arg(required = true)]
        locations: Vec<String>,
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

fn run() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let src = match &cli.rules {
        Some(d) => RuleSource::Dir(d.clone()),
        None => RuleSource::Builtin,
    };
    match cli.command {
        Command::Scan { locations, format, sample_rows, min_confidence, max_value_bytes } => {
            if sample_rows == 0 {
                anyhow::bail!("--sample-rows must be at least 1");
            }
            let engine = Engine::load(&src).context("loading classifiers")?.with_max_value_len(max_value_bytes);
            let opts = ScanOptions { sample_rows, min_confidence, threads: 0 };
            let report = scan_paths(&engine, &locations, &opts);
            for e in &report.errors {
                eprintln!("assay: {}", e.error);
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
