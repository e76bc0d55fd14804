//! A real webhook receiver on loopback, in the test process: an axum server on a port of
//! its own, with its own runtime, that records every request (path, headers, body, what
//! it answered) and can be told to misbehave: refuse connections (not listening), answer
//! 503 with `Retry-After`, answer slowly, or stream an endless body.
//!
//! It also notices a request arriving while another with the same path and
//! `Idempotency-Key` (the same message: one event to one webhook) is still being handled,
//! which is what "two workers never send the same message at once" rules out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// How the receiver answers.
#[derive(Debug, Clone)]
pub enum Mode {
    /// 200 after `delay`.
    Accept { delay: Duration },
    /// 503 with this `Retry-After` value (if any).
    Unavailable { retry_after: Option<String> },
    /// Answers 200 only after this long.
    Slow(Duration),
    /// 200 with a body that never ends.
    Endless,
    /// 200 after `delay`, but every `n`th request gets a 503 without `Retry-After`.
    Flaky { n: usize, delay: Duration },
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// What the receiver answered (200 for Slow/Endless: the sender never sees it whole).
    pub status: u16,
    /// Wall-clock time the request arrived.
    pub at: SystemTime,
    /// Whether this request counts as acknowledged (a normal 2xx answer).
    pub accepted: bool,
}

impl Received {
    pub fn key(&self) -> &str {
        self.headers.get("idempotency-key").map(String::as_str).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

#[derive(Default)]
struct Shared {
    mode: Mutex<Option<Mode>>,
    log: Mutex<Vec<Received>>,
    inflight: Mutex<HashMap<String, usize>>,
    /// `path key` of requests that arrived while one with the same path and key was in
    /// the handler.
    overlaps: Mutex<Vec<String>>,
    count: Mutex<usize>,
}

/// A receiver on `port`; refusing connections until [`Receiver::start`].
pub struct Receiver {
    pub port: u16,
    rt: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Receiver {
    /// A receiver on a free port, not listening yet (connections are refused).
    pub fn new() -> Receiver {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("receiver runtime");
        let shared = Arc::new(Shared::default());
        *shared.mode.lock().unwrap() = Some(Mode::Accept { delay: Duration::ZERO });
        Receiver { port: super::http::free_port(), rt, shared, server: None }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Starts listening (answering in the current mode).
    pub fn start(&mut self) {
        assert!(self.server.is_none(), "the receiver is already listening");
        let shared = self.shared.clone();
        let port = self.port;
        let listener = self.rt.block_on(async move {
            // The port may still be in TIME_WAIT from a previous listener; tokio sets
            // SO_REUSEADDR, and a short retry covers the rest.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(e) if Instant::now() < deadline => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("receiver cannot listen on {port}: {e}"),
                }
            }
        });
        let app = axum::Router::new().fallback(handle).with_state(shared);
        self.server = Some(self.rt.spawn(async move {
            let _ = axum::serve(listener, app).await;
        }));
    }

    /// Stops listening and drops open connections (connections are refused again).
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = self.rt.block_on(server);
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.shared.mode.lock().unwrap() = Some(mode);
    }

    /// Every request so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The requests answered with a normal 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }

    /// How many acknowledged requests each key got.
    pub fn accepted_by_key(&self) -> HashMap<String, usize> {
        let mut m = HashMap::new();
        for r in self.accepted() {
            *m.entry(r.key().to_string()).or_default() += 1;
        }
        m
    }

    /// `path key` of requests that arrived while one with the same path and key was being
    /// handled.
    pub fn overlaps(&self) -> Vec<String> {
        self.shared.overlaps.lock().unwrap().clone()
    }

    /// Waits until `done(self)` holds, for at most `within`; panics with `what` otherwise.
    pub fn wait_until(&self, within: Duration, what: &str, done: impl Fn(&Receiver) -> bool) {
        let deadline = Instant::now() + within;
        while !done(self) {
            assert!(Instant::now() < deadline, "{what}: not within {within:?}; received: {:#?}", self.summary());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// (path, key, status) of every request, for failure messages.
    pub fn summary(&self) -> Vec<(String, String, u16)> {
        self.received().iter().map(|r| (r.path.clone(), r.key().to_string(), r.status)).collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Decrements the key's in-flight count when the handler ends, however it ends.
struct InFlight {
    shared: Arc<Shared>,
    key: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut m = self.shared.inflight.lock().unwrap();
        if let Some(n) = m.get_mut(&self.key) {
            *n -= 1;
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let at = SystemTime::now();
    let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let key = format!("{} {key}", uri.path());
    {
        let mut m = shared.inflight.lock().unwrap();
        let n = m.entry(key.clone()).or_default();
        if *n > 0 {
            shared.overlaps.lock().unwrap().push(key.clone());
        }
        *n += 1;
    }
    let _inflight = InFlight { shared: shared.clone(), key };
    let nth = {
        let mut c = shared.count.lock().unwrap();
        *c += 1;
        *c
    };
    let mode = shared.mode.lock().unwrap().clone().expect("mode set");
    let record = |status: u16, accepted: bool| Received {
        path: uri.path().to_string(),
        headers: headers.iter().map(|(k, v)| (k.as_str().to_ascii_lowercase(), v.to_str().unwrap_or_default().to_string())).collect(),
        body: body.to_vec(),
        status,
        at,
        accepted,
    };
    match mode {
        Mode::Accept { delay } => {
            tokio::time::sleep(delay).await;
            shared.log.lock().unwrap().push(record(200, true));
            (StatusCode::OK, "ok").into_response()
        }
        Mode::Flaky { n, delay } => {
            tokio::time::sleep(delay).await;
            if nth % n == 0 {
                shared.log.lock().unwrap().push(record(503, false));
                (StatusCode::SERVICE_UNAVAILABLE, "flaky").into_response()
            } else {
                shared.log.lock().unwrap().push(record(200, true));
                (StatusCode::OK, "ok").into_response()
            }
        }
        Mode::Unavailable { retry_after } => {
            shared.log.lock().unwrap().push(record(503, false));
            let mut resp = (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response();
            if let Some(ra) = retry_after {
                resp.headers_mut().insert("retry-after", ra.parse().unwrap());
            }
            resp
        }
        Mode::Slow(d) => {
            shared.log.lock().unwrap().push(record(200, false));
            tokio::time::sleep(d).await;
            (StatusCode::OK, "too late").into_response()
        }
        Mode::Endless => {
            shared.log.lock().unwrap().push(record(200, false));
            let chunk = Bytes::from(vec![b'x'; 16 << 10]);
            let stream = futures::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            (StatusCode::OK, Body::from_stream(stream)).into_response()
        }
    }
}
