//! How long the dashboard's pages take to render on a big store: 1,000 sources × 50
//! columns with 100 scans of history each (5 million scanned columns, half a million
//! findings), 20 feature sets, 200 alerts, 300 dismissals and 100,000 audit rows, generated
//! in Postgres with `generate_series` (about a minute), then every page requested through
//! the service's router in this process with a signed-in session: p50 and p95 per page.
//!
//! `DATABASE_URL=postgres://…/EMPTY_DB cargo run --example dashboard_render [-- N]`
//! (the database is filled; N requests per page, default 30). BENCHMARKS.md records it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use assay::api::{ApiSettings, AppState};
use assay::classify::{Engine, RuleSource};
use assay::schedule::{Scheduler, SchedulerConfig};
use assay::store::{generate_token, hash_token, Role, Store};

const SOURCES: i64 = 1000;
const COLUMNS: i64 = 50;
const SCANS: i64 = 100;
const DAY: i64 = 86_400_000;

/// The store, generated: each statement a set-based insert.
fn generation(now: i64) -> Vec<String> {
    let start = now - SCANS * DAY;
    vec![
        format!("INSERT INTO sources (id, name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms) \
                 SELECT g, 'src-' || lpad(g::text, 4, '0'), 's3://lake/src-' || g || '/', '[]', 86400, 1000, {start}, {} FROM generate_series(1, {SOURCES}) g", now + 365 * DAY),
        format!("INSERT INTO datasets (id, source_id, key, name, created_ms) SELECT g, g, 's3://lake/src-' || g || '/', 'lake.table_' || g, {start} FROM generate_series(1, {SOURCES}) g"),
        // One scan a day; every 17th partial with an error.
        format!("INSERT INTO scans (id, source_id, status, started_ms, finished_ms, worker, error) \
                 SELECT (s - 1) * {SCANS} + k, s, CASE WHEN k % 17 = 0 THEN 'partial' ELSE 'succeeded' END, {start} + k::bigint * {DAY} + s::bigint * 1000, {start} + k::bigint * {DAY} + s::bigint * 1000 + 2500, 'bench', \
                 CASE WHEN k % 17 = 0 THEN 'part-3.parquet: connection reset' END FROM generate_series(1, {SOURCES}) s, generate_series(1, {SCANS}) k"),
        format!("INSERT INTO scan_columns (scan_id, object, column_name, rows_sampled, non_null, not_scanned) \
                 SELECT sc.id, 'part-0.parquet', 'col_' || lpad(c::text, 2, '0'), 1000, 990, NULL FROM scans sc, generate_series(1, {COLUMNS}) c"),
        // Five of the fifty columns hold a label; which label depends on the column and source,
        // and the rate drifts across scans. Columns 1-5 from the start, column 6 from scan 60.
        format!("INSERT INTO findings (scan_id, source_id, object, column_name, label, matches, match_rate, confidence, evidence_json) \
                 SELECT sc.id, sc.source_id, 'part-0.parquet', 'col_' || lpad(c::text, 2, '0'), \
                 (ARRAY['pii.email','secret.aws_access_key','pii.us_ssn','pii.ip_address','pii.phone_number','pii.credit_card','secret.jwt'])[1 + (c + sc.source_id) % 7], \
                 10 + (sc.id % 90), (10 + (sc.id % 90)) / 990.0, 0.9, '[\"j***@e******.com\",\"a***@e******.org\"]' \
                 FROM scans sc, generate_series(1, 6) c WHERE c <= 5 OR sc.id % {SCANS} >= 60"),
        format!("INSERT INTO objects_seen (source_id, object, size, e_tag, last_modified_ms, scan_id, dataset_id) \
                 SELECT g, 'part-0.parquet', 1000000, 'etag', {start}, (g - 1) * {SCANS} + {SCANS}, g FROM generate_series(1, {SOURCES}) g"),
        format!("UPDATE sources SET last_scan_id = id * {SCANS}, last_scan_status = 'succeeded', last_scan_ms = {last}, last_ok_scan_id = id * {SCANS}, last_ok_ms = {last}", last = start + SCANS * DAY),
        format!("INSERT INTO feature_sets (id, name, description, owner, gate_status, created_ms, updated_ms) SELECT g, 'features-' || g, 'Features of model ' || g, 'ml-platform', 'fail', {start}, {start} FROM generate_series(1, 20) g"),
        "INSERT INTO feature_set_members (feature_set_id, position, source_id, columns_json, allow_json) SELECT f, m, (f - 1) * 50 + m, '[\"col_01\",\"col_02\",\"col_10\"]', '[]' FROM generate_series(1, 20) f, generate_series(1, 10) m".into(),
        format!("INSERT INTO alerts (id, feature_set_id, source_id, dataset_id, column_name, label, status, severity, matches, match_rate, evidence_json, first_seen_ms, last_seen_ms, first_scan_id, scan_id, updated_ms) \
                 SELECT f * 10 + m - 10, f, (f - 1) * 50 + m, (f - 1) * 50 + m, 'col_01', 'pii.email', CASE WHEN m % 3 = 0 THEN 'resolved' ELSE 'open' END, 'high', 10, 0.01, '[\"j***@e******.com\"]', {start}, {now}, 1, 1, {now} \
                 FROM generate_series(1, 20) f, generate_series(1, 10) m"),
        format!("INSERT INTO alert_events (alert_id, at_ms, kind, episode, actor, scan_id) SELECT id, {start}, 'opened', 1, 'scan:1', 1 FROM alerts"),
        // 300 dismissals in force.
        format!("INSERT INTO reviews (id, source_id, dataset_id, column_name, label, verdict, reason, actor, at_ms, match_rate, fingerprints_json) \
                 SELECT g, g, g, 'col_03', (ARRAY['pii.email','secret.aws_access_key','pii.us_ssn','pii.ip_address','pii.phone_number','pii.credit_card','secret.jwt'])[1 + (3 + g) % 7], \
                 'dismissed', 'test fixture', 'compliance', {now}, 0.02, '[]' FROM generate_series(1, 300) g"),
        "INSERT INTO review_state (dataset_id, column_name, label, source_id, verdict, review_id, match_rate, fingerprints_json) SELECT dataset_id, column_name, label, source_id, 'dismissed', id, 0.02, '[]' FROM reviews".into(),
        format!("INSERT INTO audit_log (at_ms, actor, role, action, target, outcome, status, client, request_id, detail) \
                 SELECT {start} + g::bigint * 80000, 'user-' || (g % 20), 'engineer', (ARRAY['sources.add','reviews.add','feature_sets.put','gate'])[1 + g % 4], 'source:src-' || (g % 1000), 'ok', 200, '10.0.0.1', md5(g::text), NULL \
                 FROM generate_series(1, 100000) g"),
        "SELECT setval(pg_get_serial_sequence('sources', 'id'), 100000)".into(),
        "SELECT setval(pg_get_serial_sequence('scans', 'id'), 1000000)".into(),
        "ANALYZE".into(),
    ]
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

#[tokio::main]
async fn main() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(30);
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL=postgres://… (an empty database to fill)");
    let store = Store::open(&url).await.unwrap();
    store.migrate().await.unwrap();
    let Store::Postgres(pool) = &store else { panic!("a Postgres store, please") };
    let now = chrono::Utc::now().timestamp_millis();
    let empty: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sources").fetch_one(pool).await.unwrap();
    if empty == 0 {
        let t = Instant::now();
        for sql in generation(now) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(pool).await.unwrap();
        }
        println!("generated the store in {:.0} s", t.elapsed().as_secs_f64());
    }
    let counts: (i64, i64, i64) = sqlx::query_as("SELECT (SELECT COUNT(*) FROM sources), (SELECT COUNT(*) FROM scan_columns), (SELECT COUNT(*) FROM findings)").fetch_one(pool).await.unwrap();
    println!("store: {} sources, {} scanned columns, {} findings", counts.0, counts.1, counts.2);

    // A reviewer's session, opened as signing in opens one.
    let token = generate_token();
    let session = generate_token();
    let at = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let row = tx.create_token(&format!("bench-{:08x}", rand::random::<u32>()), Role::Admin, &token, None, None, at).await.unwrap();
    tx.open_session(&hash_token(&session), row.id, "csrf", at, at + chrono::Duration::hours(1)).await.unwrap();
    tx.commit().await.unwrap();
    let engine = Arc::new(Engine::load(&RuleSource::Builtin).unwrap());
    let mut cfg = SchedulerConfig::default();
    for r in engine.rules() {
        cfg.alerts.severity.entry(r.label.clone()).or_insert_with(|| format!("{:?}", r.severity).to_lowercase());
    }
    let scheduler = Arc::new(Scheduler::new(store.clone(), engine, cfg));
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let router = assay::api::router(AppState::new(store.clone(), scheduler, metrics, ApiSettings { rate_limit: 0, ..Default::default() }));
    let cookie = format!("assay_session={session}");
    let pages = ["/", "/sources", "/sources?page=19", "/sources/src-0500", "/sources/src-0500?before=49950", "/reviews", "/reviews?severity=critical", "/reviews?sort=rate", "/reviews?label=pii.email&source=src-0700", "/reviews/dismissed", "/alerts", "/alerts?status=open", "/alerts/15", "/feature-sets", "/audit", "/audit?actor=user-7"];
    // The first overview counts the finished days of its charts, once per process.
    let req = Request::get("/").header("cookie", &cookie).body(Body::empty()).unwrap();
    let t = Instant::now();
    let resp = router.clone().oneshot(req).await.unwrap();
    assert!(resp.status().is_success());
    let _ = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    println!("first overview of the process (counts 29 finished days): {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    println!("\n{:44} {:>9} {:>9} {:>9}", "page", "p50 ms", "p95 ms", "bytes");
    for page in pages {
        let mut times = Vec::with_capacity(n);
        let mut bytes = 0;
        for i in 0..n + 3 {
            let req = Request::get(page).header("cookie", &cookie).body(Body::empty()).unwrap();
            let t = Instant::now();
            let resp = router.clone().oneshot(req).await.unwrap();
            assert!(resp.status().is_success(), "{page}: {}", resp.status());
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
            // The first three warm the connections and statement caches.
            if i >= 3 {
                times.push(t.elapsed());
            }
            bytes = body.len();
        }
        println!("{page:44} {:9.1} {:9.1} {bytes:9}", pct(&mut times, 0.5), pct(&mut times, 0.95));
    }
}
