//! The dictionary matchers' place in the per-value pipeline: the cheap gates that decide
//! whether a value may hold a person's name (a capitalised word that starts a first name
//! or title, or a word after an introduction such as "my name is") or an address (a
//! number next to a word), and how the matchers' spans become hits of the name and
//! street rules. The matching itself is `dictionary`'s.

use super::{ColumnContext, Engine, Hit, Scratch};
use crate::classify::gate;
use crate::classify::masks::{Block, Masks};
use crate::classify::validators::Check;

impl Engine {
    /// The person-name and street matchers, each behind its cheap gate; `from` is where
    /// this value's hits start in `hits`.
    pub(super) fn dictionary_pass(&self, value: &str, m: &Masks, ctx: &ColumnContext, s: &mut Scratch, from: usize, hits: &mut Vec<Hit>) {
        let before_dict = hits.len();
        // Two capitals and a word that starts a first name or title; or one capital (or
        // accented letter) after an introduction ("je m'appelle Élodie").
        let names = !self.name_rules.is_empty()
            && (m.upper >= 2 || (m.spaces > 0 && (m.upper >= 1 || m.blocks.iter().any(|b| b.nonascii != 0))))
            && self.names_possible(value, m);
        if names {
            s.dict_hits.clear();
            self.dict.find_names(value, &mut s.dict, &mut s.dict_hits);
            self.dict_outcome(&self.name_rules, value, ctx, s, hits);
        }
        let nonascii = m.blocks.iter().any(|b| b.nonascii != 0);
        if !self.street_rules.is_empty() && (m.digits > 0 || (nonascii && eastern_digits(value.as_bytes()))) {
            s.dict_hits.clear();
            if m.digits > 0 && number_next_to_word(m) {
                self.dict.find_streets(value, &mut s.dict, &mut s.dict_hits);
            }
            // Chinese, Korean, Arabic and Persian addresses: no capitalised name next to a
            // street type marks them.
            if s.dict_hits.is_empty() && nonascii {
                self.dict.find_cjk_streets(value, &mut s.dict_hits);
            }
            self.dict_outcome(&self.street_rules, value, ctx, s, hits);
        }
        // Again once the dictionaries have spoken: a name inside a street's name yields to
        // the address (`Rua Helena Azevedo, 27`).
        if hits.len() > before_dict {
            self.drop_superseded_fallbacks(from, hits);
        }
    }

    /// Cheap gate for the name matcher: some capitalised word starts a first name or title.
    fn names_possible(&self, v: &str, m: &Masks) -> bool {
        // Two capitals, counted in ASCII; a value with letters outside it (Иван Петров,
        // Μαρία Παπαδοπούλου, Ørsted) may hold names written in capitals the count misses.
        let by_dictionary = m.upper >= 2 || m.blocks.iter().any(|b| b.nonascii != 0);
        let by_intro = m.spaces > 0 && !self.intro_ends.is_empty();
        let mut carry = 0u64;
        for (k, blk) in m.blocks.iter().enumerate() {
            // A capital, or the first byte of a non-ASCII character, whose previous byte is
            // not part of a word; of the latter, accented letters (lead byte >= 0xC3).
            let w = blk.alnum | blk.nonascii;
            let mut cand = (blk.upper | blk.nonascii) & !((w << 1) | carry);
            carry = w >> 63;
            while cand != 0 {
                let i = k * 64 + cand.trailing_zeros() as usize;
                cand &= cand - 1;
                if (0x80..0xC3).contains(&v.as_bytes()[i]) {
                    continue;
                }
                let (names, titles) = (&self.dict.first_names, &self.dict.titles);
                let word = gate::word_at(v.as_bytes(), i, m);
                if by_dictionary && ((names.may_start(word) && names.prefix_at(v, i).is_some()) || (titles.may_start(word) && titles.prefix_at(v, i).is_some())) {
                    return true;
                }
                if by_intro && self.introduced_at(v, i) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether the word starting at `i` follows an introduction of one's name: the word
    /// before it (after whitespace) ends a phrase of `intros.txt`, then the whole phrase.
    fn introduced_at(&self, v: &str, i: usize) -> bool {
        let b = v.as_bytes();
        // One space between the phrase and the name; the word before it compared by bytes
        // (this runs at every capital of prose, so no allocation and no hashing).
        let Some(end) = i.checked_sub(1).filter(|&e| b[e] == b' ') else { return false };
        if !self.intro_tails.may_end(b, end) {
            return false;
        }
        let from = end.saturating_sub(self.intro_end_max + 1);
        let start = match b[from..end].iter().rposition(|&c| c.is_ascii_whitespace()) {
            Some(p) => from + p + 1,
            None if from == 0 => 0,
            // Longer than any phrase's last word.
            None => return false,
        };
        let token = &b[start..end];
        self.intro_ends.iter().any(|w| w.len() == token.len() && w.eq_ignore_ascii_case(token)) && self.dict.introduced(v, i)
    }

    fn dict_outcome(&self, rules: &[u16], value: &str, ctx: &ColumnContext, s: &mut Scratch, hits: &mut Vec<Hit>) {
        let Some(best) = s.dict_hits.iter().max_by_key(|h| h.strong as u8) else { return };
        for &r in rules {
            if ctx.is_excluded(r as usize) {
                continue;
            }
            if let Some(h) = self.outcome(r, value, best.start, best.end, Check::Valid, best.strong, ctx) {
                hits.push(h);
            }
        }
    }
}

/// Whether `b` holds an Arabic-Indic or Persian digit (U+0660–0669: D9 A0–A9; U+06F0–06F9:
/// DB B0–B9), as Arabic and Persian house numbers may be written.
fn eastern_digits(b: &[u8]) -> bool {
    b.windows(2).any(|w| (w[0] == 0xD9 && (0xA0..=0xA9).contains(&w[1])) || (w[0] == 0xDB && (0xB0..=0xB9).contains(&w[1])))
}

/// Cheap gate for addresses: a number and a word separated by one space, comma or line
/// break ("12 Oak", "Hahnring 88"), or by a comma and a space ("Via Roma, 10"). UUIDs,
/// hashes and timestamps never have one.
fn number_next_to_word(m: &Masks) -> bool {
    let blocks = &m.blocks;
    let mut carry = Block::default();
    for (k, x) in blocks.iter().enumerate() {
        let next = blocks.get(k + 1).copied().unwrap_or_default();
        // Class of the byte before / after each byte, across block edges.
        let before = |f: fn(&Block) -> u64| f(x) << 1 | f(&carry) >> 63;
        let after = |f: fn(&Block) -> u64| f(x) >> 1 | f(&next) << 63;
        let letter = |b: &Block| (b.alnum & !b.digit) | b.nonascii;
        let hit = x.street_sep
            & ((before(|b| b.digit) & (after(letter) | after(|b| b.space)))
                | (before(letter) & after(|b| b.digit))
                | (before(|b| b.dot) & after(|b| b.digit))
                // "Rua Miriam Simões, 12": the house number after a comma and a space.
                | (before(|b| b.street_sep & !b.space) & after(|b| b.digit)));
        if hit != 0 {
            return true;
        }
        carry = *x;
    }
    false
}
