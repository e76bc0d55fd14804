//! A real S3-compatible server for tests: `TEST_S3_ENDPOINT` when set (CI starts
//! `moto_server` on loopback); otherwise a `moto_server` this process starts on a free
//! port when one on PATH runs (`pip install 'moto[server]'`), else the `motoserver/moto`
//! image through testcontainers (needs a Docker daemon); without either the panic says
//! what to install. Each test gets its own bucket.

use std::sync::OnceLock;

use testcontainers::core::WaitFor;

/// Endpoint of the shared server, started once per test binary when needed.
fn endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        if let Ok(e) = std::env::var("TEST_S3_ENDPOINT") {
            return e.trim_end_matches('/').to_string();
        }
        let port = super::http::free_port();
        let args = vec!["-H".to_string(), "127.0.0.1".to_string(), "-p".to_string(), port.to_string()];
        let e = if runs("moto_server") && super::http::spawn_server("moto_server", args) { format!("http://127.0.0.1:{port}") } else {
            super::http::container("motoserver/moto", "5.1.0", 5000, WaitFor::message_on_stderr("Running on"), &[], "S3 tests need TEST_S3_ENDPOINT or `moto_server` on PATH (pip install 'moto[server]')")
        };
        super::http::wait_for(&e);
        e
    })
}

/// Whether `program --help` runs: a pyenv or npm shim can be on PATH for a package that
/// is not installed, and a server that dies at once would only show as a timeout later.
pub(super) fn runs(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A fresh bucket on the test server.
pub struct Bucket {
    pub endpoint: String,
    pub name: String,
}

impl Bucket {
    /// Creates a bucket with a unique name (moto accepts an unsigned `PUT /bucket`).
    pub fn new(tag: &str) -> Bucket {
        let endpoint = endpoint().to_string();
        let name = format!("assay-{tag}-{}-{}", std::process::id(), rand_suffix());
        let status = super::http::request(&endpoint, "PUT", &format!("/{name}"), &[], b"");
        assert!(status == 200, "creating bucket {name} on {endpoint}: HTTP {status}");
        Bucket { endpoint, name }
    }

    /// The environment the binary reads S3 settings and credentials from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "assay-test-key".into()),
            ("AWS_SECRET_ACCESS_KEY", "assay-test-secret-do-not-print".into()),
        ]
    }

    /// A store on this bucket, for the test to write objects with.
    pub fn store(&self) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_bucket_name(&self.name)
            .with_access_key_id("assay-test-key")
            .with_secret_access_key("assay-test-secret-do-not-print")
            .build()
            .expect("S3 client")
    }

    /// Uploads `bytes` as `key`.
    pub fn put(&self, key: &str, bytes: Vec<u8>) {
        use object_store::ObjectStoreExt;
        let store = self.store();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(store.put(&object_store::path::Path::from(key), bytes.into())).unwrap_or_else(|e| panic!("put {key}: {e}"));
    }

    /// `s3://bucket/suffix`.
    pub fn url(&self, suffix: &str) -> String {
        format!("s3://{}/{suffix}", self.name)
    }
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    h.finish() % 1_000_000_000
}
