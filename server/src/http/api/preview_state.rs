//! `/api/v1/jobs/{id}/preview-state`: the links and, when asked, the
//! application's current objects the portal's whole-cycle preview decides
//! existing accounts with (see `cycle::preview_state`).

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::preview::{JOB_PREVIEW_STATE_PATH, PreviewState, PreviewStateRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Body, Segments};
use super::on_demand::failure;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(preview_state))
}

/// Which target object each of up to 200 source objects is linked to and,
/// with `read_targets`, that object as the application holds it now (one
/// read each, through the job's connector). Nothing is written.
#[utoipa::path(
    post,
    path = JOB_PREVIEW_STATE_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    request_body = PreviewStateRequest,
    responses(
        (status = 200, description = "Each object's link and target object, in the order asked.", body = PreviewState),
        (status = 400, description = "More than 200 objects, or the application refused the job's credentials.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn preview_state(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(request): Body<PreviewStateRequest>,
) -> Result<Json<PreviewState>, Failure> {
    let answer = crate::cycle::preview_state::preview_state(&state.store, &state.jobs, &id, &request)
        .await
        .map_err(failure)?;
    Ok(Json(answer))
}
