//! Time from a scan's end to the webhook receiving its alert, measured end to end: the
//! `assay serve` binary scans a CSV source that a feature set declares clean, a receiver
//! in this process (an axum server on loopback) takes the deliveries, and each event's
//! latency is its arrival time minus the end of the scan that raised it (the outbox row's
//! `created_ms` is the scan's finish time, taken before the scan is recorded, so the
//! figure includes recording the scan, its contamination check and the outbox rows).
//!
//! Rounds alternate a contaminated file (e-mail addresses in `notes`: alerts open or
//! reopen, gates fail) and a clean one (alerts resolve); each round is one scan asked for
//! through the API (`POST /api/v1/sources/bench/scan`), and the next starts once every
//! event of the last has arrived, so each latency is that of a lone scan's events.
//!
//! ```text
//! cargo build && cargo run --example webhook_latency -- [ROUNDS] [FEATURE_SETS]
//! ```
//! Defaults: 40 rounds, 2 feature sets (≈ 100 events). The binary is `ASSAY_BIN` or
//! target/debug/assay; the store a SQLite file in a temp dir, or `DATABASE_URL`
//! (postgres://…, a database it may fill). Prints p50, p90, p99 and max in ms.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use sqlx::Row;

use assay::store::{generate_token, FeatureSetSpec, MemberSpec, NewSource, Role, Store, WebhookFormat, WebhookSpec};

type Arrivals = Arc<Mutex<Vec<(String, i64)>>>;

async fn receive(State(arrivals): State<Arrivals>, headers: HeaderMap, _body: Bytes) -> &'static str {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as i64;
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    arrivals.lock().unwrap().push((key, now));
    "ok"
}

fn write_csv(path: &std::path::Path, contaminated: bool) {
    let mut csv = String::from("id,plan,notes\n");
    for i in 0..200 {
        let note = if contaminated && i % 10 == 0 { format!("call back ada.lovelace{i}@example.com") } else { format!("renewal discussed {i}") };
        csv.push_str(&format!("{i},{},{note}\n", ["basic", "pro", "team"][i % 3]));
    }
    std::fs::write(path, csv).unwrap();
}

fn pct(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// `created_ms` of every outbox row, by event id.
async fn created(store: &Store) -> std::collections::HashMap<String, (i64, String)> {
    const SQL: &str = "SELECT event_id, created_ms, event FROM outbox";
    let rows: Vec<(String, i64, String)> = match store {
        Store::Postgres(p) => sqlx::query(SQL).fetch_all(p).await.unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect(),
        Store::Sqlite(p) => sqlx::query(SQL).fetch_all(p).await.unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect(),
    };
    rows.into_iter().map(|(k, c, e)| (k, (c, e))).collect()
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut args = std::env::args().skip(1);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let feature_sets: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let bin = std::env::var("ASSAY_BIN").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/debug/assay").into());
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let store = Store::open(&url).await.unwrap();
    store.migrate().await.unwrap();

    let arrivals: Arrivals = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(receive).with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let data = dir.path().join("lake");
    std::fs::create_dir_all(&data).unwrap();
    let file = data.join("customers.csv");
    write_csv(&file, false);
    let suffix = format!("{:08x}", rand::random::<u32>());
    let source = format!("bench-{suffix}");
    let now = chrono::Utc::now();
    // Scanned once at start (clean: no events), then only when asked below.
    let new = NewSource { name: source.clone(), location: data.display().to_string(), tables: vec![], interval: Duration::from_secs(86_400 * 365), sample_rows: 1000, append_key: None, events: None };
    store.add_source(&new, now).await.unwrap();
    let token = generate_token();
    let mut tx = store.begin().await.unwrap();
    tx.create_token(&format!("bench-{suffix}"), Role::Admin, &token, None, None, now).await.unwrap();
    tx.put_webhook(&WebhookSpec { name: format!("bench-{suffix}"), url: hook_url, secret: None, format: WebhookFormat::Json, global: true }, now).await.unwrap();
    for f in 0..feature_sets {
        let spec = FeatureSetSpec {
            name: format!("bench-{suffix}-{f}"),
            description: String::new(),
            owner: String::new(),
            webhooks: vec![],
            members: vec![MemberSpec { source: source.clone(), columns: Some(vec!["plan".into(), "notes".into()]), allow: vec![] }],
        };
        tx.put_feature_set(&spec, now, &assay::store::AlertPolicy::default()).await.unwrap();
    }
    tx.commit().await.unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let api = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(&bin)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--worker", "bench", "--poll", "60s"])
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {bin}: {e}"));
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while http.get(format!("{api}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "assay serve did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let mut expected = 0usize;
    for round in 0..rounds {
        write_csv(&file, round % 2 == 0);
        let resp = http.post(format!("{api}/api/v1/sources/{source}/scan")).bearer_auth(&token).send().await.unwrap();
        assert!(resp.status().is_success(), "scan: {} {}", resp.status(), resp.text().await.unwrap_or_default());
        expected = created(&store).await.len();
        let deadline = Instant::now() + Duration::from_secs(30);
        while arrivals.lock().unwrap().len() < expected {
            assert!(Instant::now() < deadline, "round {round}: {} of {expected} events arrived", arrivals.lock().unwrap().len());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    let created = created(&store).await;
    let got = arrivals.lock().unwrap().clone();
    assert_eq!(got.len(), expected, "each event once");
    let mut all: Vec<i64> = Vec::new();
    let mut alerts: Vec<i64> = Vec::new();
    for (key, at) in &got {
        let (c, event) = &created[key];
        all.push(at - c);
        if event.starts_with("alert.") {
            alerts.push(at - c);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let store_kind = if url.starts_with("postgres") { "postgres" } else { "sqlite" };
    for (what, v) in [("alert events", &mut alerts), ("all events", &mut all)] {
        v.sort();
        println!(
            "{store_kind}: {what}: n={} scan end → received: p50 {} ms, p90 {} ms, p99 {} ms, max {} ms",
            v.len(),
            pct(v, 0.5),
            pct(v, 0.9),
            pct(v, 0.99),
            v.last().unwrap()
        );
    }
}
