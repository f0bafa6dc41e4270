//! `GET /healthz`: answers while the server runs.

use axum::Json;
use provisio_api::health::Health;

pub(super) async fn health() -> Json<Health> {
    Json(Health::ok())
}
