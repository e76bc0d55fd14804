//! Delta Lake tables in a lake listing: which data files are the table now.
//!
//! A directory with a `_delta_log/` is a Delta table, and its files are not all data: a
//! file that a commit removed (an overwrite, a compaction, a DELETE that rewrote it)
//! stays on storage until VACUUM, but is no longer part of the table, and scanning it
//! would report what the table no longer holds. The log says which files are: replaying
//! the `add` and `remove` actions of its commits (`NNNNNNNNNNNNNNNNNNNN.json`, one JSON
//! action per line) from the latest complete Parquet checkpoint, whose `add` rows are the
//! table as of its version (Delta protocol, "Action Reconciliation"). Only those files are
//! kept in the listing, so a scan reads the files added since it last read the table (its
//! ETags do the rest) and drops those removed, and the report says the table's version.
//!
//! Not read: deletion vectors (rows a file no longer holds are still sampled, and the
//! report says so), files outside the table's directory (shallow clones), and the V2
//! checkpoint format with sidecars (an error names it).

use std::collections::{BTreeMap, HashSet};

use arrow::array::{Array, AsArray, StructArray};
use bytes::Bytes;
use object_store::path::Path;
use object_store::ObjectStore;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Deserialize;

use super::store::read_whole;
use super::SourceError;

/// The log directory's name.
pub const LOG_DIR: &str = "_delta_log";

/// The log of one Delta table, as listed.
#[derive(Debug, Default)]
pub struct DeltaLog {
    /// Commit files by version.
    commits: BTreeMap<u64, Path>,
    /// Checkpoint parts by version, with the number of parts each says it has.
    checkpoints: BTreeMap<u64, (usize, Vec<Path>)>,
    /// V2 checkpoints (`N.checkpoint.<uuid>.json|parquet`), which this reader does not read.
    v2_checkpoints: Vec<u64>,
}

/// What a table format's log or metadata says the table is (Delta, Iceberg).
#[derive(Debug)]
pub struct TableFiles {
    /// The Delta version, or the Iceberg snapshot's sequence number.
    pub version: u64,
    /// Keys of the data files that make up the table.
    pub files: HashSet<Path>,
    /// Deletion vectors or delete files not applied: their deleted rows may be sampled.
    pub with_deletes: usize,
    /// Files named outside the table's store (not read).
    pub external: usize,
}

/// Groups the listed objects that sit in a `_delta_log/` by the table directory above it.
pub fn logs<'a>(keys: impl IntoIterator<Item = &'a Path>) -> BTreeMap<Path, DeltaLog> {
    let mut out: BTreeMap<Path, DeltaLog> = BTreeMap::new();
    for key in keys {
        let parts: Vec<&str> = key.as_ref().split('/').collect();
        let Some(at) = parts.iter().rposition(|p| *p == LOG_DIR) else { continue };
        // Only files directly in the log directory count (not `_delta_log/_commits/…`).
        if at + 2 != parts.len() {
            continue;
        }
        let root = Path::from_iter(parts[..at].iter().copied());
        let name = parts[at + 1];
        let log = out.entry(root).or_default();
        let Some(version) = name.get(..20).filter(|v| v.bytes().all(|b| b.is_ascii_digit())).and_then(|v| v.parse::<u64>().ok()) else { continue };
        let rest = &name[20..];
        if rest == ".json" {
            log.commits.insert(version, key.clone());
        } else if rest == ".checkpoint.parquet" {
            log.checkpoints.entry(version).or_insert((1, Vec::new())).1.push(key.clone());
        } else if let Some(multi) = rest.strip_prefix(".checkpoint.").and_then(|r| r.strip_suffix(".parquet")) {
            // `.checkpoint.<part>.<parts>.parquet`, or a V2 `.checkpoint.<uuid>.parquet`.
            match multi.split_once('.').and_then(|(_, n)| n.parse::<usize>().ok()) {
                Some(parts) => log.checkpoints.entry(version).or_insert((parts, Vec::new())).1.push(key.clone()),
                None => log.v2_checkpoints.push(version),
            }
        } else if rest.starts_with(".checkpoint.") {
            log.v2_checkpoints.push(version);
        }
    }
    out
}

#[derive(Deserialize)]
struct Action {
    add: Option<FileAction>,
    remove: Option<FileAction>,
}

#[derive(Deserialize)]
struct FileAction {
    path: String,
    #[serde(default, rename = "deletionVector")]
    deletion_vector: Option<serde_json::Value>,
}

impl DeltaLog {
    /// Reads the log (latest complete checkpoint, then the commits after it) and returns
    /// the table's data files. `table` is how the table is shown in errors.
    pub async fn files(&self, store: &dyn ObjectStore, root: &Path, table: &str) -> Result<TableFiles, SourceError> {
        let fail = |message: String| SourceError::Remote { location: table.to_string(), message };
        let latest = self.commits.keys().next_back().copied().into_iter().chain(self.checkpoints.keys().copied()).max().ok_or_else(|| fail("a _delta_log without commits".into()))?;
        let checkpoint = self.checkpoints.iter().rev().find(|(_, (parts, paths))| paths.len() == *parts).map(|(v, (_, paths))| (*v, paths));
        let mut active: BTreeMap<String, bool> = BTreeMap::new();
        let start = match checkpoint {
            Some((v, paths)) => {
                for p in paths {
                    for (path, dv) in checkpoint_adds(&read_whole(store, p, table).await?).map_err(|e| fail(format!("checkpoint {p}: {e}")))? {
                        active.insert(path, dv);
                    }
                }
                v + 1
            }
            None if self.v2_checkpoints.iter().any(|v| !self.commits.contains_key(v)) => {
                return Err(fail("the log starts at a V2 checkpoint (sidecar files), which Assay does not read yet".into()));
            }
            None => 0,
        };
        for version in start..=latest {
            let Some(key) = self.commits.get(&version) else {
                return Err(fail(format!("the Delta log has no commit {version:020}.json (between {start} and {latest}): cannot tell which files are the table")));
            };
            let bytes = read_whole(store, key, table).await?;
            for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let action: Action = serde_json::from_slice(line).map_err(|e| fail(format!("commit {version}, line {}: not a Delta action ({e})", n + 1)))?;
                if let Some(a) = action.add {
                    active.insert(a.path, a.deletion_vector.is_some());
                }
                if let Some(r) = action.remove {
                    active.remove(&r.path);
                }
            }
        }
        let mut out = TableFiles { version: latest, files: HashSet::new(), with_deletes: 0, external: 0 };
        for (path, dv) in active {
            // `path` is a URI reference: relative (percent-encoded) or, in a shallow clone,
            // absolute.
            if path.contains("://") {
                out.external += 1;
                continue;
            }
            let decoded = percent_encoding::percent_decode_str(&path).decode_utf8_lossy().into_owned();
            let key = Path::from_iter(root.parts().map(|p| p.as_ref().to_string()).chain(decoded.split('/').filter(|s| !s.is_empty()).map(str::to_string)));
            out.with_deletes += dv as usize;
            out.files.insert(key);
        }
        Ok(out)
    }
}

/// The `add.path` (and whether it has a deletion vector) of every add row of a checkpoint.
fn checkpoint_adds(bytes: &Bytes) -> Result<Vec<(String, bool)>, String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.clone()).map_err(|e| e.to_string())?.build().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let Some(add) = batch.column_by_name("add") else { continue };
        let add: &StructArray = add.as_struct_opt().ok_or("`add` is not a struct")?;
        let path = add.column_by_name("path").ok_or("`add` has no `path`")?;
        let dv = add.column_by_name("deletionVector");
        for i in 0..add.len() {
            if add.is_null(i) || path.is_null(i) {
                continue;
            }
            let p = match (path.as_string_opt::<i32>(), path.as_string_opt::<i64>()) {
                (Some(s), _) => s.value(i).to_string(),
                (_, Some(s)) => s.value(i).to_string(),
                _ => return Err("`add.path` is not a string".into()),
            };
            out.push((p, dv.is_some_and(|d| d.is_valid(i))));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_are_grouped_by_table_and_file_kind() {
        let keys: Vec<Path> = [
            "lake/events/_delta_log/00000000000000000000.json",
            "lake/events/_delta_log/00000000000000000001.json",
            "lake/events/_delta_log/00000000000000000010.checkpoint.parquet",
            "lake/events/_delta_log/_last_checkpoint",
            "lake/events/_delta_log/_commits/00000000000000000011.abc.json",
            "lake/users/_delta_log/00000000000000000003.checkpoint.0000000001.0000000002.parquet",
            "lake/users/_delta_log/00000000000000000004.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json",
            "lake/events/part-0.parquet",
        ]
        .into_iter()
        .map(Path::from)
        .collect();
        let logs = logs(&keys);
        assert_eq!(logs.keys().map(|k| k.as_ref()).collect::<Vec<_>>(), ["lake/events", "lake/users"]);
        let events = &logs[&Path::from("lake/events")];
        assert_eq!(events.commits.keys().copied().collect::<Vec<_>>(), [0, 1]);
        assert_eq!(events.checkpoints[&10], (1, vec![Path::from("lake/events/_delta_log/00000000000000000010.checkpoint.parquet")]));
        let users = &logs[&Path::from("lake/users")];
        assert_eq!(users.checkpoints[&3].0, 2, "a multi-part checkpoint with one part of two listed");
        assert_eq!(users.v2_checkpoints, [4]);
    }
}
