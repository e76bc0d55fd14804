//! Postgres tables: a bounded, reproducible sample of each table as Arrow text columns.
//!
//! Sampling must cost about the same on a 10-million-row table as on a 100,000-row one,
//! so a table is never read whole: the catalogue's row estimate (`pg_class.reltuples`,
//! summed over the leaves of a partitioned table) sets a `TABLESAMPLE SYSTEM` percentage
//! that returns about twice the rows asked for (block sampling: the server reads only the
//! chosen pages). Small tables use `BERNOULLI` (row sampling, cheap there), never-analysed
//! tables and views have no estimate and give their first rows (`LIMIT`), with a warning.
//! `REPEATABLE` is seeded by the table's name and a round, and the rows kept out of what
//! came back are picked by an RNG seeded the same way, so one scan is reproducible while
//! successive scans of a registered source (round 1, 2, …) read other pages and in time
//! cover the whole table; `assay scan` reads round 0. Keeping a random subset rather than
//! the first rows avoids favouring the pages at the start of the table over the newest
//! ones at its end. A registered source also reads the rows appended since its last scan
//! through the table's append key, and leaves a table whose change counters did not move
//! alone (`changes.rs`).
//!
//! Every read runs in a `READ ONLY` transaction with a local `statement_timeout`. Table
//! and column names come from the catalogue and are spliced only as quoted identifiers;
//! everything else is a bind parameter. Each column is read as `left(col::text, cap)`, so
//! one text mapping covers every type (integers, numeric, uuid, inet, json, arrays, enums,
//! domains, dates) and a 50 MB value never crosses the wire whole. `bytea` is read as bytes
//! (`substring(col FROM 1 FOR cap)`, a Binary column), since its text form is hex that no
//! rule can read; the engine scans a blob's printable runs. Arrays of `bytea` are not read.
//! What is held in memory is the kept rows only, and at most `max_sample_bytes` of them.
//!
//! Errors are `SourceError::Remote`: connection errors are located by the redacted DSN and
//! name the host and database; table errors are located by `schema.table` and carry the
//! server's message (e.g. `permission denied for table orders`). Every message passes
//! through `redact`, since driver errors may quote the DSN.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use arrow::array::{ArrayRef, BinaryBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use futures::TryStreamExt;
use rand::Rng;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgPool, PgPoolOptions, PgRow};
use sqlx::{Arguments, AssertSqlSafe, Connection, Postgres, Row, Transaction};

use super::location::{redact, Dsn};
use super::{seeded_rng, Sample, SkippedColumn, SourceError};

pub mod changes;
use changes::{TableState, TableVersion};

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections per source: at most this many tables are sampled at once; further callers
/// wait for a connection (up to the connect timeout plus two statement timeouts).
const POOL_SIZE: u32 = 4;
/// `TABLESAMPLE` is sized to return this many times the rows asked for, so that block
/// sampling's variance rarely leaves the sample short.
const MARGIN: f64 = 2.0;
/// At most this many times the rows asked for cross the wire (the `LIMIT`).
const TRANSFER_FACTOR: usize = 3;
/// Tables estimated at up to this many times the rows asked for use `BERNOULLI`.
const BERNOULLI_FACTOR: f64 = 10.0;
/// Further attempts, each with a larger percentage, when too few rows came back.
const RETRIES: usize = 2;
/// Most a retry multiplies the percentage by (bounds the cost when statistics are stale).
const MAX_GROWTH: f64 = 10.0;

/// Options of a Postgres source.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// `statement_timeout` of every query (default 30 s).
    pub statement_timeout: Duration,
    /// Longest value read, in characters; longer values arrive truncated (default 65,536).
    pub max_value_len: usize,
    /// Most bytes of values one sample holds; rows past it are not read, with a warning
    /// (default 256 MiB).
    pub max_sample_bytes: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions { statement_timeout: Duration::from_secs(30), max_value_len: 65_536, max_sample_bytes: 256 << 20 }
    }
}

/// A table (or view) by schema and name; `Display` gives `schema.table` unquoted, as the
/// report's `source` shows it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    pub schema: String,
    pub name: String,
}

impl TableName {
    pub fn new(schema: impl Into<String>, name: impl Into<String>) -> TableName {
        TableName { schema: schema.into(), name: name.into() }
    }

    /// The name as SQL: `"schema"."table"`, each part a quoted identifier.
    pub fn quoted(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.name))
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// How rows are picked from a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SampleMethod {
    /// `TABLESAMPLE SYSTEM (percent)`: random pages (large tables).
    System { percent: f64 },
    /// `TABLESAMPLE BERNOULLI (percent)`: random rows (small tables).
    Bernoulli { percent: f64 },
    /// `LIMIT n`: the first rows (tables smaller than the sample, never-analysed tables,
    /// views and foreign tables).
    Head,
}

impl SampleMethod {
    /// The method of the next attempt when `got` of `wanted` rows came back, if any.
    fn grown(self, got: usize, wanted: usize) -> Option<SampleMethod> {
        let factor = if got == 0 { MAX_GROWTH } else { (MARGIN * wanted as f64 / got as f64).clamp(2.0, MAX_GROWTH) };
        match self {
            SampleMethod::System { percent } if percent < 100.0 => Some(SampleMethod::System { percent: (percent * factor).min(100.0) }),
            SampleMethod::Bernoulli { percent } if percent < 100.0 => Some(SampleMethod::Bernoulli { percent: 100.0 }),
            _ => None,
        }
    }
}

/// What `sample` would do for a table: the method, the row estimate it was chosen from
/// (`None` for a view or a never-analysed table) and the server's `EXPLAIN` of the query.
#[derive(Debug, Clone)]
pub struct SamplePlan {
    pub method: SampleMethod,
    pub estimated_rows: Option<f64>,
    pub explain: String,
}

/// A table's sample in a scan of a registered source: the rows past the last scan's
/// high-water mark, if any, as the first batch, then the rotating uniform sample.
pub struct TableSample {
    pub sample: Sample,
    /// Rows of the first batch that are new (past the mark; for a table without an append
    /// key, its last pages); 0 when there is no such part.
    pub new_rows: usize,
    /// What to remember of the table for its next scan.
    pub state: TableState,
    /// What the report says about how the table was sampled (not errors).
    pub notes: Vec<String>,
}

/// A connected Postgres source.
pub struct PgSource {
    pool: PgPool,
    display: String,
    opts: PgOptions,
}

/// A column as the catalogue describes it.
struct ColumnInfo {
    name: String,
    /// `bytea` (or a domain over it): read as bytes.
    is_bytea: bool,
    /// An array of `bytea`: not read.
    is_bytea_array: bool,
    /// `inet` (or a domain over it): read with `abbrev`, since its text cast appends
    /// `/32` to every address.
    is_inet: bool,
    readable: bool,
}

/// What the catalogue says about a relation.
struct Relation {
    kind: char,
    /// Row estimate; `None` when never analysed.
    estimate: Option<f64>,
    columns: Vec<ColumnInfo>,
}

impl PgSource {
    /// Connects to the database of `dsn` (already resolved from any `env:`/`file:`
    /// reference; a `&str` is taken as an inline DSN): one connection is opened now, within
    /// 10 s, so that a wrong host, password or database fails here, with a message naming the
    /// host and database and never the password. A DSN that came from a reference is named
    /// by the reference alone, without its host, user or database.
    pub async fn connect(dsn: impl Into<Dsn>, opts: PgOptions) -> Result<PgSource, SourceError> {
        let dsn: Dsn = dsn.into();
        let display = dsn.shown().to_string();
        let remote = |message: String| SourceError::Remote { location: display.clone(), message: redact(&message) };
        let options = PgConnectOptions::from_str(dsn.expose_secret())
            .map_err(|e| {
                // The parser's message may quote the string: not for a reference's content.
                let why = if dsn.by_reference() { String::new() } else { format!(": {}", error_message(&e)) };
                remote(format!("not a valid Postgres connection string{why}"))
            })?
            .application_name("assay");
        let target = if dsn.by_reference() {
            String::new()
        } else {
            format!(
                " (host {}:{}, database {}, user {})",
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or(options.get_username()),
                options.get_username()
            )
        };
        // A direct connection first: a pool retries refused connections until its timeout
        // and then reports only that it timed out, hiding the reason.
        let conn = match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options)).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(remote(format!("cannot connect{target}: {}", error_message(&e)))),
            Err(_) => return Err(remote(format!("cannot connect{target}: no answer within {} s", CONNECT_TIMEOUT.as_secs()))),
        };
        let _ = conn.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .min_connections(0)
            .acquire_timeout(CONNECT_TIMEOUT + 2 * opts.statement_timeout)
            .connect_lazy_with(options);
        Ok(PgSource { pool, display, opts })
    }

    /// The redacted DSN, for messages.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Tables to scan for `--table` selectors: `schema.table` (a table, partitioned table,
    /// materialized view, view or foreign table), `schema.*` (the tables, partitioned
    /// tables and materialized views of a schema, not partitions) or a bare `table` found
    /// through the search path. No selector means every table of every non-system schema
    /// the role may use. A part in double quotes is taken as written (`""` for a quote);
    /// an unquoted part matches as written, or else lowercased as Postgres folds it. A
    /// table or schema named explicitly that does not exist is an error naming it.
    pub async fn tables(&self, selectors: &[String]) -> Result<Vec<TableName>, SourceError> {
        let mut tx = self.begin(&self.display).await?;
        let mut out = Vec::new();
        if selectors.is_empty() {
            out = list_tables(&mut tx, None).await.map_err(|e| self.remote(&self.display, e))?;
        }
        for selector in selectors {
            let not_found = |message: &str| SourceError::Remote { location: selector.clone(), message: message.to_string() };
            let remote = |e| self.remote(selector, e);
            match parse_selector(selector) {
                Selector::Schema(schema) => {
                    let mut found = None;
                    for s in spellings(&schema) {
                        if schema_exists(&mut tx, &s).await.map_err(remote)? {
                            found = Some(s);
                            break;
                        }
                    }
                    let schema = found.ok_or_else(|| not_found("no such schema"))?;
                    out.extend(list_tables(&mut tx, Some(&schema)).await.map_err(remote)?);
                }
                Selector::Table(schema, name) => {
                    let mut found = None;
                    'search: for s in spellings(&schema) {
                        for n in spellings(&name) {
                            let t = TableName::new(s.clone(), n);
                            if describe_kind(&mut tx, &t).await.map_err(remote)?.is_some() {
                                found = Some(t);
                                break 'search;
                            }
                        }
                    }
                    out.push(found.ok_or_else(|| not_found("no such table or view"))?);
                }
                Selector::Bare(name) => {
                    let mut found = None;
                    for n in spellings(&name) {
                        found = table_on_search_path(&mut tx, &n).await.map_err(remote)?;
                        if found.is_some() {
                            break;
                        }
                    }
                    out.push(found.ok_or_else(|| not_found("no such table or view on the search path"))?);
                }
            }
        }
        let _ = tx.rollback().await;
        let mut seen = std::collections::HashSet::new();
        out.retain(|t| seen.insert(t.clone()));
        Ok(out)
    }

    /// Samples about `rows` rows of one table, as `assay scan` does (round 0 of the
    /// rotating sample). See the module comment for how; the warnings say when the sample
    /// is not random (views, never-analysed tables) or short.
    pub async fn sample(&self, table: &TableName, rows: usize) -> Result<Sample, SourceError> {
        let (mut tx, rel) = self.open(table).await?;
        let (selected, skipped) = select_columns(&rel.columns);
        let (batch, got, warnings) = self.uniform(&mut tx, table, &rel, &selected, rows, 0).await?;
        let _ = tx.rollback().await;
        Ok(Sample { batches: vec![batch], rows: got, warnings, decoded: Vec::new(), skipped })
    }

    /// Samples a table of a registered source that changed since `previous` (its state
    /// after the last scan; `None` for a first scan): the rows past the last high-water
    /// mark through the append key, newest first and at most `rows` of them, and the next
    /// round of the rotating uniform sample, enlarged for a table without an append key
    /// by what was inserted since (see `changes`).
    pub async fn sample_changed(&self, table: &TableName, rows: usize, version: &TableVersion, previous: Option<&TableState>) -> Result<TableSample, SourceError> {
        let (mut tx, rel) = self.open(table).await?;
        let (selected, skipped) = select_columns(&rel.columns);
        let round = previous.map_or(0, |p| p.round + 1);
        let mut notes = Vec::new();
        let mut batches = Vec::new();
        let mut new_rows = 0;
        let mut uniform_rows = rows;
        match &version.key {
            Some(key) => {
                // The last scan's state of the same key: rows past its mark are new (all of
                // them when the table was empty then). A first scan has no new rows.
                let last = previous.filter(|p| p.key.as_deref() == Some(key.column.as_str()));
                if let Some(mark) = last.map(|p| p.mark.as_deref()).filter(|m| version.max.is_some() && version.max.as_deref() != *m) {
                    match self.new_rows(&mut tx, table, &selected, key, mark, rows).await? {
                        Some((batch, got)) => {
                            if got > 0 {
                                batches.push(batch);
                                new_rows = got;
                            }
                            notes.push(format!("{got} row(s) past the high-water mark of its {} read, newest first (at most {rows})", key.why));
                        }
                        None => notes.push(format!("the high-water mark of its {} could not be read back as its type; new rows were not read this time", key.why)),
                    }
                }
            }
            None if matches!(rel.kind, 'r' | 'p' | 'm') => {
                let since = previous.map_or(0, |p| version.inserted - p.inserted);
                uniform_rows = changes::fallback_rows(rows, since, version.estimate);
                let tail = match changes::tail_start(rows, since, version.estimate, version.pages) {
                    Some(start) => {
                        let (batch, got) = self.tail_rows(&mut tx, table, &selected, start, rows).await?;
                        if got > 0 {
                            batches.push(batch);
                            new_rows = got;
                        }
                        format!("{got} row(s) of its last {} page(s), where appended rows land, and ", version.pages.unwrap_or(0) - start)
                    }
                    None => String::new(),
                };
                notes.push(format!(
                    "no append key (an identity or serial primary key, or an indexed created_at, inserted_at, ingested_at or updated_at): \
                     new rows were looked for in {tail}a larger uniform sample ({uniform_rows} rows; {} inserted since the last scan)",
                    since.max(0)
                ));
            }
            None => {}
        }
        let (batch, got, warnings) = self.uniform(&mut tx, table, &rel, &selected, uniform_rows, round).await?;
        let _ = tx.rollback().await;
        batches.push(batch);
        let state = TableState { key: version.key.as_ref().map(|k| k.column.clone()), mark: version.max.clone(), round, inserted: version.inserted };
        let sample = Sample { batches, rows: new_rows + got, warnings, decoded: Vec::new(), skipped };
        Ok(TableSample { sample, new_rows, state, notes })
    }

    /// The rows past `mark` (every row without one) through the append key, newest first,
    /// at most `rows`. `None` when the mark cannot be read as the key's type (its type
    /// changed since): the statement runs under a savepoint so that the sample's transaction goes on.
    async fn new_rows(
        &self,
        tx: &mut PgConnection,
        table: &TableName,
        selected: &[&ColumnInfo],
        key: &changes::AppendKey,
        mark: Option<&str>,
        rows: usize,
    ) -> Result<Option<(RecordBatch, usize)>, SourceError> {
        let location = table.to_string();
        let k = quote_ident(&key.column);
        // The type name comes from the catalogue (`format_type`), never from a user.
        let (filter, limit) = match mark {
            Some(_) => (format!("WHERE {k} > CAST($2 AS {}) ", key.type_name), "$3"),
            None => (String::new(), "$2"),
        };
        let sql = format!("SELECT {} FROM {} {filter}ORDER BY {k} DESC LIMIT {limit}", select_list(selected), table.quoted());
        sqlx::query("SAVEPOINT assay_new_rows").execute(&mut *tx).await.map_err(|e| self.remote(&location, e))?;
        match self.bounded_read(tx, table, selected, sql, mark, rows).await? {
            Ok(read) => Ok(Some(read)),
            Err(sqlx::Error::Database(db)) if db.code().is_some_and(|c| c.starts_with("22")) => {
                sqlx::query("ROLLBACK TO SAVEPOINT assay_new_rows").execute(&mut *tx).await.map_err(|e| self.remote(&location, e))?;
                Ok(None)
            }
            Err(e) => Err(self.remote(&location, e)),
        }
    }

    /// The rows of the pages from `start` to the end (a TID range scan), at most `rows`.
    async fn tail_rows(&self, tx: &mut PgConnection, table: &TableName, selected: &[&ColumnInfo], start: u64, rows: usize) -> Result<(RecordBatch, usize), SourceError> {
        let sql = format!("SELECT {} FROM {} WHERE ctid >= CAST($2 AS tid) LIMIT $3", select_list(selected), table.quoted());
        let start = format!("({start},0)");
        self.bounded_read(tx, table, selected, sql, Some(&start), rows).await?.map_err(|e| self.remote(&table.to_string(), e))
    }

    /// Runs `sql` (`$1` the value cap, then `value` as text when given, then the row limit)
    /// and returns at most `rows` of its rows as one batch. The statement's own failure is
    /// the inner error, for callers that recover from some.
    async fn bounded_read(
        &self,
        tx: &mut PgConnection,
        table: &TableName,
        selected: &[&ColumnInfo],
        sql: String,
        value: Option<&str>,
        rows: usize,
    ) -> Result<Result<(RecordBatch, usize), sqlx::Error>, SourceError> {
        let location = table.to_string();
        let mut args = PgArguments::default();
        let bind_err = |e: sqlx::error::BoxDynError| SourceError::Remote { location: location.clone(), message: e.to_string() };
        args.add(i32::try_from(self.opts.max_value_len).unwrap_or(i32::MAX)).map_err(bind_err)?;
        if let Some(v) = value {
            args.add(v).map_err(bind_err)?;
        }
        args.add(i64::try_from(rows).unwrap_or(i64::MAX)).map_err(bind_err)?;
        let mut rng = seeded_rng(&location);
        match fetch_sample(&mut *tx, sql, args, rows, self.opts.max_sample_bytes, &mut rng).await {
            Ok(fetched) => {
                let batch = to_batch(selected, &fetched.rows).map_err(|message| SourceError::Remote { location: location.clone(), message })?;
                Ok(Ok((batch, fetched.rows.len())))
            }
            Err(e) => Ok(Err(e)),
        }
    }

    /// The uniform part of a sample: about `rows` rows drawn by `TABLESAMPLE` seeded by the
    /// table and `round` (0 is the seed `assay scan` uses), so successive rounds read
    /// other pages while any one stays reproducible. Returns the batch, its rows and the
    /// warnings.
    async fn uniform(
        &self,
        tx: &mut PgConnection,
        table: &TableName,
        rel: &Relation,
        selected: &[&ColumnInfo],
        rows: usize,
        round: u64,
    ) -> Result<(RecordBatch, usize, Vec<String>), SourceError> {
        let location = table.to_string();
        let mut method = choose_method(rel, rows);
        let mut rng = seeded_rng(&round_identity(table, round));
        let mut warnings = Vec::new();
        let mut attempt = 0;
        let fetched = loop {
            let sql = sample_sql(table, selected, method);
            let args = self.sample_args(table, method, rows, round)?;
            let fetched = fetch_sample(&mut *tx, sql, args, rows, self.opts.max_sample_bytes, &mut rng)
                .await
                .map_err(|e| self.remote(&location, e))?;
            let next = method.grown(fetched.rows.len(), rows).filter(|_| fetched.rows.len() < rows && !fetched.over_budget);
            match next {
                Some(m) if attempt < RETRIES => {
                    method = m;
                    attempt += 1;
                }
                _ => break fetched,
            }
        };
        let got = fetched.rows.len();
        match (rel.kind, rel.estimate) {
            ('v', _) => warnings.push(format!("a view: its first {got} rows were sampled, not a random sample")),
            ('f', _) => warnings.push(format!("a foreign table: its first {got} rows were sampled, not a random sample")),
            (_, None) => warnings.push(format!("never analysed (no row estimate): its first {got} rows were sampled, not a random sample; run ANALYZE for a random one")),
            (_, Some(est)) if got < rows && est > 2.0 * got as f64 && !fetched.over_budget => warnings.push(format!(
                "only {got} of {rows} rows came back from TABLESAMPLE although about {est:.0} rows are estimated; the statistics may be stale (run ANALYZE)"
            )),
            _ => {}
        }
        if fetched.over_budget {
            warnings.push(format!("sample cut to {got} rows: the sampled values exceed {} MiB", self.opts.max_sample_bytes >> 20));
        }
        let batch = to_batch(selected, &fetched.rows).map_err(|message| SourceError::Remote { location, message })?;
        Ok((batch, got, warnings))
    }

    /// What `sample` would do first for `table`: the method, the estimate it came from and
    /// the server's `EXPLAIN` of the query (retries, if any, only raise the percentage).
    pub async fn plan(&self, table: &TableName, rows: usize) -> Result<SamplePlan, SourceError> {
        let (mut tx, rel) = self.open(table).await?;
        let (selected, _) = select_columns(&rel.columns);
        let method = choose_method(&rel, rows);
        let sql = format!("EXPLAIN {}", sample_sql(table, &selected, method));
        let args = self.sample_args(table, method, rows, 0)?;
        let lines: Vec<String> = sqlx::query_scalar_with(AssertSqlSafe(sql), args)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| self.remote(&table.to_string(), e))?;
        let _ = tx.rollback().await;
        Ok(SamplePlan { method, estimated_rows: rel.estimate, explain: lines.join("\n") })
    }

    /// Opens the transaction that samples `table`, and describes it.
    async fn open(&self, table: &TableName) -> Result<(Transaction<'static, Postgres>, Relation), SourceError> {
        let location = table.to_string();
        let mut tx = self.begin(&location).await?;
        match describe(&mut tx, table).await.map_err(|e| self.remote(&location, e))? {
            Some(rel) => Ok((tx, rel)),
            None => Err(SourceError::Remote { location, message: "no such table or view".into() }),
        }
    }

    /// Opens a read-only transaction with this source's statement timeout.
    async fn begin(&self, location: &str) -> Result<Transaction<'static, Postgres>, SourceError> {
        let mut tx = self.pool.begin_with("BEGIN READ ONLY").await.map_err(|e| self.remote(location, e))?;
        let timeout = format!("{}ms", self.opts.statement_timeout.as_millis().max(1));
        sqlx::query("SELECT set_config('statement_timeout', $1, true)")
            .bind(timeout)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.remote(location, e))?;
        Ok(tx)
    }

    /// Bind parameters of `sample_sql`: the value cap, the method's percentage and seed,
    /// and the row limit.
    fn sample_args(&self, table: &TableName, method: SampleMethod, rows: usize, round: u64) -> Result<PgArguments, SourceError> {
        let mut args = PgArguments::default();
        let cap = i32::try_from(self.opts.max_value_len).unwrap_or(i32::MAX);
        let limit = match method {
            SampleMethod::Head => rows,
            _ => rows.saturating_mul(TRANSFER_FACTOR),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let bind_err = |e: sqlx::error::BoxDynError| SourceError::Remote { location: table.to_string(), message: e.to_string() };
        args.add(cap).map_err(bind_err)?;
        match method {
            SampleMethod::System { percent } | SampleMethod::Bernoulli { percent } => {
                args.add(percent).map_err(bind_err)?;
                args.add(seed(table, round)).map_err(bind_err)?;
            }
            SampleMethod::Head => {}
        }
        args.add(limit).map_err(bind_err)?;
        Ok(args)
    }

    fn remote(&self, location: &str, e: sqlx::Error) -> SourceError {
        SourceError::Remote { location: redact(location), message: redact(&error_message(&e)) }
    }
}

/// One part of a selector.
#[derive(Debug, PartialEq)]
struct Part {
    text: String,
    quoted: bool,
}

#[derive(Debug, PartialEq)]
enum Selector {
    Schema(Part),
    Table(Part, Part),
    Bare(Part),
}

/// Splits `schema.table`, `schema.*` or `table` at the first dot outside double quotes.
fn parse_selector(selector: &str) -> Selector {
    let mut in_quotes = false;
    let mut split = None;
    for (i, ch) in selector.char_indices() {
        match ch {
            '"' => in_quotes = !in_quotes,
            '.' if !in_quotes => {
                split = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(i) = split else { return Selector::Bare(part(selector)) };
    let (schema, rest) = (&selector[..i], &selector[i + 1..]);
    if rest == "*" {
        Selector::Schema(part(schema))
    } else {
        Selector::Table(part(schema), part(rest))
    }
}

/// How a part may be spelled in the catalogue: as written, then (unquoted) lowercased.
fn spellings(part: &Part) -> Vec<String> {
    let lower = part.text.to_lowercase();
    if part.quoted || lower == part.text {
        vec![part.text.clone()]
    } else {
        vec![part.text.clone(), lower]
    }
}

/// A part in double quotes is unquoted (`""` is a quote); any other is taken as written.
fn part(text: &str) -> Part {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if text.len() >= 2 => Part { text: inner.replace("\"\"", "\""), quoted: true },
        _ => Part { text: text.to_string(), quoted: false },
    }
}

/// A quoted SQL identifier: `"` doubled, the whole in double quotes.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What seeds round `round` of a table's sample: the table's name for round 0 (what
/// `assay scan` and a first scan read), the name and round after that.
fn round_identity(table: &TableName, round: u64) -> String {
    if round == 0 {
        table.to_string()
    } else {
        format!("{table}#{round}")
    }
}

/// The REPEATABLE seed of a table's round: the same stable seed as the RNG that picks rows
/// from what comes back (see `stable_seed`), cut to 31 bits so that the float is exact.
fn seed(table: &TableName, round: u64) -> f64 {
    (super::stable_seed(&round_identity(table, round)) >> 33) as f64
}

/// The server's message for a database error (without sqlx's prefix), else the error.
fn error_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => db.message().to_string(),
        other => other.to_string(),
    }
}

async fn list_tables(tx: &mut PgConnection, schema: Option<&str>) -> Result<Vec<TableName>, sqlx::Error> {
    let sql = "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
               WHERE c.relkind IN ('r', 'p', 'm') AND NOT c.relispartition \
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
                 AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' \
                 AND has_schema_privilege(n.oid, 'USAGE') AND ($1::text IS NULL OR n.nspname = $1) \
               ORDER BY 1, 2";
    let rows: Vec<(String, String)> = sqlx::query_as(sql).bind(schema).fetch_all(tx).await?;
    Ok(rows.into_iter().map(|(s, n)| TableName::new(s, n)).collect())
}

async fn schema_exists(tx: &mut PgConnection, schema: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)").bind(schema).fetch_one(tx).await
}

/// The kind (`relkind`) of `table` if it is a relation that can be sampled.
async fn describe_kind(tx: &mut PgConnection, table: &TableName) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm', 'v', 'f')",
    )
    .bind(&table.schema)
    .bind(&table.name)
    .fetch_optional(tx)
    .await
}

async fn table_on_search_path(tx: &mut PgConnection, name: &str) -> Result<Option<TableName>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT n.nspname::text, c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.oid = to_regclass(quote_ident($1)) AND c.relkind IN ('r', 'p', 'm', 'v', 'f')",
    )
    .bind(name)
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|(s, n)| TableName::new(s, n)))
}

/// `rel` ($1 schema, $2 name: a table, partitioned table, view, matview or foreign table)
/// and `tree`, it and its inheritance children or partitions, as common table expressions
/// for a statement to select from.
macro_rules! relation_tree {
    () => {
        "WITH RECURSIVE rel AS ( \
             SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'm', 'v', 'f') \
         ), tree AS ( \
             SELECT c.oid, c.relkind, c.reltuples FROM pg_class c JOIN rel ON rel.oid = c.oid \
             UNION ALL \
             SELECT c.oid, c.relkind, c.reltuples FROM tree t \
             JOIN pg_inherits i ON i.inhparent = t.oid JOIN pg_class c ON c.oid = i.inhrelid \
         )"
    };
}
pub(crate) use relation_tree;

/// The relation's kind, row estimate and columns; `None` if it does not exist.
async fn describe(tx: &mut PgConnection, table: &TableName) -> Result<Option<Relation>, sqlx::Error> {
    // The estimate of a table with inheritance children or partitions is the sum over the
    // relations that hold rows (the leaves: a partitioned parent holds none). `reltuples`
    // is -1 until the first ANALYZE or VACUUM (Postgres 14+).
    let head: Option<(String, Option<f64>, Option<bool>)> = sqlx::query_as(
        concat!(relation_tree!(), " \
         SELECT rel.relkind::text, \
                (SELECT sum(greatest(reltuples, 0))::float8 FROM tree WHERE relkind <> 'p'), \
                (SELECT bool_and(reltuples < 0) FROM tree WHERE relkind <> 'p') \
         FROM rel"),
    )
    .bind(&table.schema)
    .bind(&table.name)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((kind, sum, never_analysed)) = head else { return Ok(None) };
    let kind = kind.chars().next().unwrap_or('r');
    let estimate = match (kind, never_analysed) {
        ('v' | 'f', _) | (_, Some(true)) => None,
        _ => Some(sum.unwrap_or(0.0)),
    };
    let columns: Vec<(String, bool, bool, bool, bool)> = sqlx::query_as(
        "SELECT a.attname::text, \
                b.oid = 'bytea'::regtype, \
                b.typcategory = 'A' AND b.typelem = 'bytea'::regtype, \
                b.oid = 'inet'::regtype, \
                has_column_privilege(c.oid, a.attnum, 'SELECT') \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END \
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped \
         ORDER BY a.attnum",
    )
    .bind(&table.schema)
    .bind(&table.name)
    .fetch_all(&mut *tx)
    .await?;
    let columns = columns
        .into_iter()
        .map(|(name, is_bytea, is_bytea_array, is_inet, readable)| ColumnInfo { name, is_bytea, is_bytea_array, is_inet, readable })
        .collect();
    Ok(Some(Relation { kind, estimate, columns }))
}

/// The columns to read, and those left out with the reason. Columns the role may not read
/// are left out only when it may read some: otherwise the query reads them all, and the
/// server's "permission denied" names the table.
fn select_columns(columns: &[ColumnInfo]) -> (Vec<&ColumnInfo>, Vec<SkippedColumn>) {
    let any_readable = columns.iter().any(|c| c.readable && !c.is_bytea_array);
    let mut selected = Vec::new();
    let mut skipped = Vec::new();
    for c in columns {
        if c.is_bytea_array {
            skipped.push(SkippedColumn { name: c.name.clone(), reason: "bytea[] is not scanned".into() });
        } else if !c.readable && any_readable {
            skipped.push(SkippedColumn { name: c.name.clone(), reason: "permission denied for column".into() });
        } else {
            selected.push(c);
        }
    }
    (selected, skipped)
}

fn choose_method(rel: &Relation, rows: usize) -> SampleMethod {
    let Some(est) = rel.estimate else { return SampleMethod::Head };
    let wanted = rows as f64;
    if est <= wanted {
        return SampleMethod::Head;
    }
    let percent = (100.0 * MARGIN * wanted / est).min(100.0);
    if est <= BERNOULLI_FACTOR * wanted {
        SampleMethod::Bernoulli { percent }
    } else {
        SampleMethod::System { percent }
    }
}

/// The sample query; binds are `$1` the value cap, then (sampling methods) `$2` the
/// percentage and `$3` the seed, then the limit.
fn sample_sql(table: &TableName, columns: &[&ColumnInfo], method: SampleMethod) -> String {
    let list = select_list(columns);
    let from = table.quoted();
    match method {
        SampleMethod::System { .. } => format!("SELECT {list} FROM {from} TABLESAMPLE SYSTEM ($2) REPEATABLE ($3) LIMIT $4"),
        SampleMethod::Bernoulli { .. } => format!("SELECT {list} FROM {from} TABLESAMPLE BERNOULLI ($2) REPEATABLE ($3) LIMIT $4"),
        SampleMethod::Head => format!("SELECT {list} FROM {from} LIMIT $2"),
    }
}

/// The columns as text capped at `$1` characters (`inet` through `abbrev`, since its text
/// cast appends `/32` to every address), and `bytea` as its first `$1` bytes.
fn select_list(columns: &[&ColumnInfo]) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = quote_ident(&c.name);
            if c.is_inet {
                format!("left(abbrev({q}), $1)")
            } else if c.is_bytea {
                format!("substring({q}::bytea FROM 1 FOR $1)")
            } else {
                format!("left({q}::text, $1)")
            }
        })
        .collect();
    list.join(", ")
}

struct Fetched {
    rows: Vec<PgRow>,
    over_budget: bool,
}

/// Streams the query's rows and keeps a seeded random `keep` of them (reservoir
/// sampling), stopping early once the kept values exceed `max_bytes`.
async fn fetch_sample(
    tx: &mut PgConnection,
    sql: String,
    args: PgArguments,
    keep: usize,
    max_bytes: usize,
    rng: &mut rand::rngs::StdRng,
) -> Result<Fetched, sqlx::Error> {
    let mut kept: Vec<PgRow> = Vec::with_capacity(keep.min(100_000));
    let mut sizes: Vec<usize> = Vec::with_capacity(keep.min(100_000));
    let mut bytes = 0usize;
    let mut seen = 0usize;
    let mut over_budget = false;
    let mut stream = sqlx::query_with(AssertSqlSafe(sql), args).persistent(false).fetch(tx);
    while let Some(row) = stream.try_next().await? {
        let size = row_bytes(&row);
        if kept.len() < keep {
            kept.push(row);
            sizes.push(size);
            bytes += size;
        } else {
            let j = rng.random_range(0..=seen);
            if j < keep {
                bytes = bytes - sizes[j] + size;
                kept[j] = row;
                sizes[j] = size;
            }
        }
        seen += 1;
        if bytes > max_bytes {
            over_budget = true;
            break;
        }
    }
    Ok(Fetched { rows: kept, over_budget })
}

fn row_bytes(row: &PgRow) -> usize {
    (0..row.len()).map(|i| row.try_get_raw(i).ok().and_then(|v| v.as_bytes().ok()).map_or(0, <[u8]>::len)).sum()
}

/// One Utf8 column per selected column (Binary for `bytea`), in table order.
fn to_batch(columns: &[&ColumnInfo], rows: &[PgRow]) -> Result<RecordBatch, String> {
    let fields: Vec<Field> = columns.iter().map(|c| Field::new(&c.name, if c.is_bytea { DataType::Binary } else { DataType::Utf8 }, true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    for (c, column) in columns.iter().enumerate() {
        if column.is_bytea {
            let mut b = BinaryBuilder::with_capacity(rows.len(), 0);
            for row in rows {
                let v: Option<&[u8]> = row.try_get(c).map_err(|e| format!("column `{}`: {e}", column.name))?;
                b.append_option(v);
            }
            arrays.push(Arc::new(b.finish()));
            continue;
        }
        let mut b = StringBuilder::with_capacity(rows.len(), 0);
        for row in rows {
            let v: Option<&str> = row.try_get(c).map_err(|e| format!("column `{}`: {e}", column.name))?;
            b.append_option(v);
        }
        arrays.push(Arc::new(b.finish()));
    }
    let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
    RecordBatch::try_new_with_options(schema, arrays, &options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_ident("Odd \"Name\""), "\"Odd \"\"Name\"\"\"");
        assert_eq!(TableName::new("My Schema", "t").quoted(), "\"My Schema\".\"t\"");
        assert_eq!(TableName::new("sales", "orders").to_string(), "sales.orders");
    }

    #[test]
    fn parses_selectors() {
        let p = |t: &str, q| Part { text: t.into(), quoted: q };
        assert_eq!(parse_selector("sales.orders"), Selector::Table(p("sales", false), p("orders", false)));
        assert_eq!(parse_selector("sales.*"), Selector::Schema(p("sales", false)));
        assert_eq!(parse_selector("orders"), Selector::Bare(p("orders", false)));
        assert_eq!(parse_selector("public.a.b"), Selector::Table(p("public", false), p("a.b", false)));
        assert_eq!(parse_selector("\"a.b\".\"Odd \"\"Name\"\"\""), Selector::Table(p("a.b", true), p("Odd \"Name\"", true)));
        assert_eq!(parse_selector("public.Odd \"Name\""), Selector::Table(p("public", false), p("Odd \"Name\"", false)));
    }

    #[test]
    fn chooses_method_by_estimate() {
        let rel = |estimate| Relation { kind: 'r', estimate, columns: Vec::new() };
        assert_eq!(choose_method(&rel(None), 1000), SampleMethod::Head);
        assert_eq!(choose_method(&rel(Some(500.0)), 1000), SampleMethod::Head);
        assert_eq!(choose_method(&rel(Some(5000.0)), 1000), SampleMethod::Bernoulli { percent: 40.0 });
        assert_eq!(choose_method(&rel(Some(10_000_000.0)), 1000), SampleMethod::System { percent: 0.02 });
        assert_eq!(SampleMethod::System { percent: 0.02 }.grown(0, 1000), Some(SampleMethod::System { percent: 0.2 }));
        assert_eq!(SampleMethod::System { percent: 50.0 }.grown(900, 1000), Some(SampleMethod::System { percent: 100.0 }));
        assert_eq!(SampleMethod::System { percent: 100.0 }.grown(10, 1000), None);
        assert_eq!(SampleMethod::Head.grown(10, 1000), None);
    }

    /// A DSN read from a reference names nothing of itself when the connection fails.
    #[tokio::test]
    async fn a_referenced_dsn_is_named_by_its_reference_only() {
        let var = format!("ASSAY_TEST_PG_REFERENCE_{}", std::process::id());
        std::env::set_var(&var, "postgres://planted-user:planted-pw@127.0.0.1:1/planted-db");
        let reference = format!("env:{var}");
        let Ok(crate::sources::location::Location::Postgres { dsn }) = crate::sources::location::Location::parse(&reference) else { panic!("a DSN") };
        let e = PgSource::connect(&dsn, PgOptions::default()).await.err().expect("nothing listens on port 1").to_string();
        assert!(e.starts_with(&format!("{reference}: cannot connect: ")), "{e}");
        assert!(!e.contains("planted"), "{e}");
    }

    #[test]
    fn seed_is_stable() {
        assert_eq!(seed(&TableName::new("a", "b"), 0), seed(&TableName::new("a", "b"), 0));
        assert_ne!(seed(&TableName::new("a", "b"), 0), seed(&TableName::new("a", "c"), 0));
        // Pinned: `sales.orders` hashes to 0x9070a83f92d8f415 (round 0, as `assay scan`).
        assert_eq!(seed(&TableName::new("sales", "orders"), 0), (0x9070_a83f_92d8_f415u64 >> 33) as f64);
        // Later rounds draw other pages.
        assert_ne!(seed(&TableName::new("sales", "orders"), 1), seed(&TableName::new("sales", "orders"), 0));
        assert_ne!(seed(&TableName::new("sales", "orders"), 2), seed(&TableName::new("sales", "orders"), 1));
    }
}
