//! What a column's name says before any value is read: the rules whose keywords it
//! carries or that it excludes (`ColumnContext`), and the regions whose numbering plans
//! decide its national phone numbers. The numbering-plan step that uses those regions on
//! each value (`Engine::phone_in_regions`) lives here too: it is the one pass of the
//! engine that depends on the column rather than on the value alone.

use super::{Engine, Hit, Strength};
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
}

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
        ColumnContext { keyword, excluded, phone_regions, phone_anywhere }
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
        let strong = hits[from..].iter().any(|h| h.strength == Strength::Strong && self.rules[h.rule as usize].label == *label);
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
        let mut i = from;
        while i < hits.len() {
            if self.rules[hits[i].rule as usize].label == *label {
                hits.remove(i);
            } else {
                i += 1;
            }
        }
        if valid {
            let start = value.len() - value.trim_start().len();
            hits.push(Hit { rule: r, strength: Strength::Strong, start, end: value.trim_end().len() });
        }
    }
}
