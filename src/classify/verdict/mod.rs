//! Column verdicts: from per-value hits to labels with counts, confidence and masked
//! evidence.
//!
//! This is the only place that keeps any part of a matched value past the engine, and
//! it keeps only a masked form (`j***@e******.com`): raw values never leave here.
//! Columns of lone first names or surnames are judged by their own test (`lone_names`).

mod lone_names;

use std::collections::{BTreeMap, HashSet};

use lone_names::LoneNames;

use super::engine::{ColumnContext, Engine, Hit, Scratch, Strength};
use super::rule::ColumnVeto;

/// Validator rejections needed before the chance-match test applies.
const CHANCE_MIN_REJECTED: usize = 10;
/// Share of validated matches among candidates below which passes are taken as chance.
const CHANCE_SHARE: f64 = 0.3;

/// At most this many evidence strings per label.
pub const MAX_EVIDENCE: usize = 3;
/// Matches masked per label in search of evidence: the first this many. Masks show a few
/// characters, so a dense column of alike values (`+44 20 7946 ....`) gives the same mask
/// again and again, and masking every match cost more than classifying it.
const MAX_MASKED: usize = 64;
/// At most this many value fingerprints per label (enough to tell the values a reviewer saw
/// from new ones; bounded so that hashing stays off the hot path of a dense column).
pub const MAX_FINGERPRINTS: usize = 16;

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
    /// Keyed HMAC-SHA256 fingerprints of distinct matched values (never the values), sorted;
    /// only where the engine has a key (a service's scans), absent otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// Which part of a table's sample held it: `new_rows` (past the high-water mark of a
    /// registered source's last scan), `table` (the uniform sample) or `both`; absent for
    /// files and one-off scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_part: Option<String>,
}

/// Adds the masked values of `new` not already in `into`, keeping at most `MAX_EVIDENCE`.
pub fn pool_evidence(into: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    for e in new {
        if into.len() >= MAX_EVIDENCE {
            break;
        }
        if !into.contains(&e) {
            into.push(e);
        }
    }
}

/// Adds `new` to the sorted set `into`, keeping at most `MAX_FINGERPRINTS`.
pub fn pool_fingerprints(into: &mut Vec<String>, new: impl IntoIterator<Item = String>) {
    for f in new {
        if into.len() >= MAX_FINGERPRINTS {
            break;
        }
        if let Err(at) = into.binary_search(&f) {
            into.insert(at, f);
        }
    }
}

/// Masked evidence gathered from one label's matches: distinct masks, at most
/// `MAX_EVIDENCE`, from the first `MAX_MASKED` matches offered.
#[derive(Default, Clone)]
struct Evidence {
    masks: Vec<String>,
    offered: usize,
}

impl Evidence {
    fn wants_more(&self) -> bool {
        self.masks.len() < MAX_EVIDENCE && self.offered < MAX_MASKED
    }

    fn offer(&mut self, matched: &str) {
        self.offered += 1;
        let m = mask(matched);
        if !self.masks.contains(&m) {
            self.masks.push(m);
        }
    }
}

#[derive(Default, Clone)]
struct RuleTally {
    strong: usize,
    rate_only: usize,
    rejected: usize,
    evidence: Evidence,
    fingerprints: Vec<String>,
    /// Only for rules with `column_veto: versions`.
    versions: VersionShape,
}

/// Fewest dotted quads before a column can read as a version history.
const VERSIONS_MIN: usize = 10;
/// Most distinct first parts (major versions) a version history has.
const VERSIONS_MAX_FIRSTS: usize = 16;

/// What decides whether a column's dotted quads are a version history rather than
/// addresses (issue 15: `10.2.3.4` in a `version` column). Addresses of one network share
/// their first part too (`10.x.x.x`), and their middle parts can be small, so order is
/// what tells: a release history is kept in order, addresses are not. All three must hold,
/// over at least `VERSIONS_MIN` quads: at most `VERSIONS_MAX_FIRSTS` distinct first parts
/// (major versions; public addresses have hundreds), nine in ten quads with both middle
/// parts below 64 (a sorted list of public addresses fails here), nine in ten steps that
/// do not go down.
#[derive(Default, Clone)]
struct VersionShape {
    quads: usize,
    firsts: Vec<u8>,
    many_firsts: bool,
    small_middles: usize,
    steps_up: usize,
    last: Option<[u8; 4]>,
}

impl VersionShape {
    fn add(&mut self, text: &str) {
        let mut q = [0u8; 4];
        let mut parts = text.split('.');
        for slot in &mut q {
            match parts.next().and_then(|p| p.trim().parse::<u8>().ok()) {
                Some(x) => *slot = x,
                None => return,
            }
        }
        if parts.next().is_some() {
            return;
        }
        self.quads += 1;
        if !self.firsts.contains(&q[0]) {
            if self.firsts.len() < VERSIONS_MAX_FIRSTS {
                self.firsts.push(q[0]);
            } else {
                self.many_firsts = true;
            }
        }
        self.small_middles += usize::from(q[1] < 64 && q[2] < 64);
        if self.last.is_some_and(|l| l <= q) {
            self.steps_up += 1;
        }
        self.last = Some(q);
    }

    fn is_versions(&self) -> bool {
        let n = self.quads;
        n >= VERSIONS_MIN && !self.many_firsts && self.small_middles * 10 >= n * 9 && self.steps_up * 10 >= (n - 1) * 9
    }
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
    /// Some value was binary, not UTF-8 text, and only its printable runs were scanned.
    binary: bool,
    lone: LoneNames,
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
            binary: false,
            lone: LoneNames::for_column(column),
        }
    }

    /// Starts a column whose table names regions for its phone numbers (`phones::table_regions`).
    pub fn with_phone_regions(engine: &'e Engine, column: &str, regions: &[u16]) -> Self {
        let mut acc = ColumnAccumulator::new(engine, column);
        acc.ctx = std::mem::replace(&mut acc.ctx, engine.column_context("")).with_phone_regions(regions);
        acc
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

    /// Whether some value was binary (not UTF-8) and was scanned through its printable runs.
    pub fn binary(&self) -> bool {
        self.binary
    }

    /// The engine's cap on the bytes of one value that are matched.
    pub fn max_value_len(&self) -> usize {
        self.engine.max_value_len()
    }

    /// Classifies the printable runs of one binary value (`columns::printable_runs`; empty
    /// when it has none: the value still counts, so the match rate is over the blobs). Only
    /// the secret rules count: a key in a blob is a leak however the blob frames it, and
    /// their literals and lengths do not turn up in noise. The PII rules do: over 1,000
    /// random blobs (3 MB) the e-mail rule found `x@y.XBw` in a run, and runs cut from
    /// images or archives hold dates and digits that the dense-column rules would count.
    pub fn add_binary(&mut self, runs: &str, scratch: &mut Scratch) {
        self.binary = true;
        let idx = self.non_null as u32;
        self.non_null += 1;
        if is_blank(runs) {
            return;
        }
        self.hits_into_buf(runs, scratch);
        let rules = self.engine.rules();
        let buf = std::mem::take(&mut self.buf);
        for h in buf.iter().filter(|h| rules[h.rule as usize].is_secret()) {
            self.record(idx, h, runs);
        }
        self.buf = buf;
    }

    /// The engine's hits on one value, into `buf` (in sweep mode, only the sweep's rules
    /// not found yet).
    fn hits_into_buf(&mut self, value: &str, scratch: &mut Scratch) {
        self.buf.clear();
        if self.sweep {
            self.engine.sweep_value(value, &self.ctx, &self.done, scratch, &mut self.buf);
        } else {
            self.engine.scan_value(value, &self.ctx, scratch, &mut self.buf);
        }
    }

    /// Classifies one value; empty and whitespace-only values are not counted.
    pub fn add(&mut self, value: &str, scratch: &mut Scratch) {
        if is_blank(value) {
            return;
        }
        self.hits_into_buf(value, scratch);
        let idx = self.non_null as u32;
        self.non_null += 1;
        let buf = std::mem::take(&mut self.buf);
        for h in &buf {
            self.record(idx, h, value);
        }
        self.buf = buf;
        if !self.sweep {
            if let Some(n) = self.engine.lone_name(value, scratch) {
                self.lone.add(idx, value, n);
            }
        }
    }

    /// Adds `count` occurrences of a value whose hits were computed once (dictionary arrays).
    pub fn add_repeated(&mut self, value: &str, hits: &[Hit], count: usize, scratch: &mut Scratch) {
        if is_blank(value) {
            return;
        }
        let lone = if self.sweep { None } else { self.engine.lone_name(value, scratch) };
        for _ in 0..count {
            let idx = self.non_null as u32;
            self.non_null += 1;
            for h in hits {
                self.record(idx, h, value);
            }
            if let Some(n) = lone {
                self.lone.add(idx, value, n);
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
        if t.fingerprints.len() < MAX_FINGERPRINTS {
            if let Some(f) = self.engine.fingerprint(&value[h.start..h.end]) {
                pool_fingerprints(&mut t.fingerprints, [f]);
            }
        }
        if self.engine.rules()[h.rule as usize].column_veto == Some(ColumnVeto::Versions) {
            t.versions.add(&value[h.start..h.end]);
        }
        if t.evidence.wants_more() && (h.strength == Strength::Strong || t.evidence.masks.is_empty()) {
            t.evidence.offer(&value[h.start..h.end]);
        }
        self.hits.push((idx, h.rule));
    }

    /// A column of lone first names or surnames: every name-shaped value counts as a
    /// rate-only hit of the name rule (those it already hit are not counted twice).
    fn lone_names(&mut self) {
        let Some(r) = self.engine.name_rule() else { return };
        let r = r as usize;
        if self.ctx.is_excluded(r) || !self.lone.holds_names(self.non_null, self.ctx.has_keyword(r)) {
            return;
        }
        let lone = std::mem::take(&mut self.lone);
        let already: HashSet<u32> = self.hits.iter().filter(|h| h.1 as usize == r).map(|h| h.0).collect();
        for idx in lone.rows {
            if !already.contains(&idx) {
                self.hits.push((idx, r as u16));
                self.tallies[r].rate_only += 1;
            }
        }
        pool_evidence(&mut self.tallies[r].evidence.masks, lone.evidence.masks);
    }

    /// The labels this column earns, strongest first, dropping those below `min_confidence`.
    pub fn finish(mut self, min_confidence: f64) -> Vec<LabelVerdict> {
        self.lone_names();
        let rules = self.engine.rules();
        let mut passing = vec![false; rules.len()];
        let mut by_label: BTreeMap<&str, LabelPool> = BTreeMap::new();
        let nn = self.non_null.max(1) as f64;
        for (i, t) in self.tallies.iter().enumerate() {
            let rule = &rules[i];
            let total = t.strong + t.rate_only;
            let rate = total as f64 / nn;
            let floor = if rule.min_rate > 0.0 { rule.min_rate } else { 0.5 };
            // A column is judged by what it holds: one value that is a name is as many
            // matches as a one-value column can give.
            let need = rule.min_matches.min(self.non_null.max(1));
            let by_strong = t.strong >= need;
            let by_rate = total >= need && rate >= floor;
            // Checksums pass by chance (Luhn: 1 in 10): in a column full of look-alikes
            // that mostly fail, the few that pass are noise, not contamination.
            let chance = t.rejected >= CHANCE_MIN_REJECTED && (total as f64) < CHANCE_SHARE * (total + t.rejected) as f64;
            // A column of release numbers is not a column of addresses, however many of
            // them parse as one.
            let vetoed = rule.column_veto == Some(ColumnVeto::Versions) && t.versions.is_versions();
            if !(by_strong || by_rate) || chance || vetoed {
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
            let e = by_label.entry(rule.label.as_str()).or_default();
            pool_fingerprints(&mut e.fingerprints, t.fingerprints.iter().cloned());
            e.confidence = e.confidence.max(conf);
            if let Some(s) = &rule.scheme {
                if !e.schemes.contains(s) {
                    e.schemes.push(s.clone());
                }
            }
            pool_evidence(&mut e.evidence, t.evidence.masks.iter().cloned());
        }
        let mut out = Vec::new();
        for (label, LabelPool { confidence: conf, evidence, mut schemes, fingerprints }) in by_label {
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
                fingerprints,
                sample_part: None,
            });
        }
        out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then_with(|| a.label.cmp(&b.label)));
        out
    }
}

/// What the passing rules of one label pool: the best confidence, and their evidence masks,
/// schemes and fingerprints.
#[derive(Default)]
struct LabelPool {
    confidence: f64,
    evidence: Vec<String>,
    schemes: Vec<String>,
    fingerprints: Vec<String>,
}

/// Empty or only whitespace: nothing to classify (stops at the first other byte).
fn is_blank(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_whitespace())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Masks a matched value for display, keeping its shape for a reviewer and almost none of
/// its characters:
///
/// - A run of letters or digits shows its first character only when the run is at least 4
///   long (`john` → `j***`), and only when the whole value has at least 8 letters and digits;
///   so at most one character in four is shown, and nothing of a short value (a PIN, a card
///   fragment, a date part).
/// - A shorter run is always `***`, whatever its length, so its digits and their count stay
///   hidden: every IPv4 address is `***.***.***.***`, which says what it is and not which.
/// - The top-level domain of an e-mail address (`.com`, at most 4 letters) stays: it names a
///   mail system, not a person, and `j***@e******.com` is the contract's example.
/// - Punctuation and spaces stay (they are the shape); control characters become spaces
///   and other symbols `?`, so a mask is always safe to print. Long runs show at most 10
///   characters and the mask at most 48, so it hides the length of long values too.
pub fn mask(value: &str) -> String {
    const MAX_RUN: usize = 10;
    const MAX_OUT: usize = 48;
    const MIN_RUN_SHOWN: usize = 4;
    const MIN_VALUE_SHOWN: usize = 8;
    let tld_start = value
        .rfind('.')
        .filter(|&i| value[..i].contains('@') && i + 1 < value.len() && value[i + 1..].len() <= 4 && value[i + 1..].chars().all(|c| c.is_ascii_alphabetic()))
        .map(|i| i + 1);
    let body = &value[..tld_start.map_or(value.len(), |t| t)];
    let alnum = body.chars().filter(|c| c.is_alphanumeric()).count();
    // One shown character per 4 letters and digits, none below 8 of them.
    let mut budget = if alnum >= MIN_VALUE_SHOWN { alnum / MIN_RUN_SHOWN } else { 0 };
    let mut out = String::with_capacity(value.len().min(MAX_OUT + 3));
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= MAX_OUT {
            out.push('…');
            return out;
        }
        if !c.is_alphanumeric() {
            out.push(if c.is_ascii_punctuation() || c == ' ' {
                c
            } else if c.is_whitespace() || c.is_control() {
                ' '
            } else {
                '?'
            });
            continue;
        }
        let mut run = 1;
        while chars.next_if(|c| c.is_alphanumeric()).is_some() {
            run += 1;
        }
        if run < MIN_RUN_SHOWN {
            out.push_str("***");
        } else if budget > 0 {
            budget -= 1;
            out.push(c);
            out.extend(std::iter::repeat_n('*', run.min(MAX_RUN) - 1));
        } else {
            out.extend(std::iter::repeat_n('*', run.min(MAX_RUN)));
        }
    }
    if let Some(t) = tld_start {
        if out.len() >= MAX_OUT {
            out.push('…');
        } else {
            out.push_str(&value[t..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::mask;
    use rand::{Rng, SeedableRng};

    /// What a mask shows of its value: the letters and digits in it, an e-mail's
    /// top-level domain left out.
    fn shown(masked: &str) -> Vec<char> {
        let body = match masked.rfind('.') {
            Some(i) if masked[..i].contains('@') && masked[i + 1..].chars().all(|c| c.is_ascii_alphabetic()) => &masked[..i],
            _ => masked,
        };
        body.chars().filter(|c| c.is_alphanumeric()).collect()
    }

    fn alnum(value: &str) -> usize {
        value.chars().filter(|c| c.is_alphanumeric()).count()
    }

    /// The property every mask keeps: at most one letter or digit in four is shown, none of
    /// a value with fewer than 8, never two side by side, never one from a run shorter than
    /// 4, and nothing unprintable.
    fn assert_reveals_little(value: &str) {
        let m = mask(value);
        let n = alnum(value);
        let shown = shown(&m);
        let cap = if n < 8 { 0 } else { n / 4 };
        assert!(shown.len() <= cap, "{value:?} → {m:?} shows {} of {n} letters and digits", shown.len());
        let body = m.rsplit_once('@').map_or(m.as_str(), |(local, domain)| if domain.contains('.') { local } else { m.as_str() });
        assert!(
            !body.as_bytes().windows(2).any(|w| w[0].is_ascii_alphanumeric() && w[1].is_ascii_alphanumeric()),
            "{value:?} → {m:?} shows adjacent characters"
        );
        // Each shown character is the first of a run of at least 4, in order.
        let heads: Vec<char> = value.split(|c: char| !c.is_alphanumeric()).filter(|r| r.chars().count() >= 4).filter_map(|r| r.chars().next()).collect();
        let mut rest = heads.iter();
        assert!(shown.iter().all(|c| rest.any(|h| h == c)), "{value:?} → {m:?} shows a character that is not the first of a long run");
        assert!(!m.chars().any(char::is_control), "{value:?} → {m:?} holds a control character");
    }

    #[test]
    fn mask_keeps_shape_not_value() {
        assert_eq!(mask("john@example.com"), "j***@e******.com");
        assert_eq!(mask("4111 1111 1111 1111"), "4*** 1*** 1*** 1***");
        assert_eq!(mask("4111111111111111"), "4*********");
        assert_eq!(mask("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU"), "e*********.e*********.c*********");
        let long = mask("AKIAABCDEFGHIJKLMNOP");
        assert!(!long.contains("BCD"));
        assert!(long.starts_with('A'));
    }

    #[test]
    fn every_ipv4_address_masks_alike() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut ips = vec!["10.0.0.1".to_string(), "0.0.0.0".into(), "255.255.255.255".into(), "192.168.1.1".into()];
        ips.extend((0..2000).map(|_| format!("{}.{}.{}.{}", rng.random::<u8>(), rng.random::<u8>(), rng.random::<u8>(), rng.random::<u8>())));
        for ip in &ips {
            assert_eq!(mask(ip), "***.***.***.***", "{ip}");
            assert_reveals_little(ip);
        }
    }

    #[test]
    fn short_numbers_show_no_digit() {
        for pin in 0..10_000 {
            let pin = format!("{pin:04}");
            assert_eq!(mask(&pin), "****", "PIN {pin}");
        }
        // Card fragments: a BIN, the last four, a truncated number, an expiry.
        for fragment in ["4111", "411111", "4111 11", "1111", "**** **** **** 1111", "12/27", "123"] {
            assert!(shown(&mask(fragment)).is_empty(), "{fragment} → {}", mask(fragment));
            assert_reveals_little(fragment);
        }
    }

    #[test]
    fn dates_show_at_most_one_digit() {
        for date in ["1990-01-02", "02/01/1990", "1.2.90", "31 Dec 1984", "19900102", "3/4/05", "2024-12-31 23:59"] {
            let m = mask(date);
            assert!(shown(&m).len() <= 1, "{date} → {m}");
            assert_reveals_little(date);
        }
        assert_reveals_little("2024-12-31T23:59:59Z");
        assert_eq!(mask("1990-01-02"), "1***-***-***");
        assert_eq!(mask("1.2.90"), "***.***.***");
    }

    #[test]
    fn no_value_reveals_more_than_a_quarter() {
        let alphabet: Vec<char> = "abcXYZ0123456789 .-@:/_+=éß\u{1b}\t\n[]".chars().collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let value: String = (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect();
            assert_reveals_little(&value);
        }
        for value in ["4111 11** **** 1111", "a@b.io", "jo@x.com", "jane.bloggs7@example.org", "+44 20 7946 0958", "fe80::1ff:fe23:4567:890a", "DE89 3704 0044 0532 0130 00"] {
            assert_reveals_little(value);
        }
        assert_eq!(mask("a@b.io"), "***@***.io");
        assert_eq!(mask("+44 20 7946 0958"), "+*** *** 7*** 0***");
    }

    #[test]
    fn masks_are_printable() {
        assert_eq!(mask("ab\u{1b}]0;x\u{7}cdef"), "*** ]***;*** c***");
        assert_eq!(mask("12\u{202e}34"), "***?***");
    }
}

/// The labels the built-in rules give a column named `column` holding `values` (the
/// column tests of this module and of `lone_names`).
#[cfg(test)]
fn column_labels<S: AsRef<str>>(column: &str, values: &[S]) -> Vec<String> {
    let engine = Engine::builtin().expect("built-in rules load");
    let mut scratch = Scratch::default();
    let mut acc = ColumnAccumulator::new(&engine, column);
    for v in values {
        acc.add(v.as_ref(), &mut scratch);
    }
    acc.finish(0.0).into_iter().map(|l| l.label).collect()
}

#[cfg(test)]
mod version_columns {
    use super::column_labels as labels;

    /// A release history in an uninformative column: 4-part versions whose build parts are
    /// large enough to parse as addresses, in order.
    fn history() -> Vec<String> {
        let mut v = Vec::new();
        for minor in 0..6u32 {
            for patch in 0..5u32 {
                v.push(format!("4.{minor}.{patch}.{}", 40 + minor * 30 + patch * 7));
            }
        }
        v
    }

    #[test]
    fn a_column_of_ordered_versions_is_not_an_address_column() {
        assert!(!labels("c7", &history()).contains(&"pii.ip_address".to_string()));
    }

    #[test]
    fn the_same_quads_out_of_order_and_real_addresses_are_addresses() {
        // Order is what tells a history from one network's addresses (10.x.x.x), so
        // shuffled versions are judged as addresses: the veto is only for histories.
        let mut shuffled = history();
        shuffled.reverse();
        assert!(labels("c7", &shuffled).contains(&"pii.ip_address".to_string()));
        let internal: Vec<String> = (0..30u32).map(|i| format!("10.{}.{}.{}", (i * 7) % 50, (i * 13) % 40, 40 + (i * 37) % 200)).collect();
        assert!(labels("c7", &internal).contains(&"pii.ip_address".to_string()));
    }
}
