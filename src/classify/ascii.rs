//! The ASCII fast path of a pattern: a fully built (dense) DFA of the pattern with every
//! class cut down to ASCII, for windows whose bytes, and the byte on each side, are ASCII.
//!
//! Most windows the engine searches are short and ASCII: a digit run in a log line, an IP
//! address, a timestamp. The meta regex's lazy DFA spends more on each search's set-up and
//! its state cache than on the bytes, and its Unicode classes (`\w`, `\d`, `\p{L}`) keep
//! that cache large. On ASCII text a pattern whose classes are intersected with ASCII, and
//! whose Unicode word boundaries are ASCII ones, matches exactly where the original does;
//! such a pattern also compiles into a dense DFA that is small (a few KiB to a few hundred)
//! and searches with one table load per byte and no cache at all.
//!
//! The DFA is built the first time its pattern is searched on ASCII (0.1-3 ms), so a rule
//! that never runs costs nothing; the engine gives one only to rules woken by digit runs
//! and tokens. A pattern whose DFA would pass `SIZE_LIMIT` (long bounded repetitions of
//! wide classes) keeps the meta regex; so does any search the DFA gives up on.

use std::sync::OnceLock;

use regex_automata::dfa::dense::{self, DFA};
use regex_automata::dfa::regex::Regex;
use regex_automata::dfa::StartKind;
use regex_automata::nfa::thompson;
use regex_automata::util::prefilter::Prefilter;
use regex_automata::{Input, Match, MatchKind};
use regex_syntax::hir::{Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look, Repetition};

/// Largest DFA (each direction) and determinization memory for one pattern. Building gives
/// up early past it; the patterns that do are literal-triggered secrets, which the meta
/// regex's prefilters serve well.
const SIZE_LIMIT: usize = 512 << 10;

/// A pattern's ASCII DFA, built on first use.
pub struct AsciiDfa {
    hir: Hir,
    /// The pattern cannot match ASCII text at all (it needs `°`, say): no DFA to run.
    never: bool,
    dfa: OnceLock<Option<Regex<DFA<Vec<u32>>>>>,
}

impl AsciiDfa {
    /// The ASCII restriction of a pattern parsed into `hir` (not built yet).
    pub fn new(hir: &Hir) -> AsciiDfa {
        let hir = ascii(hir);
        AsciiDfa { never: hir.properties().minimum_len().is_none(), hir, dfa: OnceLock::new() }
    }

    /// The leftmost-first match in `input`, or `None` when this path cannot answer (the
    /// DFA is too big, or gave up): then the caller asks the meta regex. Only for inputs
    /// whose searched bytes and the byte on each side of them are ASCII.
    #[inline]
    pub fn search(&self, input: &Input<'_>) -> Option<Option<Match>> {
        if self.never {
            return Some(None);
        }
        self.dfa.get_or_init(|| build(&self.hir)).as_ref()?.try_search(input).ok()
    }
}

fn build(hir: &Hir) -> Option<Regex<DFA<Vec<u32>>>> {
    let nfa = |reverse: bool| {
        thompson::Compiler::new()
            .configure(thompson::Config::new().reverse(reverse).which_captures(thompson::WhichCaptures::None))
            .build_from_hir(hir)
            .ok()
    };
    let limits = dense::Config::new().dfa_size_limit(Some(SIZE_LIMIT)).determinize_size_limit(Some(SIZE_LIMIT));
    // A pattern that starts with a literal (`lat`, `"coordinates"`) skips to it with
    // memchr or Teddy instead of stepping the DFA over every byte.
    let prefilter = Prefilter::from_hir_prefix(MatchKind::LeftmostFirst, hir).filter(Prefilter::is_fast);
    let forward = dense::Builder::new().configure(limits.clone().prefilter(prefilter)).build_from_nfa(&nfa(false)?).ok()?;
    // The reverse DFA finds where a match starts, from its end: anchored, all matches.
    let reverse = dense::Builder::new()
        .configure(
            limits
                .prefilter(None)
                .specialize_start_states(false)
                .start_kind(StartKind::Anchored)
                .match_kind(MatchKind::All),
        )
        .build_from_nfa(&nfa(true)?)
        .ok()?;
    Some(Regex::builder().build_from_dfas(forward, reverse))
}

/// `hir` with every class intersected with ASCII, non-ASCII literals impossible and
/// Unicode word boundaries made ASCII: the same matches on ASCII text.
fn ascii(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) if l.0.is_ascii() => Hir::literal(l.0.clone()),
        HirKind::Literal(_) => Hir::fail(),
        HirKind::Class(Class::Unicode(c)) => {
            let mut c = c.clone();
            c.intersect(&ClassUnicode::new([ClassUnicodeRange::new('\0', '\x7f')]));
            Hir::class(Class::Unicode(c))
        }
        HirKind::Class(Class::Bytes(c)) => {
            let mut c = c.clone();
            c.intersect(&ClassBytes::new([ClassBytesRange::new(0, 0x7f)]));
            Hir::class(Class::Bytes(c))
        }
        HirKind::Look(look) => Hir::look(match *look {
            Look::WordUnicode => Look::WordAscii,
            Look::WordUnicodeNegate => Look::WordAsciiNegate,
            Look::WordStartUnicode => Look::WordStartAscii,
            Look::WordEndUnicode => Look::WordEndAscii,
            Look::WordStartHalfUnicode => Look::WordStartHalfAscii,
            Look::WordEndHalfUnicode => Look::WordEndHalfAscii,
            other => other,
        }),
        HirKind::Repetition(r) => Hir::repetition(Repetition { sub: Box::new(ascii(&r.sub)), ..r.clone() }),
        HirKind::Capture(c) => Hir::capture(Capture { sub: Box::new(ascii(&c.sub)), ..c.clone() }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(ascii).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(ascii).collect()),
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use regex_automata::meta::Regex as Meta;
    use regex_automata::Input;

    use super::AsciiDfa;
    use crate::classify::loader::load_rules;
    use crate::classify::RuleSource;

    /// On ASCII text every built-in pattern's DFA (where it builds) finds what the meta
    /// regex finds, in whole haystacks and in windows of them.
    #[test]
    fn ascii_dfas_match_the_meta_regex_on_ascii_text() {
        let syntax = regex_automata::util::syntax::Config::new().unicode(true);
        let rules = load_rules(&RuleSource::Builtin).expect("built-in rules");
        let mut rng = StdRng::seed_from_u64(11);
        // Haystacks from the rules' own examples, mutated, plus random ASCII soup.
        let alphabet = b"0123456789abcdefxyzABCDEFXYZ .-/:@+=_()[]{}\"',;\n\t";
        let mut built = 0;
        for (path, rule) in &rules {
            for p in &rule.patterns {
                let meta = Meta::builder().syntax(syntax).build(p).expect("pattern compiles");
                let dfa = AsciiDfa::new(&regex_automata::util::syntax::parse_with(p, &syntax).expect("pattern parses"));
                let mut hays: Vec<String> = rule.examples.iter().chain(&rule.negative_examples).filter(|e| e.is_ascii()).cloned().collect();
                for e in hays.clone() {
                    for _ in 0..20 {
                        let mut b = e.clone().into_bytes();
                        let i = rng.random_range(0..=b.len());
                        b.insert(i, alphabet[rng.random_range(0..alphabet.len())]);
                        hays.push(String::from_utf8(b).expect("ASCII"));
                    }
                }
                for _ in 0..200 {
                    let len = rng.random_range(0..60);
                    hays.push((0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect());
                }
                for h in &hays {
                    for (s, e) in [(0, h.len()), (h.len() / 3, h.len()), (0, h.len() * 2 / 3)] {
                        let input = Input::new(h).range(s..e);
                        let Some(got) = dfa.search(&input) else { continue };
                        built += 1;
                        assert_eq!(got, meta.search(&input), "{path}: {p} on {h:?} [{s}..{e})");
                    }
                }
            }
        }
        assert!(built > 10_000, "too few DFA searches ran: {built}");
    }
}
