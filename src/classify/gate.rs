//! Bit-set gates in front of the tries: one bit test that says "no entry can start here"
//! for most places the passes look at, so the trie walk happens only where one might.
//!
//! Both gates may say yes wrongly (then the trie says no); neither may say no wrongly, or
//! a literal or a name would be missed. Their tests in this file check that on every entry.

use super::masks::{Block, Masks};

/// A set of hashes as bits: membership may be a false positive, never a false negative.
struct HashBits {
    bits: Vec<u64>,
    shift: u32,
}

impl HashBits {
    fn new(log2_bits: u32) -> HashBits {
        HashBits { bits: vec![0; 1 << (log2_bits - 6)], shift: 64 - log2_bits }
    }

    #[inline(always)]
    fn slot(&self, h: u64) -> (usize, u64) {
        let i = (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize;
        (i / 64, 1 << (i % 64))
    }

    fn insert(&mut self, h: u64) {
        let (w, bit) = self.slot(h);
        self.bits[w] |= bit;
    }

    #[inline(always)]
    fn contains(&self, h: u64) -> bool {
        let (w, bit) = self.slot(h);
        self.bits[w] & bit != 0
    }
}

/// The first three bytes of the literals that start with a letter or digit, folded to
/// five bits each (`& 31`: ASCII case is gone, and so is the difference between some
/// letters and digits, which only lets more through) into a 32,768-bit table. "to",
/// "the", "and" in prose stop here; "tok…" goes on to the trie.
pub struct Grams {
    bits: GramBits,
}

#[inline(always)]
fn gram(a: u8, b: u8, c: u8) -> usize {
    ((a & 31) as usize) << 10 | ((b & 31) as usize) << 5 | (c & 31) as usize
}

/// A set of folded three-byte grams (`gram`), one bit each.
struct GramBits(Box<[u64; 512]>);

impl GramBits {
    fn new() -> GramBits {
        GramBits(Box::new([0u64; 512]))
    }

    fn insert(&mut self, a: u8, b: u8, c: u8) {
        let g = gram(a, b, c);
        self.0[g / 64] |= 1 << (g % 64);
    }

    /// Whether `x` holds the gram (always yes when `x` is not three bytes).
    #[inline(always)]
    fn may_hold(&self, x: Option<&[u8]>) -> bool {
        match x {
            Some(&[x, y, z]) => {
                let g = gram(x, y, z);
                self.0[g / 64] >> (g % 64) & 1 != 0
            }
            _ => true,
        }
    }
}

impl Grams {
    /// Builds the gate for `literals` (those that do not start with a letter or digit are
    /// not the gate's business and are ignored).
    pub fn new<'a>(literals: impl IntoIterator<Item = &'a [u8]>) -> Grams {
        let mut bits = GramBits::new();
        for l in literals {
            match *l {
                [a, ..] if !a.is_ascii_alphanumeric() => {}
                [a, b, c, ..] => bits.insert(a, b, c),
                // Shorter literals match whatever follows them.
                [a, b] => (0..32).for_each(|c| bits.insert(a, b, c)),
                [a] => (0..32 * 32).for_each(|bc: u16| bits.insert(a, (bc >> 5) as u8, bc as u8)),
                [] => {}
            }
        }
        Grams { bits }
    }

    /// Whether a literal may start at `p` (always yes within three bytes of the end).
    #[inline(always)]
    pub fn may_start(&self, b: &[u8], p: usize) -> bool {
        self.bits.may_hold(b.get(p..p + 3))
    }
}

/// The last words of phrases (the introductions' `is`, `m'appelle`, `llamo`), for the
/// test at every capital of prose: the three bytes before the space that precedes the
/// capital, folded like `Grams`, must end some phrase word preceded by whitespace. Words
/// shorter than two bytes take the whitespace as their first byte and any byte before it,
/// so `e` passes only a one-letter word, not every word that ends in an e.
pub struct Tails {
    bits: GramBits,
}

/// The whitespace bytes a phrase's words may be separated by (`split_whitespace`, ASCII).
const SPACES: [u8; 5] = [b' ', b'\t', b'\n', b'\r', 0x0C];

impl Tails {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a [u8]>) -> Tails {
        let mut bits = GramBits::new();
        for w in words {
            match *w {
                [.., a, b, c] => bits.insert(a, b, c),
                [b, c] => SPACES.iter().for_each(|&a| bits.insert(a, b, c)),
                [c] => SPACES.iter().for_each(|&b| (0..32).for_each(|a| bits.insert(a, b, c))),
                [] => {}
            }
        }
        Tails { bits }
    }

    /// Whether a phrase word may end just before `end` (always yes within three bytes of
    /// the start).
    #[inline(always)]
    pub fn may_end(&self, b: &[u8], end: usize) -> bool {
        self.bits.may_hold(end.checked_sub(3).and_then(|s| b.get(s..end)))
    }
}

/// The first words of a word list's entries (ASCII, any case), for the name gate: an entry
/// that `WordList::prefix_at` finds at a word boundary starts with the same word as the
/// text there, so a capitalised word that is the first word of no entry starts no entry.
/// Words that run on into non-ASCII characters are not judged (always maybe).
pub struct FirstWords {
    bits: HashBits,
}

/// A hash of a word of ASCII letters and digits, ignoring case, eight bytes at a time.
#[inline(always)]
fn word_hash(b: &[u8], start: usize, end: usize) -> u64 {
    let mut h = (end - start) as u64;
    let mut i = start;
    while i < end {
        let n = (end - i).min(8);
        let x = match b.get(i..i + 8) {
            Some(x) => u64::from_le_bytes(x.try_into().expect("8 bytes")),
            None => b[i..i + n].iter().rev().fold(0u64, |v, &c| v << 8 | c as u64),
        };
        let keep = if n == 8 { u64::MAX } else { (1u64 << (8 * n)) - 1 };
        // Letters and digits only: `| 0x20` lower-cases letters and leaves digits alone.
        h = ((h ^ ((x | 0x2020_2020_2020_2020) & keep)).wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(29);
        i += n;
    }
    h
}

/// The word at `i` for `FirstWords::may_contain`: its hash, or `None` when the gate cannot
/// judge it (it begins or runs on into non-ASCII characters).
#[inline(always)]
pub fn word_at(b: &[u8], i: usize, m: &Masks) -> Option<u64> {
    if b[i] >= 0x80 {
        return None;
    }
    let end = m.run_end(|k: &Block| k.alnum, i);
    if end < b.len() && b[end] >= 0x80 {
        return None;
    }
    Some(word_hash(b, i, end))
}

impl FirstWords {
    /// Builds the gate for `entries`.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> FirstWords {
        let mut bits = HashBits::new(17);
        for e in entries {
            let end = e.char_indices().find(|(_, c)| !c.is_alphanumeric()).map_or(e.len(), |(i, _)| i);
            let first = &e[..end];
            // A first word with non-ASCII letters can only meet a text word that runs into
            // non-ASCII bytes, which the gate lets through unjudged.
            if !first.is_empty() && first.is_ascii() {
                bits.insert(word_hash(first.as_bytes(), 0, end));
            }
        }
        FirstWords { bits }
    }

    /// Whether an entry may start with the word `word_at` found (`None`: maybe).
    #[inline(always)]
    pub fn may_contain(&self, word: Option<u64>) -> bool {
        word.is_none_or(|h| self.bits.contains(h))
    }
}

#[cfg(test)]
mod tests {
    use super::{word_at, FirstWords, Grams, Tails};
    use crate::classify::masks::Masks;

    #[test]
    fn grams_pass_every_literal_at_any_case() {
        let lits: [&[u8]; 5] = [b"token", b"0x", b"k", b"secret_access_key", b"@"];
        let g = Grams::new(lits.iter().copied());
        for text in ["TOKEN=1", "Token", "0xAB", "0X", "k", "kz9", "SeCrEt_x", "tok"] {
            assert!(g.may_start(text.as_bytes(), 0), "{text}");
        }
        let refused = ["the", "and", "xyz"].iter().filter(|t| !g.may_start(t.as_bytes(), 0)).count();
        assert_eq!(refused, 3);
    }

    #[test]
    fn first_words_pass_every_entry_at_a_word_boundary() {
        let entries = ["Ann", "Hans-Dieter", "Ana María", "José Luis", "Dr.", "Karl"];
        let f = FirstWords::new(entries.iter().copied());
        let mut m = Masks::default();
        let may = |m: &mut Masks, text: &str| {
            m.compute(text.as_bytes(), None);
            f.may_contain(word_at(text.as_bytes(), 0, m))
        };
        for text in ["Ann smiled", "ANN", "Hans-Dieter Weber", "Ana María López", "José Luis", "Dr. Who", "Karl's", "Karl’s", "Anné"] {
            assert!(may(&mut m, text), "{text}");
        }
        for text in ["The end", "Anna", "Karla", "Hansdieterweber"] {
            assert!(!may(&mut m, text), "{text}");
        }
    }

    #[test]
    fn tails_pass_every_phrase_end_after_whitespace() {
        let words: [&[u8]; 6] = [b"is", b"m'appelle", b"e", "\u{e8}".as_bytes(), b"llamo", "hei\u{df}e".as_bytes()];
        let t = Tails::new(words.iter().copied());
        for text in ["my name is", "je M'APPELLE", "il mio nome e", "nome \u{e8}", "me\tllamo", "ich hei\u{df}e", "is", "e"] {
            assert!(t.may_end(text.as_bytes(), text.len()), "{text:?}");
        }
        let refused = ["the", "deploy", "one", "order", "Monday"].iter().filter(|w| !t.may_end(w.as_bytes(), w.len())).count();
        assert_eq!(refused, 5);
    }
}
