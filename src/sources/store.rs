//! Object stores: local directories, S3, GCS and Azure behind one `object_store` interface.
//!
//! This module owns listing (each object with size, ETag and last-modified, so that a
//! later scan can skip what did not change) and ranged reads, counted so that the bytes
//! a sample costs can be reported. Every file Assay reads, local or remote, goes through
//! here; local paths are not a separate code path.

use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, RetryConfig};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::{AsyncFileReader, MetadataSuffixFetch};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use serde::{Deserialize, Serialize};

use super::location::{redact, Location};
use super::{delta, detect, iceberg, Format, SourceError};

/// What a registered source remembers of an object between scans (JSON in
/// `objects_seen`): the round of its last sample, so that a reread draws other rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectState {
    #[serde(default)]
    pub round: u64,
}

impl ObjectState {
    /// The state kept as JSON; `None` for none or an unreadable one.
    pub fn parse(json: Option<&str>) -> Option<ObjectState> {
        json.and_then(|j| serde_json::from_str(j).ok())
    }

    pub fn to_json(self) -> String {
        serde_json::to_string(&self).unwrap_or_default()
    }
}

/// A location's data files, and what the listing says that is not an error (the
/// version of each Delta table in it).
#[derive(Debug, Default)]
pub struct Listing {
    pub entries: Vec<ObjectEntry>,
    pub notes: Vec<String>,
}

/// Bytes and requests spent reading objects.
#[derive(Debug, Default)]
pub struct IoStats {
    bytes: AtomicU64,
    requests: AtomicU64,
}

impl IoStats {
    fn record(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Read requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

/// One object of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectEntry {
    /// The name the object is reported by (a path as given, or a full URL).
    pub shown: String,
    /// Key inside its store.
    #[serde(skip)]
    pub key: Path,
    /// Size in bytes.
    pub size: u64,
    /// The store's entity tag, when it has one.
    pub e_tag: Option<String>,
    /// Last modification time.
    pub last_modified: DateTime<Utc>,
    /// What a registered source keeps of it between scans beside its version (a table's
    /// high-water mark and sample round, as JSON); `None` for files.
    #[serde(skip)]
    pub state: Option<String>,
}

impl ObjectEntry {
    /// Whether `self` is the same version of the object as `previous`: same ETag when
    /// both have one, else same size and modification time.
    pub fn unchanged_since(&self, previous: &ObjectEntry) -> bool {
        match (&self.e_tag, &previous.e_tag) {
            (Some(a), Some(b)) => a == b && self.size == previous.size,
            // Milliseconds: what the store keeps of a listing's time.
            _ => self.size == previous.size && self.last_modified.timestamp_millis() == previous.last_modified.timestamp_millis(),
        }
    }
}

/// How a listing differs from an earlier one (objects matched by `shown` name).
#[derive(Debug, Default)]
pub struct Changes<'a> {
    /// Objects not in the earlier listing.
    pub added: Vec<&'a ObjectEntry>,
    /// Objects whose ETag (or size and time) changed.
    pub changed: Vec<&'a ObjectEntry>,
    /// Objects that can be skipped.
    pub unchanged: Vec<&'a ObjectEntry>,
    /// Objects of the earlier listing that are gone.
    pub removed: Vec<&'a ObjectEntry>,
}

/// Compares a listing with an earlier one, so that only new or changed objects are read.
pub fn diff<'a>(previous: &'a [ObjectEntry], current: &'a [ObjectEntry]) -> Changes<'a> {
    let before: std::collections::HashMap<&str, &ObjectEntry> = previous.iter().map(|e| (e.shown.as_str(), e)).collect();
    let now: std::collections::HashSet<&str> = current.iter().map(|e| e.shown.as_str()).collect();
    let mut out = Changes::default();
    for e in current {
        match before.get(e.shown.as_str()) {
            None => out.added.push(e),
            Some(p) if e.unchanged_since(p) => out.unchanged.push(e),
            Some(_) => out.changed.push(e),
        }
    }
    out.removed = previous.iter().filter(|e| !now.contains(e.shown.as_str())).collect();
    out
}

/// The dataset each object belongs to, whose columns are merged into one verdict.
///
/// Part files of one table sit side by side (`part-00000-….parquet`), under partition
/// directories (`date=2026-11-01/`), or as dated drops (`orders_2026-11-01.csv`), while a
/// raw directory may also hold unrelated files (`users.parquet`, `orders.parquet`). So an
/// object's dataset is its directory with partition segments dropped, plus its name's
/// *family*: the words of its stem that hold no digit and are not hex ids. A directory
/// holding one family is shown as the directory, otherwise as `dir/family*`. An object
/// registered by its own name is a dataset of its own.
pub fn datasets<'a>(given: &str, objects: impl IntoIterator<Item = &'a str>) -> std::collections::HashMap<String, String> {
    let keyed: Vec<(&str, String, String)> = objects
        .into_iter()
        .map(|o| {
            let (dir, fam) = dir_family(o);
            (o, dir, fam)
        })
        .collect();
    let mut families: std::collections::HashMap<&str, std::collections::HashSet<&str>> = std::collections::HashMap::new();
    for (_, dir, fam) in &keyed {
        families.entry(dir.as_str()).or_default().insert(fam.as_str());
    }
    keyed
        .iter()
        .map(|(o, dir, fam)| {
            let shown = if *o == given {
                o.to_string()
            } else if families[dir.as_str()].len() == 1 {
                dir.clone()
            } else {
                format!("{dir}/{fam}*")
            };
            (o.to_string(), shown)
        })
        .collect()
}

/// What makes an object part of its dataset, as the store keeps it (`datasets.key`): the
/// object itself when it was registered by its own name, else its directory without
/// partition segments and its name's family (see [`datasets`]), joined by `\x1f`.
pub fn dataset_key(given: &str, object: &str) -> String {
    if object == given {
        return object.to_string();
    }
    let (dir, fam) = dir_family(object);
    format!("{dir}\x1f{fam}")
}

/// An object's directory with partition segments (`date=2026-11-01`) dropped, and its
/// name's family.
fn dir_family(object: &str) -> (String, String) {
    let (dir, name) = object.rsplit_once('/').unwrap_or(("", object));
    let dir: Vec<&str> = dir.split('/').filter(|seg| seg.split_once('=').is_none_or(|(k, _)| k.is_empty())).collect();
    (dir.join("/"), family(name))
}

/// A file name's family: its stem's words without digits or hex ids (`part-00001-9f3a….snappy.parquet`
/// → `part`, `orders_2026-11-01.csv` → `orders`, `0001.csv` → ``).
fn family(name: &str) -> String {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    let words: Vec<&str> = stem
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            let numeric = w.bytes().any(|b| b.is_ascii_digit());
            let hex_id = w.len() >= 4 && w.bytes().all(|b| b.is_ascii_hexdigit());
            !(w.is_empty() || numeric || hex_id)
        })
        .collect();
    words.join("_")
}

/// A listed location: a store and the prefix (or single object) inside it.
pub struct Lake {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// How the location was given (redacted); children are shown relative to it.
    given: String,
    /// For a local location: the path as given, to show children as local paths.
    local: Option<PathBuf>,
    /// `scheme://bucket` for a remote store.
    root: String,
    /// Bytes and requests spent on this location.
    pub stats: Arc<IoStats>,
}

/// Requests that fail are retried a few times, for half a minute at most, so that an
/// unreachable store fails the scan of that location quickly rather than in minutes.
fn retry() -> RetryConfig {
    RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(30), ..Default::default() }
}

impl Lake {
    /// Opens a local or object-store location. Credentials come from the store's standard
    /// environment (AWS_*, GOOGLE_*, AZURE_*).
    pub fn open(given: &str, location: &Location) -> Result<Lake, SourceError> {
        let shown = redact(given);
        let remote = |message: String| SourceError::Remote { location: shown.clone(), message: redact(&message) };
        match location {
            Location::Local(p) => {
                // Canonical: object_store paths have no `..` segments.
                let abs = std::fs::canonicalize(p).map_err(|e| SourceError::Io { path: shown.clone(), source: e })?;
                let prefix = Path::from_absolute_path(&abs).map_err(|e| remote(e.to_string()))?;
                Ok(Lake {
                    store: Arc::new(LocalFileSystem::new()),
                    prefix,
                    given: shown.clone(),
                    local: Some(p.clone()),
                    root: String::new(),
                    stats: Arc::default(),
                })
            }
            Location::Store(url) => {
                let bucket = url.host_str().unwrap_or_default().to_string();
                let store: Arc<dyn ObjectStore> = match url.scheme() {
                    "s3" | "s3a" => Arc::new(
                        object_store::aws::AmazonS3Builder::from_env().with_url(url.as_str()).with_retry(retry()).build().map_err(|e| remote(e.to_string()))?,
                    ),
                    "gs" => Arc::new(
                        object_store::gcp::GoogleCloudStorageBuilder::from_env()
                            .with_url(url.as_str())
                            .with_retry(retry())
                            .build()
                            .map_err(|e| remote(e.to_string()))?,
                    ),
                    _ => Arc::new(
                        object_store::azure::MicrosoftAzureBuilder::from_env()
                            .with_url(url.as_str())
                            .with_retry(retry())
                            .build()
                            .map_err(|e| remote(e.to_string()))?,
                    ),
                };
                let prefix = Path::from_url_path(url.path()).map_err(|e| remote(e.to_string()))?;
                Ok(Lake { store, prefix, given: shown, local: None, root: format!("{}://{bucket}", url.scheme()), stats: Arc::default() })
            }
            Location::Postgres { .. } => Err(remote("a database is not a file location".into())),
        }
    }

    /// Lists the data files of the location: the object itself when it names one,
    /// otherwise every data file under the prefix (sorted; names starting with `.` or `_`
    /// are skipped, and plain `.json` files, which are often metadata, unless named
    /// directly). In a Delta or Iceberg table's directory, only the files its log or
    /// current snapshot says are the table now (see `delta`, `iceberg`), and the listing's
    /// notes say the table's version.
    pub async fn list(&self) -> Result<Listing, SourceError> {
        let err = |e: object_store::Error| SourceError::Remote { location: self.given.clone(), message: redact(&describe(&e)) };
        let is_dir = self.local.as_ref().is_some_and(|p| p.is_dir());
        if !is_dir && !self.prefix.as_ref().is_empty() {
            match self.store.head(&self.prefix).await {
                Ok(meta) => return Ok(Listing { entries: vec![self.entry(meta, true)], notes: Vec::new() }),
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(err(e)),
            }
        }
        let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
        let metas: Vec<object_store::ObjectMeta> = self.store.list(prefix).map_err(err).try_collect().await?;
        let mut notes = Vec::new();
        let mut tables = Vec::new();
        for (root, log) in delta::logs(metas.iter().map(|m| &m.location)) {
            let shown = self.show(&root);
            let files = log.files(&*self.store, &root, &shown).await?;
            notes.push(format!("{shown}: a Delta table at version {}, {} data file(s)", files.version, files.files.len()));
            tables.push((root, shown, files));
        }
        for (root, metadata) in iceberg::tables(metas.iter().map(|m| &m.location)) {
            let shown = self.show(&root);
            let files = iceberg::files(&*self.store, &metadata, &self.root, &shown).await?;
            notes.push(format!("{shown}: an Iceberg table at sequence number {}, {} data file(s)", files.version, files.files.len()));
            tables.push((root, shown, files));
        }
        for (_, shown, files) in &tables {
            if files.with_deletes > 0 {
                notes.push(format!("{shown}: {} deletion vector(s) or delete file(s) not applied; deleted rows may be sampled", files.with_deletes));
            }
            if files.external > 0 {
                notes.push(format!("{shown}: {} file(s) outside this location are not read", files.external));
            }
        }
        let mut out = Vec::new();
        let mut dropped = vec![0usize; tables.len()];
        for meta in metas {
            let rel: Vec<_> = meta.location.prefix_match(&self.prefix).map(|p| p.collect()).unwrap_or_default();
            let hidden = rel.iter().any(|p: &object_store::path::PathPart| p.as_ref().starts_with(['.', '_']));
            let name = meta.location.filename().unwrap_or_default().to_ascii_lowercase();
            let wanted = match detect(FsPath::new(&name)) {
                Some((Format::NdJson, _)) => name.contains(".ndjson") || name.contains(".jsonl"),
                Some(_) => true,
                None => false,
            };
            if hidden || !wanted {
                continue;
            }
            // A file in a Delta or Iceberg table's directory that its log or snapshot
            // removed is not the table.
            if let Some(t) = tables.iter().position(|(root, _, _)| meta.location.prefix_matches(root)) {
                if !tables[t].2.files.contains(&meta.location) {
                    dropped[t] += 1;
                    continue;
                }
            }
            out.push(self.entry(meta, false));
        }
        for ((_, shown, _), n) in tables.iter().zip(dropped).filter(|(_, n)| *n > 0) {
            notes.push(format!("{shown}: {n} file(s) no longer in the table are left out"));
        }
        if out.is_empty() && self.local.is_none() {
            // An empty listing of a prefix is most often a typo; say so rather than
            // report a clean scan of nothing.
            return Err(SourceError::Remote { location: self.given.clone(), message: "no data files under this prefix".into() });
        }
        out.sort_by(|a, b| a.shown.cmp(&b.shown));
        Ok(Listing { entries: out, notes })
    }

    /// How a key under the location is shown: a local path, or a URL.
    fn show(&self, key: &Path) -> String {
        if let Some(base) = &self.local {
            let rel: Vec<String> = key.prefix_match(&self.prefix).map(|p| p.map(|s| s.as_ref().to_string()).collect()).unwrap_or_default();
            rel.iter().fold(base.clone(), |acc, s| acc.join(s)).display().to_string()
        } else {
            format!("{}/{}", self.root, key)
        }
    }

    fn entry(&self, meta: object_store::ObjectMeta, named: bool) -> ObjectEntry {
        let shown = if named { self.given.clone() } else { self.show(&meta.location) };
        ObjectEntry { shown, key: meta.location, size: meta.size, e_tag: meta.e_tag, last_modified: meta.last_modified, state: None }
    }

    /// A reader for one listed object.
    pub fn reader(&self, entry: &ObjectEntry) -> ObjectReader {
        ObjectReader { store: self.store.clone(), key: entry.key.clone(), size: entry.size, shown: entry.shown.clone(), stats: self.stats.clone() }
    }
}

/// One whole object (a table format's log or metadata file); errors name it under
/// `shown`, the location it belongs to.
pub(crate) async fn read_whole(store: &dyn ObjectStore, key: &Path, shown: &str) -> Result<Bytes, SourceError> {
    let fail = |e: object_store::Error| SourceError::Remote { location: shown.to_string(), message: redact(&format!("reading {key}: {}", describe(&e))) };
    store.get(key).await.map_err(fail)?.bytes().await.map_err(fail)
}

/// Store errors carry the whole source chain in their text; keep the first line only.
fn describe(e: &object_store::Error) -> String {
    match e {
        object_store::Error::NotFound { path, .. } => format!("not found: {path}"),
        e => {
            let mut s = e.to_string();
            let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
            // The innermost cause usually says what went wrong (connection refused, 403 …).
            while let Some(c) = cur {
                let t = c.to_string();
                if !s.contains(&t) {
                    s.push_str(": ");
                    s.push_str(&t);
                }
                cur = c.source();
            }
            s
        }
    }
}

/// Ranged, counted reads of one object.
#[derive(Clone)]
pub struct ObjectReader {
    store: Arc<dyn ObjectStore>,
    key: Path,
    size: u64,
    shown: String,
    stats: Arc<IoStats>,
}

impl ObjectReader {
    /// The object's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The name the object is reported by.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    fn error(&self, e: object_store::Error) -> SourceError {
        SourceError::Remote { location: self.shown.clone(), message: redact(&describe(&e)) }
    }

    /// Reads one byte range.
    pub async fn range(&self, range: Range<u64>) -> Result<Bytes, SourceError> {
        let b = self.store.get_range(&self.key, range).await.map_err(|e| self.error(e))?;
        self.stats.record(b.len());
        Ok(b)
    }

    /// The object as a byte stream from its start, for decompressors (which cannot
    /// seek); the caller stops reading when it has enough.
    pub async fn stream(&self) -> Result<impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static, SourceError> {
        let res = self.store.get(&self.key).await.map_err(|e| self.error(e))?;
        let stats = self.stats.clone();
        Ok(res.into_stream().map(move |c| {
            c.inspect(|b| stats.record(b.len())).map_err(std::io::Error::other)
        }))
    }
}

fn parquet_err(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for ObjectReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            let b = self.store.get_range(&self.key, range).await.map_err(parquet_err)?;
            self.stats.record(b.len());
            Ok(b)
        }
        .boxed()
    }

    fn get_byte_ranges(&mut self, ranges: Vec<Range<u64>>) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            let out = self.store.get_ranges(&self.key, &ranges).await.map_err(parquet_err)?;
            for b in &out {
                self.stats.record(b.len());
            }
            Ok(out)
        }
        .boxed()
    }

    fn get_metadata<'a>(&'a mut self, options: Option<&'a ArrowReaderOptions>) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let meta = ParquetMetaDataReader::new().with_arrow_reader_options(options).load_and_finish(&mut *self, size).await?;
            Ok(Arc::new(meta))
        }
        .boxed()
    }
}

impl MetadataSuffixFetch for &mut ObjectReader {
    fn fetch_suffix(&mut self, suffix: usize) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            let opts = GetOptions { range: Some(GetRange::Suffix(suffix as u64)), ..Default::default() };
            let res = self.store.get_opts(&self.key, opts).await.map_err(parquet_err)?;
            let b = res.bytes().await.map_err(parquet_err)?;
            self.stats.record(b.len());
            Ok(b)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::datasets;

    fn shown(given: &str, objects: &[&str]) -> Vec<String> {
        let map = datasets(given, objects.iter().copied());
        objects.iter().map(|o| map[*o].clone()).collect()
    }

    #[test]
    fn part_files_and_partitions_are_one_dataset() {
        let parts = [
            "s3://b/events/date=2026-11-01/part-00000-1b2cface-4e5f-aaaa-bbbb-0123456789ab.c000.snappy.parquet",
            "s3://b/events/date=2026-11-02/hour=3/part-00001-deadbeef-0000-cafe-beef-00000000abcd.c000.snappy.parquet",
        ];
        assert_eq!(shown("s3://b/events", &parts), ["s3://b/events", "s3://b/events"]);
        assert_eq!(shown("exports", &["exports/orders_2026-11-01.csv", "exports/orders_2026-11-02.csv.gz"]), ["exports", "exports"]);
        assert_eq!(shown("drops", &["drops/0001.csv", "drops/0002.csv"]), ["drops", "drops"]);
    }

    #[test]
    fn unrelated_files_of_one_directory_stay_apart() {
        let objects = ["raw/users.parquet", "raw/orders_2026-01.parquet", "raw/orders_2026-02.parquet", "raw/sub/x.csv"];
        assert_eq!(shown("raw", &objects), ["raw/users*", "raw/orders*", "raw/orders*", "raw/sub"]);
        // Named directly: its own dataset.
        assert_eq!(shown("data/customers.csv", &["data/customers.csv"]), ["data/customers.csv"]);
    }
}
