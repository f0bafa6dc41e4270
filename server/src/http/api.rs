//! The admin JSON API under `/api/v1`: jobs and their assignments, the
//! directory for the portal, inbound jobs' bulk uploads, plus the OpenAPI document and the metrics,
//! every route registered together with its `#[utoipa::path]` description
//! so the OpenAPI document is generated from the very routes served.
//!
//! Every handler takes an [`AdminCaller`](crate::auth::extract::AdminCaller):
//! an admin API token, or a session cookie with its CSRF token on requests
//! that change state. Errors are [`Failure`]s: a status and
//! `{"error": CODE, "message": SENTENCE}`.

mod agents;
mod app_roles;
mod approval;
mod audit;
mod directory;
mod error;
mod extract;
mod inbound;
mod job_status;
mod jobs;
mod log_activity;
mod logs;
mod notifications;
mod on_demand;
mod preview_state;
mod reset;
mod settings;
mod test_connection;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use provisio_api::ApiError;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

pub(super) use error::Failure;

/// The answers every admin endpoint may give besides its own.
#[derive(utoipa::IntoResponses)]
// Describes responses for the OpenAPI document; the extractor builds the real ones.
#[allow(dead_code)]
pub(crate) enum AdminErrors {
    /// Not signed in, the session has ended, or the token is not valid.
    #[response(status = 401)]
    Unauthenticated(ApiError),
    /// A session request that changes state without its `X-CSRF-Token`, or
    /// a token of another scope.
    #[response(status = 403)]
    Forbidden(ApiError),
}

/// Every route of the admin API (but authentication's own, which
/// `crate::auth::routes` serves and [`super::openapi::ApiDoc`] documents),
/// with the OpenAPI description of each.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(super::openapi::ApiDoc::openapi())
        .merge(jobs::routes())
        .merge(directory::routes())
        .merge(logs::routes())
        .merge(log_activity::routes())
        .merge(on_demand::routes())
        .merge(job_status::routes())
        .merge(approval::routes())
        .merge(reset::routes())
        .merge(preview_state::routes())
        .merge(test_connection::routes())
        .merge(app_roles::routes())
        .merge(inbound::routes())
        .merge(agents::routes())
        .merge(settings::routes())
        .merge(notifications::routes())
        .merge(audit::routes())
        .routes(routes!(super::openapi::openapi_json))
        .routes(routes!(super::metrics::scrape))
        .layer(DefaultBodyLimit::max(extract::MAX_BODY_BYTES))
}

/// [`routes`] as a plain router, to merge into the server's.
pub(crate) fn router() -> Router<AppState> {
    routes().split_for_parts().0
}
