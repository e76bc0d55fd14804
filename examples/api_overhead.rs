//! What access control costs per request, measured in one process on one store:
//! - the guard (token lookup, rate limit, role check, request id): the same GET answered
//!   by the guarded router and by the same handlers without guards, requests alternated;
//! - the audit row of a mutating request: registering and removing a source in a
//!   transaction with its audit row against the same without it, alternated.
//!
//! `cargo run --release --example api_overhead [-- N]` on a SQLite store in a temp
//! directory, or on Postgres with `DATABASE_URL=postgres://…` (a database it may fill).
//! Prints p50 and p99 in microseconds and the overhead between them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use assay::api::auth::Caller;
use assay::api::{ApiSettings, AppState};
use assay::classify::{Engine, RuleSource};
use assay::schedule::{Scheduler, SchedulerConfig};
use assay::store::{generate_token, AuditEntry, NewSource, Role, Store};

fn pct(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e6
}

fn show(what: &str, base: &[Duration], with: &[Duration]) {
    let (b50, b99, w50, w99) = (pct(base.to_vec(), 0.5), pct(base.to_vec(), 0.99), pct(with.to_vec(), 0.5), pct(with.to_vec(), 0.99));
    println!("{what:44} without: p50 {b50:8.1} µs  p99 {b99:8.1} µs   with: p50 {w50:8.1} µs  p99 {w99:8.1} µs   overhead p50 {:+7.1} µs ({:.2}x)", w50 - b50, w50 / b50);
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(5000);
    let dir = tempfile::tempdir().unwrap();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let store = Store::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    let suffix = format!("{:08x}", rand::random::<u32>());
    let token = generate_token();
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    tx.create_token(&format!("bench-{suffix}"), Role::Admin, &token, None, None, now).await.unwrap();
    tx.commit().await.unwrap();
    let source = format!("bench-{suffix}");
    store.add_source(&NewSource { name: source.clone(), location: "s3://bucket/prefix/".into(), tables: vec![], interval: Duration::from_secs(86_400 * 365), sample_rows: 10, append_key: None, events: None }, now).await.unwrap();
    let engine = Arc::new(Engine::load(&RuleSource::Builtin).unwrap());
    let scheduler = Arc::new(Scheduler::new(store.clone(), engine, SchedulerConfig::default()));
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let state = AppState::new(store.clone(), scheduler, metrics, ApiSettings { rate_limit: 0, ..Default::default() });
    let guarded = assay::api::router(state.clone());
    let caller = Caller { token_id: 0, name: "bench".into(), role: Role::Admin, request_id: "bench".into(), client: None, action: "sources.get" };
    let bare = assay::api::router_unguarded(state, caller);
    let path = format!("/api/v1/sources/{source}");
    let auth = format!("Bearer {token}");
    let get = |router: axum::Router| {
        let (path, auth) = (path.clone(), auth.clone());
        async move {
            let req = Request::get(&path).header("authorization", auth).body(Body::empty()).unwrap();
            let t = Instant::now();
            let resp = router.oneshot(req).await.unwrap();
            assert!(resp.status().is_success(), "{}", resp.status());
            t.elapsed()
        }
    };
    // Warm both paths (connections, statement caches).
    for _ in 0..200 {
        get(guarded.clone()).await;
        get(bare.clone()).await;
    }
    let (mut with, mut without) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        with.push(get(guarded.clone()).await);
        without.push(get(bare.clone()).await);
    }
    println!("store: {}   requests: {n} each, alternated", if url.starts_with("postgres") { "postgres" } else { "sqlite" });
    show("GET /api/v1/sources/{name}: guard", &without, &with);

    let entry = |name: &str| AuditEntry {
        at: chrono::Utc::now(),
        actor: Some("bench".into()),
        role: Some("admin".into()),
        action: "sources.add".into(),
        target: Some(format!("source:{name}")),
        outcome: "ok".into(),
        status: 201,
        client: Some("127.0.0.1".into()),
        request_id: "0123456789abcdef0123456789abcdef".into(),
        detail: Some("location s3://bucket/prefix/".into()),
    };
    let change = |i: usize, audited: bool| {
        let store = store.clone();
        let name = format!("m-{suffix}-{i}-{audited}");
        let e = entry(&name);
        async move {
            let new = NewSource { name: name.clone(), location: "s3://bucket/prefix/".into(), tables: vec![], interval: Duration::from_secs(86_400 * 365), sample_rows: 10, append_key: None, events: None };
            let t = Instant::now();
            let mut tx = store.begin().await.unwrap();
            tx.add_source(&new, chrono::Utc::now()).await.unwrap();
            if audited {
                tx.audit(&e).await.unwrap();
            }
            tx.commit().await.unwrap();
            let mut tx = store.begin().await.unwrap();
            tx.remove_source(&name, chrono::Utc::now()).await.unwrap();
            if audited {
                tx.audit(&e).await.unwrap();
            }
            tx.commit().await.unwrap();
            t.elapsed() / 2
        }
    };
    let m = (n / 5).max(200);
    let (mut with, mut without) = (Vec::with_capacity(m), Vec::with_capacity(m));
    for i in 0..m {
        with.push(change(i, true).await);
        without.push(change(i, false).await);
    }
    show("one change (register or remove): audit row", &without, &with);
}
