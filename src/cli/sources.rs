//! `assay sources add|list|remove|scan`: clients of a running `assay serve`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use assay::api::sources::{AddSource, ScanNow, SourceView};

use super::client::{segment, Client};
use super::OutputFormat;

#[derive(Subcommand)]
pub enum SourcesCommand {
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
        /// The column that orders rows by arrival (indexed timestamp or integer), read
        /// past its last value first; default: each table's identity key or an indexed
        /// created_at, inserted_at, ingested_at or updated_at.
        #[arg(long)]
        append_key: Option<String>,
        /// An SQS queue the bucket sends object-created notifications to (its https URL,
        /// or `env:NAME`): new objects under the prefix are scanned within seconds.
        #[arg(long)]
        events: Option<String>,
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
        /// Read objects that did not change since the last scan, too (a scan asked for now
        /// samples every table).
        #[arg(long)]
        force: bool,
    },
}

pub async fn run(server: &str, command: SourcesCommand) -> anyhow::Result<ExitCode> {
    // A scan-now waits for the scan; the server bounds it by its own scan timeout.
    let client = Client::from_env(server, Duration::from_secs(3600))?;
    match command {
        SourcesCommand::Add { name, location, interval, sample_rows, tables, append_key, events } => {
            let body = AddSource { name, location, tables, interval: Some(interval), sample_rows: Some(sample_rows), append_key, events };
            let v: SourceView = client.post("/api/v1/sources", &body).await?;
            println!("added source {} (next scan {})", v.name, v.next_due_at);
        }
        SourcesCommand::List { format } => {
            let all: Vec<SourceView> = client.all_pages("/api/v1/sources").await?;
            match OutputFormat::or_default(format) {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&all)?),
                OutputFormat::Table => {
                    println!("{:24}  {:8}  {:20}  {:8}  LOCATION", "NAME", "INTERVAL", "NEXT SCAN", "FAILURES");
                    for s in all {
                        // Names are checked by the server, but a location is free text.
                        println!("{:24}  {:8}  {:20}  {:8}  {}", s.name, s.interval, s.next_due_at, s.consecutive_failures, assay::report::printable(&s.location));
                    }
                }
            }
        }
        SourcesCommand::Remove { name } => {
            client.delete(&format!("/api/v1/sources/{}", segment(&name))).await?;
            println!("removed source {name}");
        }
        SourcesCommand::Scan { name, format, force } => {
            let query = if force { "?force=true" } else { "" };
            let scan: ScanNow = client.post_empty(&format!("/api/v1/sources/{}/scan{query}", segment(&name))).await?;
            for e in &scan.report.errors {
                eprintln!("assay: {}", assay::report::printable(&e.error));
            }
            let mut out = std::io::stdout().lock();
            match OutputFormat::or_default(format) {
                OutputFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &scan)?;
                    writeln!(out)?;
                }
                OutputFormat::Table => {
                    scan.report.write_table(&mut out)?;
                    for n in &scan.notes {
                        writeln!(out, "note: {}", assay::report::printable(n))?;
                    }
                    writeln!(out, "scan {} {}: read {} object(s) or table(s), {} unchanged, {} removed", scan.scan_id, scan.status, scan.read, scan.unchanged, scan.removed)?;
                }
            }
            return Ok(if scan.status == "succeeded" { ExitCode::SUCCESS } else { ExitCode::from(3) });
        }
    }
    Ok(ExitCode::SUCCESS)
}
