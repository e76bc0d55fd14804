//! What the numbering plans cost per candidate (a profiling aid, not a benchmark of the
//! engine: `cargo bench --bench engine` is that): a region's first check, which compiles
//! its patterns, then checks of random 11-digit national runs against one region and
//! against six, and `written()` (is a whole value one number).
//!
//! `cargo run --release --example phone_plans_cost`

use std::time::Instant;

use assay::classify::phones::{written, Plans};
use assay::classify::RuleSource;

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
}
