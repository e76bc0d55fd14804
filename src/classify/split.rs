//! The `value` span of a match without the capture engine.
//!
//! Most patterns are `prefix · (?P<value>…) · suffix` where the prefix and suffix are a
//! few short alternatives of fixed-width pieces: `(?:^|[^\w])`, `(?:[^\w.\-]|$|\.(?:\s|$))`.
//! Given the overall match `[ms, me)` (from the DFA, no captures), every way the prefix can
//! match `[ms, vs)` and the suffix `[ve, me)` is enumerated; the capture path takes one of
//! each, so when the prefix allows only one `vs` and the suffix only one `ve`, that is the
//! `value` span the capture engine would report. Otherwise (`None`) the caller runs the
//! capture engine as before.

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Most alternatives a prefix or suffix may expand to.
const MAX_SEQS: usize = 64;

#[derive(Clone, Debug, PartialEq)]
enum Atom {
    /// `^`: the haystack's start.
    Start,
    /// `$`: the haystack's end.
    End,
    Lit(Vec<u8>),
    Class(CharSet),
}

/// A class of one character: ASCII by bitmap, the rest by binary search of its ranges.
#[derive(Clone, Debug, PartialEq)]
struct CharSet {
    ascii: u128,
    /// Non-ASCII ranges, sorted (code points; bytes for a byte class).
    wide: Vec<(u32, u32)>,
    bytes: bool,
}

impl CharSet {
    fn new(c: &Class) -> CharSet {
        let (ranges, bytes): (Vec<(u32, u32)>, bool) = match c {
            Class::Unicode(u) => (u.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(), false),
            Class::Bytes(b) => (b.ranges().iter().map(|r| (r.start() as u32, r.end() as u32)).collect(), true),
        };
        let mut ascii = 0u128;
        let mut wide = Vec::new();
        for (a, b) in ranges {
            for x in a..=b.min(127) {
                ascii |= 1 << x;
            }
            if b >= 128 {
                wide.push((a.max(128), b));
            }
        }
        CharSet { ascii, wide, bytes }
    }

    fn has(&self, x: u32) -> bool {
        if x < 128 {
            return self.ascii >> x & 1 != 0;
        }
        let i = self.wide.partition_point(|&(_, end)| end < x);
        i < self.wide.len() && self.wide[i].0 <= x
    }
}

/// A pattern split around its `value` group: the prefix's ways to match as a trie read
/// forwards from the match start, the suffix's as a trie read backwards from its end.
/// Alternatives share their common atoms (`(?:x\d{1,6})?(?:[^\w.]|$|\.(?:\s|$))` is 28
/// sequences that all end in one of four tails), so a failing tail is tested once.
#[derive(Debug)]
pub struct Split {
    prefix: Trie,
    suffix: Trie,
}

impl Split {
    /// Splits `hir` when it is a concatenation with the `value` group at the top level and
    /// fixed-width, finitely many ways to match before and after it.
    pub fn new(hir: &Hir) -> Option<Split> {
        let parts: Vec<&Hir> = match hir.kind() {
            HirKind::Concat(hs) => hs.iter().collect(),
            _ => vec![hir],
        };
        let at = parts.iter().position(|h| matches!(h.kind(), HirKind::Capture(c) if c.name.as_deref() == Some("value")))?;
        let prefix = expand_concat(&parts[..at])?;
        let suffix = expand_concat(&parts[at + 1..])?;
        Some(Split { prefix: Trie::new(prefix.iter().map(|s| s.iter())), suffix: Trie::new(suffix.iter().map(|s| s.iter().rev())) })
    }

    /// The `value` span of the match `[ms, me)` of `value`, when the split decides it.
    pub fn value_span(&self, hay: &str, ms: usize, me: usize) -> Option<(usize, usize)> {
        let vs = self.prefix.unique_end(hay, ms, me, false)?;
        let ve = self.suffix.unique_end(hay, ms, me, true)?;
        (vs <= ve).then_some((vs, ve))
    }
}

/// Sequences of atoms with shared beginnings (for the suffix, shared endings: its
/// sequences are inserted reversed).
#[derive(Debug)]
struct Trie {
    /// Node 0 is the root and has no atom.
    nodes: Vec<Node>,
}

#[derive(Debug)]
struct Node {
    atom: Option<Atom>,
    kids: Vec<u32>,
    /// A sequence ends here.
    end: bool,
}

impl Trie {
    fn new<'a, I: Iterator<Item = &'a Atom>>(seqs: impl Iterator<Item = I>) -> Trie {
        let mut nodes = vec![Node { atom: None, kids: Vec::new(), end: false }];
        for seq in seqs {
            let mut cur = 0usize;
            for a in seq {
                let found = nodes[cur].kids.iter().copied().find(|&k| nodes[k as usize].atom.as_ref() == Some(a));
                cur = match found {
                    Some(k) => k as usize,
                    None => {
                        nodes.push(Node { atom: Some(a.clone()), kids: Vec::new(), end: false });
                        let k = nodes.len() - 1;
                        nodes[cur].kids.push(k as u32);
                        k
                    }
                };
            }
            nodes[cur].end = true;
        }
        Trie { nodes }
    }

    /// Where the sequences that match end (read forwards from `ms`, or backwards from `me`
    /// when `back`), staying within the match, when they all agree; None when none
    /// matches or two end in different places.
    fn unique_end(&self, hay: &str, ms: usize, me: usize, back: bool) -> Option<usize> {
        let mut found = Found::None;
        self.walk(0, if back { me } else { ms }, hay, ms, me, back, &mut found);
        match found {
            Found::At(p) => Some(p),
            Found::None | Found::Ambiguous => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(&self, n: u32, p: usize, hay: &str, ms: usize, me: usize, back: bool, found: &mut Found) {
        let node = &self.nodes[n as usize];
        if node.end {
            *found = match *found {
                Found::None => Found::At(p),
                Found::At(f) if f == p => Found::At(f),
                _ => Found::Ambiguous,
            };
        }
        for &k in &node.kids {
            if *found == Found::Ambiguous {
                return;
            }
            let atom = self.nodes[k as usize].atom.as_ref().expect("only the root has no atom");
            if let Some(q) = step(hay, ms, me, p, atom, back) {
                self.walk(k, q, hay, ms, me, back, found);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Found {
    None,
    At(usize),
    Ambiguous,
}

/// Reads one atom at `p` (forwards, or backwards when `back`), staying within `[ms, me]`.
#[inline]
fn step(hay: &str, ms: usize, me: usize, p: usize, a: &Atom, back: bool) -> Option<usize> {
    let q = match a {
        Atom::Start => (p == 0).then_some(p)?,
        Atom::End => (p == hay.len()).then_some(p)?,
        Atom::Lit(l) if back => {
            let s = p.checked_sub(l.len())?;
            (hay.as_bytes().get(s..p)? == &l[..]).then_some(s)?
        }
        Atom::Lit(l) => (hay.as_bytes().get(p..p + l.len())? == &l[..]).then_some(p + l.len())?,
        Atom::Class(c) if back => p.checked_sub(class_has(c, hay, p, true)?)?,
        Atom::Class(c) => p + class_has(c, hay, p, false)?,
    };
    (ms <= q && q <= me).then_some(q)
}

fn expand_concat(hs: &[&Hir]) -> Option<Vec<Vec<Atom>>> {
    let mut out: Vec<Vec<Atom>> = vec![Vec::new()];
    for h in hs {
        out = product(&out, &expand(h)?)?;
    }
    Some(out)
}

fn product(a: &[Vec<Atom>], b: &[Vec<Atom>]) -> Option<Vec<Vec<Atom>>> {
    if a.len() * b.len() > MAX_SEQS {
        return None;
    }
    Some(a.iter().flat_map(|x| b.iter().map(move |y| x.iter().chain(y).cloned().collect())).collect())
}

/// Every way `h` can match, as sequences of fixed-width atoms (None: not finite/fixed).
fn expand(h: &Hir) -> Option<Vec<Vec<Atom>>> {
    Some(match h.kind() {
        HirKind::Empty => vec![Vec::new()],
        HirKind::Literal(l) => vec![vec![Atom::Lit(l.0.to_vec())]],
        HirKind::Class(c) => vec![vec![Atom::Class(CharSet::new(c))]],
        HirKind::Look(Look::Start) => vec![vec![Atom::Start]],
        HirKind::Look(Look::End) => vec![vec![Atom::End]],
        HirKind::Look(_) => return None,
        HirKind::Repetition(r) => {
            let max = r.max?;
            if max > 8 {
                return None;
            }
            let sub = expand(&r.sub)?;
            let mut out = Vec::new();
            for k in r.min..=max {
                let mut seqs: Vec<Vec<Atom>> = vec![Vec::new()];
                for _ in 0..k {
                    seqs = product(&seqs, &sub)?;
                }
                out.extend(seqs);
            }
            out
        }
        HirKind::Concat(hs) => expand_concat(&hs.iter().collect::<Vec<_>>())?,
        HirKind::Alternation(hs) => {
            let mut out = Vec::new();
            for h in hs {
                out.extend(expand(h)?);
                if out.len() > MAX_SEQS {
                    return None;
                }
            }
            out
        }
        // A group other than `value` inside the prefix or suffix: leave it to captures.
        HirKind::Capture(_) => return None,
    })
}

/// The width of the character at `at` (or, `back`, before it) when `c` holds it.
fn class_has(c: &CharSet, hay: &str, at: usize, back: bool) -> Option<usize> {
    let b = hay.as_bytes();
    if c.bytes {
        let x = if back { *b.get(at.checked_sub(1)?)? } else { *b.get(at)? };
        return c.has(x as u32).then_some(1);
    }
    let x = if back { *b.get(at.checked_sub(1)?)? } else { *b.get(at)? };
    if x < 128 {
        return c.has(x as u32).then_some(1);
    }
    let ch = if back { hay.get(..at)?.chars().next_back()? } else { hay.get(at..)?.chars().next()? };
    c.has(ch as u32).then_some(ch.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::Split;
    use regex_automata::meta::Regex;
    use regex_automata::util::syntax;

    /// Wherever the split decides a span, it is the capture engine's span.
    #[test]
    fn split_span_is_the_capture_span() {
        let patterns = [
            r"(?:^|[^\w+])(?P<value>\+[1-9]\d{0,2}(?:[ .\-]?\(0\))?(?:[ .\-]?\(?\d{1,5}\)?){1,6})(?:x\d{1,5})?(?:[^\w]|$)",
            r"(?i)(?:^|mailto:|[^a-z0-9._%+\-:/])(?P<value>[a-z0-9][a-z0-9._%+\-]{0,63}@(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?:[^a-z0-9\-]|$)",
            r"(?:^|[^\w.\-/])(?P<value>\d{3}-\d{2}-\d{4}|\d{9})(?:[^\w.\-/]|$|\.(?:\s|$))",
            r"(?:^|[^\w])(?P<value>[0-9a-f]{4})(?:[^\w]|$)",
        ];
        let hays = [
            "+44 20 7946 0018", "call +1 (555) 010-9999x12.", "(+49 30 1234567)", "ï+33 1 23 45 67 89é",
            "john.doe@example.com", "mailto:a@b.co", "<x@y.org>", "é.x@y.org.", "123-45-6789", " 123456789.",
            "123456789. next", "(123-45-6789)", "beef", "-beef-", "ébeefé", "a beef", "+beef+",
        ];
        for p in patterns {
            let re = Regex::new(p).unwrap();
            let split = Split::new(&syntax::parse(p).unwrap()).expect("pattern splits");
            let g = re.group_info().to_index(regex_automata::PatternID::ZERO, "value").unwrap();
            let mut caps = re.create_captures();
            for h in hays {
                re.captures(h, &mut caps);
                let Some(m) = caps.get_match() else { continue };
                let want = caps.get_group(g).map(|s| (s.start, s.end));
                if let Some(got) = split.value_span(h, m.start(), m.end()) {
                    assert_eq!(Some(got), want, "{p} on {h:?}");
                }
            }
        }
    }
}
