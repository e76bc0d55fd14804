//! Street addresses: a street type (`Street`, `rue`, `Straße`, `utca`, glued suffixes like
//! `-straße`) next to a house number and a name, in the orders the languages of the lists
//! write them, then the postcode and locality that follow (`address_end`).

use super::{tokenize, DictHit, DictScratch, Dictionaries, Token, PARTICLES};

impl Dictionaries {
    pub(super) fn street_word(&self, text: &str, tok: &Token) -> bool {
        self.street_words.contains_span(text, tok.start, tok.end)
            || self.street_words.contains_span(text, tok.start, tok.end.saturating_sub(1)) && text[..tok.end].ends_with('.')
    }

    pub(super) fn compound_street(&self, text: &str, tok: &Token) -> bool {
        let w = &text[tok.start..tok.end];
        // Five characters at least: the byte length bounds the count from above.
        tok.cap && w.len() >= 5 && (w.is_ascii() || w.chars().count() >= 5) && self.street_suffixes.ends(w)
    }

    fn after_name_type(&self, text: &str, tok: &Token) -> bool {
        self.street_words_after_name.contains_span(text, tok.start, tok.end)
            || self.street_words_after_name.contains_span(text, tok.start, tok.end.saturating_sub(1)) && text[..tok.end].ends_with('.')
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

#[cfg(test)]
mod tests {
    use crate::classify::{Engine, Scratch};

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
}
