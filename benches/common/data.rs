//! The engine benchmark's data: columns of realistic values, shared by `benches/engine.rs`
//! and the profiling examples (`examples/engine_columns.rs`, `examples/engine_hits.rs`) so
//! they all measure the same bytes.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

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
pub fn columns(target_bytes: usize) -> Vec<(String, Vec<String>)> {
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

/// `columns` as Arrow string arrays (one contiguous buffer each, as scans produce them),
/// narrowed to ASSAY_BENCH_COLUMNS when set (`notes,uuid`: a profiling aid).
#[allow(dead_code)]
pub fn arrays(target_bytes: usize) -> Vec<(String, arrow::array::ArrayRef)> {
    let keep = std::env::var("ASSAY_BENCH_COLUMNS").ok();
    columns(target_bytes)
        .into_iter()
        .filter(|(name, _)| keep.as_ref().is_none_or(|k| k.split(',').any(|c| c == name)))
        .map(|(name, vals)| {
            let array: arrow::array::ArrayRef = std::sync::Arc::new(arrow::array::StringArray::from(vals));
            (name, array)
        })
        .collect()
}
