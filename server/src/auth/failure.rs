//! How authentication and the endpoints in [`super::routes`] answer when
//! they refuse: an HTTP status and an [`ApiError`] body, and for SCIM
//! clients the SCIM error body instead.

use axum::Json;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use provisio_api::auth::ApiError;

use crate::ServerError;

/// An admin API error: the status and the JSON body.
#[derive(Debug)]
pub(crate) struct ApiFailure {
    pub(crate) status: StatusCode,
    pub(crate) error: ApiError,
    retry_after: Option<u64>,
}

impl ApiFailure {
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiFailure {
            status,
            error: ApiError::new(code, message),
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

    /// 400: a request body that is malformed or breaks a rule.
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

    /// 429 with `Retry-After` (whole seconds, rounded up).
    pub(crate) fn rate_limited(retry_after: std::time::Duration) -> Self {
        let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
        ApiFailure {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed sign-ins: try again later",
            )
        }
    }
}

/// A storage failure: logged here, answered as a bare 500.
impl From<ServerError> for ApiFailure {
    fn from(error: ServerError) -> Self {
        tracing::error!(%error, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error: see the server log",
        )
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.error)).into_response();
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

/// A SCIM client's authentication error (RFC 7644 §3.12), with
/// `WWW-Authenticate: Bearer realm="provisio"` on 401.
#[derive(Debug)]
pub(crate) struct ScimAuthFailure {
    pub(crate) status: StatusCode,
    pub(crate) detail: String,
}

impl ScimAuthFailure {
    pub(crate) fn unauthenticated(detail: impl Into<String>) -> Self {
        ScimAuthFailure {
            status: StatusCode::UNAUTHORIZED,
            detail: detail.into(),
        }
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        ScimAuthFailure {
            status: StatusCode::FORBIDDEN,
            detail: detail.into(),
        }
    }
}

impl From<ServerError> for ScimAuthFailure {
    fn from(error: ServerError) -> Self {
        tracing::error!(%error, "SCIM authentication failed");
        ScimAuthFailure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            detail: "internal error: see the server log".to_owned(),
        }
    }
}

impl IntoResponse for ScimAuthFailure {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/scim+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"provisio\""));
        }
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
        let response = ApiFailure::unauthenticated("sign in").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
        assert_eq!(
            body(response).await,
            serde_json::json!({"error": "unauthenticated", "message": "sign in"})
        );
    }

    #[tokio::test]
    async fn rate_limited_rounds_the_wait_up() {
        let response = ApiFailure::rate_limited(Duration::from_millis(61_500)).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RETRY_AFTER], "62");
    }

    #[tokio::test]
    async fn scim_failures_are_scim_errors() {
        let response = ScimAuthFailure::unauthenticated("no token").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/scim+json");
        assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer realm=\"provisio\"");
        assert_eq!(
            body(response).await,
            serde_json::json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "401",
                "detail": "no token"
            })
        );
    }
}
