//! Engine cost per column of the benchmark's data, against one Aho-Corasick pass over the
//! same values (a profiling aid; `cargo bench --bench engine` is the benchmark).
//!
//! `cargo run --release --example engine_columns` (ASSAY_BENCH_MB, default 20;
//! ASSAY_BENCH_COLUMNS=notes,uuid; REPS, default 3: the best run of each column counts).
use std::time::Instant;
use assay::classify::{ColumnAccumulator, Engine, Scratch};
#[path = "../benches/common/data.rs"]
mod data;
use data::columns;
fn main() {
    let mb: usize = std::env::var("ASSAY_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let reps: usize = std::env::var("REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let engine = Engine::builtin().unwrap();
    let mut cols = columns(mb << 20);
    if let Ok(keep) = std::env::var("ASSAY_BENCH_COLUMNS") {
        let keep: Vec<&str> = keep.split(',').collect();
        cols.retain(|(name, _)| keep.contains(&name.as_str()));
    }
    let ac = engine.literal_automaton().unwrap().clone();
    let mut scratch = Scratch::default();
    let (mut tb, mut te, mut ta) = (0usize, 0f64, 0f64);
    for (name, vals) in &cols {
        let bytes: usize = vals.iter().map(String::len).sum();
        let mut best = f64::MAX; let mut besta = f64::MAX;
        for _ in 0..reps {
            let t = Instant::now();
            let mut acc = ColumnAccumulator::new(&engine, name);
            for v in vals { acc.add(v, &mut scratch); }
            std::hint::black_box(acc.finish(0.0));
            best = best.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let mut n = 0usize;
            for v in vals { n += ac.find_iter(v.as_str()).count(); }
            std::hint::black_box(n);
            besta = besta.min(t.elapsed().as_secs_f64());
        }
        tb += bytes; te += best; ta += besta;
        println!("{name:8} {:7} vals {:6.1} B/val  engine {:7.1} ns/val {:7.1} MiB/s  ac {:7.1} MiB/s  ratio {:.2}", vals.len(), bytes as f64 / vals.len() as f64, best * 1e9 / vals.len() as f64, bytes as f64 / best / 1048576.0, bytes as f64 / besta / 1048576.0, best / besta);
    }
    println!("TOTAL {} MiB engine {:.1} MiB/s  ac {:.1} MiB/s ratio {:.2}", tb >> 20, tb as f64 / te / 1048576.0, tb as f64 / ta / 1048576.0, te / ta);
}
