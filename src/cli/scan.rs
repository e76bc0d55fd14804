//! `assay scan`, `assay ls` and `assay rules`: one-off work on locations and rules, no
//! service involved.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

use assay::classify::lint::check_examples;
use assay::classify::{Engine, RuleSource};
use assay::scan::{scan_locations, ScanOptions};
use assay::sources::location::{redact, Location};
use assay::sources::store::Lake;

use super::{runtime, OutputFormat};

/// What `assay scan` was asked.
pub struct ScanArgs {
    pub locations: Vec<String>,
    pub tables: Vec<String>,
    pub stats: bool,
    pub format: Option<OutputFormat>,
    pub sample_rows: usize,
    pub min_confidence: f64,
    pub max_value_bytes: usize,
}

pub fn scan(src: &RuleSource, a: ScanArgs) -> anyhow::Result<ExitCode> {
    if a.sample_rows == 0 {
        anyhow::bail!("--sample-rows must be at least 1");
    }
    let engine = Engine::load(src).context("loading classifiers")?.with_max_value_len(a.max_value_bytes);
    let opts = ScanOptions { sample_rows: a.sample_rows, min_confidence: a.min_confidence, threads: 0, tables: a.tables, max_value_len: a.max_value_bytes, ..ScanOptions::default() };
    let started = std::time::Instant::now();
    let (report, stats) = runtime()?.block_on(scan_locations(Arc::new(engine), &a.locations, &opts));
    for e in &report.errors {
        eprintln!("assay: {}", assay::report::printable(&e.error));
    }
    if a.stats {
        eprintln!("assay: sampled {} file(s)/table(s), read {} bytes in {} request(s), {:.3} s", stats.units, stats.bytes_read, stats.requests, started.elapsed().as_secs_f64());
    }
    let lock = std::io::stdout().lock();
    match OutputFormat::or_default(a.format) {
        OutputFormat::Json => report.write_json(lock)?,
        OutputFormat::Table => report.write_table(lock)?,
    }
    Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
}

pub fn ls(location: &str) -> anyhow::Result<ExitCode> {
    let parsed = Location::parse(location).map_err(|e| anyhow::anyhow!(redact(&e.to_string())))?;
    let lake = Lake::open(location, &parsed)?;
    let listing = runtime()?.block_on(lake.list())?;
    for n in &listing.notes {
        eprintln!("note: {n}");
    }
    let mut out = std::io::stdout().lock();
    for e in listing.entries {
        serde_json::to_writer(&mut out, &e)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn rules_check(src: &RuleSource) -> anyhow::Result<ExitCode> {
    let (failures, checked) = check_examples(src).context("loading classifiers")?;
    for f in &failures {
        println!("{f}");
    }
    println!("{} examples checked, {} failed", checked, failures.len());
    Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Lists the rules, filtered by label (the label or a dotted prefix of it) and scheme.
pub fn rules_list(src: &RuleSource, label: Option<&str>, scheme: Option<&str>, format: OutputFormat) -> anyhow::Result<ExitCode> {
    let engine = Engine::load(src).context("loading classifiers")?;
    let wanted = |r: &&assay::classify::engine::CompiledRule| {
        label.is_none_or(|l| r.label == l || r.label.strip_prefix(l).is_some_and(|rest| rest.starts_with('.')))
            && scheme.is_none_or(|s| r.scheme.as_deref() == Some(s))
    };
    let rules: Vec<_> = engine.rules().iter().filter(wanted).collect();
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            for r in &rules {
                let row = serde_json::json!({
                    "id": r.id, "label": r.label, "scheme": r.scheme, "severity": format!("{:?}", r.severity).to_lowercase(),
                    "validator": r.validator(), "file": r.path,
                });
                writeln!(out, "{row}")?;
            }
        }
        OutputFormat::Table => {
            writeln!(out, "{:40} {:28} {:16} {:9} {:16} FILE", "RULE", "LABEL", "SCHEME", "SEVERITY", "VALIDATOR")?;
            for r in &rules {
                let severity = format!("{:?}", r.severity);
                writeln!(out, "{:40} {:28} {:16} {:9} {:16} {}", r.id, r.label, r.scheme.as_deref().unwrap_or("-"), severity, r.validator().unwrap_or("-"), r.path)?;
            }
        }
    }
    if rules.is_empty() {
        eprintln!("no rule matches{}{}", label.map(|l| format!(" label `{l}`")).unwrap_or_default(), scheme.map(|s| format!(" scheme `{s}`")).unwrap_or_default());
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
