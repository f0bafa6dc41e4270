//! The `provisio expr` commands, run as a real process: JSON on stdout,
//! compiler-style diagnostics on stderr, exit code 2 on any failure; and
//! how every command ends when its output pipe closes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `provisio` binary, built once per test run. `cargo build` through
/// escargot is a no-op when `cargo xtask test` built it already, and keeps a
/// plain `cargo test -p provisio-tests` from running a stale binary.
pub(crate) fn provisio_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        escargot::CargoBuild::new()
            .package("provisio-server")
            .bin("provisio")
            .current_release()
            .run()
            .expect("cargo build -p provisio-server --bin provisio")
            .path()
            .to_path_buf()
    })
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn provisio(args: &[&str]) -> Run {
    let Output { status, stdout, stderr } = Command::new(provisio_binary())
        .args(args)
        .output()
        .expect("run provisio");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// `provisio expr eval EXPR ARGS…` prints `json` and nothing on stderr.
#[track_caller]
fn eval_ok(expression: &str, args: &[&str], json: &str) {
    let run = provisio(&[&["expr", "eval", expression], args].concat());
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{expression}");
    assert_eq!(run.stdout, format!("{json}\n"), "{expression}");
}

/// `provisio ARGS…` exits 2 with nothing on stdout; returns stderr.
#[track_caller]
fn fails(args: &[&str]) -> String {
    let run = provisio(args);
    assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
    assert_eq!(run.stdout, "", "{args:?}");
    run.stderr
}

/// A temporary file with the given contents; dropped with its folder.
fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path.to_str().unwrap().to_owned())
}

#[test]
fn eval_prints_each_kind_of_value_as_one_line_of_json() {
    eval_ok(r#"Join("@", "john", "contoso.com")"#, &[], r#""john@contoso.com""#);
    eval_ok(r#"InStr("repEated", "e", 3, vbBinaryCompare)"#, &[], "7");
    eval_ok(r#"IsPresent([displayName])"#, &[], "false");
    eval_ok(r#"Split("a, b,c", ",")"#, &[], r#"["a","b","c"]"#);
    eval_ok("[displayName]", &[], "null");
}

#[test]
fn eval_reads_attributes_from_a_source_file() {
    let (_dir, user) = temp_file(
        "user.json",
        r#"{"givenName": "Zoë", "surname": "Doe", "proxyAddresses": ["a", "b"]}"#,
    );
    eval_ok(
        r#"ToLower(Join(".", [givenName], [surname]))"#,
        &["--source", &user],
        r#""zoë.doe""#,
    );
    eval_ok("Count([proxyAddresses])", &["--source", &user], "2");
}

#[test]
fn eval_takes_now_the_default_domain_the_seed_and_existing_values_as_inputs() {
    eval_ok(
        "Now()",
        &["--now", "2026-11-26T14:05:09+01:00"],
        r#""11/26/2026 1:05:09 PM""#,
    );
    eval_ok(
        r#"Join("@", "jo", DefaultDomain())"#,
        &["--default-domain", "fabrikam.com"],
        r#""jo@fabrikam.com""#,
    );
    let unique = r#"SelectUniqueValue("jo@contoso.com", "jo1@contoso.com", "jo2@contoso.com")"#;
    eval_ok(
        unique,
        &["--existing", "jo@contoso.com", "--existing", "jo1@contoso.com"],
        r#""jo2@contoso.com""#,
    );
    let random = |seed: &str| provisio(&["expr", "eval", "RandomString(16, 2, 2, 2, 2)", "--seed", seed]).stdout;
    assert_eq!(random("7"), random("7"));
    assert_ne!(random("7"), random("8"));
}

#[test]
fn eval_without_now_uses_the_system_clock() {
    let filetime = |unix: u64| (unix + 11_644_473_600) * 10_000_000;
    let unix_now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let before = filetime(unix_now());
    let run = provisio(&["expr", "eval", "NumFromDate(Now())"]);
    let printed: u64 = run.stdout.trim().parse().expect(&run.stderr);
    assert!((before..=filetime(unix_now() + 1)).contains(&printed), "{printed}");
}

#[test]
fn ignore_flow_prints_the_value_and_a_note() {
    let run = provisio(&["expr", "eval", "IgnoreFlowIfNullOrEmpty([department])"]);
    assert_eq!((run.code, run.stdout.as_str()), (Some(0), "null\n"));
    assert!(
        run.stderr.starts_with("note: ") && run.stderr.contains("left out of the flow"),
        "{}",
        run.stderr
    );
}

#[test]
fn diagnostics_are_rendered_in_compiler_style_with_exit_code_2() {
    let stderr = fails(&["expr", "eval", "Tolower([mail])"]);
    assert!(
        stderr.starts_with("error[E0201]: unknown function `Tolower`\n --> 1:1\n"),
        "{stderr}"
    );
    assert!(stderr.contains("1 | Tolower([mail])\n  | ^^^^^^^\n"), "{stderr}");
    assert!(stderr.contains("= help: did you mean `ToLower`?"), "{stderr}");
    assert!(fails(&["expr", "eval", r#"CDate("yesterday")"#]).starts_with("error[E0302]"));
}

#[test]
fn bad_sources_and_arguments_fail_with_one_clear_line() {
    let (_dir, array) = temp_file("array.json", "[1, 2]");
    let (_dir2, broken) = temp_file("broken.json", "{\"mail\": ");
    for (args, expected) in [
        (
            vec!["--source", "/nonexistent/user.json"],
            "error: cannot read --source /nonexistent/user.json",
        ),
        (
            vec!["--source", &array],
            "must hold a JSON object of attribute name → value, not an array",
        ),
        (vec!["--source", &broken], "is not valid JSON"),
        (vec!["--now", "yesterday"], "expected RFC 3339"),
    ] {
        let stderr = fails(&[&["expr", "eval", "[mail]"], args.as_slice()].concat());
        assert!(
            stderr.starts_with("error: ") && stderr.contains(expected),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn check_prints_ok_or_the_diagnostics() {
    let run = provisio(&["expr", "check", r#"Left([givenName], 3)"#]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (Some(0), "ok\n", "")
    );
    assert!(fails(&["expr", "check", r#"Left("abc")"#]).starts_with("error[E0202]"));
}

#[test]
fn print_shows_the_canonical_form() {
    let run = provisio(&["expr", "print", r#"tolower( [mail] )"#]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, "tolower([mail])\n");
    assert!(fails(&["expr", "print", "Left(\"a\""]).starts_with("error[E0104]"));
}

/// `provisio … | head` closes the pipe early: the command ends there, as
/// Unix tools do (by SIGPIPE), never with a panic about a broken pipe.
#[test]
#[cfg(unix)]
fn a_closed_output_pipe_ends_a_command_quietly() {
    use std::os::unix::process::ExitStatusExt as _;

    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(provisio_binary())
        .args(["expr", "eval", "\"a line for a closed pipe\""])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run provisio");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        output.status.signal(),
        Some(13),
        "ended by SIGPIPE: {:?}",
        output.status
    );
}
