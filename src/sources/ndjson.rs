//! NDJSON sampling: one JSON object per line; each top-level key becomes a text column.
//!
//! Nested objects and arrays stay JSON text, so a secret inside `{"auth": {...}}` is still
//! seen by the engine. A file holding one JSON array of objects is read the same way.
//! Lines that are not JSON objects are skipped and reported with their line numbers.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use rand::rngs::StdRng;
use serde_json::{Map, Value};

use super::{pick_indices, read_sample_text, Compression, Sample, SourceError, SWEEP_MAX_ROWS};

/// Samples about `rows` objects from a newline-delimited JSON file.
pub fn sample(path: &Path, display: &str, comp: Compression, rows: usize, rng: &mut StdRng) -> Result<Sample, SourceError> {
    let text = read_sample_text(path, display, comp, rows, rng)?;
    let trimmed = text.iter().position(|b| !b.is_ascii_whitespace());
    let Some(first) = trimmed else { return Err(SourceError::Empty { path: display.to_string() }) };
    let mut objects: Vec<Map<String, Value>> = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut bad_count = 0usize;
    if text[first] == b'[' {
        let v: Value = serde_json::from_slice(&text)
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
    let fields: Vec<Field> = names.iter().map(|n| Field::new(n, DataType::Utf8, true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let build = |idx: &mut dyn Iterator<Item = usize>| -> Result<RecordBatch, SourceError> {
        let mut builders: Vec<StringBuilder> = names.iter().map(|_| StringBuilder::new()).collect();
        for i in idx {
            let obj = &objects[i];
            for (c, name) in names.iter().enumerate() {
                match obj.get(name) {
                    None | Some(Value::Null) => builders[c].append_null(),
                    Some(Value::String(s)) => builders[c].append_value(s),
                    Some(v) => builders[c].append_value(v.to_string()),
                }
            }
        }
        let arrays: Vec<ArrayRef> = builders.into_iter().map(|mut b| Arc::new(b.finish()) as ArrayRef).collect();
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| SourceError::Format { path: display.to_string(), message: e.to_string() })
    };
    let batch = build(&mut keep.iter().copied())?;
    // Keys first seen outside the sample are not columns of the sample; the sweep
    // looks at the sample's columns only.
    let decoded = if objects.len() > keep.len() {
        vec![build(&mut (0..objects.len().min(SWEEP_MAX_ROWS)))?]
    } else {
        Vec::new()
    };
    let mut warnings = Vec::new();
    if bad_count > 0 {
        warnings.push(format!("{bad_count} malformed row(s) skipped: {}", bad.join("; ")));
    }
    Ok(Sample { rows: keep.len(), batches: vec![batch], warnings, decoded })
}
