//! How the JSON endpoints refuse (the admin API, sign-in, and the
//! authentication in front of them): one type, [`Failure`], with the HTTP
//! status and the body every client reads (`{"error": CODE, "message":
//! SENTENCE}`, plus the engine's `problems` for an invalid job definition),
//! a bearer challenge on 401 and `Retry-After` on 429.

use axum::Json;
use axum::http::header::{CACHE_CONTROL, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use provisio_api::ApiError;
use provisio_api::jobs::JobInvalid;
use provisio_engine::job::JobProblem;

use crate::ServerError;

/// A refusal of the admin API or of sign-in.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) error: ApiError,
    /// For an invalid job definition: every problem found.
    pub(crate) problems: Option<Vec<JobProblem>>,
    retry_after: Option<u64>,
}

impl Failure {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Failure {
            status,
            error: ApiError::new(code, message),
            problems: None,
            retry_after: None,
        }
    }

    /// 401: no credentials, or ones that are not (or no longer) valid.
    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 403: a session request that changes state without its CSRF token.
    pub(crate) fn csrf(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", message)
    }

    /// 403: valid credentials that may not do this.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 400: the request is malformed or breaks a rule; the message says where.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the request clashes with what exists.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 412: the `If-Match` version is no longer current.
    pub(crate) fn precondition_failed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "precondition_failed", message)
    }

    /// 429 with `Retry-After` (whole seconds, rounded up).
    pub(crate) fn rate_limited(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        Failure {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed sign-ins: try again later",
            )
        }
    }

    /// 400 with every problem of a job definition.
    pub(crate) fn job_problems(problems: Vec<JobProblem>) -> Self {
        let message = JobProblem::summary(&problems);
        Failure {
            problems: Some(problems),
            ..Self::invalid(message)
        }
    }

    /// 500: logged here with its cause, answered without it.
    pub(crate) fn internal(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: see the server log",
        )
    }
}

impl From<ServerError> for Failure {
    fn from(error: ServerError) -> Self {
        Failure::internal(&error)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = match self.problems {
            Some(problems) => (
                self.status,
                Json(JobInvalid {
                    error: self.error.error,
                    message: self.error.message,
                    problems,
                }),
            )
                .into_response(),
            None => (self.status, Json(self.error)).into_response(),
        };
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn unauthenticated_answers_401_with_a_bearer_challenge() {
        let response = Failure::unauthenticated("sign in").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
        assert_eq!(
            body(response).await,
            serde_json::json!({"error": "unauthenticated", "message": "sign in"})
        );
    }

    #[tokio::test]
    async fn rate_limited_rounds_the_wait_up() {
        let response = Failure::rate_limited(Duration::from_millis(61_500)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RETRY_AFTER], "62");
    }
}
