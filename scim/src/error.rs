//! The SCIM error (RFC 7644 §3.12): an HTTP status, an optional `scimType`
//! keyword and a detail that says what went wrong and where, rendered as the
//! `urn:ietf:params:scim:api:messages:2.0:Error` body.

use http::{StatusCode, header};
use serde_json::{Value, json};

/// The schema URN of a SCIM error body.
pub const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// The media type of every SCIM response body (RFC 7644 §3.1).
pub const SCIM_CONTENT_TYPE: &str = "application/scim+json";

/// The `scimType` keywords of RFC 7644 §3.12, Table 9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimType {
    /// The filter syntax is invalid, or the attribute and operator do not go together.
    InvalidFilter,
    /// The filter yields more results than the server is willing to process.
    TooMany,
    /// A value is already in use or reserved.
    Uniqueness,
    /// The change is not compatible with the attribute's mutability.
    Mutability,
    /// The body is not valid JSON or does not have the request's structure.
    InvalidSyntax,
    /// A PATCH `path` is invalid or malformed.
    InvalidPath,
    /// A PATCH `path` selects nothing that can be operated on.
    NoTarget,
    /// A required value is missing, or a value has the wrong type.
    InvalidValue,
    /// The SCIM protocol version is not supported.
    InvalidVers,
    /// Sensitive information was passed in the request URI.
    Sensitive,
}

impl ScimType {
    /// The keyword exactly as RFC 7644 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScimType::InvalidFilter => "invalidFilter",
            ScimType::TooMany => "tooMany",
            ScimType::Uniqueness => "uniqueness",
            ScimType::Mutability => "mutability",
            ScimType::InvalidSyntax => "invalidSyntax",
            ScimType::InvalidPath => "invalidPath",
            ScimType::NoTarget => "noTarget",
            ScimType::InvalidValue => "invalidValue",
            ScimType::InvalidVers => "invalidVers",
            ScimType::Sensitive => "sensitive",
        }
    }
}

/// A SCIM error response: `ScimError::bad_request(ScimType::InvalidFilter, "…")`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {detail}", status.as_u16(), scim_type.map_or("error", ScimType::as_str))]
pub struct ScimError {
    pub status: StatusCode,
    pub scim_type: Option<ScimType>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: StatusCode, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with a `scimType`, the answer to most bad requests.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// 400 `tooMany`: the query would return more than the server processes.
    pub fn too_many(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::TooMany, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }

    /// 409 `uniqueness`: a value that must be unique is already taken.
    pub fn conflict_uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, Some(ScimType::Uniqueness), detail)
    }

    /// 412: the `If-Match` version is not the resource's current one.
    pub fn precondition_failed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, None, detail)
    }

    /// 413: the body, or a bulk request, is larger than the server accepts.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, None, detail)
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, None, detail)
    }

    /// The error body; `status` is a JSON string, as RFC 7644 §3.12 requires.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_URN],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let (Some(scim_type), Some(object)) = (self.scim_type, body.as_object_mut()) {
            object.insert("scimType".into(), Value::String(scim_type.as_str().into()));
        }
        body
    }

    /// The error as an HTTP answer: its status, `application/scim+json`
    /// and the body of [`ScimError::to_json`]. The server turns it into its
    /// framework's response; this crate stays free of one.
    pub fn to_response(&self) -> http::Response<String> {
        let mut response = http::Response::new(self.to_json().to_string());
        *response.status_mut() = self.status;
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, http::HeaderValue::from_static(SCIM_CONTENT_TYPE));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_status_as_string_and_scim_type() {
        let error = ScimError::invalid_filter("invalid filter at character 10: expected a comparison operator");
        assert_eq!(
            error.to_json(),
            json!({
                "schemas": [ERROR_URN],
                "status": "400",
                "scimType": "invalidFilter",
                "detail": "invalid filter at character 10: expected a comparison operator",
            })
        );
    }

    #[test]
    fn body_without_scim_type_omits_it() {
        let body = ScimError::not_found("no User with id \"42\"").to_json();
        assert_eq!(body["status"], "404");
        assert!(body.get("scimType").is_none());
    }

    #[test]
    fn constructors_pick_status_and_keyword() {
        let cases = [
            (ScimError::conflict_uniqueness("x"), 409, Some("uniqueness")),
            (ScimError::precondition_failed("x"), 412, None),
            (ScimError::payload_too_large("x"), 413, None),
            (ScimError::internal("x"), 500, None),
            (ScimError::mutability("x"), 400, Some("mutability")),
            (ScimError::no_target("x"), 400, Some("noTarget")),
            (ScimError::invalid_path("x"), 400, Some("invalidPath")),
            (ScimError::invalid_value("x"), 400, Some("invalidValue")),
            (ScimError::invalid_syntax("x"), 400, Some("invalidSyntax")),
            (ScimError::too_many("x"), 400, Some("tooMany")),
            (
                ScimError::bad_request(ScimType::InvalidVers, "x"),
                400,
                Some("invalidVers"),
            ),
            (ScimError::bad_request(ScimType::Sensitive, "x"), 400, Some("sensitive")),
        ];
        for (error, status, scim_type) in cases {
            assert_eq!(error.status.as_u16(), status, "{error}");
            assert_eq!(error.scim_type.map(ScimType::as_str), scim_type, "{error}");
        }
    }

    #[test]
    fn display_names_status_keyword_and_detail() {
        assert_eq!(ScimError::no_target("no path").to_string(), "400 noTarget: no path");
        assert_eq!(ScimError::not_found("gone").to_string(), "404 error: gone");
    }

    #[test]
    fn response_is_scim_json() {
        let response = ScimError::conflict_uniqueness("userName \"bjensen\" is taken").to_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_CONTENT_TYPE);
        let body: Value = serde_json::from_str(response.body()).unwrap();
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(body["status"], "409");
    }
}
