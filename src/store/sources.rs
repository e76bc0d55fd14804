//! The source registry: register, list, look up and remove sources (removal keeps their
//! history). Registration and removal also run inside a [`Tx`], so that an audit row commits
//! with them.

use super::*;

/// The columns of `sources` that `source_row` reads, in its order.
macro_rules! source_columns {
    () => {
        "id, name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms, consecutive_failures, append_key, events"
    };
}
pub(super) use source_columns;
/// How many columns `source_columns!()` names: the index of a column selected after them.
pub(super) const AFTER_SOURCE_COLUMNS: usize = 11;

/// A `sources` row selected as `source_columns!()` (more columns may follow).
pub(super) fn source_row<R: Row>(r: &R) -> SourceRow
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    SourceRow {
        id: r.get(0),
        name: r.get(1),
        location: r.get(2),
        tables: serde_json::from_str(&r.get::<String, _>(3)).unwrap_or_default(),
        interval: Duration::from_secs(r.get::<i64, _>(4).max(1) as u64),
        sample_rows: r.get(5),
        created_at: from_ms(r.get(6)),
        next_due_at: from_ms(r.get(7)),
        consecutive_failures: r.get(8),
        append_key: r.get(9),
        events: r.get(10),
    }
}

impl Store {
    /// Registers a source, due at once (see [`Tx::add_source`]), in a transaction of its own.
    pub async fn add_source(&self, new: &NewSource, now: DateTime<Utc>) -> Result<SourceRow, StoreError> {
        let mut tx = self.begin().await?;
        let row = tx.add_source(new, now).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a source (see [`Tx::remove_source`]) in a transaction of its own.
    pub async fn remove_source(&self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let removed = tx.remove_source(name, now).await?;
        tx.commit().await?;
        Ok(removed)
    }

    /// The live sources, by name.
    pub async fn list_sources(&self) -> Result<Vec<SourceRow>, StoreError> {
        const SQL: &str = concat!("SELECT ", source_columns!(), " FROM sources WHERE removed_ms IS NULL ORDER BY name");
        let rows = on_pool!(self, "list_sources", |p| sqlx::query(SQL)
            .fetch_all(p)
            .await
            .map_err(query_err("listing sources"))?
            .into_iter()
            .map(|r| source_row(&r))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The live sources that name a queue of object events (`events`), by name: what the
    /// events listener reads at each refresh, without the rest of a large registry.
    pub async fn sources_with_events(&self) -> Result<Vec<SourceRow>, StoreError> {
        const SQL: &str = concat!("SELECT ", source_columns!(), " FROM sources WHERE removed_ms IS NULL AND events IS NOT NULL ORDER BY name");
        let rows = on_pool!(self, "sources_with_events", |p| sqlx::query(SQL)
            .fetch_all(p)
            .await
            .map_err(query_err("listing sources with object events"))?
            .into_iter()
            .map(|r| source_row(&r))
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The live source called `name`.
    pub async fn source(&self, name: &str) -> Result<Option<SourceRow>, StoreError> {
        const SQL: &str = concat!("SELECT ", source_columns!(), " FROM sources WHERE removed_ms IS NULL AND name = $1");
        let row = on_pool!(self, "source", |p| sqlx::query(SQL).bind(name).fetch_optional(p).await.map_err(query_err(format!("looking up source `{name}`")))?.map(|r| source_row(&r)));
        Ok(row)
    }

    /// Live sources due before `before` (overdue when `before` is now minus a grace).
    pub async fn count_due_before(&self, before: DateTime<Utc>) -> Result<i64, StoreError> {
        const SQL: &str = "SELECT COUNT(*) FROM sources WHERE removed_ms IS NULL AND next_due_ms < $1";
        let n = on_pool!(self, "count_due_before", |p| sqlx::query(SQL).bind(ms(before)).fetch_one(p).await.map_err(query_err("counting overdue sources"))?.get::<i64, _>(0));
        Ok(n)
    }
}

/// Source registry changes inside a transaction, so that an audit row can commit with them.
impl Tx {
    /// Registers a source, due at once. Fails when a live source has the name.
    pub async fn add_source(&mut self, new: &NewSource, now: DateTime<Utc>) -> Result<SourceRow, StoreError> {
        const SQL: &str = "INSERT INTO sources (name, location, tables_json, interval_secs, sample_rows, created_ms, next_due_ms, append_key, events) \
                           VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) RETURNING id";
        let tables = serde_json::to_string(&new.tables).unwrap_or_else(|_| "[]".into());
        let res = on_tx!(self, "add_source", |p| sqlx::query(SQL)
            .bind(&new.name)
            .bind(&new.location)
            .bind(&tables)
            .bind(new.interval.as_secs() as i64)
            .bind(new.sample_rows)
            .bind(ms(now))
            .bind(new.append_key.as_deref())
            .bind(new.events.as_deref())
            .fetch_one(p)
            .await
            .map(|r| r.get::<i64, _>(0)));
        let id = match res {
            Ok(id) => id,
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(StoreError::Duplicate { kind: "source", name: new.name.clone() }),
            Err(e) => return Err(query_err(format!("registering source `{}`", new.name))(e)),
        };
        Ok(SourceRow {
            id,
            name: new.name.clone(),
            location: new.location.clone(),
            tables: new.tables.clone(),
            interval: new.interval,
            sample_rows: new.sample_rows,
            created_at: from_ms(ms(now)),
            next_due_at: from_ms(ms(now)),
            consecutive_failures: 0,
            append_key: new.append_key.clone(),
            events: new.events.clone(),
        })
    }

    /// Removes a source; its scans and findings stay. Returns whether it existed.
    pub async fn remove_source(&mut self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET removed_ms = $1, lease_owner = NULL, lease_expires_ms = NULL WHERE name = $2 AND removed_ms IS NULL";
        let n = on_tx!(self, "remove_source", |p| sqlx::query(SQL)
            .bind(ms(now))
            .bind(name)
            .execute(p)
            .await
            .map_err(query_err(format!("removing source `{name}`")))?
            .rows_affected());
        Ok(n > 0)
    }

    /// The live sources, by name, read through this transaction.
    pub async fn list_sources(&mut self) -> Result<Vec<SourceRow>, StoreError> {
        const SQL: &str = concat!("SELECT ", source_columns!(), " FROM sources WHERE removed_ms IS NULL ORDER BY name");
        let rows = on_tx!(self, "list_sources", |c| sqlx::query(SQL).fetch_all(c).await.map_err(query_err("listing sources"))?.iter().map(source_row).collect::<Vec<_>>());
        Ok(rows)
    }

    /// Changes a live source's location, tables, interval, sample size, append key and events queue (its id, and so
    /// its history and the feature-set members on it, stay). A new location or tables are a
    /// new thing to read, so it is due at once; a new interval makes it due no later than
    /// one interval from now. Returns whether it existed.
    pub async fn update_source(&mut self, new: &NewSource, now: DateTime<Utc>) -> Result<bool, StoreError> {
        const SQL: &str = "UPDATE sources SET \
                             next_due_ms = CASE WHEN location <> $1 OR tables_json <> $2 THEN $5 \
                                                WHEN next_due_ms > $6 THEN $6 ELSE next_due_ms END, \
                             location = $1, tables_json = $2, interval_secs = $3, sample_rows = $4, append_key = $8, events = $9 \
                           WHERE name = $7 AND removed_ms IS NULL";
        let tables = serde_json::to_string(&new.tables).unwrap_or_else(|_| "[]".into());
        let n = on_tx!(self, "update_source", |c| sqlx::query(SQL)
            .bind(&new.location)
            .bind(&tables)
            .bind(new.interval.as_secs() as i64)
            .bind(new.sample_rows)
            .bind(ms(now))
            .bind(ms_after(now, new.interval))
            .bind(&new.name)
            .bind(new.append_key.as_deref())
            .bind(new.events.as_deref())
            .execute(c)
            .await
            .map_err(query_err(format!("updating source `{}`", new.name)))?
            .rows_affected());
        Ok(n > 0)
    }

    /// Serializes this transaction with every other one that takes this lock (`assay
    /// apply`), so that what it reads of the registry is still so when it writes.
    ///
    /// # Transactions, locks, and timeouts
    /// Postgres: a transaction-scoped advisory lock, released at commit or rollback; a
    /// second caller waits for it. SQLite: the database's write lock, taken now rather than
    /// at the first write (where a writer that committed in between would make the upgrade
    /// fail); a second writer waits up to the pool's busy timeout.
    pub async fn lock_registry(&mut self) -> Result<(), StoreError> {
        /// The advisory lock's key: "assay-ap" in ASCII, so that it names what holds it.
        const KEY: i64 = 0x6173_7361_792d_6170;
        match self {
            Tx::Postgres(t) => {
                count_query("lock_registry");
                sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(KEY).execute(&mut **t).await.map(|_| ()).map_err(query_err("locking the registry"))
            }
            Tx::Sqlite(t) => {
                count_query("lock_registry");
                // Any write statement takes the write lock, even one that changes no row.
                sqlx::query("UPDATE sources SET id = id WHERE 0 = 1").execute(&mut **t).await.map(|_| ()).map_err(query_err("locking the registry"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_column_count_is_the_list_s() {
        assert_eq!(source_columns!().split(',').count(), super::AFTER_SOURCE_COLUMNS);
    }
}
