//! Running the binary the way users do, and reading its JSON report.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{ArrayRef, DictionaryArray, Int64Array, LargeStringArray, ListBuilder, StringArray, StringBuilder, StringViewArray};
use arrow::datatypes::Int32Type;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use serde_json::Value;

/// Runs `assay` with `args`.
pub fn assay(args: &[&str]) -> Output {
    assay_env(args, &[])
}

/// Runs `assay` with `args` and extra environment variables.
pub fn assay_env(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run assay")
}

/// `assay scan <locations> --format json <extra>`: the parsed report and the raw output.
pub fn scan_locations(locations: &[&str], extra: &[&str], env: &[(&str, String)]) -> (Value, Output) {
    let mut args: Vec<&str> = vec!["scan"];
    args.extend_from_slice(locations);
    args.extend(["--format", "json"]);
    args.extend_from_slice(extra);
    let out = assay_env(&args, env);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("report is not JSON ({e}): {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (v, out)
}

/// `scan_locations` over local paths.
pub fn scan_json(paths: &[&Path], extra: &[&str]) -> (Value, Output) {
    let owned: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    scan_locations(&refs, extra, &[])
}

/// The report entry of column `col` of the source ending in `file`.
pub fn column<'a>(report: &'a Value, file: &str, col: &str) -> &'a Value {
    report["columns"]
        .as_array()
        .expect("columns array")
        .iter()
        .find(|c| c["source"].as_str().is_some_and(|s| s.ends_with(file)) && c["column"] == col)
        .unwrap_or_else(|| panic!("no column {file}/{col} in {report}"))
}

/// The labels of column `col` of the source ending in `file`.
pub fn labels(report: &Value, file: &str, col: &str) -> Vec<String> {
    column(report, file, col)["labels"]
        .as_array()
        .expect("labels array")
        .iter()
        .map(|l| l["label"].as_str().expect("label string").to_string())
        .collect()
}

/// The batches as Parquet file bytes (`rows_per_group` rows per row group).
pub fn parquet_bytes(batches: &[RecordBatch], rows_per_group: usize) -> Vec<u8> {
    let props = parquet::file::properties::WriterProperties::builder().set_max_row_group_row_count(Some(rows_per_group)).build();
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batches[0].schema(), Some(props)).expect("writer");
    for b in batches {
        w.write(b).expect("write batch");
    }
    w.close().expect("close writer");
    out
}

/// Writes one batch as a Parquet file.
pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    fs::write(path, parquet_bytes(std::slice::from_ref(batch), 1 << 20)).expect("write parquet");
}

/// 300 rows: structured columns of several Arrow string and integer types.
pub fn typed_batch() -> RecordBatch {
    let n = 300;
    let emails: Vec<String> = (0..n).map(|i| format!("person{i}@mail-example.org")).collect();
    let cards = ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "6011111111111117"];
    let card_col: Vec<&str> = (0..n).map(|i| cards[i % 4]).collect();
    let ips: Vec<String> = (0..n).map(|i| format!("203.0.{}.{}", i % 200, 10 + i % 200)).collect();
    let phones: Vec<i64> = (0..n as i64).map(|i| 447700900000 + i).collect();
    let tiers = DictionaryArray::<Int32Type>::from_iter((0..n).map(|i| ["gold", "silver", "bronze"][i % 3]));
    let notes: Vec<String> = (0..n)
        .map(|i| if i % 100 == 7 { format!("please reply to helpdesk{i}@corp-example.net today") } else { format!("ticket {i} resolved") })
        .collect();
    let hashes: Vec<String> = (0..n).map(|i| format!("{:040x}", (i as u128 + 1) * 0x9e3779b97f4a7c15u128)).collect();
    let mut list = ListBuilder::new(StringBuilder::new());
    for i in 0..n {
        if i % 2 == 0 {
            list.values().append_value(format!("cc{i}@copy-example.com"));
        }
        list.append(true);
    }
    RecordBatch::try_from_iter(vec![
        ("contact", Arc::new(StringArray::from(emails)) as ArrayRef),
        ("c2", Arc::new(LargeStringArray::from(card_col)) as ArrayRef),
        ("addr", Arc::new(StringViewArray::from(ips.iter().map(String::as_str).collect::<Vec<_>>())) as ArrayRef),
        ("mobile", Arc::new(Int64Array::from(phones)) as ArrayRef),
        ("tier", Arc::new(tiers) as ArrayRef),
        ("notes", Arc::new(StringArray::from(notes)) as ArrayRef),
        ("content_hash", Arc::new(StringArray::from(hashes)) as ArrayRef),
        ("cc", Arc::new(list.finish()) as ArrayRef),
    ])
    .expect("batch")
}

