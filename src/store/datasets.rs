//! Stable dataset identities and the columns each dataset has now.
//!
//! An object is given a dataset the first time a scan records it, and keeps it: the
//! dataset's key (directory without partitions + file family, or the table) and its name
//! are stored, not re-derived, so adding, removing or renaming unrelated files beside it
//! neither renames it nor orphans the members, alerts and suppressions that key on it.
//! `dataset_columns` is the current schema of each dataset, kept at scan time, so that a
//! column that disappears is seen (`schema.column_removed`) and the gate can name member
//! columns that are missing without walking history.

use std::collections::{HashMap, HashSet};

use super::objects::{attach_labels, column_row, label_row, CURRENT_COLUMNS, CURRENT_LABELS};
use super::*;
use crate::sources::store::dataset_key;

/// The datasets of a source: which each object belongs to, and their names.
#[derive(Debug, Default)]
pub(super) struct Datasets {
    pub of_object: HashMap<String, i64>,
    pub names: HashMap<i64, String>,
    /// Every dataset by key, to find the dataset of an object no longer listed.
    pub by_key: HashMap<String, i64>,
    database: bool,
    given: String,
}

impl Datasets {
    /// The dataset `object` belongs (or belonged) to.
    pub fn of(&self, object: &str) -> Option<i64> {
        self.of_object.get(object).copied().or_else(|| {
            let key = if self.database { object.to_string() } else { dataset_key(&self.given, object) };
            self.by_key.get(&key).copied()
        })
    }
}

/// The columns a dataset had before a scan and has after it.
#[derive(Debug, Default)]
pub(super) struct ColumnChanges {
    /// (dataset, column) pairs that disappeared with this scan or earlier and are still gone.
    pub removed: HashSet<(i64, String)>,
    /// Column names any dataset of the source has now.
    pub present: HashSet<String>,
}

fn is_database(location: &str) -> bool {
    matches!(Location::parse(location), Ok(Location::Postgres { .. }))
}

impl Store {
    /// The stored dataset name of each object of a source (objects recorded before datasets
    /// were stored have none until their source is scanned again).
    pub(super) async fn dataset_names(&self, source_id: i64) -> Result<HashMap<String, String>, StoreError> {
        const SQL: &str = "SELECT o.object, d.name FROM objects_seen o JOIN datasets d ON d.id = o.dataset_id WHERE o.source_id = $1";
        let map = on_pool!(self, "dataset_names", |p| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(p)
            .await
            .map_err(query_err("reading dataset names"))?
            .iter()
            .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
            .collect());
        Ok(map)
    }
}

impl Tx {
    /// Gives every object of the source that has none a dataset: the existing one with its
    /// key, else a new one named as `datasets` would name it now (made unique among the
    /// source's datasets). Returns every object's dataset and every dataset's name.
    pub(super) async fn sync_datasets(&mut self, src: &SourceRow, now: DateTime<Utc>) -> Result<Datasets, StoreError> {
        const OBJECTS: &str = "SELECT object, dataset_id FROM objects_seen WHERE source_id = $1";
        const DATASETS: &str = "SELECT id, key, name FROM datasets WHERE source_id = $1";
        let objects: Vec<(String, Option<i64>)> = on_tx!(self, "sync_datasets", |c| sqlx::query(OBJECTS)
            .bind(src.id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's objects"))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect());
        let existing: Vec<(i64, String, String)> = on_tx!(self, "sync_datasets", |c| sqlx::query(DATASETS)
            .bind(src.id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's datasets"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect());
        let database = is_database(&src.location);
        let given = redact(&src.location);
        let mut out = Datasets { names: existing.iter().map(|(id, _, name)| (*id, name.clone())).collect(), database, given: given.clone(), ..Default::default() };
        let mut by_key: HashMap<String, i64> = existing.iter().map(|(id, key, _)| (key.clone(), *id)).collect();
        let mut taken: HashSet<String> = existing.into_iter().map(|(_, _, name)| name).collect();
        let mut proposals: Option<HashMap<String, String>> = None;
        for (object, dataset) in &objects {
            if let Some(id) = dataset {
                out.of_object.insert(object.clone(), *id);
                continue;
            }
            let key = if database { object.clone() } else { dataset_key(&given, object) };
            let id = match by_key.get(&key) {
                Some(id) => *id,
                None => {
                    let proposals = proposals.get_or_insert_with(|| {
                        if database {
                            HashMap::new()
                        } else {
                            crate::sources::store::datasets(&given, objects.iter().map(|(o, _)| o.as_str()))
                        }
                    });
                    let mut name = proposals.get(object).cloned().unwrap_or_else(|| object.clone());
                    if taken.contains(&name) {
                        if let Some((dir, fam)) = key.split_once('\x1f') {
                            name = format!("{dir}/{fam}*");
                        }
                    }
                    let base = name.clone();
                    let mut n = 2;
                    while taken.contains(&name) {
                        name = format!("{base}#{n}");
                        n += 1;
                    }
                    const INSERT: &str = "INSERT INTO datasets (source_id, key, name, created_ms) VALUES ($1, $2, $3, $4) RETURNING id";
                    let id: i64 = on_tx!(self, "sync_datasets", |c| sqlx::query(INSERT)
                        .bind(src.id)
                        .bind(&key)
                        .bind(&name)
                        .bind(ms(now))
                        .fetch_one(c)
                        .await
                        .map_err(query_err("creating a dataset"))?
                        .get(0));
                    by_key.insert(key, id);
                    taken.insert(name.clone());
                    out.names.insert(id, name);
                    id
                }
            };
            on_tx!(self, "sync_datasets", |c| sqlx::query("UPDATE objects_seen SET dataset_id = $1 WHERE source_id = $2 AND object = $3")
                .bind(id)
                .bind(src.id)
                .bind(object)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(query_err("assigning an object its dataset"))?);
            out.of_object.insert(object.clone(), id);
        }
        out.by_key = by_key;
        Ok(out)
    }

    /// The current columns of a source per object (as `Store::current_columns`), read
    /// through this transaction so that they include what it has just recorded.
    pub(super) async fn current_columns(&mut self, source_id: i64) -> Result<Vec<ColumnReport>, StoreError> {
        let what = || format!("reading the current columns of source {source_id}");
        let mut columns: Vec<ColumnReport> =
            on_tx!(self, "current_columns", |c| sqlx::query(CURRENT_COLUMNS).bind(source_id).fetch_all(c).await.map_err(query_err(what()))?.iter().map(column_row).collect());
        let labels: Vec<_> =
            on_tx!(self, "current_columns", |c| sqlx::query(CURRENT_LABELS).bind(source_id).fetch_all(c).await.map_err(query_err(what()))?.iter().map(label_row).collect());
        attach_labels(&mut columns, labels);
        Ok(columns)
    }

    /// Brings `dataset_columns` up to date for the datasets a scan touched: columns now
    /// present are added (or back), those gone are marked removed by `scan_id`. Returns the
    /// columns removed and the names present anywhere in the source.
    pub(super) async fn sync_columns(&mut self, source_id: i64, scan_id: i64, touched: &HashSet<i64>, now_columns: &HashMap<i64, HashSet<String>>) -> Result<ColumnChanges, StoreError> {
        const SQL: &str = "SELECT c.dataset_id, c.column_name, c.removed_scan_id FROM dataset_columns c JOIN datasets d ON d.id = c.dataset_id WHERE d.source_id = $1";
        let stored: Vec<(i64, String, Option<i64>)> = on_tx!(self, "sync_columns", |c| sqlx::query(SQL)
            .bind(source_id)
            .fetch_all(c)
            .await
            .map_err(query_err("reading a source's dataset columns"))?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect());
        let mut out = ColumnChanges::default();
        let known: HashMap<(i64, &str), bool> = stored.iter().map(|(d, c, removed)| ((*d, c.as_str()), removed.is_some())).collect();
        for (d, c, removed) in &stored {
            let now_has = now_columns.get(d).is_some_and(|cols| cols.contains(c));
            if touched.contains(d) && !now_has && removed.is_none() {
                on_tx!(self, "sync_columns", |conn| sqlx::query("UPDATE dataset_columns SET removed_scan_id = $1 WHERE dataset_id = $2 AND column_name = $3")
                    .bind(scan_id)
                    .bind(d)
                    .bind(c)
                    .execute(conn)
                    .await
                    .map(|_| ())
                    .map_err(query_err("marking a column removed"))?);
                out.removed.insert((*d, c.clone()));
            } else if !now_has && removed.is_some() && touched.contains(d) {
                out.removed.insert((*d, c.clone()));
            } else if !touched.contains(d) && removed.is_none() {
                out.present.insert(c.clone());
            }
        }
        for (d, cols) in now_columns {
            for c in cols {
                out.present.insert(c.clone());
                match known.get(&(*d, c.as_str())) {
                    Some(false) => {}
                    Some(true) => {
                        on_tx!(self, "sync_columns", |conn| sqlx::query("UPDATE dataset_columns SET removed_scan_id = NULL, last_scan_id = $1 WHERE dataset_id = $2 AND column_name = $3")
                            .bind(scan_id)
                            .bind(d)
                            .bind(c)
                            .execute(conn)
                            .await
                            .map(|_| ())
                            .map_err(query_err("marking a column back"))?);
                    }
                    None => {
                        on_tx!(self, "sync_columns", |conn| sqlx::query("INSERT INTO dataset_columns (dataset_id, column_name, first_scan_id, last_scan_id) VALUES ($1, $2, $3, $3)")
                            .bind(d)
                            .bind(c)
                            .bind(scan_id)
                            .execute(conn)
                            .await
                            .map(|_| ())
                            .map_err(query_err("recording a new column"))?);
                    }
                }
            }
        }
        Ok(out)
    }
}
