//! Parquet sampling through the async reader: footer first, then only what the sample needs.
//!
//! Only columns the engine can read (text, integers, dates, nested) are projected. Row
//! groups are drawn at random until they hold the sample. When those row groups are small
//! (their projected bytes fit `WHOLE_GROUPS_BUDGET`) they are read whole and every decoded
//! row is also swept for secrets; otherwise the sample is drawn from a few page-long runs
//! of rows at random places in the file, and with the offset index only the pages holding
//! them are fetched. Either way the bytes read are bounded by the sample, not the file.

use arrow::array::UInt32Array;
use arrow::compute::take_record_batch;
use arrow::record_batch::RecordBatch;
use futures::TryStreamExt;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, RowSelection, RowSelector};
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::store::ObjectReader;
use super::{pick_indices, Sample, SkippedColumn, SourceError, SWEEP_MAX_ROWS};
use crate::classify::columns::{is_fractional, is_scannable};

/// Most projected (compressed) bytes of whole row groups read for one sample; above it
/// the sample is drawn as runs of rows from the pages that hold them.
pub const WHOLE_GROUPS_BUDGET: u64 = 32 << 20;
/// Most bytes the runs of a large file's sample are planned to cost.
pub const RUNS_BUDGET: u64 = 12 << 20;
/// Most runs of contiguous rows a large file's sample is made of.
const MAX_RUNS: usize = 16;

/// Samples about `rows` rows from a Parquet object whose sampling identity (seed) is
/// `identity`; `round` says which turn of the file's row groups a small file's sample
/// takes (see `choose_groups`), and seeds the rows drawn from them.
pub async fn sample(reader: ObjectReader, rows: usize, identity: &str, round: u64) -> Result<Sample, SourceError> {
    let display = reader.shown().to_string();
    let err = |e: parquet::errors::ParquetError| SourceError::Parquet { path: display.clone(), message: e.to_string() };
    let opts = ArrowReaderOptions::new().with_offset_index_policy(PageIndexPolicy::Optional);
    let builder = ParquetRecordBatchStreamBuilder::new_with_options(reader, opts).await.map_err(err)?;
    let meta = builder.metadata().clone();
    let fields = builder.schema().fields().clone();
    let mut roots = Vec::new();
    let mut skipped = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if is_scannable(f.data_type()) || is_fractional(f.data_type()) {
            roots.push(i);
        } else {
            skipped.push(SkippedColumn { name: f.name().clone(), reason: format!("{} values are not scanned", f.data_type()) });
        }
    }
    let descr = builder.parquet_schema();
    let mut projected = vec![false; fields.len()];
    for &r in &roots {
        projected[r] = true;
    }
    let leaves: Vec<usize> = (0..descr.num_columns()).filter(|&l| projected[descr.get_column_root_idx(l)]).collect();
    let mask = ProjectionMask::roots(descr, roots);

    let total_rows: u64 = meta.row_groups().iter().map(|g| g.num_rows().max(0) as u64).sum();
    if total_rows == 0 || leaves.is_empty() {
        return Ok(Sample { batches: Vec::new(), rows: 0, warnings: Vec::new(), decoded: Vec::new(), skipped });
    }
    // Round 0 draws everything from the identity's one generator, as one-off scans always
    // have; later rounds keep its order of row groups and draw rows by a generator of their own.
    let mut file_rng = super::seeded_rng(identity);
    let chosen = choose_groups(&meta, rows, &mut file_rng, round);
    let mut round_rng = super::seeded_rng(&format!("{identity}#{round}"));
    let rng = if round == 0 { &mut file_rng } else { &mut round_rng };
    let chosen_bytes: u64 = chosen.iter().map(|&g| leaves.iter().map(|&l| meta.row_group(g).column(l).compressed_size().max(0) as u64).sum::<u64>()).sum();
    let builder = builder.with_projection(mask).with_batch_size(8192);

    if chosen_bytes <= WHOLE_GROUPS_BUDGET {
        let stream = builder.with_row_groups(chosen).build().map_err(err)?;
        let batches: Vec<RecordBatch> = stream.try_collect().await.map_err(err)?;
        let mut sample = take_rows(&display, batches, rows, rng)?;
        sample.skipped = skipped;
        return Ok(sample);
    }

    // A large file: runs of rows at random places, each as long as a page of the column
    // with the shortest pages (so a run costs about two pages of every column: it may
    // straddle a boundary), as many runs as the byte budget allows. The sample is drawn
    // from the decoded runs, which are also swept.
    let shapes: Vec<(u64, u64)> = leaves.iter().map(|&l| page_shape(&meta, l)).collect();
    let per_run: u64 = 2 * shapes.iter().map(|s| s.0).sum::<u64>().max(1);
    let runs = ((RUNS_BUDGET / per_run) as usize).clamp(1, MAX_RUNS);
    // Without an offset index a chunk is read whole however short the run, and a long
    // run would only straddle more row groups.
    let indexed = meta.page_index().is_some();
    let page_rows = if indexed { shapes.iter().map(|s| s.1).min().unwrap_or(1) } else { 1 };
    let run_len = (rows.div_ceil(runs) as u64).max(page_rows).min(total_rows);
    let mut starts: Vec<u64> = (0..runs).map(|_| rng.random_range(0..=total_rows - run_len)).collect();
    starts.sort_unstable();
    let (groups, selection) = select_runs(&meta, &starts, run_len);
    let stream = builder.with_row_groups(groups).with_row_selection(selection).build().map_err(err)?;
    let batches: Vec<RecordBatch> = stream.try_collect().await.map_err(err)?;
    let mut sample = take_rows(&display, batches, rows, rng)?;
    sample.skipped = skipped;
    Ok(sample)
}

/// Row groups in a random order (fixed by `rng`, the file's) until they hold `rows` rows,
/// returned in file order. Round `r` starts where round `r - 1`'s share of that order
/// ends (as many groups as round 0 took), so successive rounds take every group in turn:
/// a file of `n` groups of which a sample takes `k` is covered in `n / k` rounds.
fn choose_groups(meta: &ParquetMetaData, rows: usize, rng: &mut StdRng, round: u64) -> Vec<usize> {
    let n = meta.num_row_groups();
    let mut groups: Vec<usize> = (0..n).collect();
    groups.shuffle(rng);
    let take = |order: &mut dyn Iterator<Item = usize>| {
        let mut chosen = Vec::new();
        let mut gathered = 0usize;
        for g in order {
            if gathered >= rows {
                break;
            }
            let n = meta.row_group(g).num_rows().max(0) as usize;
            if n > 0 {
                chosen.push(g);
                gathered += n;
            }
        }
        chosen
    };
    let per_round = take(&mut groups.iter().copied()).len().max(1);
    let start = (round as usize % n.max(1)).saturating_mul(per_round) % n.max(1);
    let mut chosen = take(&mut groups.iter().copied().cycle().skip(start).take(n));
    chosen.sort_unstable();
    chosen
}

/// Mean compressed bytes and mean rows of one page of leaf column `leaf` (a whole chunk
/// counts as one page when the file has no offset index, since then a chunk is read whole).
fn page_shape(meta: &ParquetMetaData, leaf: usize) -> (u64, u64) {
    let (mut bytes, mut rows, mut pages) = (0u64, 0u64, 0u64);
    for g in 0..meta.num_row_groups() {
        let group = meta.row_group(g);
        bytes += group.column(leaf).compressed_size().max(0) as u64;
        rows += group.num_rows().max(0) as u64;
        pages += meta.page_index_for_row_group(g).offset_index(leaf).map_or(1, |o| o.page_locations().len().max(1) as u64);
    }
    (bytes / pages.max(1), rows / pages.max(1))
}

/// The row groups touched by runs `[start, start + len)` of file rows, and a selection of
/// exactly those rows within them.
fn select_runs(meta: &ParquetMetaData, starts: &[u64], len: u64) -> (Vec<usize>, RowSelection) {
    // Merge overlapping runs first.
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for &s in starts {
        match runs.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(s + len),
            _ => runs.push((s, s + len)),
        }
    }
    let mut groups = Vec::new();
    let mut selectors = Vec::new();
    let mut group_start = 0u64;
    for g in 0..meta.num_row_groups() {
        let n = meta.row_group(g).num_rows().max(0) as u64;
        let group_end = group_start + n;
        let mut pos = group_start;
        let mut touched = false;
        for &(s, e) in &runs {
            let (s, e) = (s.max(group_start), e.min(group_end));
            if s >= e {
                continue;
            }
            touched = true;
            if s > pos {
                selectors.push(RowSelector::skip((s - pos) as usize));
            }
            selectors.push(RowSelector::select((e - s) as usize));
            pos = e;
        }
        if touched {
            if group_end > pos {
                selectors.push(RowSelector::skip((group_end - pos) as usize));
            }
            groups.push(g);
        }
        group_start = group_end;
    }
    (groups, RowSelection::from(selectors))
}

/// Keeps `rows` random rows of the decoded batches; all decoded rows (up to
/// `SWEEP_MAX_ROWS`) are kept for the secrets sweep.
fn take_rows(display: &str, batches: Vec<RecordBatch>, rows: usize, rng: &mut StdRng) -> Result<Sample, SourceError> {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;
    use parquet::file::metadata::ParquetMetaDataReader;
    use parquet::file::properties::WriterProperties;

    use super::*;

    /// The metadata of a file of `groups` row groups of 100 rows.
    fn layout(groups: usize) -> ParquetMetaData {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from_iter_values(0..(groups as i64 * 100)))]).unwrap();
        let mut bytes = Vec::new();
        let props = WriterProperties::builder().set_max_row_group_row_count(Some(100)).build();
        let mut w = ArrowWriter::try_new(&mut bytes, schema, Some(props)).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        ParquetMetaDataReader::new().parse_and_finish(&bytes::Bytes::from(bytes)).unwrap()
    }

    #[test]
    fn rounds_take_every_row_group_in_turn() {
        let meta = layout(20);
        assert_eq!(meta.num_row_groups(), 20);
        let rng = || crate::sources::seeded_rng("part-0.parquet:1234");
        // 150 rows take two groups a round: ten rounds read all twenty, none twice.
        let mut seen = BTreeSet::new();
        for round in 0..10 {
            let chosen = choose_groups(&meta, 150, &mut rng(), round);
            assert_eq!(chosen.len(), 2, "round {round}: {chosen:?}");
            for g in chosen {
                assert!(seen.insert(g), "round {round} took group {g} again");
            }
        }
        assert_eq!(seen.len(), 20);
        // Round 0 is the one-off scan's choice; any round is reproducible; round 10 starts over.
        assert_eq!(choose_groups(&meta, 150, &mut rng(), 3), choose_groups(&meta, 150, &mut rng(), 3));
        assert_eq!(choose_groups(&meta, 150, &mut rng(), 10), choose_groups(&meta, 150, &mut rng(), 0));
    }
}
