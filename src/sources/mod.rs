//! Sources: turning a location into a bounded sample of Arrow record batches.
//!
//! A source never hands the engine more than the sample it asked for, and a bad file is
//! an error that names the file, never a panic or an abort of the other files. Row
//! selection is random but seeded by the location, so two scans of the same unchanged
//! file classify the same rows.

pub mod csv;
pub mod location;
pub mod ndjson;
pub mod parquet;
pub mod postgres;

use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// A sample drawn from one file.
pub struct Sample {
    /// Batches holding the sampled rows.
    pub batches: Vec<RecordBatch>,
    /// Rows in the sample.
    pub rows: usize,
    /// Problems that skipped part of the file (bad rows), reported but not fatal.
    pub warnings: Vec<String>,
    /// Every row decoded on the way to the sample (a superset of it), up to
    /// `SWEEP_MAX_ROWS`; empty when nothing beyond the sample was decoded. These rows are
    /// swept for critical secrets only, at the cost of one literal pass.
    pub decoded: Vec<RecordBatch>,
    /// Columns left out of the sample on purpose (e.g. `bytea`), with the reason; they are
    /// listed in the report as not scanned.
    pub skipped: Vec<SkippedColumn>,
}

/// A column the source did not sample, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedColumn {
    /// Column name.
    pub name: String,
    /// Why it was not scanned (e.g. "bytea is not scanned").
    pub reason: String,
}

/// Most decoded rows kept for the secrets sweep.
pub const SWEEP_MAX_ROWS: usize = 200_000;

/// Why a file could not be sampled.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: file is empty")]
    Empty { path: String },
    #[error("{path}: not a valid Parquet file: {message}")]
    Parquet { path: String, message: String },
    #[error("{path}: {message}")]
    Format { path: String, message: String },
    /// A database, table or store failed; `location` is the redacted location or table.
    #[error("{location}: {message}")]
    Remote { location: String, message: String },
    #[error("{path}: unsupported file type (expected .parquet, .csv, .tsv, .ndjson, .jsonl or .json, optionally .gz/.zst)")]
    Unsupported { path: String },
}

/// File formats Assay reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv { delimiter: u8 },
    NdJson,
}

/// Compression wrapping a text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Works out format and compression from a file name.
pub fn detect(path: &Path) -> Option<(Format, Compression)> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let (stem, comp) = if let Some(s) = name.strip_suffix(".gz") {
        (s.to_string(), Compression::Gzip)
    } else if let Some(s) = name.strip_suffix(".zst") {
        (s.to_string(), Compression::Zstd)
    } else {
        (name.clone(), Compression::None)
    };
    let fmt = if stem.ends_with(".parquet") || stem.ends_with(".pq") {
        if comp != Compression::None {
            return None;
        }
        Format::Parquet
    } else if stem.ends_with(".csv") {
        Format::Csv { delimiter: b',' }
    } else if stem.ends_with(".tsv") {
        Format::Csv { delimiter: b'\t' }
    } else if stem.ends_with(".ndjson") || stem.ends_with(".jsonl") || stem.ends_with(".json") {
        Format::NdJson
    } else {
        return None;
    };
    Some((fmt, comp))
}

/// Expands a location into files: a directory yields the data files below it (sorted;
/// hidden entries and non-data files are skipped; `.json` only when named directly).
pub fn expand(location: &Path) -> Result<Vec<PathBuf>, SourceError> {
    if !location.is_dir() {
        return Ok(vec![location.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![location.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| SourceError::Io { path: dir.display().to_string(), source: e })?;
        for entry in rd {
            let entry = entry.map_err(|e| SourceError::Io { path: dir.display().to_string(), source: e })?;
            let p = entry.path();
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Some((fmt, _)) = detect(&p) {
                let name = entry.file_name().to_string_lossy().to_lowercase();
                let plain_json = fmt == Format::NdJson && !name.contains(".ndjson") && !name.contains(".jsonl");
                if !plain_json {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Draws a sample of about `rows` rows from a local file.
pub fn sample_file(path: &Path, rows: usize) -> Result<Sample, SourceError> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| SourceError::Io { path: display.clone(), source: e })?;
    if meta.len() == 0 {
        return Err(SourceError::Empty { path: display });
    }
    let Some((fmt, comp)) = detect(path) else {
        return Err(SourceError::Unsupported { path: display });
    };
    // Seeded by name and size, not full path: the same file samples the same rows
    // wherever it is mounted.
    let name = path.file_name().map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
    let mut rng = seeded_rng(&format!("{name}:{}", meta.len()));
    match fmt {
        Format::Parquet => parquet::sample(path, &display, rows, &mut rng),
        Format::Csv { delimiter } => csv::sample(path, &display, comp, delimiter, rows, &mut rng),
        Format::NdJson => ndjson::sample(path, &display, comp, rows, &mut rng),
    }
}

/// A reproducible RNG for one file identity.
pub fn seeded_rng(location: &str) -> StdRng {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    location.hash(&mut h);
    StdRng::seed_from_u64(h.finish())
}

/// Largest uncompressed text file read whole; larger ones are sampled by byte ranges.
pub const WHOLE_TEXT_LIMIT: u64 = 16 << 20;
/// Most decompressed bytes read from a compressed text file (it cannot be seeked).
pub const COMPRESSED_READ_LIMIT: u64 = 64 << 20;

/// Opens a text file through its decompressor.
pub fn open_text(path: &Path, display: &str, comp: Compression) -> Result<Box<dyn Read>, SourceError> {
    let f = std::fs::File::open(path).map_err(|e| SourceError::Io { path: display.to_string(), source: e })?;
    let f = std::io::BufReader::new(f);
    Ok(match comp {
        Compression::None => Box::new(f),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(f)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(f)
                .map_err(|e| SourceError::Io { path: display.to_string(), source: e })?,
        ),
    })
}

/// Reads the text to sample from: the whole file when small, otherwise the head plus
/// random byte ranges realigned to line starts. Returns lines-complete text and whether
/// the first line of the text is the file's first line (the header).
pub fn read_sample_text(path: &Path, display: &str, comp: Compression, rows: usize, rng: &mut StdRng) -> Result<Vec<u8>, SourceError> {
    use rand::Rng;
    use std::io::{Seek, SeekFrom};
    let io = |e| SourceError::Io { path: display.to_string(), source: e };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if comp != Compression::None {
        let mut buf = Vec::new();
        open_text(path, display, comp)?.take(COMPRESSED_READ_LIMIT).read_to_end(&mut buf).map_err(io)?;
        cut_to_last_line(&mut buf);
        return Ok(buf);
    }
    if len <= WHOLE_TEXT_LIMIT {
        return std::fs::read(path).map_err(io);
    }
    // Head (with the header) plus chunks at random offsets, each realigned to a line start.
    let chunk = 256 * 1024usize;
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut out = vec![0u8; chunk];
    let n = f.read(&mut out).map_err(io)?;
    out.truncate(n);
    cut_to_last_line(&mut out);
    let ranges = (rows / 200).clamp(4, 32);
    let mut offsets: Vec<u64> = (0..ranges).map(|_| rng.random_range(chunk as u64..len)).collect();
    offsets.sort_unstable();
    for off in offsets {
        f.seek(SeekFrom::Start(off)).map_err(io)?;
        let mut buf = vec![0u8; chunk];
        let n = f.read(&mut buf).map_err(io)?;
        buf.truncate(n);
        let Some(nl) = buf.iter().position(|&b| b == b'\n') else { continue };
        let mut body = buf.split_off(nl + 1);
        cut_to_last_line(&mut body);
        out.extend_from_slice(&body);
    }
    Ok(out)
}

fn cut_to_last_line(buf: &mut Vec<u8>) {
    if let Some(p) = buf.iter().rposition(|&b| b == b'\n') {
        buf.truncate(p + 1);
    }
}

/// Builds a text-format sample: one batch of the `keep` rows and, when more rows were
/// parsed, the sweep batch of all of them. `cell(row, column, builder)` appends one cell;
/// every column is nullable text. `skipped` is the count of malformed rows and the first
/// few of their messages.
pub fn text_sample(
    display: &str,
    names: &[String],
    parsed: usize,
    keep: &[usize],
    skipped: (usize, &[String]),
    cell: impl Fn(usize, usize, &mut StringBuilder),
) -> Result<Sample, SourceError> {
    let mut warnings = Vec::new();
    if skipped.0 > 0 {
        warnings.push(format!("{} malformed row(s) skipped: {}", skipped.0, skipped.1.join("; ")));
    }
    let fields: Vec<Field> = names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let build = |rows: &mut dyn Iterator<Item = usize>| -> Result<RecordBatch, SourceError> {
        let mut builders: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
        for r in rows {
            for (c, b) in builders.iter_mut().enumerate() {
                cell(r, c, b);
            }
        }
        let arrays: Vec<ArrayRef> = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| SourceError::Format { path: display.to_string(), message: e.to_string() })
    };
    let batch = build(&mut keep.iter().copied())?;
    let decoded = if parsed > keep.len() { vec![build(&mut (0..parsed.min(SWEEP_MAX_ROWS)))?] } else { Vec::new() };
    Ok(Sample { rows: keep.len(), batches: vec![batch], warnings, decoded, skipped: Vec::new() })
}

/// Picks `k` of `n` indices at random, sorted (all of them when `n <= k`).
pub fn pick_indices(n: usize, k: usize, rng: &mut StdRng) -> Vec<usize> {
    if n <= k {
        return (0..n).collect();
    }
    let mut idx = rand::seq::index::sample(rng, n, k).into_vec();
    idx.sort_unstable();
    idx
}
