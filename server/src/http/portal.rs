//! The portal's static files at `/`, with the single-page app's fallback:
//! a path that names no file and looks like a portal route gets
//! `index.html`, so deep links and reloads work. Files Trunk gzipped are sent
//! as they are, and files whose names carry a content hash are cached for
//! good. While the portal is not built, every such request gets a 503 page
//! saying how to build it.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use super::AppState;

/// The built portal's folder, with one file service for assets and one that
/// falls back to `index.html` for portal routes.
#[derive(Debug, Clone)]
pub(crate) struct Portal {
    index: PathBuf,
    assets: ServeDir,
    routes: ServeDir<ServeFile>,
}

impl Portal {
    pub(crate) fn new(dir: &Path) -> Self {
        let index = dir.join("index.html");
        Portal {
            assets: ServeDir::new(dir).precompressed_gzip(),
            routes: ServeDir::new(dir).fallback(ServeFile::new(&index)),
            index,
        }
    }

    /// Whether `index.html` is there, checked on each request so a portal
    /// built while the server runs is picked up without a restart.
    pub(crate) fn is_built(&self) -> bool {
        self.index.is_file()
    }
}

pub(super) async fn serve(State(state): State<AppState>, request: Request) -> Response {
    let portal = &state.portal;
    if !portal.is_built() {
        return not_built();
    }
    let path = request.uri().path().to_owned();
    let result = if is_portal_route(&path) {
        portal
            .routes
            .clone()
            .oneshot(request)
            .await
            .map(IntoResponse::into_response)
    } else {
        portal
            .assets
            .clone()
            .oneshot(request)
            .await
            .map(IntoResponse::into_response)
    };
    let mut response = match result {
        Ok(response) => response,
        Err(never) => match never {},
    };
    // A 304 too: its headers replace the cached page's, policy included.
    if is_html(&response) || response.status() == StatusCode::NOT_MODIFIED {
        // The page's inline scripts (Trunk's loader) are allowed by their
        // hashes, read from the very file being served.
        if let Ok(page) = tokio::fs::read_to_string(&portal.index).await
            && let Ok(policy) = header::HeaderValue::from_str(&super::security_headers::portal_policy(&page))
        {
            response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
        }
    }
    if response.status().is_success() {
        let cache = if is_content_hashed(&path) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, header::HeaderValue::from_static(cache));
    }
    response
}

fn is_html(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"))
}

/// Trunk names built files `name-<16 hex digits>.ext`: such a file never
/// changes, a new build gives it a new name.
fn is_content_hashed(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    let stem = last.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Portal routes are the paths whose last segment has no file extension,
/// outside the JSON API; a missing `app.js` or `/api/…` stays a 404.
fn is_portal_route(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    !last.contains('.') && path != "/api" && !path.starts_with("/api/")
}

const NOT_BUILT_PAGE: &str = "<!doctype html>
<html lang=\"en\">
<meta charset=\"utf-8\">
<title>Provisio: portal not built</title>
<h1>The Provisio portal has not been built</h1>
<p>The server is running, but it found no <code>index.html</code> in its portal folder.</p>
<p>Build the portal and start the server in one step from the source tree with <code>cargo xtask run</code>,
or point <code>provisio serve --portal DIR</code> (or <code>PROVISIO_PORTAL_DIR</code>) at a built portal.</p>
</html>
";

fn not_built() -> Response {
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, Body::from(NOT_BUILT_PAGE)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portal_routes_are_extensionless_paths_outside_the_api() {
        for route in ["/", "/applications", "/applications/42/mappings", "/logs/"] {
            assert!(is_portal_route(route), "{route}");
        }
        for other in ["/app-3f2a.wasm", "/styles.css", "/api", "/api/v1/users", "/api/"] {
            assert!(!is_portal_route(other), "{other}");
        }
    }

    #[test]
    fn only_files_named_by_their_content_hash_are_cached_for_good() {
        for hashed in [
            "/provisio-portal-7ff8b1ebc7a289a2_bg.wasm",
            "/style-8c6f0f1eeba710f5.css",
            "/jobs-f8d78bc15f9370fd.css",
        ] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for other in ["/", "/index.html", "/favicon.ico", "/jobs/7", "/app-3f2a.wasm"] {
            assert!(!is_content_hashed(other), "{other}");
        }
    }
}
