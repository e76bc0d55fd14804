//! Change awareness for Postgres tables: what a table looks like before it is sampled (its
//! version), where its newest rows are (its append key and high-water mark), and the state
//! a registered source keeps of each table between scans.
//!
//! A table's version is made of the statistics collector's change counters
//! (`pg_stat_user_tables`: rows inserted, updated and deleted, summed over partitions), its
//! columns (names and types: a dropped or added column changes no counter), the
//! relation's size and file nodes (TRUNCATE, VACUUM FULL and REFRESH give new ones), the
//! time the database's statistics were last reset, and its append key's highest value. A
//! table whose version is the one its last scan read is left alone, like an unchanged file.
//! Backends flush their counters in batches, up to about a second after a commit: that is
//! why the append key's maximum is part of the version, so that an append is seen at once
//! (an UPDATE of old rows in a table without one may wait for the next scan). A statistics
//! reset (`pg_stat_reset`, a crash) changes the reset time and the counters, so the table
//! is sampled again, never skipped on the strength of zeroed counters. Views, foreign
//! tables and a server with `track_counts` off have no version: they are sampled each time.
//!
//! The append key orders rows by arrival: the source's named column if the table has it
//! indexed; else a single-column integer primary key fed by an identity or a sequence; else
//! a timestamp or date column that leads a btree index, named `created_at`, `inserted_at`,
//! `ingested_at` or `updated_at`. The rows past the last scan's mark are read through that
//! index, newest first, up to the sample size. A row whose key was handed out before the
//! mark but committed after it (concurrent writers) is left to the uniform sample. A table
//! without an append key that rows were inserted into has its last pages read instead
//! (where an append-mostly heap puts them; `tail_start`) and a larger uniform sample.

use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, PgConnection};

use super::{quote_ident, relation_tree, PgSource, TableName};
use crate::sources::SourceError;

/// Column names taken as an append key when they lead a btree index (in this order).
pub const KEY_NAMES: &[&str] = &["created_at", "inserted_at", "ingested_at", "updated_at"];

/// The column that orders a table's rows by arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendKey {
    pub column: String,
    /// Its type as the catalogue spells it (`format_type`), to read a mark back as one.
    pub type_name: String,
    /// Why it was chosen, for the report.
    pub why: String,
}

/// What a table looks like now, read before sampling it.
#[derive(Debug, Clone, Default)]
pub struct TableVersion {
    /// Compared with the last scan's: `None` when the table has no version (views,
    /// foreign tables, counters off) and is sampled every time.
    pub e_tag: Option<String>,
    /// Bytes of the relation (summed over partitions).
    pub size: u64,
    /// Rows inserted since the statistics were reset.
    pub inserted: i64,
    /// The row estimate (`reltuples`), when analysed.
    pub estimate: Option<f64>,
    pub key: Option<AppendKey>,
    /// The append key's highest value, as text.
    pub max: Option<String>,
    /// Pages of a plain table on a server that reads a page range without a full scan
    /// (TID range scans, PostgreSQL 14+); `None` otherwise.
    pub pages: Option<u64>,
}

/// What a registered source remembers of a table between scans (JSON in `objects_seen`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableState {
    /// The append key the mark is a value of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The append key's highest value when last sampled: rows past it are new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
    /// The round of the rotating uniform sample last read (0 for the first scan).
    #[serde(default)]
    pub round: u64,
    /// Rows inserted (counter) when last sampled: sizes the sample of a table without key.
    #[serde(default)]
    pub inserted: i64,
}

impl TableState {
    /// The state kept as JSON; `None` for none or an unreadable one (a first scan).
    pub fn parse(json: Option<&str>) -> Option<TableState> {
        json.and_then(|j| serde_json::from_str(j).ok())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A candidate index column, as the catalogue describes it.
#[derive(Clone)]
struct Candidate {
    column: String,
    type_name: String,
    primary_single: bool,
    generated: bool,
    is_int: bool,
    is_time: bool,
}

/// Picks the append key: the configured name (an indexed integer, timestamp or date
/// column), else an identity or serial integer primary key, else a conventional name.
fn choose_key(candidates: &[Candidate], configured: Option<&str>) -> Option<AppendKey> {
    let key = |c: &Candidate, why: String| AppendKey { column: c.column.clone(), type_name: c.type_name.clone(), why };
    if let Some(name) = configured {
        if let Some(c) = candidates.iter().find(|c| c.column == name && (c.is_int || c.is_time)) {
            return Some(key(c, format!("the source's append key `{name}`")));
        }
    }
    if let Some(c) = candidates.iter().find(|c| c.primary_single && c.generated && c.is_int) {
        return Some(key(c, format!("identity primary key `{}`", c.column)));
    }
    KEY_NAMES.iter().find_map(|name| candidates.iter().find(|c| c.column == *name && c.is_time).map(|c| key(c, format!("indexed `{name}`"))))
}

impl PgSource {
    /// Reads what `table` looks like now (see the module comment): its version, append key
    /// (`configured` names one) and that key's highest value.
    pub async fn version(&self, table: &TableName, configured: Option<&str>) -> Result<TableVersion, SourceError> {
        let location = table.to_string();
        let mut tx = self.begin(&location).await?;
        let v = read_version(&mut tx, table, configured).await.map_err(|e| self.remote(&location, e));
        let _ = tx.rollback().await;
        v
    }
}

async fn read_version(tx: &mut PgConnection, table: &TableName, configured: Option<&str>) -> Result<TableVersion, sqlx::Error> {
    type Head = (i64, String, Option<f64>, i64, i64, i64, i64, Option<String>, Option<i64>, bool, i64, i64, i32, Option<String>);
    let head: Option<Head> = sqlx::query_as(
        concat!(relation_tree!(), ", stats AS ( \
             SELECT s.* FROM tree t JOIN pg_stat_user_tables s ON s.relid = t.oid \
         ) \
         SELECT rel.oid::int8, rel.relkind::text, \
                (SELECT CASE WHEN bool_or(reltuples < 0) THEN NULL ELSE sum(reltuples)::float8 END FROM tree WHERE relkind <> 'p'), \
                (SELECT coalesce(sum(n_tup_ins), 0)::int8 FROM stats), \
                (SELECT coalesce(sum(n_tup_upd), 0)::int8 FROM stats), \
                (SELECT coalesce(sum(n_tup_del), 0)::int8 FROM stats), \
                (SELECT coalesce(sum(pg_relation_size(oid)), 0)::int8 FROM tree WHERE relkind <> 'p'), \
                (SELECT string_agg(pg_relation_filenode(oid)::text, '.' ORDER BY oid) FROM tree WHERE relkind <> 'p'), \
                (SELECT (extract(epoch FROM stats_reset) * 1000)::int8 FROM pg_stat_database WHERE datname = current_database()), \
                current_setting('track_counts')::bool, \
                (SELECT count(*) FROM stats)::int8, \
                current_setting('block_size')::int8, current_setting('server_version_num')::int4, \
                (SELECT md5(string_agg(a.attname || ':' || a.atttypid::text || ':' || a.atttypmod::text, ',' ORDER BY a.attnum)) \
                 FROM pg_attribute a WHERE a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped) \
         FROM rel"),
    )
    .bind(&table.schema)
    .bind(&table.name)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((oid, kind, estimate, ins, upd, del, size, nodes, reset, tracking, with_stats, block, server, columns)) = head else {
        return Err(sqlx::Error::RowNotFound);
    };
    let candidates: Vec<(String, String, bool, bool, bool, bool)> = sqlx::query_as(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), \
                i.indisprimary AND i.indnkeyatts = 1, \
                a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%', \
                a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype), \
                a.atttypid IN ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype) \
         FROM pg_index i \
         JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE i.indrelid = $1::int8::oid AND am.amname = 'btree' AND i.indpred IS NULL AND NOT a.attisdropped \
           AND has_column_privilege(i.indrelid, a.attnum, 'SELECT') \
         ORDER BY NOT i.indisprimary, a.attnum",
    )
    .bind(oid)
    .fetch_all(&mut *tx)
    .await?;
    let candidates: Vec<Candidate> = candidates
        .into_iter()
        .map(|(column, type_name, primary_single, generated, is_int, is_time)| Candidate { column, type_name, primary_single, generated, is_int, is_time })
        .collect();
    let key = choose_key(&candidates, configured);
    let max = match &key {
        Some(k) => {
            let sql = format!("SELECT max({})::text FROM {}", quote_ident(&k.column), table.quoted());
            sqlx::query_scalar::<_, Option<String>>(AssertSqlSafe(sql)).fetch_one(&mut *tx).await?
        }
        None => None,
    };
    // Views and foreign tables have no counters; with counting off they never move.
    let versioned = matches!(kind.as_str(), "r" | "p" | "m") && tracking && with_stats > 0;
    let e_tag = versioned.then(|| {
        format!(
            "pg2:{}:{}:{}:{ins}:{upd}:{del}:{size}:{}",
            columns.as_deref().unwrap_or("-"),
            nodes.as_deref().unwrap_or("-"),
            reset.map_or_else(|| "-".to_string(), |r| r.to_string()),
            max.as_deref().unwrap_or("-")
        )
    });
    let estimate = if matches!(kind.as_str(), "v" | "f") { None } else { estimate };
    let pages = (matches!(kind.as_str(), "r" | "m") && server >= 140_000 && block > 0).then(|| size.max(0) as u64 / block as u64);
    Ok(TableVersion { e_tag, size: size.max(0) as u64, inserted: ins, estimate, key, max, pages })
}

/// Where to start reading the tail of a table without an append key that rows were
/// inserted into since its last scan (`None`: nothing inserted, or no page range to read):
/// an append-mostly heap puts new rows in its last pages, so the last pages that hold about
/// as many rows as were inserted (at most `rows`), and one more for the page that was
/// partly full, are read besides the uniform sample. Rows that went into free space
/// elsewhere are left to the uniform sample.
pub fn tail_start(rows: usize, inserted_since: i64, estimate: Option<f64>, pages: Option<u64>) -> Option<u64> {
    let pages = pages.filter(|p| *p > 0)?;
    if inserted_since <= 0 {
        return None;
    }
    let want = (inserted_since as f64).min(rows as f64);
    // Unanalysed: assume a row a page; the statement's limit bounds what is read anyway.
    let per_page = estimate.filter(|e| *e >= pages as f64).map_or(1.0, |e| e / pages as f64);
    let window = (want / per_page).ceil() as u64 + 1;
    Some(pages.saturating_sub(window))
}

/// The sample size of a table without an append key that has grown since its last scan:
/// large enough that about `WANT` of the rows inserted since are expected in it, never
/// less than `rows` nor more than `FALLBACK_GROWTH` times it.
pub fn fallback_rows(rows: usize, inserted_since: i64, estimate: Option<f64>) -> usize {
    const WANT: f64 = 3.0;
    const FALLBACK_GROWTH: usize = 10;
    let Some(total) = estimate.filter(|t| *t > 0.0) else { return rows };
    if inserted_since <= 0 {
        return rows;
    }
    let share = (inserted_since as f64 / total).min(1.0);
    let needed = (WANT / share).ceil() as usize;
    needed.clamp(rows, rows.saturating_mul(FALLBACK_GROWTH))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(column: &str, primary_single: bool, generated: bool, is_int: bool, is_time: bool) -> Candidate {
        Candidate { column: column.into(), type_name: "x".into(), primary_single, generated, is_int, is_time }
    }

    #[test]
    fn chooses_the_append_key() {
        let identity = cand("id", true, true, true, false);
        let created = cand("created_at", false, false, false, true);
        let event = cand("event_time", false, false, false, true);
        let key = |c: &[Candidate], conf| choose_key(c, conf).map(|k| k.column);
        assert_eq!(key(&[created.clone(), identity], None).as_deref(), Some("id"));
        assert_eq!(key(&[created.clone(), event.clone()], None).as_deref(), Some("created_at"));
        assert_eq!(key(&[created.clone(), event.clone()], Some("event_time")).as_deref(), Some("event_time"));
        // A primary key the application fills in is not an arrival order.
        assert_eq!(key(&[cand("id", true, false, true, false)], None), None);
        // A text column named like a key is not one.
        assert_eq!(key(&[cand("created_at", false, false, false, false)], None), None);
        assert_eq!(key(&[event], None), None);
    }

    #[test]
    fn a_keyless_table_grows_its_sample_with_what_was_inserted() {
        assert_eq!(fallback_rows(1000, 0, Some(5e6)), 1000);
        assert_eq!(fallback_rows(1000, 1000, None), 1000);
        // 1,000 of 5 million: 3 expected needs 15,000 rows, capped at 10× the sample.
        assert_eq!(fallback_rows(1000, 1000, Some(5e6)), 10_000);
        // 10 % new: 30 rows would do, never fewer than asked for.
        assert_eq!(fallback_rows(1000, 500_000, Some(5e6)), 1000);
        assert_eq!(fallback_rows(1000, 5_000, Some(1e6)), 1000);
        assert_eq!(fallback_rows(100, 1_000, Some(1e6)), 1000);
    }

    #[test]
    fn the_tail_holds_about_what_was_inserted() {
        // 5 million rows in 50,000 pages (100 a page): 1,000 new rows fill 10 pages, + 1.
        assert_eq!(tail_start(1000, 1000, Some(5e6), Some(50_000)), Some(49_989));
        // More inserted than the sample takes: the newest `rows` rows' pages.
        assert_eq!(tail_start(1000, 1_000_000, Some(5e6), Some(50_000)), Some(49_989));
        assert_eq!(tail_start(1000, 0, Some(5e6), Some(50_000)), None);
        assert_eq!(tail_start(1000, 10, Some(5e6), None), None);
        // Never analysed: a row a page, from the first page at most.
        assert_eq!(tail_start(1000, 10, None, Some(5)), Some(0));
        assert_eq!(tail_start(1000, 10, None, Some(500)), Some(489));
    }

    #[test]
    fn state_round_trips_and_tolerates_garbage() {
        let s = TableState { key: Some("id".into()), mark: Some("42".into()), round: 3, inserted: 10 };
        assert_eq!(TableState::parse(Some(&s.to_json())), Some(s));
        assert_eq!(TableState::parse(Some("not json")), None);
        assert_eq!(TableState::parse(None), None);
    }
}
