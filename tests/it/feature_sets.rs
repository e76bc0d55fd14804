//! Feature sets, contamination alerts, reviews and the gate, as users drive them: the
//! binary's CLI and HTTP API against `assay serve`, on a SQLite and a Postgres store, over
//! a Parquet lake directory and a real Postgres table.

use crate::common;

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use common::service::{create_token, Service};
use serde_json::Value;

/// 1,000 rows of churn features; `emails` of the `notes` values hold an e-mail address.
fn features(emails: usize) -> RecordBatch {
    let n = 1000;
    let schema = Arc::new(Schema::new(vec![
        Field::new("user_id", DataType::Int64, false),
        Field::new("plan", DataType::Utf8, false),
        Field::new("tenure", DataType::Int64, false),
        Field::new("notes", DataType::Utf8, false),
    ]));
    let every = n / emails.max(1);
    let notes: Vec<String> = (0..n)
        .map(|i| if emails > 0 && i % every == 3 { format!("asked to be called back at customer{i}.smith@mail-example.org") } else { format!("renewed after call {i}, happy with support") })
        .collect();
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(0..n as i64)),
            Arc::new(StringArray::from_iter_values((0..n).map(|i| ["basic", "pro", "team"][i % 3]))),
            Arc::new(Int64Array::from_iter_values((0..n as i64).map(|i| i % 60))),
            Arc::new(StringArray::from_iter_values(notes)),
        ],
    )
    .unwrap()
}

fn write_features(dir: &Path, emails: usize) {
    common::cli::write_parquet(&dir.join("part-00000.parquet"), &features(emails));
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn ok(out: std::process::Output) -> std::process::Output {
    assert!(out.status.success(), "{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    out
}

/// The open (unresolved) alerts, as the API lists them.
fn unresolved(svc: &Service) -> Vec<Value> {
    let page: Value = serde_json::from_str(&svc.get("/api/v1/alerts?feature_set=churn")).unwrap();
    page["items"].as_array().unwrap().iter().filter(|a| a["status"] != "resolved").cloned().collect()
}

fn gate(svc: &Service) -> (i32, Value) {
    let out = svc.cli(&["gate", "churn", "--format", "json"]);
    let code = out.status.code().unwrap();
    (code, if code == 2 { Value::Null } else { json(&out) })
}

/// The whole story of issue 13 on one store.
fn story(db: &str, pg: &common::pg::TestDb, rt: &tokio::runtime::Runtime) {
    rt.block_on(pg.exec("CREATE TABLE public.orders (id BIGSERIAL PRIMARY KEY, amount BIGINT NOT NULL, memo TEXT NOT NULL)"));
    rt.block_on(pg.exec("INSERT INTO public.orders (amount, memo) SELECT g, 'order ' || g || ' shipped' FROM generate_series(1, 300) g"));
    rt.block_on(pg.exec("ANALYZE public.orders"));
    let lake = tempfile::tempdir().unwrap();
    write_features(lake.path(), 0);
    let mut receiver = common::receiver::Receiver::new();
    receiver.start();
    let secret = format!("whsec-{:016x}", rand::random::<u64>());
    let svc = Service::start(db, "story", &["--resolve-after", "1"], &[("ASSAY_SOURCE_ORDERS", pg.dsn().to_string()), ("ASSAY_WEBHOOK_STORY", secret.clone())]);
    let hook = serde_json::json!({"name": "ml-alerts", "url": receiver.url("/assay"), "secret": "env:ASSAY_WEBHOOK_STORY"});
    let (status, body) = svc.call("PUT", "/api/v1/webhooks/ml-alerts", hook.to_string().as_bytes());
    assert_eq!(status, 201, "{body}");
    let reviewer = create_token(db, "reviewer", "compliance");
    let pipeline = create_token(db, "pipeline", "retrain");

    svc.add("features", &lake.path().display().to_string(), &["--sample-rows", "5000"]);
    svc.add("orders", "env:ASSAY_SOURCE_ORDERS", &["--table", "public.orders"]);
    // Never scanned yet: the gate fails closed, naming the member.
    ok(svc.cli(&["feature-sets", "add", "churn", "--source", "features", "--columns", "plan,tenure,notes,segment", "--owner", "ml-platform"]));
    let (status, body) = svc.call("PUT", "/api/v1/feature-sets/churn", br#"{"name":"churn","owner":"ml-platform","members":[
        {"source":"features","columns":["plan","tenure","notes","segment"]},{"source":"orders"}]}"#);
    assert_eq!(status, 200, "{body}");
    let (code, answer) = gate(&svc);
    assert_eq!(code, 1, "{answer}");
    assert!(answer["reasons"].as_array().unwrap().iter().any(|r| r["kind"] == "never_scanned" && r["source"] == "orders"), "{answer}");
    // A named column that does not exist (yet) is allowed and shown as not seen.
    ok(svc.cli(&["sources", "scan", "features"]));
    ok(svc.cli(&["sources", "scan", "orders"]));
    let show = json(&ok(svc.cli(&["feature-sets", "show", "churn", "--format", "json"])));
    assert_eq!(show["members"][0]["not_seen"], serde_json::json!(["segment"]), "{show}");
    let (code, answer) = gate(&svc);
    assert_eq!(code, 1);
    assert_eq!(answer["reasons"].as_array().unwrap().iter().map(|r| r["kind"].as_str().unwrap()).collect::<Vec<_>>(), ["column_missing"], "{answer}");
    let (status, _) = svc.call("PUT", "/api/v1/feature-sets/churn", br#"{"name":"churn","owner":"ml-platform","members":[
        {"source":"features","columns":["plan","tenure","notes"]},{"source":"orders"}]}"#);
    assert_eq!(status, 200);
    let (code, answer) = gate(&svc);
    assert_eq!(code, 0, "clean data passes: {answer}");
    assert_eq!(answer["members"].as_array().unwrap().len(), 2);

    // Contamination: e-mail addresses in 1 % of the notes, a card number in one row.
    write_features(lake.path(), 10);
    rt.block_on(pg.exec("UPDATE public.orders SET memo = 'paid with card 4111 1111 1111 1111 by phone' WHERE id = 17"));
    for _ in 0..2 {
        ok(svc.cli(&["sources", "scan", "features"]));
        ok(svc.cli(&["sources", "scan", "orders"]));
    }
    let alerts = unresolved(&svc);
    let mut keys: Vec<(String, String, String)> = alerts.iter().map(|a| (a["source"].as_str().unwrap().into(), a["column"].as_str().unwrap().into(), a["label"].as_str().unwrap().into())).collect();
    keys.sort();
    assert_eq!(keys, [("features".into(), "notes".into(), "pii.email".into()), ("orders".into(), "memo".into(), "pii.credit_card".into())], "one alert per (column, label) however many scans: {alerts:?}");
    let email = alerts.iter().find(|a| a["label"] == "pii.email").unwrap().clone();
    // The webhook hears of each alert once, signed with its secret.
    receiver.wait_until(std::time::Duration::from_secs(20), "both alerts delivered", |r| r.accepted().iter().filter(|m| m.json()["event"] == "alert.opened").count() >= 2);
    let opened: Vec<_> = receiver.accepted().into_iter().filter(|m| m.json()["event"] == "alert.opened").collect();
    assert_eq!(opened.len(), 2, "{:?}", receiver.summary());
    let mut heard: Vec<(String, String)> = opened.iter().map(|m| (m.json()["alert"]["column"].as_str().unwrap().into(), m.json()["alert"]["label"].as_str().unwrap().into())).collect();
    heard.sort();
    assert_eq!(heard, [("memo".into(), "pii.credit_card".into()), ("notes".into(), "pii.email".into())]);
    for m in &opened {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&m.body);
        assert_eq!(m.headers["x-assay-signature"], format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
        assert!(!String::from_utf8_lossy(&m.body).contains("customer3.smith"), "masked evidence only");
    }
    let deliveries: Value = serde_json::from_str(&svc.get(&format!("/api/v1/alerts/{}/deliveries", email["id"]))).unwrap();
    assert_eq!(deliveries[0]["status"], "delivered", "{deliveries}");

    // A feature set declared over data already scanned alerts at once, without a scan.
    ok(svc.cli(&["feature-sets", "add", "late", "--source", "features", "--columns", "notes"]));
    let late: Value = serde_json::from_str(&svc.get("/api/v1/alerts?feature_set=late")).unwrap();
    assert_eq!(late["items"].as_array().unwrap().len(), 1, "{late}");
    ok(svc.cli(&["feature-sets", "remove", "late"]));
    assert!((email["match_rate"].as_f64().unwrap() - 0.01).abs() < 0.002, "{email}");
    // Seen by both scans: first by one, last by the latest.
    let latest: Value = serde_json::from_str(&svc.get("/api/v1/sources/features/scans?limit=1")).unwrap();
    assert_eq!(email["scan_id"], latest["items"][0]["id"], "{email} {latest}");
    assert!(email["first_scan_id"].as_i64() < email["scan_id"].as_i64(), "{email}");
    assert!(email["evidence"][0].as_str().unwrap().contains('*'), "masked evidence only: {email}");
    let (code, answer) = gate(&svc);
    assert_eq!(code, 1);
    let mut named: Vec<(String, String, String)> = answer["reasons"].as_array().unwrap().iter().map(|r| (r["kind"].as_str().unwrap().into(), r["column"].as_str().unwrap_or("").into(), r["label"].as_str().unwrap_or("").into())).collect();
    named.sort();
    assert_eq!(named, [("contaminated".into(), "memo".into(), "pii.credit_card".into()), ("contaminated".into(), "notes".into(), "pii.email".into())], "{answer}");
    // The pipeline may ask the gate and read its feature set's findings, nothing else.
    assert_eq!(svc.call_as(&pipeline, "GET", "/api/v1/feature-sets/churn/gate", b"").0, 200);
    let (status, findings) = svc.call_as(&pipeline, "GET", "/api/v1/feature-sets/churn/findings", b"");
    assert!(status == 200 && findings.contains("pii.email") && !findings.contains("customer3.smith"), "{findings}");
    assert_eq!(svc.call_as(&pipeline, "GET", "/api/v1/sources", b"").0, 403);
    assert_eq!(svc.call_as(&pipeline, "GET", "/api/v1/alerts", b"").0, 403);
    assert_eq!(svc.call_as(&pipeline, "POST", "/api/v1/reviews", b"{}").0, 403);

    // Review: dismiss the e-mails as a false positive (a reviewer, with a reason); clean
    // the card out of the table. The next scans resolve both alerts and the gate passes.
    let dataset = email["dataset"].as_str().unwrap();
    let review = serde_json::json!({"source": "features", "dataset": dataset, "column": "notes", "label": "pii.email", "verdict": "dismiss", "reason": "support's test mailbox"});
    assert_eq!(svc.call("POST", "/api/v1/reviews", br#"{"source":"features","column":"notes","label":"pii.email","verdict":"dismiss"}"#).0, 400, "a dismissal needs a reason");
    let (status, body) = svc.call_as(&reviewer, "POST", "/api/v1/reviews", review.to_string().as_bytes());
    assert_eq!(status, 201, "{body}");
    rt.block_on(pg.exec("UPDATE public.orders SET memo = 'order 17 shipped' WHERE id = 17"));
    ok(svc.cli(&["sources", "scan", "features"]));
    ok(svc.cli(&["sources", "scan", "orders"]));
    assert!(unresolved(&svc).is_empty(), "{:?}", unresolved(&svc));
    let (code, answer) = gate(&svc);
    assert_eq!(code, 0, "dismissed and cleaned: {answer}");
    let history: Value = serde_json::from_str(&svc.get(&format!("/api/v1/alerts/{}", email["id"]))).unwrap();
    let kinds: Vec<&str> = history["history"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["opened", "dismissed"], "{history}");
    receiver.wait_until(std::time::Duration::from_secs(20), "both alerts resolved", |r| r.accepted().iter().filter(|m| m.json()["event"] == "alert.resolved" && m.json()["alert"]["feature_set"] == "churn").count() >= 2);
    assert_eq!(history["history"][1]["actor"], "compliance");

    // The dismissed finding comes back at ten times the rate: the same alert reopens.
    write_features(lake.path(), 100);
    ok(svc.cli(&["sources", "scan", "features"]));
    let alerts = unresolved(&svc);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0]["id"].clone(), alerts[0]["episode"].as_i64()), (email["id"].clone(), Some(2)), "{alerts:?}");
    let reviews: Value = serde_json::from_str(&svc.get("/api/v1/reviews?source=features")).unwrap();
    assert_eq!(reviews["items"][0]["verdict"], "lapsed", "{reviews}");
    let (code, _) = gate(&svc);
    assert_eq!(code, 1);
    receiver.wait_until(std::time::Duration::from_secs(20), "the reopening and the gate failing delivered", |r| {
        let events: Vec<String> = r.accepted().iter().map(|m| m.json()["event"].as_str().unwrap_or("").to_string()).collect();
        events.iter().any(|e| e == "alert.reopened") && events.iter().filter(|e| *e == "gate.failed").count() >= 2
    });
    // Every event delivered exactly once.
    assert!(receiver.accepted_by_key().values().all(|n| *n == 1), "{:?}", receiver.accepted_by_key());

    // Acknowledging keeps it failing the gate; the audit log has every review and change.
    let (status, body) = svc.call_as(&reviewer, "POST", &format!("/api/v1/alerts/{}/acknowledge", email["id"]), br#"{"reason":"owner notified"}"#);
    assert_eq!(status, 200, "{body}");
    assert_eq!(gate(&svc).0, 1);
    let audit = svc.get("/api/v1/audit?actor=compliance");
    assert!(audit.contains("reviews.add") && audit.contains("alerts.acknowledge"), "{audit}");

    // A sibling file of another family leaves the dataset, its alert and its members alone.
    std::fs::write(lake.path().join("lookup_regions.csv"), "region,code\nnorth,1\nsouth,2\n").unwrap();
    ok(svc.cli(&["sources", "scan", "features"]));
    std::fs::rename(lake.path().join("lookup_regions.csv"), lake.path().join("regions_v2.csv")).unwrap();
    ok(svc.cli(&["sources", "scan", "features"]));
    std::fs::remove_file(lake.path().join("regions_v2.csv")).unwrap();
    ok(svc.cli(&["sources", "scan", "features"]));
    let alerts = unresolved(&svc);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!((alerts[0]["id"].clone(), alerts[0]["dataset"].as_str()), (email["id"].clone(), Some(dataset)), "{alerts:?}");

    // A member's column that disappears is a finding, not silence.
    rt.block_on(pg.exec("ALTER TABLE public.orders DROP COLUMN memo"));
    ok(svc.cli(&["sources", "scan", "orders"]));
    let (_, answer) = gate(&svc);
    assert!(answer["reasons"].as_array().unwrap().iter().any(|r| r["kind"] == "column_missing" && r["column"] == "memo" && r["label"] == "schema.column_removed"), "{answer}");

    // Attestation: signed, verified against the server's key, and tampering is caught.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("attestation.json");
    let out = svc.cli_as(&pipeline, &["gate", "churn", "--attest", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let attested: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!((attested["attestation"]["feature_set"].as_str(), attested["attestation"]["status"].as_str()), (Some("churn"), Some("fail")));
    assert!(attested["attestation"]["members"][0]["objects"][0]["object"].as_str().unwrap().ends_with("part-00000.parquet"), "{attested}");
    assert_eq!(ok(svc.cli_as(&pipeline, &["verify", file.to_str().unwrap()])).status.code(), Some(0));
    std::fs::write(&file, std::fs::read_to_string(&file).unwrap().replace("\"fail\"", "\"pass\"")).unwrap();
    assert_eq!(svc.cli_as(&pipeline, &["verify", file.to_str().unwrap()]).status.code(), Some(1));

    // --rescan scans the members now and answers from those scans.
    let before: Value = serde_json::from_str(&svc.get("/api/v1/feature-sets/churn/gate")).unwrap();
    let out = svc.cli_as(&pipeline, &["gate", "churn", "--rescan", "--format", "json", "--timeout", "2m"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let after = json(&out);
    assert!(after["scans"].as_array().unwrap().iter().zip(before["scans"].as_array().unwrap()).all(|(a, b)| a.as_i64() > b.as_i64()), "{before}\n{after}");

    // Cannot decide: an unknown feature set, a bad token, the server down.
    assert_eq!(svc.cli(&["gate", "no-such-set"]).status.code(), Some(2));
    assert_eq!(svc.cli_as("assay_0000", &["gate", "churn"]).status.code(), Some(2));
    // A source a feature set uses cannot be removed from under it.
    assert!(String::from_utf8_lossy(&svc.cli(&["sources", "remove", "orders"]).stderr).contains("409"));
    let url = svc.url.clone();
    let token = svc.token.clone();
    svc.stop();
    let out = common::cli::assay_env(&["gate", "churn"], &[("ASSAY_URL", url), ("ASSAY_TOKEN", token)]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_whole_story_on_sqlite() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(common::pg::TestDb::new());
    let dir = tempfile::tempdir().unwrap();
    story(&format!("sqlite://{}", dir.path().join("assay.db").display()), &pg, &rt);
}

#[test]
fn the_whole_story_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(common::pg::TestDb::new());
    let data = rt.block_on(common::pg::TestDb::new());
    story(store.dsn(), &data, &rt);
}
