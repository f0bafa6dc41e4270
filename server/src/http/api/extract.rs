//! What admin API handlers read from a request, with every rejection
//! answered in the API's error shape instead of axum's plain text: a JSON
//! body ([`Body`]), a raw body ([`RawBody`]), query parameters
//! ([`Params`]), path segments ([`Segments`]) and the `If-Match` version
//! ([`IfMatch`]); and the `ETag` answers carry.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::header::{CONTENT_TYPE, ETAG, IF_MATCH};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::Failure;

/// The most a request body may hold (a job definition of many mappings is
/// well under).
pub(crate) const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body.
#[derive(Debug)]
pub(crate) struct Body<T>(pub(crate) T);

impl<S, T> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Json::<T>::from_request(request, state)
            .await
            .map(|Json(value)| Body(value))
            .map_err(json_failure)
    }
}

fn json_failure(rejection: JsonRejection) -> Failure {
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
        ),
        _ => Failure::invalid(rejection.body_text()),
    }
}

fn too_large() -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the request body is larger than {} KiB", MAX_BODY_BYTES / 1024),
    )
}

/// A UTF-8 request body and its content type (lower-cased, without
/// parameters), for bodies that are not always JSON.
#[derive(Debug)]
pub(crate) struct RawBody {
    pub(crate) content_type: String,
    pub(crate) text: String,
}

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Failure;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = content_type(request.headers());
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection: BytesRejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    Failure::invalid(rejection.body_text())
                }
            })?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| Failure::invalid("the request body is not UTF-8"))?;
        Ok(RawBody { content_type, text })
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

/// Query parameters.
#[derive(Debug)]
pub(crate) struct Params<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|rejection: QueryRejection| Failure::invalid(rejection.body_text()))
    }
}

/// Path segments (`{id}`, or `(String, String)` for two).
#[derive(Debug)]
pub(crate) struct Segments<T>(pub(crate) T);

impl<S, T> FromRequestParts<S> for Segments<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| Segments(value))
            .map_err(|rejection: PathRejection| Failure::invalid(rejection.body_text()))
    }
}

/// The version an `If-Match` header names: `"3"`, `W/"3"` or `3`; `None`
/// without the header or with `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IfMatch(pub(crate) Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(IF_MATCH) else {
            return Ok(IfMatch(None));
        };
        let text = value.to_str().unwrap_or_default();
        parse_if_match(text).map(IfMatch).ok_or_else(|| {
            Failure::invalid(format!(
                "the If-Match header `{text}` is not a version: send the ETag of the object, e.g. \"3\""
            ))
        })
    }
}

fn parse_if_match(text: &str) -> Option<Option<i64>> {
    let text = text.trim();
    if text == "*" {
        return Some(None);
    }
    let text = text.strip_prefix("W/").unwrap_or(text);
    let text = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text);
    text.parse().ok().map(Some)
}

/// A JSON answer with the object's version as its `ETag`.
pub(crate) fn tagged<T: Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    let mut response = (status, Json(body)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{version}\"")) {
        response.headers_mut().insert(ETAG, etag);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_a_version() {
        assert_eq!(parse_if_match("\"3\""), Some(Some(3)));
        assert_eq!(parse_if_match("W/\"12\""), Some(Some(12)));
        assert_eq!(parse_if_match(" 7 "), Some(Some(7)));
        assert_eq!(parse_if_match("*"), Some(None));
        assert_eq!(parse_if_match("\"abc\""), None);
        assert_eq!(parse_if_match(""), None);
    }

    #[test]
    fn etags_quote_the_version() {
        let response = tagged(StatusCode::OK, 4, serde_json::json!({}));
        assert_eq!(response.headers()[ETAG], "\"4\"");
    }
}
