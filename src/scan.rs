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
use crate::sources::store::{Lake, ObjectReader};
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

/// Samples and classifies every location: files, directories and object-store prefixes.
/// Units are sampled concurrently (I/O overlaps); each sample is classified on a blocking
/// thread. The report keeps the order of the locations and, within one, of its listing.
pub async fn scan_locations(engine: Arc<Engine>, locations: &[String], opts: &ScanOptions) -> (Report, ScanStats) {
    let mut errors = Vec::new();
    let mut units = Vec::new();
    let mut lakes = Vec::new();
    for given in locations {
        let shown = redact(given);
        let fail = |e: &dyn std::fmt::Display| ScanError { source: shown.clone(), column: None, error: redact(&e.to_string()) };
        let location = match Location::parse(given) {
            Ok(l) => l,
            Err(e) => {
                errors.push(fail(&e));
                continue;
            }
        };
        match &location {
            Location::Local(_) | Location::Store(_) => {
                let lake = match Lake::open(given, &location) {
                    Ok(l) => l,
                    Err(e) => {
                        errors.push(fail(&e));
                        continue;
                    }
                };
                match lake.list().await {
                    Ok(entries) => units.extend(entries.iter().map(|e| Unit::Object(lake.reader(e)))),
                    Err(e) => errors.push(fail(&e)),
                }
                lakes.push(lake);
            }
            Location::Postgres { dsn } => {
                let pg_opts = PgOptions { max_value_len: opts.max_value_len, ..PgOptions::default() };
                let source = match PgSource::connect(dsn, pg_opts).await {
                    Ok(s) => Arc::new(s),
                    Err(e) => {
                        errors.push(fail(&e));
                        continue;
                    }
                };
                match source.tables(&opts.tables).await {
                    Ok(tables) => units.extend(tables.into_iter().map(|t| Unit::Table(source.clone(), t))),
                    Err(e) => errors.push(fail(&e)),
                }
            }
        }
    }
    let threads = if opts.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { opts.threads };
    let stats_units = units.len();
    let results: Vec<(Vec<ColumnReport>, Vec<ScanError>)> = futures::stream::iter(units)
        .map(|unit| {
            let engine = engine.clone();
            let opts = opts.clone();
            async move {
                let (shown, sampled) = match unit {
                    Unit::Object(reader) => {
                        let shown = reader.shown().to_string();
                        (shown, sources::sample_object(reader, opts.sample_rows).await)
                    }
                    Unit::Table(source, table) => (table.to_string(), source.sample(&table, opts.sample_rows).await),
                };
                let sample = match sampled {
                    Ok(s) => s,
                    Err(e) => return (Vec::new(), vec![ScanError { source: shown, column: None, error: redact(&e.to_string()) }]),
                };
                let classify = tokio::task::spawn_blocking(move || {
                    let mut errs: Vec<ScanError> = sample
                        .warnings
                        .iter()
                        .map(|w| ScanError { source: shown.clone(), column: None, error: format!("{shown}: {w}") })
                        .collect();
                    let cols = classify_sample(&engine, &shown, &sample, opts.min_confidence, &mut errs);
                    (cols, errs)
                });
                classify.await.unwrap_or_else(|e| (Vec::new(), vec![ScanError { source: String::new(), column: None, error: format!("classification failed: {e}") }]))
            }
        })
        .buffered(threads + 1)
        .collect()
        .await;
    let mut columns = Vec::new();
    for (cols, errs) in results {
        columns.extend(cols);
        errors.extend(errs);
    }
    let stats = ScanStats {
        units: stats_units,
        bytes_read: lakes.iter().map(|l| l.stats.bytes()).sum(),
        requests: lakes.iter().map(|l| l.stats.requests()).sum(),
    };
    (Report { scanned_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(), columns, errors }, stats)
}
