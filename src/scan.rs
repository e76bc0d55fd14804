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
use crate::sources::postgres::changes::{TableState, TableVersion};
use crate::sources::postgres::{PgOptions, PgSource, TableName};
use crate::sources::store::{diff, Lake, ObjectEntry, ObjectReader, ObjectState};
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
    /// What a registered source's scan reads besides what changed.
    pub reread: Reread,
    /// The column that orders a table's rows by arrival, where a table has it indexed
    /// (else the identity key or a conventional timestamp; see `postgres::changes`).
    pub append_key: Option<String>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            sample_rows: 1000,
            min_confidence: 0.0,
            threads: 0,
            tables: Vec::new(),
            max_value_len: crate::classify::engine::DEFAULT_MAX_VALUE_LEN,
            reread: Reread::Changed,
            append_key: None,
        }
    }
}

/// What a registered source's scan reads besides the objects and tables that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reread {
    /// Only what changed since the last scan.
    #[default]
    Changed,
    /// Every table too: what the gate's rescan asks for, since a table's change counters
    /// can lag a commit by seconds while a sample costs about the same at any size.
    /// Objects still go by their ETags, which do not lag.
    Tables,
    /// Everything (a forced rescan; rules that changed since the last scan).
    All,
}

/// Classifies every column of a sample; `source` is the name reported for it.
pub fn classify_sample(engine: &Engine, source: &str, sample: &Sample, min_confidence: f64, errors: &mut Vec<ScanError>) -> Vec<ColumnReport> {
    let schema = sample.batches.first().map(|b| b.schema());
    let fields = schema.as_ref().map(|s| s.fields().iter().collect::<Vec<_>>()).unwrap_or_default();
    let mut scratch = Scratch::default();
    let mut out = Vec::with_capacity(fields.len() + sample.skipped.len());
    // Regions for the national phone numbers of phone columns: a country column, `+` numbers.
    let regions = crate::classify::phones::table_regions(engine.plans(), &sample.batches, |c| engine.is_phone_column(c));
    for (ci, field) in fields.into_iter().enumerate() {
        let mut acc = match regions.get(ci) {
            Some(r) if !r.is_empty() => ColumnAccumulator::with_phone_regions(engine, field.name(), r),
            _ => ColumnAccumulator::new(engine, field.name()),
        };
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
        let binary = acc.binary();
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
            binary,
            labels,
        });
    }
    // Numbers that only a partner column shows to be positions.
    if min_confidence <= crate::classify::coordinates::CONFIDENCE {
        crate::classify::coordinates::label_pairs(engine, &sample.batches, &mut out);
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
            binary: false,
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

/// Something to sample: one listed object or one database table (with, in a registered
/// source's scan, its version now and what the last scan left of it).
enum Unit {
    /// An object and the round of its rereads (see `sources::sample_object_round`).
    Object(ObjectReader, u64),
    Table(Arc<PgSource>, TableName, Option<Box<(TableVersion, Option<TableState>)>>),
}

impl Unit {
    /// The name the unit is reported and remembered by.
    fn shown(&self) -> String {
        match self {
            Unit::Object(reader, _) => reader.shown().to_string(),
            Unit::Table(_, table, _) => table.to_string(),
        }
    }
}

/// One location expanded into what it holds.
struct Expanded {
    /// Objects with their listing entries, or tables (whose entry carries only the name).
    units: Vec<(Unit, ObjectEntry)>,
    /// The lake the objects come from, for I/O counts.
    lake: Option<Lake>,
    /// What the listing says that is not an error (Delta table versions).
    notes: Vec<String>,
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
            let listing = lake.list().await.map_err(|e| fail(&e))?;
            let units = listing.entries.into_iter().map(|e| (Unit::Object(lake.reader(&e), 0), e)).collect();
            Ok(Expanded { units, lake: Some(lake), notes: listing.notes })
        }
        Location::Postgres { dsn } => {
            let pg_opts = PgOptions { max_value_len: opts.max_value_len, ..PgOptions::default() };
            let source = Arc::new(PgSource::connect(dsn, pg_opts).await.map_err(|e| fail(&e))?);
            let tables = source.tables(&opts.tables).await.map_err(|e| fail(&e))?;
            let now = chrono::Utc::now();
            let units = tables
                .into_iter()
                .map(|t| {
                    // A registered source's scan reads each table's version next (`versions`).
                    let entry = ObjectEntry { shown: t.to_string(), key: Default::default(), size: 0, e_tag: None, last_modified: now, state: None };
                    (Unit::Table(source.clone(), t, None), entry)
                })
                .collect();
            Ok(Expanded { units, lake: None, notes: Vec::new() })
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
    /// A table's state to keep for its next scan (JSON).
    state: Option<String>,
    /// What the unit's sampling says that is not an error.
    notes: Vec<String>,
}

impl UnitResult {
    fn failed(shown: String, error: String) -> UnitResult {
        UnitResult { shown: shown.clone(), sampled: false, columns: Vec::new(), errors: vec![ScanError { source: shown, column: None, error }], state: None, notes: Vec::new() }
    }
}

/// Says which part of a table's sample held each finding: the first batch's `new_rows`
/// rows (past the last high-water mark) or the rest (the uniform sample). Each part is
/// classified on its own; a label that only their pooled rows bear out is `both`.
fn attribute_parts(engine: &Engine, name: &str, sample: &Sample, new_rows: usize, min_confidence: f64, columns: &mut [ColumnReport]) {
    let part = |batches: &[arrow::record_batch::RecordBatch], rows| Sample { batches: batches.to_vec(), rows, warnings: Vec::new(), decoded: Vec::new(), skipped: Vec::new() };
    let labels_of = |s: &Sample| -> std::collections::HashSet<(String, String)> {
        classify_sample(engine, name, s, min_confidence, &mut Vec::new())
            .into_iter()
            .flat_map(|c| c.labels.into_iter().map(move |l| (c.column.clone(), l.label)))
            .collect()
    };
    let (in_new, in_table) = if new_rows == 0 {
        (Default::default(), None)
    } else {
        (labels_of(&part(&sample.batches[..1], new_rows)), Some(labels_of(&part(&sample.batches[1..], sample.rows - new_rows))))
    };
    for c in columns {
        for l in &mut c.labels {
            let key = (c.column.clone(), l.label.clone());
            let part = match (&in_table, in_new.contains(&key)) {
                (None, _) => "table",
                (Some(t), true) if !t.contains(&key) => "new_rows",
                (Some(t), false) if t.contains(&key) => "table",
                _ => "both",
            };
            l.sample_part = Some(part.to_string());
        }
    }
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
                // A registered source's table: new rows and the next round, attributed.
                let mut table_part = None;
                let mut object_state = None;
                let sampled = match unit {
                    Unit::Object(reader, round) => {
                        object_state = Some(ObjectState { round }.to_json());
                        sources::sample_object_round(reader, opts.sample_rows, round).await
                    }
                    Unit::Table(source, table, None) => source.sample(&table, opts.sample_rows).await,
                    Unit::Table(source, table, Some(ctx)) => {
                        let (version, previous) = *ctx;
                        source.sample_changed(&table, opts.sample_rows, &version, previous.as_ref()).await.map(|t| {
                            table_part = Some((t.new_rows, t.state.to_json(), t.notes));
                            t.sample
                        })
                    }
                };
                let sample = match sampled {
                    Ok(s) => s,
                    Err(e) => return UnitResult::failed(shown, redact(&e.to_string())),
                };
                let (new_rows, state, notes) = match table_part {
                    Some((n, state, notes)) => (Some(n), Some(state), notes.into_iter().map(|n| format!("{shown}: {n}")).collect()),
                    None => (None, object_state, Vec::new()),
                };
                let name = shown.clone();
                let classify = tokio::task::spawn_blocking(move || {
                    let mut errs: Vec<ScanError> = sample
                        .warnings
                        .iter()
                        .map(|w| ScanError { source: name.clone(), column: None, error: format!("{name}: {w}") })
                        .collect();
                    let mut cols = classify_sample(&engine, &name, &sample, opts.min_confidence, &mut errs);
                    if let Some(new_rows) = new_rows {
                        attribute_parts(&engine, &name, &sample, new_rows, opts.min_confidence, &mut cols);
                    }
                    (cols, errs)
                });
                match classify.await {
                    Ok((columns, errors)) => UnitResult { shown, sampled: true, columns, errors, state, notes },
                    Err(e) => UnitResult::failed(shown, format!("classification failed: {e}")),
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
    /// What the scan says that is not an error (how tables were sampled), one per line.
    pub notes: Vec<String>,
}

/// Scans one registered source, reading only the objects and tables that are new or
/// changed since `previous` (the versions earlier scans read; more with `opts.reread`). A table's version is read first (`postgres::changes`); a table without
/// one (a view) is read every time. An object or table that fails is not counted as read,
/// so the next scan tries it again.
pub async fn scan_source(engine: Arc<Engine>, location: &str, opts: &ScanOptions, previous: &[ObjectEntry]) -> SourceScan {
    let mut expanded = match expand(location, opts).await {
        Ok(x) => x,
        Err(e) => {
            let report = Report { scanned_at: timestamp(), columns: Vec::new(), errors: vec![e] };
            return SourceScan { report, stats: ScanStats::default(), listed: false, read: Vec::new(), unchanged: 0, removed: Vec::new(), notes: Vec::new() };
        }
    };
    versions(&mut expanded.units, previous, opts).await;
    let listed: Vec<ObjectEntry> = expanded.units.iter().map(|(_, e)| e.clone()).collect();
    let changes = diff(previous, &listed);
    let removed = changes.removed.iter().map(|e| e.shown.clone()).collect();
    let stale: std::collections::HashSet<&str> = changes.added.iter().chain(&changes.changed).map(|e| e.shown.as_str()).collect();
    let mut pending: Vec<(Unit, ObjectEntry)> = Vec::new();
    let mut unchanged = 0;
    for (unit, entry) in expanded.units {
        // A table without a version (a view) cannot be known unchanged.
        let versioned = matches!(unit, Unit::Object(..)) || entry.e_tag.is_some();
        let forced = match opts.reread {
            Reread::Changed => false,
            Reread::Tables => matches!(unit, Unit::Table(..)),
            Reread::All => true,
        };
        if forced || !versioned || stale.contains(entry.shown.as_str()) {
            pending.push((unit, entry));
        } else {
            unchanged += 1;
        }
    }
    let (units, entries): (Vec<Unit>, Vec<ObjectEntry>) = pending.into_iter().unzip();
    let count = units.len();
    let mut columns = Vec::new();
    let mut errors = Vec::new();
    let mut read = Vec::new();
    let mut notes = std::mem::take(&mut expanded.notes);
    for (r, mut entry) in sample_units(engine, units, opts).await.into_iter().zip(entries) {
        debug_assert_eq!(r.shown, entry.shown);
        if r.sampled {
            entry.state = r.state;
            read.push(entry);
        }
        columns.extend(r.columns);
        errors.extend(r.errors);
        notes.extend(r.notes);
    }
    let stats = stats_of(count, &expanded.lake.iter().collect::<Vec<_>>());
    SourceScan { report: Report { scanned_at: timestamp(), columns, errors }, stats, listed: true, read, unchanged, removed, notes }
}

/// Reads the version of each table of a registered source (a few at a time, like the
/// samples) and gives it what the last scan left of it; gives each object read before
/// the next round of its sample. A table whose version cannot be
/// read keeps none, so it is sampled, and the sample says what is wrong.
async fn versions(units: &mut [(Unit, ObjectEntry)], previous: &[ObjectEntry], opts: &ScanOptions) {
    let before: std::collections::HashMap<&str, &ObjectEntry> = previous.iter().map(|e| (e.shown.as_str(), e)).collect();
    // An object read before is read in its next round: other rows, other row groups.
    for (unit, entry) in units.iter_mut() {
        if let (Unit::Object(_, round), Some(p)) = (unit, before.get(entry.shown.as_str())) {
            *round = ObjectState::parse(p.state.as_deref()).map_or(0, |s| s.round) + 1;
        }
    }
    let tables: Vec<(usize, Arc<PgSource>, TableName)> = units
        .iter()
        .enumerate()
        .filter_map(|(i, (u, _))| match u {
            Unit::Table(source, table, _) => Some((i, source.clone(), table.clone())),
            Unit::Object(..) => None,
        })
        .collect();
    // Owned per future: a borrowed option would make the future not `Send` for every lifetime.
    let read: Vec<(usize, Result<TableVersion, sources::SourceError>)> = futures::stream::iter(tables)
        .map(|(i, source, table)| {
            let key = opts.append_key.clone();
            async move { (i, source.version(&table, key.as_deref()).await) }
        })
        .buffered(4)
        .collect()
        .await;
    for (i, version) in read {
        let (unit, entry) = &mut units[i];
        let Unit::Table(_, _, ctx) = unit else { continue };
        let version = version.unwrap_or_default();
        entry.e_tag = version.e_tag.clone();
        entry.size = version.size;
        let state = before.get(entry.shown.as_str()).and_then(|p| TableState::parse(p.state.as_deref()));
        *ctx = Some(Box::new((version, state)));
    }
}
