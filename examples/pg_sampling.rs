//! Times `PgSource::sample` on Postgres tables (bench/pg_sampling.sh runs it).
//!
//! Usage: `cargo run --example pg_sampling -- <dsn> <rows> <runs> <schema.table>...`
//! For each table: the method chosen, the first sample's time, then the median and
//! minimum of `runs` more; with two or more tables, the ratio of the first table's median
//! to the last one's.

use std::time::{Duration, Instant};

use assay::sources::location::redact;
use assay::sources::postgres::{PgOptions, PgSource};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dsn, rows, runs, selectors @ ..] = args.as_slice() else {
        anyhow::bail!("usage: pg_sampling <dsn> <rows> <runs> <schema.table>...");
    };
    let (rows, runs): (usize, usize) = (rows.parse()?, runs.parse::<usize>()?.max(1));
    let src = PgSource::connect(dsn, PgOptions::default()).await?;
    let tables = src.tables(selectors).await?;
    println!("{} — {rows} rows per sample, {runs} timed runs after a first one", redact(dsn));
    let mut medians = Vec::new();
    for table in &tables {
        let plan = src.plan(table, rows).await?;
        let started = Instant::now();
        let first = src.sample(table, rows).await?;
        let first_time = started.elapsed();
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let s = src.sample(table, rows).await?;
            times.push(started.elapsed());
            assert_eq!(s.rows, first.rows, "an unchanged table samples the same rows");
        }
        times.sort();
        let median = times[times.len() / 2];
        medians.push(median);
        println!(
            "{table}: estimate {:.0} rows, {:?}, {} rows sampled; first {:.1} ms, median {:.1} ms, min {:.1} ms{}",
            plan.estimated_rows.unwrap_or(-1.0),
            plan.method,
            first.rows,
            ms(first_time),
            ms(median),
            ms(times[0]),
            if first.warnings.is_empty() { String::new() } else { format!(" (warnings: {})", first.warnings.join("; ")) }
        );
    }
    if let (Some(a), Some(b)) = (medians.first(), medians.last()) {
        if medians.len() > 1 {
            println!("ratio {} / {}: {:.2}", tables[0], tables[tables.len() - 1], a.as_secs_f64() / b.as_secs_f64());
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
