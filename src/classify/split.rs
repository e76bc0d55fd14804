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

#[derive(Clone, Debug)]
enum Atom {
    /// `^`: the haystack's start.
    Start,
    /// `$`: the haystack's end.
    End,
    Lit(Vec<u8>),
    Class(CharSet),
}

/// A class of one character: ASCII by bitmap, the rest by binary search of its ranges.
#[derive(Clone, Debug)]
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

/// A pattern split around its `value` group.
#[derive(Debug)]
pub struct Split {
    prefix: Vec<Vec<Atom>>,
    suffix: Vec<Vec<Atom>>,
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
        Some(Split { prefix, suffix })
    }

    /// The `value` span of the match `[ms, me)` of `value`, when the split decides it.
    pub fn value_span(&self, hay: &str, ms: usize, me: usize) -> Option<(usize, usize)> {
        let vs = unique(self.prefix.iter().filter_map(|seq| forward(hay, ms, me, seq)))?;
        let ve = unique(self.suffix.iter().filter_map(|seq| backward(hay, ms, me, seq)))?;
        (vs <= ve).then_some((vs, ve))
    }
}

/// The one value of `it`, or None when it is empty or holds two different values.
fn unique(mut it: impl Iterator<Item = usize>) -> Option<usize> {
    let first = it.next()?;
    it.all(|x| x == first).then_some(first)
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

/// Where `seq` ends when matched from `ms` (staying within the match), if it matches.
fn forward(hay: &str, ms: usize, me: usize, seq: &[Atom]) -> Option<usize> {
    let mut p = ms;
    for a in seq {
        match a {
            Atom::Start => (p == 0).then_some(())?,
            Atom::End => (p == hay.len()).then_some(())?,
            Atom::Lit(l) => {
                (hay.as_bytes().get(p..p + l.len())? == &l[..]).then_some(())?;
                p += l.len();
            }
            Atom::Class(c) => p += class_has(c, hay, p, false)?,
        }
        if p > me {
            return None;
        }
    }
    Some(p)
}

/// Where `seq` starts when matched so as to end at `me` (staying within the match).
fn backward(hay: &str, ms: usize, me: usize, seq: &[Atom]) -> Option<usize> {
    let mut p = me;
    for a in seq.iter().rev() {
        match a {
            Atom::Start => (p == 0).then_some(())?,
            Atom::End => (p == hay.len()).then_some(())?,
            Atom::Lit(l) => {
                let s = p.checked_sub(l.len())?;
                (hay.as_bytes().get(s..p)? == &l[..]).then_some(())?;
                p = s;
            }
            Atom::Class(c) => p = p.checked_sub(class_has(c, hay, p, true)?)?,
        }
        if p < ms {
            return None;
        }
    }
    Some(p)
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
