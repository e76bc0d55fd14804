//! Sampling Postgres tables against a real server (see `common` for how each test gets
//! its own database): type mapping, the sampling method chosen by size and statistics,
//! quoting, wide tables, capped values, permissions, connection errors and timeouts.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;
use assay::sources::postgres::{PgOptions, PgSource, SampleMethod, TableName};
use assay::sources::{Sample, SkippedColumn, SourceError};
use common::pg::TestDb;

async fn source(db: &TestDb) -> PgSource {
    PgSource::connect(db.dsn(), PgOptions::default()).await.expect("connect")
}

/// The sample's column `name` as text values, row by row.
fn column(sample: &Sample, name: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    for b in &sample.batches {
        let col = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name} in {:?}", b.schema()));
        assert_eq!(col.data_type(), &DataType::Utf8, "column {name}");
        out.extend(col.as_string::<i32>().iter().map(|v| v.map(str::to_string)));
    }
    out
}

fn column_names(sample: &Sample) -> Vec<String> {
    sample.batches[0].schema().fields().iter().map(|f| f.name().clone()).collect()
}

/// The sample's binary column `name` (a `bytea`), row by row.
fn bytes_column(sample: &Sample, name: &str) -> Vec<Option<Vec<u8>>> {
    let mut out = Vec::new();
    for b in &sample.batches {
        let col = b.column_by_name(name).unwrap_or_else(|| panic!("no column {name} in {:?}", b.schema()));
        assert_eq!(col.data_type(), &DataType::Binary, "column {name}");
        out.extend(col.as_binary::<i32>().iter().map(|v| v.map(<[u8]>::to_vec)));
    }
    out
}

/// Row `key_value` of the sample (found by column `key`), as column → value, for its
/// text columns.
fn row(sample: &Sample, key: &str, key_value: &str) -> HashMap<String, Option<String>> {
    let keys = column(sample, key);
    let i = keys.iter().position(|k| k.as_deref() == Some(key_value)).unwrap_or_else(|| panic!("no row with {key} = {key_value}"));
    let text: Vec<String> = sample.batches[0].schema().fields().iter().filter(|f| f.data_type() == &DataType::Utf8).map(|f| f.name().clone()).collect();
    text.into_iter().map(|n| (n.clone(), column(sample, &n)[i].clone())).collect()
}

/// The error's message; panics on success.
fn error<T>(r: Result<T, SourceError>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

fn t(schema: &str, name: &str) -> TableName {
    TableName::new(schema, name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_arrives_as_text_and_bytea_as_bytes() {
    let db = TestDb::new().await;
    db.exec(
        r#"
        CREATE TYPE mood AS ENUM ('happy', 'sad');
        CREATE DOMAIN phone AS text CHECK (VALUE ~ '^\+');
        CREATE TABLE customers (
            id int8 PRIMARY KEY, full_name text, email varchar(200), country char(2), age int2,
            loyalty int4, card_number numeric(19, 0), balance numeric(12, 2), ref uuid, last_ip inet,
            home_net cidr, profile json, prefs jsonb, aliases text[], created timestamp,
            updated timestamptz, born date, active bool, feeling mood, mobile phone, iban text,
            photo bytea, notes text
        );
        INSERT INTO customers VALUES
          (1, 'Anna Schmidt', 'anna.schmidt@example.com', 'DE', 34, 120, 4111111111111111, 1234.50,
           'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.10.5', '10.1.0.0/16',
           '{"contact": "anna.schmidt@example.com"}', '{"phone": "+49 30 901820"}',
           ARRAY['Anni', 'A. Schmidt'], '2024-03-01 10:11:12', '2024-03-01 10:11:12+00', '1990-05-17',
           true, 'happy', '+49 151 23456789', 'DE89370400440532013000', '\xdeadbeef', 'call after 5pm'),
          (2, 'John O''Brien', 'john.obrien@example.org', 'IE', 51, 7, 5500000000000004, -3.10,
           'b1ffcd88-8d1a-4ef8-bb6d-6bb9bd380a22', '2001:db8::1', '2001:db8::/32',
           '{"contact": null}', '{}', ARRAY['Johnny'], '2023-12-31 23:59:59', '2023-12-31 23:59:59+00',
           '1973-01-02', false, 'sad', '+353 87 1234567', 'IE29AIBK93115212345678', NULL, NULL);
        ANALYZE customers;
        CREATE TABLE blobs (data bytea, parts bytea[]);
        INSERT INTO blobs VALUES ('\x00', NULL), ('\x01', ARRAY['\x02'::bytea]), (NULL, NULL);
        "#,
    )
    .await;
    let src = source(&db).await;
    let s = src.sample(&t("public", "customers"), 100).await.expect("sample");
    assert_eq!(s.rows, 2);
    assert_eq!(
        column_names(&s),
        [
            "id", "full_name", "email", "country", "age", "loyalty", "card_number", "balance", "ref", "last_ip", "home_net", "profile",
            "prefs", "aliases", "created", "updated", "born", "active", "feeling", "mobile", "iban", "photo", "notes"
        ]
    );
    assert!(s.skipped.is_empty(), "{:?}", s.skipped);
    let anna = row(&s, "id", "1");
    let expect = [
        ("full_name", "Anna Schmidt"),
        ("email", "anna.schmidt@example.com"),
        ("country", "DE"),
        ("age", "34"),
        ("loyalty", "120"),
        ("card_number", "4111111111111111"),
        ("balance", "1234.50"),
        ("ref", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
        ("last_ip", "192.168.10.5"),
        ("home_net", "10.1.0.0/16"),
        ("profile", r#"{"contact": "anna.schmidt@example.com"}"#),
        ("prefs", r#"{"phone": "+49 30 901820"}"#),
        ("aliases", r#"{Anni,"A. Schmidt"}"#),
        ("created", "2024-03-01 10:11:12"),
        ("updated", "2024-03-01 10:11:12+00"),
        ("born", "1990-05-17"),
        ("active", "true"),
        ("feeling", "happy"),
        ("mobile", "+49 151 23456789"),
        ("iban", "DE89370400440532013000"),
        ("notes", "call after 5pm"),
    ];
    for (col, want) in expect {
        assert_eq!(anna[col].as_deref(), Some(want), "column {col}");
    }
    let john = row(&s, "id", "2");
    assert_eq!(john["full_name"].as_deref(), Some("John O'Brien"));
    assert_eq!(john["last_ip"].as_deref(), Some("2001:db8::1"));
    assert_eq!(john["home_net"].as_deref(), Some("2001:db8::/32"));
    assert_eq!(john["balance"].as_deref(), Some("-3.10"));
    assert_eq!(john["active"].as_deref(), Some("false"));
    assert_eq!(john["notes"], None, "NULL stays null");
    // bytea arrives as its bytes, not as hex text.
    let ids = column(&s, "id");
    let photos = bytes_column(&s, "photo");
    let photo = |id: &str| photos[ids.iter().position(|k| k.as_deref() == Some(id)).unwrap()].clone();
    assert_eq!((photo("1"), photo("2")), (Some(vec![0xde, 0xad, 0xbe, 0xef]), None));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // bytea is read; an array of bytea is reported as skipped.
    let s = src.sample(&t("public", "blobs"), 100).await.expect("sample bytea only");
    assert_eq!((s.rows, s.batches[0].num_columns(), s.batches[0].num_rows()), (3, 1, 3));
    let mut data = bytes_column(&s, "data");
    data.sort();
    assert_eq!(data, [None, Some(vec![0]), Some(vec![1])]);
    assert_eq!(s.skipped, vec![SkippedColumn { name: "parts".into(), reason: "bytea[] is not scanned".into() }]);
}

/// Creates `name` with `rows` rows of mixed columns (an e-mail address in every row).
async fn make_table(db: &TestDb, name: &str, rows: usize, options: &str, analyze: bool) {
    db.exec(&format!(
        "CREATE TABLE {name} (id int8, email text, amount numeric(10, 2), created date) {options};
         INSERT INTO {name} SELECT g, 'user' || g || '@example.com', (g % 1000) / 10.0, date '2020-01-01' + (g % 1000)
         FROM generate_series(1, {rows}) g;
         {}",
        if analyze { format!("ANALYZE {name};") } else { String::new() }
    ))
    .await;
}

fn ids(s: &Sample) -> Vec<i64> {
    let mut v: Vec<i64> = column(s, "id").into_iter().map(|x| x.unwrap().parse().unwrap()).collect();
    v.sort_unstable();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_analysed_table_uses_tablesample_system_and_repeats() {
    let db = TestDb::new().await;
    make_table(&db, "events", 300_000, "", true).await;
    let src = source(&db).await;
    let table = t("public", "events");
    let plan = src.plan(&table, 1000).await.expect("plan");
    let est = plan.estimated_rows.expect("analysed");
    assert!((250_000.0..=350_000.0).contains(&est), "estimate {est}");
    let SampleMethod::System { percent } = plan.method else { panic!("expected SYSTEM, got {:?}", plan.method) };
    assert!((0.5..=0.8).contains(&percent), "percent {percent}");
    assert!(plan.explain.contains("Sample Scan") && plan.explain.contains("system"), "{}", plan.explain);
    assert!(!plan.explain.contains("Seq Scan"), "{}", plan.explain);

    let a = src.sample(&table, 1000).await.expect("sample");
    assert_eq!(a.rows, 1000);
    assert!(a.warnings.is_empty(), "{:?}", a.warnings);
    let a_ids = ids(&a);
    assert_eq!(a_ids.iter().collect::<BTreeSet<_>>().len(), 1000, "distinct rows");
    // Random pages across the table, not its head: rows from every third of it.
    for third in 0..3 {
        let (lo, hi) = (third * 100_000, (third + 1) * 100_000);
        assert!(a_ids.iter().any(|&i| i > lo && i <= hi), "no row from ({lo}, {hi}]");
    }
    let email = column(&a, "email");
    assert!(email.iter().all(|e| e.as_deref().is_some_and(|e| e.starts_with("user") && e.ends_with("@example.com"))));
    // An unchanged table samples the same rows.
    let b = src.sample(&table, 1000).await.expect("sample again");
    assert_eq!(a_ids, ids(&b));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_table_uses_bernoulli_and_tiny_table_is_read_whole() {
    let db = TestDb::new().await;
    make_table(&db, "small", 5_000, "", true).await;
    make_table(&db, "tiny", 300, "", true).await;
    let src = source(&db).await;
    let plan = src.plan(&t("public", "small"), 1000).await.unwrap();
    assert!(matches!(plan.method, SampleMethod::Bernoulli { percent } if (35.0..=45.0).contains(&percent)), "{:?}", plan.method);
    assert!(plan.explain.contains("bernoulli"), "{}", plan.explain);
    let s = src.sample(&t("public", "small"), 1000).await.unwrap();
    assert_eq!(s.rows, 1000);
    assert!(*ids(&s).last().unwrap() > 4000, "rows from the whole table");

    let plan = src.plan(&t("public", "tiny"), 1000).await.unwrap();
    assert_eq!(plan.method, SampleMethod::Head);
    let s = src.sample(&t("public", "tiny"), 1000).await.unwrap();
    assert_eq!(ids(&s), (1..=300).collect::<Vec<_>>());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_analysed_table_uses_limit_with_a_warning() {
    let db = TestDb::new().await;
    // Autovacuum off, so the table stays never analysed while the test runs.
    make_table(&db, "fresh", 50_000, "WITH (autovacuum_enabled = false)", false).await;
    let src = source(&db).await;
    let table = t("public", "fresh");
    let plan = src.plan(&table, 1000).await.unwrap();
    assert_eq!(plan.method, SampleMethod::Head);
    assert_eq!(plan.estimated_rows, None);
    assert!(plan.explain.contains("Limit") && !plan.explain.contains("Sample Scan"), "{}", plan.explain);
    let s = src.sample(&table, 1000).await.unwrap();
    assert_eq!(s.rows, 1000);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("never analysed") && s.warnings[0].contains("first 1000 rows"), "{:?}", s.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_table_is_sampled_through_its_parent() {
    let db = TestDb::new().await;
    db.exec(
        "CREATE TABLE logins (id int8, email text, at date) PARTITION BY RANGE (id);
         CREATE TABLE logins_1 PARTITION OF logins FOR VALUES FROM (1) TO (50001);
         CREATE TABLE logins_2 PARTITION OF logins FOR VALUES FROM (50001) TO (100001);
         CREATE TABLE logins_3 PARTITION OF logins FOR VALUES FROM (100001) TO (150001);
         CREATE TABLE logins_4 PARTITION OF logins FOR VALUES FROM (150001) TO (200001);
         INSERT INTO logins SELECT g, 'u' || g || '@example.net', date '2024-01-01' + g % 300 FROM generate_series(1, 200000) g;
         ANALYZE logins;",
    )
    .await;
    let src = source(&db).await;
    let tables = src.tables(&[]).await.unwrap();
    assert_eq!(tables, vec![t("public", "logins")], "the parent only, not its partitions");
    let plan = src.plan(&t("public", "logins"), 1000).await.unwrap();
    let est = plan.estimated_rows.unwrap();
    assert!((180_000.0..=220_000.0).contains(&est), "estimate summed over partitions: {est}");
    assert!(matches!(plan.method, SampleMethod::System { .. }), "{:?}", plan.method);
    assert!(!plan.explain.contains("Seq Scan"), "{}", plan.explain);
    let s = src.sample(&t("public", "logins"), 1000).await.unwrap();
    assert_eq!(s.rows, 1000);
    let parts: BTreeSet<i64> = ids(&s).iter().map(|i| (i - 1) / 50_000).collect();
    assert_eq!(parts.len(), 4, "rows from every partition: {parts:?}");
    // A partition named explicitly is sampled on its own.
    let p = src.tables(&["public.logins_3".to_string()]).await.unwrap();
    let s = src.sample(&p[0], 100).await.unwrap();
    assert!(ids(&s).iter().all(|i| (100_001..=150_000).contains(i)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_that_need_quoting() {
    let db = TestDb::new().await;
    db.exec(
        r#"CREATE SCHEMA "Mixed Schema";
           CREATE TABLE "Mixed Schema"."Odd ""Name""" ("E-Mail Address" text, "Select" int, "x"";DROP TABLE y;--" text);
           INSERT INTO "Mixed Schema"."Odd ""Name""" VALUES ('ana@example.com', 1, 'v');
           CREATE TABLE "Mixed Schema"."Robert'); DROP TABLE students;--" (note text);
           INSERT INTO "Mixed Schema"."Robert'); DROP TABLE students;--" VALUES ('+44 20 7946 0958');
           ANALYZE;"#,
    )
    .await;
    let src = source(&db).await;
    let odd = t("Mixed Schema", "Odd \"Name\"");
    assert_eq!(odd.to_string(), "Mixed Schema.Odd \"Name\"");
    let all = src.tables(&[]).await.unwrap();
    assert_eq!(all, vec![odd.clone(), t("Mixed Schema", "Robert'); DROP TABLE students;--")]);
    // Selectors: quoted parts, the unquoted display form, and a schema wildcard.
    assert_eq!(src.tables(&[r#""Mixed Schema"."Odd ""Name""""#.to_string()]).await.unwrap(), vec![odd.clone()]);
    assert_eq!(src.tables(&["Mixed Schema.Odd \"Name\"".to_string()]).await.unwrap(), vec![odd.clone()]);
    assert_eq!(src.tables(&["\"Mixed Schema\".*".to_string()]).await.unwrap(), all);
    let s = src.sample(&odd, 10).await.unwrap();
    assert_eq!(column_names(&s), ["E-Mail Address", "Select", "x\";DROP TABLE y;--"]);
    assert_eq!(column(&s, "E-Mail Address"), [Some("ana@example.com".to_string())]);
    let s = src.sample(&all[1], 10).await.unwrap();
    assert_eq!(column(&s, "note"), [Some("+44 20 7946 0958".to_string())]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_selectors() {
    let db = TestDb::new().await;
    db.exec(
        "CREATE SCHEMA sales;
         CREATE TABLE sales.orders (id int, email text);
         CREATE TABLE sales.customers (id int, phone text);
         CREATE TABLE public.people (name text);
         CREATE MATERIALIZED VIEW sales.order_emails AS SELECT email FROM sales.orders;
         CREATE VIEW sales.recent AS SELECT * FROM sales.orders;
         CREATE SCHEMA empty;",
    )
    .await;
    let src = source(&db).await;
    let all = src.tables(&[]).await.unwrap();
    assert_eq!(all, vec![t("public", "people"), t("sales", "customers"), t("sales", "order_emails"), t("sales", "orders")], "views only when named");
    let sel = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        src.tables(&sel(&["sales.*"])).await.unwrap(),
        vec![t("sales", "customers"), t("sales", "order_emails"), t("sales", "orders")]
    );
    assert_eq!(src.tables(&sel(&["sales.recent", "Sales.Orders", "people", "sales.orders"])).await.unwrap(), vec![
        t("sales", "recent"),
        t("sales", "orders"),
        t("public", "people")
    ]);
    assert_eq!(src.tables(&sel(&["empty.*"])).await.unwrap(), vec![]);
    let e = src.tables(&sel(&["sales.orders", "sales.nope"])).await.unwrap_err().to_string();
    assert_eq!(e, "sales.nope: no such table or view");
    let e = src.tables(&sel(&["nowhere.*"])).await.unwrap_err().to_string();
    assert_eq!(e, "nowhere.*: no such schema");
    let e = src.tables(&sel(&["\"Sales\".orders"])).await.unwrap_err().to_string();
    assert_eq!(e, "\"Sales\".orders: no such table or view", "a quoted part is not case-folded");
    let e = error(src.sample(&t("sales", "gone"), 10).await);
    assert_eq!(e, "sales.gone: no such table or view");
    // A view is read with LIMIT, and says so.
    db.exec("INSERT INTO sales.orders SELECT g, 'o' || g || '@example.com' FROM generate_series(1, 50) g").await;
    let s = src.sample(&t("sales", "recent"), 10).await.unwrap();
    assert_eq!(s.rows, 10);
    assert!(s.warnings.iter().any(|w| w.contains("a view")), "{:?}", s.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_of_1600_columns() {
    let db = TestDb::new().await;
    let cols: Vec<String> = (1..=1600).map(|i| format!("c{i} text")).collect();
    let vals: Vec<String> = (1..=1600).map(|i| if i == 800 { "'p' || g || '@example.com'".into() } else { format!("'{}'", i % 10) }).collect();
    db.exec(&format!(
        "CREATE TABLE wide ({}); INSERT INTO wide SELECT {} FROM generate_series(1, 200) g; ANALYZE wide;",
        cols.join(", "),
        vals.join(", ")
    ))
    .await;
    let src = source(&db).await;
    let s = src.sample(&t("public", "wide"), 50).await.unwrap();
    assert_eq!(s.rows, 50);
    let names = column_names(&s);
    assert_eq!(names.len(), 1600);
    assert_eq!(names[0], "c1");
    assert_eq!(names[1599], "c1600");
    assert!(column(&s, "c1600").iter().all(|v| v.as_deref() == Some("0")));
    assert!(column(&s, "c800").iter().all(|v| v.as_deref().is_some_and(|v| v.ends_with("@example.com"))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_50_mb_value_arrives_capped() {
    let db = TestDb::new().await;
    db.exec(
        "CREATE TABLE docs (id int, body text, tags text[]);
         INSERT INTO docs VALUES (1, 'contact: ceo@example.com ' || repeat('lorem ipsum ', 50 * 1024 * 1024 / 12), ARRAY[repeat('x', 100000)]),
                                 (2, 'short', NULL);
         ANALYZE docs;",
    )
    .await;
    let src = PgSource::connect(db.dsn(), PgOptions { max_value_len: 1000, ..PgOptions::default() }).await.unwrap();
    let s = src.sample(&t("public", "docs"), 10).await.unwrap();
    let big = row(&s, "id", "1");
    let body = big["body"].as_deref().unwrap();
    assert_eq!(body.chars().count(), 1000);
    assert!(body.starts_with("contact: ceo@example.com lorem ipsum"));
    assert_eq!(big["tags"].as_deref().unwrap().len(), 1000, "arrays are capped too");
    assert_eq!(row(&s, "id", "2")["body"].as_deref(), Some("short"));
    // The default cap is 64 Ki characters.
    let s = source(&db).await.sample(&t("public", "docs"), 10).await.unwrap();
    assert_eq!(row(&s, "id", "1")["body"].as_deref().unwrap().len(), 65_536);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_table_the_role_may_not_read_fails_alone() {
    let db = TestDb::new().await;
    db.exec(
        "CREATE SCHEMA sales;
         CREATE TABLE sales.orders (id int, card text);
         INSERT INTO sales.orders VALUES (1, '4111 1111 1111 1111');
         CREATE TABLE sales.customers (id int, email text);
         INSERT INTO sales.customers VALUES (1, 'li.wei@example.cn');
         CREATE TABLE sales.staff (id int, name text, salary int);
         INSERT INTO sales.staff VALUES (1, 'Maria Garcia', 50000);
         ANALYZE;",
    )
    .await;
    let role = db.create_role(Some("reader-pw")).await;
    db.exec(&format!(
        "GRANT USAGE ON SCHEMA sales TO \"{role}\";
         GRANT SELECT ON sales.customers TO \"{role}\";
         GRANT SELECT (id, name) ON sales.staff TO \"{role}\";"
    ))
    .await;
    let src = PgSource::connect(&db.dsn_as(&role, Some("reader-pw"), None), PgOptions::default()).await.unwrap();
    let tables = src.tables(&[]).await.unwrap();
    assert_eq!(tables, vec![t("sales", "customers"), t("sales", "orders"), t("sales", "staff")]);
    let e = error(src.sample(&t("sales", "orders"), 10).await);
    assert_eq!(e, "sales.orders: permission denied for table orders");
    let s = src.sample(&t("sales", "customers"), 10).await.unwrap();
    assert_eq!(column(&s, "email"), [Some("li.wei@example.cn".to_string())]);
    // Only some columns readable: those are sampled, the others reported as skipped.
    let s = src.sample(&t("sales", "staff"), 10).await.unwrap();
    assert_eq!(column_names(&s), ["id", "name"]);
    assert_eq!(column(&s, "name"), [Some("Maria Garcia".to_string())]);
    assert_eq!(s.skipped, vec![SkippedColumn { name: "salary".into(), reason: "permission denied for column".into() }]);
}

/// A port on 127.0.0.1 that nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_errors_name_host_and_database_never_the_password() {
    let db = TestDb::new().await;
    let password = "Sup3r-Secret-pw";
    let opts = PgOptions::default;

    let port = closed_port();
    let dsn = format!("postgres://app:{password}@127.0.0.1:{port}/crm");
    let started = Instant::now();
    let e = PgSource::connect(&dsn, opts()).await.err().expect("closed port").to_string();
    assert!(started.elapsed() < Duration::from_secs(12), "connect gave up after {:?}", started.elapsed());
    assert!(e.starts_with(&format!("postgres://app:***@127.0.0.1:{port}/crm: cannot connect (host 127.0.0.1:{port}, database crm, user app)")), "{e}");
    assert!(e.to_lowercase().contains("refused"), "{e}");
    assert!(!e.contains(password), "{e}");

    // The administrator's own credentials (a server that trusts TCP ignores the password).
    let admin = url::Url::parse(db.dsn()).unwrap().username().to_string();
    let admin_password = db.admin_password().unwrap_or_else(|| password.to_string());
    let dsn = db.dsn_as(&admin, Some(&admin_password), Some("assay_no_such_database"));
    let e = PgSource::connect(&dsn, opts()).await.err().expect("unknown database").to_string();
    assert!(e.contains("database assay_no_such_database") && e.contains(r#"database "assay_no_such_database" does not exist"#), "{e}");
    assert!(!e.contains(&admin_password), "{e}");

    let dsn = db.dsn_as("assay_no_such_role", Some(password), None);
    let e = PgSource::connect(&dsn, opts()).await.err().expect("unknown role").to_string();
    assert!(e.contains(r#"role "assay_no_such_role" does not exist"#) || e.contains("password authentication failed"), "{e}");
    assert!(!e.contains(password), "{e}");

    let e = PgSource::connect("postgres://app:pw@[not-a-host/db", opts()).await.err().expect("bad DSN").to_string();
    assert!(!e.contains(":pw@"), "{e}");

    // A wrong password: refused wherever the server checks passwords. A server whose
    // pg_hba.conf trusts TCP connections (the local test server does) accepts any
    // password, so then the test checks that this is why it connected.
    let role = db.create_role(Some("the-right-one")).await;
    match PgSource::connect(&db.dsn_as(&role, Some(password), None), opts()).await {
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains("password authentication failed"), "{e}");
            assert!(!e.contains(password), "{e}");
        }
        Ok(_) => {
            let mut c = db.conn().await;
            let trusted: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_hba_file_rules WHERE type = 'host' AND auth_method = 'trust'")
                .fetch_one(&mut c)
                .await
                .unwrap();
            assert!(trusted > 0, "connected with a wrong password although pg_hba.conf trusts no host");
            eprintln!("note: the server trusts TCP connections, so a wrong password cannot be refused here");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_timeout_is_honoured() {
    let db = TestDb::new().await;
    db.exec("CREATE VIEW slow AS SELECT pg_sleep(5)::text AS nap, 'x' AS y;").await;
    let src = PgSource::connect(db.dsn(), PgOptions { statement_timeout: Duration::from_secs(1), ..PgOptions::default() }).await.unwrap();
    assert_eq!(src.tables(&[]).await.unwrap(), vec![], "a view only when named");
    let tables = src.tables(&["public.slow".to_string()]).await.unwrap();
    let started = Instant::now();
    let e = error(src.sample(&tables[0], 10).await);
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    assert_eq!(e, "public.slow: canceling statement due to statement timeout");
    // The source is still usable afterwards.
    db.exec("CREATE TABLE quick (a text); INSERT INTO quick VALUES ('ok');").await;
    assert_eq!(src.sample(&t("public", "quick"), 10).await.unwrap().rows, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_in_a_read_only_transaction() {
    let db = TestDb::new().await;
    // A view whose rows would write if the transaction allowed it.
    db.exec(
        "CREATE TABLE audit (n int);
         CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS 'INSERT INTO audit VALUES (1) RETURNING n';
         CREATE VIEW touching AS SELECT touch() AS n;",
    )
    .await;
    let src = source(&db).await;
    let e = error(src.sample(&t("public", "touching"), 1).await);
    assert!(e.contains("read-only transaction"), "{e}");
    let mut c = db.conn().await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit").fetch_one(&mut c).await.unwrap();
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_statistics_retry_with_a_larger_percentage() {
    let db = TestDb::new().await;
    make_table(&db, "shrunk", 300_000, "WITH (autovacuum_enabled = false)", true).await;
    // 1 row in 100 is left, but the estimate still says 300,000: the first TABLESAMPLE
    // returns about 20 rows, and the retries raise the percentage until 1,000 come back.
    db.exec("DELETE FROM shrunk WHERE id % 100 <> 0").await;
    let src = source(&db).await;
    let table = t("public", "shrunk");
    let SampleMethod::System { percent } = src.plan(&table, 1000).await.unwrap().method else { panic!("expected SYSTEM") };
    assert!(percent < 1.0, "{percent}");
    let s = src.sample(&table, 1000).await.unwrap();
    assert_eq!(s.rows, 1000, "{:?}", s.warnings);
    assert!(ids(&s).iter().all(|i| i % 100 == 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_sampled_concurrently() {
    let db = TestDb::new().await;
    for i in 0..6 {
        make_table(&db, &format!("part_{i}"), 20_000, "", true).await;
    }
    let src = source(&db).await;
    let tables = src.tables(&[]).await.unwrap();
    assert_eq!(tables.len(), 6);
    // More tables at once than the pool has connections; the same table twice.
    let mut all = tables.clone();
    all.push(tables[0].clone());
    let samples = futures::future::join_all(all.iter().map(|t| src.sample(t, 500))).await;
    let samples: Vec<Sample> = samples.into_iter().map(|r| r.expect("sample")).collect();
    assert!(samples.iter().all(|s| s.rows == 500));
    assert_eq!(ids(&samples[0]), ids(&samples[6]), "the same rows for the same table");
    assert_ne!(ids(&samples[0]), ids(&samples[1]), "seeded by table name");
}

/// `assay scan` over a database, the way users run it: the DSN by reference, tables by
/// selector, `schema.table` sources, a bytea column scanned, an unreadable table
/// reported while the others are scanned, and no password anywhere in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_scans_a_database_and_names_what_it_could_not_read() {
    let db = TestDb::new().await;
    db.exec(
        r#"
        CREATE SCHEMA crm;
        CREATE TABLE crm.contacts (id bigint, email text, phone varchar(32), tags text[], photo bytea, note text);
        INSERT INTO crm.contacts
          SELECT i, 'client' || i || '@firm-example.com', '+44 7700 900' || lpad((i % 1000)::text, 3, '0'),
                 ARRAY['vip', 'n' || i], NULL, 'called back ' || i
          FROM generate_series(1, 5000) i;
        CREATE TABLE crm.secret_notes (id int, body text);
        INSERT INTO crm.secret_notes VALUES (1, 'nothing');
        CREATE TABLE public.metrics (day date, clicks int);
        INSERT INTO public.metrics SELECT DATE '2026-01-01' + i, i FROM generate_series(1, 50) i;
        ANALYZE;
        "#,
    )
    .await;
    let role = db.create_role(Some("hunter2-do-not-print")).await;
    db.exec(&format!("GRANT USAGE ON SCHEMA crm TO \"{role}\"; GRANT SELECT ON crm.contacts TO \"{role}\"; GRANT SELECT ON public.metrics TO \"{role}\";")).await;
    let dsn = db.dsn_as(&role, Some("hunter2-do-not-print"), None);

    let env = [("ASSAY_TEST_DSN", dsn.clone())];
    let out = common::cli::assay_env(&["scan", "env:ASSAY_TEST_DSN", "--table", "crm.*", "--format", "json"], &env);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains("hunter2-do-not-print"), "password leaked: {text}");
    assert_eq!(out.status.code(), Some(3), "{text}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(common::cli::labels(&r, "crm.contacts", "email"), ["pii.email"]);
    assert_eq!(common::cli::labels(&r, "crm.contacts", "phone"), ["pii.phone_number"]);
    assert!(common::cli::labels(&r, "crm.contacts", "note").is_empty());
    let contacts = common::cli::column(&r, "crm.contacts", "email");
    assert_eq!(contacts["source"], "crm.contacts");
    assert_eq!(contacts["rows_sampled"], 1000);
    let photo = common::cli::column(&r, "crm.contacts", "photo");
    assert!(photo.get("not_scanned").is_none() && common::cli::labels(&r, "crm.contacts", "photo").is_empty(), "{photo}");
    let errors = r["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["source"], "crm.secret_notes");
    assert!(errors[0]["error"].as_str().unwrap().contains("permission denied"), "{errors:?}");
    // The selector kept public.metrics out.
    assert!(!text.contains("public.metrics"));

    // A table named exactly; a clean run exits 0.
    let out = common::cli::assay_env(&["scan", "env:ASSAY_TEST_DSN", "--table", "public.metrics", "--format", "json"], &env);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(common::cli::column(&r, "public.metrics", "clicks")["rows_sampled"], 50);
}

/// Coordinates in `double precision` and `numeric` columns arrive as text and are told as
/// a latitude/longitude pair; a lone `lat` beside a price is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latitude_and_longitude_numbers_are_coordinates() {
    let db = TestDb::new().await;
    db.exec(
        "CREATE TABLE public.stores (id int PRIMARY KEY, latitude double precision, longitude numeric(9, 6), revenue numeric(12, 2));
         INSERT INTO public.stores SELECT g, 40.4 + g * 0.001731, -3.7 - g * 0.002113, g * 13.5 FROM generate_series(1, 200) g;
         CREATE TABLE public.lone (id int PRIMARY KEY, lat double precision, price numeric(12, 2));
         INSERT INTO public.lone SELECT g, 40.4 + g * 0.001731, g * 1.25 FROM generate_series(1, 200) g;
         ANALYZE;",
    )
    .await;
    let dsn = db.dsn().to_string();
    let (r, out) = tokio::task::spawn_blocking(move || common::cli::scan_locations(&[&dsn], &["--table", "public.*"], &[])).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(common::cli::labels(&r, "public.stores", "latitude"), ["pii.geo_coordinates"], "{r}");
    assert_eq!(common::cli::labels(&r, "public.stores", "longitude"), ["pii.geo_coordinates"]);
    assert!(common::cli::labels(&r, "public.stores", "revenue").is_empty());
    assert!(common::cli::labels(&r, "public.lone", "lat").is_empty(), "{r}");
}
