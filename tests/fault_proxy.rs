//! A fault-injecting HTTP proxy on a loopback port, to put in front of a
//! SCIM target (or any plain-HTTP service): it answers a share of requests
//! with `500`, a share with `429` and `Retry-After: 1`, delays a share, and
//! "ambiguously" fails a share of the writes — those are forwarded, and so
//! applied by the target, but answered `500`, as when a connection drops
//! after the target did the work. Which requests are faulted is chosen from a seed, the
//! request (method, path, query and body) and how many times that same
//! request was seen before, so a run makes the same choices for the same
//! requests and a retried request gets a fresh draw. Faults can be switched
//! off (and on) while it runs; every request is recorded ([`Event`]).
//!
//! ```no_run
//! use provisio_tests::fault_proxy::{FaultProxy, Faults};
//! let proxy = FaultProxy::start("http://127.0.0.1:8000/v2", Faults { server_error: 0.1, ..Faults::default() });
//! // Point the client at proxy.base_url() (http://127.0.0.1:PORT/v2) instead.
//! proxy.set_enabled(false); // every request is passed through from now on
//! assert!(proxy.counts().server_errors > 0);
//! ```
//!
//! [`FaultProxy::round_robin`] makes it a round-robin load balancer in front
//! of several servers instead (each request to the next in turn).
//!
//! Plain threads and `std::net`, no async runtime: it speaks just enough
//! HTTP/1.1 for a JSON API (bodies by `Content-Length` or chunked), sends
//! each request upstream on a fresh connection and answers each client
//! connection once, with `Connection: close`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a connection may sit idle before the proxy gives up on it.
const IO_TIMEOUT: Duration = Duration::from_secs(60);
/// Headers that describe one connection, not the message: never passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "host",
];

/// What to inject, each a share of the requests in `[0, 1]`. The first three
/// exclude each other (their sum is at most 1); a delay comes on top of any.
/// A request is forwarded as it is unless one of them picked it.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    /// Seeds the choice of which requests are faulted.
    pub seed: u64,
    /// Answered `500` without being forwarded.
    pub server_error: f64,
    /// Answered `429` with `Retry-After: 1` without being forwarded.
    pub throttle: f64,
    /// Forwarded (the target applies it) but answered `500`: a share of
    /// the writes (any method but `GET` and `HEAD`) only, since a read
    /// answered so is no different from a plain `500`.
    pub ambiguous: f64,
    /// Held back before being forwarded or answered.
    pub delay: f64,
    /// The longest hold; a delayed request waits between a tenth of it and it.
    pub max_delay: Duration,
}

impl Default for Faults {
    /// No faults at all.
    fn default() -> Self {
        Faults {
            seed: 0,
            server_error: 0.0,
            throttle: 0.0,
            ambiguous: 0.0,
            delay: 0.0,
            max_delay: Duration::from_millis(200),
        }
    }
}

/// A fault the proxy injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `500`, not forwarded.
    ServerError,
    /// `429` with `Retry-After: 1`, not forwarded.
    Throttled,
    /// Forwarded and applied, but answered `500`.
    Ambiguous,
}

/// One request the proxy handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub method: String,
    /// The path and query, as the client sent them.
    pub target: String,
    /// The request's body, as text.
    pub body: String,
    pub fault: Option<Fault>,
    pub delay: Option<Duration>,
    /// Whether it reached the upstream service.
    pub forwarded: bool,
    /// The status the client was answered.
    pub status: u16,
}

/// How many requests the proxy handled, and what it did to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub server_errors: u64,
    pub throttled: u64,
    pub ambiguous: u64,
    pub delayed: u64,
}

/// A running proxy; stops accepting connections when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    address: SocketAddr,
    base_path: String,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    /// Where requests go: one upstream, or several taken in turn (a
    /// round-robin load balancer, [`FaultProxy::round_robin`]).
    upstreams: Vec<SocketAddr>,
    /// How many requests were sent upstream, for the turns.
    sent: std::sync::atomic::AtomicUsize,
    faults: Faults,
    enabled: AtomicBool,
    stopping: AtomicBool,
    events: Mutex<Vec<Event>>,
    /// How many times each request (by its hash) was seen.
    seen: Mutex<HashMap<u64, u64>>,
}

impl FaultProxy {
    /// Starts a proxy, faults enabled, in front of `upstream_base_url`
    /// (`http://127.0.0.1:PORT/PREFIX`, loopback only). Panics when the URL
    /// is not of that form or no port is free.
    pub fn start(upstream_base_url: &str, faults: Faults) -> FaultProxy {
        FaultProxy::start_before(&[upstream_base_url], faults)
    }

    /// A round-robin load balancer in front of several upstreams with the
    /// same path (each request goes to the next one in turn), faults off.
    pub fn round_robin(upstream_base_urls: &[&str]) -> FaultProxy {
        FaultProxy::start_before(upstream_base_urls, Faults::default())
    }

    fn start_before(upstream_base_urls: &[&str], faults: Faults) -> FaultProxy {
        let mut upstreams = Vec::new();
        let mut base_path = String::new();
        for upstream_base_url in upstream_base_urls {
            let rest = upstream_base_url
                .strip_prefix("http://")
                .unwrap_or_else(|| panic!("the fault proxy forwards plain http only: {upstream_base_url}"));
            let (authority, path) = match rest.find('/') {
                Some(at) => rest.split_at(at),
                None => (rest, ""),
            };
            let upstream: SocketAddr = authority
                .parse()
                .unwrap_or_else(|e| panic!("the fault proxy needs IP:PORT in {upstream_base_url}: {e}"));
            assert!(upstream.ip().is_loopback(), "the fault proxy forwards to loopback only");
            upstreams.push(upstream);
            base_path = path.to_owned();
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap_or_else(|e| panic!("no loopback port: {e}"));
        let address = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("the proxy's address: {e}"));
        let shared = Arc::new(Shared {
            upstreams,
            sent: std::sync::atomic::AtomicUsize::new(0),
            faults,
            enabled: AtomicBool::new(true),
            stopping: AtomicBool::new(false),
            events: Mutex::new(Vec::new()),
            seen: Mutex::new(HashMap::new()),
        });
        let accepting = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let shared = Arc::clone(&accepting);
                std::thread::spawn(move || shared.serve(stream));
            }
        });
        FaultProxy {
            address,
            base_path: base_path.trim_end_matches('/').to_owned(),
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The proxy's URL for the upstream base URL it was started with.
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.address, self.base_path)
    }

    /// Switches the faults on or off; off, every request is passed through.
    pub fn set_enabled(&self, enabled: bool) {
        self.shared.enabled.store(enabled, Ordering::SeqCst);
    }

    /// Every request handled so far, in the order they were answered.
    pub fn events(&self) -> Vec<Event> {
        self.shared
            .events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// What the proxy did so far.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for event in self.events() {
            counts.requests += 1;
            match event.fault {
                Some(Fault::ServerError) => counts.server_errors += 1,
                Some(Fault::Throttled) => counts.throttled += 1,
                Some(Fault::Ambiguous) => counts.ambiguous += 1,
                None => {}
            }
            if event.delay.is_some() {
                counts.delayed += 1;
            }
        }
        counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees it is stopping.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// A request or response head and body.
struct Message {
    start: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Shared {
    /// Answers one request on `stream`, then closes it.
    fn serve(&self, stream: TcpStream) {
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        let mut reader = BufReader::new(&stream);
        let Ok(Some(request)) = read_request(&mut reader) else {
            return;
        };
        let mut parts = request.start.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or("/").to_owned();
        let (fault, delay) = self.choose(&method, &target, &request.body);
        if let Some(delay) = delay {
            std::thread::sleep(delay);
        }
        let (response, forwarded) = match fault {
            Some(Fault::ServerError) => (error_response(500, "Internal Server Error", &[]), false),
            Some(Fault::Throttled) => (error_response(429, "Too Many Requests", &[("Retry-After", "1")]), false),
            Some(Fault::Ambiguous) => {
                let forwarded = self.forward(&method, &target, &request).is_ok();
                (error_response(500, "Internal Server Error", &[]), forwarded)
            }
            None => match self.forward(&method, &target, &request) {
                Ok(response) => (response, true),
                Err(e) => (
                    error_response(502, "Bad Gateway", &[]).with_detail(&format!("upstream: {e}")),
                    false,
                ),
            },
        };
        // Recorded before answering, so a client that got its answer sees it counted.
        self.events.lock().unwrap_or_else(PoisonError::into_inner).push(Event {
            method,
            target,
            body: String::from_utf8_lossy(&request.body).into_owned(),
            fault,
            delay,
            forwarded,
            status: status_of(&response),
        });
        let mut out = &stream;
        let _ = write_message(&mut out, &response).and_then(|()| out.flush());
        let _ = stream.shutdown(Shutdown::Write);
    }

    /// The fault and delay for this request, drawn from the seed, the
    /// request and how often it was seen; none when faults are off.
    fn choose(&self, method: &str, target: &str, body: &[u8]) -> (Option<Fault>, Option<Duration>) {
        if !self.enabled.load(Ordering::SeqCst) {
            return (None, None);
        }
        let key = fnv1a(&[method.as_bytes(), b" ", target.as_bytes(), b"\n", body]);
        let occurrence = {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        let mut state = self.faults.seed ^ key ^ occurrence.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut draw = || unit(splitmix64(&mut state));
        let faults = &self.faults;
        let roll = draw();
        let fault = if roll < faults.server_error {
            Some(Fault::ServerError)
        } else if roll < faults.server_error + faults.throttle {
            Some(Fault::Throttled)
        } else if roll < faults.server_error + faults.throttle + faults.ambiguous && !matches!(method, "GET" | "HEAD") {
            Some(Fault::Ambiguous)
        } else {
            None
        };
        let delay = (draw() < faults.delay).then(|| faults.max_delay.mul_f64(0.1 + 0.9 * draw()));
        (fault, delay)
    }

    /// Sends the request upstream on a fresh connection and reads the whole answer.
    fn forward(&self, method: &str, target: &str, request: &Message) -> std::io::Result<Message> {
        let turn = self.sent.fetch_add(1, Ordering::SeqCst) % self.upstreams.len();
        let address = self.upstreams[turn];
        let mut upstream = TcpStream::connect_timeout(&address, Duration::from_secs(5))?;
        upstream.set_read_timeout(Some(IO_TIMEOUT))?;
        upstream.set_write_timeout(Some(IO_TIMEOUT))?;
        let mut headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter(|(name, _)| !is_hop_by_hop(name))
            .cloned()
            .collect();
        headers.push(("Host".into(), address.to_string()));
        let outgoing = Message {
            start: format!("{method} {target} HTTP/1.1"),
            headers,
            body: request.body.clone(),
        };
        write_message(&mut upstream, &outgoing)?;
        upstream.flush()?;
        let mut raw = Vec::new();
        upstream.read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}

impl Message {
    /// Replaces the body with a SCIM error saying `detail`.
    fn with_detail(mut self, detail: &str) -> Message {
        self.body = scim_error(status_of(&self), detail);
        self
    }
}

fn status_of(message: &Message) -> u16 {
    message
        .start
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    header(headers, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// An injected error, as a SCIM error body.
fn error_response(status: u16, reason: &str, extra: &[(&str, &str)]) -> Message {
    let mut headers = vec![("Content-Type".to_owned(), "application/scim+json".to_owned())];
    headers.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())));
    Message {
        start: format!("HTTP/1.1 {status} {reason}"),
        headers,
        body: scim_error(status, &format!("injected by the fault proxy: {reason}")),
    }
}

fn scim_error(status: u16, detail: &str) -> Vec<u8> {
    let detail = detail.replace('\\', "\\\\").replace('"', "\\\"");
    format!(r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"{status}","detail":"{detail}"}}"#)
        .into_bytes()
}

/// Writes the start line, the end-to-end headers (and `Host`), this body's
/// length, `Connection: close` and the body.
fn write_message(out: &mut impl Write, message: &Message) -> std::io::Result<()> {
    let mut head = format!("{}\r\n", message.start);
    for (name, value) in &message.headers {
        if !is_hop_by_hop(name) || name.eq_ignore_ascii_case("host") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("Connection: close\r\n");
    head.push_str(&format!("Content-Length: {}\r\n\r\n", message.body.len()));
    out.write_all(head.as_bytes())?;
    out.write_all(&message.body)
}

/// Reads one request; `None` when the client closed the connection first.
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<Message>> {
    let mut start = String::new();
    if reader.read_line(&mut start)? == 0 {
        return Ok(None);
    }
    let headers = read_headers(reader)?;
    let body = if is_chunked(&headers) {
        read_chunked(reader)?
    } else {
        let length = header(&headers, "content-length")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some(Message {
        start: start.trim_end().to_owned(),
        headers,
        body,
    }))
}

fn read_headers(reader: &mut impl BufRead) -> std::io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Ok(headers);
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
}

/// A chunked body, trailers skipped.
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        if reader.read_line(&mut size)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let size = size.split(';').next().unwrap_or_default().trim();
        let size =
            usize::from_str_radix(size, 16).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if size == 0 {
            read_headers(reader)?;
            return Ok(body);
        }
        let mut chunk = vec![0; size];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk);
        let mut end = String::new();
        reader.read_line(&mut end)?;
    }
}

/// A whole response read until the upstream closed the connection.
fn parse_response(raw: &[u8]) -> std::io::Result<Message> {
    let mut reader = BufReader::new(raw);
    let mut start = String::new();
    reader.read_line(&mut start)?;
    if !start.starts_with("HTTP/") {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not an HTTP response: {start:?}"),
        ));
    }
    let headers = read_headers(&mut reader)?;
    let body = if is_chunked(&headers) {
        read_chunked(&mut reader)?
    } else {
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest)?;
        if let Some(length) = header(&headers, "content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
            rest.truncate(length);
        }
        rest
    };
    Ok(Message {
        start: start.trim_end().to_owned(),
        headers,
        body,
    })
}

fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
    for byte in parts.iter().flat_map(|p| p.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
    }
    hash
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in [0, 1) from 64 random bits.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}
