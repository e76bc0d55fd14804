//! The `scan` report: the JSON contract of DESIGN.md and a table for people, and
//! `printable`, the one filter every user-controlled name passes through on its way to a
//! terminal or a log.
//!
//! Column, table, file and object names come from the data being scanned, so whoever wrote
//! the data chooses them: a column named `\x1b]0;…\x07` would retitle the reader's
//! terminal, and `\x1b[2J` or a bare `\r` would hide the lines printed before it. Names and
//! messages are therefore printed only through `printable`, which removes terminal escape
//! sequences and control characters rather than trying to recognise the harmful ones.

use std::borrow::Cow;
use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::classify::LabelVerdict;

/// A whole scan.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub scanned_at: String,
    pub columns: Vec<ColumnReport>,
    /// Files or columns that could not be (fully) scanned.
    #[serde(default)]
    pub errors: Vec<ScanError>,
}

/// One column of one source.
#[derive(Debug, Serialize, Deserialize)]
pub struct ColumnReport {
    pub source: String,
    pub column: String,
    pub rows_sampled: usize,
    pub non_null: usize,
    /// Rows swept for critical secrets beyond the sample (absent when none were).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rows_swept: Option<usize>,
    /// Why the column was not scanned (e.g. `bytea`); absent for scanned columns.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub not_scanned: Option<String>,
    /// Objects merged into this column (a registered source's current view; absent in
    /// a one-off scan, where every column is one object's).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub objects: Option<usize>,
    /// The column held binary values that are not UTF-8 text: they were scanned through
    /// their printable runs, for secrets only (absent otherwise; see
    /// `ColumnAccumulator::add_binary`).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub binary: bool,
    pub labels: Vec<LabelVerdict>,
}

/// Something that could not be scanned, named.
#[derive(Debug, Serialize, Deserialize)]
pub struct ScanError {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub column: Option<String>,
    pub error: String,
}

impl Report {
    /// Writes the report as pretty JSON.
    pub fn write_json(&self, mut w: impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut w, self)?;
        writeln!(w)
    }

    /// Writes the report as an aligned table: one line per column, labels inline.
    pub fn write_table(&self, mut w: impl Write) -> std::io::Result<()> {
        let srcw = self.columns.iter().map(|c| printable(&c.source).chars().count()).max().unwrap_or(6).clamp(6, 60);
        let colw = self.columns.iter().map(|c| printable(&c.column).chars().count()).max().unwrap_or(6).clamp(6, 32);
        writeln!(w, "{:srcw$}  {:colw$}  {:>7}  LABELS", "SOURCE", "COLUMN", "NONNULL")?;
        for c in &self.columns {
            let mut labels = if let Some(why) = &c.not_scanned {
                format!("(not scanned: {why})")
            } else if c.labels.is_empty() {
                "-".to_string()
            } else {
                c.labels
                    .iter()
                    .map(|l| format!("{} ({:.0}%, {}/{}, conf {:.2}) e.g. {}", l.label, l.match_rate * 100.0, l.matches, c.non_null, l.confidence, l.evidence.first().map_or("", String::as_str)))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            if c.binary {
                labels.push_str(" (binary: printable runs scanned for secrets)");
            }
            writeln!(w, "{:srcw$}  {:colw$}  {:>7}  {}", truncate(&printable(&c.source), srcw), truncate(&printable(&c.column), colw), c.non_null, printable(&labels))?;
        }
        let flagged = self.columns.iter().filter(|c| !c.labels.is_empty()).count();
        let scanned = self.columns.iter().filter(|c| c.not_scanned.is_none()).count();
        writeln!(w, "\n{} column(s) scanned, {} with findings, {} not scanned, {} error(s)", scanned, flagged, self.columns.len() - scanned, self.errors.len())?;
        for e in &self.errors {
            match &e.column {
                Some(c) => writeln!(w, "error: {} column {}: {}", printable(&e.source), printable(c), printable(&e.error))?,
                None => writeln!(w, "error: {}", printable(&e.error))?,
            }
        }
        Ok(())
    }
}

/// Merges the columns of several objects into one column per (dataset, column name):
/// rows and values add up, matches add up with the rate over all values, the confidence is
/// the highest, evidence is pooled. `dataset` names the dataset an object belongs to.
/// Output is ordered by dataset and column.
pub fn merge_objects(columns: Vec<ColumnReport>, dataset: impl Fn(&str) -> String) -> Vec<ColumnReport> {
    let mut merged: std::collections::BTreeMap<(String, String), ColumnReport> = std::collections::BTreeMap::new();
    for c in columns {
        let key = (dataset(&c.source), c.column.clone());
        let Some(m) = merged.get_mut(&key) else {
            let objects = Some(1);
            merged.insert(key.clone(), ColumnReport { source: key.0, objects, ..c });
            continue;
        };
        m.objects = Some(m.objects.unwrap_or(1) + 1);
        m.rows_sampled += c.rows_sampled;
        m.non_null += c.non_null;
        m.binary |= c.binary;
        m.rows_swept = match (m.rows_swept, c.rows_swept) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        // Not scanned only if no object's copy of it was.
        if c.not_scanned.is_none() {
            m.not_scanned = None;
        }
        for l in c.labels {
            match m.labels.iter_mut().find(|x| x.label == l.label) {
                Some(x) => {
                    x.matches += l.matches;
                    x.confidence = x.confidence.max(l.confidence);
                    for s in l.schemes {
                        if !x.schemes.contains(&s) {
                            x.schemes.push(s);
                        }
                    }
                    x.schemes.sort_unstable();
                    crate::classify::verdict::pool_fingerprints(&mut x.fingerprints, l.fingerprints);
                    crate::classify::verdict::pool_evidence(&mut x.evidence, l.evidence);
                }
                None => m.labels.push(l),
            }
        }
    }
    merged
        .into_values()
        .map(|mut c| {
            if c.objects != Some(1) {
                // Matches of swept rows may outnumber the sampled values; a rate stays a share.
                for l in &mut c.labels {
                    l.match_rate = (l.matches as f64 / c.non_null.max(1) as f64).min(1.0);
                }
            }
            c
        })
        .collect()
}

/// `text` made safe to print on a terminal or in a log line: terminal escape sequences
/// (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`, DCS/SOS/PM/APC strings, two-character escapes,
/// and their one-byte C1 forms) are removed whole, line breaks and tabs become spaces, and
/// every other control character and bidirectional-override mark is dropped. Text without
/// any of them is returned as is, without a copy.
///
/// Hand-written rather than a crate's stripper (`strip-ansi-escapes`) because that keeps
/// C0 controls such as `\r` and backspace, which rewrite a line just as well, and leaves
/// bidirectional overrides alone.
pub fn printable(text: &str) -> Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    // Skips a control string's body up to its terminator: BEL, ST (`ESC \\`) or C1 ST.
    fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
        while let Some(c) = chars.next() {
            match c {
                '\u{7}' | '\u{9c}' => return,
                '\u{1b}' => {
                    chars.next_if_eq(&'\\');
                    return;
                }
                _ => {}
            }
        }
    }
    // Skips a CSI's parameter and intermediate bytes and its final byte; stops early, keeping
    // the character, at anything a CSI cannot hold.
    fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
        while let Some(c) = chars.next_if(|c| (' '..='~').contains(c)) {
            if ('@'..='~').contains(&c) {
                return;
            }
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']' | 'P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars);
                }
                // nF escapes: intermediates, then one final byte (`ESC ( B`).
                Some(' '..='/') => {
                    while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                    chars.next_if(|c| ('0'..='~').contains(c));
                }
                // Two-character escapes (`ESC c` resets the terminal, `ESC 7` saves the cursor).
                Some('0'..='~') => {
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\r' | '\t' => out.push(' '),
            c if unsafe_char(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(object: &str, column: &str, non_null: usize, labels: &[(&str, usize, f64, &str)]) -> ColumnReport {
        ColumnReport {
            source: object.into(),
            column: column.into(),
            rows_sampled: non_null + 10,
            non_null,
            rows_swept: None,
            not_scanned: None,
            objects: None,
            binary: false,
            labels: labels
                .iter()
                .map(|&(label, matches, confidence, ev)| LabelVerdict { label: label.into(), confidence, matches, match_rate: matches as f64 / non_null as f64, evidence: vec![ev.into()], schemes: Vec::new(), fingerprints: Vec::new(), sample_part: None })
                .collect(),
        }
    }

    #[test]
    fn printable_strips_escape_sequences_and_control_characters() {
        let cases = [
            ("plain name", "plain name"),
            ("caf\u{e9} \u{540d}\u{524d}", "caf\u{e9} \u{540d}\u{524d}"),
            ("a\u{1b}]0;pwned\u{7}b", "ab"),
            ("a\u{1b}]8;;http://evil/\u{1b}\\link\u{1b}]8;;\u{1b}\\b", "alinkb"),
            ("\u{1b}[2J\u{1b}[1;1Hclean", "clean"),
            ("red\u{1b}[31;1mtext\u{1b}[0m", "redtext"),
            ("\u{1b}c\u{1b}(Bx\u{1b}7y", "xy"),
            ("\u{9b}31mc1\u{9d}0;t\u{9c}z", "c1z"),
            ("\u{1b}P1$r\u{1b}\\dcs", "dcs"),
            ("line1\nline2\r\tx", "line1 line2  x"),
            ("bell\u{7}back\u{8}del\u{7f}nul\u{0}", "bellbackdelnul"),
            ("abc\u{202e}fed\u{2066}", "abcfed"),
            ("unterminated \u{1b}]0;title", "unterminated "),
            ("trailing esc\u{1b}", "trailing esc"),
        ];
        for (raw, want) in cases {
            assert_eq!(printable(raw), want, "{raw:?}");
            assert!(!printable(raw).chars().any(|c| c.is_control()), "{raw:?}");
        }
        assert!(matches!(printable("ordinary"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_table_prints_no_escape_sequence_from_names() {
        let mut c = column("data/\u{1b}]0;owned\u{7}t.csv", "col\u{1b}[2J\rname", 10, &[("pii.email", 1, 0.9, "a***@b.com")]);
        c.not_scanned = None;
        let report = Report {
            scanned_at: "now".into(),
            columns: vec![c],
            errors: vec![ScanError { source: "x\u{1b}[8m".into(), column: Some("\u{9d}52;c;AAAA\u{7}y".into()), error: "bad\u{1b}]0;t\u{7}\nthing".into() }],
        };
        let mut out = Vec::new();
        report.write_table(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text:?}");
        assert!(text.contains("data/t.csv") && text.contains("col name") && text.contains("error: x column y: bad thing"), "{text}");
    }

    #[test]
    fn merges_a_column_across_the_objects_of_a_dataset() {
        let parts = vec![
            column("lake/t/part-0.csv", "contact", 100, &[]),
            column("lake/t/part-1.csv", "contact", 100, &[("pii.email", 2, 0.9, "a***@b.com")]),
            column("lake/t/part-2.csv", "contact", 200, &[("pii.email", 8, 0.95, "c***@d.com")]),
            column("lake/u/part-0.csv", "contact", 50, &[("pii.phone_number", 50, 0.8, "+1 ***")]),
        ];
        let dataset = |o: &str| o.rsplit_once('/').unwrap().0.to_string();
        let merged = merge_objects(parts, dataset);
        assert_eq!(merged.len(), 2, "one column per dataset: {merged:?}");
        let t = &merged[0];
        assert_eq!((t.source.as_str(), t.objects, t.non_null, t.rows_sampled), ("lake/t", Some(3), 400, 430));
        assert_eq!(t.labels.len(), 1);
        let email = &t.labels[0];
        assert_eq!(email.matches, 10);
        assert!((email.match_rate - 10.0 / 400.0).abs() < 1e-9, "rate over every object's values: {}", email.match_rate);
        assert_eq!(email.confidence, 0.95);
        assert_eq!(email.evidence, vec!["a***@b.com", "c***@d.com"]);
        // The other dataset keeps its own verdict untouched.
        assert_eq!((merged[1].source.as_str(), merged[1].objects, merged[1].labels[0].match_rate), ("lake/u", Some(1), 1.0));
    }
}
