//! Webhook delivery: the loop `assay serve` runs beside the scheduler, sending what the
//! outbox holds (`store::outbox`) to the receivers.
//!
//! The outbox rows were written in the transaction of the scan that raised their events,
//! so delivery only has to be persistent, not clever: claim due rows with a lease, POST
//! each, record the attempt and what follows (acknowledged, retry later, given up) in one
//! transaction. Everything that must survive a crash is in the store; a worker that dies
//! mid-attempt loses only its lease, and the row goes out again when the lease expires —
//! at least once, never by two workers at the same time. Receivers deduplicate on the
//! `Idempotency-Key`, which stays the same across retries. An alert's events reach each
//! webhook in order (the claim holds a later one back while an earlier one is pending),
//! so a receiver never sees an alert resolve before it opened.
//!
//! A receiver is untrusted and may be down, slow or hostile: each attempt is bounded by a
//! timeout and a response size limit, and a failure of any kind (refused, timed out, 5xx,
//! 429, another 4xx, an over-long answer) is recorded and retried with exponential backoff
//! and jitter, or after the receiver's `Retry-After` (up to an hour), until `dead_after` has
//! passed since the event; then the delivery is dead-lettered with its reason, visible
//! with the alert. A 4xx is retried too, because its usual cause (a receiver's
//! configuration) gets fixed.
//!
//! The signing secret is a reference (`env:`, `file:`) resolved at each attempt, so a
//! rotated secret applies at once; it must be one the operator's location policy allows,
//! as for source credentials. Neither the secret nor the webhook's URL (Slack-style URLs
//! carry a token) is ever logged or recorded; errors name the webhook.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::Value;
use sha2::Sha256;
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;

use crate::config::{format_duration, ServeConfig};
use crate::sources::location::resolve_reference;
use crate::sources::policy::LocationPolicy;
use crate::store::outbox::{AttemptOutcome, AttemptRecord, Claimed};
use crate::store::{Store, StoreError, WebhookFormat};

/// How often the outbox is looked at when no scan has announced anything: deliveries
/// written by another worker, and retries coming due.
const POLL: Duration = Duration::from_millis(250);
/// How often the `assay_outbox_pending` gauge is refreshed.
const STATS_EVERY: Duration = Duration::from_secs(5);
/// Longest wait a receiver's `Retry-After` can ask for: a receiver must not be able to
/// park deliveries for days (the dead-letter deadline still applies).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Longest error text kept per attempt.
const MAX_ERROR_CHARS: usize = 300;
/// How much of a failed answer's body is kept in the attempt's error, to say why.
const BODY_SNIPPET_CHARS: usize = 120;

/// How one worker delivers.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// This worker's name in leases and attempts.
    pub worker: String,
    /// Longest one attempt may take, from connecting to the end of the answer.
    pub timeout: Duration,
    /// Most of an answer that is read; a longer one fails the attempt.
    pub max_response_bytes: usize,
    /// First retry delay; doubles per failed attempt, with jitter.
    pub backoff: Duration,
    /// Longest retry delay of our own (a receiver's `Retry-After` may ask for longer, up
    /// to [`MAX_RETRY_AFTER`]).
    pub max_backoff: Duration,
    /// How long after its event a delivery is given up.
    pub dead_after: Duration,
    /// Deliveries in flight at once.
    pub concurrency: usize,
}

impl DeliveryConfig {
    /// The delivery settings of `assay serve`'s configuration, for worker `worker`.
    pub fn from_serve(cfg: &ServeConfig, worker: &str) -> DeliveryConfig {
        DeliveryConfig {
            worker: worker.to_string(),
            timeout: cfg.webhook_timeout.0,
            max_response_bytes: cfg.webhook_max_response_bytes,
            backoff: cfg.webhook_backoff.0,
            max_backoff: cfg.webhook_max_backoff.0,
            dead_after: cfg.webhook_dead_after.0,
            concurrency: cfg.delivery_concurrency,
        }
    }

    /// The lease on a claimed delivery: longer than an attempt and its recording, so that
    /// only a dead worker's deliveries are taken over.
    fn lease(&self) -> Duration {
        self.timeout.saturating_mul(2) + Duration::from_secs(30)
    }
}

/// Why the delivery loop could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("building the webhook HTTP client: {0}")]
    Client(String),
}

/// Why one attempt failed, as recorded with it (never the secret nor the URL).
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    /// The signing secret's reference is refused or does not resolve (never its content).
    #[error("secret: {0}")]
    Secret(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no complete answer within {0}")]
    Timeout(String),
    #[error("HTTP {status}{snippet}")]
    Status { status: u16, snippet: String },
    #[error("the answer is longer than {limit} bytes (HTTP {status}); stopped reading")]
    TooLarge { status: u16, limit: usize },
    #[error("sending or reading the answer: {0}")]
    Transport(String),
}

/// What one attempt came to.
struct Attempt {
    status_code: Option<u16>,
    result: Result<(), AttemptError>,
    /// The receiver's `Retry-After`, when it gave one.
    retry_after: Option<Duration>,
}

/// One worker's delivery loop over a store.
pub struct Deliverer {
    store: Store,
    cfg: DeliveryConfig,
    policy: LocationPolicy,
    http: reqwest::Client,
}

impl Deliverer {
    /// A delivery loop for `store`; secret references must be allowed by `policy`.
    pub fn new(store: Store, cfg: DeliveryConfig, policy: LocationPolicy) -> Result<Deliverer, DeliverError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("assay/", env!("CARGO_PKG_VERSION")))
            // A redirect would send the signed body somewhere the operator did not name.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(cfg.timeout)
            .build()
            .map_err(|e| DeliverError::Client(e.to_string()))?;
        Ok(Deliverer { store, cfg, policy, http })
    }

    /// Runs until `shutdown` turns true: claims due deliveries (woken by `wake` when a
    /// scan announced events, else every 250 ms), at most `concurrency` in flight. At
    /// shutdown no more are claimed; those in flight may finish within the request
    /// timeout, then any left are stopped and their leases released, so that they go out
    /// at once from another worker or after a restart. Store errors are logged and
    /// retried at the next poll.
    pub async fn run(self: Arc<Self>, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) {
        let mut inflight: JoinSet<()> = JoinSet::new();
        let mut stats_at: Option<Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            let free = self.cfg.concurrency.saturating_sub(inflight.len());
            if free > 0 {
                match self.claim(free).await {
                    Ok((now, rows)) => {
                        let claimed = Instant::now();
                        for row in rows {
                            inflight.spawn(self.clone().deliver(row, now, claimed));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook deliveries failed; retrying"),
                }
            }
            if stats_at.is_none_or(|t| t.elapsed() >= STATS_EVERY) {
                stats_at = Some(Instant::now());
                match self.store.outbox_stats().await {
                    Ok(s) => metrics::gauge!("assay_outbox_pending").set(s.pending as f64),
                    Err(e) => tracing::warn!(error = %e, "counting pending webhook deliveries failed"),
                }
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
                Some(done) = inflight.join_next(), if !inflight.is_empty() => log_panic(done),
                changed = shutdown.changed() => if changed.is_err() { break },
            }
        }
        let grace = self.cfg.timeout + Duration::from_secs(5);
        let drained = tokio::time::timeout(grace, async {
            while let Some(done) = inflight.join_next().await {
                log_panic(done);
            }
        })
        .await;
        if drained.is_err() {
            inflight.abort_all();
            while inflight.join_next().await.is_some() {}
            match self.store.release_deliveries(&self.cfg.worker).await {
                Ok(n) => tracing::warn!(deliveries = n, "webhook deliveries stopped at shutdown; leases released"),
                Err(e) => tracing::error!(error = %e, "releasing webhook deliveries at shutdown failed; they go out when their leases expire"),
            }
        }
    }

    /// Due deliveries, and the store's time they were claimed at.
    async fn claim(&self, limit: usize) -> Result<(DateTime<Utc>, Vec<Claimed>), StoreError> {
        let now = self.store.now().await?;
        Ok((now, self.store.claim_deliveries(&self.cfg.worker, now, self.cfg.lease(), limit as i64).await?))
    }

    /// One attempt at one claimed delivery, recorded with its outcome. Times are on the
    /// store's clock (as leases and due times are): `now` when claimed, plus the monotonic
    /// time since `claimed`, which spares a round trip per attempt.
    async fn deliver(self: Arc<Self>, row: Claimed, now: DateTime<Utc>, claimed: Instant) {
        if let Err(e) = self.try_deliver(&row, now, claimed).await {
            // The attempt (if made) is not recorded: the lease expires and the delivery is
            // tried again, which at-least-once allows.
            tracing::error!(error = %e, event_id = %row.event_id, "recording a webhook delivery failed");
        }
    }

    async fn try_deliver(&self, row: &Claimed, now: DateTime<Utc>, claimed: Instant) -> Result<(), StoreError> {
        let hook = match self.store.webhook_by_id(row.webhook_id).await? {
            Some((hook, false)) => hook,
            _ => {
                if self.store.dead_letter(row.id, &self.cfg.worker, "webhook removed").await? {
                    metrics::counter!("assay_webhook_deliveries_total", "outcome" => "dead").increment(1);
                    tracing::warn!(event_id = %row.event_id, webhook_id = row.webhook_id, "webhook removed; delivery dead-lettered");
                }
                return Ok(());
            }
        };
        let at = now + chrono::Duration::from_std(claimed.elapsed()).unwrap_or_default();
        let started = Instant::now();
        let attempt = match render(row, hook.spec.format, at) {
            Ok(body) => self.send(&hook.spec.url, hook.spec.secret.as_deref(), &row.event_id, body).await,
            Err(why) => {
                // Nothing a retry could change: the row's body is not what `announce` writes.
                let reason = format!("the stored event is not valid JSON ({why})");
                if self.store.dead_letter(row.id, &self.cfg.worker, &reason).await? {
                    metrics::counter!("assay_webhook_deliveries_total", "outcome" => "dead").increment(1);
                    tracing::error!(event_id = %row.event_id, webhook = %hook.spec.name, reason, "delivery dead-lettered");
                }
                return Ok(());
            }
        };
        let took = started.elapsed();
        let ended = at + chrono::Duration::from_std(took).unwrap_or_default();
        let error = attempt.result.as_ref().err().map(|e| cap(&e.to_string(), MAX_ERROR_CHARS));
        let outcome = match &attempt.result {
            Ok(()) => AttemptOutcome::Delivered,
            Err(_) => {
                let deadline = row.created_at + chrono::Duration::from_std(self.cfg.dead_after).unwrap_or(chrono::Duration::MAX);
                if ended >= deadline {
                    AttemptOutcome::Dead(format!(
                        "not delivered within {} after {} attempts; last: {}",
                        format_duration(self.cfg.dead_after),
                        row.attempts + 1,
                        error.as_deref().unwrap_or_default()
                    ))
                } else {
                    let delay = retry_delay(&self.cfg, row.attempts, attempt.retry_after, &mut rand::rng());
                    // One last attempt at the deadline rather than none past it.
                    AttemptOutcome::Retry((ended + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)).min(deadline))
                }
            }
        };
        let record = AttemptRecord { worker: &self.cfg.worker, at, status_code: attempt.status_code, error: error.as_deref(), duration: took };
        let applied = self.store.record_attempt(row.id, &record, &outcome).await?;
        match &outcome {
            AttemptOutcome::Delivered => {
                metrics::counter!("assay_webhook_deliveries_total", "outcome" => "delivered").increment(1);
                let latency = (Utc::now() - row.created_at).to_std().unwrap_or_default();
                metrics::histogram!("assay_webhook_delivery_seconds").record(latency.as_secs_f64());
                tracing::info!(event_id = %row.event_id, event = %row.event, webhook = %hook.spec.name, attempts = row.attempts + 1, latency_ms = latency.as_millis() as u64, "webhook delivered");
            }
            AttemptOutcome::Retry(next) => {
                metrics::counter!("assay_webhook_deliveries_total", "outcome" => "failed").increment(1);
                tracing::warn!(event_id = %row.event_id, webhook = %hook.spec.name, attempts = row.attempts + 1, error = error.as_deref().unwrap_or_default(), next_attempt = %next.to_rfc3339_opts(SecondsFormat::Millis, true), applied, "webhook delivery failed; will retry");
            }
            AttemptOutcome::Dead(reason) => {
                metrics::counter!("assay_webhook_deliveries_total", "outcome" => "dead").increment(1);
                tracing::error!(event_id = %row.event_id, webhook = %hook.spec.name, reason, applied, "webhook delivery given up (dead-lettered)");
            }
        }
        Ok(())
    }

    /// POSTs `body`, signed with the secret `secret_ref` refers to (when there is one),
    /// bounded by the timeout and the response size limit.
    async fn send(&self, url: &str, secret_ref: Option<&str>, event_id: &str, body: Vec<u8>) -> Attempt {
        let signature = match secret_ref.map(|r| self.secret(r)) {
            None => None,
            Some(Ok(secret)) => Some(sign(secret.as_bytes(), &body)),
            Some(Err(e)) => return Attempt { status_code: None, result: Err(e), retry_after: None },
        };
        let mut req = self.http.post(url).header("Content-Type", "application/json").header("Idempotency-Key", event_id).body(body);
        if let Some(sig) = signature {
            req = req.header("X-Assay-Signature", sig);
        }
        let limit = self.cfg.max_response_bytes;
        let exchange = async move {
            let mut resp = req.send().await.map_err(|e| (0, None, transport(e, None)))?;
            let status = resp.status().as_u16();
            let retry_after = resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, Utc::now()));
            // Read the answer to its end (so the connection can be reused), but never more
            // than `limit`: a receiver that streams forever fails here, not at the timeout.
            let mut read = 0usize;
            let mut snippet = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| (status, retry_after, transport(e, Some(status))))? {
                read += chunk.len();
                if snippet.len() < BODY_SNIPPET_CHARS {
                    snippet.extend_from_slice(&chunk[..chunk.len().min(BODY_SNIPPET_CHARS - snippet.len())]);
                }
                if read > limit {
                    return Err((status, retry_after, AttemptError::TooLarge { status, limit }));
                }
            }
            Ok::<_, (u16, Option<Duration>, AttemptError)>((status, retry_after, snippet))
        };
        match tokio::time::timeout(self.cfg.timeout, exchange).await {
            Err(_) => Attempt { status_code: None, result: Err(AttemptError::Timeout(format_span(self.cfg.timeout))), retry_after: None },
            Ok(Err((status, retry_after, e))) => Attempt { status_code: Some(status).filter(|s| *s != 0), result: Err(e), retry_after },
            Ok(Ok((status, retry_after, snippet))) => {
                let result = if (200..300).contains(&status) {
                    Ok(())
                } else {
                    let text = printable(&String::from_utf8_lossy(&snippet));
                    Err(AttemptError::Status { status, snippet: if text.is_empty() { String::new() } else { format!(": {text}") } })
                };
                Attempt { status_code: Some(status), result, retry_after }
            }
        }
    }

    /// The signing secret: the reference must be one the operator allows (as when the
    /// webhook was declared: the policy may have changed since); what it holds is never
    /// quoted.
    fn secret(&self, reference: &str) -> Result<String, AttemptError> {
        self.policy.check_secret(reference).map_err(|e| AttemptError::Secret(e.to_string()))?;
        let secret = resolve_reference(reference.trim()).map_err(|_| AttemptError::Secret(format!("`{reference}` cannot be resolved")))?;
        if secret.is_empty() {
            return Err(AttemptError::Secret(format!("`{reference}` is empty")));
        }
        Ok(secret)
    }
}

fn log_panic(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        if e.is_panic() {
            tracing::error!(error = %e, "a webhook delivery task failed");
        }
    }
}

/// `sha256=<hex HMAC-SHA256 of body>`, the `X-Assay-Signature` header.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The body of one attempt: the stored event with `sent_at` after its `id` (DESIGN.md,
/// "Alerts on the wire"), or a Slack message made from it.
fn render(row: &Claimed, format: WebhookFormat, now: DateTime<Utc>) -> Result<Vec<u8>, String> {
    let event: serde_json::Map<String, Value> = serde_json::from_str(&row.payload_json).map_err(|e| e.to_string())?;
    let body = match format {
        WebhookFormat::Json => {
            let sent_at = Value::String(now.to_rfc3339_opts(SecondsFormat::Millis, true));
            let mut out = serde_json::Map::with_capacity(event.len() + 1);
            for (k, v) in event {
                let after = k == "id";
                out.insert(k, v);
                if after {
                    out.insert("sent_at".into(), sent_at.clone());
                }
            }
            out.entry("sent_at").or_insert(sent_at);
            Value::Object(out)
        }
        WebhookFormat::Slack => serde_json::json!({ "text": slack_text(&event) }),
    };
    serde_json::to_vec(&body).map_err(|e| e.to_string())
}

/// A one-paragraph Slack message: what happened, where, and the link; masked evidence
/// only (the event holds nothing else).
fn slack_text(event: &serde_json::Map<String, Value>) -> String {
    let s = |v: &Value| esc(v.as_str().unwrap_or_default());
    let kind = event.get("event").and_then(Value::as_str).unwrap_or_default();
    if let Some(a) = event.get("alert") {
        let what = match kind {
            "alert.opened" => "New alert",
            "alert.reopened" => "Alert reopened",
            "alert.resolved" => "Alert resolved",
            _ => "Alert",
        };
        let rate = a["match_rate"].as_f64().map(|r| format!(", match rate {:.2} %", r * 100.0)).unwrap_or_default();
        let evidence: Vec<String> = a["evidence"].as_array().into_iter().flatten().filter_map(Value::as_str).map(|e| format!("`{}`", esc(e))).collect();
        let evidence = if evidence.is_empty() { String::new() } else { format!(" Evidence: {}.", evidence.join(", ")) };
        format!(
            "*Assay — {what}* in feature set *{}*: column `{}` of `{}` (`{}`) holds `{}` (severity {}{rate}).{evidence} <{}|Alert {}>",
            s(&a["feature_set"]),
            s(&a["column"]),
            s(&a["source"]),
            s(&a["dataset"]),
            s(&a["label"]),
            s(&a["severity"]),
            s(&a["url"]),
            a["id"]
        )
    } else if let Some(fs) = event.get("feature_set") {
        format!("*Assay — gate failed* for feature set *{}*. <{}|Open it>", s(&fs["name"]), s(&fs["url"]))
    } else {
        format!("*Assay* — {}", esc(kind))
    }
}

/// Slack's three control characters in message text.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The delay before the next attempt after `previous` failed ones and this one: the
/// receiver's `Retry-After` when given (it knows when it will be back; capped at
/// [`MAX_RETRY_AFTER`], and by the dead-letter deadline where the caller applies it), else
/// `backoff · 2^previous` capped by `max_backoff`, of which the second half is random (so
/// that deliveries that failed together do not come back together).
pub fn retry_delay(cfg: &DeliveryConfig, previous: i64, retry_after: Option<Duration>, rng: &mut impl Rng) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(MAX_RETRY_AFTER);
    }
    let exp = cfg.backoff.saturating_mul(1u32 << previous.clamp(0, 20) as u32).min(cfg.max_backoff);
    exp / 2 + exp.mul_f64(0.5 * rng.random::<f64>())
}

/// A `Retry-After` value: whole seconds or an HTTP date (a date in the past is no wait).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(86_400 * 365)));
    }
    let at = DateTime::parse_from_rfc2822(v).ok()?;
    Some((at.with_timezone(&Utc) - now).to_std().unwrap_or(Duration::ZERO))
}

/// A transport error, without its URL, saying which step failed.
fn transport(e: reqwest::Error, status: Option<u16>) -> AttemptError {
    let e = e.without_url();
    let text = printable(&crate::sources::location::error_chain(&e));
    if e.is_connect() && status.is_none() {
        AttemptError::Connect(text)
    } else {
        AttemptError::Transport(text)
    }
}

/// `text` on one line without control characters (a receiver chooses its body).
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string()
}

/// At most `n` characters of `text`, marked when cut.
fn cap(text: &str, n: usize) -> String {
    match text.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// A duration as humantime prints it (`10s`, `500ms`).
fn format_span(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> DeliveryConfig {
        DeliveryConfig {
            worker: "w".into(),
            timeout: Duration::from_secs(10),
            max_response_bytes: 1024,
            backoff: Duration::from_secs(5),
            max_backoff: Duration::from_secs(600),
            dead_after: Duration::from_secs(86_400),
            concurrency: 4,
        }
    }

    fn claimed(payload: &str) -> Claimed {
        Claimed { id: 1, event_id: "evt_1".into(), webhook_id: 1, event: "alert.opened".into(), payload_json: payload.into(), created_at: Utc::now(), attempts: 0 }
    }

    #[test]
    fn the_signature_is_the_hmac_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn backoff_doubles_with_jitter_and_honours_retry_after_capped() {
        let c = cfg();
        let mut rng = rand::rng();
        for previous in 0..12 {
            let d = retry_delay(&c, previous, None, &mut rng);
            let exp = (c.backoff * 2u32.pow(previous as u32)).min(c.max_backoff);
            assert!(d >= exp / 2 && d <= exp, "{previous}: {d:?} for {exp:?}");
        }
        assert_eq!(retry_delay(&c, 3, Some(Duration::from_secs(7)), &mut rng), Duration::from_secs(7));
        assert_eq!(retry_delay(&c, 0, Some(Duration::from_secs(1800)), &mut rng), Duration::from_secs(1800));
        assert_eq!(retry_delay(&c, 0, Some(Duration::from_secs(86_400)), &mut rng), MAX_RETRY_AFTER);
        assert!(retry_delay(&c, i64::MAX, None, &mut rng) <= c.max_backoff);
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:28:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn the_body_gets_sent_at_after_its_id_and_slack_gets_masked_text() {
        let payload = r#"{"event":"alert.opened","id":"evt_1","alert":{"id":17,"feature_set":"churn","source":"customers","dataset":"customers","column":"notes","label":"pii.email","severity":"high","match_rate":0.01,"evidence":["j***@e******.com"],"url":"http://assay/alerts/17"}}"#;
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").unwrap().with_timezone(&Utc);
        let body: Value = serde_json::from_slice(&render(&claimed(payload), WebhookFormat::Json, now).unwrap()).unwrap();
        let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["event", "id", "sent_at", "alert"]);
        assert_eq!(body["sent_at"], "2026-11-22T10:00:00.000Z");
        let slack: Value = serde_json::from_slice(&render(&claimed(payload), WebhookFormat::Slack, now).unwrap()).unwrap();
        let text = slack["text"].as_str().unwrap();
        assert!(text.contains("`notes`") && text.contains("pii.email") && text.contains("j***@e******.com") && text.contains("<http://assay/alerts/17|Alert 17>"), "{text}");
        assert_eq!(slack.as_object().unwrap().len(), 1);
        assert!(render(&claimed("not json"), WebhookFormat::Json, now).is_err());
    }

    #[test]
    fn errors_are_capped_and_on_one_line() {
        assert_eq!(cap("abcdef", 3), "abc…");
        assert_eq!(cap("abc", 3), "abc");
        assert_eq!(printable("a\nb\r\u{7}c"), "a b  c");
    }
}
