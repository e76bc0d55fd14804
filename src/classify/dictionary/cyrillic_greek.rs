//! Person names in Cyrillic and Greek script, read whole.
//!
//! Values that begin with a Cyrillic or Greek letter are read as whole names of two or
//! three words (`LoneName::full`: a known given name or surname with a patronymic, `Иван
//! Петрович`, or a word shaped like a surname of those languages, `Роман Касимов`, `Μάρκος
//! Βικελίδης`), since the per-value gate before `find_names` counts ASCII capitals only;
//! upper-case Cyrillic words (`ИВАНОВ`) are looked up title-cased.

use super::{Dictionaries, LoneName, Token};

impl Dictionaries {
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
    pub(super) fn slavic_greek_name(&self, text: &str, toks: &[Token]) -> Option<LoneName> {
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
        let one = toks.len() == 1 && !surname && !first && self.surname_shaped(&text[toks[0].start..toks[0].end]);
        Some(LoneName { first, surname, full, shaped: one, ..LoneName::default() })
    }
}

/// Cyrillic (with its supplement) and Greek letters, monotonic and polytonic.
pub(super) fn is_cyrillic_or_greek(c: char) -> bool {
    matches!(c, '\u{0370}'..='\u{03FF}' | '\u{0400}'..='\u{052F}' | '\u{1F00}'..='\u{1FFF}')
}

/// Endings of Russian, Belarusian and Ukrainian patronymics: `Петрович`, `Сергеевич`,
/// `Ильич`, `Ивановна`, `Сергеевна`, `Никитична`, `Ильинична`, `Петрівна`, `Андріївна`.
const PATRONYMIC_ENDS: &[&str] = &["ович", "евич", "ёвич", "овна", "евна", "ёвна", "ьич", "итична", "инична", "івна", "ївна"];

/// Whether `w` is shaped like a patronymic: one of `PATRONYMIC_ENDS` after at least two
/// more letters (`Рівна`, a word, has one).
pub(super) fn is_patronymic(w: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use crate::classify::dictionary::lone;
    use crate::classify::Engine;

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
