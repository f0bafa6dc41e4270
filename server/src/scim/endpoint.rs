//! Lenient SCIM request paths on the way in: a request's path is made
//! canonical (provisio-scim's [`canonical_path`]: endpoint names as RFC 7644
//! spells them, no trailing slash) before the router sees it. Ids and the
//! query are left untouched.

use axum::extract::Request;
use axum::http::Uri;
use axum::http::uri::PathAndQuery;
use provisio_scim::endpoint::canonical_path;

/// The request with its path made canonical (see [`canonical_path`]).
pub(crate) fn canonical_request(mut request: Request) -> Request {
    let Some(path) = canonical_path(request.uri().path()) else {
        return request;
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    // The rewritten path is made of the request's own segments, so it parses.
    if let Ok(path_and_query) = PathAndQuery::try_from(path_and_query) {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_kept() {
        let request = Request::builder()
            .uri("/scim/v2/users/?filter=userName%20eq%20%22a%22&count=2")
            .body(axum::body::Body::empty())
            .unwrap();
        let request = canonical_request(request);
        assert_eq!(
            request.uri().to_string(),
            "/scim/v2/Users?filter=userName%20eq%20%22a%22&count=2"
        );
    }

    #[test]
    fn a_canonical_request_is_left_as_it_is() {
        let request = Request::builder()
            .uri("/scim/v2/Users/AbC?count=1")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(
            canonical_request(request).uri().to_string(),
            "/scim/v2/Users/AbC?count=1"
        );
    }
}
