//! `GET /healthz`: ready (200) while the database answers and holds
//! exactly this release's migrations; otherwise 503 saying why, so a load
//! balancer sends requests to the instances that can serve them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use provisio_api::health::Health;

use super::AppState;

pub(super) async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    match state.store.ready().await {
        Ok(()) => (StatusCode::OK, Json(Health::ok())),
        Err(problem) => (StatusCode::SERVICE_UNAVAILABLE, Json(Health::unavailable(problem))),
    }
}
