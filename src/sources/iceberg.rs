//! Apache Iceberg tables in a lake listing: which data files are the table now.
//!
//! A directory with a `metadata/` holding `*.metadata.json` files is an Iceberg table.
//! Its data directory keeps files that later snapshots deleted (an overwrite, a compaction)
//! until snapshots expire, so the table is what its current snapshot says: the latest
//! metadata file (the highest version: `vN.metadata.json` as Hadoop tables name them, or
//! `NNNNN-<uuid>.metadata.json` as catalogs do) names the current snapshot, whose manifest
//! list (Avro) names manifests (Avro) whose live entries (status other than deleted,
//! content data) are the table's data files. Only those are kept in the listing, so a scan
//! reads the files added since it last read the table and drops the deleted ones.
//!
//! Without a catalog the latest metadata file is taken as current; a catalog that points
//! at an older one (a rolled-back commit) is not consulted. Delete files (row-level
//! deletes of format version 2) are not applied: deleted rows may be sampled, and the
//! report says so. Files outside the table's bucket or directory are not read.

use std::collections::{BTreeMap, HashSet};

use apache_avro::types::Value as Avro;
use object_store::path::Path;
use object_store::ObjectStore;
use serde::Deserialize;

use super::delta::TableFiles;
use super::location::redact;
use super::store::read_whole;
use super::SourceError;

/// The metadata directory's name.
pub const METADATA_DIR: &str = "metadata";

/// Finds Iceberg tables among the listed keys: each table directory with its latest
/// metadata file.
pub fn tables<'a>(keys: impl IntoIterator<Item = &'a Path>) -> BTreeMap<Path, Path> {
    let mut best: BTreeMap<Path, (u64, Path)> = BTreeMap::new();
    for key in keys {
        let parts: Vec<&str> = key.as_ref().split('/').collect();
        let n = parts.len();
        if n < 2 || parts[n - 2] != METADATA_DIR {
            continue;
        }
        let Some(stem) = parts[n - 1].strip_suffix(".metadata.json") else { continue };
        let digits = stem.strip_prefix('v').unwrap_or(stem).split('-').next().unwrap_or_default();
        let Ok(version) = digits.parse::<u64>() else { continue };
        let root = Path::from_iter(parts[..n - 2].iter().copied());
        let entry = best.entry(root).or_insert((version, key.clone()));
        if version > entry.0 {
            *entry = (version, key.clone());
        }
    }
    best.into_iter().map(|(root, (_, key))| (root, key)).collect()
}

#[derive(Deserialize)]
struct Metadata {
    #[serde(rename = "current-snapshot-id")]
    current: Option<i64>,
    #[serde(default)]
    snapshots: Vec<Snapshot>,
}

#[derive(Deserialize)]
struct Snapshot {
    #[serde(rename = "snapshot-id")]
    id: i64,
    #[serde(rename = "sequence-number", default)]
    sequence: u64,
    #[serde(rename = "manifest-list")]
    manifest_list: Option<String>,
}

/// Reads the table whose latest metadata file is `metadata` and returns its data files.
/// `bucket` is the listing's `scheme://bucket` (empty for a local location); `table` is
/// how the table is shown in errors.
pub async fn files(store: &dyn ObjectStore, metadata: &Path, bucket: &str, table: &str) -> Result<TableFiles, SourceError> {
    let fail = |message: String| SourceError::Remote { location: table.to_string(), message };
    let meta: Metadata = serde_json::from_slice(&read_whole(store, metadata, table).await?).map_err(|e| fail(format!("{metadata}: not Iceberg table metadata ({e})")))?;
    let mut out = TableFiles { version: 0, files: HashSet::new(), with_deletes: 0, external: 0 };
    let Some(snapshot) = meta.current.filter(|id| *id >= 0).and_then(|id| meta.snapshots.iter().find(|s| s.id == id)) else {
        return Ok(out); // a table without a snapshot yet: no data files
    };
    out.version = snapshot.sequence;
    let list_uri = snapshot.manifest_list.as_deref().ok_or_else(|| fail("the current snapshot has no manifest list (format version 1 inline manifests are not read)".into()))?;
    let list_key = key_of(list_uri, bucket).ok_or_else(|| fail(format!("the manifest list {} is outside this location", redact(list_uri))))?;
    for manifest in records(&read_whole(store, &list_key, table).await?).map_err(|e| fail(format!("manifest list {list_key}: {e}")))? {
        let path = string(&manifest, "manifest_path").ok_or_else(|| fail(format!("manifest list {list_key}: an entry without manifest_path")))?;
        // 0: data files; 1: delete files, which this reader does not apply.
        let deletes = int(&manifest, "content").unwrap_or(0) == 1;
        let key = key_of(&path, bucket).ok_or_else(|| fail(format!("the manifest {} is outside this location", redact(&path))))?;
        for entry in records(&read_whole(store, &key, table).await?).map_err(|e| fail(format!("manifest {key}: {e}")))? {
            // status 2: deleted in this snapshot.
            if int(&entry, "status") == Some(2) {
                continue;
            }
            let Some(file) = field(&entry, "data_file") else { continue };
            if deletes || int(file, "content").unwrap_or(0) != 0 {
                out.with_deletes += 1;
                continue;
            }
            let Some(path) = string(file, "file_path") else { continue };
            match key_of(&path, bucket) {
                Some(k) => {
                    out.files.insert(k);
                }
                None => out.external += 1,
            }
        }
    }
    Ok(out)
}

/// The store key of an absolute file URI: `file:///abs/path` for a local location,
/// `scheme://bucket/key` for a remote one (`None` when it is in another bucket).
fn key_of(uri: &str, bucket: &str) -> Option<Path> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "file" if bucket.is_empty() => Path::from_url_path(url.path()).ok(),
        "s3a" | "s3n" if bucket.strip_prefix("s3://") == url.host_str() => Path::from_url_path(url.path()).ok(),
        _ if !bucket.is_empty() && format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default()) == bucket => Path::from_url_path(url.path()).ok(),
        _ => None,
    }
}

/// The records of an Avro object container file.
fn records(bytes: &[u8]) -> Result<Vec<Avro>, String> {
    let reader = apache_avro::Reader::new(bytes).map_err(|e| e.to_string())?;
    reader.map(|r| r.map_err(|e| e.to_string())).collect()
}

/// A record's field, through a union (nullable fields are unions).
fn field<'a>(record: &'a Avro, name: &str) -> Option<&'a Avro> {
    let Avro::Record(fields) = record else { return None };
    let v = &fields.iter().find(|(n, _)| n == name)?.1;
    Some(match v {
        Avro::Union(_, inner) => inner,
        v => v,
    })
}

fn string(record: &Avro, name: &str) -> Option<String> {
    match field(record, name)? {
        Avro::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn int(record: &Avro, name: &str) -> Option<i64> {
    match field(record, name)? {
        Avro::Int(i) => Some(i64::from(*i)),
        Avro::Long(i) => Some(*i),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_metadata_file_of_each_table_is_found() {
        let keys: Vec<Path> = [
            "wh/ml/events/metadata/00000-6fc1b628.metadata.json",
            "wh/ml/events/metadata/00002-51c5bfd1.metadata.json",
            "wh/ml/events/metadata/00001-2ea13158.metadata.json",
            "wh/ml/events/metadata/snap-1-0-abc.avro",
            "wh/ml/events/data/00000-0-1e68.parquet",
            "wh/hadoop/metadata/v9.metadata.json",
            "wh/hadoop/metadata/v10.metadata.json",
            "wh/other/metadata/notes.json",
        ]
        .into_iter()
        .map(Path::from)
        .collect();
        let t = tables(&keys);
        assert_eq!(t.len(), 2);
        assert_eq!(t[&Path::from("wh/ml/events")].as_ref(), "wh/ml/events/metadata/00002-51c5bfd1.metadata.json");
        assert_eq!(t[&Path::from("wh/hadoop")].as_ref(), "wh/hadoop/metadata/v10.metadata.json");
    }

    #[test]
    fn file_uris_map_to_keys_of_their_own_store_only() {
        assert_eq!(key_of("file:///tmp/wh/data/a%20b.parquet", "").unwrap().as_ref(), "tmp/wh/data/a b.parquet");
        assert_eq!(key_of("s3://lake/wh/data/x.parquet", "s3://lake").unwrap().as_ref(), "wh/data/x.parquet");
        assert_eq!(key_of("s3a://lake/wh/data/x.parquet", "s3://lake").unwrap().as_ref(), "wh/data/x.parquet");
        assert_eq!(key_of("s3://other/wh/x.parquet", "s3://lake"), None);
        assert_eq!(key_of("file:///tmp/x.parquet", "s3://lake"), None);
    }
}
