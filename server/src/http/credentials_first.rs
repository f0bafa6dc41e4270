//! Credentials before bodies: a middleware over every route that refuses a
//! request carrying a body with 401, before a byte of the body is read,
//! unless it presents an active API token or a live session. Signing in is
//! the one route that takes a body from anyone: its body must be small
//! (a larger declared length is refused at once) and arrive within the
//! header timeout.
//!
//! This holds for routes added later too, whatever their handlers do with
//! their callers: no anonymous client can make the server read, buffer or
//! wait long for a body. Which scope a route needs is still the handler's
//! extractor's to judge (a token of another scope gets its 403 there).

use std::time::Duration;

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use provisio_api::auth::SESSION_PATH;
use provisio_api::inbound::BULK_UPLOAD_PATH;
use tower_http::timeout::DeadlineBody;

use crate::auth::Auth;
use crate::auth::extract::check_credentials;
use crate::auth::failure::ScimAuthFailure;
use crate::auth::routes::SIGN_IN_MAX_BYTES;
use crate::failure::Failure;

/// What the middleware needs: authentication, and how long an anonymous
/// body (a sign-in's) may take to arrive.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    pub(crate) auth: Auth,
    pub(crate) anonymous_body_deadline: Duration,
}

/// Lets a request through when it has no body or presents valid
/// credentials, and a small, prompt sign-in; answers 401 otherwise (a SCIM
/// error to SCIM and inbound clients).
pub(crate) async fn credentials_first(State(gate): State<Gate>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        return next.run(request).await;
    }
    if is_sign_in(&request) {
        if declared_length(&request).is_some_and(|length| length > SIGN_IN_MAX_BYTES as u64) {
            return Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a sign-in is at most {} KiB", SIGN_IN_MAX_BYTES / 1024),
            )
            .into_response();
        }
        let deadline = gate.anonymous_body_deadline;
        let request = request.map(|body| Body::new(DeadlineBody::new(deadline, body)));
        return next.run(request).await;
    }
    match check_credentials(&gate.auth, request.headers()).await {
        Ok(Ok(())) => next.run(request).await,
        Ok(Err(message)) if speaks_scim(request.uri().path()) => {
            ScimAuthFailure::unauthenticated(message).into_response()
        }
        Ok(Err(message)) => Failure::unauthenticated(message).into_response(),
        Err(error) => Failure::internal(&error).into_response(),
    }
}

fn is_sign_in(request: &Request) -> bool {
    request.method() == Method::POST && request.uri().path() == SESSION_PATH
}

fn declared_length(request: &Request) -> Option<u64> {
    request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
}

/// SCIM's routes and the inbound uploads (SCIM bulk requests) answer SCIM errors.
fn speaks_scim(path: &str) -> bool {
    let upload = BULK_UPLOAD_PATH.split_once("{job}");
    path.starts_with(provisio_scim::endpoint::SCIM_ROOT)
        || upload.is_some_and(|(before, after)| {
            path.strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
                .is_some_and(|job| !job.is_empty() && !job.contains('/'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_and_inbound_upload_paths_speak_scim() {
        for path in ["/scim/v2/Users", "/scim/v2/Bulk", "/api/v1/inbound/workday/bulkUpload"] {
            assert!(speaks_scim(path), "{path}");
        }
        for path in ["/api/v1/jobs", "/api/v1/inbound/workday/requests", "/scimx"] {
            assert!(!speaks_scim(path), "{path}");
        }
    }
}
