//! One HTTP/1.1 request over a plain TCP stream: enough for test servers' admin calls
//! (creating buckets and containers) without an HTTP client dependency.

use std::io::{Read, Write};
use std::net::TcpStream;

/// Sends `method path` to `base` (`http://host:port`) with extra headers and a body;
/// returns the status code.
pub fn request(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    exchange(base, method, path, headers, body).0
}

/// `GET path`: the response body.
pub fn get(base: &str, path: &str) -> String {
    exchange(base, "GET", path, &[], b"").1
}

/// One request; the status code and the response body (chunked bodies decoded).
pub fn exchange(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let (status, _, body) = exchange_full(base, method, path, headers, body);
    (status, body)
}

/// One request; the status code, the response head (status line and headers) and body.
pub fn exchange_full(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String, String) {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/');
    let mut s = TcpStream::connect(hostport).unwrap_or_else(|e| panic!("connect {base}: {e}"));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).and_then(|_| s.write_all(body)).expect("write request");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("read response");
    let text = String::from_utf8_lossy(&resp);
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let chunked = head.lines().any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:") && l.to_ascii_lowercase().contains("chunked"));
    (status, head.to_string(), if chunked { dechunk(body) } else { body.to_string() })
}

/// The payload of a chunked body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Runs `program args` from a thread that lives as long as the test process, with a
/// parent-death signal, so the server goes when the test binary does. False when the
/// program cannot be started.
pub fn spawn_server(program: &str, args: Vec<String>) -> bool {
    let (tx, rx) = std::sync::mpsc::channel();
    let program = program.to_string();
    std::thread::spawn(move || {
        let mut cmd = std::process::Command::new(&program);
        cmd.args(&args).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        super::service::die_with_parent(&mut cmd, libc::SIGTERM);
        let _ = tx.send(cmd.spawn().is_ok());
        loop {
            std::thread::park();
        }
    });
    rx.recv().unwrap_or(false)
}

/// Waits until `base` accepts connections, for at most a minute.
pub fn wait_for(base: &str) {
    let hostport = base.trim_start_matches("http://").trim_end_matches('/').to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while TcpStream::connect(&hostport).is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start on {base}");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port()
}

/// Starts `image:tag` with testcontainers (needs a Docker daemon) and returns
/// `http://127.0.0.1:<mapped port>`; the container lives as long as the test process.
/// `hint` says what else would have worked, for the panic when Docker is missing too.
pub fn container(image: &str, tag: &str, port: u16, wait: testcontainers::core::WaitFor, cmd: &[&str], hint: &str) -> String {
    use std::sync::{Mutex, OnceLock};
    use testcontainers::core::IntoContainerPort;
    use testcontainers::runners::AsyncRunner;
    use testcontainers::{ContainerAsync, GenericImage, ImageExt};
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    static KEEP: Mutex<Vec<ContainerAsync<GenericImage>>> = Mutex::new(Vec::new());
    let rt = RUNTIME.get_or_init(|| tokio::runtime::Runtime::new().expect("runtime"));
    let image = GenericImage::new(image, tag).with_exposed_port(port.tcp()).with_wait_for(wait);
    let request = if cmd.is_empty() { image.into() } else { image.with_cmd(cmd.iter().map(|s| s.to_string())) };
    let c = rt.block_on(request.start()).unwrap_or_else(|e| panic!("{hint}, or Docker for testcontainers: {e}"));
    let mapped = rt.block_on(c.get_host_port_ipv4(port)).expect("mapped port");
    KEEP.lock().unwrap().push(c);
    format!("http://127.0.0.1:{mapped}")
}
