//! Memory stays bounded whatever the input: a 50 MB value, 10,000 columns, a large file
//! sampled by ranges. Peak memory is the child's own high-water RSS (`VmHWM`).

use crate::common;

use std::fs;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::record_batch::RecordBatch;
use serde_json::Value;

use common::cli::{labels, write_parquet};

/// Runs `assay scan <path> --format json`; returns the report, exit status and peak RSS in
/// MiB: the child's own high-water mark (`VmHWM` of /proc/PID/status, read until it exits).
/// wait4(2)'s `ru_maxrss` would carry this test binary's own peak: a child spawned with
/// `CLONE_VM` (posix_spawn) records the parent's high-water RSS as its own at exec, and the
/// tests running beside this one hold hundreds of MiB.
fn scan_measured(path: &std::path::Path) -> (Value, ExitStatus, u64) {
    let stdout = tempfile::NamedTempFile::new().unwrap();
    // `spawn` returns once the child has exec'd: from then on its status is its own.
    let mut child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["scan", path.to_str().unwrap(), "--format", "json"])
        .stdout(stdout.reopen().unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("run assay");
    let proc_status = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0u64;
    let status = loop {
        // VmHWM only grows; the last read before exit is the peak up to the exit itself.
        if let Ok(s) = fs::read_to_string(&proc_status) {
            let hwm = s.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().expect("wait for assay") {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let report: Value = serde_json::from_slice(&fs::read(stdout.path()).unwrap()).expect("JSON report");
    (report, status, peak_kib / 1024)
}

#[test]
fn a_50_mb_value_is_capped_and_memory_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let huge = format!("{} contact: huge@value-example.com", "y".repeat(50 << 20));
    let mut csv = String::with_capacity(huge.len() + 100_000);
    csv.push_str("note,email\n");
    csv.push_str(&huge);
    csv.push_str(",first@row-example.com\n");
    for i in 0..2000 {
        csv.push_str(&format!("fine {i},user{i}@row-example.com\n"));
    }
    fs::write(dir.path().join("huge.csv"), &csv).unwrap();
    drop(csv);
    let values: Vec<String> = (0..200).map(|i| if i == 3 { huge.clone() } else { format!("row{i}@pq-example.com") }).collect();
    drop(huge);
    let batch = RecordBatch::try_from_iter(vec![("v", Arc::new(StringArray::from(values)) as ArrayRef)]).unwrap();
    write_parquet(&dir.path().join("huge.parquet"), &batch);

    let (r, status, peak) = scan_measured(dir.path());
    eprintln!("peak RSS {peak} MiB");
    assert!(status.success(), "exit {status:?}: {r}");
    assert_eq!(labels(&r, "huge.csv", "email"), ["pii.email"]);
    assert_eq!(labels(&r, "huge.parquet", "v"), ["pii.email"]);
    // The 50 MB value is decoded once (Parquet) but never copied per match or per rule.
    assert!(peak < 400, "peak RSS {peak} MiB");
}

#[test]
fn ten_thousand_columns_are_scanned_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let cols: Vec<(String, ArrayRef)> = (0..10_000)
        .map(|c| {
            let v: Vec<String> = (0..40).map(|r| if c == 7777 { format!("p{r}@wide-example.com") } else { format!("v{c}-{r}") }).collect();
            (format!("c{c}"), Arc::new(StringArray::from(v)) as ArrayRef)
        })
        .collect();
    write_parquet(&dir.path().join("wide.parquet"), &RecordBatch::try_from_iter(cols).unwrap());
    let (r, status, peak) = scan_measured(dir.path());
    eprintln!("peak RSS {peak} MiB");
    assert!(status.success(), "exit {status:?}");
    assert_eq!(r["columns"].as_array().unwrap().len(), 10_000);
    assert_eq!(labels(&r, "wide.parquet", "c7777"), ["pii.email"]);
    assert!(labels(&r, "wide.parquet", "c7778").is_empty());
    assert!(peak < 600, "peak RSS {peak} MiB");
}
