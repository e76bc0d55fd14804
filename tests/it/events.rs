//! Lake events against moto's S3 and SQS, driven as users drive them: a bucket whose
//! notifications go to an SQS queue, a source registered with `--events` and an interval
//! of an hour (so only an event can explain a quick scan), objects uploaded one at a time.
//! Each is read within 10 s of its upload (p50/p99 printed for BENCHMARKS.md); an event
//! for an object outside the prefix starts no scan; a duplicate event for an object
//! already read reads nothing; handled messages leave the queue; two workers polling one
//! queue read each object once; one message naming three objects makes one scan; an event
//! whose source another worker holds is retried within seconds; a missing queue is retried
//! without stopping the worker.
//!
//! moto delivers the bucket's notifications to the queue itself (as S3 does), test event
//! included; only the duplicate (as a second delivery would look) and the three-object
//! message are sent by hand.

use crate::common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::s3::Bucket;
use common::service::Service;

const UPLOADS: usize = 20;
const WITHIN: Duration = Duration::from_secs(10);

/// One SQS call (JSON protocol) to moto; moto does not check signatures, but routes by
/// the credential scope, so the header names SQS in us-east-1.
fn sqs(endpoint: &str, action: &str, body: Value) -> Value {
    let target = format!("AmazonSQS.{action}");
    let headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", target.as_str()),
        ("Authorization", "AWS4-HMAC-SHA256 Credential=assay-test-key/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0"),
    ];
    let (status, text) = common::http::exchange(endpoint, "POST", "/", &headers, body.to_string().as_bytes());
    assert_eq!(status, 200, "SQS {action}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Messages on the queue, visible or in flight.
fn queued(endpoint: &str, queue: &str) -> i64 {
    let v = sqs(endpoint, "GetQueueAttributes", json!({ "QueueUrl": queue, "AttributeNames": ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
    let n = |k: &str| v["Attributes"][k].as_str().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| panic!("{k} in {v}"));
    n("ApproximateNumberOfMessages") + n("ApproximateNumberOfMessagesNotVisible")
}

/// A source's scans, newest first.
fn scans(svc: &Service, name: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(&svc.get(&format!("/api/v1/sources/{name}/scans?limit=200"))).unwrap();
    v["items"].as_array().cloned().unwrap_or_else(|| panic!("scans of {name}: {v}"))
}

/// Objects read by all of a source's scans.
fn objects_read(svc: &Service, name: &str) -> i64 {
    scans(svc, name).iter().map(|s| s["read"].as_i64().unwrap_or(0)).sum()
}

fn wait_until(what: &str, within: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < within, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.elapsed()
}

fn csv(i: usize, contaminated: bool) -> Vec<u8> {
    let mut s = String::from("id,contact,note\n");
    for r in 0..200 {
        let contact = if contaminated { format!("buyer{i}x{r}@shop-example.com") } else { format!("segment-{}", r % 7) };
        s.push_str(&format!("{r},{contact},order {r} shipped\n"));
    }
    s.into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// A fresh queue that `b` notifies of created objects (those under `prefix` only, when
/// given); its URL.
fn notified_queue(b: &Bucket, prefix: Option<&str>) -> String {
    let queue_name = format!("{}-q", b.name);
    let queue = sqs(&b.endpoint, "CreateQueue", json!({ "QueueName": queue_name }))["QueueUrl"].as_str().expect("QueueUrl").to_string();
    let filter = prefix.map(|p| format!("<Filter><S3Key><FilterRule><Name>prefix</Name><Value>{p}</Value></FilterRule></S3Key></Filter>")).unwrap_or_default();
    let config = format!(
        "<NotificationConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><QueueConfiguration><Id>assay</Id>\
         <Queue>arn:aws:sqs:us-east-1:123456789012:{queue_name}</Queue><Event>s3:ObjectCreated:*</Event>{filter}</QueueConfiguration></NotificationConfiguration>"
    );
    let (status, text) = common::http::exchange(&b.endpoint, "PUT", &format!("/{}?notification", b.name), &[("Content-Type", "application/xml")], config.as_bytes());
    assert_eq!(status, 200, "PutBucketNotificationConfiguration: {text}");
    queue
}

/// An S3 event notification naming `keys` of `bucket`, as S3 sends it (keys form-encoded).
fn notification(bucket: &str, keys: &[&str]) -> String {
    let records: Vec<Value> = keys
        .iter()
        .map(|k| json!({ "eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": { "bucket": { "name": bucket }, "object": { "key": k.replace(' ', "+") } } }))
        .collect();
    json!({ "Records": records }).to_string()
}

#[test]
fn new_objects_are_scanned_within_seconds_of_their_upload_event() {
    let b = Bucket::new("events");
    let endpoint = b.endpoint.clone();
    // One object before registration, so that the first (scheduled) scan has something to
    // read and succeeds: a failed one would be retried after 30 s, not after the hour. It
    // is uploaded before notifications are on, so that each later scan has one event.
    b.put("lake/seed.csv", csv(999, false));
    let queue = notified_queue(&b, None);

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db, "events", &[], &b.env());
    svc.add("lake", &b.url("lake/"), &["--interval", "1h", "--events", &queue]);
    let shown: Value = serde_json::from_str(&svc.get("/api/v1/sources/lake")).unwrap();
    assert_eq!(shown["events"], queue.as_str());
    wait_until("the first scan", Duration::from_secs(30), || objects_read(&svc, "lake") == 1);
    wait_until("the listener", Duration::from_secs(30), || !svc.logged("listening for object events").is_empty());

    let mut latencies = Vec::new();
    for i in 0..UPLOADS {
        b.put(&format!("lake/part/obj-{i:02}.csv"), csv(i, i % 2 == 0));
        let uploaded = Instant::now();
        let want = 2 + i as i64;
        wait_until(&format!("object {i} read"), WITHIN, || objects_read(&svc, "lake") >= want);
        latencies.push(uploaded.elapsed());
        assert_eq!(objects_read(&svc, "lake"), want, "each object is read once");
    }
    let before = scans(&svc, "lake");
    assert!(before.iter().all(|s| s["status"] == "succeeded"), "{before:?}");
    // Nothing was due: the first scan was the scheduled one, each other was asked for by
    // one upload's event.
    assert_eq!(before.len(), 1 + UPLOADS, "{before:?}");
    assert_eq!(svc.logged("scanned on object events").len(), UPLOADS);

    let mut sorted = latencies.clone();
    sorted.sort();
    let (p50, p99) = (percentile(&sorted, 0.50), percentile(&sorted, 0.99));
    println!("upload → read over {UPLOADS} uploads: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3, sorted[UPLOADS - 1].as_secs_f64() * 1e3);

    // The findings: the objects' columns are kept per directory (dataset); the ten
    // contaminated objects' 2,000 addresses are all counted there, the seed's are clean.
    let report: Value = serde_json::from_str(&svc.get("/api/v1/sources/lake/columns")).unwrap();
    let contact = |dataset: &str| -> Value {
        report["columns"].as_array().unwrap().iter().find(|c| c["source"] == b.url(dataset).as_str() && c["column"] == "contact").cloned().unwrap_or_else(|| panic!("{dataset} contact in {report}"))
    };
    let part = contact("lake/part");
    assert_eq!(part["objects"], UPLOADS as i64, "{part}");
    assert_eq!(part["labels"][0]["label"], "pii.email", "{part}");
    assert_eq!(part["labels"][0]["matches"], 200 * UPLOADS as i64 / 2, "{part}");
    assert_eq!(contact("lake")["labels"], json!([]));

    // Handled messages (the test event S3 sent first included) leave the queue.
    wait_until("the queue drained", Duration::from_secs(10), || queued(&endpoint, &queue) == 0);

    // An object outside the prefix: its event is received, ignored and deleted; no scan.
    b.put("elsewhere/stray.csv", csv(500, true));
    let t = Instant::now();
    wait_until("the stray event deleted", Duration::from_secs(10), || queued(&endpoint, &queue) == 0 && t.elapsed() > Duration::from_secs(2));
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(scans(&svc, "lake").len(), before.len(), "an event outside the prefix started a scan");

    // A duplicate delivery of an object already read: one scan, which reads nothing.
    sqs(&endpoint, "SendMessage", json!({ "QueueUrl": queue, "MessageBody": notification(&b.name, &["lake/part/obj-00.csv"]) }));
    wait_until("the duplicate's scan", WITHIN, || scans(&svc, "lake").len() == before.len() + 1);
    let last = &scans(&svc, "lake")[0];
    assert_eq!(last["read"], 0, "a duplicate event re-read an object: {last}");
    assert_eq!(last["unchanged"], 1 + UPLOADS as i64, "{last}");
    assert_eq!(objects_read(&svc, "lake"), 1 + UPLOADS as i64);
    wait_until("the duplicate deleted", Duration::from_secs(10), || queued(&endpoint, &queue) == 0);

    let log = svc.stop();
    assert!(!log.contains("assay-test-secret-do-not-print"), "the secret key was logged");
    assert!(!log.contains("cannot read object events"), "the listener met errors:\n{log}");
}

#[test]
fn a_missing_queue_is_retried_without_stopping_the_worker() {
    let b = Bucket::new("events-gone");
    b.put("lake/a.csv", csv(1, true));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let mut svc = Service::start(&db, "events-gone", &[], &b.env());
    let queue = format!("{}/123456789012/no-such-queue-{}", b.endpoint, b.name);
    svc.add("lake", &b.url("lake/"), &["--interval", "1h", "--events", &queue]);
    // The periodic path still works, and the error is logged (queue shown by name only),
    // retried, and survived.
    wait_until("the scheduled scan", Duration::from_secs(30), || objects_read(&svc, "lake") == 1);
    wait_until("two failed polls", Duration::from_secs(30), || svc.logged("cannot read object events; retrying").len() >= 2);
    let errors = svc.logged("cannot read object events; retrying");
    let first = &errors[0]["fields"];
    assert!(first["error"].as_str().unwrap().contains("QueueDoesNotExist"), "{first}");
    assert!(first["queue"].as_str().unwrap().contains("/…/no-such-queue-"), "{first}");
    svc.assert_alive();
    // A source whose queue is not a URL is refused at registration.
    let out = svc.cli(&["sources", "add", "bad", &b.url("lake/"), "--events", "sqs://nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("events"), "{}", String::from_utf8_lossy(&out.stderr));
    let out = svc.cli(&["sources", "add", "pg", "postgres://db.example/x", "--events", &queue]);
    assert!(!out.status.success(), "events on a database source accepted");
    svc.stop();
}

/// Two workers on one Postgres store poll the same queue: every object is read once, within
/// 10 s, whichever worker receives its event; one message naming three objects makes one
/// scan that reads the three.
#[test]
fn two_workers_share_a_queue_and_events_for_one_source_make_one_scan() {
    let b = Bucket::new("events-two");
    let endpoint = b.endpoint.clone();
    // Only lake/part/ is notified, so that the objects under lake/batch/ arrive in the one
    // message this test sends.
    let queue = notified_queue(&b, Some("lake/part/"));
    b.put("lake/seed.csv", csv(999, false));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    let one = Service::start(db.dsn(), "events-a", &[], &b.env());
    let two = Service::start(db.dsn(), "events-b", &[], &b.env());
    one.add("lake", &b.url("lake/"), &["--interval", "1h", "--events", &queue]);
    wait_until("the first scan", Duration::from_secs(30), || objects_read(&one, "lake") == 1);
    wait_until("both listeners", Duration::from_secs(30), || !one.logged("listening for object events").is_empty() && !two.logged("listening for object events").is_empty());

    for i in 0..10 {
        b.put(&format!("lake/part/obj-{i:02}.csv"), csv(i, true));
        let want = 2 + i as i64;
        wait_until(&format!("object {i} read"), WITHIN, || objects_read(&one, "lake") >= want);
        assert_eq!(objects_read(&two, "lake"), want, "an object was read twice");
    }
    wait_until("the queue drained", Duration::from_secs(10), || queued(&endpoint, &queue) == 0);

    for k in ["a", "b", "c"] {
        b.put(&format!("lake/batch/{k} x.csv"), csv(100, false));
    }
    std::thread::sleep(Duration::from_secs(2));
    let before = scans(&one, "lake").len();
    assert_eq!(objects_read(&one, "lake"), 11, "objects without a notification were read before the interval");
    let keys = ["lake/batch/a x.csv", "lake/batch/b x.csv", "lake/batch/c x.csv"];
    sqs(&endpoint, "SendMessage", json!({ "QueueUrl": queue, "MessageBody": notification(&b.name, &keys) }));
    wait_until("the batch's scan", WITHIN, || scans(&one, "lake").len() > before);
    wait_until("the batch's message deleted", Duration::from_secs(10), || queued(&endpoint, &queue) == 0);
    let after = scans(&one, "lake");
    assert_eq!(after.len(), before + 1, "three objects in one message made more than one scan");
    assert_eq!(after[0]["read"], 3, "{}", after[0]);
    let by_events = one.logged("scanned on object events").len() + two.logged("scanned on object events").len();
    assert_eq!(by_events, 11, "one scan per event message");
    println!("event scans by worker: events-a {}, events-b {}", one.logged("scanned on object events").len(), two.logged("scanned on object events").len());
    one.stop();
    two.stop();
}

/// A source leased by another worker when its event arrives: the event is not dropped nor
/// parked for the whole visibility timeout (12 min here), but retried within seconds, and
/// the object is read once the lease is gone.
#[test]
fn an_event_whose_source_is_leased_elsewhere_is_retried_soon() {
    let b = Bucket::new("events-leased");
    b.put("lake/seed.csv", csv(999, false));
    let queue = notified_queue(&b, None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(common::pg::TestDb::new());
    // A short lease, so that a scan-now gives up on a held one after two of them (4 s).
    let svc = Service::start(db.dsn(), "events-leased", &["--lease", "2s"], &b.env());
    svc.add("lake", &b.url("lake/"), &["--interval", "1h", "--events", &queue]);
    wait_until("the first scan", Duration::from_secs(30), || objects_read(&svc, "lake") == 1);
    wait_until("the listener", Duration::from_secs(30), || !svc.logged("listening for object events").is_empty());
    // Another worker holds the source for an hour.
    let hold = "UPDATE sources SET lease_owner = 'elsewhere', lease_expires_ms = (extract(epoch from now()) * 1000)::bigint + 3600000 WHERE name = 'lake'";
    let free = "UPDATE sources SET lease_owner = NULL, lease_expires_ms = NULL WHERE name = 'lake'";
    let exec = |sql: &'static str| rt.block_on(async { sqlx::query(sql).execute(&mut db.conn().await).await.unwrap() });
    exec(hold);
    b.put("lake/new.csv", csv(1, true));
    wait_until("the scan given up", Duration::from_secs(20), || !svc.logged("scan slots or the source's lease stayed taken; its object events are retried").is_empty());
    assert_eq!(objects_read(&svc, "lake"), 1);
    exec(free);
    let waited = wait_until("the retried event's scan", Duration::from_secs(30), || objects_read(&svc, "lake") == 2);
    println!("read {:.1} s after the lease was freed", waited.as_secs_f64());
    wait_until("the queue drained", Duration::from_secs(10), || queued(&b.endpoint, &queue) == 0);
    svc.stop();
}
