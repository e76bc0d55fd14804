//! Webhook delivery through the outbox, tested for real: `assay serve` (the binary) scans a
//! directory of CSV files that contaminates a feature set, and a real HTTP receiver in the
//! test process (`common::receiver`) takes the alerts — or refuses connections, answers
//! 503 with `Retry-After`, answers too slowly or endlessly. What was sent is read back
//! from the receiver and from the store (`outbox`, `delivery_attempts`,
//! `Store::deliveries`).
//!
//! The source, webhooks and feature sets are declared through the service's API and CLI,
//! then the source is scanned with `assay sources scan`.

use crate::common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use assay::store::{AlertFilter, FeatureSetSpec, MemberSpec, Store, WebhookFormat, WebhookSpec};
use common::receiver::{Mode, Receiver};
use common::service::Service;
use hmac::Mac;
use sqlx::Row;

/// Where a test's store lives: a SQLite file in its temp dir, or a fresh Postgres database.
enum Backend {
    Sqlite,
    Postgres,
}

/// One test's store, data and runtime.
struct Setup {
    rt: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    db: String,
    store: Store,
    _pg: Option<common::pg::TestDb>,
}

/// A webhook as the tests declare it.
struct Hook<'a> {
    name: &'a str,
    path: &'a str,
    secret: Option<String>,
    format: WebhookFormat,
    global: bool,
}

impl<'a> Hook<'a> {
    fn plain(name: &'a str, path: &'a str) -> Hook<'a> {
        Hook { name, path, secret: None, format: WebhookFormat::Json, global: true }
    }
}

/// One outbox row, with its webhook's name.
#[derive(Debug, Clone)]
struct OutRow {
    id: i64,
    event_id: String,
    webhook: String,
    status: String,
    attempts: i64,
    created_ms: i64,
    last_error: Option<String>,
    dead_reason: Option<String>,
}

/// One delivery attempt.
#[derive(Debug, Clone)]
struct AttemptRow {
    outbox_id: i64,
    at_ms: i64,
    worker: String,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

/// Runs the same query code on whichever pool the store holds.
macro_rules! on_store {
    ($store:expr, |$p:ident| $body:expr) => {
        match $store {
            Store::Postgres($p) => $body,
            Store::Sqlite($p) => $body,
        }
    };
}

impl Setup {
    fn new(backend: Backend) -> Setup {
        common::pg::install_crypto();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (db, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", dir.path().join("assay.db").display()), None),
            Backend::Postgres => {
                let pg = rt.block_on(common::pg::TestDb::new());
                (pg.dsn().to_string(), Some(pg))
            }
        };
        let store = rt.block_on(async {
            let s = Store::open(&db).await.expect("open the store");
            s.migrate().await.expect("migrate");
            s
        });
        Setup { rt, dir, db, store, _pg: pg }
    }

    /// The source's directory (created empty).
    fn lake(&self) -> std::path::PathBuf {
        let data = self.dir.path().join("lake");
        std::fs::create_dir_all(&data).unwrap();
        data
    }

    /// Writes the data: one CSV file in [`Setup::lake`] whose `contact_1..=columns` hold
    /// e-mail addresses.
    fn data(&self, columns: usize) {
        let data = self.lake();
        let mut csv = String::from("id");
        for c in 1..=columns {
            csv.push_str(&format!(",contact_{c}"));
        }
        csv.push('\n');
        for i in 0..40 {
            csv.push_str(&i.to_string());
            for c in 1..=columns {
                csv.push_str(&format!(",grace.hopper{i}.{c}@example.com"));
            }
            csv.push('\n');
        }
        std::fs::write(data.join("customers.csv"), csv).unwrap();
    }

    /// Through `svc`, as users do: registers the source `customers` over [`Setup::lake`],
    /// declares the webhooks (global, or linked to `fs1`) and `feature_sets` feature sets
    /// (`fs1`…) each declaring every column free of labels, writes the data
    /// ([`Setup::data`]) and scans the source. Every (feature set, contact column) becomes
    /// an alert, and every gate fails.
    ///
    /// The data comes last: a scan skips files it has read unchanged, so had the scheduled
    /// scan that follows registration read the file before the feature sets existed, no
    /// later scan would look at its columns again.
    fn contaminate(&self, svc: &Service, columns: usize, feature_sets: usize, hooks: &[Hook], receiver: &Receiver) {
        svc.add("customers", &self.lake().display().to_string(), &["--interval", "1h"]);
        for h in hooks {
            let spec = WebhookSpec { name: h.name.into(), url: receiver.url(h.path), secret: h.secret.clone(), format: h.format, global: h.global };
            let (code, body) = svc.call("PUT", &format!("/api/v1/webhooks/{}", h.name), &serde_json::to_vec(&spec).unwrap());
            assert_eq!(code, 201, "declaring webhook {}: {body}", h.name);
        }
        let linked: Vec<String> = hooks.iter().filter(|h| !h.global).map(|h| h.name.to_string()).collect();
        for f in 1..=feature_sets {
            let spec = FeatureSetSpec {
                name: format!("fs{f}"),
                description: "declared free of personal data".into(),
                owner: "ml-team".into(),
                webhooks: if f == 1 { linked.clone() } else { vec![] },
                members: vec![MemberSpec { source: "customers".into(), columns: None, allow: vec![] }],
            };
            let (code, body) = svc.call("POST", "/api/v1/feature-sets", &serde_json::to_vec(&spec).unwrap());
            assert_eq!(code, 201, "declaring feature set fs{f}: {body}");
        }
        self.data(columns);
        let out = svc.cli(&["sources", "scan", "customers"]);
        assert!(out.status.success(), "scanning: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Every outbox row, by id.
    fn outbox(&self) -> Vec<OutRow> {
        const SQL: &str = "SELECT o.id, o.event_id, w.name, o.status, o.attempts, o.created_ms, o.last_error, o.dead_reason FROM outbox o JOIN webhooks w ON w.id = o.webhook_id ORDER BY o.id";
        self.rt.block_on(async {
            on_store!(&self.store, |p| sqlx::query(SQL)
                .fetch_all(p)
                .await
                .unwrap()
                .iter()
                .map(|r| OutRow {
                    id: r.get(0),
                    event_id: r.get(1),
                    webhook: r.get(2),
                    status: r.get(3),
                    attempts: r.get(4),
                    created_ms: r.get(5),
                    last_error: r.get(6),
                    dead_reason: r.get(7),
                })
                .collect())
        })
    }

    /// Every delivery attempt, in the order recorded.
    fn attempts(&self) -> Vec<AttemptRow> {
        const SQL: &str = "SELECT outbox_id, at_ms, worker, status_code, error, duration_ms FROM delivery_attempts ORDER BY id";
        self.rt.block_on(async {
            on_store!(&self.store, |p| sqlx::query(SQL)
                .fetch_all(p)
                .await
                .unwrap()
                .iter()
                .map(|r| AttemptRow { outbox_id: r.get(0), at_ms: r.get(1), worker: r.get(2), status_code: r.get(3), error: r.get(4), duration_ms: r.get(5) })
                .collect())
        })
    }

    /// Waits until `done(outbox)` holds (and the outbox is not empty), for at most `within`.
    fn wait_outbox(&self, within: Duration, what: &str, done: impl Fn(&[OutRow]) -> bool) -> Vec<OutRow> {
        let deadline = Instant::now() + within;
        loop {
            let rows = self.outbox();
            if !rows.is_empty() && done(&rows) {
                return rows;
            }
            assert!(Instant::now() < deadline, "{what}: not within {within:?}; outbox: {rows:#?}\nattempts: {:#?}", self.attempts());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The event of outbox row `id`.
    fn outbox_event(&self, id: i64) -> String {
        self.rt.block_on(async { on_store!(&self.store, |p| sqlx::query("SELECT event FROM outbox WHERE id = $1").bind(id).fetch_one(p).await.unwrap().get(0)) })
    }

    fn alert_ids(&self) -> Vec<i64> {
        self.rt.block_on(self.store.alerts(&AlertFilter { limit: 1000, ..Default::default() })).unwrap().iter().map(|a| a.id).collect()
    }
}

/// The receiver path each webhook posts to, by webhook name.
fn paths(hooks: &[Hook]) -> HashMap<String, String> {
    hooks.iter().map(|h| (h.name.to_string(), h.path.to_string())).collect()
}

/// (path, Idempotency-Key) of every outbox row: what the receiver must get once each.
fn expected(rows: &[OutRow], paths: &HashMap<String, String>) -> BTreeSet<(String, String)> {
    rows.iter().map(|r| (paths[&r.webhook].clone(), r.event_id.clone())).collect()
}

/// Asserts that the receiver acknowledged each expected (path, key) exactly once and
/// nothing else.
fn assert_exactly_once(receiver: &Receiver, want: &BTreeSet<(String, String)>) {
    let mut got: HashMap<(String, String), usize> = HashMap::new();
    for r in receiver.accepted() {
        *got.entry((r.path.clone(), r.key().to_string())).or_default() += 1;
    }
    let twice: Vec<_> = got.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "acknowledged more than once: {twice:?}");
    let got: BTreeSet<(String, String)> = got.into_keys().collect();
    assert_eq!(&got, want, "acknowledged deliveries differ from the outbox");
}

/// Settings that make retries come round quickly.
fn quick_retries(extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut env = vec![("ASSAY_WEBHOOK_BACKOFF", "200ms".to_string()), ("ASSAY_WEBHOOK_MAX_BACKOFF", "1s".to_string())];
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    env
}

fn start(setup: &Setup, worker: &str, args: &[&str], env: &[(&'static str, String)]) -> Service {
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.clone())).collect();
    Service::start(&setup.db, worker, args, &env)
}

/// The receiver refuses connections for a while, then answers 503 with `Retry-After: 3`
/// (longer than the service's own 1 s backoff cap), then 200: every alert arrives exactly
/// once per webhook by its Idempotency-Key, the 503s were waited out as asked, and each
/// alert's deliveries show every attempt.
fn receiver_down_then_back(backend: Backend) {
    let setup = Setup::new(backend);
    let mut receiver = Receiver::new();
    let hooks = [Hook::plain("hook-a", "/a"), Hook::plain("hook-b", "/b")];
    let svc = start(&setup, "w1", &[], &quick_retries(&[]));
    setup.contaminate(&svc, 3, 1, &hooks, &receiver);
    // Refused: every delivery has failed at least twice.
    let rows = setup.wait_outbox(Duration::from_secs(60), "two refused attempts each", |rows| rows.iter().all(|r| r.attempts >= 2));
    assert_eq!(rows.len(), 8, "(3 alerts + the gate failing) × 2 webhooks: {rows:#?}");
    for r in &rows {
        assert_eq!(r.status, "pending");
        assert!(r.last_error.as_deref().is_some_and(|e| e.contains("cannot connect")), "{r:?}");
    }
    assert!(receiver.received().is_empty());
    assert_eq!(setup.rt.block_on(setup.store.outbox_stats()).unwrap().pending, 8);
    // Back, but busy: 503 with Retry-After until every delivery has been told so.
    receiver.set_mode(Mode::Unavailable { retry_after: Some("3".into()) });
    receiver.start();
    let want = expected(&rows, &paths(&hooks));
    receiver.wait_until(Duration::from_secs(30), "a 503 for every delivery", |rc| {
        let told: BTreeSet<(String, String)> = rc.received().iter().map(|r| (r.path.clone(), r.key().to_string())).collect();
        told == want
    });
    receiver.set_mode(Mode::Accept { delay: Duration::ZERO });
    let rows = setup.wait_outbox(Duration::from_secs(30), "all delivered", |rows| rows.iter().all(|r| r.status == "delivered"));
    assert_exactly_once(&receiver, &want);
    // Retry-After honoured: the attempt after a 503 came at least 3 s after it ended,
    // although the service's own backoff never waits more than 1 s.
    let attempts = setup.attempts();
    let mut waited = 0;
    for r in &rows {
        let mine: Vec<&AttemptRow> = attempts.iter().filter(|a| a.outbox_id == r.id).collect();
        for pair in mine.windows(2) {
            if pair[0].status_code == Some(503) {
                let gap = pair[1].at_ms - (pair[0].at_ms + pair[0].duration_ms);
                assert!(gap >= 2990, "retried {gap} ms after a 503 with Retry-After: 3: {mine:#?}");
                waited += 1;
            }
        }
    }
    assert!(waited >= 8, "every delivery saw a 503 and waited: {attempts:#?}");
    // Each alert shows its deliveries: refused, 503, then 200.
    for alert in setup.alert_ids() {
        let deliveries = setup.rt.block_on(setup.store.deliveries(alert)).unwrap();
        assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
        for d in &deliveries {
            assert_eq!((d.status.as_str(), d.last_status, d.next_attempt_at, d.dead_reason.as_deref()), ("delivered", Some(200), None, None), "{d:#?}");
            assert_eq!(d.attempts as usize, d.history.len());
            assert!(d.history[0].error.as_deref().is_some_and(|e| e.contains("cannot connect")) && d.history[0].status_code.is_none(), "{d:#?}");
            assert!(d.history.iter().any(|a| a.status_code == Some(503) && a.error.as_deref().is_some_and(|e| e.contains("HTTP 503"))), "{d:#?}");
            assert!(d.delivered_at.is_some() && d.history.last().unwrap().error.is_none());
        }
    }
    assert_eq!(setup.rt.block_on(setup.store.outbox_stats()).unwrap().pending, 0);
    svc.stop();
}

#[test]
fn receiver_down_then_back_every_alert_arrives_once_sqlite() {
    receiver_down_then_back(Backend::Sqlite);
}

#[test]
fn receiver_down_then_back_every_alert_arrives_once_postgres() {
    receiver_down_then_back(Backend::Postgres);
}

/// `assay serve` killed with SIGKILL after the alerts were committed and before they were
/// delivered (the receiver refused): a new process delivers them, once each.
fn delivered_after_kill_9(backend: Backend) {
    let setup = Setup::new(backend);
    let mut receiver = Receiver::new();
    let hooks = [Hook::plain("hook", "/hook")];
    // A short request timeout keeps the lease short (2 × timeout + 30 s), in case the kill
    // lands mid-attempt and the new process must wait the lease out.
    let env = quick_retries(&[("ASSAY_WEBHOOK_TIMEOUT", "2s")]);
    let mut first = start(&setup, "before-kill", &[], &env);
    setup.contaminate(&first, 2, 1, &hooks, &receiver);
    let rows = setup.wait_outbox(Duration::from_secs(60), "a refused attempt each", |rows| rows.iter().all(|r| r.attempts >= 1));
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert!(rows.iter().all(|r| r.status == "pending"), "{rows:#?}");
    receiver.start();
    let second = start(&setup, "after-kill", &[], &env);
    let rows = setup.wait_outbox(Duration::from_secs(90), "delivered after the restart", |rows| rows.iter().all(|r| r.status == "delivered"));
    assert_eq!(rows.len(), 3, "2 alerts and the gate failing");
    assert_exactly_once(&receiver, &expected(&rows, &paths(&hooks)));
    let attempts = setup.attempts();
    for r in &rows {
        let mine: Vec<&AttemptRow> = attempts.iter().filter(|a| a.outbox_id == r.id).collect();
        assert!(mine.first().is_some_and(|a| a.worker == "before-kill" && a.status_code.is_none()), "{mine:#?}");
        assert!(mine.last().is_some_and(|a| a.worker == "after-kill" && a.status_code == Some(200)), "{mine:#?}");
    }
    drop(first);
    second.stop();
}

#[test]
fn delivered_after_kill_9_sqlite() {
    delivered_after_kill_9(Backend::Sqlite);
}

#[test]
fn delivered_after_kill_9_postgres() {
    delivered_after_kill_9(Backend::Postgres);
}

/// Two workers on one Postgres deliver 108 messages to a receiver that takes 30 ms per
/// request and fails every 7th with a 503: no message is ever in flight twice at once,
/// each is acknowledged exactly once, both workers take part, and every request the
/// receiver saw is a recorded attempt.
#[test]
fn two_workers_never_send_the_same_message_at_once() {
    let setup = Setup::new(Backend::Postgres);
    let mut receiver = Receiver::new();
    receiver.set_mode(Mode::Flaky { n: 7, delay: Duration::from_millis(30) });
    receiver.start();
    let hooks = [Hook::plain("hook-a", "/a"), Hook::plain("hook-b", "/b")];
    let env = quick_retries(&[("ASSAY_DELIVERY_CONCURRENCY", "4")]);
    let one = start(&setup, "worker-1", &[], &env);
    let two = start(&setup, "worker-2", &[], &env);
    setup.contaminate(&one, 8, 6, &hooks, &receiver);
    let rows = setup.wait_outbox(Duration::from_secs(120), "all delivered", |rows| rows.iter().all(|r| r.status == "delivered"));
    assert_eq!(rows.len(), 108, "(8 columns + the gate failing) × 6 feature sets × 2 webhooks");
    assert!(receiver.overlaps().is_empty(), "sent twice at once: {:?}", receiver.overlaps());
    assert_exactly_once(&receiver, &expected(&rows, &paths(&hooks)));
    let attempts = setup.attempts();
    assert_eq!(attempts.len(), receiver.received().len(), "every request is a recorded attempt");
    assert!(attempts.iter().any(|a| a.status_code == Some(503)), "the flaky receiver made some retry");
    let workers: BTreeSet<&str> = attempts.iter().map(|a| a.worker.as_str()).collect();
    assert_eq!(workers, BTreeSet::from(["worker-1", "worker-2"]), "both workers delivered");
    one.stop();
    two.stop();
}

fn hmac_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a receiver gets: the headers DESIGN.md names, a signature that verifies with the
/// webhook's secret (from `env:` or `file:`, read at each attempt so that a rotation
/// applies at once), none without a secret, a Slack payload with masked evidence only, and
/// per-feature-set webhooks hearing only their feature set. A secret file that holds
/// nothing fails the attempt without quoting anything; a reference the operator does not
/// allow is refused when declared.
#[test]
fn deliveries_are_signed_with_the_webhooks_secret() {
    let setup = Setup::new(Backend::Sqlite);
    let mut receiver = Receiver::new();
    receiver.start();
    let env_secret = format!("whsec-env-{:016x}", rand::random::<u64>());
    let file_secret = format!("whsec-file-{:016x}", rand::random::<u64>());
    let rotated = format!("whsec-rotated-{:016x}", rand::random::<u64>());
    let forbidden = format!("not-for-webhooks-{:016x}", rand::random::<u64>());
    let secret_file = setup.dir.path().join("webhook.secret");
    std::fs::write(&secret_file, format!("{file_secret}\n")).unwrap();
    let rotating_file = setup.dir.path().join("rotating.secret");
    std::fs::write(&rotating_file, "").unwrap();
    let hooks = [
        Hook { secret: Some("env:ASSAY_WEBHOOK_SECRET".into()), ..Hook::plain("signed-env", "/env") },
        Hook { secret: Some(format!("file:{}", secret_file.display())), ..Hook::plain("signed-file", "/file") },
        Hook { secret: Some(format!("file:{}", rotating_file.display())), ..Hook::plain("rotating", "/rotating") },
        Hook::plain("unsigned", "/plain"),
        Hook { format: WebhookFormat::Slack, ..Hook::plain("slack", "/slack") },
        Hook { global: false, ..Hook::plain("fs1-only", "/only") },
    ];
    let env = vec![("ASSAY_WEBHOOK_SECRET", env_secret.clone()), ("ASSAY_FORBIDDEN_SECRET", forbidden.clone())];
    let svc = start(&setup, "w1", &["--allow-env", "ASSAY_WEBHOOK_*"], &env);
    let spec = WebhookSpec { name: "forbidden".into(), url: receiver.url("/forbidden"), secret: Some("env:ASSAY_FORBIDDEN_SECRET".into()), format: WebhookFormat::Json, global: true };
    let (code, body) = svc.call("PUT", "/api/v1/webhooks/forbidden", &serde_json::to_vec(&spec).unwrap());
    assert!(code == 400 && body.contains("ASSAY_FORBIDDEN_SECRET") && !body.contains(&forbidden), "{code} {body}");
    setup.contaminate(&svc, 1, 2, &hooks, &receiver);
    // Two alerts (one per feature set) and two gates failing; fs1's alone for fs1's webhook.
    for (path, n) in [("/env", 4), ("/file", 4), ("/plain", 4), ("/slack", 4), ("/only", 2)] {
        receiver.wait_until(Duration::from_secs(60), path, |rc| rc.accepted().iter().filter(|r| r.path == path).count() >= n);
    }
    let rows = setup.wait_outbox(Duration::from_secs(30), "the empty secret refused", |rows| rows.iter().filter(|r| r.webhook == "rotating").all(|r| r.attempts >= 1));
    for r in rows.iter().filter(|r| r.webhook == "rotating") {
        let e = r.last_error.as_deref().unwrap_or_default();
        assert!(e.contains("secret") && e.contains("rotating.secret") && e.contains("empty"), "{e}");
        assert_eq!(r.status, "pending");
    }
    assert!(receiver.received().iter().all(|r| r.path != "/rotating"), "nothing is sent unsigned when the secret is missing");
    std::fs::write(&rotating_file, format!("{rotated}\n")).unwrap();
    receiver.wait_until(Duration::from_secs(30), "/rotating after the secret is written", |rc| rc.accepted().iter().filter(|r| r.path == "/rotating").count() >= 4);
    let version = concat!("assay/", env!("CARGO_PKG_VERSION"));
    for r in receiver.received() {
        let h = &r.headers;
        assert_eq!(h["content-type"], "application/json", "{r:?}");
        assert_eq!(h["user-agent"], version);
        assert!(r.key().starts_with("evt_"), "{r:?}");
        let body = String::from_utf8(r.body.clone()).unwrap();
        assert!(!body.contains("grace.hopper") && !body.contains("@example.com"), "a raw value was sent: {body}");
        let v = r.json();
        match r.path.as_str() {
            "/env" | "/file" | "/rotating" | "/plain" | "/only" => {
                assert_eq!(v["id"], r.key(), "the Idempotency-Key is the event id");
                assert!(chrono::DateTime::parse_from_rfc3339(v["sent_at"].as_str().unwrap()).is_ok(), "{v}");
                if v["event"] == "gate.failed" {
                    assert!(v["feature_set"]["url"].as_str().unwrap().ends_with(&format!("/feature-sets/{}", v["feature_set"]["name"].as_str().unwrap())), "{v}");
                } else {
                    assert_eq!(v["event"], "alert.opened");
                    assert_eq!(v["alert"]["label"], "pii.email");
                    assert!(v["alert"]["evidence"].as_array().is_some_and(|e| !e.is_empty() && e.iter().all(|x| x.as_str().unwrap().contains('*'))), "{v}");
                }
            }
            "/slack" => {
                assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["text"]);
                let text = v["text"].as_str().unwrap();
                let alert = text.contains("contact_1") && text.contains("pii.email") && text.contains("/alerts/");
                assert!(alert || text.contains("gate failed"), "{text}");
            }
            other => panic!("nothing should reach {other}"),
        }
        let sig = h.get("x-assay-signature");
        match r.path.as_str() {
            "/env" => {
                assert_eq!(sig, Some(&hmac_hex(env_secret.as_bytes(), &r.body)), "verifies with the secret");
                assert_ne!(sig, Some(&hmac_hex(file_secret.as_bytes(), &r.body)), "and not with another");
            }
            "/file" => assert_eq!(sig, Some(&hmac_hex(file_secret.as_bytes(), &r.body))),
            "/rotating" => assert_eq!(sig, Some(&hmac_hex(rotated.as_bytes(), &r.body)), "signed with the secret as it is now"),
            _ => assert_eq!(sig, None, "no secret, no signature: {r:?}"),
        }
        if r.path == "/only" {
            assert!(v["alert"]["feature_set"] == "fs1" || v["feature_set"]["name"] == "fs1", "{v}");
        }
    }
    // The same event goes to every webhook under one key.
    let keys = |path: &str| receiver.accepted().iter().filter(|r| r.path == path).map(|r| r.key().to_string()).collect::<BTreeSet<_>>();
    assert_eq!(keys("/env"), keys("/plain"));
    assert_eq!(keys("/env"), keys("/rotating"));
    assert!(keys("/only").is_subset(&keys("/env")));
    let log = svc.stop();
    let errors: String = setup.attempts().iter().filter_map(|a| a.error.clone()).collect::<Vec<_>>().join("\n");
    for secret in [&env_secret, &file_secret, &rotated, &forbidden] {
        assert!(!log.contains(secret.as_str()) && !errors.contains(secret.as_str()), "a secret leaked");
    }
    let deliveries_log: String = log.lines().filter(|l| l.contains("assay::deliver")).collect::<Vec<_>>().join("\n");
    assert!(!deliveries_log.is_empty() && !deliveries_log.contains(&receiver.url("/")), "delivery logs name the webhook, not its URL (which may carry a token)");
}

/// A receiver that answers too slowly is cut off at the request timeout, and one that
/// streams an endless body at the size limit; both are failed attempts, retried until
/// the receiver behaves.
#[test]
fn slow_and_endless_answers_are_cut_off_and_count_as_failed() {
    let setup = Setup::new(Backend::Sqlite);
    let mut receiver = Receiver::new();
    receiver.set_mode(Mode::Slow(Duration::from_secs(4)));
    receiver.start();
    let hooks = [Hook::plain("hook", "/hook")];
    let env = quick_retries(&[("ASSAY_WEBHOOK_TIMEOUT", "1s"), ("ASSAY_WEBHOOK_MAX_RESPONSE_BYTES", "65536")]);
    let svc = start(&setup, "w1", &[], &env);
    setup.contaminate(&svc, 1, 1, &hooks, &receiver);
    let wait_attempt = |what: &str, pred: &dyn Fn(&AttemptRow) -> bool| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(a) = setup.attempts().into_iter().find(|a| pred(a)) {
                return a;
            }
            assert!(Instant::now() < deadline, "{what}: {:#?}", setup.attempts());
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let slow = wait_attempt("a timed-out attempt", &|a| a.error.as_deref().is_some_and(|e| e.contains("no complete answer within 1s")));
    assert!(slow.status_code.is_none() && (900..3000).contains(&slow.duration_ms), "{slow:?}");
    receiver.set_mode(Mode::Endless);
    let huge = wait_attempt("an over-long answer", &|a| a.error.as_deref().is_some_and(|e| e.contains("longer than 65536 bytes")));
    assert_eq!(huge.status_code, Some(200), "{huge:?}");
    assert!(huge.duration_ms < 900, "cut off by size, before the timeout: {huge:?}");
    receiver.set_mode(Mode::Accept { delay: Duration::ZERO });
    let rows = setup.wait_outbox(Duration::from_secs(30), "delivered", |rows| rows.iter().all(|r| r.status == "delivered"));
    assert_eq!(receiver.accepted_by_key().get(&rows[0].event_id), Some(&1));
    let alert = setup.alert_ids()[0];
    let d = &setup.rt.block_on(setup.store.deliveries(alert)).unwrap()[0];
    assert!(d.history.len() >= 3 && d.history.last().unwrap().status_code == Some(200), "{d:#?}");
    svc.stop();
}

/// Deliveries are given up, with a reason shown with the alert: after `webhook_dead_after`
/// of failures (one last attempt at the deadline), or at once when their webhook is removed.
fn dead_letters(backend: Backend) {
    let setup = Setup::new(backend);
    let receiver = Receiver::new();
    let hooks = [Hook::plain("down", "/down"), Hook::plain("gone", "/gone")];
    let svc = start(&setup, "w1", &[], &quick_retries(&[("ASSAY_WEBHOOK_DEAD_AFTER", "3s")]));
    setup.contaminate(&svc, 1, 1, &hooks, &receiver);
    setup.wait_outbox(Duration::from_secs(60), "a refused attempt each", |rows| rows.iter().all(|r| r.attempts >= 1));
    let (code, body) = svc.call("DELETE", "/api/v1/webhooks/gone", b"");
    assert_eq!(code, 204, "{body}");
    let rows = setup.wait_outbox(Duration::from_secs(30), "both dead", |rows| rows.iter().all(|r| r.status == "dead"));
    let by = |name: &str| rows.iter().find(|r| r.webhook == name).unwrap().clone();
    assert_eq!(by("gone").dead_reason.as_deref(), Some("webhook removed"));
    let down = by("down");
    let reason = down.dead_reason.clone().unwrap_or_default();
    assert!(reason.starts_with("not delivered within 3s after") && reason.contains("cannot connect"), "{reason}");
    let attempts = setup.attempts();
    let last = attempts.iter().rfind(|a| a.outbox_id == down.id).unwrap();
    assert!(last.at_ms + last.duration_ms >= down.created_ms + 3000, "given up only once the deadline passed: {last:?} {down:?}");
    assert!(down.attempts >= 3, "{down:?}");
    let deliveries = setup.rt.block_on(setup.store.deliveries(setup.alert_ids()[0])).unwrap();
    assert!(deliveries.iter().all(|d| d.status == "dead" && d.dead_reason.is_some() && d.next_attempt_at.is_none()), "{deliveries:#?}");
    // Nothing more is tried once dead.
    let n = setup.attempts().len();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(setup.attempts().len(), n);
    assert!(receiver.received().is_empty());
    svc.stop();
}

#[test]
fn dead_letters_sqlite() {
    dead_letters(Backend::Sqlite);
}

#[test]
fn dead_letters_postgres() {
    dead_letters(Backend::Postgres);
}

/// An alert's events reach a webhook in the order they happened, even when the later one
/// is due first: the alert opens while the receiver is down (its delivery backing off),
/// then resolves (a fresh delivery, due at once); when the receiver returns it gets
/// `opened` before `resolved`.
fn events_of_an_alert_arrive_in_order(backend: Backend) {
    let setup = Setup::new(backend);
    let mut receiver = Receiver::new();
    let hooks = [Hook::plain("hook", "/hook")];
    let svc = start(&setup, "w1", &[], &quick_retries(&[]));
    setup.contaminate(&svc, 1, 1, &hooks, &receiver);
    setup.wait_outbox(Duration::from_secs(60), "backing off", |rows| rows.iter().all(|r| r.attempts >= 3));
    let clean: String = std::iter::once("id,contact_1\n".to_string()).chain((0..40).map(|i| format!("{i},call desk {i}\n"))).collect();
    std::fs::write(setup.dir.path().join("lake/customers.csv"), clean).unwrap();
    let out = svc.cli(&["sources", "scan", "customers"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    setup.wait_outbox(Duration::from_secs(30), "the resolution queued", |rows| rows.len() == 3);
    // Due at once, yet held back while `opened` is pending (it would have failed by now).
    std::thread::sleep(Duration::from_millis(1500));
    let rows = setup.outbox();
    let resolved = rows.iter().find(|r| setup.outbox_event(r.id) == "alert.resolved").expect("a resolution").clone();
    assert_eq!(resolved.attempts, 0, "sent before the alert's opening was delivered: {rows:#?}");
    assert!(rows.iter().any(|r| r.attempts >= 4), "the others kept trying: {rows:#?}");
    receiver.start();
    let rows = setup.wait_outbox(Duration::from_secs(30), "all delivered", |rows| rows.iter().all(|r| r.status == "delivered"));
    assert_exactly_once(&receiver, &expected(&rows, &paths(&hooks)));
    let order: Vec<String> = receiver.accepted().iter().map(|r| r.json()["event"].as_str().unwrap().to_string()).filter(|e| e.starts_with("alert.")).collect();
    assert_eq!(order, ["alert.opened", "alert.resolved"]);
    svc.stop();
}

#[test]
fn events_of_an_alert_arrive_in_order_sqlite() {
    events_of_an_alert_arrive_in_order(Backend::Sqlite);
}

#[test]
fn events_of_an_alert_arrive_in_order_postgres() {
    events_of_an_alert_arrive_in_order(Backend::Postgres);
}
