//! What the test servers started as child processes share (scim2-server,
//! slapd): a free loopback port to give them, and waiting until one
//! listens on it.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::Child;
use std::time::{Duration, Instant};

/// How long a started server may take to listen.
pub const READY_WITHIN: Duration = Duration::from_secs(20);

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

/// Waits until `port` accepts connections, or `child` exits (the port was
/// taken, most likely), for at most [`READY_WITHIN`].
pub fn wait_listening(child: &mut Child, port: u16) -> Result<(), String> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + READY_WITHIN;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("it exited with {status} (port {port} taken?)"));
        }
        if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("it did not listen on port {port} within {READY_WITHIN:?}"))
}

/// The address a `provisio serve` child says it listens on: the
/// `http://127.0.0.1:PORT` of the first line of its standard output (piped),
/// without a trailing slash. Panics, quoting the line, when there is none.
pub fn served_url(child: &mut Child) -> String {
    use std::io::BufRead as _;
    let mut line = String::new();
    let stdout = child.stdout.take().expect("the child's standard output is piped");
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the child's first line");
    line.split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned()
}
