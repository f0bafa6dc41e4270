//! The webhook channel: each notification `POST`ed as JSON
//! ([`AlertPayload`](provisio_api::notifications::AlertPayload)) and signed, so the receiver knows it came from this
//! Provisio and was not replayed later:
//!
//! - `X-Provisio-Timestamp: <t>` — Unix time in seconds when it was signed
//!   (each attempt is signed anew);
//! - `X-Provisio-Signature: sha256=<hex>` — the lower-case hex
//!   HMAC-SHA256, keyed with the webhook's secret, of `<t>.<body>`: the
//!   timestamp's digits, a full stop, then the body's exact bytes;
//! - `X-Provisio-Delivery: <id>` — the notification's id, the same on
//!   every retry.
//!
//! A receiver recomputes the signature over the raw body, compares it in
//! constant time, and refuses a timestamp more than five minutes away from
//! its clock. Any 2xx answer is a delivery; 408, 429, 5xx and network
//! failures are retried; other answers are not (the receiver refused it).
//! Redirects are not followed, and the operator's denied networks apply
//! as for jobs' targets.
//!
//! ```
//! use provisio_server::alerts::webhook::signature;
//!
//! // Python: hmac.new(secret, b"1765186200." + body, hashlib.sha256).hexdigest()
//! assert_eq!(
//!     signature("0123456789abcdef", 1765186200, br#"{"event":"test"}"#),
//!     "sha256=82a6e545d339dde949ee71c9fd0d560a935cd769bab1506f45a850e7f424b52e"
//! );
//! ```

use std::time::Duration;

use hmac::{Hmac, Mac as _};
use provisio_api::notifications::{DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use provisio_connectors::network::NetworkPolicy;
use sha2::Sha256;

use super::delivery::Failed;

/// How long the receiver has to connect and answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` keyed with `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let timestamp = timestamp.to_string();
    format!("sha256={}", hmac_hex(secret, &[timestamp.as_bytes(), b".", body]))
}

/// The lower-case hex HMAC-SHA256 of the parts, one after the other.
fn hmac_hex(secret: &str, parts: &[&[u8]]) -> String {
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A client for webhooks: no redirects, denied networks refused.
pub(super) fn client(networks: &NetworkPolicy) -> Result<reqwest::Client, String> {
    provisio_connectors::network::client(networks, CONNECT_TIMEOUT, REQUEST_TIMEOUT).map_err(|e| e.to_string())
}

/// One attempt: `body` to `url`, signed with `secret` at `timestamp`.
pub(super) async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery: &str,
    body: &[u8],
    timestamp: i64,
) -> Result<(), Failed> {
    let answer = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::USER_AGENT,
            concat!("Provisio/", env!("CARGO_PKG_VERSION")),
        )
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(SIGNATURE_HEADER, signature(secret, timestamp, body))
        .header(DELIVERY_HEADER, delivery)
        .body(body.to_vec())
        .send()
        .await;
    let response = match answer {
        Ok(response) => response,
        Err(e) => {
            if let Some(refused) = provisio_connectors::network::refusal(&e) {
                return Err(Failed::Permanent(refused.to_string()));
            }
            // Without the URL, which may hold a token of the receiver's.
            return Err(Failed::Transient(format!(
                "the webhook could not be reached: {}",
                e.without_url()
            )));
        }
    };
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let why = format!("the webhook answered HTTP {}", status.as_u16());
    if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
        Err(Failed::Transient(why))
    } else {
        Err(Failed::Permanent(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_hex("Jefe", &[b"what do ya want for nothing?"]),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            signature("Jefe", 1765186200, b"{}"),
            format!("sha256={}", hmac_hex("Jefe", &[b"1765186200.{}"]))
        );
        assert_ne!(
            signature("Jefe", 1765186201, b"{}"),
            signature("Jefe", 1765186200, b"{}")
        );
    }
}
