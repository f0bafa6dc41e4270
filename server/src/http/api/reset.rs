//! `/api/v1/jobs/{id}/reset`: clear a job's escrows, release its
//! quarantine, or restart it forgetting its links (see `cycle::reset`).

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::reset::{JOB_RESET_PATH, ResetReport, ResetRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Body, Segments};
use super::on_demand::failure;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(reset_job))
}

/// Resets the job: `escrows` retries every escrowed object in the next
/// cycle; `quarantine` lifts a quarantine (or the disabling after 28 days);
/// `full` restarts the job (its next cycle is an initial one) and forgets
/// its links, so every object is matched again. Waits up to 10 s for a run
/// of the job to end.
#[utoipa::path(
    post,
    path = JOB_RESET_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    request_body = ResetRequest,
    responses(
        (status = 200, description = "What the reset did.", body = ResetReport),
        (status = 400, description = "The scope is not one of escrows, quarantine, full.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        (status = 409, description = "A run of the job did not end within 10 s.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn reset_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(request): Body<ResetRequest>,
) -> Result<Json<ResetReport>, Failure> {
    let report = crate::cycle::reset::reset(&state.store, &state.jobs, &id, request.scope)
        .await
        .map_err(failure)?;
    Ok(Json(report))
}
