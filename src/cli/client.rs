//! The typed HTTP client the service commands share: the server's own request and
//! response types, the token from `ASSAY_TOKEN`, names URL-encoded into paths, and the
//! API's JSON errors turned into messages with their status.

use std::time::Duration;

use anyhow::Context;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use serde::Serialize;

use assay::api::ErrorBody;

/// Characters left as they are in a path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `name` as one URL path segment.
pub fn segment(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// The server's refusal of a request: its status and the API error's code and message
/// (a command that tells refusals apart downcasts the `anyhow::Error` to it).
#[derive(Debug, thiserror::Error)]
#[error("{status}: {message}{hint}")]
pub struct Refused {
    pub status: reqwest::StatusCode,
    pub code: String,
    pub message: String,
    hint: &'static str,
}

/// A client of a running `assay serve`.
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    /// A client of `server` (`--server`/`ASSAY_URL`) with the token in `ASSAY_TOKEN`.
    pub fn from_env(server: &str, timeout: Duration) -> anyhow::Result<Client> {
        let token = std::env::var("ASSAY_TOKEN").ok().filter(|t| !t.trim().is_empty());
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Client { base: server.trim_end_matches('/').to_string(), token, http })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(self.http.get(self.url(path))).await
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> anyhow::Result<T> {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    /// Every item of a paged list (`path` without `limit`/`cursor`), following cursors.
    pub async fn all_pages<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<Vec<T>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page_path = match &cursor {
                Some(c) => format!("{path}{sep}limit=1000&cursor={}", segment(c)),
                None => format!("{path}{sep}limit=1000"),
            };
            let page: assay::api::Page<T> = self.get(&page_path).await?;
            all.extend(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    /// A POST without a body.
    pub async fn post_empty<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        self.send(self.http.post(self.url(path))).await
    }

    pub async fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.send_raw(self.http.delete(self.url(path))).await.map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send<T: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> anyhow::Result<T> {
        let bytes = self.send_raw(req).await?;
        serde_json::from_slice(&bytes).context("the server's answer is not what this client expects (is it the same Assay version?)")
    }

    async fn send_raw(&self, req: reqwest::RequestBuilder) -> anyhow::Result<bytes::Bytes> {
        let req = match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let resp = req.send().await.map_err(|e| anyhow::anyhow!("cannot reach assay serve at {}: {}", self.base, e.without_url()))?;
        let status = resp.status();
        let bytes = resp.bytes().await.with_context(|| format!("reading the answer of {}", self.base))?;
        if !status.is_success() {
            let (code, message) = serde_json::from_slice::<ErrorBody>(&bytes).map(|b| (b.error.code, b.error.message)).unwrap_or_else(|_| (String::new(), "request failed".into()));
            let hint = match (status.as_u16(), self.token.is_some()) {
                (401, false) => " (set ASSAY_TOKEN to a token from `assay tokens create`)",
                _ => "",
            };
            return Err(Refused { status, code, message, hint }.into());
        }
        Ok(bytes)
    }
}
