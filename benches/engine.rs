//! Engine throughput over mixed string data, all rules on, one core — against one plain
//! Aho-Corasick pass (the engine's own literal automaton) over the same bytes, measured
//! in the same run so the ratio survives a noisy machine.
//!
//! `cargo bench --bench engine` (set ASSAY_BENCH_MB to change the data size; default 100,
//! ASSAY_BENCH_COLUMNS to keep only some columns).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use assay::classify::{ColumnAccumulator, Engine, Scratch};

const WORDS: &[&str] = &[
    "the", "deploy", "service", "request", "failed", "retry", "cache", "build", "merged", "review", "please",
    "customer", "order", "shipped", "invoice", "payment", "pending", "Monday", "report", "dashboard", "latency",
    "Lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "Sagen", "schaffen", "neu",
    "lachen", "besser", "Schluss", "rollback", "done", "metrics", "look", "ok", "connection", "pool", "idle",
];

fn sentence(rng: &mut StdRng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    s.push('.');
    s
}

fn hex(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap()).collect()
}

/// Columns of realistic values: (column name, values). Sensitive values are sparse in
/// free text and dense in structured columns, as in real tables.
fn columns(target_bytes: usize) -> Vec<(String, Vec<String>)> {
    let mut rng = StdRng::seed_from_u64(42);
    let kinds = ["uuid", "email", "ts", "sha1", "ip", "name", "amount", "log", "notes", "json", "url", "phone"];
    let mut cols: Vec<(String, Vec<String>)> = kinds.iter().map(|k| (k.to_string(), Vec::new())).collect();
    let mut total = 0usize;
    let mut row = 0usize;
    while total < target_bytes {
        for (name, vals) in cols.iter_mut() {
            let v = match name.as_str() {
                "uuid" => format!("{}-{}-4{}-a{}-{}", hex(&mut rng, 8), hex(&mut rng, 4), hex(&mut rng, 3), hex(&mut rng, 3), hex(&mut rng, 12)),
                "email" => format!("user{}.{}@example{}.com", row, hex(&mut rng, 4), row % 97),
                "ts" => format!("2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", 1 + row % 12, 1 + row % 28, row % 24, row % 60, (row * 7) % 60, row % 1000),
                "sha1" => hex(&mut rng, 40),
                "ip" => format!("{}.{}.{}.{}", rng.random_range(1..255), rng.random_range(0..255), rng.random_range(0..255), rng.random_range(1..255)),
                "name" => ["Shannon Rubio", "Mark Birnbaum", "Karin Lehmann", "Lambert, Mathew", "Jean Dupont"][row % 5].to_string(),
                "amount" => format!("{}.{:02}", rng.random_range(1..10000), rng.random_range(0..100)),
                "log" => {
                    let mut s = format!("2024-07-01T22:05:29.303Z INFO [worker-{}] {}", row % 8, sentence(&mut rng, 12));
                    if row.is_multiple_of(200) {
                        s.push_str(" token=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");
                    }
                    s
                }
                "notes" => {
                    let mut s = sentence(&mut rng, 300);
                    if row.is_multiple_of(150) {
                        s.push_str(" Call me back on +1-334-705-3957. Ship to 33452 Troy Lock Apt. 313.");
                    }
                    s
                }
                "json" => format!(
                    "{{\"event\": \"checkout\", \"ts\": \"2022-08-23T22:12:24.353Z\", \"props\": {{\"path\": \"/app/{}\", \"ms\": {}}}}}",
                    hex(&mut rng, 6),
                    row % 5000
                ),
                "url" => format!("https://api.example.com/v2/orders/{}?limit={}", row, row % 100),
                _ => format!("+44 20 7946 {:04}", row % 10000),
            };
            total += v.len();
            vals.push(v);
        }
        row += 1;
    }
    cols
}

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
