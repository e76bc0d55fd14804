//! A fresh Postgres database for each test.
//!
//! The server is found as a new developer's machine has it, in this order:
//! 1. `TEST_DATABASE_URL` (CI sets it, e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! 2. the libpq environment (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, `PGDATABASE`) when
//!    any of it is set, else a local server at `postgres://postgres@127.0.0.1:5432/postgres`
//!    (Debian's package with `trust` on loopback, the machine's own server) — each used only
//!    if it accepts a connection and its role may create databases;
//! 3. a Postgres container started with testcontainers (needs a Docker daemon).
//!
//! The probe runs once per test binary; when nothing is found the panic lists what was
//! tried and why it failed, and what to install or set. Each `TestDb` is a new
//! `assay_test_<random>` database on that server, so a test owns its database and never
//! depends on another test's state or order. The database and any roles the test created
//! are dropped when the `TestDb` is dropped, best effort (a failed test still cleans up).

use std::sync::Mutex;

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, ImageExt};
use testcontainers_modules::postgres::Postgres;

/// One test's database.
pub struct TestDb {
    /// DSN of the server's maintenance database, as an administrator.
    admin_dsn: String,
    /// DSN of the test database, as an administrator.
    dsn: String,
    name: String,
    roles: Mutex<Vec<String>>,
    _container: Option<ContainerAsync<Postgres>>,
}

/// Installs the process's rustls provider as `main` does (once; later calls are no-ops).
pub fn install_crypto() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

fn random_suffix() -> String {
    format!("{:016x}", rand::random::<u64>())
}

impl TestDb {
    /// Creates a fresh database (and starts a container first if no server was found).
    pub async fn new() -> TestDb {
        install_crypto();
        let (admin_dsn, container) = match local_server().await {
            Ok(url) => (url.clone(), None),
            Err(tried) => {
                let container = Postgres::default().with_tag("16-alpine").start().await.unwrap_or_else(|e| panic!("{}", no_server(tried, &e.to_string())));
                let host = container.get_host().await.expect("container host");
                let port = container.get_host_port_ipv4(5432).await.expect("container port");
                (format!("postgres://postgres:postgres@{host}:{port}/postgres"), Some(container))
            }
        };
        let name = format!("assay_test_{}", random_suffix());
        let mut admin = PgConnection::connect(&admin_dsn).await.expect("connect to the test server");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut admin).await.expect("create the test database");
        let _ = admin.close().await;
        let dsn = with_database(&admin_dsn, &name);
        TestDb { admin_dsn, dsn, name, roles: Mutex::new(Vec::new()), _container: container }
    }

    /// DSN of the test database as the administrator.
    pub fn dsn(&self) -> &str {
        &self.dsn
    }

    /// The administrator's password, if the server needs one.
    pub fn admin_password(&self) -> Option<String> {
        let url = url::Url::parse(&self.dsn).expect("test DSN is a URL");
        url.password().map(str::to_string)
    }

    /// DSN of `database` (default: the test database) on the test server as `user` with
    /// `password`.
    pub fn dsn_as(&self, user: &str, password: Option<&str>, database: Option<&str>) -> String {
        let mut url = url::Url::parse(&self.dsn).expect("test DSN is a URL");
        url.set_username(user).expect("set user");
        url.set_password(password).expect("set password");
        if let Some(db) = database {
            url.set_path(&format!("/{db}"));
        }
        url.to_string()
    }

    /// A connection to the test database as the administrator.
    pub async fn conn(&self) -> PgConnection {
        PgConnection::connect(&self.dsn).await.expect("connect to the test database")
    }

    /// Runs one or more statements in the test database as the administrator.
    pub async fn exec(&self, sql: &str) {
        let mut c = self.conn().await;
        if let Err(e) = sqlx::raw_sql(AssertSqlSafe(sql.to_string())).execute(&mut c).await {
            panic!("test setup failed: {e}\n{}", &sql[..sql.len().min(2000)]);
        }
        let _ = c.close().await;
    }

    /// Creates a login role (with `password`, if any), dropped with the database.
    pub async fn create_role(&self, password: Option<&str>) -> String {
        let role = format!("assay_test_role_{}", random_suffix());
        let pw = password.map(|p| format!(" PASSWORD '{}'", p.replace('\'', "''"))).unwrap_or_default();
        self.exec(&format!("CREATE ROLE \"{role}\" LOGIN{pw}")).await;
        self.roles.lock().unwrap().push(role.clone());
        role
    }
}

/// The server a `TEST_DATABASE_URL` or a local probe found (its maintenance database's
/// DSN), or what was tried and why each failed. Probed once per test binary.
async fn local_server() -> Result<&'static String, &'static [String]> {
    static FOUND: tokio::sync::OnceCell<Result<String, Vec<String>>> = tokio::sync::OnceCell::const_new();
    FOUND.get_or_init(probe).await.as_ref().map_err(Vec::as_slice)
}

async fn probe() -> Result<String, Vec<String>> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        if !url.is_empty() {
            // Named explicitly: used as given, and a failure to connect shows in the test.
            return Ok(url);
        }
    }
    let mut tried = vec!["TEST_DATABASE_URL: not set".to_string()];
    for candidate in candidates() {
        match usable(&candidate).await {
            Ok(()) => return Ok(candidate),
            Err(why) => tried.push(format!("{}: {why}", shown(&candidate))),
        }
    }
    Err(tried)
}

/// The libpq environment's server when any of it is set, else the usual local server.
fn candidates() -> Vec<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut out = Vec::new();
    if ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"].iter().any(|k| var(k).is_some()) {
        let host = var("PGHOST").unwrap_or_else(|| "127.0.0.1".into());
        let mut url = url::Url::parse("postgres://localhost/").expect("static URL");
        url.set_username(&var("PGUSER").unwrap_or_else(|| "postgres".into())).expect("user");
        url.set_password(var("PGPASSWORD").as_deref()).expect("password");
        url.set_path(&format!("/{}", var("PGDATABASE").unwrap_or_else(|| "postgres".into())));
        if host.starts_with('/') {
            // A socket directory, as libpq takes it; sqlx reads it from `host=`.
            url.query_pairs_mut().append_pair("host", &host);
            if let Some(port) = var("PGPORT") {
                url.query_pairs_mut().append_pair("port", &port);
            }
        } else {
            url.set_host(Some(&host)).expect("PGHOST is a host name");
            url.set_port(var("PGPORT").and_then(|p| p.parse().ok()).or(Some(5432))).expect("port");
        }
        out.push(url.to_string());
    }
    out.push("postgres://postgres@127.0.0.1:5432/postgres".to_string());
    out.dedup();
    out
}

/// Ok when `dsn` accepts a connection within a few seconds and its role may create the
/// tests' databases; otherwise why not.
async fn usable(dsn: &str) -> Result<(), String> {
    let connect = PgConnection::connect(dsn);
    let mut c = match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => return Err("no answer within 5 s".into()),
    };
    let may: Result<bool, _> = sqlx::query_scalar("SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user").fetch_one(&mut c).await;
    let _ = c.close().await;
    match may {
        Ok(true) => Ok(()),
        Ok(false) => Err("connected, but the role may not CREATE DATABASE".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// `dsn` without its password, for messages.
fn shown(dsn: &str) -> String {
    match url::Url::parse(dsn) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "(a DSN that is not a URL)".into(),
    }
}

/// The panic message when no server was found and no container could be started.
fn no_server(tried: &[String], docker: &str) -> String {
    let mut m = String::from("the Postgres tests found no server. Tried:\n");
    for t in tried {
        m.push_str(&format!("  - {t}\n"));
    }
    m.push_str(&format!("  - a container with testcontainers: {docker}\n"));
    m.push_str(
        "Do one of:\n  \
         - export TEST_DATABASE_URL=postgres://USER[:PASSWORD]@HOST:PORT/DB (a role that may CREATE DATABASE);\n  \
         - set PGHOST/PGPORT/PGUSER/PGPASSWORD for such a server;\n  \
         - run one on 127.0.0.1:5432 that lets user postgres in (Debian: apt-get install postgresql, \
         `host all all 127.0.0.1/32 trust` in pg_hba.conf, pg_ctlcluster <version> main start);\n  \
         - start a Docker daemon, for a postgres:16-alpine container.",
    );
    m
}

/// `dsn` with its database replaced.
fn with_database(dsn: &str, db: &str) -> String {
    let mut url = url::Url::parse(dsn).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{db}"));
    url.to_string()
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_dsn = self.admin_dsn.clone();
        let name = self.name.clone();
        let roles = std::mem::take(&mut *self.roles.lock().unwrap_or_else(|e| e.into_inner()));
        // Drop may run inside the test's runtime, which cannot be blocked on: clean up from
        // a thread of its own.
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                let Ok(mut admin) = PgConnection::connect(&admin_dsn).await else { return };
                let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))).execute(&mut admin).await;
                for role in roles {
                    let _ = sqlx::raw_sql(AssertSqlSafe(format!("DROP ROLE IF EXISTS \"{role}\""))).execute(&mut admin).await;
                }
                let _ = admin.close().await;
            });
        });
        let _ = cleanup.join();
    }
}
