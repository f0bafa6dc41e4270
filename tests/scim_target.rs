//! An independent SCIM 2.0 server for the tests to provision into:
//! `scim2-server` from PyPI (pinned in xtask/tools/requirements-scim.txt),
//! run from the virtual environment `cargo xtask test` makes, on a free
//! loopback port, with a static bearer token. It keeps its resources in
//! memory and is killed when the [`ScimTarget`] is dropped.
//!
//! ```no_run
//! let Some(target) = provisio_tests::scim_target::ScimTarget::start() else {
//!     return; // skipped: PROVISIO_SCIM2_PYTHON is not set
//! };
//! // target.base_url() is http://127.0.0.1:PORT/v2; send target.token() as a bearer token.
//! ```

use crate::server_process::{free_port, wait_listening};
use std::process::{Child, Command, Stdio};

/// The Python of the virtual environment holding scim2-server.
const PYTHON: &str = "PROVISIO_SCIM2_PYTHON";
/// Set to `1` by `cargo xtask test`: a missing scim2-server is a failure.
const E2E: &str = "PROVISIO_E2E";
/// The bearer token the server accepts.
const TOKEN: &str = "provisio-test-token";
/// Tries with another port when the one picked was taken meanwhile.
const START_ATTEMPTS: usize = 3;

/// A running scim2-server.
#[derive(Debug)]
pub struct ScimTarget {
    child: Child,
    port: u16,
}

impl ScimTarget {
    /// Starts a server with an empty store. `None` (after printing why) when
    /// `PROVISIO_SCIM2_PYTHON` is unset and `PROVISIO_E2E` is not `1`;
    /// panics when it is unset under `PROVISIO_E2E=1` or the server does not
    /// start.
    pub fn start() -> Option<ScimTarget> {
        let Some(python) = std::env::var_os(PYTHON) else {
            if std::env::var(E2E).is_ok_and(|value| value == "1") {
                panic!(
                    "{PYTHON} is not set and {E2E}=1 requires every end-to-end test to run: \
                     cargo xtask test sets it to target/tools/scim2-venv/bin/python"
                );
            }
            eprintln!("skipped: {PYTHON} is not set (cargo xtask test sets it to target/tools/scim2-venv/bin/python)");
            return None;
        };
        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let child = Command::new(&python)
                .args(["-m", "scim2_server.testserver.cli", "--hostname", "127.0.0.1"])
                .args(["--port", &port.to_string(), "--bearer-token", TOKEN])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("scim2-server: cannot run {}: {e}", python.to_string_lossy()));
            let mut target = ScimTarget { child, port };
            match wait_listening(&mut target.child, port) {
                Ok(()) => return Some(target),
                Err(failure) => failures.push(failure),
            }
        }
        panic!("scim2-server did not start: {}", failures.join("; "));
    }

    /// `http://127.0.0.1:PORT/v2`, the SCIM base URL.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }

    /// The bearer token the server accepts.
    pub fn token(&self) -> &'static str {
        TOKEN
    }
}

impl Drop for ScimTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
