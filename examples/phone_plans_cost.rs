//! What the numbering plans cost per candidate (a profiling aid, not a benchmark of the
//! engine: `cargo bench --bench engine` is that): a region's first check, which compiles
//! its patterns, then checks of random 11-digit national runs against one region and
//! against six, `written()` (is a whole value one number), and the check against every
//! region when no context names one (`valid_anywhere`: how many regions it compiles, and
//! what a candidate costs).
//!
//! `cargo run --release --example phone_plans_cost`

use std::time::Instant;

use assay::classify::phones::{written, Plans, Written};
use assay::classify::{Engine, RuleSource, Scratch};

fn main() {
    let p = Plans::load(&RuleSource::Builtin).expect("the built-in plans load");
    let regions: Vec<u16> = ["DE", "FR", "GB", "US", "IT", "ES"].iter().map(|c| p.by_name(c).expect("a plan")).collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let runs: Vec<String> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            format!("0{:010}", x % 10_000_000_000)
        })
        .collect();
    for (&r, name) in regions.iter().zip(["DE", "FR", "GB", "US", "IT", "ES"]) {
        let t = Instant::now();
        for d in runs.iter().take(50) {
            std::hint::black_box(p.valid_national(&[r], d));
        }
        println!("{name}: first 50 checks, compiling the patterns they need: {:?}", t.elapsed());
    }
    for (name, rs) in [("one region", &regions[..1]), ("six regions", &regions[..])] {
        let t = Instant::now();
        let valid = runs.iter().filter(|d| p.valid_national(rs, d)).count();
        println!("{name}: {:?} per candidate ({valid} of {} valid)", t.elapsed() / runs.len() as u32, runs.len());
    }
    let t = Instant::now();
    let n = runs.iter().filter(|d| written(d).is_some()).count();
    println!("written(): {:?} per value ({n} of {})", t.elapsed() / runs.len() as u32, runs.len());

    // With no region named: every region whose lengths and leading digits admit the number
    // is checked, on fresh plans so the compiles are counted. First the national example
    // numbers of the breadth fixture (`phone_national`), then random runs of 4–12 digits.
    let p = Plans::load(&RuleSource::Builtin).expect("the built-in plans load");
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/breadth.jsonl")).expect("the breadth fixture");
    let national: Vec<String> = fixture
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["family"] == "phone_national")
        .filter_map(|v| match written(v["value"].as_str()?) {
            Some(Written::National(d)) => Some(d),
            _ => None,
        })
        .collect();
    // Through the engine, as a scan of a `phone` column: only the values no pattern found
    // strong reach the plans.
    let engine = Engine::builtin().expect("the built-in rules load");
    let (ctx, mut scratch, mut hits) = (engine.column_context("phone"), Scratch::default(), Vec::new());
    let values: Vec<String> = fixture
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["family"] == "phone_national")
        .filter_map(|v| v["value"].as_str().map(str::to_string))
        .collect();
    let t = Instant::now();
    for v in &values {
        hits.clear();
        engine.scan_value(v, &ctx, &mut scratch, &mut hits);
    }
    println!(
        "engine, column `phone`, the fixture's {} national example numbers: {:?} in all (first pass, compiling), {} regions compiled",
        values.len(),
        t.elapsed(),
        engine.plans().compiled_regions()
    );
    let t = Instant::now();
    for v in &values {
        hits.clear();
        engine.scan_value(v, &ctx, &mut scratch, &mut hits);
    }
    println!("engine, the same again: {:?} per value", t.elapsed() / values.len() as u32);
    let other = engine.column_context("phone_id");
    let t = Instant::now();
    for v in &values {
        hits.clear();
        engine.scan_value(v, &other, &mut scratch, &mut hits);
    }
    println!("engine, the same in `phone_id` (no plans): {:?} per value", t.elapsed() / values.len() as u32);

    let t = Instant::now();
    let valid = national.iter().filter(|d| p.valid_anywhere(d).is_some()).count();
    println!(
        "any region, the fixture's {} national example numbers (first pass, compiling): {:?} in all, {valid} valid somewhere, {} regions compiled",
        national.len(),
        t.elapsed(),
        p.compiled_regions()
    );
    let t = Instant::now();
    for d in &national {
        std::hint::black_box(p.valid_anywhere(d));
    }
    println!("any region, the same again (compiled): {:?} per candidate", t.elapsed() / national.len() as u32);
    for len in [4usize, 5, 6, 7, 8, 10, 12] {
        let runs: Vec<String> = (0..20_000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // The low digits of the draw; half begin with a trunk 0, half with 1–9.
                let tail = format!("{:019}", x % 10_000_000_000_000_000_000);
                let tail = &tail[19 - (len - 1)..];
                if i % 2 == 0 { format!("0{tail}") } else { format!("{}{tail}", 1 + (x >> 40) % 9) }
            })
            .collect();
        for d in runs.iter().take(2_000) {
            std::hint::black_box(p.valid_anywhere(d));
        }
        let t = Instant::now();
        let valid = runs.iter().filter(|d| p.valid_anywhere(d).is_some()).count();
        println!(
            "any region, random {len}-digit runs: {:?} per candidate, {:.1} % valid somewhere, {} regions compiled so far",
            t.elapsed() / runs.len() as u32,
            100.0 * valid as f64 / runs.len() as f64,
            p.compiled_regions()
        );
    }
}
