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

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n.saturating_sub(1)).collect();
        format!("{t}…")
    }
}
