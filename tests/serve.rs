//! `assay serve` and the `sources` verbs as users run them: the service on a SQLite file,
//! the CLI talking to it over HTTP, malformed requests answered with JSON errors, metrics,
//! JSON logs, and a clean stop on SIGTERM.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::assay_env;
use serde_json::Value;

struct Service {
    child: Child,
    url: String,
    /// The service's log (stderr), JSON lines.
    log: tempfile::NamedTempFile,
}

impl Service {
    fn start(db: &str) -> Service {
        let port = common::http::free_port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_assay"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--poll", "1s", "--log-format", "json"])
            .env("DATABASE_URL", db)
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap())
            .spawn()
            .expect("start assay serve");
        let url = format!("http://127.0.0.1:{port}");
        common::http::wait_for(&url);
        Service { child, url, log }
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        assay_env(args, &[("ASSAY_URL", self.url.clone())])
    }

    /// SIGTERM; the exit status within 30 s and the whole log.
    fn stop(mut self) -> (std::process::ExitStatus, String) {
        // SAFETY: signalling our own child process.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, std::fs::read_to_string(self.log.path()).unwrap());
            }
            assert!(Instant::now() < deadline, "assay serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn register_scan_list_and_remove_through_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db);

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

    // Scan now and wait: the report is the scan contract.
    let out = svc.cli(&["sources", "scan", "example", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(common::cli::labels(&report, "customers.csv", "contact"), ["pii.email"]);

    // Malformed requests get 4xx JSON errors.
    let code = common::http::request(&svc.url, "POST", "/api/v1/sources", &[("Content-Type", "application/json")], b"{\"name\": 1}");
    assert_eq!(code, 400);
    let code = common::http::request(&svc.url, "POST", "/api/v1/sources", &[("Content-Type", "application/json")], b"{\"name\":\"x y\",\"location\":\"examples/data\"}");
    assert_eq!(code, 400);
    let code = common::http::request(&svc.url, "POST", "/api/v1/sources", &[("Content-Type", "application/json")], b"{\"name\":\"x\",\"location\":\"examples/data\",\"interval\":\"soon\"}");
    assert_eq!(code, 400);
    assert_eq!(common::http::request(&svc.url, "GET", "/api/v1/nothing", &[], b""), 404);
    assert_eq!(common::http::request(&svc.url, "GET", "/healthz", &[], b""), 200);
    assert_eq!(common::http::request(&svc.url, "GET", "/readyz", &[], b""), 200);

    let metrics = common::http::get(&svc.url, "/metrics");
    assert!(metrics.contains("assay_scans_total{status=\"succeeded\"}"), "{metrics}");
    assert!(metrics.contains("assay_findings_total{label=\"pii.email\"}"), "{metrics}");
    assert!(metrics.contains("assay_scan_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("assay_sources_overdue 0"), "{metrics}");
    // Store statements per scan, counted where they run: the scan row, one row per column
    // and per finding, BEGIN and COMMIT; one lease release each. The source may also have
    // had its scheduled scan (it is due on registration), so compare per recorded scan.
    let scans = metric(&metrics, "assay_scans_total{status=\"succeeded\"}");
    let columns = report["columns"].as_array().unwrap();
    let findings: usize = columns.iter().map(|c| c["labels"].as_array().unwrap().len()).sum();
    assert!(scans >= 1.0 && findings >= 1, "{metrics}");
    let query = |op: &str| metric(&metrics, &format!("assay_store_queries_total{{op=\"{op}\"}}"));
    assert_eq!(query("record_scan"), scans * (3 + columns.len() + findings) as f64, "{metrics}");
    assert_eq!(query("finish_lease"), scans, "{metrics}");
    assert!(query("claim_source") >= 1.0 && query("claim_due") >= 1.0 && query("add_source") >= 1.0, "{metrics}");

    let out = svc.cli(&["sources", "remove", "example"]);
    assert!(out.status.success());
    let out = svc.cli(&["sources", "remove", "example"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    let (status, log) = svc.stop();
    assert!(status.success(), "clean exit on SIGTERM");

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

/// The value of one series (`name{labels}`) in Prometheus text; 0 when absent.
fn metric(text: &str, series: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok()).unwrap_or(0.0)
}
