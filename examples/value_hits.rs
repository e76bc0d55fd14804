//! Prints every value of stdin (one per line, `\n` written as a backslash and `n`) that
//! some rule hits, with each hit as `label:strength:"span"`, classified as a value of the
//! column named by the first argument. A second argument keeps only the hits whose label
//! starts with it. For looking at what the engine makes of a set of values, and for
//! `bench/streets_heldout.py`. With `--lone` as the first argument it prints instead what
//! every value says of itself as a lone name (`Engine::lone_name`, the reading of the
//! column test for first-name-only and surname-only columns), or `-` when it is not
//! name-shaped.
//!
//! `cargo run --example value_hits -- address pii.street < values.txt`
//! `cargo run --example value_hits -- --lone < surnames.txt`
use std::io::{BufRead, Write};
use assay::classify::{Engine, Scratch};

fn main() {
    let engine = Engine::builtin().expect("built-in rules load");
    if std::env::args().nth(1).as_deref() == Some("--lone") {
        return lone_names(&engine);
    }
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

fn lone_names(engine: &Engine) {
    let mut scratch = Scratch::default();
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let v = line.expect("stdin is UTF-8 text");
        let said = engine.lone_name(&v, &mut scratch).map_or_else(|| "-".to_string(), |n| format!("{n:?}"));
        if writeln!(w, "{v:?} {said}").is_err() {
            return;
        }
    }
}
