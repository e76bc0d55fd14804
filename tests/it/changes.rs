//! Change-aware discovery of Postgres tables, driven as users drive it (`assay serve`, its
//! HTTP API and the CLI) against a real server: rows appended to a 5-million-row table are
//! found in the next scan, through the append key where the table has one and in the
//! table's last pages where it has none; scheduled scans skip an unchanged table and count
//! it; a statistics reset and changed rules make them read it again; "append, then gate
//! --rescan" fails the gate.

use crate::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::pg::TestDb;
use common::service::Service;
use serde_json::Value;

const ROWS: u64 = 5_000_000;
const APPENDED: u64 = 1_000;
const TRIALS: usize = 20;

/// Waits until the statistics collector has counted every insert and delete into `table`
/// (inserted less deleted is its row count): a backend flushes its counters shortly after
/// it commits, and a test that compares versions must not race that flush (a service
/// would merely read the table once more).
async fn settle(db: &TestDb, table: &str) {
    let mut conn = db.conn().await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let sql = format!("SELECT (SELECT n_tup_ins - n_tup_del FROM pg_stat_user_tables WHERE relname = '{table}'), (SELECT count(*) FROM public.{table})");
    loop {
        let (counted, rows): (Option<i64>, i64) = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_one(&mut conn).await.unwrap();
        if counted == Some(rows) {
            return;
        }
        assert!(Instant::now() < deadline, "{table}: the statistics never counted its {rows} rows (last {counted:?})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The first scheduled scan of `name` recorded after scan `after` (waits for it).
fn scheduled(svc: &Service, name: &str, after: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page: Value = serde_json::from_str(&svc.get(&format!("/api/v1/sources/{name}/scans"))).unwrap();
        let done = page["items"].as_array().unwrap().iter().filter(|s| s["id"].as_i64().unwrap() > after && !s["finished_at"].is_null()).min_by_key(|s| s["id"].as_i64());
        if let Some(s) = done {
            assert_eq!(s["status"], "succeeded", "{s}");
            return s.clone();
        }
        assert!(Instant::now() < deadline, "no scan of {name} after scan {after}: {page}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn read_unchanged(scan: &Value) -> (i64, i64) {
    (scan["read"].as_i64().unwrap(), scan["unchanged"].as_i64().unwrap())
}

/// `POST /api/v1/sources/{name}/scan`, which must succeed: the scan's answer. Asked for
/// now, every table is sampled (scheduled scans skip unchanged ones).
fn scan(svc: &Service, name: &str, force: bool) -> Value {
    let path = format!("/api/v1/sources/{name}/scan{}", if force { "?force=true" } else { "" });
    let (status, body) = svc.call("POST", &path, b"");
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["status"], "succeeded", "{v}");
    v
}

/// The `pii.email` verdict on column `notes` of a scan's report, if any.
fn email(answer: &Value) -> Option<&Value> {
    answer["report"]["columns"].as_array()?.iter().filter(|c| c["column"] == "notes").flat_map(|c| c["labels"].as_array().unwrap()).find(|l| l["label"] == "pii.email")
}

fn counts(answer: &Value) -> (u64, u64) {
    (answer["read"].as_u64().unwrap(), answer["unchanged"].as_u64().unwrap())
}

/// Appends `APPENDED` rows whose notes hold an e-mail address, on a connection of its own
/// (closed, so its counters are flushed).
const CONTAMINATE: &str = "INSERT INTO {t} (plan, notes) SELECT 'pro', 'asked to be called back at customer' || g || '.smith@mail-example.org' FROM generate_series(1, 1000) g";

fn sql(template: &str, table: &str) -> String {
    template.replace("{t}", table)
}

/// A copy of the built-in rules with one file touched: another rule set, same detections.
fn changed_rules(dir: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("classifiers");
    let status = std::process::Command::new("cp").arg("-r").arg(format!("{}/.", from.display())).arg(dir).status().unwrap();
    assert!(status.success());
    let readme = dir.join("README.md");
    let mut text = std::fs::read_to_string(&readme).unwrap();
    text.push_str("\n<!-- edited by a test: a new rule-set digest -->\n");
    std::fs::write(readme, text).unwrap();
}

#[test]
fn appended_rows_are_found_and_unchanged_tables_skipped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(TestDb::new());
    // `events` has an identity key; `events_nokey` has only an unindexed timestamp.
    rt.block_on(pg.exec(&format!(
        "CREATE TABLE public.events (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, plan TEXT NOT NULL, notes TEXT NOT NULL);
         CREATE TABLE public.events_nokey (created_at TIMESTAMPTZ NOT NULL DEFAULT now(), plan TEXT NOT NULL, notes TEXT NOT NULL);
         INSERT INTO public.events (plan, notes) SELECT (ARRAY['basic','pro','team'])[1 + g % 3], 'renewed after call ' || g || ', happy with support' FROM generate_series(1, {ROWS}) g;
         INSERT INTO public.events_nokey (plan, notes) SELECT plan, notes FROM public.events;
         ANALYZE public.events; ANALYZE public.events_nokey;"
    )));
    rt.block_on(settle(&pg, "events"));
    rt.block_on(settle(&pg, "events_nokey"));

    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let env = [("ASSAY_SOURCE_EVENTS", pg.dsn().to_string())];
    let mut svc = Service::start(&db, "changes", &[], &env);
    svc.add("events", "env:ASSAY_SOURCE_EVENTS", &["--table", "public.events"]);
    svc.add("nokey", "env:ASSAY_SOURCE_EVENTS", &["--table", "public.events_nokey"]);

    for name in ["events", "nokey"] {
        let first = scan(&svc, name, false);
        assert_eq!(counts(&first), (1, 0), "{first}");
        assert!(email(&first).is_none(), "a clean table: {first}");
    }

    // Append 1,000 contaminated rows (0.02 %), rescan, delete them; twenty times.
    let (mut keyed, mut keyless) = (0, 0);
    let mut notes = Vec::new();
    for trial in 0..TRIALS {
        rt.block_on(pg.exec(&format!("{}; {}", sql(CONTAMINATE, "public.events"), sql(CONTAMINATE, "public.events_nokey"))));
        let with_key = scan(&svc, "events", false);
        assert_eq!(counts(&with_key).0, 1, "an append changes the table: {with_key}");
        if let Some(l) = email(&with_key) {
            assert!(l["sample_part"] == "new_rows" || l["sample_part"] == "both", "found in the rows past the mark: {l}");
            keyed += 1;
        }
        // Counters flush within a second of a commit; the table without a key has no
        // other sign of an append than them.
        rt.block_on(settle(&pg, "events_nokey"));
        let without = scan(&svc, "nokey", false);
        assert_eq!(counts(&without).0, 1, "{without}");
        if email(&without).is_some() {
            keyless += 1;
        }
        if trial == 0 {
            notes.push(with_key["notes"].clone());
            notes.push(without["notes"].clone());
        }
        rt.block_on(pg.exec("DELETE FROM public.events WHERE notes LIKE '%@%'; DELETE FROM public.events_nokey WHERE notes LIKE '%@%'"));
    }
    eprintln!(
        "appended {APPENDED} rows to {ROWS}: found in {keyed}/{TRIALS} scans with an append key, {keyless}/{TRIALS} without one\nnotes: {notes:?}"
    );
    assert!(keyed * 100 >= TRIALS * 99, "found in {keyed} of {TRIALS} trials with an append key");
    // Without one, the table's last pages hold an append (nothing here reuses free space).
    assert!(keyless * 100 >= TRIALS * 90, "found in {keyless} of {TRIALS} trials without an append key");
    let said = notes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join("\n");
    assert!(said.contains("identity primary key `id`"), "the report says how new rows were read: {said}");
    assert!(said.contains("no append key"), "the report says a table has no append key: {said}");

    // Scheduled scans every second: the first reads the table, the next skip it as
    // unchanged and count it, and say so in the scan history.
    rt.block_on(settle(&pg, "events"));
    svc.add("watch", "env:ASSAY_SOURCE_EVENTS", &["--table", "public.events", "--interval", "1s"]);
    let first = scheduled(&svc, "watch", 0);
    assert_eq!(read_unchanged(&first), (1, 0), "{first}");
    let mut last = first["id"].as_i64().unwrap();
    for _ in 0..2 {
        let next = scheduled(&svc, "watch", last);
        assert_eq!(read_unchanged(&next), (0, 1), "an unchanged table is skipped and counted: {next}");
        last = next["id"].as_i64().unwrap();
    }
    // A statistics reset zeroes the counters: the table is sampled, never skipped.
    rt.block_on(pg.exec("SELECT pg_stat_reset()"));
    let mut after_reset = scheduled(&svc, "watch", last);
    // (a scan that began before the reset may come first)
    if read_unchanged(&after_reset) == (0, 1) {
        after_reset = scheduled(&svc, "watch", after_reset["id"].as_i64().unwrap());
    }
    assert_eq!(read_unchanged(&after_reset), (1, 0), "sampled after pg_stat_reset: {after_reset}");
    let steady = scheduled(&svc, "watch", after_reset["id"].as_i64().unwrap());
    assert_eq!(read_unchanged(&steady), (0, 1), "unchanged again once read: {steady}");

    // A forced rescan reads what did not change (CLI and API alike).
    let out = svc.cli(&["sources", "scan", "watch", "--force"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let forced = scan(&svc, "watch", true);
    assert_eq!(counts(&forced), (1, 0));
    last = forced["scan_id"].as_i64().unwrap();

    // Other rules: what was read with the old ones is read again, once.
    drop(svc);
    let rules = tempfile::tempdir().unwrap();
    changed_rules(rules.path());
    let rules_dir = rules.path().display().to_string();
    svc = Service::start(&db, "changes", &["--rules", &rules_dir], &env);
    let reread = scheduled(&svc, "watch", last);
    assert_eq!(read_unchanged(&reread), (1, 0), "rules changed: read again: {reread}");
    let next = scheduled(&svc, "watch", reread["id"].as_i64().unwrap());
    assert_eq!(read_unchanged(&next), (0, 1), "{next}");
    let (status, _) = svc.call("DELETE", "/api/v1/sources/watch", b"");
    assert_eq!(status, 204);

    // Append, then ask the gate with a rescan: it sees the new rows at once, before the
    // counters are flushed, and fails.
    let (status, body) = svc.call("PUT", "/api/v1/feature-sets/events", br#"{"name":"events","owner":"ml","members":[{"source":"events","columns":["plan","notes"]}]}"#);
    assert_eq!(status, 201, "{body}");
    let gate = |svc: &Service| {
        let out = svc.cli(&["gate", "events", "--rescan", "--format", "json"]);
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code().unwrap(), answer)
    };
    let (code, answer) = gate(&svc);
    assert_eq!(code, 0, "clean: {answer}");
    rt.block_on(pg.exec(&sql(CONTAMINATE, "public.events")));
    let (code, answer) = gate(&svc);
    assert_eq!(code, 1, "the appended rows fail the gate: {answer}");
    assert!(answer.to_string().contains("pii.email"), "{answer}");
}

/// A table that was empty at its last scan: every row is new, read through the key.
#[test]
fn rows_added_to_a_table_that_was_empty_are_new() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(TestDb::new());
    rt.block_on(pg.exec(
        "CREATE TABLE public.signups (id SERIAL PRIMARY KEY, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), plan TEXT NOT NULL, notes TEXT NOT NULL);
         CREATE INDEX ON public.signups (created_at); ANALYZE public.signups;",
    ));
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "empty", &[], &[("ASSAY_SOURCE_SIGNUPS", pg.dsn().to_string())]);
    svc.add("signups", "env:ASSAY_SOURCE_SIGNUPS", &["--table", "public.signups"]);
    assert!(email(&scan(&svc, "signups", false)).is_none());
    rt.block_on(pg.exec(&sql(CONTAMINATE, "public.signups")));
    let answer = scan(&svc, "signups", false);
    let found = email(&answer).unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(found["sample_part"], "both", "the new rows are all the table has: {found}");
}

/// A source that names its append key: a timestamp no convention would pick.
#[test]
fn the_sources_named_append_key_orders_new_rows() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pg = rt.block_on(TestDb::new());
    rt.block_on(pg.exec(
        "CREATE TABLE public.clicks (event_time TIMESTAMPTZ NOT NULL, plan TEXT NOT NULL, notes TEXT NOT NULL);
         INSERT INTO public.clicks SELECT timestamptz '2026-01-01' + g * interval '1 second', 'basic', 'clicked banner ' || g FROM generate_series(1, 200000) g;
         CREATE INDEX ON public.clicks (event_time); ANALYZE public.clicks;",
    ));
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "keyed", &[], &[("ASSAY_SOURCE_CLICKS", pg.dsn().to_string())]);
    svc.add("clicks", "env:ASSAY_SOURCE_CLICKS", &["--table", "public.clicks", "--append-key", "event_time"]);
    let shown: Value = serde_json::from_str(&svc.get("/api/v1/sources/clicks")).unwrap();
    assert_eq!(shown["append_key"], "event_time", "{shown}");
    assert!(email(&scan(&svc, "clicks", false)).is_none());
    rt.block_on(pg.exec(
        "INSERT INTO public.clicks SELECT now() + g * interval '1 millisecond', 'pro', 'asked to be called back at customer' || g || '.smith@mail-example.org' FROM generate_series(1, 300) g",
    ));
    let answer = scan(&svc, "clicks", false);
    let found = email(&answer).unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(found["sample_part"], "new_rows", "{found}");
    assert!(answer["notes"].to_string().contains("the source's append key `event_time`"), "{answer}");
}

/// A lake file read again (forced rescans) is read in its next round each time: its row
/// groups in turn, so that a single contaminated group is found within one cycle.
#[test]
fn forced_rescans_of_a_file_take_its_row_groups_in_turn() {
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;
    use std::sync::Arc;
    // 20 row groups of 100 rows; only group 13's notes hold e-mail addresses.
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("notes", DataType::Utf8, false)]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(0..2000)),
            Arc::new(StringArray::from_iter_values((0..2000).map(|i| {
                if i / 100 == 13 { format!("asked to be called back at customer{i}.smith@mail-example.org") } else { format!("renewed after call {i}, happy with support") }
            }))),
        ],
    )
    .unwrap();
    let lake = tempfile::tempdir().unwrap();
    std::fs::write(lake.path().join("part-0.parquet"), common::cli::parquet_bytes(&[batch], 100)).unwrap();
    let store = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/assay.db", store.path().display());
    let svc = Service::start(&db, "rounds", &[], &[]);
    // 150 rows a sample: two row groups a round, so ten rounds take all twenty.
    svc.add("lake", &lake.path().display().to_string(), &["--sample-rows", "150"]);
    let found: Vec<bool> = (0..10).map(|i| email(&scan(&svc, "lake", i > 0)).is_some()).collect();
    assert_eq!(found.iter().filter(|f| **f).count(), 1, "one round of ten holds group 13: {found:?}");
    // Without force the unchanged file is not read at all.
    assert_eq!(counts(&scan(&svc, "lake", false)), (0, 1));
}
