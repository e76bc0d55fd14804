//! NDJSON sampling: one JSON object per line; each top-level key becomes a text column.
//!
//! Nested objects and arrays stay JSON text, so a secret inside `{"auth": {...}}` is still
//! seen by the engine. A file holding one JSON array of objects is read the same way.
//! Lines that are not JSON objects are skipped and reported with their line numbers.

use std::collections::HashMap;

use rand::rngs::StdRng;
use serde_json::{Map, Value};

use super::{pick_indices, text_sample, Sample, SourceError};

/// Samples about `rows` objects from a newline-delimited JSON file.
pub fn sample(text: &[u8], display: &str, rows: usize, rng: &mut StdRng) -> Result<Sample, SourceError> {
    let trimmed = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = trimmed else { return Err(SourceError::Empty { path: display.to_string() }) };
    let mut objects: Vec<Map<String, Value>> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut bad_count = 0usize;
    if text[first] == b'[' {
        let v: Value = serde_json::from_slice(text)
            .map_err(|e| SourceError::Format { path: display.to_string(), message: format!("invalid JSON: {e}") })?;
        if let Value::Array(items) = v {
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::Object(m) => objects.push(m),
                    _ => {
                        bad_count += 1;
                        if bad.len() < 3 {
                            bad.push(format!("element {i}: not an object"));
                        }
                    }
                }
            }
        }
    } else {
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Value>(line) {
                Ok(Value::Object(m)) => objects.push(m),
                Ok(_) => {
                    bad_count += 1;
                    if bad.len() < 3 {
                        bad.push(format!("line {}: not a JSON object", i + 1));
                    }
                }
                Err(e) => {
                    bad_count += 1;
                    if bad.len() < 3 {
                        bad.push(format!("line {}: {e}", i + 1));
                    }
                }
            }
        }
    }
    if objects.is_empty() {
        let why = if bad.is_empty() { "no JSON objects".to_string() } else { bad.join("; ") };
        return Err(SourceError::Format { path: display.to_string(), message: format!("no readable rows ({why})") });
    }
    let keep = pick_indices(objects.len(), rows, rng);
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for &i in &keep {
        for k in objects[i].keys() {
            if !index.contains_key(k) {
                index.insert(k.clone(), names.len());
                names.push(k.clone());
            }
        }
    }
    // Keys first seen outside the sample are not columns of the sample; the sweep looks
    // at the sample's columns only.
    text_sample(display, &names, objects.len(), &keep, (bad_count, &bad), |r, c, b| match objects[r].get(&names[c]) {
        None | Some(Value::Null) => b.append_null(),
        Some(Value::String(s)) => b.append_value(s),
        Some(v) => b.append_value(v.to_string()),
    })
}
