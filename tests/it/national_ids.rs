//! National ids and passport numbers on values we did not generate with our rules: the
//! fixture `tests/data/national_ids.jsonl` comes from python-stdnum and the issuing
//! specifications (`bench/ids/generate.py`). Each value is classified by the built-in
//! engine in its column, as a scan would; a value counts as reported when a rule of the
//! label gives it a strong hit (evidence on its own). Per scheme, recall must be at least
//! 97 % with the scheme named, and at most 1 % of the negatives (one-character mutants of
//! checksummed numbers, and order numbers, phone numbers, timestamps, amounts and UUID
//! fragments in their usual columns) may be reported. The same cases are then judged as
//! whole columns, where the label must carry the scheme, and a column of negatives may hold
//! at most 1 % (at least one) chance matches: a checksum passes by chance now and then, and a
//! value of one scheme can be a valid number of another.

use std::collections::BTreeMap;

use assay::classify::engine::Strength;
use assay::classify::{ColumnAccumulator, Engine, Scratch};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/national_ids.jsonl");
const LABELS: [&str; 2] = ["pii.national_id", "pii.passport_number"];
const MIN_RECALL: f64 = 0.97;
const MAX_FP_RATE: f64 = 0.01;

struct Case {
    value: String,
    scheme: String,
    label: String,
    column: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(FIXTURE).expect("the fixture is committed (bench/ids/generate.py writes it)");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("fixture line is JSON");
            let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} missing in {l}")).to_string();
            Case { value: s("value"), scheme: s("scheme"), label: s("label"), column: s("column") }
        })
        .collect()
}

/// The schemes of the strong hits of `label` on one value (an empty string for a rule
/// without a scheme).
fn strong_schemes(engine: &Engine, scratch: &mut Scratch, case: &Case, label: &str) -> Vec<String> {
    let ctx = engine.column_context(&case.column);
    let mut hits = Vec::new();
    engine.scan_value(&case.value, &ctx, scratch, &mut hits);
    hits.iter()
        .filter(|h| h.strength == Strength::Strong)
        .map(|h| &engine.rules()[h.rule as usize])
        .filter(|r| r.label == label)
        .map(|r| r.scheme.clone().unwrap_or_default())
        .collect()
}

#[derive(Default)]
struct Tally {
    positives: usize,
    found: usize,
    negatives: usize,
    reported: usize,
}

#[test]
fn national_ids_and_passports_per_scheme_recall_and_false_positives() {
    let engine = Engine::builtin().expect("built-in rules load");
    let mut scratch = Scratch::default();
    let mut per: BTreeMap<String, Tally> = BTreeMap::new();
    let mut misses: Vec<String> = Vec::new();
    for case in cases() {
        let t = per.entry(case.scheme.clone()).or_default();
        if case.label == "not" {
            t.negatives += 1;
            let hit: Vec<String> = LABELS.iter().flat_map(|l| strong_schemes(&engine, &mut scratch, &case, l)).collect();
            if !hit.is_empty() {
                t.reported += 1;
                misses.push(format!("false positive {} in `{}` ({}): {:?}", case.scheme, case.column, hit.join(","), case.value));
            }
        } else {
            t.positives += 1;
            let schemes = strong_schemes(&engine, &mut scratch, &case, &case.label);
            if schemes.contains(&case.scheme) {
                t.found += 1;
            } else {
                misses.push(format!("missed {} in `{}` (found {:?}): {:?}", case.scheme, case.column, schemes, case.value));
            }
        }
    }
    let mut failed = Vec::new();
    eprintln!("{:<28} {:>6} {:>8} {:>6} {:>8}", "scheme", "valid", "recall", "neg", "FP rate");
    for (scheme, t) in &per {
        let recall = t.found as f64 / t.positives.max(1) as f64;
        let fp = t.reported as f64 / t.negatives.max(1) as f64;
        eprintln!("{scheme:<28} {:>6} {:>7.1}% {:>6} {:>7.1}%", t.positives, recall * 100.0, t.negatives, fp * 100.0);
        if t.positives > 0 && recall < MIN_RECALL {
            failed.push(format!("{scheme}: recall {:.1}% < {:.0}%", recall * 100.0, MIN_RECALL * 100.0));
        }
        if fp > MAX_FP_RATE {
            failed.push(format!("{scheme}: false-positive rate {:.1}% > {:.0}%", fp * 100.0, MAX_FP_RATE * 100.0));
        }
    }
    let (pos, found, neg, rep) = per.values().fold((0, 0, 0, 0), |a, t| (a.0 + t.positives, a.1 + t.found, a.2 + t.negatives, a.3 + t.reported));
    eprintln!("all: recall {:.2}% of {pos}, false positives {:.2}% of {neg}", found as f64 * 100.0 / pos as f64, rep as f64 * 100.0 / neg as f64);
    assert!(per.len() >= 50, "only {} schemes in the fixture", per.len());
    assert!(failed.is_empty(), "{}\nfirst misses:\n{}", failed.join("\n"), misses.iter().take(40).cloned().collect::<Vec<_>>().join("\n"));
}

#[test]
fn columns_of_ids_name_their_scheme_and_columns_of_look_alikes_get_no_label() {
    let engine = Engine::builtin().expect("built-in rules load");
    let mut scratch = Scratch::default();
    // One column per (scheme, column name, valid or not), as a table would hold them.
    let mut columns: BTreeMap<(String, String, bool), Vec<String>> = BTreeMap::new();
    for c in cases() {
        columns.entry((c.scheme.clone(), c.column.clone(), c.label != "not")).or_default().push(c.value);
    }
    let mut failed = Vec::new();
    for ((scheme, column, valid), values) in &columns {
        if values.len() < 5 {
            continue;
        }
        let mut acc = ColumnAccumulator::new(&engine, column);
        for v in values {
            acc.add(v, &mut scratch);
        }
        let labels = acc.finish(0.0);
        let ours: Vec<_> = labels.iter().filter(|l| LABELS.contains(&l.label.as_str())).collect();
        if *valid {
            if !ours.iter().any(|l| l.schemes.contains(scheme)) {
                failed.push(format!("column `{column}` of {} {scheme}: labels {:?}", values.len(), labels.iter().map(|l| (&l.label, &l.schemes)).collect::<Vec<_>>()));
            }
        } else if let Some(l) = ours.iter().find(|l| l.matches as f64 > (MAX_FP_RATE * values.len() as f64).ceil()) {
            failed.push(format!("column `{column}` of {} {scheme} negatives: {} with {} matches {:?}", values.len(), l.label, l.matches, l.schemes));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
