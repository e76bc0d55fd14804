//! The classification engine: prefilter → confirm → validate, once per value.
//!
//! Rules are compiled once (`compile`). A value is first classified byte by byte into bit masks
//! (`masks`, SIMD); from them one literal pass finds the rules' literals (a trie walked
//! from word starts that pass a gram gate, see `literal_pass`) and the shape passes find
//! digit runs, tokens, upper-case tokens and hex runs. Only the rules those passes point
//! at run their regexes, and only over windows around the trigger (`regex-automata`'s
//! `Input::range` keeps look-around context intact); an ASCII window is searched with the
//! pattern's dense ASCII DFA (`ascii`) where the rule has one. A regex match is then
//! checked by the rule's validator, entropy floor and keyword context. The result per
//! value and rule is at most one `Hit`; `verdict` turns hits into column labels. What the
//! column name says, and the numbering-plan step that depends on it, are `context`'s; the
//! gates before the name and street matchers are `dict_pass`'s.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::meta::Regex;
use regex_automata::{Anchored, Input};

mod compile;
mod context;
mod dict_pass;
mod digits;

use context::PHONE_WORD_DIGITS;
pub use context::{name_tokens, ColumnContext};

use digits::{form_of, sep_bit, DigitRun, DigitTrigger, FORM_PROBES};

use super::ascii::AsciiDfa;
use super::dictionary::{DictHit, DictScratch, Dictionaries, LoneName};
use super::gate::{Grams, Tails};
use super::loader::{self, LoadError, Placeholders, RuleSource};
use super::masks::Masks;
use super::phones::Plans;
use super::rule::{ColumnVeto, KeywordMode, RuleFile, Scope, Severity};
use super::split::Split;
use super::trie::Trie;
use super::validators::{self, Check};

/// Default cap on the bytes of one value that are matched (64 KiB).
pub const DEFAULT_MAX_VALUE_LEN: usize = 64 * 1024;

/// Values up to this length are searched whole after a literal trigger (instead of in a
/// window around it: keywords such as `password=` may sit far into a connection string).
const WHOLE_VALUE_LEN: usize = 2048;
/// Window around a literal trigger: bytes before and after.
const LITERAL_BEFORE: usize = 128;
const LITERAL_AFTER: usize = 1024;
/// Slack around a digit run or token trigger, at least: a rule whose matches are longer
/// (a spaced IBAN is up to 42 bytes) gets its longest match instead, up to `MAX_SLACK`.
const RUN_SLACK: usize = 24;
const MAX_SLACK: usize = 512;
/// How far before a match a keyword still counts as context.
const KEYWORD_REACH: usize = 48;


/// A compiled rule.
pub struct CompiledRule {
    pub id: String,
    pub label: String,
    pub severity: Severity,
    pub confidence: f64,
    pub min_matches: usize,
    pub min_rate: f64,
    pub path: String,
    /// The identifier scheme (`scheme:` in the rule file), reported with the label.
    pub scheme: Option<String>,
    /// A column shape that withdraws the label (`column_veto:` in the rule file).
    pub column_veto: Option<ColumnVeto>,
    keyword_mode: KeywordMode,
    scope: Scope,
    validator: Option<String>,
    min_entropy: Option<f64>,
    regexes: Vec<RuleRegex>,
    /// Letters an upper-case token trigger must start with (`upper_token_letters`).
    upper_letters: usize,
    /// Bytes on each side of a digit-run or token trigger that its regexes search: any
    /// match that overlaps the trigger fits (see `RUN_SLACK`).
    slack: usize,
    /// The shortest match of any of its patterns: a shorter value cannot hold one, so its
    /// triggers open no window.
    shortest: usize,
    /// Keywords (column and value) as one ASCII-case-insensitive automaton.
    keyword_ac: Option<AhoCorasick>,
    column_keywords: Vec<Vec<String>>,
    column_exclude: Vec<String>,
    secret: bool,
    sweep: bool,
    fallback: bool,
    yields_to: Vec<String>,
}


impl CompiledRule {
    /// The validator every match must pass, if the rule has one (the dashboard names it
    /// when it explains a finding).
    pub fn validator(&self) -> Option<&str> {
        self.validator.as_deref()
    }

    /// The keywords that count for this rule when a column's name holds them, each as
    /// its lower-case name tokens.
    pub fn column_keywords(&self) -> &[Vec<String>] {
        &self.column_keywords
    }

    /// Whether the rule's label is a secret (`secret.*`).
    pub fn is_secret(&self) -> bool {
        self.secret
    }
}

/// One pattern of a rule, compiled.
struct RuleRegex {
    re: Regex,
    /// The group index of `value`.
    group: Option<usize>,
    /// The slot of this regex in `Scratch::caps`.
    slot: usize,
    /// The split that finds the `value` span without captures, when the pattern allows it.
    split: Option<Split>,
    /// The pattern's dense DFA for ASCII windows (built on first use), for rules woken by
    /// digit runs and tokens: they search short structured values all the time. Rules
    /// woken only by literals are distinctive secrets and e-mail, which the meta regex's
    /// literal prefilters serve well and whose DFAs take the longest to build.
    ascii: Option<AsciiDfa>,
    /// The shortest match in bytes: a shorter window cannot hold one.
    min_len: usize,
    /// A punctuation byte every match holds (`@` of `user:pass@host`, `;` of a connection
    /// string; `compile::required_byte`): a window without it is not searched.
    needs: Option<u8>,
}

/// How much a value's match counts for its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// The shape matched but the validator said no (a checksum failed): counted to tell
    /// chance matches in a column of look-alikes from real ones.
    Rejected,
    /// Shape and validator agree but nothing vouches for it: counts only in dense columns.
    RateOnly,
    /// Validated, with context where the rule needs it: one is evidence.
    Strong,
}

/// The best match of one rule in one value.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub rule: u16,
    pub strength: Strength,
    pub start: usize,
    pub end: usize,
}

/// Reusable buffers for `scan_value`, one per thread.
#[derive(Default)]
pub struct Scratch {
    windows: Vec<Vec<(usize, usize)>>,
    touched: Vec<u16>,
    dict: DictScratch,
    dict_hits: Vec<DictHit>,
    masks: Masks,
    /// Digit runs right after a word for phones (start, end), for `phone_after_word`.
    phone_runs: Vec<(usize, usize)>,
    /// One reusable capture buffer per compiled regex.
    caps: Vec<regex_automata::util::captures::Captures>,
}

/// The compiled rule set.
pub struct Engine {
    rules: Vec<CompiledRule>,
    /// The prefilter literals, as one trie walked from word starts (see `literal_pass`).
    literal_trie: Trie,
    /// Per byte: whether a literal that does not start with a letter or digit starts
    /// with it (such literals count anywhere; the others only at a word start).
    nonword_first: [bool; 256],
    /// The first bytes of non-word literals when there are at most four (`literal_pass`).
    literal_nonword_first: Option<[u8; 4]>,
    /// The first three bytes of the word literals, checked before the trie is walked.
    literal_grams: Grams,
    literal_rules: Vec<Vec<u16>>,
    /// The same literals as one Aho-Corasick automaton, built on first use: the engine
    /// does not use it; benchmarks compare the engine against one pass of it.
    literals: Vec<String>,
    literal_ac: std::sync::OnceLock<Option<AhoCorasick>>,
    /// Digit-run triggers: rule, separator bits (`sep_bit`) the run must contain (0: any),
    /// digit-group range; `digit_counts` finds them by the run's digit count.
    digit_triggers: Vec<DigitTrigger>,
    digit_counts: ByLength,
    upper_rules: ByLength,
    /// Upper-token rules whose token must start with letters and hold a digit.
    upper_lettered_rules: ByLength,
    token_rules: ByLength,
    whole_token_rules: ByLength,
    hex_rules: ByLength,
    name_rules: Vec<u16>,
    street_rules: Vec<u16>,
    /// The last words of the introductions of `intros.txt` (`is`, `m'appelle`, `llamo`;
    /// lower case, ASCII apostrophe): a capitalised word after one of them may be a name
    /// introduced ("my name is Anna"), which the name matcher then looks at. The word
    /// before each capital is tested (behind `intro_tails`); a second automaton pass over
    /// every value with a capital doubled the engine's cost on free text.
    intro_ends: Vec<Vec<u8>>,
    /// The longest of them, in bytes.
    intro_end_max: usize,
    /// Their last three bytes, tested before the word is read: the test runs at every
    /// capital of prose (28 in a 2 KB note), and reading and comparing the word there cost
    /// a quarter of the engine's time on free text.
    intro_tails: Tails,
    dict: Dictionaries,
    placeholders: Placeholders,
    /// The literals of `sweep` rules, for the one-pass sweep of decoded rows.
    sweep_ac: Option<AhoCorasick>,
    /// The rule of each `sweep_ac` pattern.
    sweep_rules: Vec<u16>,
    /// `placeholders.contains` as one ASCII-case-insensitive automaton.
    placeholder_ac: Option<AhoCorasick>,
    max_value_len: usize,
    /// The key of the HMAC-SHA256 fingerprints kept of matched values (none without it).
    fingerprint_key: Option<[u8; 32]>,
    /// SHA-256 of the rule files it was loaded from (`loader::digest`).
    rules_digest: String,
    /// The numbering plans (`classifiers/phone_plans/`), and the rule whose hits they decide.
    plans: Plans,
    plan_rule: Option<u16>,
    /// The plan rule's keywords of one word, lower case (`call`, `tel`, `telefon`): a
    /// number right after one is read by the plans (`Engine::phone_after_word`).
    phone_words: Vec<Vec<u8>>,
}

fn floor_char(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

impl Engine {
    /// The person-name rule (the `person_name` matcher's first rule), if the set has one.
    pub fn name_rule(&self) -> Option<u16> {
        self.name_rules.first().copied()
    }

    /// What `value` says of itself as one lone name (`Dictionaries::lone_name`), for the
    /// column-level test of first-name-only and surname-only columns; `None` without a
    /// name rule or when the value is not name-shaped.
    pub fn lone_name(&self, value: &str, s: &mut Scratch) -> Option<LoneName> {
        if self.name_rules.is_empty() || value.len() > 64 {
            return None;
        }
        self.dict.lone_name(value, &mut s.dict)
    }

    /// The cap on bytes matched per value.
    pub fn max_value_len(&self) -> usize {
        self.max_value_len
    }

    /// Sets the cap on bytes matched per value.
    pub fn with_max_value_len(mut self, n: usize) -> Self {
        self.max_value_len = n.max(16);
        self
    }

    /// Keeps keyed HMAC-SHA256 fingerprints of matched values with each label, so that a
    /// reviewer's dismissal can tell the values it saw from new ones without storing any.
    pub fn with_fingerprint_key(mut self, key: [u8; 32]) -> Self {
        self.fingerprint_key = Some(key);
        self
    }

    /// The fingerprint of a matched value: the first 64 bits of its HMAC-SHA256 under the
    /// engine's key, in hex; `None` without a key.
    pub fn fingerprint(&self, value: &str) -> Option<String> {
        use hmac::Mac;
        let key = self.fingerprint_key.as_ref()?;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        Some(hex::encode(&mac.finalize().into_bytes()[..8]))
    }

    /// The severity of `label`: the highest of its rules' (`None` for a label no rule has).
    pub fn severity_of(&self, label: &str) -> Option<Severity> {
        self.rules.iter().filter(|r| r.label == label).map(|r| r.severity).max()
    }

    /// The compiled rules, indexed by `Hit::rule`.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    /// The prefilter literals as one Aho-Corasick DFA (ASCII-case-insensitive), for
    /// benchmarks that compare the engine against one plain pass over the same literals.
    pub fn literal_automaton(&self) -> Option<&AhoCorasick> {
        self.literal_ac
            .get_or_init(|| {
                if self.literals.is_empty() {
                    return None;
                }
                AhoCorasick::builder()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&self.literals)
                    .ok()
            })
            .as_ref()
    }

    /// The numbering plans.
    pub fn plans(&self) -> &Plans {
        &self.plans
    }

    /// Classifies one value, appending at most one hit per rule to `hits`.
    pub fn scan_value(&self, value: &str, ctx: &ColumnContext, s: &mut Scratch, hits: &mut Vec<Hit>) {
        let value = &value[..floor_char(value, self.max_value_len)];
        if value.is_empty() {
            return;
        }
        if s.windows.len() != self.rules.len() {
            s.windows = vec![Vec::new(); self.rules.len()];
            s.caps = self.rules.iter().flat_map(|r| r.regexes.iter().map(|rr| rr.re.create_captures())).collect();
        }
        let whole = value.len() <= WHOLE_VALUE_LEN;
        let hits_before = hits.len();

        let mut masks = std::mem::take(&mut s.masks);
        masks.compute(value.as_bytes(), self.literal_nonword_first);
        // The extended classes serve the digit, token and hex passes, and the whole-value
        // token test (at most one space).
        if masks.digits > 0 || masks.colons > 0 || masks.spaces <= 1 {
            masks.extend(value.as_bytes());
        }
        self.literal_pass(value.as_bytes(), &masks, whole, s);
        self.shape_pass(value, &masks, s);

        let touched = std::mem::take(&mut s.touched);
        for &r in &touched {
            let mut windows = std::mem::take(&mut s.windows[r as usize]);
            if !ctx.is_excluded(r as usize) {
                merge_windows(&mut windows);
                if let Some(h) = self.confirm(r, value, &masks, &windows, ctx, s) {
                    hits.push(h);
                }
            }
            windows.clear();
            s.windows[r as usize] = windows;
        }
        s.touched = touched;
        s.touched.clear();

        self.drop_superseded_fallbacks(hits_before, hits);
        if ctx.reads_phone_plans() {
            self.phone_in_regions(value, ctx, hits_before, hits);
        } else if whole {
            self.phone_by_grouping(value, ctx, hits_before, hits);
        }
        if !s.phone_runs.is_empty() {
            self.phone_after_word(value, ctx, &s.phone_runs, hits_before, hits);
            s.phone_runs.clear();
        }

        self.dictionary_pass(value, &masks, ctx, s, hits_before, hits);
        s.masks = masks;
    }

    /// Opens windows for every literal occurrence: literals that start with a letter or
    /// digit (`key`, `mai`) count only at a word start — not in "monkey", "email" — and
    /// the others (`@`, `://`) anywhere. So the trie is walked only from word starts and
    /// from bytes that begin a literal of the second kind, and a word start only when its
    /// first three letters begin some literal (`literal_grams`): prose costs a bit test
    /// per word.
    fn literal_pass(&self, b: &[u8], m: &Masks, whole: bool, s: &mut Scratch) {
        let mut carry = 0u64;
        for (k, blk) in m.blocks.iter().enumerate() {
            let a = blk.alnum;
            let mut starts = a & !((a << 1) | carry);
            carry = a >> 63;
            while starts != 0 {
                let p = k * 64 + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                if self.literal_grams.may_start(b, p) {
                    self.literal_at(b, p, whole, s);
                }
            }
            let mut others = blk.nonword_first;
            while others != 0 {
                let p = k * 64 + others.trailing_zeros() as usize;
                others &= others - 1;
                if self.nonword_first[b[p] as usize] {
                    self.literal_at(b, p, whole, s);
                }
            }
        }
    }

    #[inline(always)]
    fn literal_at(&self, b: &[u8], i: usize, whole: bool, s: &mut Scratch) {
        let len = b.len();
        self.literal_trie.walk(b, i, |lit, end| {
            for &r in &self.literal_rules[lit as usize] {
                let w = if whole { (0, len) } else { (i.saturating_sub(LITERAL_BEFORE), (end + LITERAL_AFTER).min(len)) };
                push_window(s, r, w);
            }
        });
    }

    /// The sweep of rows outside the sample: `scan_value` for values holding a literal of
    /// a `sweep` rule, keeping only those rules' strong hits. Other values cost one
    /// literal pass.
    /// Rules marked in `done` (already found in the sample) are not looked for again.
    pub fn sweep_value(&self, value: &str, ctx: &ColumnContext, done: &[bool], s: &mut Scratch, hits: &mut Vec<Hit>) {
        let Some(ac) = &self.sweep_ac else { return };
        let capped = &value[..floor_char(value, self.max_value_len)];
        if !ac.find_iter(capped).any(|m| !done[self.sweep_rules[m.pattern().as_usize()] as usize]) {
            return;
        }
        let from = hits.len();
        self.scan_value(value, ctx, s, hits);
        drop_hits(hits, from, |h| !(self.rules[h.rule as usize].sweep && h.strength == Strength::Strong && !done[h.rule as usize]));
    }

    /// Drops hits of fallback rules (generic keys) that a specific rule of the same
    /// category also found in the same part of the value, and hits of rules that yield to
    /// a label found there (`yields_to`).
    fn drop_superseded_fallbacks(&self, from: usize, hits: &mut Vec<Hit>) {
        let new = &hits[from..];
        let yielding = |r: &CompiledRule| r.fallback || !r.yields_to.is_empty();
        if !new.iter().any(|h| yielding(&self.rules[h.rule as usize])) {
            return;
        }
        let specific: Vec<(usize, usize, u16)> = new
            .iter()
            .filter(|h| !self.rules[h.rule as usize].fallback && h.strength == Strength::Strong)
            .map(|h| (h.start, h.end, h.rule))
            .collect();
        drop_hits(hits, from, |h| {
            let rule = &self.rules[h.rule as usize];
            specific.iter().any(|&(s, e, r)| {
                let other = &self.rules[r as usize];
                let wins = (rule.fallback && other.secret == rule.secret) || rule.yields_to.contains(&other.label);
                r != h.rule && wins && s < h.end && h.start < e
            })
        });
    }

    /// Whether some hit in `hits` is a strong hit of a rule of `label`.
    fn has_strong(&self, hits: &[Hit], label: &str) -> bool {
        hits.iter().any(|h| h.strength == Strength::Strong && self.rules[h.rule as usize].label == label)
    }

    /// Byte passes that point rules at windows: digit runs (digits with ` -./()+` inside),
    /// upper-case tokens, key-like tokens and hex runs. Each pass runs only if some rule
    /// uses it; each finds its starting points in the value's byte masks, so bytes no pass
    /// cares about cost nothing, and none allocates. A trigger's rule searches the window
    /// around it (`run_window`), in short values too: a date at the start of a log line
    /// does not make the date rule scan the whole line, and a value is classified the
    /// same alone or inside a longer text.
    fn shape_pass(&self, v: &str, m: &Masks, s: &mut Scratch) {
        let b = v.as_bytes();
        let n = b.len();
        let fire = |s: &mut Scratch, rules: &ByLength, count: usize, start: usize, end: usize| {
            rules.each(count, |r| {
                self.open_run_window(s, r, start, end, n);
            });
        };
        if !self.digit_triggers.is_empty() && m.digits >= self.digit_counts.min {
            let mut i = 0;
            loop {
                i = m.next(|k| k.run_start, i);
                if i >= n {
                    break;
                }
                let c = b[i];
                if !(c.is_ascii_digit() || (i + 1 < n && b[i + 1].is_ascii_digit())) {
                    i += 1;
                    continue;
                }
                // Numbers stand alone or after one letter (X1234567L); digits inside a
                // word (hashes, UUIDs, hex) are not numbers.
                let glued = i > 0
                    && b[i - 1].is_ascii_alphanumeric()
                    && !(b[i - 1].is_ascii_alphabetic() && (i < 2 || !b[i - 2].is_ascii_alphanumeric()));
                if glued {
                    i = m.run_end(|k| k.alnum, i + 1);
                    continue;
                }
                let fire_run = |s: &mut Scratch, r: &DigitRun| {
                    let form = form_of(b, r);
                    self.digit_counts.each(r.digits, |t| {
                        let t = &self.digit_triggers[t as usize];
                        if (t.seps == 0 || r.bits & t.seps != 0) && (t.groups.0..=t.groups.1).contains(&r.groups) && (form == 0 || t.forms & form != 0) {
                            self.open_run_window(s, t.rule, r.start, r.end, n);
                        }
                    });
                };
                let run = DigitRun::read(b, m, i, n);
                fire_run(s, &run);
                if (PHONE_WORD_DIGITS.0..=PHONE_WORD_DIGITS.1).contains(&run.digits) && self.phone_word_before(b, run.start, run.digits) {
                    s.phone_runs.push((run.start, run.end));
                }
                // The pieces of a run between its spaces are tried too: "from 10.0.0.1
                // 2024-05-01" is one run of 16 digits, too long to be an address, and two
                // pieces that are an address and a date.
                if run.spaced {
                    let mut p = run.start;
                    while p < run.end {
                        let piece = DigitRun::read(b, m, p, b[..run.end].iter().skip(p).position(|&c| c == b' ').map_or(run.end, |k| p + k));
                        if piece.digits > 0 && piece.digits < run.digits {
                            fire_run(s, &piece);
                        }
                        p = piece.stop + 1;
                    }
                }
                let start = run.start;
                i = run.stop;
                i = i.max(start + 1);
            }
        }
        // Whole-value token rules (a column of bare keys) need the value to be one token.
        // ("Bearer <key>" is one token after its scheme word, hence one space allowed.)
        if !self.whole_token_rules.is_empty() && n >= self.whole_token_rules.min && m.spaces <= 1 {
            let first_other = m.run_end(|k| k.token, 0);
            if first_other == n || (b[first_other] == b' ' && m.run_end(|k| k.token, first_other + 1) == n) {
                fire(s, &self.whole_token_rules, n, 0, n);
            }
        }
        // Tokens found inside text (wallets) always hold a digit.
        if !self.token_rules.is_empty() && m.digits > 0 && n >= self.token_rules.min {
            let mut i = 0;
            loop {
                i = m.next(|k| k.token, i);
                if i >= n {
                    break;
                }
                let end = m.run_end(|k| k.token, i);
                fire(s, &self.token_rules, end - i, i, end);
                i = end;
            }
        }
        let min_upper = self.upper_rules.min.min(self.upper_lettered_rules.min);
        if min_upper != usize::MAX && m.digits + m.upper >= min_upper {
            // [A-Z0-9]+ standing alone: not glued to letters on either side.
            m.for_each_start(
                |k| k.upper | k.digit,
                |k| k.alnum,
                |start| {
                    let end = m.run_end(|k| k.upper | k.digit, start);
                    if end == n || !b[end].is_ascii_lowercase() {
                        fire(s, &self.upper_rules, end - start, start, end);
                        // Letters first, then a digit somewhere: `DE89…`.
                        let letters = m.run_end(|k| k.upper, start) - start;
                        if letters > 0 && start + letters < end {
                            self.upper_lettered_rules.each(end - start, |r| {
                                if letters >= self.rules[r as usize].upper_letters {
                                    self.open_run_window(s, r, start, end, n);
                                }
                            });
                        }
                    }
                },
            );
        }
        // Hex runs worth a look (IPv6, MAC) hold a colon, a digit, or both.
        if !self.hex_rules.is_empty() && (m.colons > 0 || m.digits > 0) {
            let mut i = 0;
            loop {
                i = m.next_start(|k| k.hex, |k| k.alnum, i);
                if i >= n {
                    break;
                }
                let start = i;
                let (mut hex, mut seps, mut end) = (0usize, 0usize, i);
                let (mut letters, mut colon_or_dot, mut double_colon) = (false, false, false);
                let mut colons = 0usize;
                while i < n {
                    let d = b[i];
                    if d.is_ascii_hexdigit() {
                        // A stretch of hex digits at once; it has letters if it is not all digits.
                        let e = m.run_end(|k| k.hex, i);
                        hex += e - i;
                        letters |= m.run_end(|k| k.digit, i) < e;
                        seps = 0;
                        end = e;
                        i = e;
                        continue;
                    } else if matches!(d, b':' | b'.' | b'-') && seps < 2 {
                        seps += 1;
                        colon_or_dot |= d != b'-';
                        double_colon |= d == b':' && seps == 2;
                        colons += (d == b':') as usize;
                    } else {
                        break;
                    }
                    i += 1;
                }
                // Addresses (IPv6, MAC) are groups joined by ':' or '.', or exactly 12 hex
                // digits (bare or dashed MAC). Runs of decimal digits with up to two colons
                // are times, and dash-joined runs of other lengths are UUIDs; five colons or
                // more is an address even in decimal digits only (`2001:4860:0:0:0:0:0:8888`).
                let whole_word = i >= n || !b[i].is_ascii_alphanumeric();
                let addressy = (colon_or_dot && (letters || double_colon)) || hex == 12 || colons >= 5;
                if whole_word && addressy {
                    fire(s, &self.hex_rules, hex, start, end);
                }
                i = i.max(start + 1);
            }
        }
    }

    /// Opens rule `r`'s window around a trigger at `start..end` of a value of `n` bytes
    /// (see `run_window`), unless the value is shorter than the rule's shortest match.
    #[inline(always)]
    fn open_run_window(&self, s: &mut Scratch, r: u16, start: usize, end: usize, n: usize) {
        if n >= self.rules[r as usize].shortest {
            push_window(s, r, self.run_window(r, start, end, n));
        }
    }

    /// The window rule `r` searches around a digit run or token at `start..end` of a value
    /// `n` bytes long.
    #[inline(always)]
    fn run_window(&self, r: u16, start: usize, end: usize, n: usize) -> (usize, usize) {
        let slack = self.rules[r as usize].slack;
        (start.saturating_sub(slack), (end + slack).min(n))
    }

    fn confirm(&self, r: u16, value: &str, m: &Masks, windows: &[(usize, usize)], ctx: &ColumnContext, s: &mut Scratch) -> Option<Hit> {
        let rule = &self.rules[r as usize];
        // Rules that need a keyword skip their regexes when none can be found.
        match rule.keyword_mode {
            KeywordMode::ColumnRequired if !ctx.has_keyword(r as usize) => return None,
            // Every keyword holds a letter (checked at load): a value without one (a bare
            // number, the common case for id rules) needs no keyword search. A keyword
            // counts only within KEYWORD_REACH before a match (`outcome`), and matches lie
            // in the windows, so only that stretch is searched, not a whole log line.
            KeywordMode::Required if !ctx.has_keyword(r as usize) => {
                let from = windows.first().map_or(0, |w| w.0.saturating_sub(KEYWORD_REACH));
                let to = windows.last().map_or(0, |w| w.1).min(value.len());
                let found = |ac: &AhoCorasick| ac.is_match(aho_corasick::Input::new(value).range(from..to));
                if !(has_letter(m) && rule.keyword_ac.as_ref().is_some_and(found)) {
                    return None;
                }
            }
            _ => {}
        }
        let mut best: Option<Hit> = None;
        for &(ws, we) in windows {
            let (ws, we) = (floor_char(value, ws), ceil_char(value, we));
            // The window and the byte on each side of it are ASCII: the DFAs of `ascii` hold.
            let ascii = m.next(|k| k.nonascii, ws.saturating_sub(1)) >= (we + 1).min(value.len());
            for RuleRegex { re, group, slot, split, ascii: dfa, min_len, needs } in &rule.regexes {
                if we - ws < *min_len || needs.is_some_and(|b| memchr::memchr(b, &value.as_bytes()[ws..we]).is_none()) {
                    continue;
                }
                let mut input = Input::new(value).range(ws..we);
                loop {
                    // One DFA search per match. When the rule marks a `value` part, its span
                    // comes from the split around the match, or else from the capture engine
                    // run anchored at the match: the same match (leftmost-first), with its
                    // groups, for the price of one anchored pass instead of a search.
                    let found = dfa.as_ref().filter(|_| ascii).and_then(|d| d.search(&input));
                    let Some(m) = found.unwrap_or_else(|| re.search(&input)) else { break };
                    let (ms, me) = (m.start(), m.end());
                    let (vs, ve) = match group {
                        None => (ms, me),
                        Some(g) => match split.as_ref().and_then(|sp| sp.value_span(value, ms, me)) {
                            Some(span) => span,
                            None => {
                                let caps = &mut s.caps[*slot];
                                re.search_captures(&input.clone().range(ms..we).anchored(Anchored::Yes), caps);
                                caps.get_group(*g).map_or((ms, me), |sp| (sp.start, sp.end))
                            }
                        },
                    };
                    if let Some(h) = self.check_match(r, value, ms, vs, ve, ctx) {
                        if h.strength == Strength::Strong {
                            return Some(h);
                        }
                        if best.is_none_or(|b| h.strength > b.strength) {
                            best = Some(h);
                        }
                    }
                    let next = ceil_char(value, me.max(ms + 1));
                    if next >= we {
                        break;
                    }
                    input.set_start(next);
                }
            }
        }
        best
    }

    fn check_match(&self, r: u16, value: &str, mstart: usize, vs: usize, ve: usize, ctx: &ColumnContext) -> Option<Hit> {
        let rule = &self.rules[r as usize];
        let text = &value[vs..ve];
        if rule.scope == Scope::WholeValue {
            let t = value.trim();
            let off = value.len() - value.trim_start().len();
            if mstart != off || ve != off + t.len() {
                return None;
            }
        }
        if rule.secret && self.is_placeholder(text) {
            return None;
        }
        if let Some(min) = rule.min_entropy {
            if validators::shannon_entropy(text) < min {
                return None;
            }
        }
        let check = match &rule.validator {
            Some(v) => validators::validate(v, text),
            None => Check::Valid,
        };
        if check == Check::Other {
            return None;
        }
        if check == Check::Invalid {
            return Some(Hit { rule: r, strength: Strength::Rejected, start: vs, end: ve });
        }
        self.outcome(r, value, vs, ve, check, false, ctx)
    }

    /// Decides how much a validated match counts; `self_evident` stands in for context.
    #[allow(clippy::too_many_arguments)]
    fn outcome(&self, r: u16, value: &str, start: usize, end: usize, check: Check, self_evident: bool, ctx: &ColumnContext) -> Option<Hit> {
        let rule = &self.rules[r as usize];
        let col_kw = ctx.has_keyword(r as usize);
        let near = |ac: &AhoCorasick| {
            let from = floor_char(value, start.saturating_sub(KEYWORD_REACH));
            keyword_before(ac, value.as_bytes(), from, start)
        };
        let context = self_evident || col_kw || rule.keyword_ac.as_ref().is_some_and(near);
        match rule.keyword_mode {
            KeywordMode::Required if !context => return None,
            KeywordMode::ColumnRequired if !col_kw => return None,
            _ => {}
        }
        let strength = match check {
            Check::Valid if rule.min_rate == 0.0 || context => Strength::Strong,
            Check::Valid => Strength::RateOnly,
            Check::Plausible if context => Strength::Strong,
            Check::Plausible => Strength::RateOnly,
            Check::Weak if context => Strength::Strong,
            Check::Weak | Check::Invalid | Check::Other => return None,
        };
        Some(Hit { rule: r, strength, start, end })
    }

    fn is_placeholder(&self, text: &str) -> bool {
        self.placeholders.exact.iter().any(|p| p == text) || self.placeholder_ac.as_ref().is_some_and(|ac| ac.is_match(text))
    }
}

/// Whether the value holds a letter (ASCII, or any non-ASCII character).
fn has_letter(m: &Masks) -> bool {
    m.blocks.iter().any(|b| b.alnum & !b.digit != 0 || b.nonascii != 0)
}

/// Keywords this short count in a value only where a word starts: `tel` in "hotel", `ip`
/// in "ship" or `tin` in "setting" say nothing about the number after them. Longer ones
/// may sit inside a compound (German "Mobiltelefon", "Kundennummer").
const SHORT_KEYWORD: usize = 4;

/// Whether `ac` finds a keyword in `hay[from..to]`, short keywords at a word start only
/// (the byte before them, if any, is not a letter or digit; UTF-8 letters count as letters).
fn keyword_before(ac: &AhoCorasick, hay: &[u8], from: usize, to: usize) -> bool {
    let input = aho_corasick::Input::new(hay).range(from..to);
    ac.find_overlapping_iter(input).any(|m| {
        m.len() > SHORT_KEYWORD || m.start() == 0 || {
            let b = hay[m.start() - 1];
            !(b.is_ascii_alphanumeric() || b >= 0x80)
        }
    })
}

/// An ASCII-case-insensitive automaton over `words` (None when there are none).
fn ci_automaton<I, S>(words: I, path: &str) -> Result<Option<AhoCorasick>, LoadError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    // The search folds ASCII case only: a word with other letters is also looked for in
    // capitals (`ΑΜΚΑ`, `RČ` as forms print them).
    let mut words: Vec<String> = words
        .into_iter()
        .flat_map(|w| {
            let w = w.as_ref();
            let upper = (!w.is_ascii()).then(|| w.to_uppercase());
            std::iter::once(w.to_lowercase()).chain(upper)
        })
        .filter(|w| !w.is_empty())
        .collect();
    words.dedup();
    if words.is_empty() {
        return Ok(None);
    }
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&words)
        .map(Some)
        .map_err(|e| LoadError::Invalid { path: path.to_string(), message: e.to_string() })
}

/// Rules (or triggers) keyed by a length range, listed per length so that a run of
/// length `n` costs one lookup, not a range test per rule.
struct ByLength {
    /// `at[n]`: the rules whose range holds `n`, for `n` below `BY_LENGTH_TABLE`.
    at: Vec<Vec<u16>>,
    /// All rules with their ranges, for longer runs.
    all: Vec<(u16, usize, usize)>,
    /// The smallest lower bound (`usize::MAX` when empty): the pass gates.
    min: usize,
}

/// Run lengths up to this are looked up in a table; longer ones (rare) test each range.
const BY_LENGTH_TABLE: usize = 4096;

impl ByLength {
    fn new(rules: impl IntoIterator<Item = (u16, usize, usize)>) -> ByLength {
        let all: Vec<(u16, usize, usize)> = rules.into_iter().collect();
        let top = all.iter().map(|r| r.2.saturating_add(1)).max().unwrap_or(0).min(BY_LENGTH_TABLE);
        let at = (0..top).map(|n| all.iter().filter(|r| (r.1..=r.2).contains(&n)).map(|r| r.0).collect()).collect();
        ByLength { at, min: all.iter().map(|r| r.1).min().unwrap_or(usize::MAX), all }
    }

    /// Calls `f` with each rule whose range holds `n`.
    #[inline(always)]
    fn each(&self, n: usize, mut f: impl FnMut(u16)) {
        match self.at.get(n) {
            Some(rules) => rules.iter().for_each(|&r| f(r)),
            None if n >= BY_LENGTH_TABLE => self.all.iter().filter(|r| (r.1..=r.2).contains(&n)).for_each(|r| f(r.0)),
            None => {}
        }
    }

    fn is_empty(&self) -> bool {
        self.min == usize::MAX
    }
}

/// Removes the hits from index `from` on for which `gone` holds; the others keep their order.
fn drop_hits(hits: &mut Vec<Hit>, from: usize, mut gone: impl FnMut(&Hit) -> bool) {
    let mut k = 0;
    hits.retain(|h| {
        k += 1;
        k <= from || !gone(h)
    });
}

fn push_window(s: &mut Scratch, r: u16, w: (usize, usize)) {
    let ws = &mut s.windows[r as usize];
    if ws.is_empty() {
        s.touched.push(r);
    } else if let Some(last) = ws.last_mut() {
        // Triggers arrive mostly in order: extend the last window instead of growing the list.
        if w.0 <= last.1 && w.0 >= last.0 {
            last.1 = last.1.max(w.1);
            return;
        }
    }
    ws.push(w);
}

fn merge_windows(ws: &mut Vec<(usize, usize)>) {
    if ws.len() < 2 {
        return;
    }
    ws.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ws.len());
    for &(a, b) in ws.iter() {
        match out.last_mut() {
            Some(l) if a <= l.1 => l.1 = l.1.max(b),
            _ => out.push((a, b)),
        }
    }
    *ws = out;
}

#[cfg(test)]
mod tests {
    use super::{Engine, Scratch, Strength};

    /// In a long value rules search windows around their triggers; a window must hold
    /// the rule's longest match, or a spaced IBAN whose first group is the trigger is cut.
    /// The literal pass compares the first bytes of non-word literals (`@`, `://`, `-----`)
    /// exactly only when there are at most four of them; a fifth makes every punctuation
    /// byte of every value a trie walk. A rule file must not tip the built-in set over.
    #[test]
    fn builtin_non_word_literals_keep_the_exact_first_byte_test() {
        let e = Engine::builtin().unwrap();
        assert!(e.literal_nonword_first.is_some(), "more than four first bytes of non-word literals");
    }

    #[test]
    fn long_values_find_matches_longer_than_the_default_slack() {
        let e = Engine::builtin().expect("built-in rules");
        let ctx = e.column_context("notes");
        let pad = "lorem ipsum dolor sit amet ".repeat(100);
        let iban = e.rules().iter().position(|r| r.id == "pii.iban").expect("iban rule") as u16;
        for account in ["ES91 2100 0418 4502 0005 1332", "MT84 MALT 0110 0001 2345 MTLC AST0 01S"] {
            let text = format!("{pad} {account} {pad}");
            let mut hits = Vec::new();
            e.scan_value(&text, &ctx, &mut Scratch::default(), &mut hits);
            let h = hits.iter().find(|h| h.rule == iban).unwrap_or_else(|| panic!("{account}: no IBAN hit"));
            assert_eq!((h.strength, &text[h.start..h.end]), (Strength::Strong, account));
        }
    }

    /// A run of digits that merges an address with the number after it is too long for
    /// the address rule's trigger; its pieces between spaces are tried as well.
    #[test]
    fn numbers_joined_by_spaces_are_tried_one_by_one() {
        let e = Engine::builtin().expect("built-in rules");
        let ctx = e.column_context("line");
        let ipv4 = e.rules().iter().position(|r| r.id == "pii.ip_address.v4").expect("ipv4 rule") as u16;
        for line in ["login from 81.2.69.142 2024-05-01 ok", "client 81.2.69.142 500 1234 ms"] {
            let mut hits = Vec::new();
            e.scan_value(line, &ctx, &mut Scratch::default(), &mut hits);
            let h = hits.iter().find(|h| h.rule == ipv4).unwrap_or_else(|| panic!("{line}: no IPv4 hit"));
            assert_eq!(&line[h.start..h.end], "81.2.69.142", "{line}");
        }
    }

    /// An address runs through its postcode and locality, and a name inside it (a street
    /// named for a person, a town named for a saint) yields to it; a name after the
    /// address with no number in its part is still a name.
    #[test]
    fn names_inside_an_address_yield_to_it() {
        let e = Engine::builtin().expect("built-in rules");
        let ctx = e.column_context("notes");
        let label = |h: &super::Hit| e.rules()[h.rule as usize].label.clone();
        let cases = [
            ("Rua Helena Azevedo, 27, 1482-874 Valongo", "Rua Helena Azevedo, 27, 1482-874 Valongo", None),
            ("Praça de Godim, 96\n1123-274 Santa Maria da Feira", "Praça de Godim, 96\n1123-274 Santa Maria da Feira", None),
            ("1357 Pacific Av, Springfield, IL 62704", "1357 Pacific Av, Springfield, IL 62704", None),
            ("Deliver to 12 Oak Street, Attn: Mrs. Laura Jones", "12 Oak Street", Some("Mrs. Laura Jones")),
            ("Ship to 12 Oak Street, Mrs. Jane Smith 2nd floor", "12 Oak Street", Some("Mrs. Jane Smith")),
        ];
        for (value, street, name) in cases {
            let mut hits = Vec::new();
            e.scan_value(value, &ctx, &mut Scratch::default(), &mut hits);
            let span = |l: &str| hits.iter().find(|h| label(h) == l).map(|h| &value[h.start..h.end]);
            assert_eq!(span("pii.street_address"), Some(street), "{value}: {hits:?}");
            assert_eq!(span("pii.person_name"), name, "{value}: {hits:?}");
        }
    }

    /// How the national phone rule rates `value` in a column named `column` (None: no hit).
    fn phone_strength(e: &Engine, column: &str, value: &str) -> Option<Strength> {
        let phone = e.rules().iter().position(|r| r.id == "pii.phone_number.national").expect("phone rule") as u16;
        let mut hits = Vec::new();
        e.scan_value(value, &e.column_context(column), &mut Scratch::default(), &mut hits);
        hits.iter().find(|h| h.rule == phone).map(|h| h.strength)
    }

    /// A bare digit string is a phone number only with context. `ani` (a telecom column)
    /// is a `column_keywords` word: it gives context as a column name, but not as the
    /// letters inside "organic" before a number in a text.
    #[test]
    fn column_keywords_count_in_column_names_only() {
        let e = Engine::builtin().expect("built-in rules");
        let strength = |column: &str, value: &str| phone_strength(&e, column, value);
        for column in ["ani", "caller_ani", "Telefonnummer", "GSM"] {
            assert_eq!(strength(column, "447700900123"), Some(Strength::Strong), "{column}");
        }
        assert_eq!(strength("order_id", "447700900123"), None);
        assert_eq!(strength("remarks", "organic 447700900123"), None);
        assert_eq!(strength("remarks", "tel 447700900123"), Some(Strength::Strong));
    }

    /// A number right after a word for phones is read by the numbering plans: valid in
    /// some region it is a phone number (8-digit Nordic and Singapore numbers, the short
    /// numbers of small plans); a call's id after a determiner or `#`, a time, a year, and
    /// digits invalid in every plan are not.
    #[test]
    fn numbers_right_after_a_word_for_phones_are_read_by_the_plans() {
        let e = Engine::builtin().expect("built-in rules");
        let strength = |value: &str| phone_strength(&e, "notes", value);
        for v in ["Tel. 91234567", "call me on 71234567", "please call 62889 after 5pm", "Telefon: 2212-3456", "Phone #: 5551234"] {
            assert_eq!(strength(v), Some(Strength::Strong), "{v}");
        }
        for v in ["the call 48213 dropped after 30s", "Call #4821 transferred", "call at 10.30 tomorrow", "please call back in 2025", "order 91234567 shipped", "renewed after call 4821, happy with support"] {
            assert_eq!(strength(v), None, "{v}");
        }
        // Twelve digits no plan has: the word made the patterns call it a phone; no more.
        assert_eq!(strength("please call 999999999912 after 5pm"), None);
    }

    /// Short value keywords count where a word starts: "tel" before a number is context,
    /// the same letters ending "hotel" are not. Longer ones count inside compounds.
    #[test]
    fn short_value_keywords_need_a_word_start() {
        let e = Engine::builtin().expect("built-in rules");
        let strength = |value: &str| phone_strength(&e, "remarks", value);
        for context in ["tel 447700900123", "Tel.: 447700900123", "(tel) 447700900123", "Mobiltelefon 447700900123"] {
            assert_eq!(strength(context), Some(Strength::Strong), "{context}");
        }
        for no_context in ["hotel 447700900123", "Hotel: 447700900123", "recall 447700900123"] {
            assert_eq!(strength(no_context), None, "{no_context}");
        }
    }
}
