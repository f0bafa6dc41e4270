//! An SMTP server for the alert tests: aiosmtpd (tests/smtp/receive.py) run
//! from the virtual environment `cargo xtask test` makes
//! (`PROVISIO_SCIM2_PYTHON`), on a free loopback port, requiring STARTTLS
//! with a certificate of a throwaway CA ([`provisio_tests::tls`]) and a
//! sign-in. Each message it accepts is a JSON file the test reads.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use provisio_tests::server_process::{free_port, wait_listening};
use serde_json::Value;

pub(crate) const USER: &str = "provisio-alerts";
pub(crate) const PASSWORD: &str = "smtp-pa55word-never-shown";

pub(crate) struct SmtpServer {
    child: Child,
    pub(crate) port: u16,
    /// The CA that signed the server's certificate, PEM.
    pub(crate) ca_pem: String,
    folder: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpServer {
    /// `None` (after saying why) when `PROVISIO_SCIM2_PYTHON` is unset and
    /// `PROVISIO_E2E` is not `1`.
    pub(crate) fn start() -> Option<SmtpServer> {
        let Some(python) = std::env::var_os("PROVISIO_SCIM2_PYTHON") else {
            assert!(
                std::env::var("PROVISIO_E2E").as_deref() != Ok("1"),
                "PROVISIO_SCIM2_PYTHON is not set and PROVISIO_E2E=1 requires every end-to-end test to run"
            );
            eprintln!("skipped: PROVISIO_SCIM2_PYTHON is not set (cargo xtask test sets it)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        provisio_tests::tls::write_certificates(dir.path());
        let folder = dir.path().join("messages");
        std::fs::create_dir(&folder).unwrap();
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("smtp/receive.py");
        let mut failures = Vec::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(&python)
                .arg(&script)
                .args(["--port", &port.to_string(), "--user", USER, "--password", PASSWORD])
                .arg("--cert")
                .arg(dir.path().join("server.pem"))
                .arg("--key")
                .arg(dir.path().join("server.key"))
                .arg("--folder")
                .arg(&folder)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("aiosmtpd: cannot run {}: {e}", python.to_string_lossy()));
            match wait_listening(&mut child, port) {
                Ok(()) => {
                    return Some(SmtpServer {
                        child,
                        port,
                        ca_pem: std::fs::read_to_string(dir.path().join("ca.pem")).unwrap(),
                        folder,
                        _dir: dir,
                    });
                }
                Err(failure) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    failures.push(failure);
                }
            }
        }
        panic!("aiosmtpd did not start: {}", failures.join("; "));
    }

    /// The messages received so far, in order: `mail_from`, `rcpt_tos`,
    /// `login`, `tls` and the raw `data`.
    pub(crate) fn messages(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(&self.folder)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (up to 30 s) for `count` messages; all of them.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{count} messages expected, got {messages:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
