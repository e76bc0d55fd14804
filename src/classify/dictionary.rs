//! Dictionary matchers for the two labels no regex can find: person names and street
//! addresses.
//!
//! Both work on word tokens. Only capitalised tokens (names) or tokens near a house number
//! (addresses) are looked up, each with one anchored Aho-Corasick search against the word
//! lists, so free text costs one tokenising pass plus a handful of lookups. Structure
//! decides the verdict: a first name followed by a known surname (or preceded by a title)
//! is a strong hit; a first name followed by an unknown capitalised word is weak and only
//! counts in columns where such pairs are common. After an introduction (`my name is`,
//! `je m'appelle`, `intros.txt`) one capitalised word is a name. `lone_name` describes a
//! value that is one name-shaped word or three, for the column-level test of columns that
//! hold only first names or only surnames (`verdict`), and reads Chinese, Korean and
//! Japanese names, which are written surname first and often without a space: those are
//! found by their first characters (a known surname) and, for Japanese, their last (a
//! given-name ending), never by tokens; only values made entirely of Han characters,
//! Hangul and kana reach those checks. Values that begin with a Cyrillic or Greek letter
//! are also read as whole names of two or three words (`LoneName::full`: a known given
//! name or surname with a patronymic, `Иван Петрович`, or a word shaped like a surname of
//! those languages, `Роман Касимов`, `Μάρκος Βικελίδης`), since the per-value gate before
//! `find_names` counts ASCII capitals only; upper-case Cyrillic words (`ИВАНОВ`) are looked
//! up title-cased. Nothing of this runs for a value that begins with another character.

mod arabic;

use super::gate::FirstWords;
use super::trie::Trie;
pub(crate) use arabic::normalised_entries as arabic_entries;
use arabic::is_arabic_letter;

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
    /// `stem` bytes.
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
        self.by_last.iter().flatten().any(|s| lower.len() >= s.len() + stem && lower.ends_with(s.as_str()))
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

/// Titles of `titles.txt` that stand before nothing but a person's name: courtesy
/// titles and their abbreviations in the languages of the lists (`Mrs.`, `Mevr.`,
/// `Sig.ra`, `Sra.`), and abbreviated Italian and Spanish professional titles used as
/// forms of address (`Dott.`, `Avv.`, `Dra.`). After one of them an unknown capitalised
/// word is a surname (`Mrs. Kunysz`, `Dhr. Ghoerle`). Left out: `Dr.` (Dr Pepper, Dr.
/// Martens, the street type), `Sr.` (Senior: `Sr. Engineer`), `M.` (an initial), military
/// and clerical ranks (`Col.`, `Rev.`, `Fr.` are also column, revision, Friday), and the
/// written-out titles, which are nouns too (`Frau Fisch`, `Senhora da Hora`).
const PERSON_ONLY_TITLES: &[&str] = &[
    "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Mx", "Mx.", "Mme", "Mme.", "Mmes", "Mlle", "Mlle.", "Mlles", "MM.", "Sig.", "Sig.ra", "Sig.na",
    "Sra.", "Sr.ª", "Srª", "Srta.", "Dña.", "Exma. Sra.", "Exmo. Sr.", "Dhr.", "Mevr.", "Mw.", "Mej.", "Hr.", "Frl.", "Dott.", "Dott.ssa",
    "Prof.ssa", "Avv.", "Dra.", "Prof.", "Prof",
];

impl Dictionaries {
    fn is_first(&self, t: &str, tok: &Token) -> bool {
        let w = &t[tok.start..tok.end];
        let w = w.trim_end_matches('.');
        if self.first_names.contains_span(t, tok.start, tok.start + w.len()) {
            return true;
        }
        // Anne-Marie, Jean-Luc: either part is a first name.
        w.split('-').count() == 2 && {
            let first = w.split('-').next().unwrap_or("");
            self.first_names.contains_span(t, tok.start, tok.start + first.len())
        }
    }

    fn is_surname(&self, t: &str, tok: &Token) -> bool {
        if self.surnames.contains_span(t, tok.start, tok.end) {
            return true;
        }
        let w = &t[tok.start..tok.end];
        // Double-barrelled surnames: Allen-West, García-López.
        let mut off = tok.start;
        for part in w.split('-') {
            if w.contains('-') && self.surnames.contains_span(t, off, off + part.len()) {
                return true;
            }
            off += part.len() + 1;
        }
        false
    }

    fn is_namey(&self, t: &str, tok: &Token) -> bool {
        let w = &t[tok.start..tok.end];
        (tok.cap || tok.upper)
            && !tok.num
            && w.chars().count() >= 2
            && w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'' || c == '’')
            && !self.stopwords.contains_span(t, tok.start, tok.end)
            && !self.titles.contains_span(t, tok.start, tok.end)
    }

    /// Whether the token is a capitalised Cyrillic patronymic (`Петрович`, `Ивановна`); a
    /// byte test first, so ASCII words cost nothing more.
    fn patronymic_at(&self, t: &str, tok: &Token) -> bool {
        t.as_bytes()[tok.end - 1] >= 0x80 && tok.cap && !tok.upper && is_patronymic(&t[tok.start..tok.end])
    }

    fn is_title(&self, t: &str, tok: &Token) -> bool {
        self.titles.contains_span(t, tok.start, tok.end)
    }

    /// The first token of a title that ends with token `q`: `q` itself (`Mrs.`), or the
    /// token glued before it (`Sig.ra`, `Dott.ssa`: the tokenizer ends a word at its dot).
    fn title_ending_at(&self, t: &str, toks: &[Token], q: usize) -> Option<usize> {
        if self.is_title(t, &toks[q]) {
            return Some(q);
        }
        (q > 0 && toks[q - 1].end == toks[q].start && self.titles.contains_span(t, toks[q - 1].start, toks[q].end)).then(|| q - 1)
    }

    /// Finds person names: `[Title] First [Middle|Initial] Last`, `Last, First`, `Last First`,
    /// `Title Last` (a known surname), `my name is Name` (`intros.txt`), in any case. A
    /// titled or introduced name is strong on its own; the rest needs keyword context or a
    /// column dense with names.
    pub fn find_names(&self, text: &str, scratch: &mut DictScratch, out: &mut Vec<DictHit>) {
        let toks = &mut scratch.tokens;
        if !text.bytes().any(|b| b.is_ascii_uppercase()) && text.is_ascii() {
            return;
        }
        tokenize(text, toks);
        let toks: &[Token] = toks;
        let n = toks.len();
        let mut i = 0;
        while i < n {
            let t = toks[i];
            if !(t.cap || t.upper) || t.num || !self.is_namey(text, &t) {
                i += 1;
                continue;
            }
            // The title may stand before the surname's particles: `Sra. da Luz`, `Herr von Weiß`.
            let mut p = i;
            while p > 0 && p + 2 > i && self.is_particle(text, &toks[p - 1]) && !toks[p].break_before {
                p -= 1;
            }
            let title = if p > 0 && !toks[p].break_before { self.title_ending_at(text, toks, p - 1) } else { None };
            let titled = title.is_some();
            let joined = |k: usize| k < n && !toks[k].break_before && !toks[k].comma_before;
            // (first token, last token, strong)
            let mut found: Option<(usize, usize, bool)> = None;
            if self.is_first(text, &t) {
                let mut j = i + 1;
                if joined(j) && is_initial(text, &toks[j]) {
                    j += 1;
                }
                // Surname particles: Sanne de Vries, Ludwig van Beethoven, João dos Santos.
                while joined(j) && j < i + 4 && self.is_particle(text, &toks[j]) {
                    j += 1;
                }
                if joined(j) && self.is_namey(text, &toks[j]) {
                    let mut last = j;
                    // A given name and a patronymic (`Иван Петрович [Сидоров]`) is a person
                    // on its own; any capitalised word after them is the surname.
                    let patronymic = self.patronymic_at(text, &toks[j]);
                    if joined(last + 1) && self.is_namey(text, &toks[last + 1]) && (patronymic || self.is_surname(text, &toks[last + 1])) {
                        last += 1;
                    }
                    found = Some((i, last, titled || patronymic));
                }
            }
            if found.is_none()
                && i + 1 < n
                && toks[i + 1].comma_before
                && !toks[i + 1].break_before
                && self.is_namey(text, &toks[i + 1])
                && self.is_first(text, &toks[i + 1])
                && self.is_surname(text, &t)
                && (i + 2 >= n || toks[i + 2].break_before || toks[i + 2].comma_before || !toks[i + 2].cap)
            {
                found = Some((i, i + 1, false));
            }
            // Family name first, as Hungarian and registry lists write names (`Kovács
            // Ilona`, `MÜLLER Hans`): a known surname, then a known first name that ends the
            // name. Weak, like a first name and any surname.
            // Or before a given name and a patronymic, as Russian records do (`Иванов Иван
            // Иванович`): strong, as the given name and patronymic are.
            if found.is_none() && !titled && joined(i + 1) && self.is_surname(text, &t) && self.is_namey(text, &toks[i + 1]) && self.is_first(text, &toks[i + 1]) {
                if !joined(i + 2) || !(toks[i + 2].cap || toks[i + 2].upper) {
                    found = Some((i, i + 1, false));
                } else if self.patronymic_at(text, &toks[i + 2]) {
                    found = Some((i, i + 2, true));
                }
            }
            // A title and a known surname is a person (Mr. Smith, Mme Durand, Sig. Rossi)
            // when the title is an abbreviation: titles written out are also nouns
            // (German capitalises every noun: "zur Herr Freund", "Frau Fisch" in prose),
            // so `Frau Schmidt` alone is weak. A title and an unknown capitalised word is
            // weak (`Sr. Engineer` and `Dr. Pepper` are written so too), unless the title
            // stands only before people (`Mrs. Kunysz`); after such a title any
            // capitalised word is a surname, known or not (`Mmes Dupont`).
            if let (None, Some(q)) = (found, title) {
                let title = &text[toks[q].start..toks[p - 1].end];
                let strong = PERSON_ONLY_TITLES.contains(&title) || (self.is_surname(text, &t) && (title.contains('.') || title.chars().count() <= 3));
                found = Some((i, i, strong));
            }
            // "my name is Camille", "je m'appelle Dupont": after an introduction one
            // capitalised word is a name, known or not, and evidence on its own.
            let introduced = !titled && self.introduced(text, t.start);
            if found.is_none() && introduced {
                found = Some((i, i, true));
            }
            let Some((a, b, mut strong)) = found else {
                i += 1;
                continue;
            };
            strong |= introduced;
            if !self.part_of_other_thing(text, toks, a, b) {
                let start = title.map_or(toks[a].start, |q| toks[q].start);
                out.push(DictHit { start, end: toks[b].end, strong });
            }
            i = b + 1;
        }
    }

    /// Whether the text just before `start` (a word start) ends with an introduction of
    /// one's name (`intros.txt`), at a word start itself.
    pub(super) fn introduced(&self, text: &str, start: usize) -> bool {
        if self.intros.is_empty() {
            return false;
        }
        let before = text[..start].trim_end();
        if before.len() == start || before.is_empty() {
            return false;
        }
        // Enough for the longest phrase; the ASCII apostrophe for the typographic one.
        let from = before.char_indices().rev().nth(24).map_or(0, |(i, _)| i);
        let tail = before[from..].to_lowercase().replace('’', "'");
        self.intros.iter().any(|p| {
            tail.strip_suffix(p.as_str()).is_some_and(|rest| rest.chars().next_back().is_none_or(|c| !c.is_alphanumeric()))
        })
    }

    /// What a short value says of itself as one lone name, for columns that hold only
    /// first names or only surnames: `None` unless it is one to three name-shaped words
    /// (capitalised or upper-case letters, hyphens and apostrophes; lower-case surname
    /// particles between them, as in `van der Berg`), none a stop-word or title. Then
    /// whether every word is a known first name, and whether the value (or every word) is
    /// a known surname.
    ///
    /// Values of Han characters, Hangul and kana are read as names written surname first
    /// (`cjk_name`, `japanese_name`); only they reach those checks, and only Japanese
    /// values may hold the ideographic space (`佐藤　直子`).
    pub fn lone_name(&self, text: &str, scratch: &mut DictScratch) -> Option<LoneName> {
        let text = text.trim();
        if text.chars().next().is_some_and(is_arabic_letter) {
            return self.arabic_name(text, &mut scratch.arabic);
        }
        let mut wide_space = false;
        // Cyrillic and Greek letters take two bytes: 48 characters of them.
        let slavic_greek = text.chars().next().is_some_and(is_cyrillic_or_greek);
        if text.is_empty()
            || text.len() > if slavic_greek { 96 } else { 48 }
            || !text.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’') || (c == '\u{3000}' && {
                wide_space = true;
                true
            }))
        {
            return None;
        }
        if text.chars().all(is_cjk) {
            // A Chinese, Korean or Japanese name; Japanese ones need no Chinese surname.
            return match (self.cjk_name(text), self.japanese_name(text)) {
                (Some(zh), Some(ja)) => Some(LoneName { first: ja.first, surname: zh.surname || ja.surname, cjk: true, full: false, arabic: false }),
                (zh, ja) => zh.or(ja),
            };
        }
        if let Some(ja) = self.japanese_name(text) {
            return Some(ja);
        }
        if wide_space {
            return None;
        }
        tokenize(text, &mut scratch.tokens);
        let toks: &[Token] = &scratch.tokens;
        if toks.is_empty() || toks.len() > 3 {
            return None;
        }
        if slavic_greek {
            return self.slavic_greek_name(text, toks);
        }
        let (mut words, mut first, mut surname) = (0, true, true);
        for t in toks {
            if self.is_particle(text, t) {
                continue;
            }
            if !self.is_namey(text, t) {
                return None;
            }
            words += 1;
            first &= self.is_first(text, t);
            surname &= self.is_surname(text, t);
        }
        if words == 0 {
            return None;
        }
        // Multi-word surnames are entries of their own (De Vries, Van den Berg).
        surname |= toks.len() > 1 && self.surnames.contains_span(text, 0, text.len());
        Some(LoneName { first, surname, cjk: false, full: false, arabic: false })
    }

    /// `lone_name` for a value that begins with a Cyrillic or Greek letter: one to three
    /// name-shaped words, each looked up as written or, when upper-case, title-cased
    /// (`ИВАНОВ` as `Иванов`; Greek capitals drop their accents, so `ΠΑΠΑΔΟΠΟΥΛΟΣ` stays
    /// unknown). `first`: every word a known given name or a patronymic (`Петрович`,
    /// `Ивановна`, `Петрівна`). `full`: two or three words, one of them a known given name
    /// or surname and every other one known, a patronymic, or shaped like a surname of
    /// those languages (`-ов`, `-енко`, `-ский`, `-όπουλος`, `-ίδης`, `SURNAME_ENDS`):
    /// `Иванов Иван Иванович`, `Роман Касимов`, `Μάρκος Βικελίδης`. Streets and companies
    /// (`улица Ленина`, `ООО «Ромашка»`) hold a lower-case word or punctuation and are no
    /// lone names at all.
    fn slavic_greek_name(&self, text: &str, toks: &[Token]) -> Option<LoneName> {
        let (mut first, mut surname, mut known, mut shaped) = (true, true, false, true);
        for t in toks {
            if !self.is_namey(text, t) {
                return None;
            }
            let raw = &text[t.start..t.end];
            let titled;
            let w = if t.upper && raw.chars().count() > 1 {
                let mut cs = raw.chars();
                titled = cs.next().into_iter().chain(cs.as_str().to_lowercase().chars()).collect::<String>();
                titled.as_str()
            } else {
                raw
            };
            let is_first = self.first_names.contains_span(w, 0, w.len());
            let is_surname = self.surnames.contains_span(w, 0, w.len())
                || (w.contains('-') && w.split('-').any(|p| self.surnames.contains_span(p, 0, p.len())));
            let patronymic = is_patronymic(w);
            first &= is_first || patronymic;
            surname &= is_surname;
            known |= is_first || is_surname;
            shaped &= is_first || is_surname || patronymic || SURNAME_ENDS.iter().any(|e| ends_with_stem(w, e, 3));
        }
        let full = toks.len() > 1 && known && shaped;
        Some(LoneName { first, surname, cjk: false, full, arabic: false })
    }

    /// A Chinese or Korean name: two to four Han characters or Hangul syllables, surname
    /// first and no space (王秀英, 歐陽娜娜, 김민준, 남궁민수). Known when a surname of one or
    /// two characters begins it and a given name follows, and the value does not end with
    /// a character that names a place.
    fn cjk_name(&self, text: &str) -> Option<LoneName> {
        let n = text.chars().count();
        if !(2..=4).contains(&n) {
            return None;
        }
        let place = text.chars().next_back().is_some_and(|c| CJK_PLACE_ENDS.contains(&c));
        // Byte ends of the first one and two characters (the second only when a character follows).
        let surname = !place && text.char_indices().skip(1).take(2).any(|(end, _)| self.surnames.contains_span(text, 0, end));
        Some(LoneName { first: false, surname, cjk: true, full: false, arabic: false })
    }

    /// A Japanese name, surname first: `佐藤 直子`, `佐藤直子`, `佐藤　さくら`, `サトウ ナオコ`,
    /// a lone surname (`佐々木`) or a lone given name (`直子`). `None` unless the value is
    /// kanji and kana, in one part or two. Known (`surname`) when it is a surname of
    /// `ja_surnames`, or begins with one and a given name follows (`ja_given`); with a
    /// space, an unknown kanji surname before a given name in kanji or hiragana counts
    /// too (`宇佐見 伸幸`, `奥山 まゆみ`), not before katakana (`抹茶 ラテ`, `特製 カレー`). Without a space
    /// the given name must end as given names do, which place names (中野区, 長野県) and
    /// most words (関係, 森林) do not; a one-character surname needs two more characters.
    /// Katakana values are known only as a reading of `ja_surnames`, alone or before a
    /// space: loanwords begin with short readings (セキュリティ). `first`: one part of one
    /// to three kanji (or kana and kanji) that ends as given names do (直子, 翔, くみ子).
    fn japanese_name(&self, text: &str) -> Option<LoneName> {
        if !text.chars().all(|c| is_han(c) || is_kana(c) || c == ' ' || c == '\u{3000}') {
            return None;
        }
        let mut parts = text.split([' ', '\u{3000}']).filter(|p| !p.is_empty());
        let (a, b) = (parts.next()?, parts.next());
        if parts.next().is_some() || a.chars().count() > 6 {
            return None;
        }
        let known = |s: &str| self.ja_surnames.contains_span(s, 0, s.len());
        let surname = match b {
            Some(given) => {
                if a.chars().count() > 4 || given.chars().count() > 6 {
                    return None;
                }
                if a.chars().all(is_katakana) {
                    known(a) && given.chars().all(is_katakana)
                } else {
                    a.chars().any(is_han)
                        && ((known(a) && self.ja_given(given, true))
                            || (a.chars().all(is_han) && a.chars().count() <= 3 && !given.chars().any(is_katakana) && self.ja_given(given, true)))
                }
            }
            None if a.chars().all(is_katakana) => known(a),
            None if !a.chars().any(is_han) => return None,
            None => {
                known(a)
                    || a.char_indices().skip(1).take(3).enumerate().any(|(k, (end, _))| {
                        // `k + 1` characters of surname; after one, two of given name, in kanji.
                        let rest = &a[end..];
                        known(&a[..end]) && self.ja_given(rest, k > 0) && (k > 0 || rest.chars().count() >= 2)
                    })
            }
        };
        let first = b.is_none() && a.chars().any(is_han) && self.ja_given(a, false);
        Some(LoneName { first, surname, cjk: true, full: false, arabic: false })
    }

    /// Whether `g` reads as a Japanese given name after a surname: one to three
    /// characters of kanji and kana that end with a given-name ending (`直子`, `くみ子`,
    /// `翔`), or, when `kana` is allowed, two to six kana (`さくら`, `ナオコ`).
    fn ja_given(&self, g: &str, kana: bool) -> bool {
        let n = g.chars().count();
        if g.chars().all(is_kana) {
            return kana && (2..=6).contains(&n);
        }
        (1..=3).contains(&n) && g.chars().next_back().is_some_and(|c| self.ja_given_ends.contains(c))
    }

    /// Names inside other things are not person names: a street named after someone
    /// (427 Jean Lane, Conny-Fliegner-Straße) or the display name of an e-mail address
    /// (Jane Roe <jane@x.org>), which the e-mail rule owns.
    fn part_of_other_thing(&self, text: &str, toks: &[Token], a: usize, b: usize) -> bool {
        // The display name may carry a suffix before the address: "Sean Ross Jr. <s@x.org>".
        let rest = &text[toks[b].end..];
        if rest.find('<').is_some_and(|p| rest[p..].split('>').next().is_some_and(|a| a.contains('@'))) {
            return true;
        }
        let streety = |k: usize| self.street_word(text, &toks[k]) || self.compound_street(text, &toks[k]);
        (a..=b).any(streety)
            || (b + 1 < toks.len() && !toks[b + 1].break_before && streety(b + 1))
            || (a > 0 && toks[a - 1].num && !toks[a].break_before)
    }

    fn street_word(&self, text: &str, tok: &Token) -> bool {
        self.street_words.contains_span(text, tok.start, tok.end)
            || self.street_words.contains_span(text, tok.start, tok.end.saturating_sub(1)) && text[..tok.end].ends_with('.')
    }

    fn after_name_type(&self, text: &str, tok: &Token) -> bool {
        self.street_words_after_name.contains_span(text, tok.start, tok.end)
            || self.street_words_after_name.contains_span(text, tok.start, tok.end.saturating_sub(1)) && text[..tok.end].ends_with('.')
    }

    fn compound_street(&self, text: &str, tok: &Token) -> bool {
        let w = &text[tok.start..tok.end];
        // Five characters at least: the byte length bounds the count from above.
        tok.cap && w.len() >= 5 && (w.is_ascii() || w.chars().count() >= 5) && self.street_suffixes.ends(w)
    }

    fn is_particle(&self, text: &str, tok: &Token) -> bool {
        let w = &text[tok.start..tok.end];
        !tok.cap && PARTICLES.contains(&w)
    }

    fn name_part(&self, text: &str, tok: &Token) -> bool {
        let w = &text[tok.start..tok.end];
        if tok.cap && !tok.num {
            return true;
        }
        if w.is_ascii() {
            return PARTICLES.iter().any(|p| p.eq_ignore_ascii_case(w));
        }
        PARTICLES.contains(&w.to_lowercase().as_str())
    }

    /// Where the address whose street ends at token `last` ends: after the street come the
    /// postcode and the locality (`, 2674-394 São Salvador de Lordelo`, `, Springfield, IL
    /// 62704`, `\n75002 Paris`) — capitalised words, particles and numbers in up to three
    /// comma- or line-separated parts; the address runs to the end of the last part that
    /// holds a number (not an ordinal: `2nd floor`). Without a number nothing is added, and
    /// an abbreviated title stops it: `12 Oak Street, John Smith` and `12 Oak Street, Mrs. Jane Smith 2nd
    /// floor` end at the street.
    fn address_end(&self, text: &str, toks: &[Token], last: usize) -> usize {
        const MAX_PARTS: usize = 3;
        const MAX_TOKENS: usize = 8;
        let mut end = toks[last].end;
        let (mut parts, mut numbered, mut part_end) = (0, false, end);
        for (k, t) in toks.iter().enumerate().skip(last + 1).take(MAX_TOKENS) {
            let gap = &text[toks[k - 1].end..t.start];
            if !gap.bytes().all(|c| matches!(c, b' ' | b',' | b'\n' | b'\r' | b'\t')) {
                break;
            }
            if gap.bytes().any(|c| matches!(c, b',' | b'\n')) {
                if numbered {
                    end = part_end;
                }
                parts += 1;
                numbered = false;
                if parts > MAX_PARTS {
                    break;
                }
            }
            let w = &text[t.start..t.end];
            // Only abbreviated titles: written-out ones name places too (Senhora da Hora).
        if !(t.num || t.cap || PARTICLES.contains(&w)) || (w.ends_with('.') && self.is_title(text, t)) {
                break;
            }
            let ordinal = ["st", "nd", "rd", "th"].iter().any(|o| w.len() >= 2 && w.as_bytes()[w.len() - 2..].eq_ignore_ascii_case(o.as_bytes()));
            numbered |= t.num && !ordinal;
            part_end = t.end;
        }
        if numbered {
            end = part_end;
        }
        end
    }

    /// Finds street addresses: `12 Oak Street`, `12 rue de la Paix`, `Calle Mayor 5`,
    /// `Hauptstraße 12`, `Via Roma, 10`.
    pub fn find_streets(&self, text: &str, scratch: &mut DictScratch, out: &mut Vec<DictHit>) {
        let toks = &mut scratch.tokens;
        tokenize(text, toks);
        let n = toks.len();
        // A house number, or the Iberian `s/n` (sin número, sem número) in its place.
        let house = |t: &Token| {
            (t.num && t.end - t.start <= 9 && text[t.start..t.end].bytes().filter(u8::is_ascii_digit).count() <= 5)
                || text[t.start..t.end].trim_end_matches('.').eq_ignore_ascii_case("s/n")
        };
        for i in 0..n {
            let t = toks[i];
            // Hauptstraße 12 / Weihmannstr. 9/5 / Conny-Fliegner-Straße 89-56
            if self.compound_street(text, &t) && i + 1 < n && house(&toks[i + 1]) && !toks[i + 1].break_before {
                out.push(DictHit { start: t.start, end: self.address_end(text, toks, i + 1), strong: true });
                return;
            }
            // 488 Østervej / 12 Hauptstraße: the number first (Danish and Belgian data
            // sets write it so), the street last in its part of the address.
            // A stem of three letters at least: `954 Spring`, `309 During` end with `-ring`.
            let long_stem = || self.street_suffixes.ends_after(&text[t.start..t.end], 3);
            if self.compound_street(text, &t) && long_stem() && i > 0 && house(&toks[i - 1]) && !t.break_before && toks.get(i + 1).is_none_or(|u| u.comma_before || u.break_before) {
                out.push(DictHit { start: toks[i - 1].start, end: self.address_end(text, toks, i), strong: true });
                return;
            }
            if self.after_name_type(text, &t) && !t.num && !initialism_piece(text, &t) {
                // Name{1,3} type NUM / NUM Name{1,3} type   (Váci utca 12, 488 Suur-Karja põik):
                // the name's words capitalised, the type in any case.
                let mut j = i;
                while j > 0 && i - j < 3 && !toks[j].break_before && toks[j - 1].cap && !toks[j - 1].num {
                    j -= 1;
                }
                if j < i {
                    if i + 1 < n && house(&toks[i + 1]) && !toks[i + 1].break_before {
                        out.push(DictHit { start: toks[j].start, end: self.address_end(text, toks, i + 1), strong: true });
                        return;
                    }
                    if j > 0 && house(&toks[j - 1]) && !toks[j].break_before {
                        out.push(DictHit { start: toks[j - 1].start, end: self.address_end(text, toks, i), strong: true });
                        return;
                    }
                }
            }
            let after_type = self.street_word(text, &t);
            let before_type = self.street_words_before.contains_span(text, t.start, t.end)
                || self.street_words_before.contains_span(text, t.start, t.end.saturating_sub(1)) && text[..t.end].ends_with('.');
            if !(after_type || before_type) || t.num || initialism_piece(text, &t) {
                continue;
            }
            // NUM Name{1,4} Type   (959 Galloway Viaduct)
            let mut j = i;
            let mut names = 0;
            while j > 0 && names < 4 && !toks[j].break_before && self.name_part(text, &toks[j - 1]) && !toks[j - 1].num {
                j -= 1;
                names += 1;
            }
            // English-order types are capitalised in addresses ("Oak Street", not "oak street").
            if after_type && (t.cap || t.upper) && names >= 1 && j > 0 && house(&toks[j - 1]) && !toks[j].break_before && toks[j].cap {
                out.push(DictHit { start: toks[j - 1].start, end: self.address_end(text, toks, i), strong: true });
                return;
            }
            // Adjective Type NUM   (Berliner Straße 12, Frankfurter Allee 5): German street
            // names made of a place adjective and a separate type word. Only the `-er`
            // adjective and de/nl types that are not English ones: `Central Park 5` and
            // `Tower Park 5` are not addresses.
            if after_type && t.cap && i > 0 && self.street_words_number_after.contains_span(text, t.start, t.end) && i + 1 < n && house(&toks[i + 1]) && !toks[i + 1].break_before && !t.break_before {
                let adj = &toks[i - 1];
                let w = &text[adj.start..adj.end];
                if adj.cap && !adj.num && w.len() > 4 && w.ends_with("er") {
                    out.push(DictHit { start: adj.start, end: self.address_end(text, toks, i + 1), strong: true });
                    return;
                }
            }
            // NUM Type [particles] Name   (12 rue de la Paix)
            let mut k = i + 1;
            while k < n && k < i + 4 && !toks[k].break_before && self.is_particle(text, &toks[k]) {
                k += 1;
            }
            if before_type && i > 0 && house(&toks[i - 1]) && !t.break_before && k < n && toks[k].cap && !toks[k].break_before {
                out.push(DictHit { start: toks[i - 1].start, end: self.address_end(text, toks, k), strong: true });
                return;
            }
            // Type Name{1,7} [,] NUM   (Calle Mayor 5, Via Roma, 10)
            let mut k = i + 1;
            let mut names = 0;
            // Up to seven words: Largo D. Carlos I ao Parque das Nações, 984.
            let joined = |t: &Token| !t.break_before && !t.comma_before && !initialism_piece(text, t);
            while k < n && names < 7 && joined(&toks[k]) && self.name_part(text, &toks[k]) && !house(&toks[k]) {
                k += 1;
                names += 1;
            }
            // The street's name may open with particles (Rua de São João 12, Travessa dos
            // Oceanos, 86); its first other word is capitalised.
            let named = toks[i + 1..k].iter().find(|t| !self.is_particle(text, t)).is_some_and(|t| t.cap);
            if names >= 1 && k < n && house(&toks[k]) && !toks[k].break_before && named && (before_type || (after_type && t.cap && i > 0 && toks[i - 1].cap && !toks[i - 1].num)) {
                out.push(DictHit { start: t.start, end: self.address_end(text, toks, k), strong: true });
                return;
            }
        }
    }
}

/// A piece of a dotted initialism (`R.` and `L.` of S. R.L., `C.` of S.C.P): glued to a
/// dot before it, or a dotted letter glued to what follows. Such a piece is not the
/// abbreviated street type `R.` or `C.`, nor a word of a street's name.
fn initialism_piece(text: &str, tok: &Token) -> bool {
    let b = text.as_bytes();
    (tok.start > 0 && b[tok.start - 1] == b'.') || (b[tok.end - 1] == b'.' && b.get(tok.end).is_some_and(u8::is_ascii_alphanumeric))
}

fn is_initial(text: &str, tok: &Token) -> bool {
    let w = &text[tok.start..tok.end];
    let w = w.trim_end_matches('.');
    w.chars().count() == 1 && tok.cap
}

/// A value that is one name-shaped word or three (see `Dictionaries::lone_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoneName {
    /// Every word is a known first name; for a Japanese one, up to three kanji that end as
    /// given names do.
    pub first: bool,
    /// The value, or every word of it, is a known surname; for a Chinese, Korean or
    /// Japanese name, it begins with one (see `Dictionaries::japanese_name`).
    pub surname: bool,
    /// Han characters, Hangul or kana, read as a Chinese, Korean or Japanese name
    /// (surname first): the column test asks a larger share of these to be known
    /// (`verdict`), and counts their `first` only in columns made of them.
    pub cjk: bool,
    /// A Cyrillic or Greek value of two or three words that reads as a whole name: a
    /// known given name or surname and, for the other words, known names, patronymics or
    /// surname-shaped words (see `Dictionaries::slavic_greek_name`). The column test
    /// counts it like a known surname.
    pub full: bool,
    /// Arabic script (Arabic, Persian), read by `Dictionaries::arabic_name`: no case
    /// marks a name there, so the column test has a share of its own for these
    /// (`verdict`).
    pub arabic: bool,
}

/// Cyrillic (with its supplement) and Greek letters, monotonic and polytonic.
fn is_cyrillic_or_greek(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{1F00}'..='\u{1FFF}')
}

/// Endings of Russian, Belarusian and Ukrainian patronymics: `Петрович`, `Сергеевич`,
/// `Ильич`, `Ивановна`, `Сергеевна`, `Никитична`, `Ильинична`, `Петрівна`, `Андріївна`.
const PATRONYMIC_ENDS: &[&str] = &["ович", "евич", "ёвич", "овна", "евна", "ёвна", "ьич", "итична", "инична", "івна", "ївна"];

/// Whether `w` is shaped like a patronymic: one of `PATRONYMIC_ENDS` after at least two
/// more letters (`Рівна`, a word, has one).
fn is_patronymic(w: &str) -> bool {
    PATRONYMIC_ENDS.iter().any(|e| ends_with_stem(w, e, 2))
}

/// Endings of surnames in Russian, Ukrainian, Belarusian, Bulgarian and Greek, both
/// sexes (`Касимов`, `Касимова`, `Бураченко`, `Ковальчук`, `Лозинська`, `Παπαδόπουλος`,
/// `Παπαδοπούλου`, `Βικελίδης`, `Γεωργιάδου`, `Σφακιανάκης`; `Приймак`, `Сомко`, and the
/// Greek masculine and genitive endings, which most Greek surnames have): read only for
/// the other words of a value that also holds a known name.
const SURNAME_ENDS: &[&str] = &[
    "ов", "ев", "ёв", "ин", "ын", "ова", "ева", "ёва", "ина", "ына", "ский", "ская", "цкий", "цкая", "енко", "ук", "юк", "ський", "ська",
    "цький", "цька", "ів", "їв", "ович", "евич", "ич", "όπουλος", "οπούλου", "ίδης", "ίδου", "άδης", "άδου", "άκης", "άκη", "ούδης", "ούδη",
    "ίου", "άτος", "έας", "ιάς", "ко", "ак", "як", "ець", "ій", "ий", "ης", "ής", "ας", "άς", "ος", "ός", "ου", "ού",
];

/// Whether `w` ends with `end` after at least `stem` more characters.
fn ends_with_stem(w: &str, end: &str, stem: usize) -> bool {
    w.ends_with(end) && w[..w.len() - end.len()].chars().count() >= stem
}

/// Last characters of Han and Hangul values that name places, not people (路 road, 街
/// street, 市 city, 县 county, 村 village; 시 city, 구 district, 동 neighbourhood, 로 road,
/// ...): `李路`, `张村` and `강남구` begin with a surname too.
const CJK_PLACE_ENDS: &[char] = &[
    '路', '街', '道', '巷', '弄', '市', '县', '縣', '区', '區', '省', '镇', '鎮', '村', '乡', '鄉', '州', '站', '桥', '橋', '园', '園', '楼', '樓', '号', '號',
    '厂', '廠', '店', '院', '馆', '館', '局', '部', '处', '處', '司', '시', '군', '구', '동', '읍', '면', '리', '로', '길', '도', '역', '점',
];

/// Han characters (Chinese names) and Hangul syllables (Korean names).
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}' | '\u{AC00}'..='\u{D7A3}')
}

/// Han characters and the iteration mark 々 (佐々木), as Japanese names write them.
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}' | '々')
}

/// Hiragana and katakana, with the prolonged sound mark ー and the iteration marks.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FE}')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FE}')
}

/// Scratch space reused across values so matching does not allocate per value.
#[derive(Default)]
pub struct DictScratch {
    tokens: Vec<Token>,
    /// A value of Arabic script, normalised for lookup (`arabic_name`).
    arabic: String,
}

#[cfg(test)]
mod tests {
    use super::LoneName;
    use crate::classify::{Engine, Scratch};

    fn lone(engine: &Engine, v: &str) -> Option<LoneName> {
        engine.lone_name(v, &mut Scratch::default())
    }

    /// Japanese names are read surname first, with or without a space; known when the
    /// surname is in `surnames/ja.txt` (or its reading in `ja_kana.txt`) and the given
    /// name ends as given names do or is kana.
    #[test]
    fn japanese_names_are_read_surname_first() {
        let engine = Engine::builtin().expect("built-in rules load");
        let known = |v: &str| lone(&engine, v).is_some_and(|n| n.surname && n.cjk);
        for v in ["佐藤 直子", "佐藤直子", "佐藤\u{3000}直子", "佐藤 さくら", "佐藤さくら", "サトウ ナオコ", "佐々木", "長谷川由美子", "林和也", "宇佐見 伸幸", "奥山 まゆみ", "サトウ"] {
            assert!(known(v), "{v}: {:?}", lone(&engine, v));
        }
        // Place names, companies, words: a surname followed by no given name, a one-character
        // surname before a short word, loanwords that begin with a reading, katakana after
        // an unknown kanji word.
        for v in ["中野区", "長野県", "千葉市", "東京都", "株式会社藤田情報", "佐藤商店", "関係", "森林", "原因", "西洋", "関わる", "セキュリティ", "ハラスメント", "抹茶 ラテ", "山田 商店"] {
            assert!(!known(v), "{v}: {:?}", lone(&engine, v));
        }
        let first = |v: &str| lone(&engine, v).is_some_and(|n| n.first);
        for v in ["直子", "翔太", "美加子", "晃", "くみ子"] {
            assert!(first(v), "{v}");
        }
        for v in ["会議", "東京", "さくら", "ナオコ"] {
            assert!(!first(v), "{v}");
        }
        // Values with other characters never reach the Japanese reading.
        assert!(lone(&engine, "佐藤 Naoko").is_none_or(|n| !n.cjk && !n.surname));
        assert_eq!(lone(&engine, "佐藤　Naoko"), None);
        assert_eq!(lone(&engine, "佐藤1"), None);
    }

    /// The street (with its number) that the built-in rules find in `v`, if any.
    fn street(engine: &Engine, v: &str) -> Option<String> {
        let mut hits = Vec::new();
        engine.scan_value(v, &engine.column_context("notes"), &mut Scratch::default(), &mut hits);
        hits.iter().find(|h| engine.rules()[h.rule as usize].label == "pii.street_address").map(|h| v[h.start..h.end].to_owned())
    }

    /// Street types of the Nordic, Baltic, Slavic, Hungarian, Turkish, Greek and
    /// Azerbaijani addresses: after the name in any case with the number on either side,
    /// before it (also Cyrillic and Greek, abbreviated with a dot), and compounds with the
    /// number first. A street's name without a number, and words that merely end like a
    /// street type, are not addresses.
    #[test]
    fn streets_of_more_languages() {
        let engine = Engine::builtin().expect("built-in rules load");
        for v in [
            "Panoráma utca 488",
            "Váci u. 12, 1052 Budapest",
            "Andrássy út 5",
            "Damla Caddesi 488",
            "Atatürk Cad. 12/3",
            "Ediz Sokağı 758",
            "488 Suur-Karja põik",
            "268 Mõõna tee põik",
            "Pärnu mnt 10, 10141 Tallinn",
            "Rímska ulica 488",
            "náměstí Míru 5",
            "Ulica Limunska 758",
            "Slovenska cesta 2, 1000 Ljubljana",
            "ул. Феодосийская 758",
            "Аллея Тучковская 488",
            "пер. Сивцев Вражек 5",
            "Тверская улица, 12",
            "вул. Хрещатик 1",
            "көшесі Әнет Баба 758",
            "Λεωφ. Κηφισίας 5",
            "Οδός Ερμού 10",
            "1241 Adil Məmmədov Küçəsi",
            "488 Østervej",
            "Vesterbrogade 12, 1620 København V",
            "Furudalsvägen 488",
            "Myllymäenkatu 1237",
            "Aleksanterinkatu 5",
            "Laugavegur 22",
            "Drammensveien 1",
            "488 Schoytestraat",
        ] {
            assert!(street(&engine, v).is_some(), "{v}: no street");
        }
        assert_eq!(street(&engine, "Ship to Panoráma utca 488, 1031 Budapest").as_deref(), Some("Panoráma utca 488, 1031 Budapest"));
        for v in [
            "Panoráma utca",
            "Damla Caddesi",
            "Аллея Тучковская",
            "Furudalsvägen",
            "5 Springs",
            "954 Spring",
            "309 During the call",
            "Please put 5 items",
            "Boarding gate 12",
            "Cesta Navideña 25",
            "Cutie 3 of 5",
            "Mixed veg 5",
        ] {
            assert_eq!(street(&engine, v), None, "{v}");
        }
    }

    /// Cyrillic and Greek values: lone names looked up as written or title-cased, whole
    /// names read from a known name and a patronymic or surname-shaped word.
    #[test]
    fn cyrillic_and_greek_names_are_read_whole() {
        let engine = Engine::builtin().expect("built-in rules load");
        let whole = |v: &str| lone(&engine, v).is_some_and(|n| n.full || n.surname);
        for v in ["Роман Касимов", "Иванов Иван Иванович", "Анна Сергеевна Петрова", "ИВАНОВ Иван Петрович", "Олена Шевченко", "Μάρκος Βικελίδης", "Μαρία Παπαδοπούλου", "Смирнова", "Γεωργιάδης", "Ковальчук"] {
            assert!(whole(v), "{v}: {:?}", lone(&engine, v));
        }
        let first = |v: &str| lone(&engine, v).is_some_and(|n| n.first);
        for v in ["Валентин", "Тихон", "Петрович", "Ивановна", "Андріївна", "Μίλτος", "Ελένη"] {
            assert!(first(v), "{v}: {:?}", lone(&engine, v));
        }
        // Streets, companies, places, words: lower-case words and punctuation are no lone
        // names; capitalised words and places are neither known names nor whole names.
        for v in ["улица Ленина", "ООО «Ромашка»", "Москва", "Санкт-Петербург", "Нижний Новгород", "Беспалова Лимитед", "Рівна", "Вера", "Надежда", "Любовь", "Мир", "Αθήνα", "Θεσσαλονίκη", "Ελευθερία", "Πλατεία Συντάγματος", "Νότια Αφρική", "Главный Инженер"] {
            let n = lone(&engine, v);
            assert!(n.is_none_or(|n| !n.full && !n.surname && !n.first), "{v}: {n:?}");
        }
    }
}
