//! Engine cost per column of the benchmark's data, against one Aho-Corasick pass over the
//! same values (a profiling aid; `cargo bench --bench engine` is the benchmark). Columns
//! are Arrow string arrays fed through `classify_array`, as a scan feeds them.
//!
//! `cargo run --release --example engine_columns` (ASSAY_BENCH_MB, default 20;
//! ASSAY_BENCH_COLUMNS=notes,uuid; REPS, default 3: the best run of each column counts;
//! ASSAY_BENCH_RULES=dir to load the rules from a directory).
use std::time::Instant;

use arrow::array::{Array, StringArray};
use assay::classify::columns::classify_array;
use assay::classify::{ColumnAccumulator, Engine, Scratch};

#[path = "../benches/common/data.rs"]
mod data;

fn main() {
    let mb: usize = std::env::var("ASSAY_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    let reps: usize = std::env::var("REPS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    // ASSAY_BENCH_RULES: a directory laid out like `classifiers/` (another commit's rules).
    let engine = match std::env::var_os("ASSAY_BENCH_RULES") {
        Some(dir) => Engine::load(&assay::classify::RuleSource::Dir(dir.into())).expect("the rules of ASSAY_BENCH_RULES load"),
        None => Engine::builtin().expect("built-in classifiers load"),
    };
    let cols = data::arrays(mb << 20);
    let ac = engine.literal_automaton().expect("rules have literals").clone();
    let mut scratch = Scratch::default();
    let (mut tb, mut te, mut ta) = (0usize, 0f64, 0f64);
    for (name, array) in &cols {
        let strings = array.as_any().downcast_ref::<StringArray>().expect("string column");
        let (n, bytes) = (strings.len(), strings.value_data().len());
        let (mut best, mut best_ac) = (f64::MAX, f64::MAX);
        for _ in 0..reps {
            let t = Instant::now();
            let mut acc = ColumnAccumulator::new(&engine, name);
            classify_array(&mut acc, array, &mut scratch).expect("strings classify");
            std::hint::black_box(acc.finish(0.0));
            best = best.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let found: usize = strings.iter().flatten().map(|v| ac.find_iter(v).count()).sum();
            std::hint::black_box(found);
            best_ac = best_ac.min(t.elapsed().as_secs_f64());
        }
        tb += bytes;
        te += best;
        ta += best_ac;
        let mib = |secs: f64| bytes as f64 / secs / 1048576.0;
        println!(
            "{name:8} {n:7} vals {:6.1} B/val  engine {:7.1} ns/val {:7.1} MiB/s  ac {:7.1} MiB/s  ratio {:.2}",
            bytes as f64 / n as f64,
            best * 1e9 / n as f64,
            mib(best),
            mib(best_ac),
            best / best_ac
        );
    }
    println!("TOTAL {} MiB engine {:.1} MiB/s  ac {:.1} MiB/s ratio {:.2}", tb >> 20, tb as f64 / te / 1048576.0, tb as f64 / ta / 1048576.0, te / ta);
}
