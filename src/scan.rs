//! `assay scan`: expand locations, sample each file or table, classify its columns, build
//! the report.
//!
//! Sampling is async (object stores and databases are I/O); classification runs on
//! blocking threads, about one per core. A file or table that fails is recorded in the
//! report's `errors` and on stderr; the others go on.

use std::sync::Arc;

use arrow::datatypes::DataType;
use futures::StreamExt;

use crate::classify::columns::{classify_array, is_scannable};
use crate::classify::{ColumnAccumulator, Engine, Scratch};
use crate::report::{ColumnReport, Report, ScanError};
use crate::sources::location::{redact, Location};
use crate::sources::postgres::{PgOptions, PgSource, TableName};
use crate::sources::store::{diff, Lake, ObjectEntry, ObjectReader};
use crate::sources::{self, Sample};

/// Options of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Rows to sample per file.
    pub sample_rows: usize,
    /// Labels below this confidence are dropped.
    pub min_confidence: f64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Database tables to scan (`schema.table`, `schema.*`); empty: every table.
    pub tables: Vec<String>,
    /// Bytes of a value that are read and matched.
    pub max_value_len: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { sample_rows: 1000, min_confidence: 0.0, threads: 0, tables: Vec::new(), max_value_len: crate::classify::engine::DEFAULT_MAX_VALUE_LEN }
    }
}

/// Classifies every column of a sample; `source` is the name reported for it.
pub fn classify_sample(engine: &Engine, source: &str, sample: &Sample, min_confidence: f64, errors: &mut Vec<ScanError>) -> Vec<ColumnReport> {
    let schema = sample.batches.first().map(|b| b.schema());
    let fields = schema.as_ref().map(|s| s.fields().iter().collect::<Vec<_>>()).unwrap_or_default();
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(fields.len() + sample.skipped.len());
    for (ci, field) in fields.into_iter().enumerate() {
        let mut acc = ColumnAccumulator::new(engine, field.name());
        let mut non_null = 0usize;
        let mut failed = false;
        for b in &sample.batches {
            let col = b.column(ci);
            if is_scannable(field.data_type()) {
                if let Err(e) = classify_array(&mut acc, col, &mut scratch) {
                    errors.push(ScanError { source: source.to_string(), column: Some(field.name().clone()), error: format!("{source}: column `{}`: {e}", field.name()) });
                    failed = true;
                    break;
                }
            } else {
                non_null += col.len() - col.logical_null_count();
            }
        }
        let scanned = is_scannable(field.data_type()) && !failed;
        let sampled_non_null = acc.non_null();
        let mut labels = if scanned { acc.finish(min_confidence) } else { Vec::new() };
        let mut rows_swept = None;
        if scanned && !sample.decoded.is_empty() && can_hold_secrets(field.data_type()) {
            rows_swept = Some(sample.decoded.iter().map(|b| b.num_rows()).sum());
            // A secret the sample missed but the decoded rows hold is still reported; its
            // counts are over the swept rows.
            let mut sweep = ColumnAccumulator::sweep(engine, field.name(), &labels);
            for b in &sample.decoded {
                if let Some(col) = b.column_by_name(field.name()) {
                    if classify_array(&mut sweep, col, &mut scratch).is_err() {
                        break;
                    }
                }
            }
            for l in sweep.finish(min_confidence) {
                if !labels.iter().any(|x| x.label == l.label) {
                    labels.push(l);
                }
            }
        }
        out.push(ColumnReport {
            source: source.to_string(),
            column: field.name().clone(),
            rows_sampled: sample.rows,
            non_null: if scanned { sampled_non_null } else { non_null },
            rows_swept,
            not_scanned: None,
            objects: None,
            labels,
        });
    }
    for skipped in &sample.skipped {
        out.push(ColumnReport {
            source: source.to_string(),
            column: skipped.name.clone(),
            rows_sampled: sample.rows,
            non_null: 0,
            rows_swept: None,
            not_scanned: Some(skipped.reason.clone()),
            objects: None,
            labels: Vec::new(),
        });
    }
    out
}

/// Whether a column type can hold a token or key (text, binary, nested), unlike numbers
/// and dates.
fn can_hold_secrets(dt: &DataType) -> bool {
    match dt {
        DataType::Dictionary(_, v) => can_hold_secrets(v),
        dt => !(dt.is_integer() || matches!(dt, DataType::Date32 | DataType::Date64)),
    }
}

/// What a scan read, for `--stats` and the sampling benchmarks.
#[derive(Debug, Default, Clone, Copy)]
pub struct ScanStats {
    /// Files, objects and tables sampled.
    pub units: usize,
    /// Bytes read from files and object stores.
    pub bytes_read: u64,
    /// Read requests made to files and object stores.
    pub requests: u64,
}

/// Something to sample: one listed object or one database table.
enum Unit {
    Object(ObjectReader),
    Table(Arc<PgSource>, TableName),
}

impl Unit {
    /// The name the unit is reported and remembered by.
    fn shown(&self) -> String {
        match self {
            Unit::Object(reader) => reader.shown().to_string(),
            Unit::Table(_, table) => table.to_string(),
        }
    }
}

/// One location expanded into what it holds.
struct Expanded {
    /// Objects with their listing entries, or tables (whose entry carries only the name).
    units: Vec<(Unit, ObjectEntry)>,
    /// The lake the objects come from, for I/O counts.
    lake: Option<Lake>,
}

/// Lists a location: the data files of a path or prefix, or the selected tables of a
/// database. The error is already redacted and names the location.
async fn expand(given: &str, opts: &ScanOptions) -> Result<Expanded, ScanError> {
    let shown = redact(given);
    let fail = |e: &dyn std::fmt::Display| ScanError { source: shown.clone(), column: None, error: redact(&e.to_string()) };
    let location = Location::parse(given).map_err(|e| fail(&e))?;
    match &location {
        Location::Local(_) | Location::Store(_) => {
            let lake = Lake::open(given, &location).map_err(|e| fail(&e))?;
            let entries = lake.list().await.map_err(|e| fail(&e))?;
            let units = entries.into_iter().map(|e| (Unit::Object(lake.reader(&e)), e)).collect();
            Ok(Expanded { units, lake: Some(lake) })
        }
        Location::Postgres { dsn } => {
            let pg_opts = PgOptions { max_value_len: opts.max_value_len, ..PgOptions::default() };
            let source = Arc::new(PgSource::connect(dsn, pg_opts).await.map_err(|e| fail(&e))?);
            let tables = source.tables(&opts.tables).await.map_err(|e| fail(&e))?;
            let now = chrono::Utc::now();
            let units = tables
                .into_iter()
                .map(|t| {
                    // Tables have no version to compare: they are sampled every time.
                    let entry = ObjectEntry { shown: t.to_string(), key: Default::default(), size: 0, e_tag: None, last_modified: now };
                    (Unit::Table(source.clone(), t), entry)
                })
                .collect();
            Ok(Expanded { units, lake: None })
        }
    }
}

/// What sampling and classifying one unit gave.
struct UnitResult {
    shown: String,
    /// Whether a sample was taken (column-level errors still count as read).
    sampled: bool,
    columns: Vec<ColumnReport>,
    errors: Vec<ScanError>,
}

/// Samples units concurrently (I/O overlaps) and classifies each sample on a blocking
/// thread; results come back in the units' order.
async fn sample_units(engine: Arc<Engine>, units: Vec<Unit>, opts: &ScanOptions) -> Vec<UnitResult> {
    let threads = if opts.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { opts.threads };
    futures::stream::iter(units)
        .map(|unit| {
            let engine = engine.clone();
            let opts = opts.clone();
            async move {
                let shown = unit.shown();
                let sampled = match unit {
                    Unit::Object(reader) => sources::sample_object(reader, opts.sample_rows).await,
                    Unit::Table(source, table) => source.sample(&table, opts.sample_rows).await,
                };
                let sample = match sampled {
                    Ok(s) => s,
                    Err(e) => return UnitResult { shown: shown.clone(), sampled: false, columns: Vec::new(), errors: vec![ScanError { source: shown, column: None, error: redact(&e.to_string()) }] },
                };
                let name = shown.clone();
                let classify = tokio::task::spawn_blocking(move || {
                    let mut errs: Vec<ScanError> = sample
                        .warnings
                        .iter()
                        .map(|w| ScanError { source: name.clone(), column: None, error: format!("{name}: {w}") })
                        .collect();
                    let cols = classify_sample(&engine, &name, &sample, opts.min_confidence, &mut errs);
                    (cols, errs)
                });
                match classify.await {
                    Ok((columns, errors)) => UnitResult { shown, sampled: true, columns, errors },
                    Err(e) => UnitResult { shown: shown.clone(), sampled: false, columns: Vec::new(), errors: vec![ScanError { source: shown, column: None, error: format!("classification failed: {e}") }] },
                }
            }
        })
        .buffered(threads + 1)
        .collect()
        .await
}

fn timestamp() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn stats_of(units: usize, lakes: &[&Lake]) -> ScanStats {
    ScanStats { units, bytes_read: lakes.iter().map(|l| l.stats.bytes()).sum(), requests: lakes.iter().map(|l| l.stats.requests()).sum() }
}

/// Samples and classifies every location: files, directories and object-store prefixes.
/// Units are sampled concurrently (I/O overlaps); each sample is classified on a blocking
/// thread. The report keeps the order of the locations and, within one, of its listing.
pub async fn scan_locations(engine: Arc<Engine>, locations: &[String], opts: &ScanOptions) -> (Report, ScanStats) {
    let mut errors = Vec::new();
    let mut units = Vec::new();
    let mut lakes = Vec::new();
    for given in locations {
        match expand(given, opts).await {
            Ok(x) => {
                units.extend(x.units.into_iter().map(|(u, _)| u));
                lakes.extend(x.lake);
            }
            Err(e) => errors.push(e),
        }
    }
    let count = units.len();
    let mut columns = Vec::new();
    for r in sample_units(engine, units, opts).await {
        columns.extend(r.columns);
        errors.extend(r.errors);
    }
    let stats = stats_of(count, &lakes.iter().collect::<Vec<_>>());
    (Report { scanned_at: timestamp(), columns, errors }, stats)
}

/// One scan of a registered source, incremental: what it read and what it skipped.
#[derive(Debug)]
pub struct SourceScan {
    /// Columns of the units read by this scan only, and every error.
    pub report: Report,
    pub stats: ScanStats,
    /// Whether the location could be listed (else `report.errors` says why).
    pub listed: bool,
    /// Units sampled by this scan, with the versions read: they are now seen.
    pub read: Vec<ObjectEntry>,
    /// Units listed but left alone, unchanged since the scan that last read them.
    pub unchanged: usize,
    /// Units seen before that the listing no longer has.
    pub removed: Vec<String>,
}

/// Scans one registered source, reading only the objects that are new or changed since
/// `previous` (the versions earlier scans read); database tables are sampled every time.
/// An object that fails is not counted as read, so the next scan tries it again.
pub async fn scan_source(engine: Arc<Engine>, location: &str, opts: &ScanOptions, previous: &[ObjectEntry]) -> SourceScan {
    let expanded = match expand(location, opts).await {
        Ok(x) => x,
        Err(e) => {
            let report = Report { scanned_at: timestamp(), columns: Vec::new(), errors: vec![e] };
            return SourceScan { report, stats: ScanStats::default(), listed: false, read: Vec::new(), unchanged: 0, removed: Vec::new() };
        }
    };
    let listed: Vec<ObjectEntry> = expanded.units.iter().map(|(_, e)| e.clone()).collect();
    let changes = diff(previous, &listed);
    let removed = changes.removed.iter().map(|e| e.shown.clone()).collect();
    let unchanged = if expanded.lake.is_some() { changes.unchanged.len() } else { 0 };
    let stale: std::collections::HashSet<&str> = changes.added.iter().chain(&changes.changed).map(|e| e.shown.as_str()).collect();
    let mut pending: Vec<(Unit, ObjectEntry)> = Vec::new();
    for (unit, entry) in expanded.units {
        // Tables have no version, so every one is read.
        if expanded.lake.is_none() || stale.contains(entry.shown.as_str()) {
            pending.push((unit, entry));
        }
    }
    let (units, entries): (Vec<Unit>, Vec<ObjectEntry>) = pending.into_iter().unzip();
    let count = units.len();
    let mut columns = Vec::new();
    let mut errors = Vec::new();
    let mut read = Vec::new();
    for (r, entry) in sample_units(engine, units, opts).await.into_iter().zip(entries) {
        debug_assert_eq!(r.shown, entry.shown);
        if r.sampled {
            read.push(entry);
        }
        columns.extend(r.columns);
        errors.extend(r.errors);
    }
    let stats = stats_of(count, &expanded.lake.iter().collect::<Vec<_>>());
    SourceScan { report: Report { scanned_at: timestamp(), columns, errors }, stats, listed: true, read, unchanged, removed }
}
