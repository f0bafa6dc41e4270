//! The HTTP side of the REST connector: one JSON request with the bearer
//! token and the configured headers, at most a few in flight, retries of
//! throttling (honouring `Retry-After`) and of transient failures with
//! back-off, and the classification of an answer into a
//! [`ConnectorError`]. (The SCIM transport speaks `application/scim+json`
//! and reads SCIM error bodies, so it is not shared.) Only the method, the
//! call's name and the status are logged: never URLs (their paths and
//! queries hold values), headers or bodies.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value as Json;
use tokio::sync::Semaphore;

use provisio_engine::job::Secret;

use crate::connectors::ConnectorError;

/// The longest target text kept in an error message.
const MAX_DETAIL: usize = 300;

/// How requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RetryPolicy {
    pub max_attempts: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub max_retry_after: Duration,
}

/// A successful answer: its status and its JSON body (`Null` when empty or
/// not JSON).
#[derive(Debug)]
pub(super) struct Reply {
    pub status: StatusCode,
    pub body: Json,
}

pub(super) struct Http {
    pub client: reqwest::Client,
    pub token: Option<Secret>,
    pub headers: HeaderMap,
    pub limit: Semaphore,
    pub retry: RetryPolicy,
}

impl Http {
    /// Sends one request, retrying throttling and (when `idempotent`, or
    /// when nothing reached the target) transient failures. `name` says
    /// which call it is in the logs (`users.create`).
    pub async fn send(
        &self,
        name: &str,
        method: Method,
        url: Url,
        body: Option<&Json>,
    ) -> Result<Reply, ConnectorError> {
        let idempotent = matches!(method, Method::GET | Method::PUT | Method::DELETE);
        let mut attempt = 1;
        loop {
            let (result, reached) = self.attempt(name, method.clone(), url.clone(), body).await;
            let error = match result {
                Ok(reply) => return Ok(reply),
                Err(error) => error,
            };
            let retry = match &error {
                ConnectorError::Throttled { .. } => true,
                ConnectorError::Transient { .. } => idempotent || !reached,
                _ => false,
            };
            if !retry || attempt >= self.retry.max_attempts {
                return Err(error);
            }
            let wait = match &error {
                ConnectorError::Throttled {
                    retry_after: Some(after),
                } => (*after).min(self.retry.max_retry_after),
                _ => backoff(&self.retry, attempt),
            };
            tracing::debug!(method = %method, call = name, attempt, wait_ms = wait.as_millis() as u64, "REST request retried");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One attempt; also says whether the request may have reached the
    /// target (false for connection failures).
    async fn attempt(
        &self,
        name: &str,
        method: Method,
        url: Url,
        body: Option<&Json>,
    ) -> (Result<Reply, ConnectorError>, bool) {
        let Ok(_permit) = self.limit.acquire().await else {
            let closed = ConnectorError::Transient {
                detail: "the connector is shutting down".into(),
            };
            return (Err(closed), false);
        };
        let mut request = self
            .client
            .request(method.clone(), url)
            .headers(self.headers.clone())
            .header(ACCEPT, "application/json");
        if let Some(token) = &self.token {
            // reqwest marks the header sensitive, so it is never printed.
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            match serde_json::to_vec(body) {
                Ok(bytes) => request = request.header(CONTENT_TYPE, "application/json").body(bytes),
                Err(e) => return (Err(ConnectorError::Invalid { detail: e.to_string() }), false),
            }
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let reached = !e.is_connect();
                return (Err(transport_error(&method, name, &e)), reached);
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v.trim(), Utc::now()));
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => return (Err(transport_error(&method, name, &e)), true),
        };
        tracing::debug!(method = %method, call = name, status = status.as_u16(), "REST request");
        if status.is_success() {
            let body = serde_json::from_slice(&bytes).unwrap_or(Json::Null);
            return (Ok(Reply { status, body }), true);
        }
        let text = self.redact(&String::from_utf8_lossy(&bytes));
        (Err(classify(status.as_u16(), &text, retry_after)), true)
    }

    /// The target's text without the token, in case it echoes it.
    fn redact(&self, text: &str) -> String {
        match self.token.as_ref().map(Secret::expose).filter(|t| !t.is_empty()) {
            Some(token) => text.replace(token, "********"),
            None => text.to_owned(),
        }
    }
}

/// A failure before a status arrived. The URL is left out: it holds values.
fn transport_error(method: &Method, name: &str, error: &reqwest::Error) -> ConnectorError {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    ConnectorError::Transient {
        detail: format!("{method} ({name}) {what}"),
    }
}

/// The error for a non-success status; `text` is the answer's body.
pub(super) fn classify(status: u16, text: &str, retry_after: Option<Duration>) -> ConnectorError {
    let detail = detail(status, text);
    match status {
        401 | 403 => ConnectorError::InvalidCredentials { status },
        404 => ConnectorError::NotFound { detail },
        409 => ConnectorError::Conflict {
            scim_type: None,
            detail,
        },
        429 | 503 => ConnectorError::Throttled { retry_after },
        500..=599 => ConnectorError::Transient {
            detail: format!("HTTP {status}: {detail}"),
        },
        _ => ConnectorError::Rejected {
            status,
            scim_type: None,
            detail,
        },
    }
}

/// The answer's text, trimmed and cut to [`MAX_DETAIL`] characters, or the
/// status when there is none.
fn detail(status: u16, text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return format!("HTTP {status}");
    }
    match text.char_indices().nth(MAX_DETAIL) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// `Retry-After` as a delay: delta-seconds or an HTTP date (RFC 9110
/// §10.2.3) relative to `now`; a date in the past is no delay.
fn parse_retry_after(text: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) is an RFC 2822 date.
    let at = DateTime::parse_from_rfc2822(text).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before attempt `attempt + 1`: `base × 2^(attempt-1)`, at most
/// `max`.
fn backoff(policy: &RetryPolicy, attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(20);
    policy
        .backoff_base
        .saturating_mul(1 << exponent)
        .min(policy.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_classify_by_what_the_cycle_does() {
        assert_eq!(
            classify(401, "", None),
            ConnectorError::InvalidCredentials { status: 401 }
        );
        assert_eq!(
            classify(403, "no", None),
            ConnectorError::InvalidCredentials { status: 403 }
        );
        assert_eq!(
            classify(404, "", None),
            ConnectorError::NotFound {
                detail: "HTTP 404".into()
            }
        );
        assert_eq!(
            classify(429, "", Some(Duration::from_secs(2))),
            ConnectorError::Throttled {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert!(matches!(classify(502, "", None), ConnectorError::Transient { .. }));
        assert!(matches!(classify(409, "taken", None), ConnectorError::Conflict { .. }));
        assert_eq!(
            classify(400, " bad email ", None),
            ConnectorError::Rejected {
                status: 400,
                scim_type: None,
                detail: "bad email".into()
            }
        );
        let long = "é".repeat(1000);
        let ConnectorError::Rejected { detail, .. } = classify(422, &long, None) else {
            panic!("not rejected");
        };
        assert_eq!(detail.chars().count(), MAX_DETAIL + 1);
    }

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        let now = DateTime::parse_from_rfc3339("2025-03-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sat, 01 Mar 2025 12:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sat, 01 Mar 2025 11:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let policy = RetryPolicy {
            max_attempts: 5,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(1),
        };
        assert_eq!(backoff(&policy, 1), Duration::from_millis(100));
        assert_eq!(backoff(&policy, 2), Duration::from_millis(200));
        assert_eq!(backoff(&policy, 3), Duration::from_millis(300));
    }
}
