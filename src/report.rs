//! The `scan` report: the JSON contract of DESIGN.md and a table for people.

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
        let srcw = self.columns.iter().map(|c| c.source.chars().count()).max().unwrap_or(6).clamp(6, 60);
        let colw = self.columns.iter().map(|c| c.column.chars().count()).max().unwrap_or(6).clamp(6, 32);
        writeln!(w, "{:srcw$}  {:colw$}  {:>7}  LABELS", "SOURCE", "COLUMN", "NONNULL")?;
        for c in &self.columns {
            let labels = if let Some(why) = &c.not_scanned {
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
            writeln!(w, "{:srcw$}  {:colw$}  {:>7}  {}", truncate(&c.source, srcw), truncate(&c.column, colw), c.non_null, labels)?;
        }
        let flagged = self.columns.iter().filter(|c| !c.labels.is_empty()).count();
        let scanned = self.columns.iter().filter(|c| c.not_scanned.is_none()).count();
        writeln!(w, "\n{} column(s) scanned, {} with findings, {} not scanned, {} error(s)", scanned, flagged, self.columns.len() - scanned, self.errors.len())?;
        for e in &self.errors {
            match &e.column {
                Some(c) => writeln!(w, "error: {} column {}: {}", e.source, c, e.error)?,
                None => writeln!(w, "error: {}", e.error)?,
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
                    for e in l.evidence {
                        if x.evidence.len() < crate::classify::verdict::MAX_EVIDENCE && !x.evidence.contains(&e) {
                            x.evidence.push(e);
                        }
                    }
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
            labels: labels
                .iter()
                .map(|&(label, matches, confidence, ev)| LabelVerdict { label: label.into(), confidence, matches, match_rate: matches as f64 / non_null as f64, evidence: vec![ev.into()], schemes: Vec::new() })
                .collect(),
        }
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
