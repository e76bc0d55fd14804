//! Object-store locations through the binary, against a real S3-compatible server (moto)
//! and the GCS and Azure Blob emulators (fake-gcs-server, Azurite): listing, Parquet
//! range reads, compressed text, credentials from the environment, and the failures users
//! meet (missing bucket or container, unreachable endpoint, corrupt object).

use crate::common;

use std::io::Write;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use arrow::record_batch::RecordBatch;
use serde_json::Value;

use common::cli::{assay_env, column, labels, parquet_bytes, scan_locations, typed_batch};
use common::s3::Bucket;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn stats_bytes(stderr: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().find(|l| l.contains(" bytes in ")).unwrap_or_else(|| panic!("no stats line in {text}"));
    line.split(" read ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("bad stats line {line}"))
}

#[test]
fn scans_a_prefix_of_parquet_csv_and_ndjson_objects() {
    let b = Bucket::new("prefix");
    b.put("lake/customers/part-0.parquet", parquet_bytes(&[typed_batch()], 100));
    let csv: String = std::iter::once("id,email,note\n".to_string())
        .chain((0..400).map(|i| format!("{i},user{i}@shop-example.com,order {i} shipped\n")))
        .collect();
    b.put("lake/exports/users.csv.gz", gzip(csv.as_bytes()));
    let nd: String = (0..200).map(|i| format!("{{\"ip\":\"198.51.{}.{}\",\"ok\":true}}\n", i % 250, 1 + i % 200)).collect();
    b.put("lake/events/e.ndjson", nd.into_bytes());
    b.put("lake/_SUCCESS", Vec::new());
    b.put("lake/.hidden/x.csv", b"a\nb\n".to_vec());

    let (r, out) = scan_locations(&[&b.url("lake")], &["--stats"], &b.env());
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let sources: std::collections::BTreeSet<&str> = r["columns"].as_array().unwrap().iter().map(|c| c["source"].as_str().unwrap()).collect();
    let want: std::collections::BTreeSet<String> =
        ["lake/customers/part-0.parquet", "lake/events/e.ndjson", "lake/exports/users.csv.gz"].iter().map(|k| b.url(k)).collect();
    assert_eq!(sources, want.iter().map(String::as_str).collect());
    assert_eq!(labels(&r, "part-0.parquet", "contact"), ["pii.email"]);
    assert_eq!(labels(&r, "part-0.parquet", "mobile"), ["pii.phone_number"]);
    assert_eq!(labels(&r, "users.csv.gz", "email"), ["pii.email"]);
    assert!(labels(&r, "users.csv.gz", "note").is_empty());
    assert_eq!(labels(&r, "e.ndjson", "ip"), ["pii.ip_address"]);
    assert_eq!(column(&r, "users.csv.gz", "email")["rows_sampled"], 400);
    assert!(stats_bytes(&out.stderr) > 0);
    // The secret key given in the environment is used, never shown.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("do-not-print"));
}

/// 150,000 rows of incompressible text in one ~50 MB row group: more than the budget for
/// reading whole row groups, so the sample is fetched as runs of rows, page by page.
fn big_parquet() -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let n = 150_000;
    let blob: Vec<String> = (0..n).map(|_| (0..20).map(|_| format!("{:016x}", next())).collect()).collect();
    let mail: Vec<String> = (0..n).map(|i| format!("member{i}@club-example.org")).collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("blob", Arc::new(StringArray::from(blob)) as ArrayRef),
        ("email", Arc::new(StringArray::from(mail)) as ArrayRef),
    ])
    .unwrap();
    parquet_bytes(&[batch], n)
}

#[test]
fn parquet_is_read_by_ranges_bounded_by_the_sample() {
    let b = Bucket::new("ranges");
    let file = big_parquet();
    let size = file.len() as u64;
    assert!(size > 40 << 20, "test file too small: {size}");
    b.put("big/data.parquet", file);
    let (r, out) = scan_locations(&[&b.url("big/data.parquet")], &["--stats"], &b.env());
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "data.parquet", "email"), ["pii.email"]);
    assert!(labels(&r, "data.parquet", "blob").is_empty());
    let rows = column(&r, "data.parquet", "email")["rows_sampled"].as_u64().unwrap();
    assert!((500..=1100).contains(&rows), "rows_sampled {rows}");
    let read = stats_bytes(&out.stderr);
    assert!(read < size / 2, "read {read} of {size} bytes for {rows} rows");
}

#[test]
fn listing_gives_etags_and_detects_changed_objects() {
    use assay::sources::store::{diff, ObjectEntry};
    let b = Bucket::new("list");
    b.put("t/a.csv", b"x\n1\n".to_vec());
    b.put("t/b.csv", b"x\n2\n".to_vec());
    let ls = |b: &Bucket| -> Vec<ObjectEntry> {
        let out = assay_env(&["ls", &b.url("t")], &b.env());
        assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
    };
    let first = ls(&b);
    assert_eq!(first.iter().map(|e| e.shown.as_str()).collect::<Vec<_>>(), [b.url("t/a.csv"), b.url("t/b.csv")]);
    assert!(first.iter().all(|e| e.size == 4 && e.e_tag.is_some()));

    b.put("t/b.csv", b"x\n3333\n".to_vec());
    b.put("t/c.csv", b"x\n4\n".to_vec());
    let second = ls(&b);
    let changes = diff(&first, &second);
    let names = |v: &[&ObjectEntry]| v.iter().map(|e| e.shown.rsplit('/').next().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(names(&changes.unchanged), ["a.csv"]);
    assert_eq!(names(&changes.changed), ["b.csv"]);
    assert_eq!(names(&changes.added), ["c.csv"]);
    assert!(changes.removed.is_empty());
}

#[test]
fn store_failures_are_named_and_other_locations_go_on() {
    let b = Bucket::new("bad");
    b.put("ok/people.csv", b"name,email\nAda,ada@math-example.org\nAlan,alan@math-example.org\n".to_vec());
    b.put("ok/broken.parquet", b"PAR1 this is not parquet at all PAR1".to_vec());
    let missing = "s3://assay-no-such-bucket-xyz/data";
    let (r, out) = scan_locations(&[missing, &b.url("ok"), &b.url("nothing-here/")], &[], &b.env());
    assert_eq!(out.status.code(), Some(3), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(labels(&r, "people.csv", "email"), ["pii.email"]);
    let errors: Vec<&Value> = r["errors"].as_array().unwrap().iter().collect();
    let find = |needle: &str| errors.iter().find(|e| e["error"].as_str().unwrap().contains(needle)).unwrap_or_else(|| panic!("no error mentioning {needle}: {errors:?}"));
    assert_eq!(find("assay-no-such-bucket-xyz")["source"], missing);
    find("broken.parquet");
    find("nothing-here");

    // An endpoint nobody listens on fails fast, naming the location.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut env = b.env();
    env[0].1 = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let (r, out) = scan_locations(&[&b.url("ok")], &[], &env);
    assert_eq!(out.status.code(), Some(3));
    assert!(started.elapsed() < std::time::Duration::from_secs(60), "took {:?}", started.elapsed());
    let e = r["errors"][0]["error"].as_str().unwrap();
    assert!(e.contains(&b.url("ok")), "{e}");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains("do-not-print"), "secret key leaked: {all}");
}

#[test]
fn scans_and_lists_an_azure_container() {
    let c = common::azure::BlobContainer::new("az");
    c.put("exports/people.csv", b"id,email,city\n1,ada@math-example.org,London\n2,alan@math-example.org,Wilmslow\n3,grace@navy-example.mil,Arlington\n".to_vec());
    c.put("exports/typed.parquet", parquet_bytes(&[typed_batch()], 100));
    let (r, out) = scan_locations(&[&c.location("exports")], &[], &c.env());
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(column(&r, "people.csv", "email")["source"], c.location("exports/people.csv"));
    assert_eq!(labels(&r, "people.csv", "email"), ["pii.email"]);
    assert_eq!(labels(&r, "typed.parquet", "c2"), ["pii.credit_card"]);
    let out = assay_env(&["ls", &c.location("exports")], &c.env());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["e_tag"].is_string() && l["size"].as_u64().unwrap() > 0));
    // A container that does not exist is an error naming it.
    let (r, out) = scan_locations(&["az://no-such-container-here/x"], &[], &c.env());
    assert_eq!(out.status.code(), Some(3));
    assert!(r["errors"][0]["error"].as_str().unwrap().contains("az://no-such-container-here/x"), "{r}");
}

#[test]
fn scans_and_lists_a_gcs_bucket() {
    let g = common::gcs::GcsBucket::new("gs");
    g.put("train/people.csv", b"id,email\n1,ada@math-example.org\n2,alan@math-example.org\n3,grace@navy-example.mil\n");
    g.put("train/typed.parquet", &parquet_bytes(&[typed_batch()], 100));
    let (r, out) = scan_locations(&[&g.location("train")], &[], &g.env());
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(column(&r, "people.csv", "email")["source"], g.location("train/people.csv"));
    assert_eq!(labels(&r, "people.csv", "email"), ["pii.email"]);
    assert_eq!(labels(&r, "typed.parquet", "addr"), ["pii.ip_address"]);
    let out = assay_env(&["ls", &g.location("train")], &g.env());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "{}", String::from_utf8_lossy(&out.stderr));
}

/// A registered S3 prefix is rescanned by ETag: an overwritten object is read again, an
/// unchanged one is not, and the dataset's columns still cover both.
#[test]
fn a_registered_prefix_rescans_only_changed_objects() {
    let b = Bucket::new("incremental");
    let part = |emails: usize| -> Vec<u8> {
        let rows: String = (0..100).map(|i| if i < emails { format!("{i},ada{i}@shop-example.com\n") } else { format!("{i},no contact\n") }).collect();
        format!("id,contact\n{rows}").into_bytes()
    };
    b.put("t/part-0.csv", part(0));
    b.put("t/part-1.csv", part(2));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = common::service::Service::start(&db, "s3-worker", &[], &b.env());
    svc.add("lake", &b.url("t"), &["--interval", "2h"]);
    let scan = || -> Value {
        let out = svc.cli(&["sources", "scan", "lake", "--format", "json"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // The scheduler may or may not have scanned it already; after one scan-now nothing is new.
    scan();
    let again = scan();
    assert_eq!((again["read"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(2)), "{again}");
    b.put("t/part-0.csv", part(5));
    let changed = scan();
    assert_eq!((changed["read"].as_u64(), changed["unchanged"].as_u64()), (Some(1), Some(2 - 1)), "{changed}");
    let contact = column(&changed["report"], &b.url("t"), "contact");
    assert_eq!((contact["objects"].as_u64(), contact["labels"][0]["matches"].as_u64()), (Some(2), Some(7)), "{changed}");
    assert!(!svc.log().contains("do-not-print"), "the secret key was logged");
    svc.stop();
}
