//! `/api/v1/jobs/{id}/staged-deletes` and `/allow-deletes`: the disables and
//! deletes the accidental-deletion guard holds back, listed and approved.

use axum::Json;
use axum::extract::State;
use provisio_api::ApiError;
use provisio_api::jobs::approval::{
    AllowDeletesResult, JOB_ALLOW_DELETES_PATH, JOB_STAGED_DELETES_PATH, StagedDeleteItem, StagedDeletesPage,
    StagedDeletesQuery,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Params, Segments};
use super::on_demand::failure;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::cycle::run::{self, CycleError};
use crate::directory::{ObjectType, timestamp};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(staged_deletes))
        .routes(routes!(allow_deletes))
}

/// The disables and deletes the job's deletion guard holds for approval, a
/// page at a time by target id.
#[utoipa::path(
    get,
    path = JOB_STAGED_DELETES_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name."), StagedDeletesQuery),
    responses(
        (status = 200, description = "A page of held deletes.", body = StagedDeletesPage),
        (status = 400, description = "A bad `kind` or `limit`.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn staged_deletes(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Params(query): Params<StagedDeletesQuery>,
) -> Result<Json<StagedDeletesPage>, Failure> {
    let job = state.jobs.get(&id).await?;
    let kind = match query.kind.as_deref().unwrap_or("user") {
        "user" => ObjectType::User,
        "group" => ObjectType::Group,
        other => {
            return Err(Failure::invalid(format!(
                "kind: `{other}` is neither `user` nor `group`"
            )));
        }
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Failure::invalid(format!("limit: {limit} is not between 1 and 500")));
    }
    let cycles = state.store.cycle_state(&job.id);
    let held = cycles
        .staged(kind, query.after.as_deref(), limit)
        .await
        .map_err(|e| failure(CycleError::State(e)))?;
    let total = cycles.staged_count().await.map_err(|e| failure(CycleError::State(e)))?;
    let next = (held.len() == limit as usize)
        .then(|| held.last().map(|h| h.target_id.clone()))
        .flatten();
    let items = held
        .into_iter()
        .map(|h| StagedDeleteItem {
            object_type: h.object_type.as_str().to_owned(),
            source_id: h.source_id,
            target_id: h.target_id,
            action: h.action.as_str().to_owned(),
            staged_at: timestamp(h.staged_at),
            cycle_id: h.cycle_id,
        })
        .collect();
    Ok(Json(StagedDeletesPage { items, next, total }))
}

/// Approves the held disables and deletes: each held object goes through
/// the pipeline again with the guard lifted (so one back in scope is not
/// deleted), logged like a cycle; the job then stops waiting for approval.
#[utoipa::path(
    post,
    path = JOB_ALLOW_DELETES_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "What was carried out.", body = AllowDeletesResult),
        (status = 400, description = "The job cannot be run, or the target refused the job itself.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn allow_deletes(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<AllowDeletesResult>, Failure> {
    let allowed = run::allow_deletes(&state.store, &state.jobs, &id)
        .await
        .map_err(failure)?;
    Ok(Json(AllowDeletesResult {
        run_id: allowed.run_id,
        objects: allowed.objects,
        actions: allowed.actions,
        failures: allowed.failures,
    }))
}
