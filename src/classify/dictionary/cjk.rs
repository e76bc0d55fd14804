//! Chinese, Korean and Japanese names, written surname first and often without a space.
//!
//! They are found by their first characters (a known surname) and, for Japanese, their
//! last (a given-name ending), never by tokens; only values made entirely of Han
//! characters, Hangul and kana reach these checks.

use super::{Dictionaries, LoneName};

impl Dictionaries {
    /// A Chinese or Korean name: two to four Han characters or Hangul syllables, surname
    /// first and no space (王秀英, 歐陽娜娜, 김민준, 남궁민수). Known when a surname of one or
    /// two characters begins it and a given name follows, and the value does not end with
    /// a character that names a place.
    pub(super) fn cjk_name(&self, text: &str) -> Option<LoneName> {
        let n = text.chars().count();
        if !(2..=4).contains(&n) {
            return None;
        }
        let place = text.chars().next_back().is_some_and(|c| CJK_PLACE_ENDS.contains(&c));
        // Byte ends of the first one and two characters (the second only when a character follows).
        let surname = !place && text.char_indices().skip(1).take(2).any(|(end, _)| self.surnames.contains_span(text, 0, end));
        Some(LoneName { first: false, surname, cjk: true, full: false, arabic: false, shaped: false })
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
    pub(super) fn japanese_name(&self, text: &str) -> Option<LoneName> {
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
        Some(LoneName { first, surname, cjk: true, full: false, arabic: false, shaped: false })
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
}

/// Last characters of Han and Hangul values that name places, not people (路 road, 街
/// street, 市 city, 县 county, 村 village; 시 city, 구 district, 동 neighbourhood, 로 road,
/// ...): `李路`, `张村` and `강남구` begin with a surname too.
const CJK_PLACE_ENDS: &[char] = &[
    '路', '街', '道', '巷', '弄', '市', '县', '縣', '区', '區', '省', '镇', '鎮', '村', '乡', '鄉', '州', '站', '桥', '橋', '园', '園', '楼', '樓', '号', '號',
    '厂', '廠', '店', '院', '馆', '館', '局', '部', '处', '處', '司', '시', '군', '구', '동', '읍', '면', '리', '로', '길', '도', '역', '점',
];

/// Han characters (Chinese names) and Hangul syllables (Korean names).
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}' | '\u{AC00}'..='\u{D7A3}')
}

/// Hangul syllables (가–힣).
pub(super) fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}')
}

/// Han characters and the iteration mark 々 (佐々木), as Japanese names write them.
pub(super) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2A6DF}' | '々')
}

/// Hiragana and katakana, with the prolonged sound mark ー and the iteration marks.
fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FE}')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FE}')
}

#[cfg(test)]
mod tests {
    use crate::classify::dictionary::lone;
    use crate::classify::Engine;

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
}
