//! A fresh Postgres database for each test.
//!
//! With `TEST_DATABASE_URL` set (CI sets it, e.g. `postgres://postgres@127.0.0.1:5432/test`),
//! each `TestDb` is a new `assay_test_<random>` database on that server; without it, a
//! Postgres container is started with testcontainers (needs a Docker daemon) and the
//! database is created inside it. Either way a test owns its database and never depends on
//! another test's state or order. The database and any roles the test created are dropped
//! when the `TestDb` is dropped, best effort (a failed test still cleans up).

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
    /// Creates a fresh database (and starts a container first if no server is given).
    pub async fn new() -> TestDb {
        install_crypto();
        let (admin_dsn, container) = match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => (url, None),
            _ => {
                let container = Postgres::default().with_tag("16-alpine").start().await.unwrap_or_else(|e| {
                    panic!("TEST_DATABASE_URL is not set and no Postgres container could be started ({e}); set TEST_DATABASE_URL=postgres://user@host:port/db")
                });
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
