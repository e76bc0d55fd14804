//! Change-aware sampling of Postgres tables, measured (bench/changes.sh runs it):
//!
//! 1. What an unchanged table costs a scan (reading its version) against sampling it.
//! 2. Detection probability: `c` rows whose notes hold an e-mail address appended to a
//!    table of `n` rows, then one scan, `trials` times for each (n, c): the change-aware
//!    sample (the rows past the high-water mark, or a keyless table's last pages, plus the
//!    next round of the uniform sample) next to the uniform sample alone as scans took it
//!    before (`PgSource::sample`, the same pages every time).
//! 3. Coverage: how many scans the rotating uniform sample takes to have read 50, 90 and
//!    99 % of a table's rows, against the fixed one.
//!
//! Usage: `cargo run --release --example change_bench -- <dsn> [trials]`; the tables are
//! made in that database (kept; made again only when missing).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use arrow::array::AsArray;
use assay::classify::Engine;
use assay::scan::classify_sample;
use assay::sources::postgres::changes::{TableState, TableVersion};
use assay::sources::postgres::{PgOptions, PgSource, TableName};
use assay::sources::Sample;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

const SAMPLE: usize = 1000;

async fn exec(dsn: &str, sql: &str) -> anyhow::Result<()> {
    // A connection of its own, closed: its backend flushes the table counters on exit.
    let mut c = PgConnection::connect(dsn).await?;
    sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&mut c).await?;
    c.close().await?;
    Ok(())
}

async fn scalar(dsn: &str, sql: &str) -> anyhow::Result<i64> {
    let mut c = PgConnection::connect(dsn).await?;
    let v: i64 = sqlx::query_scalar(AssertSqlSafe(sql.to_string())).fetch_one(&mut c).await?;
    c.close().await?;
    Ok(v)
}

/// `name` with `rows` clean rows: an identity key, or (`keyed` false) none at all.
async fn table(dsn: &str, name: &str, rows: u64, keyed: bool) -> anyhow::Result<()> {
    if scalar(dsn, &format!("SELECT count(*) FROM pg_class WHERE relname = '{name}'")).await? > 0 {
        return Ok(());
    }
    eprintln!("creating {name} ({rows} rows)…");
    let id = if keyed { "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY" } else { "id BIGINT" };
    let fill = if keyed { "" } else { "g, " };
    let cols = if keyed { "" } else { "id, " };
    exec(
        dsn,
        &format!(
            "CREATE TABLE {name} ({id}, plan TEXT NOT NULL, notes TEXT NOT NULL);
             INSERT INTO {name} ({cols}plan, notes) SELECT {fill}(ARRAY['basic','pro','team'])[1 + g % 3], 'renewed after call ' || g || ', happy with support' FROM generate_series(1, {rows}) g;
             ANALYZE {name};"
        ),
    )
    .await
}

/// Waits until the statistics count every row inserted into `name`, as a scan minutes
/// after an append would see them.
async fn settle(dsn: &str, name: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let rows = scalar(dsn, &format!("SELECT count(*) FROM {name}")).await?;
    let sql = format!("SELECT (n_tup_ins - n_tup_del)::int8 FROM pg_stat_user_tables WHERE relname = '{name}'");
    while scalar(dsn, &sql).await? != rows && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn found(engine: &Engine, sample: &Sample) -> bool {
    classify_sample(engine, "bench", sample, 0.0, &mut Vec::new()).iter().any(|c| c.column == "notes" && c.labels.iter().any(|l| l.label == "pii.email"))
}

fn median(v: &mut [Duration]) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dsn = args.first().cloned().unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let trials: usize = args.get(1).map_or(Ok(20), |t| t.parse())?;
    let engine = Engine::builtin()?;
    let src = PgSource::connect(dsn.as_str(), PgOptions::default()).await?;
    let sizes = [1_000_000u64, 5_000_000];
    for n in sizes {
        table(&dsn, &format!("chg_{n}"), n, true).await?;
        table(&dsn, &format!("chg_{n}_nokey"), n, false).await?;
    }

    // 1. An unchanged table: its version against its sample, alternated.
    let big = TableName::new("public", format!("chg_{}", sizes[1]));
    settle(&dsn, &big.name).await?;
    let (mut check, mut sample) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        let t = Instant::now();
        src.version(&big, None).await?;
        check.push(t.elapsed());
        let t = Instant::now();
        src.sample(&big, SAMPLE).await?;
        sample.push(t.elapsed());
    }
    let (c, s) = (median(&mut check), median(&mut sample));
    println!("unchanged-table check on {big} ({} rows): version {c:.2} ms, {SAMPLE}-row sample {s:.2} ms (median of 21 each); ratio {:.3}", sizes[1], c / s);

    // 2. Detection probability by table size and contamination size.
    println!("\ndetection of c appended rows holding e-mail addresses, {trials} trials each:");
    println!("| table rows | appended | change-aware, identity key | change-aware, no key | uniform sample (before) |");
    println!("|---:|---:|---:|---:|---:|");
    for n in sizes {
        for c in [10u64, 100, 1000] {
            let mut hits = [0usize; 3];
            for keyed in [true, false] {
                let name = if keyed { format!("chg_{n}") } else { format!("chg_{n}_nokey") };
                let t = TableName::new("public", name.clone());
                settle(&dsn, &name).await?;
                // The scan before the append leaves the state the next one starts from.
                let v = src.version(&t, None).await?;
                let mut state: Option<TableState> = Some(src.sample_changed(&t, SAMPLE, &v, None).await?.state);
                for _ in 0..trials {
                    let fill = if keyed { "" } else { "id, " };
                    let from = if keyed { "" } else { "g + 1000000000, " };
                    exec(&dsn, &format!("INSERT INTO {name} ({fill}plan, notes) SELECT {from}'pro', 'call back at customer' || g || '.smith@mail-example.org' FROM generate_series(1, {c}) g")).await?;
                    settle(&dsn, &name).await?;
                    let v: TableVersion = src.version(&t, None).await?;
                    let changed = src.sample_changed(&t, SAMPLE, &v, state.as_ref()).await?;
                    hits[if keyed { 0 } else { 1 }] += found(&engine, &changed.sample) as usize;
                    state = Some(changed.state);
                    if keyed {
                        hits[2] += found(&engine, &src.sample(&t, SAMPLE).await?) as usize;
                    }
                    exec(&dsn, &format!("DELETE FROM {name} WHERE notes LIKE '%@%'")).await?;
                }
            }
            let rate = |h: usize| format!("{:.0} %", 100.0 * h as f64 / trials as f64);
            println!("| {n} | {c} | {} | {} | {} |", rate(hits[0]), rate(hits[1]), rate(hits[2]));
        }
    }

    // 3. Coverage of a 100,000-row table by 1,000-row samples (1 %).
    let cov = TableName::new("public", "chg_cover_100000");
    table(&dsn, &cov.name, 100_000, false).await?;
    let version = TableVersion { estimate: Some(100_000.0), ..TableVersion::default() };
    let mut seen: HashSet<String> = HashSet::new();
    let mut fixed: HashSet<String> = HashSet::new();
    let mut state: Option<TableState> = None;
    let mut marks = vec![(0.5, None), (0.9, None), (0.99, None)];
    for scan in 1..=2000 {
        let s = src.sample_changed(&cov, SAMPLE, &version, state.as_ref()).await?;
        state = Some(s.state);
        for b in &s.sample.batches {
            seen.extend(b.column_by_name("id").unwrap().as_string::<i32>().iter().flatten().map(str::to_string));
        }
        if scan <= 20 {
            for b in &src.sample(&cov, SAMPLE).await?.batches {
                fixed.extend(b.column_by_name("id").unwrap().as_string::<i32>().iter().flatten().map(str::to_string));
            }
        }
        for (share, at) in &mut marks {
            if at.is_none() && seen.len() as f64 >= *share * 100_000.0 {
                *at = Some(scan);
            }
        }
        if marks.iter().all(|(_, at)| at.is_some()) {
            break;
        }
    }
    let at = |i: usize| marks[i].1.map_or("> 2000".to_string(), |s: usize| s.to_string());
    println!(
        "\ncoverage of {cov} (100,000 rows) by {SAMPLE}-row scans: 50 % after {} scans, 90 % after {}, 99 % after {} (independent 1 % samples: 69, 230, 459); the fixed sample covered {:.1} % after 20 scans",
        at(0),
        at(1),
        at(2),
        fixed.len() as f64 / 1000.0
    );
    Ok(())
}
