//! Engine throughput over mixed string data, all rules on, one core — against one plain
//! Aho-Corasick pass (the engine's own literal automaton) over the same bytes, measured
//! in the same run so the ratio survives a noisy machine.
//!
//! The columns are Arrow string arrays, fed through `classify_array` as a scan feeds the
//! batches it samples. `engine_all_rules_vec_string` runs the same values held as one
//! `String` each (how this benchmark held them before): at 100 MB the short values' heap
//! scatter then costs more than the engine on them, for the baseline as much.
//!
//! `cargo bench --bench engine` (set ASSAY_BENCH_MB to change the data size; default 100,
//! ASSAY_BENCH_COLUMNS to keep only some columns, ASSAY_BENCH_RULES to load the rules from
//! a directory laid out like `classifiers/` instead of the built-in set: another commit's
//! rules measured by the same engine code, in the same run).

use std::hint::black_box;
use std::time::Duration;

use arrow::array::{Array, StringArray};
use assay::classify::columns::classify_array;
use assay::classify::{ColumnAccumulator, Engine, RuleSource, Scratch};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "common/data.rs"]
mod data;

fn bench(c: &mut Criterion) {
    let mb: usize = std::env::var("ASSAY_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let engine = match std::env::var_os("ASSAY_BENCH_RULES") {
        Some(dir) => Engine::load(&RuleSource::Dir(dir.into())).expect("the rules of ASSAY_BENCH_RULES load"),
        None => Engine::builtin().expect("built-in classifiers load"),
    };
    let arrays = data::arrays(mb << 20);
    let strings: Vec<(&str, &StringArray)> = arrays
        .iter()
        .map(|(name, a)| (name.as_str(), a.as_any().downcast_ref::<StringArray>().expect("string column")))
        .collect();
    let bytes: usize = strings.iter().map(|(_, a)| a.value_data().len()).sum();
    let ac = engine.literal_automaton().expect("rules have literals").clone();

    let mut g = c.benchmark_group("engine");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("aho_corasick_single_pass", |b| {
        b.iter(|| {
            let n: usize = strings.iter().flat_map(|(_, a)| a.iter().flatten()).map(|v| ac.find_iter(v).count()).sum();
            black_box(n)
        })
    });
    g.bench_function("engine_all_rules", |b| {
        b.iter(|| {
            let mut scratch = Scratch::default();
            let mut labels = 0usize;
            for (name, array) in &arrays {
                let mut acc = ColumnAccumulator::new(&engine, name);
                classify_array(&mut acc, array, &mut scratch).expect("string arrays classify");
                labels += acc.finish(0.0).len();
            }
            black_box(labels)
        })
    });
    // Generated row by row, so each column's strings lie among the other columns'.
    let mut owned = data::columns(mb << 20);
    owned.retain(|(name, _)| arrays.iter().any(|(a, _)| a == name));
    g.bench_function("engine_all_rules_vec_string", |b| {
        b.iter(|| {
            let mut scratch = Scratch::default();
            let mut labels = 0usize;
            for (name, vals) in &owned {
                let mut acc = ColumnAccumulator::new(&engine, name);
                for v in vals {
                    acc.add(v, &mut scratch);
                }
                labels += acc.finish(0.0).len();
            }
            black_box(labels)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
