//! What a column's name says before any value is read: the rules whose keywords it
//! carries or that it excludes (`ColumnContext`), and the regions whose numbering plans
//! decide its national phone numbers. The numbering-plan steps live here too: the one that
//! uses those regions on each whole value (`Engine::phone_in_regions`), and the one that
//! reads a number right after a word for phones in any column (`Engine::phone_after_word`,
//! where the word stands in for the column's name).

use super::{drop_hits, Engine, Hit, Strength};
use crate::classify::phones::{self, Written};
use crate::classify::validators::{self, Check};

/// Per-column facts that depend only on the column's name.
pub struct ColumnContext {
    keyword: Vec<bool>,
    excluded: Vec<bool>,
    /// The numbering plans (`phones`) the column's context names: its name, and what the
    /// table pass adds (a country column, the `+` numbers of the column).
    phone_regions: Vec<u16>,
    /// Named for phone numbers with nothing naming a region: every region's plan may
    /// decide a national number the patterns missed (`Engine::phone_in_regions`).
    phone_anywhere: bool,
    /// The name says nothing of what the column holds: no rule's keyword and no word of
    /// `OTHER_THINGS` (`c1`, `value`, `contact`, `info`). Only in such a column does the
    /// way a number is grouped decide it is a phone number (`Engine::phone_by_grouping`).
    says_nothing: bool,
}

/// Words of column names that say the values are something other than phone numbers:
/// identifiers, codes, amounts, dates, versions. A national number's grouping is no
/// evidence under them (`account_no` of `0123 456 7890`).
const OTHER_THINGS: &[&str] = &[
    "id", "ids", "key", "code", "zip", "postcode", "postal", "plz", "cp", "cep", "account", "acct", "konto", "iban", "order", "invoice",
    "ref", "reference", "sku", "isbn", "serial", "amount", "price", "total", "sum", "qty", "quantity", "balance", "betrag", "importe",
    "montant", "version", "build", "date", "time", "year", "count", "size", "ssn", "tax", "vat", "ein", "siren", "siret", "kvk", "batch",
    "lot", "ticket", "case", "policy", "contract",
];

impl ColumnContext {
    /// Whether the column name carries one of rule `r`'s keywords.
    pub fn has_keyword(&self, r: usize) -> bool {
        self.keyword[r]
    }

    /// Whether the numbering plans decide this column's national numbers: it names
    /// regions, or it is named for phone numbers (`Engine::phone_in_regions`).
    pub fn reads_phone_plans(&self) -> bool {
        !self.phone_regions.is_empty() || self.phone_anywhere
    }

    /// Whether the column name excludes rule `r` (`column_exclude`).
    pub fn is_excluded(&self, r: usize) -> bool {
        self.excluded[r]
    }

    /// The regions whose numbering plans decide the column's national phone numbers.
    pub fn phone_regions(&self) -> &[u16] {
        &self.phone_regions
    }

    /// Adds regions the column's table names (at most `phones::MAX_REGIONS` in all).
    pub fn with_phone_regions(mut self, regions: &[u16]) -> Self {
        for &r in regions {
            if !self.phone_regions.contains(&r) && self.phone_regions.len() < phones::MAX_REGIONS {
                self.phone_regions.push(r);
            }
        }
        self
    }
}

/// Digits of a number read after a word for phones: the plans' shortest national numbers
/// (Niue's 4) to E.164's 15.
pub(super) const PHONE_WORD_DIGITS: (usize, usize) = (4, 15);
/// Words that may stand between a word for phones and its number ("call me on 71234567",
/// "tel. no 2212-3456", "ruf mich unter 62889 an"), at most two of them.
const PHONE_CONNECTORS: &[&[u8]] = &[
    b"me", b"us", b"him", b"her", b"them", b"at", b"on", b"back", b"to", b"is", b"no", b"nr", b"number", b"via", b"or", b"al", b"au", b"le",
    b"la", b"il", b"op", b"mich", b"uns", b"unter", b"an", b"am", b"de", b"em", b"pelo", b"para", b"per", b"sur", b"auf",
];

/// Words after which a word for phones is a noun (`the call`, `each call`, `inbound call`).
const PHONE_NOUN_BEFORE: &[&[u8]] = &[
    b"the", b"a", b"an", b"this", b"that", b"each", b"every", b"per", b"any", b"one", b"incoming", b"outgoing", b"inbound", b"outbound", b"der", b"die",
    b"das", b"den", b"dem", b"jeder", b"le", b"la", b"un", b"une", b"el", b"il", b"lo", b"uno", b"una", b"o", b"um", b"uma", b"het", b"een",
];

/// Words for phones that are English nouns as often as verbs or labels: `renewed after
/// call 4821` and `caller 4821` name a call, not a number to dial.
const PHONE_NOUNS: &[&[u8]] = &[b"call", b"caller", b"cell", b"handy", b"portable", b"mob"];
/// Words after which those are verbs (`please call`, `you can call`, `or call`).
const PHONE_VERB_LEADS: &[&[u8]] = &[
    b"please", b"pls", b"plz", b"kindly", b"to", b"or", b"and", b"then", b"can", b"could", b"will", b"would", b"should", b"must", b"pl", b"you", b"i",
    b"we", b"also", b"just", b"pse",
];

/// Splits a column name into lowercase words: `customerEmail` → [customer, email].
pub fn name_tokens(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn column_matches(col: &[String], kw: &[String]) -> bool {
    if kw.is_empty() {
        return false;
    }
    if col.windows(kw.len()).any(|w| w == kw) {
        return true;
    }
    // `apikey` written as one word matches the keyword `api_key`.
    let joined = kw.concat();
    kw.len() > 1 && col.contains(&joined)
}

impl Engine {
    /// Derives the keyword/exclusion context of a column from its name.
    pub fn column_context(&self, column: &str) -> ColumnContext {
        let toks = name_tokens(column);
        let keyword = self
            .rules
            .iter()
            .map(|r| r.column_keywords.iter().any(|k| column_matches(&toks, k)))
            .collect::<Vec<bool>>();
        let excluded = self
            .rules
            .iter()
            .map(|r| r.column_exclude.iter().any(|x| toks.iter().any(|t| t == x)))
            .collect::<Vec<bool>>();
        // Only a column named for phone numbers takes regions from its name (`tel_de`,
        // `telefono`): `customer_de` says nothing about how numbers are written.
        let phone_regions = match self.plan_rule {
            Some(r) if keyword[r as usize] && !excluded[r as usize] => self.plans.regions_in_name(column),
            _ => Vec::new(),
        };
        let phone_anywhere = self.plan_rule.is_some_and(|r| keyword[r as usize] && !excluded[r as usize]) && phones::column_may_hold_numbers(column);
        let says_nothing = !keyword.contains(&true) && !toks.iter().any(|t| OTHER_THINGS.contains(&t.as_str()));
        ColumnContext { keyword, excluded, phone_regions, phone_anywhere, says_nothing }
    }

    /// Whether a column's name carries a keyword of the rule the numbering plans report
    /// under (the table pass gives such columns the regions of a country column).
    pub fn is_phone_column(&self, column: &str) -> bool {
        let Some(r) = self.plan_rule else { return false };
        let toks = name_tokens(column);
        self.rules[r as usize].column_keywords.iter().any(|k| column_matches(&toks, k))
    }

    /// A whole value written as a phone number, in a column whose context names regions:
    /// where the shape rules found it only weak (a bare digit run, two or three groups) or
    /// missed it (five or six digits, an unusual grouping), the numbering plans decide. A
    /// national number valid for one of the regions (or a `00` number valid for its
    /// country code) is a strong hit of the plan rule; invalid for all, no phone hit at
    /// all. Valid for a region, a value written the way only phone numbers are
    /// (`(224) 837-0002`, four groups, a trunk 0 and separators) becomes strong too;
    /// invalid, it keeps what the patterns said (strong or rate-only): numbers of ranges
    /// the plans do not list and generated test data look so (BENCHMARKS.md measures both
    /// choices). A `+` number is treated alike.
    ///
    /// With no region named, in a column named for phone numbers (`phone_anywhere`): a
    /// whole value written as a national number that no rule of the label found strong is
    /// a strong hit when valid for some region (`Plans::valid_anywhere`). The column name
    /// is the evidence (nearly every digit run is valid somewhere); the plans keep out
    /// lengths and beginnings no region has, and let through the 4–6-digit numbers of
    /// small plans that the patterns' 7-digit prefilter skips. A year and a serial
    /// (`2025-3426565`, an order number under a misleading name) is no national number.
    /// Invalid everywhere, the patterns' word stands. Columns not named for phones (or
    /// named for something else about them, `call_id`), and free text, are left alone.
    pub(super) fn phone_in_regions(&self, value: &str, ctx: &ColumnContext, from: usize, hits: &mut Vec<Hit>) {
        let Some(r) = self.plan_rule else { return };
        let label = &self.rules[r as usize].label;
        // Found strong already: with a `+` the country code named the plan, and with no
        // region named there is nothing to add. (Tested before the value is read as a
        // number: a dense phone column is mostly such values.)
        let strong = self.has_strong(&hits[from..], label);
        if strong && (ctx.phone_regions.is_empty() || value.trim_start().starts_with('+')) {
            return;
        }
        let Some(written) = phones::written(value) else { return };
        let plus = matches!(written, Written::International { zeros: false, .. });
        let valid = match &written {
            Written::National(d) if ctx.phone_regions.is_empty() => {
                if phones::year_and_serial(value) || self.plans.valid_anywhere(d).is_none() {
                    return;
                }
                true
            }
            _ if ctx.phone_regions.is_empty() => return,
            Written::National(d) => self.plans.valid_national(&ctx.phone_regions, d),
            Written::International { digits, zeros: false } => self.plans.valid_international(digits),
            Written::International { digits, zeros: true } => {
                self.plans.valid_international(digits) || self.plans.valid_national(&ctx.phone_regions, &format!("00{digits}"))
            }
        };
        // Invalid, but written as only phone numbers are (or with a `+`): the patterns' word stands.
        if !valid && (plus || validators::phone(value.trim()) == Check::Valid) {
            return;
        }
        drop_hits(hits, from, |h| self.rules[h.rule as usize].label == *label);
        if valid {
            let start = value.len() - value.trim_start().len();
            hits.push(Hit { rule: r, strength: Strength::Strong, start, end: value.trim_end().len() });
        }
    }

    /// Whether a word for phones (the plan rule's keywords: `tel`, `call`, `telefon`) ends
    /// just before the number at `start` (of `digits` digits), with separators (`: . # =
    /// -`, spaces; `#` only before 7 digits or more) and at most two connecting words
    /// between (`call me on`), and is no noun after a determiner. Runs at every digit run
    /// of 4–15 digits, so it reads bytes backwards and compares words without allocating.
    pub(super) fn phone_word_before(&self, b: &[u8], start: usize, digits: usize) -> bool {
        if self.phone_words.is_empty() {
            return false;
        }
        let word_byte = |c: u8| c.is_ascii_alphabetic() || c >= 0x80;
        let (mut i, mut connectors) = (start, 0);
        loop {
            let sep_end = i;
            while i > 0 && sep_end - i < 4 && matches!(b[i - 1], b' ' | b'\t' | b':' | b'.' | b'#' | b'=' | b'-') {
                i -= 1;
            }
            // `Phone #: 555-1234`, but `Call #4821` is the call's number in a queue.
            if digits < 7 && b[i..sep_end].contains(&b'#') {
                return false;
            }
            if i == sep_end {
                return false;
            }
            let end = i;
            while i > 0 && end - i <= 16 && word_byte(b[i - 1]) {
                i -= 1;
            }
            let w = &b[i..end];
            if w.is_empty() || (i > 0 && (word_byte(b[i - 1]) || b[i - 1].is_ascii_digit())) {
                return false;
            }
            if self.phone_words.iter().any(|p| p.eq_ignore_ascii_case(w)) {
                // "the call 48213 dropped": after a determiner the word is a noun, and the
                // number after it an id of the call, not one to dial. English words that are
                // nouns as often as not (`call`, `cell`) count only where a sentence or
                // clause starts, or after a word that makes them a verb (`please call`).
                let before = b[..i].trim_ascii_end();
                let k = before.iter().rposition(|&c| !word_byte(c)).map_or(0, |k| k + 1);
                let prev = &before[k..];
                if PHONE_NOUN_BEFORE.iter().any(|d| d.eq_ignore_ascii_case(prev)) {
                    return false;
                }
                let ambiguous = PHONE_NOUNS.iter().any(|n| n.eq_ignore_ascii_case(w));
                let starts = prev.is_empty() && before.last().is_none_or(|c| matches!(c, b'.' | b',' | b';' | b':' | b'!' | b'?' | b'(' | b'-' | b'\n'));
                // At a clause start a short number (`Call 4821 ended`) is a call's id more
                // often than one of the few plans with numbers under seven digits.
                return !ambiguous || (starts && digits >= 7) || PHONE_VERB_LEADS.iter().any(|l| l.eq_ignore_ascii_case(prev));
            }
            if connectors == 2 || !PHONE_CONNECTORS.iter().any(|c| c.eq_ignore_ascii_case(w)) {
                return false;
            }
            connectors += 1;
        }
    }

    /// A national number right after a word for phones, in any column (`please call 62889
    /// after 5pm`, `Tel. 91234567`): the word is the evidence, as a column's name is in
    /// `phone_in_regions`, and the plans decide. Valid in some region
    /// (`Plans::valid_anywhere`), the number is a strong hit of the plan rule. Invalid in
    /// every region, a number the patterns called phone only because of the word (a bare
    /// digit run, two or three groups: the validator's `Weak`) is no phone number; one
    /// written as only phone numbers are keeps the patterns' word. The patterns miss such
    /// numbers: bare 8-digit runs and the 4–6-digit numbers of small plans are too often
    /// something else without a plan to check them. Short numbers (under 7 digits)
    /// written with dots or slashes (`10.30`, a time) and four-digit years are left alone,
    /// and so is whatever the phone validator calls something else (a date, an
    /// SSN-shaped or a reference number).
    pub(super) fn phone_after_word(&self, value: &str, ctx: &ColumnContext, runs: &[(usize, usize)], from: usize, hits: &mut Vec<Hit>) {
        let Some(r) = self.plan_rule else { return };
        if ctx.is_excluded(r as usize) {
            return;
        }
        let label = &self.rules[r as usize].label;
        let mut strong = self.has_strong(&hits[from..], label);
        let b = value.as_bytes();
        for &(start, end) in runs {
            // The number ends there: not glued to a word (`1-800-FLOWERS`).
            if b.get(end).is_some_and(|&c| c.is_ascii_alphanumeric() || c >= 0x80) {
                continue;
            }
            let run = &value[start..end];
            let Some(Written::National(d)) = phones::written(run) else { continue };
            let short = d.len() < 7;
            if (short && run.contains(['.', '/'])) || (d.len() == 4 && (d.starts_with("19") || d.starts_with("20"))) {
                continue;
            }
            let check = if short { Check::Weak } else { validators::phone(run) };
            if check == Check::Other || phones::year_and_serial(run) {
                continue;
            }
            let valid = self.plans.valid_anywhere(&d).is_some();
            if !valid && check == Check::Valid {
                continue;
            }
            // Valid: this run is the rule's one hit in the value (unless a stronger one
            // is there already); invalid: the patterns' hit on it goes.
            if valid && strong {
                continue;
            }
            drop_hits(hits, from, |h| h.rule == r && (valid || (h.start < end && start < h.end)));
            if valid {
                hits.push(Hit { rule: r, strength: Strength::Strong, start, end });
                strong = true;
            }
        }
    }

    /// A whole value written as a national number in a column whose name says nothing
    /// (`c1`, `contact`, a one-value column; `ColumnContext::says_nothing`): the way it is
    /// written decides. Valid in a
    /// region and grouped as that region writes its numbers (`Plans::written_as_in_region`:
    /// `43 5901-9459`, `734 830 094`, `08-37 08 21`), it is a rate-only hit of the plan
    /// rule: the column is a phone column when enough of its values are so, as with the
    /// patterns' own rate-only hits. Bare digit runs are left alone (one run says nothing
    /// of how it is grouped), and so are values another rule already matched (a checked
    /// national id, an SSN) and whatever the phone validator calls something else (a date,
    /// a reference number).
    pub(super) fn phone_by_grouping(&self, value: &str, ctx: &ColumnContext, from: usize, hits: &mut Vec<Hit>) {
        let Some(r) = self.plan_rule else { return };
        // A checksum's failure (`Rejected`) claims nothing.
        if !ctx.says_nothing || hits[from..].iter().any(|h| h.strength > Strength::Rejected) {
            return;
        }
        // Digits and the separators numbers are written with, nothing else (no `+`, no
        // extension): most values that begin with a digit (timestamps, hashes, ids) fail
        // on their first letter, before `written` reads them.
        let t = value.trim();
        if !t.starts_with(|c: char| c.is_ascii_digit() || c == '(') || !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b' ' | b'-' | b'.' | b'/' | b'(' | b')')) {
            return;
        }
        let Some(Written::National(d)) = phones::written(value) else { return };
        if !phones::marked_national(t) || phones::year_and_serial(t) || validators::phone(t) == Check::Other || self.plans.written_as_in_region(t, &d).is_none() {
            return;
        }
        let start = value.len() - value.trim_start().len();
        hits.push(Hit { rule: r, strength: Strength::RateOnly, start, end: value.trim_end().len() });
    }
}
