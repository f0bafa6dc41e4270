//! Why `provisio serve` did not start, as the operator reads it (issue 16,
//! item 9): the database named by host, port and name (never the
//! password), each cause said once, `CREATE DATABASE` for a database that
//! is not there, a refused connection reported at once, and an address
//! already in use named with the flag that changes it. Each test runs the
//! real binary in a temporary folder.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use provisio_tests::postgres::TestPostgres;
use provisio_tests::server_process::free_port;

use crate::cli::provisio_binary;

/// Longer than any start-up that fails fast, shorter than the database
/// pool's 30 s time-out that a refused connection used to wait for.
const FAILS_WITHIN: Duration = Duration::from_secs(20);

fn serve(dir: &Path, database: &str, listen: &str) -> Command {
    let mut command = Command::new(provisio_binary());
    command
        .args(["serve", "--listen", listen, "--database", database])
        .current_dir(dir)
        .env("PROVISIO_PORTAL_DIR", dir.join("dist"))
        .env("RUST_LOG", "warn")
        .env_remove("PROVISIO_SECRET_KEY")
        .env_remove("PROVISIO_SECRET_KEY_FILE")
        .env_remove("PROVISIO_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Runs `command`, which must exit on its own within [`FAILS_WITHIN`]
/// (else it is killed and the test fails), and returns what it printed.
fn exits_on_its_own(mut command: Command) -> Output {
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + FAILS_WITHIN;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("still running after {FAILS_WITHIN:?}: {}", text(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success(), "must fail: {}", text(&output.stdout));
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Nothing before `error: ` but the warnings of the log, one error line.
fn error_line(output: &Output) -> String {
    let stderr = text(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(lines.len(), 1, "one error line: {stderr}");
    lines[0].to_owned()
}

#[test]
fn a_refused_postgresql_connection_fails_at_once_naming_the_server_but_not_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("postgres://provisio:s3cret-pw@127.0.0.1:{port}/provisio_prod");
    let output = exits_on_its_own(serve(dir.path(), &url, "127.0.0.1:0"));
    let error = error_line(&output);
    assert!(
        error.starts_with(&format!(
            "error: cannot start the server: cannot open the PostgreSQL database `provisio_prod` on 127.0.0.1:{port}: \
             the connection was refused: is PostgreSQL running there"
        )),
        "{error}"
    );
    assert!(error.contains(&format!("pg_isready -h 127.0.0.1 -p {port}")), "{error}");
    assert!(!text(&output.stderr).contains("s3cret-pw"), "{error}");
    assert_eq!(error.matches("refused").count(), 1, "said once: {error}");
    assert!(
        !dir.path().join("data").exists(),
        "no key file is made for a database that cannot be used"
    );
}

#[test]
#[ignore = "needs PostgreSQL (cargo xtask test)"]
fn a_missing_postgresql_database_is_named_with_the_create_database_to_run() {
    let Some(postgres) = TestPostgres::shared() else {
        eprintln!("skipped: PostgreSQL is not installed (cargo xtask test installs it)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = postgres.port();
    let url = postgres.url("provisio_missing");
    let output = exits_on_its_own(serve(dir.path(), &url, "127.0.0.1:0"));
    let error = error_line(&output);
    assert!(
        error.starts_with(&format!(
            "error: cannot start the server: cannot open the PostgreSQL database `provisio_missing` on \
             127.0.0.1:{port}: it does not exist: create it with `CREATE DATABASE provisio_missing;`"
        )),
        "{error}"
    );
    assert!(
        error.contains(&format!("createdb -h 127.0.0.1 -p {port} -U postgres provisio_missing")),
        "{error}"
    );
    assert!(
        !error.contains("at line"),
        "PostgreSQL's source line is no use here: {error}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "no key file is made for a database that cannot be used"
    );

    // Commands other than serve say it alike.
    let output = Command::new(provisio_binary())
        .args(["token", "list", "--database", &url])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let error = error_line(&output);
    assert!(
        error.contains(&format!(
            "cannot open the PostgreSQL database `provisio_missing` on 127.0.0.1:{port}: it does not exist: \
             create it with `CREATE DATABASE provisio_missing;`"
        )),
        "{error}"
    );
}

/// Waits for the "Provisio is running at URL" line and returns the port.
fn running_port(child: &mut Child) -> u16 {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    url.trim_start_matches("http://127.0.0.1:")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[test]
fn a_second_server_on_the_same_address_names_it_and_the_flag_to_change_it() {
    let first_dir = tempfile::tempdir().unwrap();
    let mut first = serve(first_dir.path(), "sqlite://data/provisio.db", "127.0.0.1:0")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let port = running_port(&mut first);

    let second_dir = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{port}");
    let output = exits_on_its_own(serve(second_dir.path(), "sqlite://data/provisio.db", &address));
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(
        error_line(&output),
        format!(
            "error: cannot start the server: {address} is already in use: another program (perhaps another \
             Provisio) listens there; stop it or choose another address with --listen or PROVISIO_LISTEN \
             (e.g. --listen 127.0.0.1:{})",
            port.checked_add(1).unwrap_or(8081)
        )
    );
}
