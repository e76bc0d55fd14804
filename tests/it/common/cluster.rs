//! A throwaway Postgres cluster that a test may stop and start (the machine's server on
//! 5432 must never be restarted by a test).
//!
//! `initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user and
//! every command runs through `su postgres -c`; as anyone else (a developer's own account) the
//! commands run as that user. The server binaries are the newest under `/usr/lib/postgresql`
//! (Debian's layout), else the directory `pg_config --bindir` names. The cluster lives in a
//! temporary directory on a free port and is stopped (immediate mode) and deleted on drop,
//! also when the test fails.

use std::path::PathBuf;
use std::process::Command;

/// One throwaway cluster.
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

/// The newest installed server's `bin` directory.
fn server_bin() -> PathBuf {
    let root = std::path::Path::new("/usr/lib/postgresql");
    let mut versions: Vec<u32> = std::fs::read_dir(root)
        .map(|d| d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect())
        .unwrap_or_default();
    versions.sort_unstable();
    if let Some(v) = versions.last() {
        return root.join(v.to_string()).join("bin");
    }
    let bindir = Command::new("pg_config").arg("--bindir").output().ok().filter(|o| o.status.success());
    match bindir.map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())) {
        Some(dir) if dir.join("initdb").exists() => dir,
        _ => panic!(
            "this test starts a throwaway Postgres cluster and found no server binaries (initdb, pg_ctl) under {} \
             nor through `pg_config --bindir`: install them (Debian: apt-get install postgresql)",
            root.display()
        ),
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// `command` run by a shell as the cluster's owner: `postgres` when we are root (initdb
/// refuses root), else ourselves.
fn owner_shell(command: &str) -> Command {
    let mut cmd = if is_root() {
        let mut c = Command::new("su");
        c.args(["postgres", "-c"]);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c");
        c
    };
    cmd.arg(command);
    cmd
}

/// Runs `command` as the cluster's owner; panics with its output when it fails.
fn as_owner(command: &str) {
    let out = owner_shell(command).output().expect("run the cluster command");
    assert!(out.status.success(), "`{command}` failed: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

impl Cluster {
    /// Creates and starts a cluster (about 1.5 s).
    pub fn start() -> Cluster {
        let dir = tempfile::Builder::new().prefix("assay-pg-").tempdir().expect("temp dir");
        if is_root() {
            let status = Command::new("chown").args(["postgres:postgres", &dir.path().display().to_string()]).status().expect("run chown");
            assert!(status.success(), "chown of {} failed (as root the cluster belongs to the `postgres` user)", dir.path().display());
        }
        let bin = server_bin();
        let data = dir.path().join("data");
        as_owner(&format!("{} -D {} -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null", bin.join("initdb").display(), data.display()));
        let mut cluster = Cluster { bin, dir, port: 0 };
        // The free port may be taken by someone else before the server binds it: try again.
        for attempt in 0.. {
            cluster.port = super::http::free_port();
            if cluster.try_start() {
                return cluster;
            }
            assert!(attempt < 3, "the throwaway cluster did not start: {}", std::fs::read_to_string(cluster.log()).unwrap_or_default());
        }
        unreachable!()
    }

    fn log(&self) -> PathBuf {
        self.dir.path().join("log")
    }

    fn pg_ctl(&self, args: &str) -> bool {
        let command = format!("{} -D {} {args}", self.bin.join("pg_ctl").display(), self.dir.path().join("data").display());
        owner_shell(&command).output().is_ok_and(|o| o.status.success())
    }

    fn try_start(&self) -> bool {
        let opts = format!("-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off", self.port, self.dir.path().display());
        self.pg_ctl(&format!("-l {} -w -t 60 -o '{opts}' start", self.log().display()))
    }

    /// Starts the cluster again on its port (after `stop`).
    pub fn restart(&self) {
        assert!(self.try_start(), "the throwaway cluster did not restart: {}", std::fs::read_to_string(self.log()).unwrap_or_default());
    }

    /// Stops the server, disconnecting every client (`pg_ctl stop -m fast`).
    pub fn stop(&self) {
        assert!(self.pg_ctl("-w -m fast stop"), "the throwaway cluster did not stop");
    }

    /// `postgres://` URL of the cluster's `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.pg_ctl("-w -m immediate stop");
    }
}
