//! Parquet sampling: random row groups until the sample is full, then random rows.
//!
//! Only the footer and the chosen row groups are read, so the cost follows the sample,
//! not the file. A corrupt footer or page fails this file with a message naming it.

use std::path::Path;

use arrow::compute::take_record_batch;
use arrow::array::UInt32Array;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{pick_indices, Sample, SourceError, SWEEP_MAX_ROWS};

/// Samples about `rows` rows from the Parquet file at `path`.
pub fn sample(path: &Path, display: &str, rows: usize, rng: &mut StdRng) -> Result<Sample, SourceError> {
    let err = |e: parquet::errors::ParquetError| SourceError::Parquet { path: display.to_string(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(|e| SourceError::Io { path: display.to_string(), source: e })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(err)?;
    let meta = builder.metadata().clone();
    let mut groups: Vec<usize> = (0..meta.num_row_groups()).collect();
    groups.shuffle(rng);
    let mut chosen = Vec::new();
    let mut gathered = 0usize;
    for g in groups {
        if gathered >= rows {
            break;
        }
        let n = meta.row_group(g).num_rows() as usize;
        if n == 0 {
            continue;
        }
        chosen.push(g);
        gathered += n;
    }
    chosen.sort_unstable();
    let reader = builder.with_row_groups(chosen).with_batch_size(8192).build().map_err(err)?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| SourceError::Parquet { path: display.to_string(), message: e.to_string() })?);
    }
    let total: usize = batches.iter().map(|b| b.num_rows()).sum();
    let keep = pick_indices(total, rows, rng);
    if keep.len() == total {
        return Ok(Sample { batches, rows: total, warnings: Vec::new(), decoded: Vec::new(), skipped: Vec::new() });
    }
    // Split the global row indices over the batches and take them from each.
    let mut out = Vec::with_capacity(batches.len());
    let mut offset = 0usize;
    let mut k = 0usize;
    for b in &batches {
        let end = offset + b.num_rows();
        let mut local = Vec::new();
        while k < keep.len() && keep[k] < end {
            local.push((keep[k] - offset) as u32);
            k += 1;
        }
        if !local.is_empty() {
            let idx = UInt32Array::from(local);
            out.push(take_record_batch(b, &idx).map_err(|e| SourceError::Parquet { path: display.to_string(), message: e.to_string() })?);
        }
        offset = end;
    }
    let mut decoded = Vec::new();
    let mut kept = 0usize;
    for b in batches {
        if kept >= SWEEP_MAX_ROWS {
            break;
        }
        let take = b.num_rows().min(SWEEP_MAX_ROWS - kept);
        kept += take;
        decoded.push(b.slice(0, take));
    }
    Ok(Sample { batches: out, rows: keep.len(), warnings: Vec::new(), decoded, skipped: Vec::new() })
}
