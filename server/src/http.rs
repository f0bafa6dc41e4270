//! The HTTP surface: the routes, the middleware every response passes
//! through (request tracing, gzip) and the state handlers share.

mod health;
mod portal;

use std::path::Path;

use axum::Router;
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::store::Store;

/// What request handlers share.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    // Read by the admin API of later issues; opened and migrated now.
    #[allow(dead_code)]
    pub(crate) store: Store,
    pub(crate) portal: portal::Portal,
}

impl AppState {
    pub(crate) fn new(store: Store, portal_dir: &Path) -> Self {
        AppState {
            store,
            portal: portal::Portal::new(portal_dir),
        }
    }
}

/// Every route; anything unrouted is the portal's.
pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route(provisio_api::health::HEALTH_PATH, get(health::health))
        .fallback(portal::serve)
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
}
