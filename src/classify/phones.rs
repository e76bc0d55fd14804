//! Numbering plans: whether a phone number written in national form (or stored as an
//! integer) is a valid number of a region, and which regions a column's context names.
//!
//! A national number carries no country code, so its shape alone cannot tell it from an
//! order number or an amount; the pattern rules therefore call most bare digit runs weak.
//! libphonenumber's metadata can: each region's national prefix, the lengths it allows and
//! a pattern per number type (fixed line, mobile, toll free...). `bench/breadth/
//! phone_plans.py` writes that metadata into `classifiers/phone_plans/plans.txt` (with
//! the names a country column may hold in `names.txt`); `words.txt` maps locale words of
//! column names (`telefon`, `telemóvel`) to the regions that speak them.
//!
//! The regions come from context, never from the value: a column named for a region
//! (`tel_de`, `phone_france`) or in a language (`telefono`), a country column of the same
//! table, and the country codes of the `+` numbers elsewhere in the column
//! (`table_regions`). In a column with regions, a whole value written as a national number
//! that is valid for one of them is a phone number, and one that is invalid for all is
//! not, unless its writing alone already made it one (`Engine::phone_in_regions`). In a
//! column named for phone numbers with no region named, a national number the patterns
//! missed counts when valid in some region (`Plans::valid_anywhere`): the column's word is
//! the evidence, and a prefilter on lengths and leading digits (`Lead`) keeps the regions
//! whose patterns get compiled to the few that could hold the number. In any column, a
//! national number right after a word for phones (`Tel. 91234567`, `please call 62889`)
//! is judged the same way (`Engine::phone_after_word`), and one the patterns called a
//! phone only for that word is none when it is valid in no region.
//!
//! Checking follows libphonenumber's parse of a national number (country code without `+`
//! for the region, national prefix and its transform rule, length test) and its
//! `is_valid_number_for_region` (general pattern, then one of the type patterns with its
//! lengths). A region's patterns are compiled the first time one of its numbers is checked
//! (3–4 ms in a release build; each type pattern only when a check reaches it); a check
//! then costs a few anchored regex matches (under a microsecond). Nothing here runs for a
//! value unless its column has regions or is named for phone numbers, or a word for
//! phones stands right before one of its digit runs.

use std::collections::HashMap;
use std::sync::OnceLock;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use regex::Regex;

use super::engine::name_tokens;
use super::loader::{LoadError, RuleSource};

/// Fewest digits of a national number we check (Niue's, Tokelau's and Tristan da Cunha's
/// have 4; a plan says whether its region has such short numbers), and most (E.164's 15, plus a trunk prefix and a carrier code).
const MIN_DIGITS: usize = 4;
const MAX_DIGITS: usize = 17;
/// Most regions a context may name: a country column with many countries says little
/// about any one row, and every region added makes random digits more likely to pass.
pub const MAX_REGIONS: usize = 6;
/// Share of a country column's values its regions must cover to count.
const COUNTRY_COVER: f64 = 0.8;
/// Share of a column's values that must be `+` numbers for their country codes to count.
const PLUS_SHARE: f64 = 0.2;

/// Two-letter name tokens that are words or abbreviations more often than country codes
/// (`phone_no` is a phone number, not Norway's; `pk` a primary key).
const AMBIGUOUS_CODES: &[&str] = &[
    "no", "nr", "nu", "na", "id", "in", "is", "to", "me", "my", "am", "as", "do", "go", "so", "ad", "tv", "pk", "ph", "cc", "mo", "ms", "pa",
    "re", "st", "sh", "ai", "ci", "io", "ws", "or", "an",
];
/// Column-name words that say a column named for phones holds something else about them
/// (`phone_id`, `call_duration`, `mobile_app_version`, `cell_count`): with no region named,
/// its numbers are not read as phone numbers by the plans (`column_may_hold_numbers`).
const NOT_NUMBER_WORDS: &[&str] = &[
    "id", "ids", "uuid", "key", "pk", "fk", "ref", "hash", "count", "cnt", "total", "sum", "avg", "duration", "secs", "sec", "seconds", "minutes", "mins", "ms", "time",
    "date", "ts", "timestamp", "year", "version", "ver", "model", "type", "status", "state", "brand", "make", "os", "app", "carrier", "network", "operator", "provider",
    "plan", "price", "cost", "amount", "fee", "bill", "balance", "charge", "charges", "usage", "score", "rate", "flag", "verified", "last4", "last", "suffix", "prefix", "code",
    "pin", "otp", "tower", "site", "imei", "imsi", "iccid", "serial",
];
/// Column-name words of a country column.
const COUNTRY_WORDS: &[&str] = &["country", "countrycode", "country_code", "land", "pays", "pais", "país", "paese", "nation", "iso2", "iso3", "countryiso", "laendercode", "ländercode"];

/// One region's plan as libphonenumber describes it.
struct Plan {
    region: String,
    cc: String,
    npfp: String,
    transform: String,
    lengths: Vec<u8>,
    local_lengths: Vec<u8>,
    general: String,
    /// Lengths and pattern of each number type, each compiled when first needed (most
    /// valid numbers are fixed-line or mobile, the first two).
    types: Vec<(Vec<u8>, String, OnceLock<Option<Regex>>)>,
    /// The national formats, in the metadata's order (`formats.txt`).
    formats: Vec<Format>,
    compiled: OnceLock<Option<Compiled>>,
}

/// One national format of a region: the leading digits it serves, the groups its pattern
/// cuts a national significant number into, and how it writes them (`${1} ${2}-${3}`).
/// libphonenumber writes a number with the first format whose leading digits and
/// pattern fit it.
struct Format {
    lead: String,
    pattern: String,
    format: String,
    /// The leading-digits pattern (anchored at the start; none: any) and the pattern
    /// (anchored at both ends), compiled when a number first reaches this format.
    compiled: OnceLock<Option<(Option<Regex>, Regex)>>,
}

struct Compiled {
    npfp: Option<Regex>,
    general: Regex,
}

/// What a region's plan allows a national significant number to look like, read from its
/// metadata without compiling its patterns: the lengths, the first two digits the general
/// pattern can begin with, and how the national prefix is stripped. A number that fails
/// this for a region cannot be valid there, so only the regions that pass have their
/// patterns compiled (`Plans::valid_anywhere`).
struct Lead {
    /// Bit `n` set: a national significant number may have `n` digits.
    lengths: u32,
    /// Bit `10a + b` set: a national significant number may begin with digits `a`, `b`.
    first_two: u128,
    /// The national prefix when it is digits only (`0`, `8`), stripped by bytes; otherwise
    /// the region's prefix pattern, compiled (it is short) when a number is looked up.
    prefix: Prefix,
}

enum Prefix {
    None,
    Digits(String),
    Pattern(OnceLock<Option<Regex>>),
}

impl Lead {
    fn of(plan: &Plan) -> Lead {
        let lengths = plan.lengths.iter().filter(|&&n| n < 32).fold(0u32, |m, &n| m | 1 << n);
        let prefix = if plan.npfp.is_empty() {
            Prefix::None
        } else if plan.transform.is_empty() && plan.npfp.bytes().all(|b| b.is_ascii_digit()) {
            Prefix::Digits(plan.npfp.clone())
        } else {
            Prefix::Pattern(OnceLock::new())
        };
        Lead { lengths, first_two: first_two_digits(&plan.general), prefix }
    }

    /// Whether `n` could be this region's national significant number.
    fn admits_nsn(&self, n: &[u8]) -> bool {
        n.len() >= 2 && n.len() < 32 && n[..2].iter().all(u8::is_ascii_digit) && self.lengths & (1 << n.len()) != 0 && self.first_two & (1u128 << ((n[0] - b'0') * 10 + (n[1] - b'0'))) != 0
    }

    /// Whether digits `d` could be a valid number of `plan`: one of the national significant
    /// numbers `Plan::valid` may choose (the digits, the digits after the country code,
    /// each with the national prefix stripped or transformed) has an allowed length and
    /// beginning. Never false for a number `Plan::valid` accepts.
    fn admits(&self, plan: &Plan, d: &str) -> bool {
        let tried = |x: &str| {
            if self.admits_nsn(x.as_bytes()) {
                return true;
            }
            match &self.prefix {
                Prefix::None => false,
                Prefix::Digits(p) => x.strip_prefix(p.as_str()).is_some_and(|r| self.admits_nsn(r.as_bytes())),
                Prefix::Pattern(re) => {
                    let Some(re) = re.get_or_init(|| Regex::new(&format!("^(?:{})", plan.npfp)).ok()) else { return true };
                    strip_national_prefix(re, &plan.transform, x).is_some_and(|n| self.admits_nsn(n.as_bytes()))
                }
            }
        };
        tried(d) || d.strip_prefix(plan.cc.as_str()).is_some_and(tried)
    }
}

/// `d` with its national prefix stripped by `prefix` (the plan's prefix-for-parsing pattern,
/// anchored), or replaced by `transform` when the pattern captured what the transform uses
/// — libphonenumber's rule; None when the prefix pattern does not match.
fn strip_national_prefix(prefix: &Regex, transform: &str, d: &str) -> Option<String> {
    let caps = prefix.captures(d)?;
    let end = caps.get(0).map_or(0, |m| m.end());
    let last = caps.len() - 1;
    if transform.is_empty() || last == 0 || caps.get(last).is_none() {
        return Some(d[end..].to_string());
    }
    let mut t = String::new();
    caps.expand(transform, &mut t);
    t.push_str(&d[end..]);
    Some(t)
}

/// The first two digits a match of `pattern` (a general pattern of the metadata) can begin
/// with, from the literal prefixes `regex-syntax` extracts; every pair when it cannot tell.
fn first_two_digits(pattern: &str) -> u128 {
    const ALL: u128 = (1u128 << 100) - 1;
    let Ok(hir) = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(pattern) else { return ALL };
    let seq = regex_syntax::hir::literal::Extractor::new().limit_literal_len(2).limit_class(10).limit_total(500).extract(&hir);
    let Some(lits) = seq.literals() else { return ALL };
    let mut m = 0u128;
    for l in lits {
        let b = l.as_bytes();
        if !b.iter().all(u8::is_ascii_digit) {
            return ALL;
        }
        match b {
            [a, c, ..] => m |= 1u128 << ((a - b'0') * 10 + (c - b'0')),
            [a] => m |= ((1u128 << 10) - 1) << ((a - b'0') * 10),
            [] => return ALL,
        }
    }
    m
}

/// The numbering plans, region names and locale words (empty when the rule set has none).
#[derive(Default)]
pub struct Plans {
    plans: Vec<Plan>,
    /// ISO code, alpha-3 code and names (lower case) → plan index.
    by_name: HashMap<String, u16>,
    /// Country calling code → plan indices.
    by_cc: HashMap<String, Vec<u16>>,
    /// Locale word → plan indices.
    words: HashMap<String, Vec<u16>>,
    /// Each plan's `Lead`, built on the first number checked against every region.
    leads: OnceLock<Vec<Lead>>,
}

fn anchored(p: &str) -> Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{p})$"))
}

fn parse_lengths(s: &str) -> Vec<u8> {
    s.split(',').filter_map(|x| x.trim().parse().ok()).collect()
}

impl Plan {
    fn compiled(&self) -> Option<&Compiled> {
        self.compiled
            .get_or_init(|| {
                let npfp = if self.npfp.is_empty() { None } else { Some(Regex::new(&format!("^(?:{})", self.npfp)).ok()?) };
                let general = anchored(&self.general).ok()?;
                Some(Compiled { npfp, general })
            })
            .as_ref()
    }

    /// libphonenumber's length test of a national number against the general lengths:
    /// whether it may be stripped to this (not too short, not local-only, not an invalid
    /// length in between).
    fn length_ok(&self, n: usize) -> bool {
        let Some(&min) = self.lengths.first() else { return false };
        if self.local_lengths.contains(&(n as u8)) || n < min as usize {
            return false;
        }
        // Too long counts as possible here, as in libphonenumber's parse.
        n > *self.lengths.last().unwrap_or(&0) as usize || self.lengths.contains(&(n as u8))
    }

    /// The national significant number of `d` (national prefix and its carrier code
    /// stripped, or transformed), as libphonenumber's parse finds it.
    fn national(&self, c: &Compiled, d: &str) -> String {
        let Some(np) = &c.npfp else { return d.to_string() };
        let Some(out) = strip_national_prefix(np, &self.transform, d) else { return d.to_string() };
        let viable = c.general.is_match(d);
        if (viable && !c.general.is_match(&out)) || !self.length_ok(out.len()) {
            return d.to_string();
        }
        out
    }

    /// Whether `n` (a national significant number) is a valid number of this region.
    fn valid_nsn(&self, c: &Compiled, n: &str) -> bool {
        let len = n.len() as u8;
        if (!self.lengths.is_empty() && !self.lengths.contains(&len)) || !c.general.is_match(n) {
            return false;
        }
        self.types.iter().any(|(l, p, re)| (l.is_empty() || l.contains(&len)) && re.get_or_init(|| anchored(p).ok()).as_ref().is_some_and(|re| re.is_match(n)))
    }

    /// Whether digits `d`, written nationally (or as an integer, which may begin with the
    /// country code), are a valid number of this region.
    fn valid(&self, d: &str) -> bool {
        self.valid_number(d).is_some()
    }

    /// The national significant number of digits `d` when they are a valid number of
    /// this region (`valid`).
    fn valid_number(&self, d: &str) -> Option<String> {
        let c = self.compiled()?;
        let mut n = self.national(c, d);
        // A number that starts with the region's country code (E.164 stored without its
        // `+`, as integers are): libphonenumber strips it when the rest fits better.
        if let Some(rest) = d.strip_prefix(self.cc.as_str()) {
            let rest = self.national(c, rest);
            if (!c.general.is_match(d) && c.general.is_match(&rest)) || d.len() > *self.lengths.last().unwrap_or(&0) as usize {
                n = rest;
            }
        }
        self.valid_nsn(c, &n).then_some(n)
    }

    /// Whether digits `d`, written in digit groups of lengths `groups`, are a valid number
    /// of this region grouped as it writes them (`want` is scratch).
    fn written_as(&self, groups: &[usize], d: &str, want: &mut Vec<usize>) -> bool {
        let Some(n) = self.valid_number(d) else { return false };
        // The national number as the digits end (a transform rule may rewrite them).
        d.ends_with(n.as_str()) && self.groups(&n, want) && groups_after(groups, d.len() - n.len(), want)
    }

    /// The lengths of the digit groups this region writes national significant number
    /// `n` in (`[2, 4, 4]` for Brazil's `43 5901-9459`): those of the first format whose
    /// leading digits and pattern fit, as libphonenumber's national format chooses it,
    /// into `out`; false when no format fits (the number is written as one run).
    fn groups(&self, n: &str, out: &mut Vec<usize>) -> bool {
        out.clear();
        for f in &self.formats {
            let Some((lead, pattern)) = f
                .compiled
                .get_or_init(|| {
                    let lead = if f.lead.is_empty() { None } else { Some(Regex::new(&format!("^(?:{})", f.lead)).ok()?) };
                    Some((lead, anchored(&f.pattern).ok()?))
                })
                .as_ref()
            else {
                continue;
            };
            if lead.as_ref().is_some_and(|l| !l.is_match(n)) {
                continue;
            }
            let Some(caps) = pattern.captures(n) else { continue };
            let mut written = String::new();
            caps.expand(&f.format, &mut written);
            digit_groups(&written, out);
            return true;
        }
        false
    }
}

/// The lengths of the runs of digits in `text`, up to the first letter or `#` (an
/// extension is no part of the number).
fn digit_groups(text: &str, out: &mut Vec<usize>) {
    out.clear();
    let mut run = 0;
    for b in text.bytes() {
        if b.is_ascii_digit() {
            run += 1;
            continue;
        }
        if run > 0 {
            out.push(run);
            run = 0;
        }
        if b.is_ascii_alphabetic() || b == b'#' {
            break;
        }
    }
    if run > 0 {
        out.push(run);
    }
}

/// Whether a value written as a national number in groups (`written`) is also written the
/// way phone numbers are and amounts and identifiers are not, so that a region's grouping
/// of it can count without a column that says phones (`Plans::written_as_in_region`): a
/// trunk prefix or a bracketed area code at its start (`08-37 08 21`, `(058)-8503326`)
/// with a last group of four digits or more when there are only two (`03927 67` is a
/// postcode and a house number; 113 of libphonenumber's 118 example numbers written so
/// end with four or more), or three or more groups that are not the thousands of an
/// amount (`1 234 567`, `734.830.094`) and not joined by dots alone (`12.3456.7890`, a
/// batch number). Two groups without a prefix (`12-3456789`, `4821-339102`) are how tax,
/// order and account numbers are written too: random digits in those shapes pass some
/// region's grouping for 45–95 % of values (BENCHMARKS.md).
pub fn marked_national(value: &str) -> bool {
    let t = value.trim();
    let mut groups = Vec::with_capacity(6);
    digit_groups(t, &mut groups);
    if t.starts_with(['0', '(']) {
        return groups.len() >= 3 || groups.get(1).is_some_and(|&g| g >= 4);
    }
    let main = t.split(|c: char| c.is_ascii_alphabetic() || c == '#').next().unwrap_or(t);
    let dots_only = main.trim().bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let thousands = groups.first().is_some_and(|&g| g <= 3) && groups[1..].iter().all(|&g| g == 3);
    groups.len() >= 3 && !thousands && !dots_only
}

/// Whether `value`'s digit groups, after the first `skip` digits (a national prefix, or
/// the country code of a number stored without `+`), are `want`. The skipped digits end
/// a group or begin the first kept one: `(0161)` holds the prefix `0` and the area code.
fn groups_after(value: &[usize], mut skip: usize, want: &[usize]) -> bool {
    let mut i = 0;
    while skip > 0 {
        match value.get(i) {
            Some(&g) if g <= skip => {
                skip -= g;
                i += 1;
            }
            Some(&g) => return value.len() - i == want.len() && g - skip == want[0] && value[i + 1..] == want[1..],
            None => return false,
        }
    }
    value[i..] == *want
}

/// How a whole value is written, if it is written as one phone number.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// National form (or bare digits): the digits.
    National(String),
    /// With a `+` or `00` (`zeros`) and a country code: the digits after it.
    International { digits: String, zeros: bool },
}

/// Reads a whole value as one phone number: digits with the separators numbers are written
/// with (space, `-`, `.`, `/`, brackets), an optional leading `+`, and an optional
/// extension (`x12`, `ext. 12`). Dates, IPv4 addresses, and values with letters are not.
pub fn written(value: &str) -> Option<Written> {
    let t = value.trim();
    // Most values of most columns are not numbers: their first byte says so.
    if !t.as_bytes().first().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'+' | b'(')) {
        return None;
    }
    let (t, plus) = match t.strip_prefix('+') {
        Some(rest) => (rest, true),
        None => (t, false),
    };
    // An extension (`x12`, `ext. 12`, `#12`) is cut off; other letters are not a number.
    let cut = t.find(|c: char| c.is_ascii_alphabetic() || c == '#');
    let main = cut.map_or(t, |i| &t[..i]);
    if let Some(i) = cut {
        let rest = t[i..].to_ascii_lowercase();
        let ext = ["ext.", "ext", "x", "#"].iter().find_map(|p| rest.strip_prefix(p)).map(str::trim_start);
        if !ext.is_some_and(|e| (1..=6).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
    }
    let mut digits = String::with_capacity(main.len());
    let (mut groups, mut dots, mut in_run) = (0usize, 0usize, false);
    for b in main.bytes() {
        match b {
            b'0'..=b'9' => {
                digits.push(b as char);
                groups += usize::from(!in_run);
                in_run = true;
            }
            b' ' | b'-' | b'/' | b'(' | b')' | b'.' => {
                dots += usize::from(b == b'.');
                in_run = false;
            }
            _ => return None,
        }
    }
    if !(MIN_DIGITS..=MAX_DIGITS).contains(&digits.len()) || digits.bytes().all(|b| b == digits.as_bytes()[0]) {
        return None;
    }
    // 192.168.1.20 is an address; 01.02.2024 a date.
    if (dots == 3 && groups == 4) || super::validators::starts_with_date(main) {
        return None;
    }
    if plus {
        return Some(Written::International { digits, zeros: false });
    }
    match digits.strip_prefix("00") {
        Some(rest) if main.trim_start().starts_with("00") && rest.len() >= 7 => Some(Written::International { digits: rest.to_string(), zeros: true }),
        _ => Some(Written::National(digits)),
    }
}

impl Plans {
    /// Loads the tables under `phone_plans/` of `src`; none there means no plans.
    pub fn load(src: &RuleSource) -> Result<Plans, LoadError> {
        let mut p = Plans::default();
        let files = src.files("phone_plans", &[".txt"])?;
        let lines = |f: &super::loader::SourceFile| -> Vec<(usize, Vec<String>)> {
            f.text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
                .map(|(i, l)| (i + 1, l.split('\t').map(str::to_string).collect()))
                .collect()
        };
        let invalid = |f: &super::loader::SourceFile, line: usize, message: &str| LoadError::Invalid { path: format!("{}:{line}", f.path), message: message.to_string() };
        let find = |name: &str| files.iter().find(|f| f.path.ends_with(name));
        let Some(plans) = find("plans.txt") else { return Ok(p) };
        for (line, f) in lines(plans) {
            if f.len() < 7 {
                return Err(invalid(plans, line, "a plan has region, code, prefix, transform, lengths, local lengths, pattern"));
            }
            let mut types = Vec::new();
            for t in &f[7..] {
                let mut parts = t.splitn(3, ':');
                let (Some(_), Some(l), Some(pat)) = (parts.next(), parts.next(), parts.next()) else {
                    return Err(invalid(plans, line, "a number type is name:lengths:pattern"));
                };
                types.push((parse_lengths(l), pat.to_string(), OnceLock::new()));
            }
            let idx = p.plans.len() as u16;
            p.by_name.insert(f[0].to_ascii_lowercase(), idx);
            p.by_cc.entry(f[1].clone()).or_default().push(idx);
            p.plans.push(Plan {
                region: f[0].clone(),
                cc: f[1].clone(),
                npfp: f[2].clone(),
                transform: f[3].clone(),
                lengths: parse_lengths(&f[4]),
                local_lengths: parse_lengths(&f[5]),
                general: f[6].clone(),
                types,
                formats: Vec::new(),
                compiled: OnceLock::new(),
            });
        }
        if let Some(formats) = find("formats.txt") {
            for (line, f) in lines(formats) {
                let [region, lead, pattern, format] = &f[..] else {
                    return Err(invalid(formats, line, "a format is region, leading digits, pattern, format"));
                };
                let Some(&idx) = p.by_name.get(&region.to_ascii_lowercase()) else {
                    return Err(invalid(formats, line, "a format's region has no plan"));
                };
                let format = Format { lead: lead.clone(), pattern: pattern.clone(), format: format.clone(), compiled: OnceLock::new() };
                p.plans[idx as usize].formats.push(format);
            }
        }
        if let Some(names) = find("names.txt") {
            for (_, f) in lines(names) {
                let Some(&idx) = p.by_name.get(&f[0].to_ascii_lowercase()) else { continue };
                for n in &f[1..] {
                    p.by_name.entry(n.to_lowercase()).or_insert(idx);
                    // As a column name or a sloppy value writes it: `cote_d_ivoire`.
                    p.by_name.entry(name_tokens(n).join(" ")).or_insert(idx);
                }
            }
        }
        if let Some(words) = find("words.txt") {
            for (line, f) in lines(words) {
                let regions: Option<Vec<u16>> = f.get(1).map(|r| r.split_whitespace().filter_map(|c| p.by_name.get(&c.to_ascii_lowercase()).copied()).collect());
                match regions {
                    Some(r) if !r.is_empty() && r.len() <= MAX_REGIONS => {
                        p.words.insert(f[0].to_lowercase(), r);
                    }
                    _ => return Err(invalid(words, line, "a locale word is followed by a tab and the one to six regions it names")),
                }
            }
        }
        // `uk` is how the United Kingdom is written in names; ISO says GB.
        if let Some(&gb) = p.by_name.get("gb") {
            p.by_name.entry("uk".into()).or_insert(gb);
        }
        Ok(p)
    }

    /// Whether any plan is loaded.
    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// The ISO code of plan `i`.
    pub fn region(&self, i: u16) -> &str {
        &self.plans[i as usize].region
    }

    /// The plan of a region given by ISO code, alpha-3 code or name (any case).
    pub fn by_name(&self, name: &str) -> Option<u16> {
        let n = name.trim();
        if n.is_empty() || n.len() > 64 {
            return None;
        }
        self.by_name.get(&n.to_lowercase()).or_else(|| self.by_name.get(&name_tokens(n).join(" "))).copied()
    }

    /// The regions a column name names: a region's code (`tel_de`; not the ambiguous
    /// two-letter words), its name (`phone_germany`, `uk_mobile`) or a locale word
    /// (`telefono`, `telemóvel`).
    pub fn regions_in_name(&self, column: &str) -> Vec<u16> {
        let toks = name_tokens(column);
        let mut out = Vec::new();
        let mut add = |r: &[u16]| {
            for &x in r {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
        };
        for (i, t) in toks.iter().enumerate() {
            if let Some(r) = self.words.get(t) {
                add(r);
            } else if (t.len() == 2 && !AMBIGUOUS_CODES.contains(&t.as_str())) || t.len() > 3 {
                // Codes and names; three letters are words (`fax`, `ext`, `num`) more often
                // than alpha-3 codes.
                if let Some(&r) = self.by_name.get(t) {
                    add(&[r]);
                }
            }
            // Names of more than one word: `united_kingdom`, `south_africa`,
            // `sao_tome_and_principe`, `british_indian_ocean_territory`.
            for n in 2..=5 {
                if i + n <= toks.len() {
                    if let Some(&r) = self.by_name.get(&toks[i..i + n].join(" ")) {
                        add(&[r]);
                    }
                }
            }
        }
        out.truncate(MAX_REGIONS);
        out
    }

    /// The regions of a country calling code (the digits after `+`), longest code first.
    pub fn regions_of_international(&self, digits: &str) -> &[u16] {
        for n in 1..=3.min(digits.len()) {
            if let Some(r) = self.by_cc.get(&digits[..n]) {
                return r;
            }
        }
        &[]
    }

    /// Whether a number written nationally (digits) is valid for one of `regions`.
    pub fn valid_national(&self, regions: &[u16], digits: &str) -> bool {
        regions.iter().any(|&r| self.plans[r as usize].valid(digits))
    }

    /// The first region (in the plans' order) for which a number written nationally
    /// (digits) is valid, when no context names one. Nearly every digit run of 5–12 digits
    /// is valid somewhere (BENCHMARKS.md), so this says little about a value alone; it is
    /// for values whose column already says they are phone numbers. Only the regions whose
    /// lengths and leading digits admit the number (`Lead`) have their patterns compiled.
    pub fn valid_anywhere(&self, digits: &str) -> Option<u16> {
        // A leading 00 is the international call prefix in most regions, and libphonenumber
        // reads it so (`written` gives those numbers to `valid_international`).
        if self.plans.is_empty() || digits.starts_with("00") {
            return None;
        }
        let leads = self.leads.get_or_init(|| self.plans.iter().map(Lead::of).collect());
        self.plans.iter().zip(leads).position(|(p, l)| l.admits(p, digits) && p.valid(digits)).map(|i| i as u16)
    }

    /// The first region (in the plans' order) for which a value written nationally, in two
    /// or more groups of digits, is a valid number written the way that region writes it
    /// (`Plan::groups`): `43 5901-9459` as Brazil does, `08-37 08 21` as Sweden does, a
    /// national prefix and a country code (without `+`) before the groups allowed. Both
    /// must hold: a valid number in another grouping (`4359 019459`), or a grouping some
    /// region uses for digits no region has, is not one. `digits` are the value's digits
    /// (`written`).
    pub fn written_as_in_region(&self, value: &str, digits: &str) -> Option<u16> {
        if self.plans.is_empty() || digits.starts_with("00") {
            return None;
        }
        let mut groups = Vec::with_capacity(6);
        digit_groups(value, &mut groups);
        if groups.len() < 2 {
            return None;
        }
        let leads = self.leads.get_or_init(|| self.plans.iter().map(Lead::of).collect());
        let mut want = Vec::with_capacity(6);
        self.plans.iter().zip(leads).position(|(p, l)| l.admits(p, digits) && p.written_as(&groups, digits, &mut want)).map(|i| i as u16)
    }

    /// Whether `value` is a valid number of `region` grouped as that region writes it
    /// (`written_as_in_region` for one region).
    pub fn written_as(&self, region: u16, value: &str) -> bool {
        let mut groups = Vec::new();
        digit_groups(value, &mut groups);
        let digits: String = value.chars().take_while(|c| !c.is_ascii_alphabetic() && *c != '#').filter(char::is_ascii_digit).collect();
        groups.len() >= 2 && self.plans[region as usize].written_as(&groups, &digits, &mut Vec::new())
    }

    /// How many regions' patterns have been compiled so far (a measure of what the checks
    /// have cost; each region compiles once per process).
    pub fn compiled_regions(&self) -> usize {
        self.plans.iter().filter(|p| p.compiled.get().is_some()).count()
    }

    /// Whether a number written with its country code (the digits after `+` or `00`) is
    /// valid for a region of that code.
    pub fn valid_international(&self, digits: &str) -> bool {
        (1..=3.min(digits.len())).any(|n| {
            self.by_cc.get(&digits[..n]).is_some_and(|rs| {
                rs.iter().any(|&r| {
                    let p = &self.plans[r as usize];
                    p.compiled().is_some_and(|c| p.valid_nsn(c, &digits[n..]))
                })
            })
        })
    }
}

/// Whether a column named for phone numbers may hold them, as far as its name says: not
/// when a word of it names something else about phones (`NOT_NUMBER_WORDS`: `call_id`,
/// `cell_count`, `mobile_app_version`). Only the check against every region's plan asks
/// this; the pattern rules keep their own column keywords.
pub fn column_may_hold_numbers(column: &str) -> bool {
    !name_tokens(column).iter().any(|t| NOT_NUMBER_WORDS.contains(&t.as_str()))
}

/// Whether a value reads as a year and a serial (`2025-3426565`, `2024/94171`): order and
/// ticket numbers are written so, and no national number is. Of 131,109 random numbers
/// libphonenumber calls valid (every region), written in its national format, none
/// begins with four digits and a separator before five or more; 4-4 numbers
/// (`2012-3456`) are left alone.
pub fn year_and_serial(value: &str) -> bool {
    let b = value.trim().as_bytes();
    b.len() >= 10
        && (b.starts_with(b"19") || b.starts_with(b"20"))
        && b[2..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/' | b'.')
        && b[5..].iter().take_while(|c| c.is_ascii_digit()).count() >= 5
}

/// Calls `f` with each of the first `limit` text values of a column (strings, and
/// dictionaries of strings), without copying them.
fn each_text(arrays: &[&ArrayRef], limit: usize, mut f: impl FnMut(&str)) {
    let mut left = limit;
    for a in arrays {
        let mut take = |it: &mut dyn Iterator<Item = &str>| {
            for v in it.take(left) {
                left -= 1;
                f(v);
            }
        };
        match a.data_type() {
            DataType::Utf8 => take(&mut a.as_string::<i32>().iter().flatten()),
            DataType::LargeUtf8 => take(&mut a.as_string::<i64>().iter().flatten()),
            DataType::Utf8View => take(&mut a.as_string_view().iter().flatten()),
            DataType::Dictionary(_, v) if matches!(**v, DataType::Utf8 | DataType::LargeUtf8) => {
                if let Ok(t) = arrow::compute::cast(a, &DataType::Utf8) {
                    take(&mut t.as_string::<i32>().iter().flatten());
                }
            }
            _ => {}
        }
    }
}

/// Values read of a column to find its regions.
const LOOK: usize = 1000;

/// The regions a table's context names for each of its columns (empty for most): for a
/// column named for phone numbers (`is_phone_column`) or holding `+` numbers, the regions
/// of its name, of a country column of the table (when a few regions cover most of its
/// values) and of the country codes of the column's `+` numbers. Reads at most `LOOK`
/// values of each text column, most of them only to their first byte.
pub fn table_regions(plans: &Plans, batches: &[RecordBatch], is_phone_column: impl Fn(&str) -> bool) -> Vec<Vec<u16>> {
    let Some(schema) = batches.first().map(|b| b.schema()) else { return Vec::new() };
    let fields = schema.fields();
    let mut out = vec![Vec::new(); fields.len()];
    if plans.is_empty() {
        return out;
    }
    let column = |ci: usize| batches.iter().map(|b| b.column(ci)).collect::<Vec<_>>();
    // A country column: named so, and most values a region.
    let mut country: Vec<u16> = Vec::new();
    for (ci, f) in fields.iter().enumerate() {
        let toks = name_tokens(f.name());
        if !toks.iter().any(|t| COUNTRY_WORDS.contains(&t.as_str())) && !COUNTRY_WORDS.contains(&toks.join("_").as_str()) {
            continue;
        }
        let mut regions = Vec::new();
        each_text(&column(ci), LOOK, |v| regions.push(plans.by_name(v)));
        country = top_regions(regions.iter().copied(), regions.len());
        if !country.is_empty() {
            break;
        }
    }
    for (ci, f) in fields.iter().enumerate() {
        let named = is_phone_column(f.name());
        let (mut n, mut plus) = (0usize, Vec::new());
        each_text(&column(ci), LOOK, |v| {
            n += 1;
            let t = v.trim_start().as_bytes();
            if t.first() == Some(&b'+') || t.starts_with(b"00") {
                if let Some(Written::International { digits, .. }) = written(v) {
                    plus.push(plans.regions_of_international(&digits).first().copied());
                }
            }
        });
        let plus_dense = n > 0 && plus.len() as f64 >= PLUS_SHARE * n as f64;
        if !named && !plus_dense {
            continue;
        }
        let mut regions = plans.regions_in_name(f.name());
        for r in country.iter().chain(top_regions(plus.iter().copied(), plus.len()).iter()) {
            if !regions.contains(r) {
                regions.push(*r);
            }
        }
        regions.truncate(MAX_REGIONS);
        out[ci] = regions;
    }
    out
}

/// The fewest regions (at most `MAX_REGIONS`) that cover `COUNTRY_COVER` of `n` values,
/// or none when more would be needed.
fn top_regions(values: impl Iterator<Item = Option<u16>>, n: usize) -> Vec<u16> {
    let mut counts: HashMap<u16, usize> = HashMap::new();
    for r in values.flatten() {
        *counts.entry(r).or_default() += 1;
    }
    let mut by: Vec<(u16, usize)> = counts.into_iter().collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut covered = 0usize;
    let mut out = Vec::new();
    for (r, c) in by {
        if n == 0 || covered as f64 >= COUNTRY_COVER * n as f64 || out.len() == MAX_REGIONS {
            break;
        }
        covered += c;
        out.push(r);
    }
    if n > 0 && covered as f64 >= COUNTRY_COVER * n as f64 {
        out
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plans() -> Plans {
        Plans::load(&RuleSource::Builtin).expect("plans load")
    }

    #[test]
    fn national_numbers_are_valid_for_their_region_only() {
        let p = plans();
        let r = |c: &str| p.by_name(c).unwrap();
        let national = |v: &str| match written(v) {
            Some(Written::National(d)) => d,
            other => panic!("{v}: {other:?}"),
        };
        // libphonenumber's example numbers, written nationally.
        for (region, v) in [("DE", "030 123456"), ("DE", "01512 3456789"), ("FR", "01 23 45 67 89"), ("GB", "07400 123456"), ("US", "(201) 555-0123"), ("AR", "011 15-2345-6789"), ("SH", "22158"), ("IT", "02 1234 5678"), ("BR", "(11) 96123-4567"), ("MX", "200 123 4567")] {
            assert!(p.valid_national(&[r(region)], &national(v)), "{region} {v}");
        }
        // Stored as integers: the leading 0 is gone, or the country code stands in front.
        assert!(p.valid_national(&[r("DE")], "30123456"));
        assert!(p.valid_national(&[r("AT")], "436641234567"));
        assert!(p.valid_national(&[r("FR")], "123456789"));
        // Wrong region, wrong length, an impossible prefix.
        assert!(!p.valid_national(&[r("FR")], &national("030 123456")));
        assert!(!p.valid_national(&[r("GB")], "0740012345"));
        assert!(!p.valid_national(&[r("US")], "1005550123"));
        assert!(p.valid_international("4930123456"));
        assert!(!p.valid_international("4900"));
    }

    #[test]
    fn values_are_read_as_numbers_only_when_written_as_one() {
        assert_eq!(written("+49 30 123456"), Some(Written::International { digits: "4930123456".into(), zeros: false }));
        assert_eq!(written("0049 30 123456"), Some(Written::International { digits: "4930123456".into(), zeros: true }));
        assert_eq!(written("(030) 123456 x12"), Some(Written::National("030123456".into())));
        for not in ["192.168.10.200", "01.02.2024", "2024-05-01", "order 123456", "123", "1111111", "12:30:00"] {
            assert_eq!(written(not), None, "{not}");
        }
    }

    #[test]
    fn column_names_name_regions() {
        let p = plans();
        let names = |c: &str| p.regions_in_name(c).iter().map(|&r| p.region(r).to_string()).collect::<Vec<_>>();
        assert_eq!(names("tel_de"), ["DE"]);
        assert_eq!(names("phoneFR"), ["FR"]);
        assert_eq!(names("mobile_united_kingdom"), ["GB"]);
        assert_eq!(names("uk_phone"), ["GB"]);
        assert_eq!(names("tel_sao_tome_and_principe"), ["ST"]);
        assert_eq!(names("tel_british_indian_ocean_territory"), ["IO"]);
        assert!(names("telemovel").contains(&"PT".to_string()));
        assert!(names("phone_no").is_empty() && names("phone").is_empty() && names("pk_phone").is_empty());
    }

    #[test]
    fn a_country_column_names_regions_when_few_cover_it() {
        let p = plans();
        let v = |xs: &[&str]| xs.iter().map(|x| p.by_name(x)).collect::<Vec<_>>();
        let de = v(&["DE", "deu", "Germany", "Deutschland", "DE", "AT"]);
        assert_eq!(top_regions(de.iter().copied(), de.len()), [p.by_name("DE").unwrap()]);
        let dach = v(&["DE", "Österreich", "AT", "Germany", "CH", "DE", "aut", "DE"]);
        assert_eq!(top_regions(dach.iter().copied(), dach.len()).len(), 2);
        let spread = v(&["DE", "FR", "IT", "ES", "PT", "NL", "BE", "AT", "CH", "PL"]);
        assert!(top_regions(spread.iter().copied(), spread.len()).is_empty());
    }
}

/// The tables agree with libphonenumber itself: its verdicts on every region's example
/// numbers (national, E.164 and bare forms) and on random runs of each region's lengths,
/// written by `bench/breadth/phone_plans.py --agreement-out`.
#[cfg(test)]
#[test]
fn plans_agree_with_libphonenumber() {
    let (n, bad) = disagreements("phone_plans_agreement.tsv", |p, r, v| p.valid_national(&[r], v));
    assert!(n > 10_000, "{n} cases");
    // None on this file. (On another draw of random runs one was seen: a Rwandan run
    // beginning 00, which libphonenumber reads as an international prefix.)
    assert!(bad.is_empty(), "{} of {n} disagree with libphonenumber: {bad:?}", bad.len());
}

/// The lines of an agreement file of `tests/data/` (region, value, 1 or 0: what
/// libphonenumber says) on which `ours` says otherwise, and how many lines were read.
#[cfg(test)]
fn disagreements(file: &str, ours: impl Fn(&Plans, u16, &str) -> bool) -> (usize, Vec<String>) {
    let p = Plans::load(&RuleSource::Builtin).unwrap();
    let text = std::fs::read_to_string(format!("{}/tests/data/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (mut n, mut bad) = (0, Vec::new());
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let r = p.by_name(f[0]).unwrap_or_else(|| panic!("region {} has no plan", f[0]));
        n += 1;
        if ours(&p, r, f[1]) != (f[2] == "1") {
            bad.push(l.to_string());
        }
    }
    (n, bad)
}

/// The grouping check agrees with how libphonenumber writes numbers: every region's
/// example numbers in its national format are written as that region writes them, and
/// the same digits with one digit moved between the first two groups are not
/// (`tests/data/phone_formats_agreement.tsv`, bench/breadth/phone_plans.py).
#[cfg(test)]
#[test]
fn groupings_agree_with_libphonenumber() {
    let (n, bad) = disagreements("phone_formats_agreement.tsv", |p, r, v| p.written_as(r, v));
    assert!(n > 2_000, "{n} cases");
    assert!(bad.is_empty(), "{} of {n} disagree with libphonenumber: {bad:?}", bad.len());
}

/// The prefilter that spares compiling a region's patterns (`Lead`) never turns away a
/// number libphonenumber calls valid there: every valid number of the agreement file
/// passes its own region's `Lead`, and is found valid somewhere.
#[cfg(test)]
#[test]
fn leads_never_turn_away_a_valid_number() {
    let p = Plans::load(&RuleSource::Builtin).unwrap();
    let leads: Vec<Lead> = p.plans.iter().map(Lead::of).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/phone_plans_agreement.tsv");
    let text = std::fs::read_to_string(path).unwrap();
    let (mut n, mut bad) = (0, Vec::new());
    for l in text.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        if f[2] != "1" {
            continue;
        }
        let r = p.by_name(f[0]).unwrap() as usize;
        n += 1;
        if !leads[r].admits(&p.plans[r], f[1]) {
            bad.push(l);
        }
    }
    assert!(n > 3_000, "{n} valid cases");
    assert!(bad.is_empty(), "{} of {n} valid numbers turned away by their region's lead: {bad:?}", bad.len());
    // A few through the whole search (each compiles only the regions its lead admits).
    for d in ["22158", "62889", "030123456", "2015550123"] {
        assert!(p.valid_anywhere(d).is_some(), "{d}");
    }
    // No plan has 17-digit numbers beginning 99, nor 4-digit ones beginning 00.
    assert_eq!(p.valid_anywhere("99999999999999998"), None);
    assert_eq!(p.valid_anywhere("0012"), None);
    // Leads are narrow: an ordinary number admits a minority of the 245 regions.
    let admitted = p.plans.iter().zip(&leads).filter(|(pl, l)| l.admits(pl, "62889")).count();
    assert!(admitted < 60, "{admitted} regions admit 62889");
}

#[cfg(test)]
#[test]
fn a_year_and_a_serial_is_a_reference() {
    for v in ["2025-3426565", "2024/94171", " 1999.123456 "] {
        assert!(year_and_serial(v), "{v}");
    }
    for v in ["2012-3456", "2025 3426565", "20 12 34 56 78", "2025-12-01", "0201-234567", "2125-34"] {
        assert!(!year_and_serial(v), "{v}");
    }
}

#[cfg(test)]
#[test]
fn column_names_that_say_something_else_about_phones() {
    for c in ["phone", "mobile_number", "tel", "customer_phone", "fax_no"] {
        assert!(column_may_hold_numbers(c), "{c}");
    }
    for c in ["phone_id", "call_duration", "mobile_app_version", "cell_count", "phone_last4", "phoneModel", "phone_bill", "mobile_pin"] {
        assert!(!column_may_hold_numbers(c), "{c}");
    }
}

/// Every region's patterns compile (they are compiled on a region's first candidate, so
/// a bad one would otherwise show only in a scan of that region's numbers).
#[cfg(test)]
#[test]
fn every_region_plan_compiles() {
    let p = Plans::load(&RuleSource::Builtin).unwrap();
    for plan in &p.plans {
        assert!(plan.compiled().is_some(), "{}", plan.region);
        for (_, pat, re) in &plan.types {
            assert!(re.get_or_init(|| anchored(pat).ok()).is_some(), "{}: {pat}", plan.region);
        }
    }
}
