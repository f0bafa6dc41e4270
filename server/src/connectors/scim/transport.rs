//! The HTTP side of the SCIM client: one request with the target's
//! concurrency limit, retries of throttling (honouring `Retry-After`) and of
//! transient failures with exponential back-off and jitter, and the
//! classification of a response into a [`ConnectorError`]. Only the method,
//! the path, the status and the duration are logged: never headers, bodies
//! or query strings (filters hold personal data).

use std::time::{Duration, Instant};

use chrono::Utc;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use reqwest::{Method, Url};
use serde_json::Value as Json;
use tokio::sync::Semaphore;

use crate::connectors::ConnectorError;
use crate::connectors::network::{read_body, redirect_error, refusal, sanitised_excerpt};
pub(super) use crate::connectors::retry::RetryPolicy;
use crate::connectors::retry::{retry_after, with_retries};

pub(super) const SCIM_JSON: &str = "application/scim+json";

/// The body of a response with a success status; `Null` when empty.
#[derive(Debug)]
pub(super) struct Reply {
    pub body: Json,
}

pub(super) struct Transport {
    pub client: reqwest::Client,
    pub token: Option<provisio_engine::job::Secret>,
    pub limit: Semaphore,
    pub retry: RetryPolicy,
}

impl Transport {
    /// Sends one request, retrying throttling and (when `idempotent`, or
    /// when nothing reached the target) transient failures.
    pub async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Json>,
        idempotent: bool,
    ) -> Result<Reply, ConnectorError> {
        let what = format!("SCIM {method} {}", url.path());
        with_retries(&self.retry, idempotent, &what, || {
            self.attempt(method.clone(), url.clone(), body)
        })
        .await
    }

    /// One attempt under the concurrency limit; also says whether the
    /// request may have reached the target (false for connection failures).
    async fn attempt(&self, method: Method, url: Url, body: Option<&Json>) -> (Result<Reply, ConnectorError>, bool) {
        let Ok(_permit) = self.limit.acquire().await else {
            let closed = ConnectorError::Transient {
                detail: "the connector is shutting down".into(),
            };
            return (Err(closed), false);
        };
        let started = Instant::now();
        let path = url.path().to_owned();
        let mut request = self.client.request(method.clone(), url).header(ACCEPT, SCIM_JSON);
        if let Some(token) = &self.token {
            // reqwest marks the header sensitive, so it is never printed either.
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            match serde_json::to_vec(body) {
                Ok(bytes) => request = request.header(CONTENT_TYPE, SCIM_JSON).body(bytes),
                Err(e) => return (Err(ConnectorError::Invalid { detail: e.to_string() }), false),
            }
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let reached = !e.is_connect();
                tracing::debug!(method = %method, path, elapsed_ms = started.elapsed().as_millis() as u64, "SCIM request failed");
                return (Err(transport_error(&method, &path, e)), reached);
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
                    detail: format!("{method} {path}: reading the answer failed: {why}"),
                };
                return (Err(error), true);
            }
        };
        tracing::debug!(method = %method, path, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "SCIM request");
        let body = serde_json::from_slice(&bytes).unwrap_or(Json::Null);
        if status.is_success() {
            return (Ok(Reply { body }), true);
        }
        let error = classify(status.as_u16(), &body, retry_after);
        (Err(self.redact(error)), true)
    }

    /// Removes the token from a message the target wrote, in case it echoes it.
    fn redact(&self, error: ConnectorError) -> ConnectorError {
        let Some(token) = self.token.as_ref().map(|t| t.expose()).filter(|t| !t.is_empty()) else {
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

/// A failure before a status arrived. The URL is left out: its query holds
/// filter values.
fn transport_error(method: &Method, path: &str, error: reqwest::Error) -> ConnectorError {
    if let Some(refused) = refusal(&error) {
        return refused;
    }
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let source = std::error::Error::source(&error)
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    ConnectorError::Transient {
        detail: format!("{method} {path} {what}{source}"),
    }
}

/// The error for a non-success status and its SCIM error body.
pub(super) fn classify(status: u16, body: &Json, retry_after: Option<Duration>) -> ConnectorError {
    let scim_type = body.get("scimType").and_then(Json::as_str).map(str::to_owned);
    // The target's own words, quoted short and printable: they reach the
    // logs, escrows and on-demand answers.
    let detail = body
        .get("detail")
        .and_then(Json::as_str)
        .map(sanitised_excerpt)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        401 | 403 => ConnectorError::InvalidCredentials { status },
        404 => ConnectorError::NotFound { detail },
        409 => ConnectorError::Conflict { scim_type, detail },
        429 | 503 => ConnectorError::Throttled { retry_after },
        501 => ConnectorError::Incompatible {
            detail: format!("the target does not implement this request (HTTP 501): {detail}"),
        },
        500..=599 => ConnectorError::Transient {
            detail: format!("HTTP {status}: {detail}"),
        },
        _ => ConnectorError::Rejected {
            status,
            scim_type,
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn classified(status: u16, body: Json) -> ConnectorError {
        classify(status, &body, None)
    }

    #[test]
    fn statuses_classify_by_what_the_cycle_does() {
        let error = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "scimType": "uniqueness", "detail": "taken"});
        assert_eq!(
            classified(401, json!(null)),
            ConnectorError::InvalidCredentials { status: 401 }
        );
        assert_eq!(
            classified(403, json!(null)),
            ConnectorError::InvalidCredentials { status: 403 }
        );
        assert_eq!(
            classified(404, json!(null)),
            ConnectorError::NotFound {
                detail: "HTTP 404".into()
            }
        );
        assert_eq!(
            classified(409, error.clone()),
            ConnectorError::Conflict {
                scim_type: Some("uniqueness".into()),
                detail: "taken".into()
            }
        );
        assert_eq!(
            classify(429, &json!(null), Some(Duration::from_secs(2))),
            ConnectorError::Throttled {
                retry_after: Some(Duration::from_secs(2))
            }
        );
        assert_eq!(
            classified(503, json!(null)),
            ConnectorError::Throttled { retry_after: None }
        );
        assert!(matches!(
            classified(501, json!(null)),
            ConnectorError::Incompatible { .. }
        ));
        assert!(matches!(classified(502, json!(null)), ConnectorError::Transient { .. }));
        assert_eq!(
            classified(400, json!({"scimType": "invalidValue", "detail": "bad"})),
            ConnectorError::Rejected {
                status: 400,
                scim_type: Some("invalidValue".into()),
                detail: "bad".into()
            }
        );
    }
}
