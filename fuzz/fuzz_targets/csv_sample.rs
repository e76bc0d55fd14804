//! CSV sampler: arbitrary bytes as a CSV/TSV file (the first byte picks the delimiter and
//! the sample size) must give a sample or an error naming the file, never panic.
#![no_main]

use assay::sources::{csv, seeded_rng};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, text)) = data.split_first() else { return };
    let delimiter = if first & 1 == 0 { b',' } else { b'\t' };
    let rows = 1 + usize::from(first >> 1) % 64;
    let mut rng = seeded_rng("fuzz.csv:0");
    if let Ok(sample) = csv::sample(text, "fuzz.csv", delimiter, rows, &mut rng) {
        assert!(sample.rows <= rows, "sample of {} rows for {rows} asked", sample.rows);
    }
});
