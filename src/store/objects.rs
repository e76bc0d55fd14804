//! What lake sources have read: the last version of each object (for incremental
//! listing), and the current columns of a source assembled from the scans that last read
//! each of its objects.

use super::*;

/// A source's current columns: for each object it still has, those of the scan that last read it.
pub(super) const CURRENT_COLUMNS: &str = "SELECT c.object, c.column_name, c.rows_sampled, c.non_null, c.not_scanned, c.binary_values \
                                          FROM objects_seen o JOIN scan_columns c ON c.scan_id = o.scan_id AND c.object = o.object \
                                          WHERE o.source_id = $1 ORDER BY c.object, c.column_name";
/// The findings of those columns.
pub(super) const CURRENT_LABELS: &str = "SELECT f.object, f.column_name, f.label, f.matches, f.match_rate, f.confidence, f.evidence_json, f.schemes_json, f.fingerprints_json, f.sample_part \
                                         FROM objects_seen o JOIN findings f ON f.scan_id = o.scan_id AND f.object = o.object \
                                         WHERE o.source_id = $1 ORDER BY f.object, f.column_name, f.id";

impl Store {
    /// The objects a lake source read last, for incremental listing.
    pub async fn objects_seen(&self, source_id: i64) -> Result<Vec<ObjectEntry>, StoreError> {
        const SQL: &str = "SELECT object, size, e_tag, last_modified_ms, state_json FROM objects_seen WHERE source_id = $1 ORDER BY object";
        let rows = on_pool!(self, "objects_seen", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(query_err("reading the objects seen"))?
            .into_iter()
            .map(|r| ObjectEntry {
                shown: r.get(0),
                key: Default::default(),
                size: r.get::<i64, _>(1) as u64,
                e_tag: r.get(2),
                last_modified: from_ms(r.get(3)),
                state: r.get(4),
            })
            .collect::<Vec<_>>());
        Ok(rows)
    }

    /// The current columns of a source, one per (object, column): for each object it
    /// still has, the results of the scan that last read it (an unchanged object is not
    /// read again, so its results come from an earlier scan).
    pub async fn current_columns(&self, source_id: i64) -> Result<Vec<ColumnReport>, StoreError> {
        self.columns_with_labels("current_columns", CURRENT_COLUMNS, CURRENT_LABELS, source_id, format!("reading the current columns of source {source_id}")).await
    }

    /// Columns (`columns_sql`) with their findings (`labels_sql`), both selecting by `id`
    /// as `$1`, in the shapes `column_row` and `label_row` read.
    pub(super) async fn columns_with_labels(&self, op: &'static str, columns_sql: &'static str, labels_sql: &'static str, id: i64, what: String) -> Result<Vec<ColumnReport>, StoreError> {
        macro_rules! fetch {
            ($p:expr) => {{
                count_query(op);
                let rows = sqlx::query(columns_sql).bind(id).fetch_all($p).await.map_err(query_err(what.clone()))?;
                let mut columns: Vec<ColumnReport> = rows.iter().map(column_row).collect();
                count_query(op);
                let rows = sqlx::query(labels_sql).bind(id).fetch_all($p).await.map_err(query_err(what.clone()))?;
                attach_labels(&mut columns, rows.iter().map(label_row).collect());
                Ok(columns)
            }};
        }
        match self {
            Store::Postgres(p) => fetch!(p),
            Store::Sqlite(p) => fetch!(p),
        }
    }

    /// A source's current verdict per column: `current_columns` merged per dataset (a
    /// table of a database; the part files of a lake directory, partitions included).
    pub async fn source_columns(&self, src: &SourceRow) -> Result<Vec<ColumnReport>, StoreError> {
        let columns = self.current_columns(src.id).await?;
        let stored = self.dataset_names(src.id).await?;
        let given = redact(&src.location);
        // Objects recorded before datasets were stored get the name they would get now
        // until their source is scanned again.
        let derived = match Location::parse(&src.location) {
            Ok(Location::Postgres { .. }) => std::collections::HashMap::new(),
            _ if stored.len() == columns.iter().map(|c| c.source.as_str()).collect::<std::collections::HashSet<_>>().len() => std::collections::HashMap::new(),
            _ => datasets(&given, columns.iter().map(|c| c.source.as_str())),
        };
        Ok(merge_objects(columns, |o| stored.get(o).or_else(|| derived.get(o)).cloned().unwrap_or_else(|| o.to_string())))
    }

    /// Remembers the versions of objects a scan read (see [`Tx::update_objects`]) in a
    /// transaction of its own.
    pub async fn update_objects(&self, source_id: i64, scan_id: i64, read: &[ObjectEntry], removed: &[String]) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.update_objects(source_id, scan_id, read, removed).await?;
        tx.commit().await
    }
}

impl Tx {
    /// Remembers the versions of objects a scan read (replacing earlier versions) and
    /// forgets those no longer listed, so that the source's current columns move from one
    /// scan's view to the next and never show half of one. An object keeps its dataset.
    pub async fn update_objects(&mut self, source_id: i64, scan_id: i64, read: &[ObjectEntry], removed: &[String]) -> Result<(), StoreError> {
        const UPSERT: &str = "INSERT INTO objects_seen (source_id, object, size, e_tag, last_modified_ms, scan_id, state_json) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                              ON CONFLICT (source_id, object) DO UPDATE SET size = excluded.size, e_tag = excluded.e_tag, \
                              last_modified_ms = excluded.last_modified_ms, scan_id = excluded.scan_id, state_json = excluded.state_json";
        const DELETE: &str = "DELETE FROM objects_seen WHERE source_id = $1 AND object = $2";
        for o in read {
            on_tx!(self, "update_objects", |c| sqlx::query(UPSERT)
                .bind(source_id)
                .bind(&o.shown)
                .bind(o.size as i64)
                .bind(o.e_tag.as_deref())
                .bind(ms(o.last_modified))
                .bind(scan_id)
                .bind(o.state.as_deref())
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err(format!("recording object {}", o.shown)))?);
        }
        for o in removed {
            on_tx!(self, "update_objects", |c| sqlx::query(DELETE).bind(source_id).bind(o).execute(c).await.map(|_| ()).map_err(query_err(format!("forgetting object {o}")))?);
        }
        Ok(())
    }
}

/// A column row selected as object, column_name, rows_sampled, non_null, not_scanned,
/// binary_values.
pub(super) fn column_row<R: Row>(r: &R) -> ColumnReport
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    bool: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    ColumnReport {
        source: r.get(0),
        column: r.get(1),
        rows_sampled: r.get::<i64, _>(2) as usize,
        non_null: r.get::<i64, _>(3) as usize,
        // Not stored: the report of the scan says it.
        rows_swept: None,
        not_scanned: r.get(4),
        objects: None,
        binary: r.get(5),
        labels: Vec::new(),
    }
}

/// A finding row selected as object, column_name, label, matches, match_rate, confidence,
/// evidence_json, schemes_json, fingerprints_json, sample_part: its column's key and its
/// verdict.
pub(super) fn label_row<R: Row>(r: &R) -> ((String, String), LabelVerdict)
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    f64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let verdict = LabelVerdict {
        label: r.get(2),
        matches: r.get::<i64, _>(3) as usize,
        match_rate: r.get(4),
        confidence: r.get(5),
        evidence: serde_json::from_str(&r.get::<String, _>(6)).unwrap_or_default(),
        schemes: r.get::<Option<String>, _>(7).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
        fingerprints: r.get::<Option<String>, _>(8).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default(),
        sample_part: r.get(9),
    };
    ((r.get(0), r.get(1)), verdict)
}

/// Puts each verdict on its (object, column).
pub(super) fn attach_labels(columns: &mut [ColumnReport], labels: Vec<((String, String), LabelVerdict)>) {
    let index: std::collections::HashMap<(String, String), usize> = columns.iter().enumerate().map(|(i, c)| ((c.source.clone(), c.column.clone()), i)).collect();
    for (key, verdict) in labels {
        if let Some(&i) = index.get(&key) {
            columns[i].labels.push(verdict);
        }
    }
}
