//! Column verdicts: from per-value hits to labels with counts, confidence and masked
//! evidence.
//!
//! This is the only place that keeps any part of a matched value past the engine, and
//! it keeps only a masked form (`j***@e******.com`): raw values never leave here.

use std::collections::BTreeMap;

use super::engine::{ColumnContext, Engine, Hit, Scratch, Strength};

/// Validator rejections needed before the chance-match test applies.
const CHANCE_MIN_REJECTED: usize = 10;
/// Share of validated matches among candidates below which passes are taken as chance.
const CHANCE_SHARE: f64 = 0.3;

/// At most this many evidence strings per label.
pub const MAX_EVIDENCE: usize = 3;

/// One label of a column, as reported.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct LabelVerdict {
    pub label: String,
    pub confidence: f64,
    pub matches: usize,
    pub match_rate: f64,
    pub evidence: Vec<String>,
    /// The schemes of the passing rules that carry one (`in_aadhaar`, `us_passport`),
    /// sorted; absent when none does, so reports without schemes read as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemes: Vec<String>,
}

#[derive(Default, Clone)]
struct RuleTally {
    strong: usize,
    rate_only: usize,
    rejected: usize,
    evidence: Vec<String>,
}

/// Accumulates the hits of one column's values.
pub struct ColumnAccumulator<'e> {
    engine: &'e Engine,
    ctx: ColumnContext,
    non_null: usize,
    tallies: Vec<RuleTally>,
    /// (value index, rule) for every hit, to count values per label exactly.
    hits: Vec<(u32, u16)>,
    buf: Vec<Hit>,
    /// Sweep mode: only `sweep` rules, through the engine's literal pass.
    sweep: bool,
    /// In sweep mode, rules whose label the sample already found.
    done: Vec<bool>,
}

impl<'e> ColumnAccumulator<'e> {
    /// Starts a column named `column`.
    pub fn new(engine: &'e Engine, column: &str) -> Self {
        ColumnAccumulator {
            engine,
            ctx: engine.column_context(column),
            non_null: 0,
            tallies: vec![RuleTally::default(); engine.rules().len()],
            hits: Vec::new(),
            buf: Vec::new(),
            sweep: false,
            done: Vec::new(),
        }
    }

    /// Starts a column in sweep mode: values are only checked for `sweep` rules whose
    /// label is not in `found` (the labels the sample already has).
    pub fn sweep(engine: &'e Engine, column: &str, found: &[LabelVerdict]) -> Self {
        let done = engine.rules().iter().map(|r| found.iter().any(|l| l.label == r.label)).collect();
        ColumnAccumulator { sweep: true, done, ..ColumnAccumulator::new(engine, column) }
    }

    /// Number of non-empty values seen.
    pub fn non_null(&self) -> usize {
        self.non_null
    }

    /// Classifies one value; empty and whitespace-only values are not counted.
    pub fn add(&mut self, value: &str, scratch: &mut Scratch) {
        if is_blank(value) {
            return;
        }
        self.buf.clear();
        if self.sweep {
            self.engine.sweep_value(value, &self.ctx, &self.done, scratch, &mut self.buf);
        } else {
            self.engine.scan_value(value, &self.ctx, scratch, &mut self.buf);
        }
        let idx = self.non_null as u32;
        self.non_null += 1;
        let buf = std::mem::take(&mut self.buf);
        for h in &buf {
            self.record(idx, h, value);
        }
        self.buf = buf;
    }

    /// Adds `count` occurrences of a value whose hits were computed once (dictionary arrays).
    pub fn add_repeated(&mut self, value: &str, hits: &[Hit], count: usize) {
        if is_blank(value) {
            return;
        }
        for _ in 0..count {
            let idx = self.non_null as u32;
            self.non_null += 1;
            for h in hits {
                self.record(idx, h, value);
            }
        }
    }

    /// Classifies `value` without counting it (for caching dictionary values).
    pub fn hits_of(&self, value: &str, scratch: &mut Scratch) -> Vec<Hit> {
        let mut out = Vec::new();
        if !is_blank(value) {
            if self.sweep {
                self.engine.sweep_value(value, &self.ctx, &self.done, scratch, &mut out);
            } else {
                self.engine.scan_value(value, &self.ctx, scratch, &mut out);
            }
        }
        out
    }

    fn record(&mut self, idx: u32, h: &Hit, value: &str) {
        let t = &mut self.tallies[h.rule as usize];
        match h.strength {
            Strength::Strong => t.strong += 1,
            Strength::RateOnly => t.rate_only += 1,
            Strength::Rejected => {
                t.rejected += 1;
                return;
            }
        }
        if t.evidence.len() < MAX_EVIDENCE && (h.strength == Strength::Strong || t.evidence.is_empty()) {
            let m = mask(&value[h.start..h.end]);
            if !t.evidence.contains(&m) {
                t.evidence.push(m);
            }
        }
        self.hits.push((idx, h.rule));
    }

    /// The labels this column earns, strongest first, dropping those below `min_confidence`.
    pub fn finish(self, min_confidence: f64) -> Vec<LabelVerdict> {
        let rules = self.engine.rules();
        let mut passing = vec![false; rules.len()];
        let mut by_label: BTreeMap<&str, (f64, Vec<String>, Vec<String>)> = BTreeMap::new();
        let nn = self.non_null.max(1) as f64;
        for (i, t) in self.tallies.iter().enumerate() {
            let rule = &rules[i];
            let total = t.strong + t.rate_only;
            let rate = total as f64 / nn;
            let floor = if rule.min_rate > 0.0 { rule.min_rate } else { 0.5 };
            let by_strong = t.strong >= rule.min_matches;
            let by_rate = total >= rule.min_matches && rate >= floor;
            // Checksums pass by chance (Luhn: 1 in 10): in a column full of look-alikes
            // that mostly fail, the few that pass are noise, not contamination.
            let chance = t.rejected >= CHANCE_MIN_REJECTED && (total as f64) < CHANCE_SHARE * (total + t.rejected) as f64;
            if !(by_strong || by_rate) || chance {
                continue;
            }
            passing[i] = true;
            let mut conf = rule.confidence;
            if self.ctx.has_keyword(i) {
                conf += (1.0 - conf) * 0.5;
            }
            let n = if by_strong { t.strong } else { total } as i32;
            conf *= 1.0 - 0.35f64.powi(n);
            if !by_strong {
                conf *= 0.6 + 0.4 * rate.min(1.0);
            }
            let e = by_label.entry(rule.label.as_str()).or_insert((0.0, Vec::new(), Vec::new()));
            e.0 = e.0.max(conf);
            if let Some(s) = &rule.scheme {
                if !e.2.contains(s) {
                    e.2.push(s.clone());
                }
            }
            for ev in &t.evidence {
                if e.1.len() < MAX_EVIDENCE && !e.1.contains(ev) {
                    e.1.push(ev.clone());
                }
            }
        }
        let mut out = Vec::new();
        for (label, (conf, evidence, mut schemes)) in by_label {
            if conf < min_confidence {
                continue;
            }
            let mut values: Vec<u32> = self
                .hits
                .iter()
                .filter(|(_, r)| passing[*r as usize] && rules[*r as usize].label == label)
                .map(|(v, _)| *v)
                .collect();
            values.sort_unstable();
            values.dedup();
            let matches = values.len();
            schemes.sort_unstable();
            out.push(LabelVerdict {
                label: label.to_string(),
                confidence: round3(conf),
                matches,
                match_rate: round3(matches as f64 / nn),
                evidence,
                schemes,
            });
        }
        out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then_with(|| a.label.cmp(&b.label)));
        out
    }
}

/// Empty or only whitespace: nothing to classify (stops at the first other byte).
fn is_blank(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_whitespace())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Masks a matched value for display: the first character of each alphanumeric run stays,
/// the rest become `*`; a short alphabetic last domain label (`.com`) stays. Long values
/// are cut, so the mask reveals neither the value nor much of its length.
pub fn mask(value: &str) -> String {
    const MAX_RUN: usize = 10;
    const MAX_OUT: usize = 48;
    let tld_start = value
        .rfind('.')
        .filter(|&i| value.contains('@') && i + 1 < value.len() && value[i + 1..].len() <= 4 && value[i + 1..].chars().all(|c| c.is_ascii_alphabetic()))
        .map(|i| i + 1);
    let mut out = String::with_capacity(value.len().min(MAX_OUT));
    let mut run = 0usize;
    for (i, c) in value.char_indices() {
        if out.len() >= MAX_OUT {
            out.push('…');
            break;
        }
        if tld_start.is_some_and(|t| i >= t) {
            out.push(c);
            continue;
        }
        if c.is_alphanumeric() {
            if run == 0 {
                out.push(c);
            } else if run < MAX_RUN {
                out.push('*');
            }
            run += 1;
        } else {
            run = 0;
            out.push(if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn mask_keeps_shape_not_value() {
        assert_eq!(mask("john@example.com"), "j***@e******.com");
        assert_eq!(mask("4111 1111 1111 1111"), "4*** 1*** 1*** 1***");
        let long = mask("AKIAABCDEFGHIJKLMNOP");
        assert!(!long.contains("BCD"));
        assert!(long.starts_with('A'));
    }
}
