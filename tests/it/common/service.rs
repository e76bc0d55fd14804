//! A running `assay serve` as users start it: the binary with a store, its API on a free
//! port, JSON logs in a temp file, the CLI pointed at it, and a clean stop on SIGTERM.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `assay serve`, killed on drop.
pub struct Service {
    pub child: Child,
    pub url: String,
    /// The service's log (stderr), JSON lines.
    pub log: tempfile::NamedTempFile,
    /// An admin token (created in the store before the service started), which `cli`
    /// passes as `ASSAY_TOKEN` and `get`/`call` send.
    pub token: String,
}

impl Service {
    /// Starts `assay serve` on `db` as `worker` with `args` and `env`, and waits for its API.
    /// API clients may register the bundled examples and anything under the temp
    /// directory (tests' data), nothing else.
    pub fn start(db: &str, worker: &str, args: &[&str], env: &[(&str, String)]) -> Service {
        let token = create_token(db, "admin", &format!("harness-{worker}-{:08x}", rand::random::<u32>()));
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
        let tmp = std::env::temp_dir().display().to_string();
        let port = super::http::free_port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_assay"));
        cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--worker", worker, "--poll", "1s", "--log-format", "json", "--allow-dir", examples, "--allow-dir", &tmp])
            .args(args)
            .env("DATABASE_URL", db)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap());
        // The service goes when the test process does, even if it dies without running Drop.
        die_with_parent(&mut cmd, libc::SIGKILL);
        let child = cmd.spawn().expect("start assay serve");
        let url = format!("http://127.0.0.1:{port}");
        super::http::wait_for(&url);
        Service { child, url, log, token }
    }

    /// Runs the `assay` client against this service with the admin token.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.cli_as(&self.token, args)
    }

    /// Runs the `assay` client against this service with `token`.
    pub fn cli_as(&self, token: &str, args: &[&str]) -> Output {
        super::cli::assay_env(args, &[("ASSAY_URL", self.url.clone()), ("ASSAY_TOKEN", token.to_string())])
    }

    /// `method path` with `token` (none when empty) and a JSON body: status and body.
    pub fn call_as(&self, token: &str, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Content-Type", "application/json")];
        if !token.is_empty() {
            headers.push(("Authorization", auth.as_str()));
        }
        super::http::exchange(&self.url, method, path, &headers, body)
    }

    /// `method path` as the admin: status and body.
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, String) {
        self.call_as(&self.token, method, path, body)
    }

    /// `GET path` as the admin: the body.
    pub fn get(&self, path: &str) -> String {
        self.call("GET", path, b"").1
    }

    /// `sources add name location args…`, which must succeed.
    pub fn add(&self, name: &str, location: &str, args: &[&str]) {
        let mut all = vec!["sources", "add", name, location];
        all.extend_from_slice(args);
        let out = self.cli(&all);
        assert!(out.status.success(), "adding {name}: {}", String::from_utf8_lossy(&out.stderr));
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap()
    }

    /// The log lines (JSON) whose message is `message`.
    pub fn logged(&self, message: &str) -> Vec<Value> {
        self.log().lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|l| l["fields"]["message"] == message).collect()
    }

    /// Panics (with the log) unless the process is still running.
    pub fn assert_alive(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("assay serve exited ({status}):\n{}", self.log());
        }
    }

    /// The HTTP status of `GET path` and how long the answer took.
    pub fn probe(&self, path: &str) -> (u16, Duration) {
        let t = Instant::now();
        (super::http::request(&self.url, "GET", path, &[], b""), t.elapsed())
    }

    /// SIGTERM; asserts a clean exit within 30 s and no panic; returns the log.
    pub fn stop(mut self) -> String {
        let Some(status) = terminate(&mut self.child, Duration::from_secs(30)) else {
            panic!("assay serve did not stop on SIGTERM:\n{}", self.log());
        };
        let log = self.log();
        assert!(status.success(), "assay serve exited with {status}:\n{log}");
        assert!(!log.contains("panicked"), "a panic:\n{log}");
        log
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- last lines of the log of assay serve on {}:", self.url);
            for l in tail.iter().rev() {
                eprintln!("{l}");
            }
        }
    }
}

/// Creates a token with `role` named `name` in the store `db`, as an operator does.
pub fn create_token(db: &str, role: &str, name: &str) -> String {
    let out = super::cli::assay_env(&["tokens", "create", "--role", role, "--name", name], &[("DATABASE_URL", db.to_string())]);
    assert!(out.status.success(), "tokens create: {}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("assay_"), "{token}");
    token
}

/// Has `cmd`'s process sent `signal` when the test process dies, so that no child outlives
/// a test binary that could not run its `Drop`s.
pub fn die_with_parent(cmd: &mut Command, signal: libc::c_int) {
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, signal);
            Ok(())
        });
    }
}

/// Sends SIGTERM and waits up to `within` for the exit; `None` if the process is still running.
pub fn terminate(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
