//! How authentication refuses: [`Failure`] (the JSON endpoints' answer,
//! shared with the admin API) and, for SCIM clients, the SCIM error body.

use axum::http::header::WWW_AUTHENTICATE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use provisio_scim::ScimError;

use crate::ServerError;
pub(crate) use crate::failure::Failure;

/// A SCIM client's authentication error: a [`ScimError`] body, with
/// `WWW-Authenticate: Bearer realm="provisio"` on 401.
#[derive(Debug)]
pub(crate) struct ScimAuthFailure(pub(crate) ScimError);

impl ScimAuthFailure {
    pub(crate) fn unauthenticated(detail: impl Into<String>) -> Self {
        ScimAuthFailure(ScimError::new(StatusCode::UNAUTHORIZED, None, detail))
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        ScimAuthFailure(ScimError::new(StatusCode::FORBIDDEN, None, detail))
    }
}

impl From<ServerError> for ScimAuthFailure {
    fn from(error: ServerError) -> Self {
        tracing::error!(%error, "SCIM authentication failed");
        ScimAuthFailure(ScimError::internal("internal error: see the server log"))
    }
}

impl IntoResponse for ScimAuthFailure {
    fn into_response(self) -> Response {
        let challenge = self.0.status == StatusCode::UNAUTHORIZED;
        let mut response = self.0.to_response().into_response();
        if challenge {
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"provisio\""));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(response: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn scim_failures_are_scim_errors() {
        let response = ScimAuthFailure::unauthenticated("no token").into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[axum::http::header::CONTENT_TYPE],
            "application/scim+json"
        );
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
