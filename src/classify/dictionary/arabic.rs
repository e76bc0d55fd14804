//! Person names in Arabic script (Arabic and Persian: `first_names/ar.txt`, `fa.txt`,
//! `surnames/ar.txt`, `fa.txt`).
//!
//! Arabic script has no capital letters, so the shape test of the Latin path (one to
//! three capitalised words) cannot say that a value looks like a name. A value here is
//! name-shaped when it is one to three words of Arabic letters, no digits and no other
//! script; whether the column holds names is left to the share of values the lists know
//! (`verdict`, `LONE_ARABIC_SHARE`), as for Chinese, Korean and Japanese.
//!
//! The same name is written in several ways: with or without hamza (أحمد, احمد), with
//! ى or ي at the end, ة or ه (فاطمة, فاطمه), with Persian ی and ک or Arabic ي and ك,
//! with short vowels, tatweel or a zero-width non-joiner (علی‌رضا), and compounds of
//! عبد and ... الدين with or without the space (عبد الله, عبدالله). Values and entries are
//! both normalised to one form (`normalise`) before lookup, so the lists hold each name
//! once. Only values whose first character is an Arabic letter get here: the rest of
//! the engine pays one character test per value.

use super::{Dictionaries, LoneName, WordList};

/// Words that stand before a family name or join the parts of one (normalised): آل / ال
/// (the family of: `ال القاسمي`, `آل ثاني`), بن / ابن / بنت (son, daughter of: `بن علي`).
const PARTICLES: &[&str] = &["ال", "بن", "ابن", "بنت"];

/// Titles that begin streets and places named after someone more often than people's
/// names in data (normalised): `الشيخ زايد`, `الملك عبد الله`, `شهيد بهشتی`, `آیت الله
/// طالقانی`, `دکتر مفتح`. A value that begins with one is not a lone name.
const NOT_NAME_HEADS: &[&str] = &[
    "الشيخ", "شيخ", "الملك", "ملك", "الامير", "الامام", "امام", "شهيد", "الشهيد", "دكتر", "دكتور", "استاد", "ايت", "ايه", "حجت", "سردار",
];

/// Words of streets, places and companies (normalised): a value that holds one anywhere
/// is not a person's name (`شارع الملك فهد`, `نازنین خیابان`, `معین میدان`: Persian writes
/// the street type before or after the name).
const PLACE_WORDS: &[&str] = &[
    "شارع", "طريق", "ساحه", "ميدان", "خيابان", "كوچه", "بلوار", "بزرگراه", "اتوبان", "جاده", "حي", "مدينه", "شهر", "شركه", "مجموعه", "بنك", "بانك",
    "مسجد", "مدرسه", "جامعه", "دانشگاه", "بيمارستان", "مستشفي", "پارك", "حديقه", "كورنيش", "برج", "سوق", "بازار",
];

/// Titles before a person's name (normalised): `السيد`, `المهندسة`, `الدكتور`. Skipped
/// at the start of a value: `السيد معز شاهين` is read as `معز شاهين`.
const TITLES: &[&str] = &["السيد", "السيده", "المهندس", "المهندسه", "الدكتور", "الدكتوره", "الاستاذ", "الاستاذه", "الحاج", "الحاجه"];

/// Second words that join the word before them into one given name: نور الدين,
/// زين العابدين, عبد الله's كلثوم and الهدى compounds (normalised).
const JOIN_AFTER: &[&str] = &["الدين", "العابدين", "الله", "اله", "الهدي", "الزهراء", "كلثوم"];
/// First words that join the word after them: عبد الرحمن, أبو بكر, أم كلثوم (normalised).
const JOIN_BEFORE: &[&str] = &["عبد", "ابو", "ام"];

/// Letters of the Arabic script (Arabic, Persian, Urdu), without digits, punctuation and
/// the combining vowel marks.
pub(super) fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06D5}' | '\u{06EE}'..='\u{06EF}' | '\u{06FA}'..='\u{06FC}' | '\u{06FF}')
}

/// Marks left out of the normalised form: short vowels and other combining marks,
/// superscript alef, tatweel, the zero-width (non-)joiner and the right-to-left mark.
fn ignorable(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{0640}' | '\u{200C}' | '\u{200D}' | '\u{200E}' | '\u{200F}')
}

/// One form of the letters that names are written with in several ways.
fn fold(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' | 'ی' | 'ې' => 'ي',
        'ة' | 'ۀ' | 'ە' => 'ه',
        'ک' => 'ك',
        _ => c,
    }
}

/// Writes the normalised form of `text` into `out`: letters folded (`fold`), marks left
/// out, words separated by one space, and the compounds of `JOIN_BEFORE` / `JOIN_AFTER`
/// written as one word. `false` when `text` holds anything but Arabic letters, marks and
/// spaces, or more than six words.
pub(super) fn normalise(text: &str, out: &mut String) -> bool {
    out.clear();
    for c in text.chars() {
        if c == ' ' || c == '\u{00A0}' {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else if is_arabic_letter(c) {
            out.push(fold(c));
        } else if !ignorable(c) {
            return false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    if !out.contains(' ') {
        return !out.is_empty();
    }
    // Join compounds: the joined form is appended after the spaced one, which is then
    // dropped (no allocation once the buffer has grown).
    let spaced = out.len();
    let mut words = [(0usize, 0usize); 6];
    let mut n = 0;
    let mut start = 0;
    for (i, b) in out.bytes().enumerate().chain(std::iter::once((spaced, b' '))) {
        if b == b' ' {
            if n == words.len() {
                return false;
            }
            words[n] = (start, i);
            n += 1;
            start = i + 1;
        }
    }
    for k in 0..n {
        let (a, b) = words[k];
        let w = &out[a..b];
        if k > 0 {
            let prev = &out[words[k - 1].0..words[k - 1].1];
            let glued = JOIN_AFTER.contains(&w) || JOIN_BEFORE.contains(&prev);
            if !glued {
                out.push(' ');
            }
        }
        out.extend_from_within(a..b);
    }
    out.drain(..spaced);
    true
}

/// Normalised entries of the Arabic-script name files, for `WordList::new`.
pub(crate) fn normalised_entries<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut buf = String::new();
    let mut out = Vec::new();
    for l in lines {
        if normalise(l, &mut buf) {
            out.push(buf.clone());
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl Dictionaries {
    /// A value in Arabic script as one lone name: one to three words of Arabic letters
    /// (with particles: `ال القاسمي`, `بن علي`), none of them a single letter, not
    /// beginning with a title or a place word (`NOT_NAME_HEADS`). `first`: every word is
    /// a known given name. `surname`: the value is a known family name (the last word,
    /// with the particle before it or without), or a known given name followed by a known
    /// given or family name (`زيد ال القاسمي`, `محمد احمد`), or a known given name
    /// followed by any family name (`سلمى الكيالي`). A leading title is skipped.
    pub(super) fn arabic_name(&self, text: &str, buf: &mut String) -> Option<LoneName> {
        if text.len() > 96 || !normalise(text, buf) {
            return None;
        }
        let mut t = buf.as_str();
        if let Some((head, rest)) = t.split_once(' ') {
            if TITLES.contains(&head) {
                t = rest;
            }
        }
        // (start, end, particle) of each word.
        let mut words = [(0usize, 0usize, false); 4];
        let mut n = 0;
        let mut start = 0;
        for w in t.split(' ') {
            if n == words.len() {
                return None;
            }
            if PLACE_WORDS.contains(&w) {
                return None;
            }
            let particle = PARTICLES.contains(&w);
            if !particle && w.chars().nth(1).is_none() {
                return None;
            }
            words[n] = (start, start + w.len(), particle);
            n += 1;
            start += w.len() + 1;
        }
        let words = &words[..n];
        let names = words.iter().filter(|w| !w.2).count();
        if !(1..=3).contains(&names) || words[n - 1].2 || NOT_NAME_HEADS.contains(&&t[..words[0].1]) {
            return None;
        }
        let given = |k: usize| !words[k].2 && self.arabic_first.contains_span(t, words[k].0, words[k].1);
        // A family name, alone or with the particle before it (`ال المنصوري`, `بن علي`).
        let family = |k: usize| {
            let known = |list: &WordList| list.contains_span(t, words[k].0, words[k].1) || (k > 0 && words[k - 1].2 && list.contains_span(t, words[k - 1].0, words[k].1));
            known(&self.arabic_surnames)
        };
        let last = n - 1;
        let first = words.iter().all(|w| !w.2) && (0..n).all(given);
        let surname = if names == 1 {
            family(last)
        } else {
            self.arabic_surnames.contains_span(t, 0, t.len()) || given(0)
        };
        Some(LoneName { first, surname, cjk: false, full: false, arabic: true, shaped: false })
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    fn norm(s: &str) -> String {
        let mut out = String::new();
        assert!(normalise(s, &mut out), "{s}");
        out
    }

    #[test]
    fn variants_of_one_name_normalise_alike() {
        assert_eq!(norm("أحمد"), norm("احمد"));
        assert_eq!(norm("فاطمة"), norm("فاطمه"));
        assert_eq!(norm("علی"), norm("علي"));
        assert_eq!(norm("علی‌رضا"), norm("عليرضا"));
        assert_eq!(norm("عبد الله"), norm("عبدالله"));
        assert_eq!(norm("نور الدين"), norm("نورالدين"));
        assert_eq!(norm("مُحَمَّد"), norm("محمد"));
        assert_eq!(norm("  زيد   ال  القاسمي "), "زيد ال القاسمي");
        assert_eq!(norm("عبد الرحمن بن علي"), "عبدالرحمن بن علي");
        let mut out = String::new();
        assert!(!normalise("محمد 12", &mut out));
        assert!(!normalise("محمد Ali", &mut out));
        assert!(!normalise("", &mut out));
    }
}
