//! Engine throughput over mixed string data, all rules on, one core — against one plain
//! Aho-Corasick pass (the engine's own literal automaton) over the same bytes, measured
//! in the same run so the ratio survives a noisy machine.
//!
//! `cargo bench --bench engine` (set ASSAY_BENCH_MB to change the data size; default 100,
//! ASSAY_BENCH_COLUMNS to keep only some columns).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use assay::classify::{ColumnAccumulator, Engine, Scratch};

#[path = "common/data.rs"]
mod data;
use data::columns;

fn bench(c: &mut Criterion) {
    let mb: usize = std::env::var("ASSAY_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let engine = Engine::builtin().expect("built-in classifiers load");
    let mut cols = columns(mb << 20);
    // ASSAY_BENCH_COLUMNS=notes,uuid narrows the run to some columns (profiling aid).
    if let Ok(keep) = std::env::var("ASSAY_BENCH_COLUMNS") {
        let keep: Vec<&str> = keep.split(',').collect();
        cols.retain(|(name, _)| keep.contains(&name.as_str()));
    }
    let bytes: usize = cols.iter().flat_map(|(_, v)| v.iter()).map(String::len).sum();
    let ac = engine.literal_automaton().expect("rules have literals").clone();

    let mut g = c.benchmark_group("engine");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("aho_corasick_single_pass", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (_, vals) in &cols {
                for v in vals {
                    n += ac.find_iter(v.as_str()).count();
                }
            }
            black_box(n)
        })
    });
    g.bench_function("engine_all_rules", |b| {
        b.iter(|| {
            let mut scratch = Scratch::default();
            let mut labels = 0usize;
            for (name, vals) in &cols {
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
