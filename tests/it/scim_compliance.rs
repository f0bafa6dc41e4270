//! The server's SCIM 2.0 endpoints against an independent checker:
//! scim2-tester's full suite (`tests/scim2/check.py`) run against the real
//! server on a loopback port, with a token made by the real `provisio token
//! create`, once on SQLite and once on PostgreSQL.
//!
//! Needs the virtualenv `cargo xtask test` makes (its Python in
//! `PROVISIO_SCIM2_PYTHON`): ignored unless asked for, as `cargo xtask test`
//! does; skipped without it, unless `PROVISIO_E2E=1`.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use provisio_server::{Server, ServerConfig};
use tokio::process::Command;

use crate::cli::provisio_binary;

const PYTHON: &str = "PROVISIO_SCIM2_PYTHON";
/// The whole suite takes a few seconds; this only stops a hung run.
const CHECK_TIMEOUT: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs scim2-tester (cargo xtask test)"]
async fn scim2_tester_finds_no_failure_on_sqlite() {
    let Some(python) = checker_python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}", dir.path().join("provisio.db").display());
    check_compliance(&python, dir.path(), &database_url).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs PostgreSQL and scim2-tester (cargo xtask test)"]
async fn scim2_tester_finds_no_failure_on_postgres() {
    let Some(python) = checker_python() else { return };
    let Some(database_url) = provisio_tests::postgres::fresh_database().await else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    check_compliance(&python, dir.path(), &database_url).await;
}

/// The checker's Python, or `None` (the test skips) when it is not set up.
fn checker_python() -> Option<PathBuf> {
    match std::env::var_os(PYTHON) {
        Some(python) => Some(PathBuf::from(python)),
        None if std::env::var("PROVISIO_E2E").is_ok_and(|value| value == "1") => {
            panic!("PROVISIO_E2E=1 but {PYTHON} is not set: run the tests with `cargo xtask test`")
        }
        None => {
            eprintln!("skipped: {PYTHON} is not set (`cargo xtask test` sets it to its scim2-tester virtualenv)");
            None
        }
    }
}

/// Starts the server on `database_url`, makes a SCIM token with the
/// `provisio` binary and runs the checker against `/scim/v2`.
async fn check_compliance(python: &Path, dir: &Path, database_url: &str) {
    let portal = dir.join("dist");
    std::fs::create_dir_all(&portal).unwrap();
    std::fs::write(portal.join("index.html"), "<!doctype html><title>Provisio</title>").unwrap();
    let server = Server::new(ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.to_owned(),
        portal_dir: portal,
    })
    .with_secret_key_file(Some(dir.join("secret.key")))
    .launch()
    .await
    .unwrap();
    let token = scim_token(database_url).await;
    let base = format!("{}/scim/v2", server.base_url());

    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("scim2").join("check.py");
    let run = Command::new(python)
        .arg(&checker)
        .args(["--url", &base, "--token", &token])
        .env("PYTHONIOENCODING", "utf-8")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(CHECK_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("{} did not finish in {CHECK_TIMEOUT:?}", checker.display()))
        .unwrap_or_else(|e| panic!("cannot run {} {}: {e}", python.display(), checker.display()));
    server.shutdown().await;

    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{report}");
    assert!(
        output.status.success(),
        "scim2-tester found failures on {database_url} ({}):\n{report}",
        output.status
    );
}

/// A new token with the `scim` scope, from `provisio token create`.
async fn scim_token(database_url: &str) -> String {
    let binary = tokio::task::spawn_blocking(provisio_binary).await.unwrap();
    let Output { status, stdout, stderr } = Command::new(binary)
        .args(["token", "create", "--scope", "scim", "--database", database_url])
        .output()
        .await
        .expect("run provisio token create");
    let stdout = String::from_utf8_lossy(&stdout);
    assert!(
        status.success(),
        "provisio token create --scope scim failed ({status}):\n{stdout}{}",
        String::from_utf8_lossy(&stderr)
    );
    // The token is the one word with the tokens' prefix, whatever else
    // the command prints around it.
    stdout
        .split_whitespace()
        .find(|word| word.starts_with("pvs_"))
        .unwrap_or_else(|| panic!("no pvs_… token in the output of provisio token create:\n{stdout}"))
        .to_owned()
}
