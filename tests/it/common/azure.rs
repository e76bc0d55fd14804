//! A real Azure Blob Storage emulator for tests: `TEST_AZURITE_URL` when set (CI starts
//! Azurite, `npm install -g azurite`), otherwise an `azurite-blob` this process starts on
//! a free port when one is on PATH, else the Azurite image through testcontainers. Each
//! test gets its own container, created with a Shared Key signed request as Azure's own
//! clients do (object_store has no call to create one).

use std::sync::OnceLock;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use testcontainers::core::WaitFor;

/// Azurite's documented development account and key.
const ACCOUNT: &str = "devstoreaccount1";
const KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

fn url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(u) = std::env::var("TEST_AZURITE_URL") {
            return u.trim_end_matches('/').to_string();
        }
        let port = super::http::free_port();
        let args = ["--blobHost", "127.0.0.1", "--blobPort", &port.to_string(), "--inMemoryPersistence", "--silent"].map(String::from).to_vec();
        let u = if super::s3::runs("azurite-blob") && super::http::spawn_server("azurite-blob", args) { format!("http://127.0.0.1:{port}") } else {
            let cmd = ["azurite-blob", "--blobHost", "0.0.0.0", "--inMemoryPersistence"];
            let wait = WaitFor::message_on_stdout("Azurite Blob service successfully listens");
            super::http::container("mcr.microsoft.com/azure-storage/azurite", "3.35.0", 10000, wait, &cmd, "Azure tests need TEST_AZURITE_URL or `azurite-blob` on PATH (npm install -g azurite)")
        };
        super::http::wait_for(&u);
        u
    })
}

/// A fresh blob container on the emulator.
pub struct BlobContainer {
    pub url: String,
    pub name: String,
}

impl BlobContainer {
    /// Creates a container with a unique name.
    pub fn new(tag: &str) -> BlobContainer {
        let url = url().to_string();
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("assay-{tag}-{}-{nanos}", std::process::id());
        let status = create_container(&url, &name);
        assert_eq!(status, 201, "creating container {name} on {url}");
        BlobContainer { url, name }
    }

    /// The environment the binary reads Azure settings from.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("AZURE_STORAGE_USE_EMULATOR", "true".into()), ("AZURITE_BLOB_STORAGE_URL", self.url.clone())]
    }

    /// Uploads `bytes` as `key`.
    pub fn put(&self, key: &str, bytes: Vec<u8>) {
        use object_store::ObjectStoreExt;
        // Not `with_use_emulator`: that reads the emulator's address from the environment,
        // which is the binary's, not this process's.
        let store = object_store::azure::MicrosoftAzureBuilder::new()
            .with_account(ACCOUNT)
            .with_access_key(KEY)
            .with_container_name(&self.name)
            .with_endpoint(format!("{}/{ACCOUNT}", self.url))
            .with_allow_http(true)
            .build()
            .expect("Azure client");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(store.put(&object_store::path::Path::from(key), bytes.into())).unwrap_or_else(|e| panic!("put {key}: {e}"));
    }

    /// `az://container/suffix`.
    pub fn location(&self, suffix: &str) -> String {
        format!("az://{}/{suffix}", self.name)
    }
}

/// `PUT /{account}/{name}?restype=container`, signed with the account key; the status.
fn create_container(url: &str, name: &str) -> u16 {
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let version = "2021-08-06";
    // Verb, eleven standard headers (all empty here), then the x-ms headers and resource.
    let to_sign = format!("PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}/{ACCOUNT}/{name}\nrestype:container");
    let key = base64::engine::general_purpose::STANDARD.decode(KEY).expect("account key");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("hmac key");
    mac.update(to_sign.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let auth = format!("SharedKey {ACCOUNT}:{sig}");
    let headers = [("x-ms-date", date.as_str()), ("x-ms-version", version), ("Authorization", auth.as_str())];
    super::http::request(url, "PUT", &format!("/{ACCOUNT}/{name}?restype=container"), &headers, b"")
}
