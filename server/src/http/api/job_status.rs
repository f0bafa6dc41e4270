//! `/api/v1/jobs/{id}/status`: a job's status ([`crate::cycle::job_status`]).
//! Read-only.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::{JOB_STATUS_PATH, JobStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Segments;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::cycle::job_status::job_status as read_status;
use crate::cycle::run::CycleError;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(job_status))
}

/// A job's status: its state, where its cycles stand (quarantine,
/// watermark, whether the initial cycle is done, the running cycle's
/// progress), the last finished cycle's figures (duration, counts per
/// action, failures), its escrowed objects and staged deletes, and its
/// failures in the last 24 hours.
#[utoipa::path(
    get,
    path = JOB_STATUS_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job's status.", body = JobStatus),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn job_status(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<JobStatus>, Failure> {
    match read_status(&state.store, &state.jobs, &id).await {
        Ok(status) => Ok(Json(status)),
        Err(CycleError::Job(e)) => Err(e.into()),
        Err(e) => Err(Failure::internal(&e)),
    }
}
