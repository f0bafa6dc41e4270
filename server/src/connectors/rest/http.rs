//! The HTTP side of the REST connector: one JSON request with the bearer
//! token and the configured headers, at most a few in flight, retries of
//! throttling (honouring `Retry-After`) and of transient failures with
//! back-off, and the classification of an answer into a
//! [`ConnectorError`]. (The SCIM transport speaks `application/scim+json`
//! and reads SCIM error bodies; the retry policy and back-off are shared,
//! `connectors::retry`.) Only the method, the
//! call's name and the status are logged: never URLs (their paths and
//! queries hold values), headers or bodies.

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde_json::Value as Json;
use tokio::sync::Semaphore;

use provisio_engine::job::Secret;

use crate::connectors::ConnectorError;
use crate::connectors::network::{read_body, redirect_error, refusal, sanitised_excerpt};
pub(super) use crate::connectors::retry::RetryPolicy;
use crate::connectors::retry::{parse_retry_after, with_retries};

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
        let what = format!("REST {method} {name}");
        with_retries(&self.retry, idempotent, &what, || {
            self.attempt(name, method.clone(), url.clone(), body)
        })
        .await
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
        if status.is_redirection() {
            let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok());
            return (Err(redirect_error(status.as_u16(), location)), true);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v.trim(), Utc::now()));
        let bytes = match read_body(response).await {
            Ok(bytes) => bytes,
            Err(why) => {
                let error = ConnectorError::Transient {
                    detail: format!("{method} ({name}): reading the answer failed: {why}"),
                };
                return (Err(error), true);
            }
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
    if let Some(refused) = refusal(error) {
        return refused;
    }
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

/// A short, printable excerpt of the answer's text (it reaches logs,
/// escrows and on-demand answers), or the status when there is none.
fn detail(status: u16, text: &str) -> String {
    match sanitised_excerpt(text) {
        excerpt if excerpt.is_empty() => format!("HTTP {status}"),
        excerpt => excerpt,
    }
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
        assert_eq!(detail.chars().count(), crate::connectors::network::MAX_EXCERPT + 1);
    }
}
