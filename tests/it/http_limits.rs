//! What a client cannot make the server hold, over raw TCP against the real
//! server on loopback: a body without credentials is refused before it is
//! read, slow and idle connections are closed after the header timeout,
//! and connections beyond the limit wait unread until one closes.

use std::io::{Read as _, Write as _};
use std::net::TcpStream as StdTcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_server::{HttpLimits, RunningServer, Server, ServerConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    async fn start(&self, limits: HttpLimits) -> RunningServer {
        let config = ServerConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: format!("sqlite://{}", self.dir.path().join("provisio.db").display()),
            portal_dir: self.dir.path().join("dist"),
        };
        Server::new(config).with_http_limits(limits).launch().await.unwrap()
    }
}

fn limits(header_timeout: Duration, max_connections: usize) -> HttpLimits {
    HttpLimits {
        header_timeout,
        max_connections,
        ..HttpLimits::default()
    }
}

/// Sends `head` (and nothing after it) and reads until the answer's head is
/// complete, for at most `within`; the answer's head, or what came.
async fn head_answer(server: &RunningServer, head: &str, within: Duration) -> String {
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buffer = [0u8; 4096];
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buffer[..n]);
        }
    })
    .await;
    let text = String::from_utf8_lossy(&received).into_owned();
    assert!(read.is_ok(), "no answer within {within:?} to {head:?}; got {text:?}");
    text
}

fn upload_head(path: &str, authorization: Option<&str>) -> String {
    let authorization = authorization.map_or_else(String::new, |a| format!("Authorization: {a}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: provisio\r\nContent-Type: application/scim+json\r\n{authorization}Content-Length: 16000000\r\n\r\n"
    )
}

#[tokio::test]
async fn a_body_without_valid_credentials_is_refused_before_it_is_read() {
    let fixture = Fixture::new();
    let server = fixture.start(HttpLimits::default()).await;
    let scim_token = provisio_server::auth::Tokens::new(server.store())
        .create(&TokenCreateRequest {
            name: None,
            scope: TokenScope::Scim,
            job: None,
            agent: None,
            expires_in: None,
        })
        .await
        .unwrap()
        .token;
    let paths = [
        "/api/v1/inbound/workday/bulkUpload",
        "/scim/v2/Users",
        "/scim/v2/Bulk",
        "/api/v1/jobs",
        "/api/v1/tokens",
        "/api/v1/agent/poll",
        "/no/such/route",
    ];
    let unknown = format!("Bearer pvs_{}", "A".repeat(43));
    for path in paths {
        for authorization in [
            None,
            Some("Bearer nonsense"),
            Some(unknown.as_str()),
            Some("Basic YTpi"),
        ] {
            let started = Instant::now();
            let answer = head_answer(&server, &upload_head(path, authorization), Duration::from_secs(1)).await;
            assert!(
                answer.starts_with("HTTP/1.1 401"),
                "{path} with {authorization:?}: {answer}"
            );
            assert!(started.elapsed() < Duration::from_secs(1), "{path}");
        }
    }
    // A real token of another scope is refused by the route, still before the body.
    let answer = head_answer(
        &server,
        &upload_head(
            "/api/v1/inbound/workday/bulkUpload",
            Some(&format!("Bearer {}", scim_token.expose())),
        ),
        Duration::from_secs(1),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    // Signing in takes a body from anyone, but no more than a small one.
    let answer = head_answer(
        &server,
        "POST /api/v1/session HTTP/1.1\r\nHost: provisio\r\nContent-Type: application/json\r\nContent-Length: 16000000\r\n\r\n",
        Duration::from_secs(1),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    server.shutdown().await;
}

/// Whether the server closes `stream` within `within` while `keep_sending`
/// trickles a header line every 200 ms (nothing when `None`).
async fn closed_within(stream: &mut TcpStream, within: Duration, keep_sending: Option<&str>) -> bool {
    let deadline = Instant::now() + within;
    let mut buffer = [0u8; 1024];
    while Instant::now() < deadline {
        if let Some(line) = keep_sending
            && stream.write_all(line.as_bytes()).await.is_err()
        {
            return true;
        }
        // Anything read (an answer, a 408 say) may come before the close.
        let read = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await;
        if let Ok(Ok(0) | Err(_)) = read {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_header_timeout() {
    let fixture = Fixture::new();
    let server = fixture.start(limits(Duration::from_secs(1), 100)).await;

    // Headers sent a line at a time, never finished.
    let mut slow = TcpStream::connect(server.local_addr()).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: provisio\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut slow, Duration::from_secs(6), Some("X-Slow: yes\r\n")).await);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );

    // Connected, and nothing sent.
    let mut silent = TcpStream::connect(server.local_addr()).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(6), None).await);

    // One request answered, then kept alive and idle.
    let mut idle = TcpStream::connect(server.local_addr()).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: provisio\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = idle.read(&mut buffer).await.unwrap();
    assert!(
        buffer[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buffer[..n])
    );
    assert!(closed_within(&mut idle, Duration::from_secs(6), None).await);

    // A prompt client is served as ever.
    let health = reqwest::get(format!("{}/healthz", server.base_url())).await.unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
    server.shutdown().await;
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_unread_until_one_closes() {
    let fixture = Fixture::new();
    let server = fixture.start(limits(Duration::from_secs(60), 2)).await;
    let address = server.local_addr();
    let held = [
        TcpStream::connect(address).await.unwrap(),
        TcpStream::connect(address).await.unwrap(),
    ];

    // A client beyond the limit pushing a large body: the server reads none
    // of it, so the kernel's buffers fill and its write cannot finish.
    let pushed = Arc::new(AtomicBool::new(false));
    let pusher = {
        let pushed = pushed.clone();
        std::thread::spawn(move || {
            let mut stream = StdTcpStream::connect(address).unwrap();
            let head = upload_head("/api/v1/inbound/workday/bulkUpload", None);
            let body = vec![b'x'; 64 * 1024 * 1024];
            let sent = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
            pushed.store(sent.is_ok(), Ordering::SeqCst);
        })
    };

    // Another one asking for the health check gets no answer while both slots are held.
    let mut waiting = TcpStream::connect(address).await.unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: provisio\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buffer = [0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(1500), waiting.read(&mut buffer)).await;
    assert!(early.is_err(), "answered beyond the connection limit: {early:?}");
    assert!(
        !pushed.load(Ordering::SeqCst),
        "the server took a 64 MiB body beyond its limit"
    );

    // Slots free up: both waiting clients are served (the pusher refused unread).
    drop(held);
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), waiting.read_to_end(&mut answer))
        .await
        .expect("served once a slot is free")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    pusher.join().unwrap();
    assert!(
        !pushed.load(Ordering::SeqCst),
        "the body of an anonymous upload was read"
    );
    server.shutdown().await;
}

#[test]
fn provisio_serve_takes_the_limits_as_flags_and_variables() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(crate::cli::provisio_binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--header-timeout-secs", "1"])
        .env(
            "PROVISIO_DATABASE",
            format!("sqlite://{}", dir.path().join("p.db").display()),
        )
        .env("PROVISIO_PORTAL_DIR", dir.path().join("dist"))
        .env("PROVISIO_MAX_CONNECTIONS", "1")
        .env("PROVISIO_REQUEST_TIMEOUT_SECS", "30")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
    let address = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("http://"))
        .map(|rest| rest.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| panic!("no address in {line:?}"));

    // The one slot, held idle, is taken back after a second.
    let mut idle = StdTcpStream::connect(&address).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    let started = Instant::now();
    let mut buffer = [0u8; 64];
    assert_eq!(idle.read(&mut buffer).unwrap_or(0), 0);
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
    let mut next = StdTcpStream::connect(&address).unwrap();
    next.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    next.write_all(b"GET /healthz HTTP/1.1\r\nHost: provisio\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    next.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    for bad in [["--max-connections", "0"], ["--header-timeout-secs", "0"]] {
        let output = Command::new(crate::cli::provisio_binary())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(bad[0]), "{bad:?}: {stderr}");
    }
    let _ = child.kill();
    let _ = child.wait();
}
