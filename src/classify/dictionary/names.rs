//! Person names in Latin script (and the whole-value readings of the other scripts'
//! modules, which `lone_name` dispatches to).
//!
//! Structure decides the verdict: a first name followed by a known surname (or preceded by
//! a title) is a strong hit; a first name followed by an unknown capitalised word is weak
//! and only counts in columns where such pairs are common. After an introduction (`my name
//! is`, `je m'appelle`, `intros.txt`) one capitalised word is a name. `lone_name` describes
//! a value that is one name-shaped word or three, for the column-level test of columns that
//! hold only first names or only surnames (`verdict`); values of Han characters, Hangul,
//! kana, Arabic, Cyrillic or Greek letters go to their own modules' readings.

use super::arabic::is_arabic_letter;
use super::cjk::is_cjk;
use super::cyrillic_greek::{is_cyrillic_or_greek, is_patronymic};
use super::{tokenize, DictHit, DictScratch, Dictionaries, Token};

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
    pub(super) fn is_first(&self, t: &str, tok: &Token) -> bool {
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

    pub(super) fn is_surname(&self, t: &str, tok: &Token) -> bool {
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

    pub(super) fn is_namey(&self, t: &str, tok: &Token) -> bool {
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
    pub(in crate::classify) fn introduced(&self, text: &str, start: usize) -> bool {
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
                (Some(zh), Some(ja)) => Some(LoneName { first: ja.first, surname: zh.surname || ja.surname, cjk: true, full: false, arabic: false, shaped: false }),
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
        let (mut words, mut first, mut surname, mut last) = (0, true, true, None);
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
            last = Some(t);
        }
        let last = last?;
        // Multi-word surnames are entries of their own (De Vries, Van den Berg).
        surname |= toks.len() > 1 && self.surnames.contains_span(text, 0, text.len());
        let shaped = !surname && words == 1 && self.surname_shaped(&text[last.start..last.end]);
        Some(LoneName { first, surname, shaped, ..LoneName::default() })
    }

    /// Whether the word `w` ends as family names do (`surname_endings.txt`: `Kovačić`,
    /// `Abrahamsen`, `Snorradóttir`, `Бабенко`) after a stem of three letters or more.
    pub(super) fn surname_shaped(&self, w: &str) -> bool {
        self.surname_ends.ends_after(w, 3)
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
    /// One word, no known surname, that ends as family names of some language do
    /// (`Dictionaries::surname_shaped`): `Kovačić`, `Snorradóttir`, `Бабенко`. The column
    /// test counts it like a known surname.
    pub shaped: bool,
}
