//! Delta Lake and Apache Iceberg tables as registered sources, written by real writers
//! (delta-rs, the `deltalake` Python package, on a local disk and on S3 (moto); PyIceberg
//! with a SQL catalog on a local disk): a scan reads only the data files added since the
//! last scan, never the files a commit or snapshot removed, and says the table's version;
//! a Delta log whose early commits were cleaned up after a checkpoint is read from the
//! checkpoint. (PyIceberg's multipart uploads fail against moto, so Iceberg on S3 is
//! covered by the key mapping's unit test and the Delta S3 test of the shared listing.)

use crate::common;

use std::process::Command;

use common::s3::Bucket;
use common::service::Service;
use serde_json::Value;

/// Writes one commit to the Delta table at `uri` (`mode`: append or overwrite) of 500 rows,
/// whose `notes` hold e-mail addresses when `emails`; `checkpoint` also writes a checkpoint.
const WRITE: &str = r#"
import json, sys
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
uri, mode, emails, start, checkpoint, options = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5] == "1", json.loads(sys.argv[6])
n = 500
notes = [f"asked to be called back at customer{start + i}.smith@mail-example.org" if emails else f"renewed after call {start + i}, happy with support" for i in range(n)]
t = pa.table({"user_id": pa.array(range(start, start + n), pa.int64()), "plan": [["basic", "pro", "team"][i % 3] for i in range(n)], "notes": notes})
write_deltalake(uri, t, mode=mode, storage_options=options or None)
if checkpoint:
    DeltaTable(uri, storage_options=options or None).create_checkpoint()
"#;

fn commit(uri: &str, mode: &str, emails: bool, start: usize, checkpoint: bool, options: &Value) {
    let out = Command::new("python3")
        .args(["-c", WRITE, uri, mode, if emails { "1" } else { "0" }, &start.to_string(), if checkpoint { "1" } else { "0" }, &options.to_string()])
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "writing a Delta commit needs the deltalake Python package (pip install deltalake pyarrow): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scan(svc: &Service, name: &str) -> Value {
    let (status, body) = svc.call("POST", &format!("/api/v1/sources/{name}/scan"), b"");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn has_email(answer: &Value) -> bool {
    answer["report"]["columns"].as_array().unwrap().iter().any(|c| c["column"] == "notes" && c["labels"].as_array().unwrap().iter().any(|l| l["label"] == "pii.email"))
}

fn counts(answer: &Value) -> (u64, u64, u64) {
    (answer["read"].as_u64().unwrap(), answer["unchanged"].as_u64().unwrap(), answer["removed"].as_u64().unwrap())
}

fn notes(answer: &Value) -> String {
    answer["notes"].to_string()
}

/// Three commits read incrementally, an overwrite that removes files still on storage, and
/// a log cleaned up after a checkpoint: the story on one table at `uri`.
fn story(svc: &Service, uri: &str, location: &str, options: &Value) {
    commit(uri, "append", false, 0, false, options);
    commit(uri, "append", false, 500, false, options);
    svc.add("events", location, &[]);
    // (the service may have scanned the new source already: then this scan finds both unchanged)
    let first = scan(svc, "events");
    let (read, unchanged, _) = counts(&first);
    assert_eq!(read + unchanged, 2, "both data files of versions 0 and 1: {first}");
    assert!(notes(&first).contains("a Delta table at version 1, 2 data file(s)"), "{first}");
    assert!(!has_email(&first));

    // A third commit: only its new file is read.
    commit(uri, "append", true, 1000, false, options);
    let third = scan(svc, "events");
    assert_eq!(counts(&third), (1, 2, 0), "only the file version 2 added: {third}");
    assert!(notes(&third).contains("version 2, 3 data file(s)"), "{third}");
    assert!(has_email(&third), "{third}");

    // An overwrite removes every file from the table (they stay on storage until VACUUM):
    // they are not read, and the e-mail addresses are no longer in the table.
    commit(uri, "overwrite", false, 2000, true, options);
    let overwritten = scan(svc, "events");
    assert_eq!(counts(&overwritten), (1, 0, 3), "{overwritten}");
    assert!(notes(&overwritten).contains("3 file(s) no longer in the table are left out"), "{overwritten}");
    assert!(!has_email(&overwritten), "removed files are not the table: {overwritten}");
}

#[test]
fn a_local_delta_table_is_read_through_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("events");
    let uri = table.display().to_string();
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "delta", &[], &[]);
    story(&svc, &uri, &uri, &Value::Null);

    // Log cleanup after the checkpoint of version 3: the checkpoint says what the table is.
    for v in 0..3 {
        std::fs::remove_file(table.join(format!("_delta_log/{v:020}.json"))).unwrap();
    }
    commit(&uri, "append", true, 3000, false, &Value::Null);
    let after = scan(&svc, "events");
    assert_eq!(counts(&after), (1, 1, 0), "the checkpoint's file and version 4's: {after}");
    assert!(notes(&after).contains("version 4, 2 data file(s)"), "{after}");
    assert!(has_email(&after));

    // A log that lost its checkpoint too cannot say what the table is: an error that
    // names the missing commit, not a guess.
    std::fs::remove_file(table.join(format!("_delta_log/{:020}.checkpoint.parquet", 3))).unwrap();
    let (status, body) = svc.call("POST", "/api/v1/sources/events/scan", b"");
    assert_eq!(status, 200, "{body}");
    let failed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(body.contains("has no commit 00000000000000000000.json"), "{body}");
}

#[test]
fn a_delta_table_on_s3_is_read_through_its_log() {
    let b = Bucket::new("delta");
    let options = serde_json::json!({
        "AWS_ENDPOINT_URL": b.endpoint, "AWS_ALLOW_HTTP": "true", "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "assay-test-key", "AWS_SECRET_ACCESS_KEY": "assay-test-secret-do-not-print",
        "AWS_S3_ALLOW_UNSAFE_RENAME": "true",
    });
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "delta-s3", &[], &b.env());
    story(&svc, &b.url("tables/events"), &b.url("tables/events/"), &options);
}

/// Writes one Iceberg commit (`append` or `overwrite`) of 500 rows to table `ml.events` of a
/// PyIceberg SQL catalog kept in `dir`, with the warehouse in `dir` too.
const ICEBERG: &str = r#"
import sys
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
wh, mode, emails, start = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
cat = SqlCatalog("assay", uri=f"sqlite:///{wh}/catalog.db", warehouse=f"file://{wh}")
cat.create_namespace_if_not_exists("ml")
n = 500
notes = [f"asked to be called back at customer{start + i}.smith@mail-example.org" if emails else f"renewed after call {start + i}, happy with support" for i in range(n)]
t = pa.table({"user_id": pa.array(range(start, start + n), pa.int64()), "plan": [["basic", "pro", "team"][i % 3] for i in range(n)], "notes": notes})
tbl = cat.create_table_if_not_exists("ml.events", schema=t.schema)
tbl.append(t) if mode == "append" else tbl.overwrite(t)
"#;

fn iceberg_commit(dir: &str, mode: &str, emails: bool, start: usize) {
    let out = Command::new("python3").args(["-c", ICEBERG, dir, mode, if emails { "1" } else { "0" }, &start.to_string()]).output().expect("python3");
    assert!(
        out.status.success(),
        "writing an Iceberg commit needs PyIceberg (pip install 'pyiceberg[sql-sqlite,pyarrow]'): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_local_iceberg_table_is_read_through_its_current_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().display().to_string();
    let table = format!("{wh}/ml/events");
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "iceberg", &[], &[]);
    iceberg_commit(&wh, "append", false, 0);
    iceberg_commit(&wh, "append", false, 500);
    svc.add("events", &table, &[]);
    let first = scan(&svc, "events");
    let (read, unchanged, _) = counts(&first);
    assert_eq!(read + unchanged, 2, "{first}");
    assert!(notes(&first).contains("an Iceberg table at sequence number 2, 2 data file(s)"), "{first}");
    assert!(!has_email(&first));

    iceberg_commit(&wh, "append", true, 1000);
    let third = scan(&svc, "events");
    assert_eq!(counts(&third), (1, 2, 0), "only the file the third snapshot added: {third}");
    assert!(has_email(&third), "{third}");

    // An overwrite deletes every file from the current snapshot; they stay on disk.
    iceberg_commit(&wh, "overwrite", false, 2000);
    let overwritten = scan(&svc, "events");
    assert_eq!(counts(&overwritten), (1, 0, 3), "{overwritten}");
    assert!(notes(&overwritten).contains("3 file(s) no longer in the table are left out"), "{overwritten}");
    assert!(!has_email(&overwritten), "deleted files are not the table: {overwritten}");
}
