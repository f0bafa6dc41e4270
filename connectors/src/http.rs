//! The one HTTP transport of the HTTP-based connectors (SCIM, REST, and
//! whatever HTTP kinds come next): one set of [`HttpOptions`], the target's
//! concurrency limit, retries of throttling (honouring `Retry-After`) and of
//! transient failures with back-off and jitter (`retry`), the
//! network policy and size limit ([`crate::network`]), no redirects, and the
//! classification of an error answer — the one thing each protocol does its
//! own way (`Protocol`). Only the method, a label the caller chooses (never
//! a value) and the status are logged: never headers, bodies or queries.

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value as Json;
use tokio::sync::Semaphore;

use provisio_engine::job::Secret;

use crate::ConnectorError;
use crate::network::{NetworkPolicy, read_body, redirect_error, refusal};
use crate::retry::{RetryPolicy, retry_after, with_retries};

/// How a connector talks HTTP to its target. The defaults suit a real
/// application; tests shorten the waits.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpOptions {
    pub connect_timeout: Duration,
    /// For a whole request, answer included.
    pub request_timeout: Duration,
    /// Requests in flight to this target at most.
    pub max_concurrency: usize,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// The first back-off wait; it doubles per attempt up to `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// The longest `Retry-After` honoured; longer ones are cut to this.
    pub max_retry_after: Duration,
    /// Networks the target may not be reached in.
    pub network: NetworkPolicy,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_concurrency: 4,
            max_attempts: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
            network: NetworkPolicy::default(),
        }
    }
}

/// What sets one protocol's requests apart: the media type it sends and
/// accepts, and how its error answers read (status, body, `Retry-After`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Protocol {
    pub media_type: &'static str,
    pub error: fn(u16, &[u8], Option<Duration>) -> ConnectorError,
}

/// An answer with a success status: the status and the JSON body (`Null`
/// when empty or not JSON).
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: StatusCode,
    pub body: Json,
}

/// Requests to one target.
pub(crate) struct Transport {
    client: reqwest::Client,
    token: Option<Secret>,
    headers: HeaderMap,
    limit: Semaphore,
    retry: RetryPolicy,
    protocol: Protocol,
}

impl Transport {
    /// A transport sending `token` as a bearer token and `headers` with
    /// every request. The base URL is checked against the network policy
    /// by the caller (a literal address), names when they resolve.
    pub fn new(
        options: &HttpOptions,
        token: Option<Secret>,
        headers: HeaderMap,
        protocol: Protocol,
    ) -> Result<Transport, ConnectorError> {
        Ok(Transport {
            client: crate::network::client(&options.network, options.connect_timeout, options.request_timeout)?,
            token,
            headers,
            limit: Semaphore::new(options.max_concurrency.max(1)),
            retry: RetryPolicy {
                max_attempts: options.max_attempts.max(1),
                backoff_base: options.backoff_base,
                backoff_max: options.backoff_max,
                max_retry_after: options.max_retry_after,
            },
            protocol,
        })
    }

    /// Sends one request, retrying throttling and (when `idempotent`, or
    /// when nothing reached the target) transient failures. `what` names it
    /// in logs and errors (`SCIM GET /Users`, `REST POST users.create`).
    pub async fn send(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Json>,
        idempotent: bool,
    ) -> Result<Answer, ConnectorError> {
        with_retries(&self.retry, idempotent, what, || {
            self.attempt(what, method.clone(), url.clone(), body)
        })
        .await
    }

    /// One attempt under the concurrency limit; also says whether the
    /// request may have reached the target (false for connection failures).
    async fn attempt(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<&Json>,
    ) -> (Result<Answer, ConnectorError>, bool) {
        let Ok(_permit) = self.limit.acquire().await else {
            let closed = ConnectorError::Transient {
                detail: "the connector is shutting down".into(),
            };
            return (Err(closed), false);
        };
        let started = Instant::now();
        let mut request = self
            .client
            .request(method, url)
            .headers(self.headers.clone())
            .header(ACCEPT, self.protocol.media_type);
        if let Some(token) = &self.token {
            // reqwest marks the header sensitive, so it is never printed either.
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            match serde_json::to_vec(body) {
                Ok(bytes) => request = request.header(CONTENT_TYPE, self.protocol.media_type).body(bytes),
                Err(e) => return (Err(ConnectorError::Invalid { detail: e.to_string() }), false),
            }
        }
        let elapsed_ms = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                tracing::debug!(request = what, elapsed_ms = elapsed_ms(), "HTTP request failed");
                let reached = !e.is_connect();
                return (Err(transport_error(what, &e)), reached);
            }
        };
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
            return (Err(redirect_error(status.as_u16(), location)), true);
        }
        let retry_after = retry_after(response.headers(), Utc::now());
        let bytes = match read_body(response).await {
            Ok(bytes) => bytes,
            Err(why) => {
                let error = ConnectorError::Transient {
                    detail: format!("{what}: reading the answer failed: {why}"),
                };
                return (Err(error), true);
            }
        };
        tracing::debug!(
            request = what,
            status = status.as_u16(),
            elapsed_ms = elapsed_ms(),
            "HTTP request"
        );
        if status.is_success() {
            let body = serde_json::from_slice(&bytes).unwrap_or(Json::Null);
            return (Ok(Answer { status, body }), true);
        }
        let error = (self.protocol.error)(status.as_u16(), &bytes, retry_after);
        (Err(self.redact(error)), true)
    }

    /// Removes the token from a message the target wrote, in case it echoes it.
    fn redact(&self, error: ConnectorError) -> ConnectorError {
        let Some(token) = self.token.as_ref().map(Secret::expose).filter(|t| !t.is_empty()) else {
            return error;
        };
        let clean = |text: String| text.replace(token, "********");
        match error {
            ConnectorError::Conflict { scim_type, detail } => ConnectorError::Conflict {
                scim_type,
                detail: clean(detail),
            },
            ConnectorError::Rejected {
                status,
                scim_type,
                detail,
            } => ConnectorError::Rejected {
                status,
                scim_type,
                detail: clean(detail),
            },
            ConnectorError::NotFound { detail } => ConnectorError::NotFound { detail: clean(detail) },
            ConnectorError::Incompatible { detail } => ConnectorError::Incompatible { detail: clean(detail) },
            ConnectorError::Transient { detail } => ConnectorError::Transient { detail: clean(detail) },
            other => other,
        }
    }
}

/// A failure before a status arrived: the network policy's refusal as it
/// is, else a transient failure. The URL is left out: its path and query
/// hold values.
fn transport_error(what: &str, error: &reqwest::Error) -> ConnectorError {
    if let Some(refused) = refusal(error) {
        return refused;
    }
    let how = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let source = std::error::Error::source(error)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    ConnectorError::Transient {
        detail: format!("{what} {how}{source}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, _: &[u8], _: Option<Duration>) -> ConnectorError {
        ConnectorError::Rejected {
            status,
            scim_type: None,
            detail: "the secret-token was wrong".into(),
        }
    }

    #[test]
    fn a_token_the_target_echoes_is_blanked_out() {
        let transport = Transport::new(
            &HttpOptions::default(),
            Some(Secret::new("secret-token")),
            HeaderMap::new(),
            Protocol {
                media_type: "application/json",
                error: rejected,
            },
        )
        .unwrap();
        let error = transport.redact(rejected(400, b"", None));
        assert_eq!(
            error.to_string(),
            "the target rejected the request (HTTP 400): the ******** was wrong"
        );
    }
}
