//! Dictionary matchers for the two labels no regex can find: person names and street
//! addresses.
//!
//! Both work on word tokens (`tokenize`). Only capitalised tokens (names) or tokens near a
//! house number (addresses) are looked up, each with one anchored search of a word list
//! (`WordList`), so free text costs one tokenising pass plus a handful of lookups. This
//! module owns the lists and the tokenizer; how each thing is read is a module of its own:
//! `names` (Latin-script names in text and lone names in columns), `cjk` (Chinese, Korean
//! and Japanese names), `cyrillic_greek`, `arabic` and `streets`.

mod arabic;
mod cjk;
mod cyrillic_greek;
mod names;
mod streets;

use super::gate::FirstWords;
use super::trie::Trie;
pub(crate) use arabic::normalised_entries as arabic_entries;
pub use names::LoneName;

/// A word list compiled for anchored whole-word lookups.
pub struct WordList {
    trie: Trie,
    first_words: FirstWords,
    len: usize,
}

impl WordList {
    /// Builds the list; entries are matched ASCII-case-insensitively.
    pub fn new<I: IntoIterator<Item = String>>(words: I) -> Self {
        let words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).collect();
        let trie = Trie::new(words.iter().map(|w| (w.as_bytes(), 0)));
        let first_words = FirstWords::new(words.iter().map(String::as_str));
        WordList { trie, first_words, len: words.len() }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `text[start..end]` is exactly one entry.
    pub fn contains_span(&self, text: &str, start: usize, end: usize) -> bool {
        self.trie.is_entry(text.as_bytes(), start, end)
    }

    /// Whether `prefix_at` can find anything at the start of the word `word` (from
    /// `gate::word_at`): a bit test instead of a trie walk for most words.
    pub fn may_start(&self, word: Option<u64>) -> bool {
        self.first_words.may_contain(word)
    }

    /// Length of the longest entry that starts at `start`, if it ends on a word boundary.
    pub fn prefix_at(&self, text: &str, start: usize) -> Option<usize> {
        let end = self.trie.longest_prefix(text.as_bytes(), start)?;
        match text[end..].chars().next() {
            Some(c) if c.is_alphanumeric() => None,
            _ => Some(end - start),
        }
    }
}

/// The dictionaries shipped under `classifiers/dictionaries/`.
pub struct Dictionaries {
    pub first_names: WordList,
    pub surnames: WordList,
    pub titles: WordList,
    pub stopwords: WordList,
    /// Phrases that introduce one's own name (`my name is`, `je m'appelle`), lower case.
    pub intros: Vec<String>,
    /// Street types written after the name (en, de, nl: Oak Street, Berliner Straße).
    pub street_words: WordList,
    /// Street types written before the name (fr, es, it, pt: rue de la Paix, Calle Mayor).
    pub street_words_before: WordList,
    /// The street types of de and nl, whose house number follows the street (Berliner Straße
    /// 12), less those that are English street types too (Park, Passage).
    pub street_words_number_after: WordList,
    /// Street types of languages that write them after the name, in lower case as often
    /// as not, with the house number after the street or before it (Váci utca 12, Gül
    /// Sokağı 4, Тверская улица 12, 488 Suur-Karja põik); some of these languages also
    /// write them first (`street_words_before`).
    pub street_words_after_name: WordList,
    /// Suffixes glued to compound street names (German/Dutch `-straße`, `-straat`).
    pub street_suffixes: Suffixes,
    /// Endings of family names that words and places rarely have (`surname_endings.txt`:
    /// `-ić`, `-sen`, `-dóttir`, `-oğlu`, `-енко`), for lone surnames no list knows.
    pub surname_ends: Suffixes,
    /// Japanese surnames in kanji and their katakana readings (`surnames/ja.txt`,
    /// `surnames/ja_kana.txt`), apart from `surnames`: many are Chinese words or place
    /// names too (中山, 長野), and they are read only for values of kanji and kana.
    pub ja_surnames: WordList,
    /// Characters that end Japanese given names in kanji (`first_names/ja_endings.txt`:
    /// 子, 美, 郎, 太, 介, 樹, ...).
    pub ja_given_ends: CharSet,
    /// Given names and family names in Arabic script (`first_names/ar.txt`, `fa.txt`,
    /// `surnames/ar.txt`, `fa.txt`), normalised (`arabic` module), apart from the Latin
    /// lists: read only for values of Arabic letters.
    pub arabic_first: WordList,
    pub arabic_surnames: WordList,
}

/// A set of characters, sorted for binary search.
#[derive(Debug, Default, Clone)]
pub struct CharSet(Vec<char>);

impl FromIterator<char> for CharSet {
    fn from_iter<I: IntoIterator<Item = char>>(iter: I) -> Self {
        let mut v: Vec<char> = iter.into_iter().collect();
        v.sort_unstable();
        v.dedup();
        CharSet(v)
    }
}

impl CharSet {
    /// Whether `c` is in the set.
    pub fn contains(&self, c: char) -> bool {
        self.0.binary_search(&c).is_ok()
    }
}

/// Word endings, lower-case, found by the word's last byte: a word is compared only with
/// the endings that end as it does.
pub struct Suffixes {
    by_last: Vec<Vec<String>>,
}

impl Suffixes {
    /// Builds the set from `suffixes` (lower-cased here).
    pub fn new(suffixes: impl IntoIterator<Item = String>) -> Suffixes {
        let mut by_last = vec![Vec::new(); 256];
        for s in suffixes {
            let s = s.to_lowercase();
            if let Some(&b) = s.as_bytes().last() {
                by_last[b as usize].push(s);
            }
        }
        Suffixes { by_last }
    }

    /// Whether `w` ends with one of the suffixes, ignoring case, with at least two more
    /// characters before it.
    pub fn ends(&self, w: &str) -> bool {
        self.ends_after(w, 2)
    }

    /// Whether `w` ends with one of the suffixes, ignoring case, after a stem of at least
    /// `stem` characters.
    pub fn ends_after(&self, w: &str, stem: usize) -> bool {
        let Some(&last) = w.as_bytes().last() else { return false };
        if w.is_ascii() {
            // ASCII lower-casing keeps the length and the last byte: compare in place.
            let b = w.as_bytes();
            let cands = &self.by_last[last.to_ascii_lowercase() as usize];
            return cands.iter().any(|s| b.len() >= s.len() + stem && b[b.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes()));
        }
        // Unicode lower-casing may change the last byte (the Kelvin sign becomes `k`).
        let lower = w.to_lowercase();
        self.by_last.iter().flatten().any(|s| lower.ends_with(s.as_str()) && lower[..lower.len() - s.len()].chars().count() >= stem)
    }
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    /// The first character is upper-case.
    cap: bool,
    /// Every letter is upper-case.
    upper: bool,
    /// A house-number-like token: starts with a digit.
    num: bool,
    /// Separator text before this token holds a comma.
    comma_before: bool,
    /// Separator text before this token holds a line break or sentence punctuation.
    break_before: bool,
}

fn tokenize(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let mut comma = false;
    let mut brk = false;
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_alphanumeric() {
            let start = i;
            let mut end = i + c.len_utf8();
            let mut upper = !c.is_lowercase();
            let mut letters = c.is_alphabetic() as usize;
            while let Some(&(j, d)) = it.peek() {
                // Keep hyphenated and apostrophe names (Anne-Marie, O'Brien) and house
                // numbers (49/70, 12a) as one token; a trailing '.' ends abbreviations (Str.).
                let joiner = (d == '-' || d == '\'' || d == '’' || d == '/')
                    && text[j + d.len_utf8()..].chars().next().is_some_and(char::is_alphanumeric);
                if d.is_alphanumeric() || joiner {
                    if d.is_alphabetic() {
                        letters += 1;
                        if d.is_lowercase() {
                            upper = false;
                        }
                    }
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            if let Some(&(j, '.')) = it.peek() {
                // Five characters, not bytes: `пер.`, `просп.`, `Λεωφ.` are abbreviations too.
                if letters > 0 && (end - start <= 5 || text[start..end].chars().count() <= 5) {
                    end = j + 1;
                    it.next();
                }
            }
            out.push(Token {
                start,
                end,
                cap: c.is_uppercase(),
                upper: upper && letters > 0,
                num: c.is_ascii_digit(),
                comma_before: comma,
                break_before: brk,
            });
            comma = false;
            brk = false;
        } else {
            comma |= c == ',';
            brk |= matches!(c, '\n' | '\r' | '.' | ';' | ':' | '|' | '"' | '(' | ')' | '{' | '}' | '[' | ']' | '=' | '<' | '>');
        }
    }
}

/// One dictionary match: byte span in the value and its strength.
#[derive(Debug, Clone, Copy)]
pub struct DictHit {
    pub start: usize,
    pub end: usize,
    /// Evidence on its own (a titled full name, a first name with a known surname, a
    /// numbered street): counts even in free text. Otherwise it counts only in columns
    /// dense with such hits or with keyword context.
    pub strong: bool,
}

/// Words that join the parts of a multi-word street name.
const PARTICLES: &[&str] = &[
    "de", "la", "del", "da", "do", "dos", "das", "van", "der", "den", "von", "di", "della", "du", "des", "le",
    "les", "el", "of", "the", "y", "e", "am", "an", "im", "auf", "ao", "aos", "à", "às", "degli", "dei",
    "delle", "dello", "alla", "alle", "al", "ai", "agli",
];

impl Dictionaries {
    fn is_title(&self, t: &str, tok: &Token) -> bool {
        self.titles.contains_span(t, tok.start, tok.end)
    }

    fn is_particle(&self, text: &str, tok: &Token) -> bool {
        let w = &text[tok.start..tok.end];
        !tok.cap && PARTICLES.contains(&w)
    }
}

/// Scratch space reused across values so matching does not allocate per value.
#[derive(Default)]
pub struct DictScratch {
    tokens: Vec<Token>,
    /// A value of Arabic script, normalised for lookup (`arabic_name`).
    arabic: String,
}

/// What `v` says of itself as a lone name to `engine` (for the readers' tests).
#[cfg(test)]
fn lone(engine: &super::Engine, v: &str) -> Option<LoneName> {
    engine.lone_name(v, &mut super::Scratch::default())
}
