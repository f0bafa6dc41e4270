//! SCIM errors as axum responses. provisio-scim's [`ScimError`] knows its
//! status and body ([`ScimError::to_response`]); the error type is that
//! crate's and the trait axum's, so the server answers through a type of
//! its own. Handlers return `Result<Response, ScimReply>` and `?` turns
//! each `ScimError` into one.

use axum::response::{IntoResponse, Response};
use provisio_scim::ScimError;

/// A [`ScimError`] on its way out: its status, `application/scim+json`
/// and the RFC 7644 §3.12 body.
#[derive(Debug)]
pub(crate) struct ScimReply(pub(crate) ScimError);

impl From<ScimError> for ScimReply {
    fn from(error: ScimError) -> Self {
        ScimReply(error)
    }
}

impl IntoResponse for ScimReply {
    fn into_response(self) -> Response {
        self.0.to_response().into_response()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{StatusCode, header};
    use serde_json::Value;

    use super::*;

    #[tokio::test]
    async fn response_is_scim_json() {
        let response = ScimReply(ScimError::conflict_uniqueness("userName \"bjensen\" is taken")).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/scim+json");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(body["status"], "409");
        assert_eq!(body["detail"], "userName \"bjensen\" is taken");
    }
}
