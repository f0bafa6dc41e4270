//! The HTTP surface: the routes, the middleware every request passes
//! through (security headers, the access log, timeouts, credentials before
//! bodies, gzip),
//! the state handlers share, and serving connections within the limits.

mod access_log;
mod api;
mod credentials_first;
mod health;
mod job_metrics;
mod limits;
mod metrics;
mod openapi;
mod portal;
mod security_headers;
mod serve;
mod state;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use tower::ServiceExt as _;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

pub use limits::HttpLimits;
pub(crate) use serve::serve;
pub(crate) use state::AppState;

/// Every route; anything unrouted is the portal's.
pub(crate) fn router(state: AppState, limits: &HttpLimits) -> Router {
    let track = axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track);
    let gate = credentials_first::Gate {
        auth: state.auth.clone(),
        anonymous_body_deadline: limits.header_timeout,
    };
    let credentials_first = axum::middleware::from_fn_with_state(gate, credentials_first::credentials_first);
    let routes = Router::new()
        .route(provisio_api::health::HEALTH_PATH, get(health::health))
        .merge(crate::auth::routes())
        .merge(api::router())
        .merge(crate::scim::routes::routes::<AppState>())
        .fallback(portal::serve)
        .layer(axum::middleware::from_fn(audit_scope))
        .layer(track)
        .with_state(state)
        .layer(credentials_first)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(access_log::layer())
        .layer(axum::middleware::from_fn(security_headers::add));
    // SCIM clients spell endpoints in any letter case and with a trailing
    // slash: their paths are made canonical before routing, which a layer
    // on `routes` (run after routing) could not do.
    Router::new().fallback_service(routes.map_request(crate::scim::endpoint::canonical_request))
}

/// Runs each request with an empty audit slot, which the admin caller's
/// extractor fills: the store's audited writes then know who acts.
async fn audit_scope(mut request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let slot = crate::audit::Slot::default();
    request.extensions_mut().insert(slot.clone());
    crate::audit::scope(slot, next.run(request)).await
}
