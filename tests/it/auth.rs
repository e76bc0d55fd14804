//! Access control as clients meet it: every route with no token, bad tokens and every
//! role; the audit log of changes and refusals; the OpenAPI document against the router;
//! reference abuse; rate limits; and no planted secret anywhere in responses, logs or the
//! store afterwards.

use std::time::Duration;

use serde_json::Value;

use crate::common;
use common::service::{create_token, Service};

/// A path of `route` with its parameters filled by values that name nothing.
fn concrete(path: &str) -> String {
    path.replace("{name}", "nosuch").replace("{id}", "999999")
}

/// A body for a mutating route: valid JSON of the wrong shape, so an admitted caller gets
/// a 4xx and nothing changes.
const BODY: &[u8] = b"{}";

fn sqlite_store() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    (dir, db)
}

#[test]
fn every_route_answers_401_without_a_valid_token_and_403_to_the_wrong_role() {
    let (_dir, db) = sqlite_store();
    let svc = Service::start(&db, "matrix", &[], &[]);
    let roles = ["admin", "engineer", "reviewer", "pipeline"];
    let tokens: Vec<(String, String)> = roles.iter().map(|r| (r.to_string(), create_token(&db, r, &format!("matrix-{r}")))).collect();
    let expiring = svc.cli(&["tokens", "list"]); // a live read first: the admin token works
    assert!(expiring.status.success(), "{}", String::from_utf8_lossy(&expiring.stderr));
    let expired = {
        let out = common::cli::assay_env(&["tokens", "create", "--role", "admin", "--name", "short-lived", "--expires", "1s"], &[("DATABASE_URL", db.clone())]);
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let revoked = create_token(&db, "admin", "revoked-one");
    let out = svc.cli(&["tokens", "revoke", "revoked-one"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(Duration::from_millis(1200));
    let unknown = format!("assay_{}", "ab".repeat(32));
    let bad = [("", "no token"), ("assay_short", "malformed"), ("not-even-a-token", "malformed"), (unknown.as_str(), "unknown"), (expired.as_str(), "expired"), (revoked.as_str(), "revoked")];

    let mut checked = 0;
    for route in assay::api::ROUTES {
        let path = concrete(route.path);
        let body = if route.mutates() { BODY } else { b"" as &[u8] };
        if route.is_open() {
            let (code, _) = svc.call_as("", route.method, &path, body);
            assert_eq!(code, 200, "{} {path} is open", route.method);
            continue;
        }
        for (token, what) in bad {
            let (code, answer) = svc.call_as(token, route.method, &path, body);
            assert_eq!(code, 401, "{} {path} with a {what} token: {answer}", route.method);
            let v: Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{} {path}: not JSON ({e}): {answer}", route.method));
            assert_eq!(v["error"]["code"], "unauthenticated", "{answer}");
        }
        for (role, token) in &tokens {
            let (code, answer) = svc.call_as(token, route.method, &path, body);
            let admitted = route.roles.iter().any(|r| r.as_str() == role);
            assert!(code < 500, "{} {path} as {role}: {code} {answer}", route.method);
            if admitted {
                assert!(code != 401 && code != 403, "{} {path} as {role} (admitted): {code} {answer}", route.method);
            } else {
                assert_eq!(code, 403, "{} {path} as {role}: {answer}", route.method);
                let v: Value = serde_json::from_str(&answer).unwrap();
                assert_eq!(v["error"]["code"], "forbidden", "{answer}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 4 * 15, "only {checked} route × role pairs");

    // Every refusal is in the audit log, told apart: who (when known) and why.
    let audit: Value = serde_json::from_str(&svc.get("/api/v1/audit?limit=1000")).unwrap();
    let rows = audit["items"].as_array().unwrap();
    let count = |outcome: &str, actor: Option<&str>| rows.iter().filter(|r| r["outcome"] == outcome && actor.is_none_or(|a| r["actor"] == a)).count();
    assert!(count("unauthenticated", None) >= 6 * 15, "{}", rows.len());
    assert!(count("unauthenticated", Some("short-lived")) >= 15, "expired tokens are named in the log");
    assert!(count("unauthenticated", Some("revoked-one")) >= 15, "revoked tokens are named in the log");
    assert!(count("denied", Some("matrix-pipeline")) >= 10);
    assert!(rows.iter().any(|r| r["action"] == "tokens.revoke" && r["target"] == "token:revoked-one" && r["outcome"] == "ok"));
    assert!(rows.iter().all(|r| r["request_id"].as_str().is_some_and(|id| id.len() == 32)));
    let log = svc.stop();
    for (_, token) in &tokens {
        assert!(!log.contains(token.as_str()), "a token was logged");
    }
}

#[test]
fn the_openapi_document_lists_every_route_with_its_roles() {
    let (_dir, db) = sqlite_store();
    let svc = Service::start(&db, "openapi", &[], &[]);
    let doc: Value = serde_json::from_str(&svc.get("/api/v1/openapi.json")).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for route in assay::api::ROUTES {
        let op = &paths.get(route.path).unwrap_or_else(|| panic!("{} is not in the document", route.path))[route.method.to_lowercase()];
        assert!(op.is_object(), "{} {} is not in the document", route.method, route.path);
        let roles: Vec<&str> = route.roles.iter().map(|r| r.as_str()).collect();
        if route.is_open() {
            assert!(op.get("x-roles").is_none());
        } else {
            assert_eq!(op["x-roles"], serde_json::json!(roles), "{} {}", route.method, route.path);
        }
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                assay::api::ROUTES.iter().any(|r| r.path == path && r.method.eq_ignore_ascii_case(method)),
                "{method} {path} is documented but not routed"
            );
        }
    }
    svc.stop();
}

#[test]
fn references_and_paths_outside_the_operators_allowance_are_refused_without_echo() {
    let (dir, db) = sqlite_store();
    let planted_env = "planted-env-secret-7c1d9e";
    let planted_file = "planted-file-secret-e4a2b0";
    let secrets = dir.path().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    std::fs::write(secrets.join("dsn"), format!("ftp://user:{planted_file}@host.example/x\n")).unwrap();
    std::fs::write(secrets.join("text"), format!("just some text {planted_file}\n")).unwrap();
    let env = [
        ("ASSAY_PLANTED_SECRET", format!("postgres://app:{planted_env}@db/x")),
        ("ASSAY_SOURCE_PLANTED", format!("ftp://user:{planted_env}@host.example/x")),
    ];
    let svc = Service::start(&db, "refs", &[], &env);
    let tmp = std::env::temp_dir();
    let outside = ["/etc/passwd", "file:/etc/passwd", "file:/proc/self/environ", "file:///proc/self/environ", "/proc/self/environ"];
    let mut answers = String::new();
    let mut try_add = |name: &str, location: &str| -> (u16, String) {
        let body = serde_json::json!({ "name": name, "location": location }).to_string();
        let (code, answer) = svc.call("POST", "/api/v1/sources", body.as_bytes());
        answers.push_str(&answer);
        (code, answer)
    };
    for (i, loc) in outside.iter().enumerate() {
        let (code, answer) = try_add(&format!("outside{i}"), loc);
        assert_eq!(code, 403, "{loc}: {answer}");
    }
    for loc in ["env:DATABASE_URL", "env:ASSAY_PLANTED_SECRET", "env:HOME", "env:PATH"] {
        let (code, answer) = try_add("envref", loc);
        assert_eq!(code, 403, "{loc}: {answer}");
        assert!(answer.contains("may not read that variable"), "{answer}");
    }
    // Allowed by name, but what it holds is not a location: refused, not quoted.
    let (code, answer) = try_add("planted", "env:ASSAY_SOURCE_PLANTED");
    assert_eq!(code, 400, "{answer}");
    // A file under an allowed directory holding something that is not a location.
    for f in ["dsn", "text"] {
        let (code, answer) = try_add("fileref", &format!("file:{}", secrets.join(f).display()));
        assert!(code == 400 || code == 403, "{f}: {answer}");
    }
    // Traversal out of an allowed directory, in any spelling.
    for loc in [format!("{}/../../etc/passwd", tmp.display()), format!("{}/../etc", concat!(env!("CARGO_MANIFEST_DIR"), "/examples")), format!("file://{}/../../etc/passwd", tmp.display())] {
        let (code, answer) = try_add("traversal", &loc);
        assert!(code == 403, "{loc}: {answer}");
    }
    // A credential written into the location is refused; the store never holds it.
    let (code, answer) = try_add("inline", "postgres://app:inline-planted-pw@127.0.0.1:5432/x");
    assert_eq!(code, 403, "{answer}");
    assert!(answer.contains("env:") && answer.contains("file:"), "the refusal points at references: {answer}");
    // Names that are paths or carry control characters.
    for name in ["..", ".", "../x", "a/b", "x\u{1b}[31m", "", &"n".repeat(101)] {
        let (code, answer) = try_add(name, "s3://bucket/prefix/");
        assert_eq!(code, 400, "{name:?}: {answer}");
    }
    // Engineers may register; reviewers and pipelines may not use references at all.
    let reviewer = create_token(&db, "reviewer", "refs-reviewer");
    let body = serde_json::json!({ "name": "x", "location": "env:ASSAY_SOURCE_PLANTED" }).to_string();
    assert_eq!(svc.call_as(&reviewer, "POST", "/api/v1/sources", body.as_bytes()).0, 403);

    let audit = svc.get("/api/v1/audit?action=sources.add&limit=1000");
    let log = svc.stop();
    let store = dump_sqlite(dir.path());
    for planted in [planted_env, planted_file, "inline-planted-pw", "root:x:0:0"] {
        assert!(!answers.contains(planted), "{planted} answered: {answers}");
        assert!(!log.contains(planted), "{planted} logged");
        assert!(!audit.contains(planted), "{planted} in the audit log");
        assert!(!store.contains(planted), "{planted} stored");
    }
    // Every refusal was audited.
    let audit: Value = serde_json::from_str(&audit).unwrap();
    assert!(audit["items"].as_array().unwrap().iter().filter(|r| r["outcome"] == "denied").count() >= 12, "{audit}");
}

/// The store's bytes (the database file and its WAL) as text, for "never stored" checks.
fn dump_sqlite(dir: &std::path::Path) -> String {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("assay.db") {
            all.extend(std::fs::read(e.path()).unwrap());
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[test]
fn the_audit_log_filters_pages_exports_and_cannot_be_changed() {
    let (dir, db) = sqlite_store();
    let svc = Service::start(&db, "audit", &[], &[]);
    let engineer = create_token(&db, "engineer", "eng");
    for i in 0..5 {
        let out = svc.cli_as(&engineer, &["sources", "add", &format!("s{i}"), "s3://bucket/prefix/", "--interval", "1d"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(svc.cli_as(&engineer, &["sources", "remove", "s0"]).status.success());
    // Sources page and filter too.
    let page: Value = serde_json::from_str(&svc.get("/api/v1/sources?limit=2")).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next: Value = serde_json::from_str(&svc.get(&format!("/api/v1/sources?limit=2&cursor={}", page["next_cursor"].as_str().unwrap()))).unwrap();
    assert_eq!(next["items"][0]["name"], "s3", "{next}");
    let some: Value = serde_json::from_str(&svc.get("/api/v1/sources?prefix=s4")).unwrap();
    assert_eq!(some["items"].as_array().unwrap().len(), 1);
    // By actor and action, newest first, in pages.
    let page: Value = serde_json::from_str(&svc.get("/api/v1/audit?actor=eng&action=sources.add&limit=2")).unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!((items[0]["target"].as_str(), items[1]["target"].as_str()), (Some("source:s4"), Some("source:s3")));
    assert_eq!(items[0]["role"], "engineer");
    assert!(items[0]["client"].as_str().is_some_and(|c| c == "127.0.0.1"));
    let cursor = page["next_cursor"].as_str().unwrap();
    let next: Value = serde_json::from_str(&svc.get(&format!("/api/v1/audit?actor=eng&action=sources.add&limit=2&cursor={cursor}"))).unwrap();
    assert_eq!(next["items"][0]["target"], "source:s2");
    let by_target: Value = serde_json::from_str(&svc.get("/api/v1/audit?target=source:s0")).unwrap();
    assert_eq!(by_target["items"].as_array().unwrap().len(), 2, "added and removed: {by_target}");
    let future: Value = serde_json::from_str(&svc.get("/api/v1/audit?since=2999-01-01T00:00:00Z")).unwrap();
    assert!(future["items"].as_array().unwrap().is_empty());
    assert_eq!(svc.call("GET", "/api/v1/audit?since=yesterday", b"").0, 400);
    // Exports.
    let (code, csv) = svc.call("GET", "/api/v1/audit?actor=eng&format=csv", b"");
    assert_eq!(code, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "id,at,actor,role,action,target,outcome,status,client,request_id,detail");
    assert_eq!(lines.len(), 1 + 6, "{csv}");
    let (code, jsonl) = svc.call("GET", "/api/v1/audit?actor=eng&format=jsonl", b"");
    assert_eq!(code, 200);
    assert_eq!(jsonl.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).filter(|v| v["actor"] == "eng").count(), 6);
    // Engineers may not read it; no route changes it.
    assert_eq!(svc.call_as(&engineer, "GET", "/api/v1/audit", b"").0, 403);
    assert_eq!(svc.call("DELETE", "/api/v1/audit", b"").0, 405);
    svc.stop();
    // Not even SQL run against the store.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", dir.path().join("assay.db").display())).await.unwrap();
        for sql in ["UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"] {
            let e = sqlx::query(sql).execute(&mut c).await.unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
    });
}

#[test]
fn a_postgres_store_keeps_the_audit_log_append_only_too() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    let svc = Service::start(db.dsn(), "audit-pg", &[], &[]);
    assert!(svc.cli(&["sources", "add", "lake", "s3://bucket/prefix/"]).status.success());
    svc.stop();
    rt.block_on(async {
        let mut c = db.conn().await;
        for sql in ["UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"] {
            let e = sqlx::query(sql).execute(&mut c).await.unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'sources.add' AND outcome = 'ok'").fetch_one(&mut c).await.unwrap();
        assert_eq!(n, 1);
    });
}

#[test]
fn tokens_are_rate_limited_with_retry_after() {
    let (_dir, db) = sqlite_store();
    let svc = Service::start(&db, "limits", &["--rate-limit", "2", "--rate-burst", "5"], &[]);
    let other = create_token(&db, "reviewer", "other");
    let auth = format!("Bearer {}", svc.token);
    let mut limited = None;
    for _ in 0..20 {
        let (code, head, body) = common::http::exchange_full(&svc.url, "GET", "/api/v1/sources", &[("Authorization", &auth)], b"");
        if code == 429 {
            limited = Some((head, body));
            break;
        }
        assert_eq!(code, 200);
    }
    let (head, body) = limited.expect("20 requests at once stayed under a limit of 2/s with bursts of 5");
    assert!(head.to_ascii_lowercase().lines().any(|l| l.starts_with("retry-after: ")), "{head}");
    assert!(body.contains("rate_limited"), "{body}");
    // Per token: another token is not held back.
    assert_eq!(svc.call_as(&other, "GET", "/api/v1/sources", b"").0, 200);
    svc.stop();
}

#[test]
fn metrics_need_a_token_unless_served_on_their_own_address() {
    let (_dir, db) = sqlite_store();
    let port = common::http::free_port();
    let svc = Service::start(&db, "metrics", &["--metrics-listen", &format!("127.0.0.1:{port}")], &[]);
    assert_eq!(svc.call_as("", "GET", "/metrics", b"").0, 401);
    assert_eq!(svc.call("GET", "/metrics", b"").0, 200);
    let open = format!("http://127.0.0.1:{port}");
    common::http::wait_for(&open);
    let (code, text) = common::http::exchange(&open, "GET", "/metrics", &[], b"");
    assert_eq!(code, 200);
    assert!(text.contains("assay_store_queries_total"), "{text}");
    // Only metrics and health there.
    assert_eq!(common::http::request(&open, "GET", "/api/v1/sources", &[], b""), 404);
    svc.stop();
}

#[test]
fn planted_values_never_reach_responses_logs_or_the_store() {
    let (dir, db) = sqlite_store();
    let data = tempfile::tempdir().unwrap();
    let emails: Vec<String> = (0..40).map(|i| format!("planted.person{i}@leak-example.org")).collect();
    let cards = ["4111111111111111", "5555555555554444", "378282246310005"];
    let key = "AKIAQPLANTED7EXAMPLE";
    let mut csv = String::from("id,contact,card,note\n");
    for (i, e) in emails.iter().enumerate() {
        csv.push_str(&format!("{i},{e},{},rotated key {key} yesterday\n", cards[i % 3]));
    }
    std::fs::write(data.path().join("customers.csv"), csv).unwrap();
    let svc = Service::start(&db, "planted", &[], &[]);
    svc.add("customers", &data.path().display().to_string(), &["--interval", "1d"]);
    let out = svc.cli(&["sources", "scan", "customers", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let scan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let labels: Vec<String> = scan["report"]["columns"].as_array().unwrap().iter().flat_map(|c| c["labels"].as_array().unwrap().iter().map(|l| l["label"].as_str().unwrap().to_string())).collect();
    assert!(labels.contains(&"pii.email".to_string()) && labels.contains(&"pii.credit_card".to_string()), "{labels:?}");
    let mut seen = String::from_utf8_lossy(&out.stdout).into_owned();
    for path in ["/api/v1/sources/customers/columns", "/api/v1/sources/customers/scans", "/api/v1/audit?limit=1000", "/api/v1/sources/customers/findings/history?column=contact"] {
        seen.push_str(&svc.get(path));
    }
    let scan_id = scan["scan_id"].as_i64().unwrap();
    seen.push_str(&svc.get(&format!("/api/v1/scans/{scan_id}")));
    assert!(seen.contains("pii.email"), "{seen}");
    let log = svc.stop();
    let store = dump_sqlite(dir.path());
    let mut planted: Vec<&str> = emails.iter().map(String::as_str).collect();
    planted.extend(cards);
    planted.push(key);
    for p in planted {
        assert!(!seen.contains(p), "{p} answered");
        assert!(!log.contains(p), "{p} logged");
        assert!(!store.contains(p), "{p} stored");
    }
}

#[test]
fn a_leaked_assay_token_is_found_by_assays_own_rules() {
    let (_dir, db) = sqlite_store();
    let token = create_token(&db, "pipeline", "leaky");
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("ci_logs.csv");
    std::fs::write(&path, format!("step,line\nbuild,compiling\ndeploy,export ASSAY_TOKEN={token}\ntest,ok\n")).unwrap();
    let (report, _) = common::cli::scan_json(&[path.as_path()], &[]);
    assert_eq!(common::cli::labels(&report, "ci_logs.csv", "line"), ["secret.assay_token"]);
    assert!(!report.to_string().contains(&token[6..]), "the token itself is reported: {report}");
}

#[test]
fn a_scan_now_outlives_its_client_and_oversized_bodies_are_refused() {
    // A table that takes two seconds to sample: the client hangs up while it is scanned.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    rt.block_on(db.exec("CREATE VIEW slow AS SELECT pg_sleep(2)::text AS nap, 'ada@math-example.org'::text AS contact;"));
    let svc = Service::start(db.dsn(), "disconnect", &[], &[]);
    svc.add("slow", db.dsn(), &["--table", "public.slow", "--interval", "1d", "--sample-rows", "10"]);
    let scans = || -> usize {
        let v: Value = serde_json::from_str(&svc.get("/api/v1/sources/slow/scans")).unwrap();
        v["items"].as_array().unwrap().len()
    };
    let wait = |what: &str, done: &dyn Fn() -> bool| {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    wait("the first scheduled scan was not recorded", &|| scans() >= 1);
    let before = scans();
    {
        use std::io::Write;
        let mut s = std::net::TcpStream::connect(svc.url.trim_start_matches("http://")).unwrap();
        write!(s, "POST /api/v1/sources/slow/scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 0\r\n\r\n", svc.token).unwrap();
        // Hang up while the scan runs.
        std::thread::sleep(Duration::from_millis(700));
    }
    wait("the scan asked for by a client that left was not recorded", &|| scans() > before);
    let audit: Value = serde_json::from_str(&svc.get("/api/v1/audit?action=sources.scan")).unwrap();
    assert_eq!(audit["items"][0]["target"], "source:slow", "{audit}");
    // Bodies are bounded.
    let huge = format!("{{\"name\":\"x\",\"location\":\"s3://b/p\",\"tables\":[\"{}\"]}}", "t".repeat(2 << 20));
    let (code, answer) = svc.call("POST", "/api/v1/sources", huge.as_bytes());
    assert_eq!(code, 413, "{}", &answer[..answer.len().min(200)]);
    assert!(answer.contains("payload_too_large"), "{answer}");
    svc.stop();
}

#[test]
fn a_scan_now_waits_for_a_free_scan_slot_then_answers_429() {
    // One scan slot, held by a table that takes five seconds to sample.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    rt.block_on(db.exec("CREATE VIEW slow AS SELECT pg_sleep(5)::text AS nap, 'ada@math-example.org'::text AS contact;"));
    let svc = Service::start(db.dsn(), "one-slot", &["--concurrency", "1", "--scan-queue", "1s"], &[]);
    svc.add("slow", db.dsn(), &["--table", "public.slow", "--interval", "1d", "--sample-rows", "10"]);
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("t.csv"), "id,contact\n1,someone@mail-example.org\n").unwrap();
    svc.add("lake", &data.path().display().to_string(), &["--interval", "1d"]);
    // Ask until the slow scan holds the slot: then the ask waits one second and is refused.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (code, head, body) = common::http::exchange_full(&svc.url, "POST", "/api/v1/sources/lake/scan", &[("Authorization", &format!("Bearer {}", svc.token))], b"");
        if code == 429 {
            assert!(body.contains("\"busy\""), "{body}");
            assert!(head.to_ascii_lowercase().contains("retry-after: "), "{head}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no 429 while the only scan slot was busy (last answer {code}: {body})");
        std::thread::sleep(Duration::from_millis(100));
    }
    svc.stop();
}
