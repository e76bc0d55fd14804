//! `assay scan`: expand locations, sample each file, classify its columns, build the report.
//!
//! Files are scanned in parallel (one worker per core). A file that fails is recorded in
//! the report's `errors` and on stderr; the others go on.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use arrow::datatypes::DataType;

use crate::classify::columns::{classify_array, is_scannable};
use crate::classify::{ColumnAccumulator, Engine, Scratch};
use crate::report::{ColumnReport, Report, ScanError};
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
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions { sample_rows: 1000, min_confidence: 0.0, threads: 0 }
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

/// One file's columns and errors, with its position in the file list.
type FileResult = (usize, Vec<ColumnReport>, Vec<ScanError>);

/// Scans local files and directories.
pub fn scan_paths(engine: &Engine, locations: &[String], opts: &ScanOptions) -> Report {
    let mut errors = Vec::new();
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for loc in locations {
        let p = Path::new(loc.strip_prefix("file://").unwrap_or(loc));
        if !p.exists() {
            errors.push(ScanError { source: loc.clone(), column: None, error: format!("{loc}: no such file or directory") });
            continue;
        }
        match sources::expand(p) {
            Ok(list) => {
                for f in list {
                    let shown = if p.is_dir() { f.display().to_string() } else { loc.clone() };
                    files.push((shown, f));
                }
            }
            Err(e) => errors.push(ScanError { source: loc.clone(), column: None, error: e.to_string() }),
        }
    }
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    }
    .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<FileResult>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((shown, path)) = files.get(i) else { break };
                let mut errs = Vec::new();
                let cols = match sources::sample_file(path, opts.sample_rows) {
                    Ok(sample) => {
                        for w in &sample.warnings {
                            errs.push(ScanError { source: shown.clone(), column: None, error: format!("{shown}: {w}") });
                        }
                        classify_sample(engine, shown, &sample, opts.min_confidence, &mut errs)
                    }
                    Err(e) => {
                        errs.push(ScanError { source: shown.clone(), column: None, error: e.to_string() });
                        Vec::new()
                    }
                };
                results.lock().unwrap_or_else(|p| p.into_inner()).push((i, cols, errs));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|r| r.0);
    let mut columns = Vec::new();
    for (_, cols, errs) in results {
        columns.extend(cols);
        errors.extend(errs);
    }
    Report { scanned_at: chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(), columns, errors }
}
