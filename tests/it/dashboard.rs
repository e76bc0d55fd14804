//! The dashboard in a real browser: headless Chromium driven through chromedriver
//! (thirtyfour) against `assay serve` on a fresh Postgres store, scanning a real Postgres
//! source, as a reviewer, a pipeline and without a session; plus the security checks that
//! need raw HTTP (CSRF refusals, cookie flags, headers).
//!
//! Screenshots of every page (1440×900) go to `target/dashboard-screenshots/` for people
//! to look at; they are not compared.

use crate::common;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::http::{exchange_full, free_port};
use common::service::{create_token, die_with_parent, Service};
use thirtyfour::prelude::*;

/// Names that must be shown literally and never run.
const HOSTILE: [&str; 3] = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "'; DROP TABLE sources; --"];

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Driver {
        assert!(
            std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
            "the dashboard's browser test needs {CHROMIUM} and {CHROMEDRIVER}: `apt-get install -y chromium chromium-driver` (.ci/run installs them)"
        );
        let port = free_port();
        let mut cmd = Command::new(CHROMEDRIVER);
        cmd.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        die_with_parent(&mut cmd, libc::SIGKILL);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {url} within 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> WebDriver {
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary(CHROMIUM).unwrap();
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1440,900", "--hide-scrollbars"] {
        caps.add_arg(arg).unwrap();
    }
    let b = WebDriver::new(driver.url.clone(), caps).await.unwrap_or_else(|e| panic!("chromedriver at {} could not start Chromium: {e}", driver.url));
    // The window's frame takes some of its height: make the page's viewport 1440×900.
    let frame: i64 = b.execute("return window.outerHeight - window.innerHeight", Vec::new()).await.unwrap().convert().unwrap_or(0);
    b.set_window_rect(0, 0, 1440, 900 + frame.max(0) as u32).await.unwrap();
    b
}

fn screenshots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(b: &WebDriver, name: &str) {
    // The window is 1440×900: one screenshot per screenful, top to bottom (at most three).
    let h: i64 = b.execute("return document.documentElement.scrollHeight", Vec::new()).await.unwrap().convert().unwrap_or(900);
    let screens = ((h + 899) / 900).clamp(1, 3);
    for i in 0..screens {
        b.execute(format!("window.scrollTo(0, {})", i * 900), Vec::new()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(150)).await;
        let file = if i == 0 { format!("{name}.png") } else { format!("{name}-{}.png", i + 1) };
        b.screenshot(&screenshots().join(file)).await.unwrap();
    }
    b.execute("window.scrollTo(0, 0)", Vec::new()).await.unwrap();
}

/// Nothing a hostile name could have injected is in the page, and no dialog opened.
async fn assert_inert(b: &WebDriver, page: &str) {
    assert!(b.get_alert_text().await.is_err(), "{page}: a dialog opened");
    let scripts: i64 = b.execute("return document.scripts.length", Vec::new()).await.unwrap().convert().unwrap();
    assert!(scripts <= 1, "{page}: {scripts} scripts in the DOM (only /static/app.js may be)");
    let imgs: i64 = b.execute("return document.querySelectorAll('img').length", Vec::new()).await.unwrap().convert().unwrap();
    assert_eq!(imgs, 0, "{page}: an injected <img>");
}

async fn sign_in(b: &WebDriver, base: &str, token: &str) {
    b.goto(format!("{base}/signin")).await.unwrap();
    b.find(By::Id("token")).await.unwrap().send_keys(token).await.unwrap();
    b.find(By::Css("#signin-form button")).await.unwrap().click().await.unwrap();
    wait_for_url(b, |u| !u.ends_with("/signin")).await;
}

async fn wait_for_url(b: &WebDriver, ok: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let url = b.current_url().await.unwrap().to_string();
        if ok(&url) {
            return;
        }
        assert!(Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(b: &WebDriver) -> String {
    b.find(By::Tag("body")).await.unwrap().text().await.unwrap()
}

/// The session cookie from a `Set-Cookie` header of a raw sign-in, and the header itself
/// (also used by other suites that read a page without a browser).
pub(crate) fn raw_sign_in(base: &str, token: &str, proto: Option<&str>) -> (String, String) {
    let (status, head, body) = exchange_full(base, "GET", "/signin", &[], b"");
    assert_eq!(status, 200, "{head}");
    let pre = head.lines().find_map(|l| l.strip_prefix("set-cookie: assay_signin=")).and_then(|v| v.split(';').next()).expect("sign-in cookie").to_string();
    assert!(body.contains(&format!("value=\"{pre}\"")), "the form carries the sign-in cookie's value");
    let cookie = format!("assay_signin={pre}");
    let form = format!("csrf={pre}&token={token}");
    let mut headers = vec![("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(p) = proto {
        headers.push(("X-Forwarded-Proto", p));
    }
    let (status, head, _) = exchange_full(base, "POST", "/signin", &headers, form.as_bytes());
    assert_eq!(status, 303, "{head}");
    let line = head.lines().find(|l| l.starts_with("set-cookie: assay_session=")).expect("session cookie").to_string();
    let id = line.trim_start_matches("set-cookie: assay_session=").split(';').next().unwrap().to_string();
    (id, line)
}

/// The CSRF token in a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + "name=\"csrf\" value=\"".len();
    html[at..at + 64].to_string()
}

#[test]
fn a_reviewer_clears_a_finding_in_the_browser_and_nothing_hostile_runs() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(common::pg::TestDb::new());
    let data = rt.block_on(common::pg::TestDb::new());
    // A customer table whose notes leak e-mail addresses, and tables and columns named to
    // break out of HTML, attributes and SQL.
    rt.block_on(data.exec("CREATE SCHEMA shop"));
    rt.block_on(data.exec("CREATE TABLE shop.customers (id BIGSERIAL PRIMARY KEY, plan TEXT NOT NULL, notes TEXT NOT NULL, contact TEXT NOT NULL)"));
    rt.block_on(data.exec(
        "INSERT INTO shop.customers (plan, notes, contact) SELECT (ARRAY['basic','pro','team'])[1 + g % 3], \
         CASE WHEN g % 50 = 7 THEN 'call back at customer' || g || '.smith@mail-example.org' ELSE 'renewed after call ' || g END, \
         'person' || g || '@corp-example.com' FROM generate_series(1, 400) g",
    ));
    for (i, name) in HOSTILE.iter().enumerate() {
        let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let other = HOSTILE[(i + 1) % 3];
        rt.block_on(data.exec(&format!("CREATE TABLE shop.{} (id BIGSERIAL PRIMARY KEY, {} TEXT NOT NULL, {} TEXT NOT NULL)", q(name), q(name), q(other))));
        rt.block_on(data.exec(&format!("INSERT INTO shop.{} ({}, {}) SELECT 'user' || g || '@hostile-example.net', 'plain text ' || g FROM generate_series(1, 200) g", q(name), q(name), q(other))));
    }
    rt.block_on(data.exec("ANALYZE"));

    let svc = Service::start(store.dsn(), "dash", &[], &[("ASSAY_SOURCE_SHOP", data.dsn().to_string())]);
    svc.add("shop", "env:ASSAY_SOURCE_SHOP", &["--table", "shop.*"]);
    let (status, body) = svc.call("PUT", "/api/v1/feature-sets/churn", br#"{"name":"churn","owner":"ml-platform","description":"Features of the churn model","members":[{"source":"shop","columns":["plan","notes"]}]}"#);
    assert_eq!(status, 201, "{body}");
    let out = svc.cli(&["sources", "scan", "shop"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts: serde_json::Value = serde_json::from_str(&svc.get("/api/v1/alerts?feature_set=churn")).unwrap();
    let alert = alerts["items"].as_array().unwrap().iter().find(|a| a["column"] == "notes" && a["label"] == "pii.email").unwrap_or_else(|| panic!("the notes alert: {alerts}")).clone();
    assert_eq!(alert["status"], "open");
    let reviewer = create_token(store.dsn(), "reviewer", "compliance");
    let pipeline = create_token(store.dsn(), "pipeline", "retrain");
    let base = svc.url.clone();

    let driver = Driver::start();
    rt.block_on(async {
        let b = browser(&driver).await;
        // Without a session every page leads to the sign-in form.
        b.goto(format!("{base}/reviews")).await.unwrap();
        wait_for_url(&b, |u| u.ends_with("/signin")).await;
        shot(&b, "01-signin").await;

        sign_in(&b, &base, &reviewer).await;
        let cookie = b.get_named_cookie("assay_session").await.expect("a session cookie");
        assert_eq!(cookie.http_only, Some(true));
        assert_eq!(cookie.same_site, Some(SameSite::Strict));
        assert_eq!(cookie.secure, Some(false), "plain HTTP without a proxy's word: not Secure");

        // The overview shows the open alert.
        b.goto(format!("{base}/")).await.unwrap();
        let overview = text(&b).await;
        let open = b.find(By::Id("open-alerts")).await.expect("the open alerts table").text().await.unwrap();
        assert!(open.contains("churn") && open.contains("notes") && open.contains("pii.email"), "{open}");
        assert!(overview.contains("Sources by risk") && overview.contains("shop"), "{overview}");
        assert_inert(&b, "overview").await;
        shot(&b, "02-overview").await;

        // The source page: the grid, explained findings, hostile names shown literally.
        b.find(By::LinkText("shop")).await.unwrap().click().await.unwrap();
        wait_for_url(&b, |u| u.ends_with("/sources/shop")).await;
        let page = text(&b).await;
        for name in HOSTILE {
            assert!(page.contains(name), "the source page shows {name:?} literally:\n{page}");
        }
        assert!(page.contains("pii.email") && page.contains("rule "), "{page}");
        assert!(!page.contains("customer7.smith@mail-example.org"), "a raw value on the page");
        assert_inert(&b, "source").await;
        shot(&b, "03-source").await;

        // The queue: hostile names again, then dismiss the notes finding with a reason.
        b.goto(format!("{base}/reviews?source=shop")).await.unwrap();
        let queue = b.find(By::Id("queue")).await.unwrap().text().await.unwrap();
        for name in HOSTILE {
            assert!(queue.contains(name), "the queue shows {name:?} literally");
        }
        assert_inert(&b, "reviews").await;
        shot(&b, "04-reviews").await;
        let row = b.find(By::XPath("//table[@id='queue']//tr[.//code[@class='col' and text()='notes']]")).await.expect("the notes row");
        row.find(By::Css("input.pick")).await.unwrap().click().await.unwrap();
        b.find(By::Id("reason")).await.unwrap().send_keys("test fixtures: synthetic addresses").await.unwrap();
        b.find(By::Id("dismiss")).await.unwrap().click().await.unwrap();
        wait_for_url(&b, |u| u.contains("done=1")).await;
        let notice = b.find(By::Id("notice")).await.unwrap().text().await.unwrap();
        assert!(notice.contains("1 finding dismissed"), "{notice}");
        let queue = text(&b).await;
        assert!(!b.find_all(By::XPath("//table[@id='queue']//tr[.//code[@class='col' and text()='notes']]")).await.unwrap().iter().any(|_| true), "the dismissed finding left the queue:\n{queue}");

        // The dismissed list says who and why; the audit log has it; the alert resolved.
        b.goto(format!("{base}/reviews/dismissed")).await.unwrap();
        let dismissed = text(&b).await;
        assert!(dismissed.contains("test fixtures: synthetic addresses") && dismissed.contains("compliance"), "{dismissed}");
        shot(&b, "05-dismissed").await;
        b.goto(format!("{base}/audit?action=reviews.add")).await.unwrap();
        let audit = b.find(By::Id("audit")).await.unwrap().text().await.unwrap();
        assert!(audit.contains("compliance") && audit.contains("reviews.add") && audit.contains("notes"), "{audit}");
        shot(&b, "06-audit").await;
        b.goto(format!("{base}/alerts/{}", alert["id"])).await.unwrap();
        let status = b.find(By::Id("alert-status")).await.unwrap().text().await.unwrap();
        assert_eq!(status.to_lowercase(), "resolved");
        assert!(text(&b).await.contains("dismissed"), "the alert's history has the dismissal");
        shot(&b, "07-alert").await;
        b.goto(format!("{base}/alerts")).await.unwrap();
        assert_inert(&b, "alerts").await;
        shot(&b, "08-alerts").await;
        b.goto(format!("{base}/sources")).await.unwrap();
        assert!(b.find(By::Id("sources")).await.unwrap().text().await.unwrap().contains("shop"));
        shot(&b, "11-sources").await;
        b.goto(format!("{base}/feature-sets")).await.unwrap();
        let sets = text(&b).await;
        assert!(sets.contains("churn") && sets.contains("shop"), "{sets}");
        shot(&b, "09-feature-sets").await;

        // At 1280 px wide no page scrolls sideways (wide grids scroll inside their card).
        let frame: i64 = b.execute("return window.outerHeight - window.innerHeight", Vec::new()).await.unwrap().convert().unwrap_or(0);
        b.set_window_rect(0, 0, 1280, 900 + frame.max(0) as u32).await.unwrap();
        for path in ["/", "/sources", "/sources/shop", "/reviews", "/reviews/dismissed", "/alerts", "/feature-sets", "/audit"] {
            b.goto(format!("{base}{path}")).await.unwrap();
            let (inner, wide): (i64, i64) = (
                b.execute("return window.innerWidth", Vec::new()).await.unwrap().convert().unwrap(),
                b.execute("return document.documentElement.scrollWidth", Vec::new()).await.unwrap().convert().unwrap(),
            );
            assert!(wide <= inner, "{path} is {wide} px wide in a {inner} px window");
        }
        b.set_window_rect(0, 0, 1440, 900 + frame.max(0) as u32).await.unwrap();

        // Sign out: the cookie is gone and pages lead to the sign-in form again.
        b.find(By::Id("signout")).await.unwrap().click().await.unwrap();
        wait_for_url(&b, |u| u.ends_with("/signin")).await;
        assert!(b.get_named_cookie("assay_session").await.is_err(), "the session cookie is gone");
        b.goto(format!("{base}/")).await.unwrap();
        wait_for_url(&b, |u| u.ends_with("/signin")).await;

        // The one-time link `serve --example` prints: the token in the fragment signs in,
        // opened in a fresh page and from the sign-in page itself (only the fragment changes).
        for from in ["about:blank", "(the sign-in page)"] {
            if from == "about:blank" {
                b.goto(from).await.unwrap();
            }
            b.goto(format!("{base}/signin#token={reviewer}")).await.unwrap();
            wait_for_url(&b, |u| u == format!("{base}/")).await;
            let landed = text(&b).await;
            assert!(landed.contains("Overview") && landed.contains("compliance"), "from {from}: {landed}");
            let history: String = b.execute("return location.href", Vec::new()).await.unwrap().convert().unwrap();
            assert!(!history.contains("token"), "the token left the address bar: {history}");
            b.find(By::Id("signout")).await.unwrap().click().await.unwrap();
            wait_for_url(&b, |u| u.ends_with("/signin")).await;
        }

        // A pipeline token may not open the review queue.
        sign_in(&b, &base, &pipeline).await;
        b.goto(format!("{base}/reviews")).await.unwrap();
        let refused = text(&b).await;
        assert!(refused.contains("Forbidden") && refused.contains("pipeline role may not"), "{refused}");
        shot(&b, "10-pipeline-refused").await;
        // The refusal offers to sign out, to come back with another token.
        b.find(By::Id("signout")).await.unwrap().click().await.unwrap();
        wait_for_url(&b, |u| u.ends_with("/signin")).await;
        assert!(b.get_named_cookie("assay_session").await.is_err(), "signed out from the refusal page");
        b.quit().await.unwrap();
    });

    // The same refusal over HTTP is a 403, audited.
    let (pipe_session, _) = raw_sign_in(&base, &pipeline, None);
    let pipe_cookie = format!("assay_session={pipe_session}");
    let (status, _, _) = exchange_full(&base, "GET", "/reviews", &[("Cookie", pipe_cookie.as_str())], b"");
    assert_eq!(status, 403);

    // Cookie flags, raw: HttpOnly, SameSite=Strict, expiring; Secure behind a TLS proxy.
    let (session, line) = raw_sign_in(&base, &reviewer, None);
    assert!(line.contains("HttpOnly") && line.contains("SameSite=Strict") && line.contains("Max-Age=") && !line.contains("Secure"), "{line}");
    let (_, tls_line) = raw_sign_in(&base, &reviewer, Some("https"));
    assert!(tls_line.contains("; Secure"), "{tls_line}");

    // The queue by match rate, continued below 50 %: no column full of addresses is left.
    let (status, _, page) = exchange_full(&base, "GET", "/reviews?sort=rate&before=999999999&before_rate=0.5", &[("Cookie", format!("assay_session={session}").as_str())], b"");
    assert_eq!(status, 200);
    assert!(!page.contains("100.0 %"), "{page}");
    // Headers of a page holding findings.
    let cookie = format!("assay_session={session}");
    let (status, head, html) = exchange_full(&base, "GET", "/reviews", &[("Cookie", cookie.as_str())], b"");
    assert_eq!(status, 200, "{head}");
    let head = head.to_lowercase();
    assert!(head.contains("content-security-policy: default-src 'self'") && !head.contains("unsafe-inline"), "{head}");
    assert!(head.contains("x-frame-options: deny") && head.contains("cache-control: no-store") && head.contains("x-content-type-options: nosniff"), "{head}");
    for name in HOSTILE {
        assert!(!html.contains(name), "{name:?} unescaped in the HTML");
    }

    // No page holds a raw value: the data's domains appear only masked.
    for path in ["/", "/sources", "/sources/shop", "/reviews", "/reviews/dismissed", "/alerts", &format!("/alerts/{}", alert["id"]), "/feature-sets", "/audit", "/audit.csv"] {
        let (status, _, page) = exchange_full(&base, "GET", path, &[("Cookie", cookie.as_str())], b"");
        assert_eq!(status, 200, "{path}");
        for raw in ["mail-example.org", "corp-example.com", "hostile-example.net", "customer7.smith"] {
            assert!(!page.contains(raw), "{path} holds the raw {raw:?}");
        }
    }
    // Forms without the session's CSRF token are refused, and change nothing.
    let item = {
        let at = html.find("name=\"item\" value=\"").expect("a finding in the queue") + "name=\"item\" value=\"".len();
        html[at..].split('"').next().unwrap().to_string()
    };
    let form = |csrf: &str| format!("{csrf}verdict=dismiss&reason=nope&item={item}");
    let post = |body: String| exchange_full(&base, "POST", "/reviews", &[("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes()).0;
    assert_eq!(post(form("")), 403, "no CSRF token");
    assert_eq!(post(form(&format!("csrf={}&", "0".repeat(64)))), 403, "a wrong CSRF token");
    let (status, _, _) = exchange_full(&base, "POST", "/signout", &[("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")], b"csrf=bad");
    assert_eq!(status, 403, "sign-out needs the token too");
    let reviews: serde_json::Value = serde_json::from_str(&svc.get("/api/v1/reviews")).unwrap();
    assert_eq!(reviews["items"].as_array().unwrap().len(), 1, "only the browser's dismissal: {reviews}");
    let audit: serde_json::Value = serde_json::from_str(&svc.get("/api/v1/audit?action=reviews.add")).unwrap();
    assert!(audit["items"].as_array().unwrap().iter().any(|r| r["outcome"] == "denied" && r["detail"].as_str().unwrap_or("").contains("CSRF")), "{audit}");
    // With the right token the same form works.
    assert_eq!(post(form(&format!("csrf={}&", csrf_of(&html)))), 303);

    // Only the session id's SHA-256 is stored.
    let stored: Vec<String> = rt.block_on(async {
        let mut c = store.conn().await;
        sqlx::query_scalar("SELECT id_hash FROM web_sessions").fetch_all(&mut c).await.unwrap()
    });
    let hashed = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(session.as_bytes()))
    };
    assert!(stored.contains(&hashed) && !stored.iter().any(|h| h == &session), "{stored:?}");
    // An expired session leads back to the sign-in page (another one, the pipeline's).
    let pipe_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(pipe_session.as_bytes()))
    };
    rt.block_on(async {
        let mut c = store.conn().await;
        sqlx::query("UPDATE web_sessions SET expires_ms = 0 WHERE id_hash = $1").bind(&pipe_hash).execute(&mut c).await.unwrap();
    });
    let (status, head, _) = exchange_full(&base, "GET", "/", &[("Cookie", pipe_cookie.as_str())], b"");
    assert!(status == 303 && head.contains("location: /signin"), "{head}");
    // Revoking the token ends its sessions.
    let out = svc.cli(&["tokens", "revoke", "compliance"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (status, head, _) = exchange_full(&base, "GET", "/reviews", &[("Cookie", cookie.as_str())], b"");
    assert!(status == 303 && head.contains("location: /signin"), "{head}");
    svc.stop();
}

/// The same pages on the embedded SQLite store (no browser: the queries and forms are
/// what differ between stores): every page renders, a bulk confirm and a dismissal then
/// reopen go through the forms, and the audit log exports as CSV.
#[test]
fn every_page_renders_and_reviews_work_on_a_sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assay.db").display());
    let svc = Service::start(&db, "dash-sqlite", &[], &[]);
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data");
    svc.add("example", examples, &[]);
    let (status, body) = svc.call("PUT", "/api/v1/feature-sets/churn", br#"{"name":"churn","owner":"ml-platform","members":[{"source":"example","columns":["segment","notes","created_at"]}]}"#);
    assert_eq!(status, 201, "{body}");
    let out = svc.cli(&["sources", "scan", "example"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let admin = create_token(&db, "admin", "officer");
    let (session, _) = raw_sign_in(&svc.url, &admin, None);
    let cookie = format!("assay_session={session}");
    let get = |path: &str| {
        let (status, head, body) = exchange_full(&svc.url, "GET", path, &[("Cookie", cookie.as_str())], b"");
        assert_eq!(status, 200, "{path}: {head}\n{body}");
        body
    };
    let overview = get("/");
    assert!(overview.contains("id=\"open-alerts\"") && overview.contains("pii.phone_number"), "the example's open alert:\n{overview}");
    assert!(overview.contains("<svg") && overview.contains("<desc"), "charts with a text alternative");
    let source = get("/sources/example");
    assert!(source.contains("pii.credit_card") && source.contains("rule "), "{source}");
    for path in ["/alerts", "/alerts?status=open", "/feature-sets", "/audit", "/reviews/dismissed", "/reviews?severity=critical"] {
        get(path);
    }
    let sources = get("/sources");
    assert!(sources.contains("href=\"/sources/example\"") && sources.contains("1 registered"), "{sources}");
    // Confirm every finding of one label in bulk, then dismiss the notes and reopen it.
    let queue = get("/reviews?source=example");
    let csrf = csrf_of(&queue);
    let items: Vec<String> = queue.match_indices("name=\"item\" value=\"").map(|(at, m)| queue[at + m.len()..].split('"').next().unwrap().to_string()).collect();
    assert!(items.len() >= 5, "{queue}");
    let post = |body: String| exchange_full(&svc.url, "POST", "/reviews", &[("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")], body.as_bytes());
    let notes_row = queue.split("<tr>").find(|r| r.contains(">notes<")).expect("the notes finding in the queue");
    let notes_item = notes_row.split("name=\"item\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let others: Vec<&String> = items.iter().filter(|i| **i != notes_item).take(2).collect();
    let bulk = format!("csrf={csrf}&verdict=confirm&{}", others.iter().map(|i| format!("item={i}")).collect::<Vec<_>>().join("&"));
    let (status, head, _) = post(bulk);
    assert!(status == 303 && head.contains("done=2"), "{head}");
    let (status, head, body) = post(format!("csrf={csrf}&verdict=dismiss&item={notes_item}"));
    assert_eq!(status, 400, "a dismissal needs a reason: {head}\n{body}");
    let (status, _, _) = post(format!("csrf={csrf}&verdict=dismiss&reason=known+support+line&item={notes_item}"));
    assert_eq!(status, 303);
    let queue = get("/reviews?source=example");
    assert!(!queue.contains(&notes_item), "dismissed: out of the queue");
    let alerts = get("/alerts?status=resolved");
    assert!(alerts.contains("notes"), "the dismissal resolved the notes alert:\n{alerts}");
    let dismissed = get("/reviews/dismissed");
    assert!(dismissed.contains("known support line") && dismissed.contains("officer"), "{dismissed}");
    let (status, _, _) = post(format!("csrf={csrf}&verdict=reopen&reason=reopened&item={notes_item}"));
    assert_eq!(status, 303);
    assert!(get("/reviews?source=example").contains(&notes_item), "reopened: back in the queue");
    assert!(get("/alerts?status=open").contains("notes"), "reopened: the alert is open again");
    // Sorted by match rate, highest first; the cursor continues below a rate.
    let by_rate = get("/reviews?source=example&sort=rate");
    let rates: Vec<f64> = by_rate.match_indices("<td class=\"num\">").filter_map(|(at, m)| by_rate[at + m.len()..].split(' ').next()?.parse().ok()).step_by(2).collect();
    assert!(rates.len() >= 3 && rates.windows(2).all(|w| w[0] >= w[1]), "descending rates: {rates:?}");
    let below = get("/reviews?source=example&sort=rate&before=999999999&before_rate=0.5");
    assert!(!below.contains("100.0 %") && below.contains("class=\"col\">notes<"), "{below}");
    // Filtered by feature set: the members' columns only.
    let churn = get("/reviews?feature_set=churn");
    assert!(churn.contains("class=\"col\">notes<") && !churn.contains("class=\"col\">card<"), "{churn}");
    assert!(get("/reviews").contains("class=\"col\">card<"), "unfiltered, other columns too");
    // Acknowledge it from its page.
    let alerts: serde_json::Value = serde_json::from_str(&svc.get("/api/v1/alerts?status=open")).unwrap();
    let id = alerts["items"][0]["id"].as_i64().expect("an open alert");
    let page = get(&format!("/alerts/{id}"));
    assert!(page.contains("id=\"acknowledge\""), "{page}");
    let form = format!("csrf={}&reason=on+it", csrf_of(&page));
    let (status, _, _) = exchange_full(&svc.url, "POST", &format!("/alerts/{id}"), &[("Cookie", cookie.as_str()), ("Content-Type", "application/x-www-form-urlencoded")], form.as_bytes());
    assert_eq!(status, 303);
    let page = get(&format!("/alerts/{id}"));
    assert!(page.contains(">acknowledged</span>") && page.contains("on it") && !page.contains("id=\"acknowledge\""), "{page}");
    // The audit log as CSV: every review, a header, and the sign-in.
    let (status, head, csv) = exchange_full(&svc.url, "GET", "/audit.csv", &[("Cookie", cookie.as_str())], b"");
    assert_eq!(status, 200);
    assert!(head.to_lowercase().contains("content-type: text/csv"), "{head}");
    assert!(csv.starts_with("id,at,actor,role,action,target,outcome,status,client,request_id,detail"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.contains("reviews.add") && l.contains(",ok,")).count(), 4, "two confirms, a dismissal and a reopen:\n{csv}");
    assert!(csv.lines().any(|l| l.contains("reviews.add") && l.contains(",rejected,400,") && l.contains("needs a reason")), "the refused dismissal is audited too:\n{csv}");
    assert!(csv.lines().any(|l| l.contains("web.signin") && l.contains("officer")), "{csv}");
    svc.stop();
}
