//! Sources: turning a location into a bounded sample of Arrow record batches.
//!
//! A source never hands the engine more than the sample it asked for, and a bad file is
//! an error that names the file, never a panic or an abort of the other files. Row
//! selection is random but seeded by the location, so two scans of the same unchanged
//! file classify the same rows.

pub mod csv;
pub mod delta;
pub mod events;
pub mod iceberg;
pub mod location;
pub mod ndjson;
pub mod parquet;
pub mod policy;
pub mod postgres;
pub mod store;

use std::io::Read;
use std::path::Path;

use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::report::printable;
use store::ObjectReader;

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
///
/// Paths, tables and messages name things the data's authors chose (file, object and column
/// names), so they are shown through `report::printable`: an error printed on a terminal or
/// in a log cannot carry an escape sequence.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{}: cannot read: {source}", printable(.path))]
    Io { path: String, source: std::io::Error },
    #[error("{}: file is empty", printable(.path))]
    Empty { path: String },
    #[error("{}: not a valid Parquet file: {}", printable(.path), printable(.message))]
    Parquet { path: String, message: String },
    #[error("{}: {}", printable(.path), printable(.message))]
    Format { path: String, message: String },
    /// A database, table or store failed; `location` is the redacted location or table.
    #[error("{}: {}", printable(.location), printable(.message))]
    Remote { location: String, message: String },
    #[error("{}: unsupported file type (expected .parquet, .csv, .tsv, .ndjson, .jsonl or .json, optionally .gz/.zst)", printable(.path))]
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

/// Draws a sample of about `rows` rows from one listed object.
pub async fn sample_object(reader: ObjectReader, rows: usize) -> Result<Sample, SourceError> {
    sample_object_round(reader, rows, 0).await
}

/// `sample_object` in round `round` of a registered source's rereads of the object (a
/// forced rescan, new rules): each round draws other rows, and a Parquet file's row groups
/// are taken in turn, so rereads cover the file instead of reading the same rows again.
/// Round 0 is what a one-off scan reads.
pub async fn sample_object_round(reader: ObjectReader, rows: usize, round: u64) -> Result<Sample, SourceError> {
    let display = reader.shown().to_string();
    if reader.size() == 0 {
        return Err(SourceError::Empty { path: display });
    }
    let Some((fmt, comp)) = detect(Path::new(&display)) else {
        return Err(SourceError::Unsupported { path: display });
    };
    // Seeded by name and size, not full path: the same file samples the same rows
    // wherever it is stored.
    let name = Path::new(&display).file_name().map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
    let identity = format!("{name}:{}", reader.size());
    if fmt == Format::Parquet {
        return parquet::sample(reader, rows, &identity, round).await;
    }
    let mut rng = seeded_rng(&if round == 0 { identity } else { format!("{identity}#{round}") });
    let text = read_sample_text(&reader, comp, rows, &mut rng).await?;
    // Parsing is CPU work; keep it off the I/O threads.
    tokio::task::spawn_blocking(move || match fmt {
        Format::Csv { delimiter } => csv::sample(&text, &display, delimiter, rows, &mut rng),
        _ => ndjson::sample(&text, &display, rows, &mut rng),
    })
    .await
    .unwrap_or_else(|e| Err(SourceError::Format { path: reader.shown().to_string(), message: format!("parser failed: {e}") }))
}

/// A reproducible RNG for one file or table identity.
pub fn seeded_rng(location: &str) -> StdRng {
    StdRng::seed_from_u64(stable_seed(location))
}

/// The sampling seed of an identity (`name:size` for a file, `schema.table` for a table):
/// the first 8 bytes of its SHA-256, big-endian.
///
/// The seed must be the same on every platform and with every Rust and crate release, or an
/// upgrade would make rescans of unchanged data classify other rows. `DefaultHasher` makes no
/// such promise (its algorithm may change between Rust releases), while SHA-256 is a fixed
/// standard and `sha2` is already a dependency (HMAC fingerprints); its cost, once per file,
/// does not matter. A test pins a known value so that any change is caught.
pub fn stable_seed(identity: &str) -> u64 {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(identity.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 32 bytes"))
}

/// Largest uncompressed text file read whole; larger ones are sampled by byte ranges.
pub const WHOLE_TEXT_LIMIT: u64 = 16 << 20;
/// Most decompressed bytes read from a compressed text file (it cannot be seeked).
pub const COMPRESSED_READ_LIMIT: u64 = 64 << 20;
/// Bytes of each random range read from a large text file.
const TEXT_CHUNK: u64 = 256 * 1024;

/// Reads the text to sample from: the whole object when small, otherwise the head (with
/// the header), the tail and random byte ranges, realigned to line starts; a compressed object is
/// decompressed from its start up to `COMPRESSED_READ_LIMIT`. Returns whole lines only.
async fn read_sample_text(reader: &ObjectReader, comp: Compression, rows: usize, rng: &mut StdRng) -> Result<Vec<u8>, SourceError> {
    use rand::Rng;
    let len = reader.size();
    if comp != Compression::None {
        let stream = reader.stream().await?;
        let bridge = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
        let shown = reader.shown().to_string();
        return tokio::task::spawn_blocking(move || {
            let io = |e| SourceError::Io { path: shown.clone(), source: e };
            let input = std::io::BufReader::new(bridge);
            let mut decoder: Box<dyn Read> = match comp {
                Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(input)),
                _ => Box::new(zstd::stream::read::Decoder::with_buffer(input).map_err(io)?),
            };
            let mut buf = Vec::new();
            (&mut decoder).take(COMPRESSED_READ_LIMIT).read_to_end(&mut buf).map_err(io)?;
            cut_to_last_line(&mut buf);
            Ok(buf)
        })
        .await
        .unwrap_or_else(|e| Err(SourceError::Format { path: reader.shown().to_string(), message: format!("decompression failed: {e}") }));
    }
    if len <= WHOLE_TEXT_LIMIT {
        return Ok(reader.range(0..len).await?.to_vec());
    }
    let ranges = (rows / 200).clamp(4, 32);
    let mut offsets: Vec<u64> = (0..ranges).map(|_| rng.random_range(TEXT_CHUNK..len)).collect();
    // The tail too: appended rows are the newest, and a head that is one giant line
    // would otherwise leave few rows.
    offsets.push(len.saturating_sub(TEXT_CHUNK).max(TEXT_CHUNK));
    offsets.sort_unstable();
    offsets.dedup();
    let head = reader.range(0..TEXT_CHUNK);
    let rest = futures::future::try_join_all(offsets.iter().map(|&off| reader.range(off..(off + TEXT_CHUNK).min(len))));
    let (head, rest) = futures::future::try_join(head, rest).await?;
    let mut out = head.to_vec();
    cut_to_last_line(&mut out);
    for chunk in rest {
        // Realign to the first line start inside the chunk.
        let Some(nl) = chunk.iter().position(|&b| b == b'\n') else { continue };
        let mut body = chunk[nl + 1..].to_vec();
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    /// Pinned values: if either changes, every deployed source would sample other rows after
    /// an upgrade. The seed is SHA-256's first 8 bytes (check with
    /// `printf 'customers.csv:1048576' | sha256sum`); the first draw pins `StdRng` itself,
    /// whose algorithm `rand` does not promise to keep across releases (should a `rand`
    /// upgrade change it, seed an explicit `rand_chacha::ChaCha12Rng` instead).
    #[test]
    fn errors_print_no_escape_sequences() {
        let e = SourceError::Format { path: "a\u{1b}]0;title\u{7}.csv".into(), message: "column \u{1b}[2Jx\ny".into() };
        assert_eq!(e.to_string(), "a.csv: column x y");
    }

    #[test]
    fn sampling_seeds_are_pinned() {
        assert_eq!(stable_seed("customers.csv:1048576"), 0xf41e_c931_d549_0553);
        assert_eq!(stable_seed("sales.orders"), 0x9070_a83f_92d8_f415);
        assert_eq!(seeded_rng("customers.csv:1048576").next_u64(), 10_551_096_130_553_256_403);
        assert_ne!(stable_seed("customers.csv:1048576"), stable_seed("customers.csv:1048577"));
    }
}
