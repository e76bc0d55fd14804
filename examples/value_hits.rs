//! Prints every value of stdin (one per line, `\n` written as a backslash and `n`) that
//! some rule hits, with each hit as `label:strength:"span"`, classified as a value of the
//! column named by the first argument. A second argument keeps only the hits whose label
//! starts with it. For looking at what the engine makes of a set of values, and for
//! `bench/streets_heldout.py`.
//!
//! `cargo run --example value_hits -- address pii.street < values.txt`
use std::io::{BufRead, Write};
use assay::classify::{Engine, Scratch};

fn main() {
    let engine = Engine::builtin().expect("built-in rules load");
    let column = std::env::args().nth(1).unwrap_or_default();
    let only = std::env::args().nth(2).unwrap_or_default();
    let ctx = engine.column_context(&column);
    let mut scratch = Scratch::default();
    let mut hits = Vec::new();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let v = line.expect("stdin is UTF-8 text").replace("\\n", "\n");
        hits.clear();
        engine.scan_value(&v, &ctx, &mut scratch, &mut hits);
        let shown: Vec<String> = hits
            .iter()
            .map(|h| (&engine.rules()[h.rule as usize].label, h))
            .filter(|(label, _)| label.starts_with(only.as_str()))
            .map(|(label, h)| format!("{label}:{:?}:{:?}", h.strength, &v[h.start..h.end]))
            .collect();
        if !shown.is_empty() && writeln!(w, "{v:?} {}", shown.join(" ")).is_err() {
            return; // the reader went away (`| head`)
        }
    }
}
