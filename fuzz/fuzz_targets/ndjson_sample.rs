//! NDJSON sampler: arbitrary bytes as an NDJSON file (the first byte picks the sample
//! size) must give a sample or an error naming the file, never panic.
#![no_main]

use assay::sources::{ndjson, seeded_rng};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, text)) = data.split_first() else { return };
    let rows = 1 + usize::from(first) % 64;
    let mut rng = seeded_rng("fuzz.ndjson:0");
    if let Ok(sample) = ndjson::sample(text, "fuzz.ndjson", rows, &mut rng) {
        assert!(sample.rows <= rows, "sample of {} rows for {rows} asked", sample.rows);
    }
});
