//! CSV/TSV sampling: the head and random byte ranges, parsed into string columns.
//!
//! Every field is kept as text (types are the engine's business). Ragged rows and rows
//! that are not UTF-8 are skipped and reported with their line numbers; the rest of the
//! file is still scanned.


use rand::rngs::StdRng;

use super::{pick_indices, text_sample, Sample, SourceError};

/// Most bad rows listed by line in a warning.
const MAX_LISTED: usize = 3;

/// Samples about `rows` rows from a delimited text file.
pub fn sample(text: &[u8], display: &str, delimiter: u8, rows: usize, rng: &mut StdRng) -> Result<Sample, SourceError> {
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(SourceError::Empty { path: display.to_string() });
    }
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(text);
    let headers = rdr
        .headers()
        .map_err(|e| SourceError::Format { path: display.to_string(), message: format!("cannot read the header row: {e}") })?
        .clone();
    let width = headers.len();
    let mut records: Vec<csv::StringRecord> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut bad_count = 0usize;
    let mut raw = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut raw) {
            Ok(false) => break,
            Ok(true) => {
                let line = raw.position().map_or(0, |p| p.line());
                if raw.len() != width {
                    bad_count += 1;
                    if bad.len() < MAX_LISTED {
                        bad.push(format!("line {line}: expected {width} fields, found {}", raw.len()));
                    }
                    continue;
                }
                match csv::StringRecord::from_byte_record(raw.clone()) {
                    Ok(r) => records.push(r),
                    Err(_) => {
                        bad_count += 1;
                        if bad.len() < MAX_LISTED {
                            bad.push(format!("line {line}: invalid UTF-8"));
                        }
                    }
                }
            }
            Err(e) => {
                bad_count += 1;
                if bad.len() < MAX_LISTED {
                    bad.push(e.to_string());
                }
                if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
            }
        }
    }
    if records.is_empty() && bad_count > 0 {
        return Err(SourceError::Format { path: display.to_string(), message: format!("no readable rows ({})", bad.join("; ")) });
    }
    let keep = pick_indices(records.len(), rows, rng);
    let names: Vec<String> = headers.iter().enumerate().map(|(i, h)| column_name(h, i)).collect();
    text_sample(display, &names, records.len(), &keep, (bad_count, &bad), |r, c, b| match records[r].get(c) {
        Some(f) if !f.is_empty() => b.append_value(f),
        _ => b.append_null(),
    })
}

fn column_name(h: &str, i: usize) -> String {
    let h = h.trim().trim_start_matches('\u{feff}');
    if h.is_empty() {
        format!("column_{}", i + 1)
    } else {
        h.to_string()
    }
}
