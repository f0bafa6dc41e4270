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

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python of the virtual environment holding scim2-server.
const PYTHON: &str = "PROVISIO_SCIM2_PYTHON";
/// Set to `1` by `cargo xtask test`: a missing scim2-server is a failure.
const E2E: &str = "PROVISIO_E2E";
/// The bearer token the server accepts.
const TOKEN: &str = "provisio-test-token";
/// Tries with another port when the one picked was taken meanwhile.
const START_ATTEMPTS: usize = 3;
const READY_WITHIN: Duration = Duration::from_secs(20);

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
            match target.wait_ready() {
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

    /// Waits until the port accepts connections, or the process exits.
    fn wait_ready(&mut self) -> Result<(), String> {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + READY_WITHIN;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("it exited with {status} (port {} taken?)", self.port));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!(
            "it did not listen on port {} within {READY_WITHIN:?}",
            self.port
        ))
    }
}

impl Drop for ScimTarget {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}
