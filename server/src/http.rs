//! The HTTP surface: the routes, the middleware every response passes
//! through (request tracing, gzip) and the state handlers share.

mod api;
pub(crate) mod failure;
mod health;
mod metrics;
mod openapi;
mod portal;
mod state;

use axum::Router;
use axum::routing::get;
use tower::ServiceExt as _;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

pub(crate) use state::AppState;

/// Every route; anything unrouted is the portal's.
pub(crate) fn router(state: AppState) -> Router {
    let track = axum::middleware::from_fn_with_state(state.metrics.clone(), metrics::track);
    let routes = Router::new()
        .route(provisio_api::health::HEALTH_PATH, get(health::health))
        .merge(crate::auth::routes())
        .merge(api::router())
        .merge(crate::scim::routes::routes())
        .fallback(portal::serve)
        .layer(track)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );
    // SCIM clients spell endpoints in any letter case and with a trailing
    // slash: their paths are made canonical before routing, which a layer
    // on `routes` (run after routing) could not do.
    Router::new().fallback_service(routes.map_request(crate::scim::endpoint::canonical_request))
}
