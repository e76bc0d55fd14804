//! Binary columns through the binary (issue 15): a Parquet BYTE_ARRAY column without a
//! UTF-8 annotation and a Postgres `bytea` column whose values are not text are scanned
//! through their printable runs for the secret rules; the report says the column was
//! binary, the evidence is masked, and a column of random bytes gets no label. The store
//! keeps the flag: a stored scan read back through the API, and the dashboard, say it too.

use crate::common;

use std::sync::Arc;

use arrow::array::{ArrayRef, BinaryArray, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;
use common::cli::{column, labels, scan_json, write_parquet};
use common::pg::TestDb;
use common::service::Service;
use rand::{Rng, SeedableRng};
use serde_json::Value;

const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn pick(rng: &mut impl Rng, alphabet: &[u8], n: usize) -> String {
    (0..n).map(|_| alphabet[rng.random_range(0..alphabet.len())] as char).collect()
}

/// The three kinds of key the blobs carry: an AWS access key id, a GitHub token and a
/// PEM private key (random bodies, the formats' own framing).
fn keys(rng: &mut impl Rng) -> Vec<(&'static str, String)> {
    let pem_body: Vec<String> = (0..12).map(|_| pick(rng, B64, 64)).collect();
    vec![
        ("secret.aws_access_key", format!("AKIA{}", pick(rng, B32, 16))),
        ("secret.github_token", format!("ghp_{}", pick(rng, B62, 36))),
        ("secret.private_key", format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n", pem_body.join("\n"))),
    ]
}

/// A string field as protobuf frames it (tag, varint length, bytes), then the next
/// field's tag: how a key sits in a serialised record.
fn framed(text: &str) -> Vec<u8> {
    let mut out = vec![0x0a];
    let mut n = text.len();
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out.extend_from_slice(text.as_bytes());
    out.push(0x10);
    out
}

/// 300 blobs of random bytes; with `keys`, every 25th carries one of them (in turn).
fn blobs(seed: u64, with_keys: &[(&str, String)]) -> Vec<Vec<u8>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..300)
        .map(|i| {
            let len = rng.random_range(64..3000);
            let mut b: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            if !with_keys.is_empty() && i % 25 == 3 {
                let at = rng.random_range(0..b.len());
                let key = framed(&with_keys[(i / 25) % with_keys.len()].1);
                b.splice(at..at, key);
            }
            // Random bytes are never UTF-8 at these lengths; make sure of it.
            b.push(0xff);
            b
        })
        .collect()
}

fn check_blob_columns(r: &Value, source: &str, keys: &[(&str, String)]) {
    let found = column(r, source, "payload");
    assert_eq!(found["binary"], true, "{found}");
    let mut got = labels(r, source, "payload");
    got.sort();
    let mut want: Vec<String> = keys.iter().map(|k| k.0.to_string()).collect();
    want.sort();
    assert_eq!(got, want, "{found}");
    for l in found["labels"].as_array().unwrap() {
        // 12 blobs carry a key, four of each kind.
        assert_eq!(l["matches"], 4, "{l}");
        for e in l["evidence"].as_array().unwrap() {
            let e = e.as_str().unwrap();
            assert!(keys.iter().all(|(_, k)| !k.contains(e) && !e.contains(&k[8..20])), "evidence {e} is not masked");
        }
    }
    let noise = column(r, source, "noise");
    assert_eq!(noise["binary"], true, "{noise}");
    assert!(labels(r, source, "noise").is_empty(), "{noise}");
    assert_eq!(noise["non_null"], 300);
}

#[test]
fn keys_in_parquet_blobs_are_found_and_the_column_said_binary() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let keys = keys(&mut rng);
    let with = blobs(1, &keys);
    let without = blobs(2, &[]);
    let batch = RecordBatch::try_from_iter(vec![
        ("id", Arc::new(Int64Array::from_iter_values(0..300)) as ArrayRef),
        ("payload", Arc::new(BinaryArray::from_iter_values(with.iter())) as ArrayRef),
        ("noise", Arc::new(BinaryArray::from_iter_values(without.iter())) as ArrayRef),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("blobs.parquet"), &batch);
    let (r, out) = scan_json(&[dir.path()], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(r["errors"].as_array().unwrap().is_empty(), "{r}");
    check_blob_columns(&r, "blobs.parquet", &keys);
    assert!(column(&r, "blobs.parquet", "id").get("binary").is_none());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(keys.iter().all(|(_, k)| !text.contains(k.as_str())), "a raw key in the report");
    // The table for people says it too.
    let out = common::cli::assay(&["scan", dir.path().to_str().unwrap(), "--format", "table"]);
    let table = String::from_utf8_lossy(&out.stdout);
    let line = table.lines().find(|l| l.contains("payload")).unwrap_or_else(|| panic!("{table}"));
    assert!(line.contains("secret.aws_access_key") && line.contains("(binary: printable runs scanned for secrets)"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_in_bytea_are_found_and_the_column_said_binary() {
    let db = TestDb::new().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let keys = keys(&mut rng);
    let with = blobs(3, &keys);
    let without = blobs(4, &[]);
    let rows: Vec<String> = with.iter().zip(&without).enumerate().map(|(i, (a, b))| format!("({i}, '\\x{}', '\\x{}')", hex::encode(a), hex::encode(b))).collect();
    db.exec(&format!(
        "CREATE TABLE public.events (id int PRIMARY KEY, payload bytea, noise bytea);
         INSERT INTO public.events VALUES {};
         ANALYZE;",
        rows.join(", ")
    ))
    .await;
    let dsn = db.dsn().to_string();
    let (r, out) = tokio::task::spawn_blocking(move || common::cli::scan_locations(&[&dsn], &["--table", "public.events"], &[])).await.unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    check_blob_columns(&r, "public.events", &keys);
    assert!(column(&r, "public.events", "payload").get("not_scanned").is_none());
}

/// The one entry of column `col` in a report (its source has one dataset).
fn only_column<'a>(r: &'a Value, col: &str) -> &'a Value {
    let found: Vec<&Value> = r["columns"].as_array().unwrap_or_else(|| panic!("no columns in {r}")).iter().filter(|c| c["column"] == col).collect();
    assert_eq!(found.len(), 1, "column {col} in {r}");
    found[0]
}

/// `payload` (binary, keys in some values) and `noise` (binary, no label) say they were
/// binary and `note` (text) does not, in `r`, a report or a stored scan's columns.
fn check_flags(r: &Value, what: &str) {
    assert_eq!(only_column(r, "payload")["binary"], true, "{what}: {r}");
    assert_eq!(only_column(r, "noise")["binary"], true, "{what}: {r}");
    assert!(only_column(r, "note").get("binary").is_none(), "{what}: {r}");
    assert!(!only_column(r, "payload")["labels"].as_array().unwrap().is_empty(), "{what}: the keys were found: {r}");
}

/// A source with binary and text columns scanned by `assay serve` on the store `db`: the
/// flag of the scan's report is recorded with the scan's columns, so that the scan read
/// back, the source's current columns and its dashboard page all keep it.
fn stored_scans_keep_the_binary_flag(db: &str) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let keys = keys(&mut rng);
    let with = blobs(5, &keys);
    let without = blobs(6, &[]);
    let batch = RecordBatch::try_from_iter(vec![
        ("note", Arc::new(StringArray::from_iter_values((0..300).map(|i| format!("order {i} shipped")))) as ArrayRef),
        ("payload", Arc::new(BinaryArray::from_iter_values(with.iter())) as ArrayRef),
        ("noise", Arc::new(BinaryArray::from_iter_values(without.iter())) as ArrayRef),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_parquet(&dir.path().join("blobs.parquet"), &batch);
    let svc = Service::start(db, "binary-flag", &[], &[]);
    svc.add("blobs", &dir.path().display().to_string(), &["--interval", "1d"]);
    // Forced: the scheduler may have scanned the new source already, and a scan that finds
    // the file unchanged records no columns of its own.
    let out = svc.cli(&["sources", "scan", "blobs", "--format", "json", "--force"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The answer to a scan is the source's columns as the store has them after it.
    check_flags(&scan["report"], "the scan's answer");

    let scan_id = scan["scan_id"].as_i64().unwrap();
    for path in [format!("/api/v1/scans/{scan_id}"), "/api/v1/sources/blobs/columns".to_string()] {
        let (status, body) = svc.call("GET", &path, b"");
        assert_eq!(status, 200, "{path}: {body}");
        check_flags(&serde_json::from_str(&body).unwrap(), &path);
    }

    let (session, _) = crate::dashboard::raw_sign_in(&svc.url, &svc.token, None);
    let cookie = format!("assay_session={session}");
    let (status, head, page) = common::http::exchange_full(&svc.url, "GET", "/sources/blobs", &[("Cookie", cookie.as_str())], b"");
    assert_eq!(status, 200, "{head}\n{page}");
    let row = |col: &str| page.split("<tr>").find(|r| r.contains(&format!("<code>{col}</code>"))).unwrap_or_else(|| panic!("no row of {col}:\n{page}")).to_string();
    const MARK: &str = "binary: printable runs scanned";
    assert!(row("payload").contains(MARK) && row("noise").contains(MARK), "{page}");
    assert!(!row("note").contains(MARK), "{page}");
    let text = format!("{}{page}", String::from_utf8_lossy(&out.stdout));
    assert!(keys.iter().all(|(_, k)| !text.contains(k.as_str())), "a raw key answered");
    svc.stop();
}

#[test]
fn stored_scans_keep_the_binary_flag_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(TestDb::new());
    stored_scans_keep_the_binary_flag(db.dsn());
}

#[test]
fn stored_scans_keep_the_binary_flag_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    stored_scans_keep_the_binary_flag(&format!("sqlite://{}", dir.path().join("assay.db").display()));
}
