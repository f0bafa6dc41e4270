//! A throwaway PostgreSQL for the tests: one cluster per test process,
//! started on first use on a free loopback port, with a fresh empty
//! database for every test that asks.
//!
//! ```no_run
//! # async fn a_test() {
//! let Some(url) = provisio_tests::postgres::fresh_database().await else {
//!     eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
//!     return;
//! };
//! // url is postgres://postgres@127.0.0.1:PORT/test_N, empty and only this test's.
//! # }
//! ```
//!
//! The cluster lives in a temporary folder and trades durability for speed
//! (`fsync`, `synchronous_commit` and `full_page_writes` off). Benchmarks
//! that measure a PostgreSQL target as deployed ask for
//! [`fresh_durable_database`] instead: a second cluster of the process, with
//! PostgreSQL's durable defaults. It serves
//! TLS too, with a certificate from a throwaway CA
//! ([`TestPostgres::ca_certificate`]). It is stopped
//! and its folder removed when the test process ends, however it ends: see
//! `spawn_reaper`. Runners that start one process per test (nextest) get
//! one cluster per test, which works but costs about a second each.
//!
//! Debian puts `initdb` and `pg_ctl` in `/usr/lib/postgresql/VERSION/bin`,
//! not on PATH; both places are searched. PostgreSQL refuses to run as root,
//! so as root (CI) the cluster belongs to the `postgres` user the Debian
//! package creates, and its programs run through `runuser`.

use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// Set to `1` by `cargo xtask test`: every end-to-end test must run, so a
/// missing PostgreSQL is a failure rather than a skip.
const E2E: &str = "PROVISIO_E2E";
/// Where Debian installs each PostgreSQL version's server programs.
const DEBIAN_LIB: &str = "/usr/lib/postgresql";
/// The database superuser; also the OS user that owns the cluster when the
/// tests run as root.
const SUPERUSER: &str = "postgres";
/// How many times to try another port when the one picked was taken
/// between choosing it and PostgreSQL binding it.
const START_ATTEMPTS: usize = 3;

/// The running cluster of this test process.
#[derive(Debug)]
pub struct TestPostgres {
    port: u16,
    /// The temporary folder: the data directory `data/`, the server's log
    /// `postgres.log` and its Unix socket.
    dir: PathBuf,
    /// How many databases [`TestPostgres::create_database`] made so far.
    databases: AtomicU32,
    /// The write end of the reaper's standard input. Never written to: it
    /// only has to stay open for as long as this process lives.
    _reaper: ChildStdin,
}

/// A newly created, empty database of this process's cluster, as a URL
/// `postgres://postgres@127.0.0.1:PORT/NAME` (a different name on every
/// call, so tests do not see each other's tables).
///
/// `None` when PostgreSQL is not installed and `PROVISIO_E2E` is not `1`:
/// the caller then skips, saying so. Panics when it is not installed under
/// `PROVISIO_E2E=1`, or when the cluster cannot start.
pub async fn fresh_database() -> Option<String> {
    Some(TestPostgres::shared()?.create_database().await)
}

/// [`fresh_database`] in the process's durable cluster
/// ([`TestPostgres::durable`]): every commit waits for its fsync.
pub async fn fresh_durable_database() -> Option<String> {
    Some(TestPostgres::durable()?.create_database().await)
}

/// Whether a cluster keeps PostgreSQL's durable defaults or trades them
/// for speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Durability {
    /// `fsync`, `synchronous_commit` and `full_page_writes` off: the tests'.
    Off,
    /// PostgreSQL's defaults (all three on): what benchmarks measure.
    On,
}

impl TestPostgres {
    /// This process's cluster, started on the first call (which blocks for
    /// about a second); `None` when PostgreSQL is not installed and
    /// `PROVISIO_E2E` is not `1`.
    pub fn shared() -> Option<&'static TestPostgres> {
        static CLUSTER: OnceLock<Result<Option<TestPostgres>, String>> = OnceLock::new();
        TestPostgres::get(&CLUSTER, Durability::Off)
    }

    /// Like [`TestPostgres::shared`], but a second cluster with fsync,
    /// synchronous commits and full page writes on, for benchmarks that
    /// measure a PostgreSQL target's real write rate.
    pub fn durable() -> Option<&'static TestPostgres> {
        static CLUSTER: OnceLock<Result<Option<TestPostgres>, String>> = OnceLock::new();
        TestPostgres::get(&CLUSTER, Durability::On)
    }

    fn get(
        cluster: &'static OnceLock<Result<Option<TestPostgres>, String>>,
        durability: Durability,
    ) -> Option<&'static TestPostgres> {
        let cluster = cluster.get_or_init(|| match find_binaries() {
            Some(bin) => TestPostgres::start(&bin, durability).map(Some),
            None if std::env::var(E2E).is_ok_and(|value| value == "1") => Err(format!(
                "PostgreSQL is not installed (no initdb and pg_ctl in {DEBIAN_LIB}/*/bin or on PATH) \
                 and {E2E}=1 requires every end-to-end test to run: install postgresql: \
                 cargo xtask test does it"
            )),
            None => Ok(None),
        });
        match cluster {
            Ok(cluster) => cluster.as_ref(),
            Err(error) => panic!("test PostgreSQL: {error}"),
        }
    }

    /// The loopback port the cluster listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's temporary folder: the data directory `data/`, the
    /// server's log `postgres.log` and its Unix socket.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PEM certificate of the CA that signed the cluster's TLS
    /// certificate (for 127.0.0.1 and localhost), for `sslrootcert`.
    pub fn ca_certificate(&self) -> PathBuf {
        self.dir.join("tls").join("ca.pem")
    }

    /// The URL of the database `name` as the superuser (trust
    /// authentication: no password).
    pub fn url(&self, name: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{name}", self.port)
    }

    /// Creates an empty database with a name not used before in this
    /// process and returns its URL.
    pub async fn create_database(&self) -> String {
        let name = format!("test_{}", self.databases.fetch_add(1, Ordering::Relaxed));
        let mut admin = PgConnection::connect(&self.url("postgres"))
            .await
            .unwrap_or_else(|e| panic!("test PostgreSQL: cannot connect on port {}: {e}", self.port));
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("test PostgreSQL: CREATE DATABASE {name}: {e}"));
        // The pool of the caller connects anew; nothing to wait for here.
        let _ = admin.close().await;
        self.url(&name)
    }

    /// `initdb`, the reaper, then `pg_ctl start` on a free port.
    fn start(bin: &Path, durability: Durability) -> Result<TestPostgres, String> {
        let as_root = running_as_root();
        // As root the folder must be reachable by `postgres`: /tmp is,
        // whatever TMPDIR says.
        let base = if as_root {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let name = match durability {
            Durability::Off => "provisio-postgres",
            Durability::On => "provisio-postgres-durable",
        };
        let dir = base.join(format!("{name}-{}", std::process::id()));
        // A folder of the same name can only be left over by a dead
        // process that had this process id.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        if as_root {
            run(Command::new("chown").arg(format!("{SUPERUSER}:")).arg(&dir))?;
        }
        let data = dir.join("data");
        let reaper = spawn_reaper(bin, &dir, &data, as_root)?;
        // TLS with a throwaway CA, so connections that ask for it (sslmode)
        // are tested against a real handshake; the key must be the
        // server's own and private.
        let tls = dir.join("tls");
        std::fs::create_dir_all(&tls).map_err(|e| format!("cannot create {}: {e}", tls.display()))?;
        crate::tls::write_certificates(&tls);
        if as_root {
            run(Command::new("chown").arg("-R").arg(format!("{SUPERUSER}:")).arg(&tls))?;
        }
        std::fs::set_permissions(tls.join("server.key"), std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("cannot make the TLS key private: {e}"))?;
        run(as_owner(&bin.join("initdb"), as_root, &dir)
            .arg("-D")
            .arg(&data)
            .args(["--auth=trust", "-U", SUPERUSER, "--encoding=UTF8", "--locale=C"])
            .args(["--no-sync", "--no-instructions"]))?;
        let log = dir.join("postgres.log");
        let speed = match durability {
            Durability::Off => "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            Durability::On => "",
        };
        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port()?;
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k '{}' {speed} -c max_connections=300 -c ssl=on \
                 -c ssl_cert_file='{}' -c ssl_key_file='{}'",
                dir.display(),
                tls.join("server.pem").display(),
                tls.join("server.key").display()
            );
            let started = run(as_owner(&bin.join("pg_ctl"), as_root, &dir)
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]));
            match started {
                Ok(()) => {
                    return Ok(TestPostgres {
                        port,
                        dir,
                        databases: AtomicU32::new(0),
                        _reaper: reaper,
                    });
                }
                Err(error) => {
                    let server_log = std::fs::read_to_string(&log).unwrap_or_default();
                    last_error = format!("{error}\n{}:\n{server_log}", log.display());
                }
            }
        }
        Err(last_error)
    }
}

/// Starts the process that stops the cluster and removes its folder once
/// this process has ended, and returns the write end of its standard input.
///
/// Why a separate process: a test binary ends by returning from `main` (or
/// by a panic, a signal, a kill), and none of these runs Rust destructors
/// of statics; `atexit` would need `unsafe` (forbidden here) and still miss
/// signals. The kernel, though, always closes a dead process's file
/// descriptors. The reaper (`sh`) blocks reading a pipe whose only write
/// end this process holds (Rust opens pipes close-on-exec, so no other
/// child inherits it); when this process ends in any way, the read sees end
/// of file and the reaper runs `pg_ctl stop -m immediate` and `rm -rf`. It
/// runs in its own process group and ignores SIGINT and SIGHUP, so a Ctrl-C
/// in the terminal stops the tests but not the clean-up. Started before
/// `initdb`, so a half-made cluster is removed too.
fn spawn_reaper(bin: &Path, dir: &Path, data: &Path, as_root: bool) -> Result<ChildStdin, String> {
    const SCRIPT: &str = r#"
        trap '' HUP INT
        while read -r _; do :; done
        if [ "$4" = root ]; then
            runuser -u postgres -- "$1" -D "$2" stop -m immediate
        else
            "$1" -D "$2" stop -m immediate
        fi >/dev/null 2>&1
        rm -rf "$3"
    "#;
    let mut child = Command::new("sh")
        .args(["-c", SCRIPT, "provisio-postgres-reaper"])
        .arg(bin.join("pg_ctl"))
        .arg(data)
        .arg(dir)
        .arg(if as_root { "root" } else { "user" })
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start the reaper (sh): {e}"))?;
    child
        .stdin
        .take()
        .ok_or_else(|| "the reaper has no standard input".to_owned())
}

/// The folder holding `initdb` and `pg_ctl`: the newest Debian version
/// under `/usr/lib/postgresql`, else the first on PATH.
fn find_binaries() -> Option<PathBuf> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir(DEBIAN_LIB)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| has_both(bin))
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|dir| has_both(dir))
}

/// Whether this process runs as root: the owner of `/proc/self` is the
/// process's effective user (and std has no safe `geteuid`).
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

/// `program`, run as the `postgres` user when we are root (PostgreSQL
/// refuses root), otherwise as ourselves, in `dir`.
fn as_owner(program: &Path, as_root: bool, dir: &Path) -> Command {
    let mut command = if as_root {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", SUPERUSER, "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    command.current_dir(dir).stdin(Stdio::null());
    command
}

/// A loopback port nobody listens on right now.
fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .map_err(|e| format!("cannot find a free loopback port: {e}"))
}

/// Runs `command` to completion; an error with its output unless it succeeds.
fn run(command: &mut Command) -> Result<(), String> {
    let describe = format!("{command:?}");
    let Output { status, stdout, stderr } = command.output().map_err(|e| format!("cannot start {describe}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "{describe} failed ({status}):\n{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        ))
    }
}
