//! Lake events: object-created notifications that make a new object scanned within
//! seconds of its upload, rather than at its source's next interval.
//!
//! An `s3://` source may name an SQS queue (`events`) that its bucket sends S3 event
//! notifications to. Each `assay serve` worker runs one [`Listener`]: it long-polls every
//! such queue (one task per queue, however many sources share it), keeps the keys under a
//! source's prefix, and asks the scheduler to scan those sources now, once per batch of
//! messages however many of them name the source. The scan is the ordinary one
//! (`Reread::Changed`): it lists the prefix and reads what its ETag diff says is new, so an
//! event for an object already read (a duplicate delivery, a second notification, an event
//! the interval's listing beat) reads nothing, and the scan-now path keeps the scheduler's
//! leases and scan slots. Messages are deleted only once the scans they asked for are
//! recorded: delivery is at-least-once. A message whose scan could not run now (scan slots
//! busy, the source leased by another worker) is made visible again a few seconds later,
//! and one held by a worker that died comes back after its visibility timeout. The periodic listing stays the safety net for anything
//! lost (a queue purged, a notification never configured, a listener that was down).
//!
//! Why SQS's JSON protocol over HTTP with a hand-written SigV4 signer: the service already
//! speaks HTTP (reqwest) and has HMAC-SHA256; an AWS SDK would add hundreds of crates to a
//! build that is already long, for two calls. Credentials come from the same environment
//! variables object_store reads (static keys and session tokens; instance profiles and web
//! identity are a follow-up, see README). The endpoint is the queue URL's host, or
//! `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL` when set (moto, LocalStack, VPC endpoints).
//!
//! Other stores plug in here the same way: a GCS bucket's Pub/Sub notifications
//! (`OBJECT_FINALIZE`, a pull subscription's `projects/P/subscriptions/S`, acknowledged after
//! the scan) and Azure Event Grid's `Microsoft.Storage.BlobCreated` events routed to a
//! Storage queue (dequeued, deleted after the scan) each need a receive/ack client beside
//! [`Sqs`] and a parser beside [`object_events`]; matching, coalescing and the scan are
//! shared. Neither is built yet.
//!
//! Never logged: credentials, message bodies (object keys can be personal data in
//! themselves), or a queue URL's query or user part.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::scan::Reread;
use crate::schedule::{ScanNowResult, Scheduler};
use crate::sources::location::{resolve_reference, Location};
use crate::store::{SourceRow, Store};

/// Longest `events` reference accepted.
pub const MAX_QUEUE_LEN: usize = 2048;
/// Most messages one ReceiveMessage returns (SQS's limit).
const MAX_MESSAGES: u32 = 10;

/// What can go wrong with a queue: each names the queue only in its redacted form.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The `events` setting is not a queue URL or an `env:` reference to one.
    #[error("{0}")]
    BadReference(String),
    /// An `env:` reference to a queue could not be resolved.
    #[error("events: {0}")]
    Unresolved(String),
    /// No AWS credentials in the environment.
    #[error("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones)")]
    NoCredentials,
    /// The request did not reach SQS or its answer did not come back.
    #[error("SQS request to {queue} failed: {error}")]
    Transport { queue: String, error: String },
    /// SQS answered with an error (`code` is its error type, e.g. `QueueDoesNotExist`).
    #[error("SQS {action} on {queue}: HTTP {status} {code}")]
    Refused { action: &'static str, queue: String, status: u16, code: String },
    /// SQS's answer was not the JSON it documents.
    #[error("SQS {action} on {queue}: unreadable answer: {error}")]
    Answer { action: &'static str, queue: String, error: String },
    /// A message body that is neither an S3 event notification nor an S3 test event.
    #[error("not an S3 event notification: {0}")]
    NotAnEvent(String),
}

/// Checks an `events` setting without I/O: an `http(s)://` URL with a path (the queue's),
/// no user, password, query or fragment, or an `env:NAME` reference to one.
pub fn check_queue_reference(given: &str) -> Result<(), EventsError> {
    let bad = |why: &str| EventsError::BadReference(format!("events: {why}"));
    if given.is_empty() || given.len() > MAX_QUEUE_LEN || given.chars().any(char::is_control) {
        return Err(bad(&format!("an SQS queue URL or env:NAME of 1-{MAX_QUEUE_LEN} printable characters")));
    }
    if let Some(name) = given.strip_prefix("env:") {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(bad("env:NAME must name an environment variable (letters, digits, _)"));
        }
        return Ok(());
    }
    parse_queue_url(given).map(|_| ())
}

/// A queue URL as AWS gives it (`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME`).
fn parse_queue_url(given: &str) -> Result<url::Url, EventsError> {
    let bad = |why: &str| EventsError::BadReference(format!("events: {why}"));
    let url = url::Url::parse(given).map_err(|_| bad("not a URL: give the queue's URL, e.g. https://sqs.eu-west-1.amazonaws.com/123456789012/assay-events"))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("the queue URL must be http(s)://host/…"));
    }
    if !url.username().is_empty() || url.password().is_some() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the queue URL carries no user, password, query or fragment (credentials come from the environment)"));
    }
    if url.path().trim_matches('/').is_empty() {
        return Err(bad("the queue URL has no queue path (…/ACCOUNT/NAME)"));
    }
    Ok(url)
}

/// How a queue is shown in logs and errors: scheme, host and the queue's name (the last
/// path segment), never a user part or query.
pub fn shown_queue(url: &url::Url) -> String {
    let name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    format!("{}://{}/…/{name}", url.scheme(), url.host_str().unwrap_or(""))
}

/// Resolves an `events` setting to its queue URL.
pub fn resolve_queue(given: &str) -> Result<url::Url, EventsError> {
    check_queue_reference(given)?;
    let resolved = resolve_reference(given).map_err(|e| EventsError::Unresolved(e.to_string()))?;
    parse_queue_url(resolved.trim()).map_err(|e| if given.starts_with("env:") { EventsError::BadReference(format!("events: `{given}` does not hold an SQS queue URL")) } else { e })
}

/// An object a notification says was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectCreated {
    pub bucket: String,
    /// The key, URL-decoded (S3 sends it form-encoded: `+` for a space).
    pub key: String,
}

/// The objects created according to one message body: an S3 event notification (its
/// `ObjectCreated:*` records), the same wrapped in an SNS notification (S3 → SNS → SQS), or
/// an EventBridge `Object Created` event. The test event S3 sends when notifications are
/// configured yields nothing; other records (removals, restores) are not new data.
pub fn object_events(body: &str) -> Result<Vec<ObjectCreated>, EventsError> {
    let v: Value = serde_json::from_str(body).map_err(|_| EventsError::NotAnEvent("not JSON".into()))?;
    // S3 → SNS → SQS: the notification is the SNS message's text.
    if v["Type"] == "Notification" {
        if let Some(inner) = v["Message"].as_str() {
            return object_events(inner);
        }
    }
    if v["Event"] == "s3:TestEvent" {
        return Ok(Vec::new());
    }
    if let Some(records) = v["Records"].as_array() {
        let mut out = Vec::new();
        for r in records {
            let name = r["eventName"].as_str().unwrap_or("");
            if !name.trim_start_matches("s3:").starts_with("ObjectCreated:") {
                continue;
            }
            let (Some(bucket), Some(key)) = (r["s3"]["bucket"]["name"].as_str(), r["s3"]["object"]["key"].as_str()) else {
                return Err(EventsError::NotAnEvent("an ObjectCreated record without bucket or key".into()));
            };
            let key = percent_encoding::percent_decode_str(&key.replace('+', " ")).decode_utf8().map_err(|_| EventsError::NotAnEvent("a key that is not UTF-8".into()))?.into_owned();
            out.push(ObjectCreated { bucket: bucket.to_string(), key });
        }
        return Ok(out);
    }
    if v["source"] == "aws.s3" && v["detail-type"].is_string() {
        if v["detail-type"] != "Object Created" {
            return Ok(Vec::new());
        }
        // EventBridge gives the key as it is, not encoded.
        return match (v["detail"]["bucket"]["name"].as_str(), v["detail"]["object"]["key"].as_str()) {
            (Some(b), Some(k)) => Ok(vec![ObjectCreated { bucket: b.to_string(), key: k.to_string() }]),
            _ => Err(EventsError::NotAnEvent("an Object Created event without bucket or key".into())),
        };
    }
    Err(EventsError::NotAnEvent("no Records".into()))
}

/// A source that listens to a queue: the bucket and key prefix notifications must name.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    src: SourceRow,
    bucket: String,
    /// The location's key prefix, without a leading `/`; empty for the whole bucket.
    prefix: String,
}

impl Target {
    /// The bucket and prefix of an `s3://` source.
    fn of(src: &SourceRow) -> Result<Target, String> {
        let Ok(Location::Store(url)) = Location::parse(&src.location) else {
            return Err("events are read for s3:// sources only".into());
        };
        if !matches!(url.scheme(), "s3" | "s3a") {
            return Err("events are read for s3:// sources only".into());
        }
        let bucket = url.host_str().unwrap_or("").to_string();
        let prefix = percent_encoding::percent_decode_str(url.path().trim_start_matches('/')).decode_utf8_lossy().into_owned();
        Ok(Target { src: src.clone(), bucket, prefix })
    }

    /// Whether the object is one this source lists: the location's object itself, or one
    /// under it as a directory (`lake/x` is under `lake` and `lake/`, `lakehouse/x` is not),
    /// as object_store's listing by path segments has it.
    fn wants(&self, o: &ObjectCreated) -> bool {
        if o.bucket != self.bucket {
            return false;
        }
        let dir = self.prefix.trim_end_matches('/');
        dir.is_empty() || o.key == dir || o.key.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
    }
}

/// AWS credentials from the environment, as object_store reads them. `Debug` hides them.
#[derive(Clone)]
pub struct Credentials {
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(***)")
    }
}

impl Credentials {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`. Read at each
    /// request, so that rotated temporary credentials are picked up.
    pub fn from_env() -> Result<Credentials, EventsError> {
        let var = |n| std::env::var(n).ok().filter(|v: &String| !v.is_empty());
        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(key_id), Some(secret)) => Ok(Credentials { key_id, secret, token: var("AWS_SESSION_TOKEN") }),
            _ => Err(EventsError::NoCredentials),
        }
    }
}

/// Where and when a SigV4 signature applies: the credential scope's region and service
/// (`sqs`), and the signing time.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub region: &'a str,
    pub service: &'a str,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// Signs a request with AWS Signature Version 4: the headers to add (`x-amz-date`,
/// `x-amz-security-token` when there is a token, `authorization`). `headers` are those
/// sent besides them (lowercase names), all of which are signed; `host` is taken from the URL.
pub fn sign_v4(method: &str, url: &url::Url, headers: &[(&str, &str)], body: &[u8], creds: &Credentials, scope: Scope<'_>) -> Vec<(String, String)> {
    let Scope { region, service, at } = scope;
    let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let day = &amz_date[..8];
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("")),
        None => url.host_str().unwrap_or("").to_string(),
    };
    let mut signed: BTreeMap<String, String> = headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string())).collect();
    signed.insert("host".into(), host);
    signed.insert("x-amz-date".into(), amz_date.clone());
    if let Some(t) = &creds.token {
        signed.insert("x-amz-security-token".into(), t.clone());
    }
    let names = signed.keys().cloned().collect::<Vec<_>>().join(";");
    let canonical_headers: String = signed.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    // The query's pairs sorted by name, each part URI-encoded as SigV4 wants.
    let mut query: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (uri_encode(&k, true), uri_encode(&v, true))).collect();
    query.sort();
    let query = query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let path = if url.path().is_empty() { "/" } else { url.path() };
    let canonical = format!("{method}\n{path}\n{query}\n{canonical_headers}\n{names}\n{}", hex::encode(Sha256::digest(body)));
    let scope = format!("{day}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
    let mut key = hmac(format!("AWS4{}", creds.secret).as_bytes(), day.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    let mut out = vec![("x-amz-date".to_string(), amz_date)];
    if let Some(t) = &creds.token {
        out.push(("x-amz-security-token".into(), t.clone()));
    }
    out.push(("authorization".into(), format!("AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={names}, Signature={signature}", creds.key_id)));
    out
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// SigV4's URI encoding: unreserved characters kept, everything else `%XX`.
fn uri_encode(s: &str, slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b'/' if !slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One message received.
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    #[serde(rename = "MessageId", default)]
    pub id: String,
    #[serde(rename = "ReceiptHandle")]
    pub receipt: String,
    #[serde(rename = "Body", default)]
    pub body: String,
}

/// A client of one SQS queue over its JSON protocol.
pub struct Sqs {
    http: reqwest::Client,
    queue: url::Url,
    endpoint: url::Url,
    region: String,
    shown: String,
}

impl Sqs {
    /// A client of `queue`, long-polling up to `wait`.
    pub fn new(queue: url::Url, wait: Duration) -> Result<Sqs, EventsError> {
        let shown = shown_queue(&queue);
        let endpoint = ["AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL"]
            .iter()
            .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
            .map(|e| url::Url::parse(&e).map_err(|_| EventsError::BadReference("AWS_ENDPOINT_URL(_SQS) is not a URL".into())))
            .transpose()?
            .unwrap_or_else(|| {
                let mut e = queue.clone();
                e.set_path("/");
                e
            });
        // The queue's own host names its region (sqs.REGION.amazonaws.com); elsewhere (an
        // endpoint override, moto) the environment's region is the one it was created in.
        let host = queue.host_str().unwrap_or("");
        let region = host
            .strip_prefix("sqs.")
            .and_then(|r| r.split_once('.'))
            .map(|(r, _)| r.to_string())
            .filter(|r| r.contains('-'))
            .or_else(|| ["AWS_REGION", "AWS_DEFAULT_REGION"].iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty())))
            .unwrap_or_else(|| "us-east-1".into());
        let http = reqwest::Client::builder()
            .timeout(wait + Duration::from_secs(10))
            .build()
            .map_err(|e| EventsError::Transport { queue: shown.clone(), error: e.to_string() })?;
        Ok(Sqs { http, queue, endpoint, region, shown })
    }

    /// The queue as logs show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// One signed call of `action` (e.g. `ReceiveMessage`) with a JSON body.
    async fn call(&self, action: &'static str, body: Value) -> Result<Value, EventsError> {
        let creds = Credentials::from_env()?;
        let body = serde_json::to_vec(&body).unwrap_or_default();
        let target = format!("AmazonSQS.{action}");
        let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", target.as_str())];
        let mut req = self.http.post(self.endpoint.clone());
        for (k, v) in headers.iter().copied() {
            req = req.header(k, v);
        }
        for (k, v) in sign_v4("POST", &self.endpoint, &headers, &body, &creds, Scope { region: &self.region, service: "sqs", at: chrono::Utc::now() }) {
            req = req.header(k, v);
        }
        // reqwest's errors can quote the URL: only the endpoint's host is in it, never a
        // credential (those travel in headers), but the message is kept short anyway.
        let resp = req.body(body).send().await.map_err(|e| EventsError::Transport { queue: self.shown.clone(), error: without_url(e) })?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| EventsError::Transport { queue: self.shown.clone(), error: without_url(e) })?;
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            // `__type` is `com.amazonaws.sqs#QueueDoesNotExist` or the like; the message is
            // not quoted (it may repeat the request).
            let code = v["__type"].as_str().or(v["code"].as_str()).map(|t| t.rsplit('#').next().unwrap_or(t).to_string()).unwrap_or_default();
            return Err(EventsError::Refused { action, queue: self.shown.clone(), status: status.as_u16(), code });
        }
        if v.is_null() && !text.trim().is_empty() {
            return Err(EventsError::Answer { action, queue: self.shown.clone(), error: "not JSON".into() });
        }
        Ok(v)
    }

    /// Long-polls for up to ten messages, hiding them from other consumers for `visibility`.
    pub async fn receive(&self, wait: Duration, visibility: Duration) -> Result<Vec<Message>, EventsError> {
        let v = self
            .call("ReceiveMessage", json!({
                "QueueUrl": self.queue.as_str(),
                "MaxNumberOfMessages": MAX_MESSAGES,
                "WaitTimeSeconds": wait.as_secs().min(20),
                "VisibilityTimeout": visibility.as_secs().min(43_200),
            }))
            .await?;
        match v.get("Messages") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(m) => serde_json::from_value(m.clone()).map_err(|e| EventsError::Answer { action: "ReceiveMessage", queue: self.shown.clone(), error: e.to_string() }),
        }
    }

    /// Deletes received messages (at most ten); returns how many SQS could not delete.
    pub async fn delete(&self, receipts: &[&str]) -> Result<usize, EventsError> {
        if receipts.is_empty() {
            return Ok(0);
        }
        let entries: Vec<Value> = receipts.iter().enumerate().map(|(i, r)| json!({ "Id": i.to_string(), "ReceiptHandle": r })).collect();
        let v = self.call("DeleteMessageBatch", json!({ "QueueUrl": self.queue.as_str(), "Entries": entries })).await?;
        Ok(v["Failed"].as_array().map_or(0, Vec::len))
    }
}

impl Sqs {
    /// Makes received messages visible again after `after` (at most ten), so that events
    /// whose scan could not run now are retried soon rather than at the end of their
    /// visibility timeout; returns how many SQS could not change.
    pub async fn retry_later(&self, receipts: &[&str], after: Duration) -> Result<usize, EventsError> {
        if receipts.is_empty() {
            return Ok(0);
        }
        let entries: Vec<Value> = receipts.iter().enumerate().map(|(i, r)| json!({ "Id": i.to_string(), "ReceiptHandle": r, "VisibilityTimeout": after.as_secs() })).collect();
        let v = self.call("ChangeMessageVisibilityBatch", json!({ "QueueUrl": self.queue.as_str(), "Entries": entries })).await?;
        Ok(v["Failed"].as_array().map_or(0, Vec::len))
    }
}

/// A transport error's text without the URL reqwest may append.
fn without_url(e: reqwest::Error) -> String {
    crate::sources::location::error_chain(&e.without_url())
}

/// How the listener polls.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// How often the registry is read again for sources with events (new, changed, removed).
    pub refresh: Duration,
    /// Long-poll wait per ReceiveMessage (SQS allows up to 20 s).
    pub wait: Duration,
    /// How long received messages stay hidden from other consumers: longer than the scans
    /// they ask for take, so that a message comes back only when its scan did not happen.
    pub visibility: Duration,
    /// How long a scan asked for by events waits for a free scan slot.
    pub scan_queue: Duration,
    /// When events whose scan could not run (slots busy, the source leased elsewhere, a
    /// store error) are received again.
    pub retry: Duration,
    /// First retry delay after an error; doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig {
            refresh: Duration::from_secs(5),
            wait: Duration::from_secs(20),
            visibility: Duration::from_secs(900),
            scan_queue: Duration::from_secs(300),
            retry: Duration::from_secs(5),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

/// One worker's listener to the queues of the sources that name one.
pub struct Listener {
    store: Store,
    scheduler: Arc<Scheduler>,
    cfg: ListenerConfig,
}

/// A queue being polled: the sources on it, and its task.
struct Polled {
    targets: watch::Sender<Vec<Target>>,
    task: tokio::task::JoinHandle<()>,
}

impl Listener {
    pub fn new(store: Store, scheduler: Arc<Scheduler>, cfg: ListenerConfig) -> Listener {
        Listener { store, scheduler, cfg }
    }

    /// Runs until `shutdown` turns true: reads the registry every `refresh`, starts a
    /// poller for each queue some live source names, tells pollers which sources are on
    /// their queue, and stops those whose queue no source names any more. A source whose
    /// queue or location cannot be used is logged once (until its setting changes); the
    /// others go on.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut polled: HashMap<String, Polled> = HashMap::new();
        let mut warned: HashSet<(String, Option<String>, String)> = HashSet::new();
        loop {
            match self.store.sources_with_events().await {
                Ok(sources) => {
                    let mut wanted: HashMap<String, (url::Url, Vec<Target>)> = HashMap::new();
                    for src in sources.iter().filter(|s| s.events.is_some()) {
                        let setting = src.events.clone().unwrap_or_default();
                        let found = resolve_queue(&setting).map_err(|e| e.to_string()).and_then(|q| Target::of(src).map(|t| (q, t)));
                        match found {
                            Ok((q, t)) => wanted.entry(q.to_string()).or_insert_with(|| (q, Vec::new())).1.push(t),
                            Err(e) => {
                                if warned.insert((src.name.clone(), src.events.clone(), src.location.clone())) {
                                    metrics::counter!("assay_event_errors_total", "kind" => "config").increment(1);
                                    tracing::warn!(source = %src.name, error = %e, "cannot listen for this source's object events; it is scanned at its interval only");
                                }
                            }
                        }
                    }
                    // Dropping a poller's sender ends it after its current receive and the
                    // scans that asks for (not aborted: a scan cut short would hold its
                    // lease until it expires). A poller that ended (a panic) is restarted.
                    polled.retain(|q, p| wanted.contains_key(q) && !p.task.is_finished());
                    for (q, (url, targets)) in wanted {
                        match polled.get(&q) {
                            Some(p) => {
                                p.targets.send_if_modified(|have| {
                                    let changed = *have != targets;
                                    *have = targets.clone();
                                    changed
                                });
                            }
                            None => {
                                let names: Vec<&str> = targets.iter().map(|t| t.src.name.as_str()).collect();
                                tracing::info!(queue = %shown_queue(&url), sources = %names.join(","), "listening for object events");
                                let (tx, rx) = watch::channel(targets);
                                let task = tokio::spawn(self.clone().poll(url, rx, shutdown.clone()));
                                polled.insert(q, Polled { targets: tx, task });
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot read the sources with object events; retrying"),
            }
            tokio::select! {
                _ = tokio::time::sleep(self.cfg.refresh) => {}
                _ = shutdown.wait_for(|s| *s) => break,
            }
        }
        // Each poller stops at shutdown by itself, after the scan it may be running.
        for (_, p) in polled {
            let _ = p.task.await;
        }
    }

    /// Polls one queue until shutdown or until no source names it. Errors are logged,
    /// counted and retried with backoff; they never end the poller.
    async fn poll(self: Arc<Self>, queue: url::Url, targets: watch::Receiver<Vec<Target>>, mut shutdown: watch::Receiver<bool>) {
        let shown = shown_queue(&queue);
        let mut failures = 0u32;
        let mut sqs = None;
        loop {
            if *shutdown.borrow() || targets.has_changed().is_err() {
                return;
            }
            let client = match &sqs {
                Some(c) => Ok(c),
                None => Sqs::new(queue.clone(), self.cfg.wait).map(|c| &*sqs.insert(c)),
            };
            let received = match client {
                Ok(c) => tokio::select! {
                    r = c.receive(self.cfg.wait, self.cfg.visibility) => r,
                    _ = shutdown.wait_for(|s| *s) => return,
                },
                Err(e) => Err(e),
            };
            let handled = match received {
                Ok(messages) if messages.is_empty() => Ok(()),
                Ok(messages) => match &sqs {
                    Some(c) => self.handle(c, &targets, messages).await,
                    None => Ok(()),
                },
                Err(e) => Err(e),
            };
            match handled {
                Ok(()) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let kind = match &e {
                        EventsError::Refused { .. } => "refused",
                        EventsError::NoCredentials => "credentials",
                        _ => "transport",
                    };
                    metrics::counter!("assay_event_errors_total", "kind" => kind).increment(1);
                    let delay = self.cfg.backoff.saturating_mul(1 << (failures - 1).min(16)).min(self.cfg.max_backoff);
                    tracing::warn!(queue = %shown, error = %e, failures, retry_in_secs = delay.as_secs_f64(), "cannot read object events; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = shutdown.wait_for(|s| *s) => return,
                    }
                }
            }
        }
    }

    /// Scans the sources a batch of messages names (each once), then deletes the messages
    /// whose scans were recorded and those that name no source here.
    async fn handle(&self, sqs: &Sqs, targets: &watch::Receiver<Vec<Target>>, messages: Vec<Message>) -> Result<(), EventsError> {
        let targets = targets.borrow().clone();
        metrics::counter!("assay_event_messages_total").increment(messages.len() as u64);
        // Per message, the sources it asks to scan; per source, how many objects.
        let mut asks: Vec<Vec<i64>> = Vec::with_capacity(messages.len());
        let mut objects: BTreeMap<i64, usize> = BTreeMap::new();
        let mut ignored = 0usize;
        for m in &messages {
            let mut ids = Vec::new();
            match object_events(&m.body) {
                Ok(created) => {
                    for o in &created {
                        let mut matched = false;
                        for t in targets.iter().filter(|t| t.wants(o)) {
                            matched = true;
                            *objects.entry(t.src.id).or_default() += 1;
                            if !ids.contains(&t.src.id) {
                                ids.push(t.src.id);
                            }
                        }
                        if !matched {
                            ignored += 1;
                        }
                    }
                }
                Err(e) => {
                    // Kept would come back forever; the listing covers what it may have meant.
                    metrics::counter!("assay_event_errors_total", "kind" => "message").increment(1);
                    tracing::warn!(queue = %sqs.shown(), message_id = %m.id, error = %e, "an unreadable message on the events queue; deleted");
                }
            }
            asks.push(ids);
        }
        if ignored > 0 {
            metrics::counter!("assay_event_objects_ignored_total").increment(ignored as u64);
            tracing::debug!(queue = %sqs.shown(), objects = ignored, "object events outside every listening source's prefix; ignored");
        }
        let mut scanned: HashSet<i64> = HashSet::new();
        for (id, count) in &objects {
            let Some(t) = targets.iter().find(|t| t.src.id == *id) else { continue };
            // Removed (or replaced under its name) since the last refresh: nothing to scan,
            // and a scan-now would wait two leases for a claim that cannot succeed.
            match self.store.source(&t.src.name).await {
                Ok(Some(now)) if now.id == t.src.id => {}
                Ok(_) => {
                    scanned.insert(*id);
                    continue;
                }
                Err(e) => {
                    tracing::warn!(source = %t.src.name, error = %e, "cannot look up the source of object events; they come back after the visibility timeout");
                    continue;
                }
            }
            match self.scheduler.scan_now(t.src.clone(), self.cfg.scan_queue, Reread::Changed).await {
                Ok(ScanNowResult::Done(o)) => {
                    scanned.insert(*id);
                    metrics::counter!("assay_event_scans_total").increment(1);
                    tracing::info!(source = %t.src.name, objects = count, scan_id = o.scan_id, read = o.read, unchanged = o.unchanged, "scanned on object events");
                }
                Ok(ScanNowResult::Leased | ScanNowResult::Busy) => {
                    tracing::info!(source = %t.src.name, retry_in_secs = self.cfg.retry.as_secs(), "scan slots or the source's lease stayed taken; its object events are retried");
                }
                Err(e) => tracing::warn!(source = %t.src.name, error = %e, retry_in_secs = self.cfg.retry.as_secs(), "the scan asked for by object events failed; its events are retried"),
            }
        }
        let (done, again): (Vec<_>, Vec<_>) = messages.iter().zip(&asks).partition(|(_, ids)| ids.iter().all(|i| scanned.contains(i)));
        let done: Vec<&str> = done.iter().map(|(m, _)| m.receipt.as_str()).collect();
        let again: Vec<&str> = again.iter().map(|(m, _)| m.receipt.as_str()).collect();
        let failed = sqs.delete(&done).await?;
        if failed > 0 {
            tracing::warn!(queue = %sqs.shown(), messages = failed, "SQS did not delete some handled messages; they come back and are read again, which reads nothing new");
        }
        // Best effort: a message not made visible now comes back at its visibility timeout.
        if let Err(e) = sqs.retry_later(&again, self.cfg.retry).await {
            tracing::warn!(queue = %sqs.shown(), error = %e, "cannot make unscanned object events visible again; they come back after the visibility timeout");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_references_are_checked_without_io() {
        assert!(check_queue_reference("https://sqs.eu-west-1.amazonaws.com/123456789012/assay-events").is_ok());
        assert!(check_queue_reference("http://127.0.0.1:5555/123456789012/q").is_ok());
        assert!(check_queue_reference("env:ASSAY_EVENTS_QUEUE").is_ok());
        for bad in ["", "sqs://q", "ftp://h/q", "https://sqs.eu-west-1.amazonaws.com/", "https://u:pw@h/1/q", "https://h/1/q?X-Amz-Signature=s", "env:", "env:A-B", "https://h/1/q\n"] {
            assert!(check_queue_reference(bad).is_err(), "{bad:?} accepted");
        }
        assert!(check_queue_reference(&format!("https://h/{}", "q".repeat(MAX_QUEUE_LEN))).is_err());
        let e = check_queue_reference("https://u:hunter2@h/1/q").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn a_queue_is_shown_by_host_and_name() {
        let u = url::Url::parse("https://sqs.eu-west-1.amazonaws.com/123456789012/assay-events").unwrap();
        assert_eq!(shown_queue(&u), "https://sqs.eu-west-1.amazonaws.com/…/assay-events");
    }

    #[test]
    fn s3_notifications_yield_created_objects_with_decoded_keys() {
        let body = r#"{"Records":[
            {"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"lake"},"object":{"key":"raw/2026/a+b%2Bc%C3%A9.csv","size":3}}},
            {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"lake"},"object":{"key":"raw/old.csv"}}},
            {"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"lake"},"object":{"key":"raw/big.parquet"}}}]}"#;
        let got = object_events(body).unwrap();
        assert_eq!(got, vec![
            ObjectCreated { bucket: "lake".into(), key: "raw/2026/a b+cé.csv".into() },
            ObjectCreated { bucket: "lake".into(), key: "raw/big.parquet".into() },
        ]);
        assert!(object_events(r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"lake"}"#).unwrap().is_empty());
        let sns = json!({"Type": "Notification", "Message": body}).to_string();
        assert_eq!(object_events(&sns).unwrap().len(), 2);
        let eb = r#"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"lake"},"object":{"key":"raw/a b.csv"}}}"#;
        assert_eq!(object_events(eb).unwrap(), vec![ObjectCreated { bucket: "lake".into(), key: "raw/a b.csv".into() }]);
        assert!(object_events("hello").is_err());
        assert!(object_events(r#"{"foo":1}"#).is_err());
    }

    fn target(location: &str) -> Target {
        let src = SourceRow {
            id: 1,
            name: "s".into(),
            location: location.into(),
            tables: vec![],
            interval: Duration::from_secs(3600),
            sample_rows: 10,
            created_at: chrono::Utc::now(),
            next_due_at: chrono::Utc::now(),
            consecutive_failures: 0,
            append_key: None,
            events: None,
        };
        Target::of(&src).unwrap()
    }

    #[test]
    fn only_keys_under_the_prefix_are_wanted() {
        let o = |b: &str, k: &str| ObjectCreated { bucket: b.into(), key: k.into() };
        for loc in ["s3://lake/raw", "s3://lake/raw/"] {
            let t = target(loc);
            assert!(t.wants(&o("lake", "raw/a.csv")));
            assert!(t.wants(&o("lake", "raw/x/y.parquet")));
            assert!(!t.wants(&o("lake", "rawer/a.csv")));
            assert!(!t.wants(&o("lake", "other/a.csv")));
            assert!(!t.wants(&o("pond", "raw/a.csv")));
        }
        assert!(target("s3://lake").wants(&o("lake", "any/thing.csv")));
        assert!(target("s3://lake/raw/one.csv").wants(&o("lake", "raw/one.csv")));
        let gs = SourceRow { location: "gs://lake/raw".into(), ..target("s3://lake").src };
        assert!(Target::of(&gs).is_err());
    }

    /// The signature botocore's `SigV4Auth` computes for the same request (computed once
    /// with botocore 1.x: an independent implementation of the same algorithm).
    #[test]
    fn sigv4_matches_botocore() {
        let url = url::Url::parse("https://sqs.eu-west-1.amazonaws.com/").unwrap();
        let creds = Credentials { key_id: "AKIDEXAMPLE".into(), secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(), token: None };
        let at = chrono::DateTime::parse_from_rfc3339("2015-08-30T12:36:00Z").unwrap().with_timezone(&chrono::Utc);
        let body = br#"{"QueueUrl":"https://sqs.eu-west-1.amazonaws.com/123456789012/q","MaxNumberOfMessages":10}"#;
        let headers = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", "AmazonSQS.ReceiveMessage")];
        let out = sign_v4("POST", &url, &headers, body, &creds, Scope { region: "eu-west-1", service: "sqs", at });
        let auth = &out.iter().find(|(k, _)| k == "authorization").unwrap().1;
        assert_eq!(auth, BOTOCORE_AUTH);
        let with_token = Credentials { token: Some("TOKEN".into()), ..creds };
        let out = sign_v4("POST", &url, &headers, body, &with_token, Scope { region: "eu-west-1", service: "sqs", at });
        assert_eq!(&out.iter().find(|(k, _)| k == "authorization").unwrap().1, BOTOCORE_AUTH_TOKEN);
    }

    const BOTOCORE_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=bbf708e0bfacd662ecbf0489fff93a0de760d6c950ee2daa7fd98a2305b1d50a";
    const BOTOCORE_AUTH_TOKEN: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/sqs/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=fade5b51734505fa2dc023d8c129a621df909a20398a4cbc9e1b1ce4b9f14feb";
}
