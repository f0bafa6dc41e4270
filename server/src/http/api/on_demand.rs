//! `/api/v1/jobs/{id}/provision-on-demand`: the provisioning pipeline for
//! one user, now, with the engine's steps and what was done.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::{JOB_PROVISION_ON_DEMAND_PATH, ProvisionOnDemandRequest};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Body, Segments};
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::cycle::run::{self, Applied, CycleError};
use crate::logs::LogEntry;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(provision_on_demand))
}

/// The answer: the run's id, the engine's decision (action, status, reason,
/// changes with old and new values, and the steps: import, scoping,
/// matching, action), what was done, and the log entry written.
#[derive(Debug, Serialize)]
pub(crate) struct OnDemandResult {
    run_id: String,
    decision: provisio_engine::plan::Decision,
    applied: Applied,
    log_entry: LogEntry,
}

/// Provisions one user now: the real pipeline (import, scoping, matching,
/// action, applied to the target), logged as an on-demand run.
#[utoipa::path(
    post,
    path = JOB_PROVISION_ON_DEMAND_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    request_body = ProvisionOnDemandRequest,
    responses(
        (status = 200, description = "The decision, its steps and what was done.", body = Object),
        (status = 400, description = "The job cannot be run (no user mapping, not a SCIM target).", body = ApiError),
        (status = 404, description = "No job, or no directory user, has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn provision_on_demand(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(request): Body<ProvisionOnDemandRequest>,
) -> Result<Json<OnDemandResult>, Failure> {
    let (run_id, outcome) = run::provision_on_demand(&state.store, &state.jobs, &id, request.user.trim())
        .await
        .map_err(failure)?;
    Ok(Json(OnDemandResult {
        run_id,
        decision: outcome.decision,
        applied: outcome.applied,
        log_entry: outcome.log_entry,
    }))
}

fn failure(error: CycleError) -> Failure {
    match error {
        CycleError::Job(e) => e.into(),
        CycleError::Directory(e) => e.into(),
        CycleError::NoSuchUser(_) => Failure::not_found(error.to_string()),
        CycleError::Invalid(_) | CycleError::Connector(_) => Failure::invalid(error.to_string()),
        other => Failure::internal(&other),
    }
}
