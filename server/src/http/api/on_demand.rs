//! `/api/v1/jobs/{id}/provision-on-demand`: the provisioning pipeline for
//! one user (or a group with up to five chosen members, or for an inbound
//! job one pushed record), now, with the engine's steps and what was done.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::{JOB_PROVISION_ON_DEMAND_PATH, MemberResult, OnDemandResult, ProvisionOnDemandRequest};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Body, Segments};
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::cycle::run::{self, CycleError};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(provision_on_demand))
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
        (status = 200, description = "The decision, its steps and what was done.", body = OnDemandResult),
        (status = 400, description = "The job cannot be run (no user mapping, not a SCIM target).", body = ApiError),
        (status = 404, description = "No job, or no directory user, has that id or name.", body = ApiError),
        (status = 409, description = "Another run of the job (a cycle, an on-demand run) did not end within 10 seconds.", body = ApiError),
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
    if let Some(record) = &request.record {
        let serde_json::Value::Object(data) = record else {
            return Err(Failure::invalid("record: a SCIM user as a JSON object"));
        };
        let (run_id, outcome) = run::provision_record_on_demand(&state.store, &state.jobs, &id, data)
            .await
            .map_err(failure)?;
        return Ok(Json(outcome.into_on_demand_result(run_id)));
    }
    if let Some(group) = request.group.as_deref() {
        if !request.user.trim().is_empty() {
            return Err(Failure::invalid("name either a `user` or a `group`, not both"));
        }
        let run = run::provision_group_on_demand(&state.store, &state.jobs, &id, group.trim(), &request.members)
            .await
            .map_err(failure)?;
        return Ok(Json(OnDemandResult {
            run_id: run.run_id,
            decision: run.group.decision,
            applied: run.group.applied,
            log_entry: run.group.log_entry,
            members: run
                .members
                .into_iter()
                .map(|m| MemberResult {
                    decision: m.decision,
                    applied: m.applied,
                    log_entry: m.log_entry,
                })
                .collect(),
            references: Some(run.references),
            failed_references: Some(run.failed_references),
            reference_outcomes: run.group.references,
        }));
    }
    if request.user.trim().is_empty() {
        return Err(Failure::invalid(
            "user: name the directory user (id or userPrincipalName), or a `group`",
        ));
    }
    let (run_id, outcome) = run::provision_on_demand(&state.store, &state.jobs, &id, request.user.trim())
        .await
        .map_err(failure)?;
    Ok(Json(outcome.into_on_demand_result(run_id)))
}

pub(super) fn failure(error: CycleError) -> Failure {
    match error {
        CycleError::Job(e) => e.into(),
        CycleError::Directory(e) => e.into(),
        CycleError::NoSuchUser(_) | CycleError::NoSuchGroup(_) => Failure::not_found(error.to_string()),
        CycleError::Invalid(_) | CycleError::Connector(_) => Failure::invalid(error.to_string()),
        CycleError::Busy(_) | CycleError::LeaseLost => Failure::conflict(error.to_string()),
        other => Failure::internal(&other),
    }
}
