//! The README's "Quick start with the binary", followed command by command
//! with the real `provisio` binary: the server with the demo organisation,
//! an administrator, a token, the SCIM example job applied and started,
//! its status until the initial cycle has created the users in a real SCIM
//! application (scim2-server); then the inbound example and the people CSV,
//! whose people reach the SCIM application too.
//!
//! The commands are read from README.md, so the README cannot drift from
//! what works. Only what the test cannot use as written is replaced, each
//! in one place: the server's address (a free port rather than 8080, which
//! something else may hold), the SCIM application's address in the copy of
//! `examples/scim-job.yaml` and its token (the test's scim2-server, on a
//! free port), and the first code block, which starts a scim2-server the
//! test starts itself.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use provisio_tests::scim_target::ScimTarget;
use provisio_tests::server_process::{free_port, wait_listening};

use crate::cli::provisio_binary;
use crate::examples::{copy_example, examples};

/// How long the demo organisation's initial cycle may take.
const CYCLE_TIMEOUT: Duration = Duration::from_secs(180);

/// The `sh` code blocks of the README's quick start, in order.
fn quick_start_blocks() -> Vec<String> {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let start = readme
        .find("\n## Quick start with the binary\n")
        .expect("README.md has a section \"Quick start with the binary\"");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |end| end + 3)];
    section
        .split("```sh\n")
        .skip(1)
        .map(|block| block[..block.find("```").expect("a closed code block")].to_owned())
        .collect()
}

/// A README block as the test runs it: the server's address replaced, and
/// the SCIM application's token.
fn adapted(block: &str, address: &str, scim_token: &str) -> String {
    block
        .lines()
        .map(|line| {
            if line.starts_with("export SCIM_TOKEN=") {
                format!("export SCIM_TOKEN={scim_token}")
            } else {
                line.replace("127.0.0.1:8080", address)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `bash -euo pipefail -c SCRIPT` in `dir`, with the binary's folder first
/// on the `PATH` and none of Provisio's variables set.
fn bash(dir: &Path, script: &str) -> Command {
    let bin = provisio_binary().parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("bash");
    command
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path);
    for name in [
        "PROVISIO_DATABASE",
        "PROVISIO_SERVER",
        "PROVISIO_TOKEN",
        "PROVISIO_LISTEN",
        "PROVISIO_SECRET_KEY",
        "PROVISIO_SECRET_KEY_FILE",
        "PROVISIO_ADMIN_PASSWORD",
        "PROVISIO_INBOUND_TOKEN",
    ] {
        command.env_remove(name);
    }
    command
}

#[track_caller]
fn succeeded(what: &str, output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The userNames the SCIM application holds.
fn users_in(target: &ScimTarget) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(crate::target::resources(target, "Users"))
        .iter()
        .filter_map(|user| user["userName"].as_str().map(str::to_owned))
        .collect()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs scim2-server (cargo xtask test)"]
fn the_readme_quick_start_works_as_written() {
    let blocks = quick_start_blocks();
    assert_eq!(
        blocks.len(),
        4,
        "scim2-server, the server, the SCIM job, the inbound job: {blocks:#?}"
    );
    assert!(blocks[0].contains("scim2-server --port 8000"), "{}", blocks[0]);
    let Some(target) = ScimTarget::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    let scim = copy_example(
        "scim-job.yaml",
        &dir.path().join("examples"),
        "http://127.0.0.1:8000/v2",
        &target.base_url(),
    );
    assert!(scim.exists());
    for name in ["inbound-job.yaml", "people.csv"] {
        std::fs::copy(examples().join(name), dir.path().join("examples").join(name)).unwrap();
    }
    let port = free_port();
    let address = format!("127.0.0.1:{port}");

    // Terminal 1: the server, on the test's port.
    assert_eq!(blocks[1].trim(), "provisio serve --demo");
    let mut serve = bash(dir.path(), blocks[1].trim());
    serve
        .env("PROVISIO_LISTEN", &address)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut server = Server(serve.spawn().unwrap());
    wait_listening(&mut server.0, port).unwrap();

    // Terminal 2: administrator, token, the job applied and started, its status.
    let script = adapted(&blocks[2], &address, target.token());
    let check = script.lines().last().unwrap().to_owned();
    assert_eq!(check, "provisio job status \"Acme SCIM\"");
    let output = bash(dir.path(), &script).output().unwrap();
    let first = succeeded("the SCIM job's commands", &output);
    assert!(first.contains("started job Acme SCIM"), "{first}");

    // "Run it again until the initial cycle shows its creates" — with the
    // token and server the script exported.
    let environment = script
        .lines()
        .filter(|line| line.starts_with("export "))
        .collect::<Vec<_>>()
        .join("\n");
    let deadline = Instant::now() + CYCLE_TIMEOUT;
    let status = loop {
        let output = bash(dir.path(), &format!("{environment}\n{check}")).output().unwrap();
        let status = succeeded("provisio job status", &output);
        if status.contains("initial cycle: done") && status.contains("create ") {
            break status;
        }
        assert!(Instant::now() < deadline, "the initial cycle did not finish:\n{status}");
        std::thread::sleep(Duration::from_millis(500));
    };
    eprintln!("{status}");
    assert!(status.contains("), 0 failures\n"), "{status}");
    let users = users_in(&target);
    assert!(
        users.len() >= 250,
        "the demo organisation is in the SCIM application: {}",
        users.len()
    );

    // The inbound CSV: its people reach the directory, then the SCIM application.
    let inbound = adapted(&blocks[3], &address, target.token());
    let output = bash(dir.path(), &format!("{environment}\n{inbound}")).output().unwrap();
    let listed = succeeded("the inbound commands", &output);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("3 succeeded"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        listed.contains("create"),
        "the HR job's log lists its creates: {listed}"
    );
    let deadline = Instant::now() + CYCLE_TIMEOUT;
    while !users_in(&target).iter().any(|name| name == "jdoe@contoso.com") {
        assert!(Instant::now() < deadline, "John Doe never reached the SCIM application");
        std::thread::sleep(Duration::from_millis(500));
    }
}
