//! Prints the engine's hits, one line per value, for a large set of values: the benchmark's
//! columns, the values of a JSON-lines file (`{"c": column, "v": value}`), and mutants of
//! each (a character dropped, replaced or inserted, halves, case changes, keyword context,
//! neighbours joined, long texts). Two builds that print the same lines classify the same.
//! `bench/engine_diff.sh` runs it on two revisions.
//!
//! `cargo run --release --example engine_hits -- values.jsonl > hits.txt`
use std::io::{BufRead, Write};
use assay::classify::{Engine, Scratch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
#[path = "../benches/common/data.rs"]
mod data;
use data::columns;

fn mutants(rng: &mut StdRng, v: &str, prev: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = v.chars().collect();
    out.push(v.to_string());
    if !chars.is_empty() {
        let mut c = chars.clone();
        c.remove(rng.random_range(0..c.len()));
        out.push(c.into_iter().collect());
        let mut c = chars.clone();
        const SET: &[char] = &['0', '7', '-', '.', ' ', '@', ':', '/', 'A', 'x', 'é', '_', '+', '(', '\n', 'Z', '='];
        let i = rng.random_range(0..c.len());
        c[i] = SET[rng.random_range(0..SET.len())];
        out.push(c.into_iter().collect());
        let mut c = chars.clone();
        c.insert(rng.random_range(0..=c.len()), SET[rng.random_range(0..SET.len())]);
        out.push(c.into_iter().collect());
        out.push(chars[..chars.len() / 2].iter().collect());
        out.push(chars.iter().map(|c| if rng.random_bool(0.3) { c.to_ascii_uppercase() } else { *c }).collect());
    }
    const CTX: &[&str] = &["contact: ", "Call me on ", "token=", "born ", "api_key: \"", "IBAN ", "ip ", "Dr. ", "Ship to ", "password=", "ssn "];
    out.push(format!("{}{} thanks", CTX[rng.random_range(0..CTX.len())], v));
    out.push(format!("{prev} {v}"));
    out.push(format!("{prev},{v};{prev}"));
}

fn main() {
    let engine = Engine::builtin().unwrap();
    let mut scratch = Scratch::default();
    let mut rng = StdRng::seed_from_u64(7);
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    let mut vals: Vec<(String, String)> = Vec::new();
    for (name, vs) in columns(6 << 20) {
        for v in vs { vals.push((name.clone(), v)); }
    }
    let path = std::env::args().nth(1).expect("usage: engine_hits VALUES.jsonl");
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    for line in std::io::BufReader::new(f).lines() {
        let j: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        vals.push((j["c"].as_str().unwrap().to_string(), j["v"].as_str().unwrap().to_string()));
    }
    let mut hits = Vec::new();
    let mut ms = Vec::new();
    let mut ctx_name = String::new();
    let mut ctx = engine.column_context("");
    let mut n = 0u64;
    // ASSAY_SHOW=n,m prints those values to stderr (to look at a difference).
    let show: Vec<u64> = std::env::var("ASSAY_SHOW").unwrap_or_default().split(',').filter_map(|x| x.parse().ok()).collect();
    for i in 0..vals.len() {
        let (col, v) = &vals[i];
        if *col != ctx_name { ctx = engine.column_context(col); ctx_name = col.clone(); }
        let prev = if i > 0 { vals[i - 1].1.as_str() } else { "" };
        ms.clear();
        mutants(&mut rng, v, prev, &mut ms);
        if i % 40 == 0 {
            let mut long = String::new();
            for k in 0..80 { long.push_str(&vals[(i + k * 7) % vals.len()].1); long.push(if k % 9 == 0 { '\n' } else { ' ' }); }
            ms.push(long);
        }
        for m in &ms {
            hits.clear();
            engine.scan_value(m, &ctx, &mut scratch, &mut hits);
            // The order of a value's hits carries no meaning (each rule has its own tally).
            hits.sort_by_key(|h| h.rule);
            if show.contains(&n) {
                eprintln!("{n} [{col}] {m:?}");
            }
            write!(w, "{n}").unwrap();
            for h in &hits { write!(w, " {}:{:?}:{}-{}", h.rule, h.strength, h.start, h.end).unwrap(); }
            writeln!(w).unwrap();
            n += 1;
        }
    }
}
