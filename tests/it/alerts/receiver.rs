//! A webhook receiver on a loopback port, as an administrator would write
//! one: it recomputes each request's HMAC-SHA256 signature over
//! `"<timestamp>.<body>"` with the shared secret, compares it in constant
//! time, refuses a timestamp more than five minutes off, and records every
//! attempt. It can answer 503 to the first attempts, to prove the retry.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac as _};
use provisio_api::notifications::{AlertPayload, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use sha2::Sha256;
use tokio::sync::Notify;

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) delivery: String,
    /// Whether the signature and the timestamp checked out.
    pub(crate) verified: bool,
    /// The raw body, to search for secrets.
    pub(crate) body: String,
    pub(crate) payload: Option<AlertPayload>,
    /// What the receiver answered.
    pub(crate) answered: u16,
}

#[derive(Clone)]
struct Shared {
    secret: String,
    failures_left: Arc<Mutex<u32>>,
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<Notify>,
}

pub(crate) struct Receiver {
    pub(crate) url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// A receiver checking signatures with `secret` that answers 503 to its
    /// first `fail_first` requests.
    pub(crate) async fn start(secret: &str, fail_first: u32) -> Receiver {
        let shared = Shared {
            secret: secret.to_owned(),
            failures_left: Arc::new(Mutex::new(fail_first)),
            received: Arc::default(),
            arrived: Arc::default(),
        };
        let app = Router::new()
            .route("/hooks/provisio", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/provisio", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { url, shared, task }
    }

    /// Every request so far.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits (up to 30 s) until `count` requests arrived; all of them.
    pub(crate) async fn wait_for(&self, count: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!("{count} webhook requests expected, got {received:#?}");
            }
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let verified = verify(
        &shared.secret,
        &header(TIMESTAMP_HEADER),
        &header(SIGNATURE_HEADER),
        &body,
    );
    let answered = {
        let mut left = shared.failures_left.lock().unwrap_or_else(PoisonError::into_inner);
        if !verified {
            StatusCode::UNAUTHORIZED
        } else if *left > 0 {
            *left -= 1;
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::NO_CONTENT
        }
    };
    shared
        .received
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Received {
            delivery: header(DELIVERY_HEADER),
            verified,
            body: String::from_utf8_lossy(&body).into_owned(),
            payload: serde_json::from_slice(&body).ok(),
            answered: answered.as_u16(),
        });
    shared.arrived.notify_waiters();
    answered
}

/// The receiver's check: `sha256=` and the hex HMAC-SHA256 of
/// `"<timestamp>.<body>"`, and a timestamp within five minutes of now.
fn verify(secret: &str, timestamp: &str, signature: &str, body: &[u8]) -> bool {
    let Ok(seconds) = timestamp.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - seconds).abs() > 300 {
        return false;
    }
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else { return false };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    hex.len()
        .is_multiple_of(2)
        .then(|| {
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect()
        })
        .flatten()
}
