//! `assay serve` and the `sources` verbs as users run them: the service on a SQLite file,
//! the CLI talking to it over HTTP, malformed requests answered with JSON errors, metrics,
//! JSON logs, and a clean stop on SIGTERM.

use crate::common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::cli::assay_env;
use common::service::Service;
use serde_json::Value;

#[test]
fn register_scan_list_and_remove_through_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db, "serve-test", &[], &[]);

    let out = svc.cli(&["sources", "add", "example", "examples/data", "--interval", "2h", "--sample-rows", "500"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = svc.cli(&["sources", "add", "example", "examples/data"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("409"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = svc.cli(&["sources", "add", "warehouse", "env:ASSAY_TEST_UNSET_DSN"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ASSAY_TEST_UNSET_DSN"), "a reference that does not resolve is refused");

    let out = svc.cli(&["sources", "list", "--format", "json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!((list[0]["name"].as_str(), list[0]["interval"].as_str(), list[0]["sample_rows"].as_i64()), (Some("example"), Some("2h"), Some(500)));

    // Scan now and wait: the source's columns in the scan contract's shape, one dataset
    // per file family of the directory.
    let out = svc.cli(&["sources", "scan", "example", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(scan["status"], "succeeded");
    assert_eq!(common::cli::labels(&scan["report"], "examples/data/customers*", "contact"), ["pii.email"]);
    assert_eq!(common::cli::labels(&scan["report"], "examples/data/events*", "client_ip"), ["pii.ip_address"]);

    // Malformed requests get 4xx JSON errors.
    let code = svc.call("POST", "/api/v1/sources", b"{\"name\": 1}").0;
    assert_eq!(code, 400);
    let code = svc.call("POST", "/api/v1/sources", b"{\"name\":\"x y\",\"location\":\"examples/data\"}").0;
    assert_eq!(code, 400);
    let code = svc.call("POST", "/api/v1/sources", b"{\"name\":\"x\",\"location\":\"examples/data\",\"interval\":\"soon\"}").0;
    assert_eq!(code, 400);
    assert_eq!(svc.call("GET", "/api/v1/nothing", b"").0, 404);
    assert_eq!(common::http::request(&svc.url, "GET", "/healthz", &[], b""), 200);
    assert_eq!(common::http::request(&svc.url, "GET", "/readyz", &[], b""), 200);

    let metrics = svc.get("/metrics");
    assert!(metrics.contains("assay_scans_total{status=\"succeeded\"}"), "{metrics}");
    assert!(metrics.contains("assay_findings_total{label=\"pii.email\"}"), "{metrics}");
    assert!(metrics.contains("assay_scan_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("assay_sources_overdue 0"), "{metrics}");
    // Store statements, counted where they run. Recording a scan: the lease release, the
    // scan row and the source's last scan, plus a row per column and finding of the
    // objects it read, and one per object read, all in one transaction. The source may also have had its
    // scheduled scan (it is due on registration); exactly one of the scans read the two
    // files (one object per dataset here, so the merged columns are the rows written).
    let scans = metric(&metrics, "assay_scans_total{status=\"succeeded\"}");
    let columns = scan["report"]["columns"].as_array().unwrap();
    let findings: usize = columns.iter().map(|c| c["labels"].as_array().unwrap().len()).sum();
    assert!(scans >= 1.0 && findings >= 1, "{metrics}");
    let query = |op: &str| metric(&metrics, &format!("assay_store_queries_total{{op=\"{op}\"}}"));
    assert_eq!(query("record_scan"), scans * 3.0 + (columns.len() + findings) as f64, "{metrics}");
    assert_eq!(query("update_objects"), 2.0, "{metrics}");
    assert!(query("claim_source") >= 1.0 && query("claim_due") >= 1.0 && query("add_source") >= 1.0, "{metrics}");

    let out = svc.cli(&["sources", "remove", "example"]);
    assert!(out.status.success());
    let out = svc.cli(&["sources", "remove", "example"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    let log = svc.stop();

    // Structured logs: one JSON object per line, scans named, no sampled value.
    let lines: Vec<Value> = log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect();
    assert!(lines.iter().any(|l| l["fields"]["message"] == "scan recorded" && l["fields"]["source"] == "example"), "{log}");
    assert!(lines.last().is_some_and(|l| l["fields"]["message"] == "stopped"), "{log}");
    assert!(!log.contains("@example.com") && !log.contains("4601815908301662"), "a value leaked into the log");
}

#[test]
fn the_client_names_an_unreachable_service() {
    let port = common::http::free_port();
    let out = assay_env(&["sources", "list"], &[("ASSAY_URL", format!("http://127.0.0.1:{port}"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("127.0.0.1:{port}")));
}


/// Part files of a lake dataset: `id,contact,card` rows, `emails` of them with an address
/// and `cards` with a card number (Luhn-valid), the rest plain.
fn part_file(path: &std::path::Path, rows: usize, emails: usize, cards: usize) {
    let mut text = String::from("id,contact,card\n");
    for i in 0..rows {
        let contact = if i < emails { format!("grace.hopper{i}@example.com") } else { format!("call desk {i}") };
        let card = if i < cards { "4601815908301662" } else { "none" };
        text.push_str(&format!("{i},{contact},{card}\n"));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn lake_sources_rescan_only_new_or_changed_objects_and_merge_their_columns() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(lake.join("date=2026-11-01")).unwrap();
    part_file(&lake.join("part-00000.csv"), 60, 0, 0);
    part_file(&lake.join("part-00001.csv"), 60, 3, 0);
    part_file(&lake.join("date=2026-11-01/part-00002.csv"), 60, 0, 0);
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db, "serve-test", &[], &[]);
    let out = svc.cli(&["sources", "add", "lake", &lake.display().to_string(), "--interval", "2h"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The scheduler scans it once on its own (due at registration).
    let deadline = Instant::now() + Duration::from_secs(60);
    let columns = loop {
        let v: Value = serde_json::from_str(&svc.get("/api/v1/sources/lake/columns")).unwrap();
        if v["columns"].as_array().is_some_and(|c| !c.is_empty()) {
            break v;
        }
        assert!(Instant::now() < deadline, "the scheduler never scanned the source: {v}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let shown = lake.display().to_string();
    let contact = common::cli::column(&columns, &shown, "contact");
    assert_eq!(contact["objects"], 3, "one dataset over every part and partition: {columns}");
    assert_eq!(common::cli::labels(&columns, &shown, "contact"), ["pii.email"]);
    assert_eq!(contact["labels"][0]["matches"], 3);
    assert_eq!(contact["non_null"], 180);

    // Nothing changed: nothing is read, and the verdict still stands.
    let scan = scan_json(&svc, "lake");
    assert_eq!((scan["read"].as_u64(), scan["unchanged"].as_u64(), scan["removed"].as_u64()), (Some(0), Some(3), Some(0)), "{scan}");
    assert_eq!(common::cli::labels(&scan["report"], &shown, "contact"), ["pii.email"]);

    // One part rewritten with card numbers, one removed, one added: only two are read,
    // and the merged columns cover the three parts that exist now.
    part_file(&lake.join("date=2026-11-01/part-00002.csv"), 80, 0, 5);
    std::fs::remove_file(lake.join("part-00000.csv")).unwrap();
    part_file(&lake.join("part-00003.csv"), 40, 0, 0);
    let scan = scan_json(&svc, "lake");
    assert_eq!((scan["read"].as_u64(), scan["unchanged"].as_u64(), scan["removed"].as_u64()), (Some(2), Some(1), Some(1)), "{scan}");
    let report = &scan["report"];
    assert_eq!(common::cli::labels(report, &shown, "contact"), ["pii.email"], "kept from the unchanged part: {report}");
    assert_eq!(common::cli::labels(report, &shown, "card"), ["pii.credit_card"]);
    let card = common::cli::column(report, &shown, "card");
    assert_eq!((card["objects"].as_u64(), card["non_null"].as_u64(), card["labels"][0]["matches"].as_u64()), (Some(3), Some(180), Some(5)), "{report}");

    // The same view at rest.
    let at_rest: Value = serde_json::from_str(&svc.get("/api/v1/sources/lake/columns")).unwrap();
    assert_eq!(at_rest["columns"], report["columns"]);
    assert_eq!(svc.call("GET", "/api/v1/sources/nothing/columns", b"").0, 404);
    svc.stop();
}

/// `assay sources scan <name> --format json`, which must succeed.
fn scan_json(svc: &Service, name: &str) -> Value {
    let out = svc.cli(&["sources", "scan", name, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// README's first command: `assay serve --example` registers the bundled data, scans it,
/// prints its columns with findings, and keeps serving.
#[test]
fn serve_example_shows_the_bundled_sources_findings() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::http::free_port();
    let stdout = tempfile::NamedTempFile::new().unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["serve", "--example", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("assay.db").display()))
        .stdout(stdout.reopen().unwrap())
        .stderr(log.reopen().unwrap())
        .spawn()
        .expect("start assay serve --example");
    let mut svc = Service { child, url: format!("http://127.0.0.1:{port}"), log, token: String::new() };
    let deadline = Instant::now() + Duration::from_secs(60);
    let printed = loop {
        let text = std::fs::read_to_string(stdout.path()).unwrap();
        if text.contains("Stop it with Ctrl-C") {
            break text;
        }
        assert!(Instant::now() < deadline, "no findings printed; stdout: {text}\nlog: {}", std::fs::read_to_string(svc.log.path()).unwrap());
        std::thread::sleep(Duration::from_millis(200));
    };
    let line = |col: &str| printed.lines().find(|l| l.contains("customers*") && l.split_whitespace().nth(1) == Some(col)).unwrap_or_else(|| panic!("no {col} row in {printed}"));
    assert!(line("contact").contains("pii.email"), "{printed}");
    assert!(line("card").contains("pii.credit_card"), "{printed}");
    assert!(!printed.contains("4601815908301662") && !printed.contains("jean.briggs0@example.com"), "raw values printed: {printed}");
    // It prints a local admin token to use the API with; the service goes on: the source
    // is registered and served.
    svc.token = printed.lines().find_map(|l| l.trim().strip_prefix("export ASSAY_TOKEN=")).unwrap_or_else(|| panic!("no token printed: {printed}")).to_string();
    let list = svc.cli(&["sources", "list", "--format", "json"]);
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(list[0]["name"], "example");
    svc.stop();
}

/// The value of one series (`name{labels}`) in Prometheus text; 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(0.0)
}
