//! `/api/v1/jobs`: provisioning jobs (definitions with write-only secrets,
//! state) and their assignments. `{id}` is a job's id or, failing that, its
//! name (any case).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::LOCATION;
use axum::response::Response;
use provisio_api::ApiError;
use provisio_api::jobs::{
    Assignment, JOB_ASSIGNMENT_PATH, JOB_ASSIGNMENTS_PATH, JOB_PATH, JOB_RESTART_PATH, JOB_START_PATH, JOB_STOP_PATH,
    JOBS_PATH, JobDetail, JobInvalid, JobSummary, UnassignQuery, job_path,
};
use provisio_engine::job::{self, Format, JobDefinition};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Body, IfMatch, Params, RawBody, Segments, tagged};
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::jobs::StateChange;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_jobs, create_job))
        .routes(routes!(get_job, replace_job, delete_job))
        .routes(routes!(start_job))
        .routes(routes!(stop_job))
        .routes(routes!(restart_job))
        .routes(routes!(list_assignments, replace_assignments, add_assignment))
        .routes(routes!(remove_assignment))
}

/// Every job, by name.
#[utoipa::path(
    get,
    path = JOBS_PATH,
    tag = "jobs",
    responses((status = 200, description = "The jobs.", body = [JobSummary]), AdminErrors),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_jobs(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<JobSummary>>, Failure> {
    Ok(Json(state.jobs.list().await?))
}

/// Creates a stopped job from a job definition (docs/jobs.md) in JSON, or
/// in YAML with `Content-Type: application/yaml`. An invalid definition is
/// answered with every problem found.
#[utoipa::path(
    post,
    path = JOBS_PATH,
    tag = "jobs",
    request_body(
        description = "A job definition (docs/jobs.md), in JSON or YAML.",
        content((Object = "application/json"), (String = "application/yaml")),
    ),
    responses(
        (status = 201, description = "Created; `Location` names it.", body = JobDetail,
            headers(("location" = String), ("etag" = String))),
        (status = 400, description = "The definition does not parse or has errors: each with its place.", body = JobInvalid),
        (status = 409, description = "A job of that name exists.", body = ApiError),
        (status = 413, description = "The body is larger than 1 MiB.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn create_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    body: RawBody,
) -> Result<Response, Failure> {
    let definition = parse_definition(&body)?;
    let created = state.jobs.create(definition).await?;
    let mut response = tagged(StatusCode::CREATED, created.version, &created);
    if let Ok(location) = job_path(&created.id).parse() {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// A job: its definition with every secret reading `"********"`, which
/// secrets are set, its state and version (also the `ETag`).
#[utoipa::path(
    get,
    path = JOB_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job.", body = JobDetail, headers(("etag" = String))),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn get_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Response, Failure> {
    let job = state.jobs.get(&id).await?;
    Ok(tagged(StatusCode::OK, job.version, &job))
}

/// Replaces a job's definition. Secrets are write-only: one sent as
/// `"********"` or left out keeps its stored value, `""` clears it, any
/// other value replaces it. With `If-Match`, only that version is replaced.
#[utoipa::path(
    put,
    path = JOB_PATH,
    tag = "jobs",
    params(
        ("id" = String, Path, description = "The job's id, or its name."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    request_body(
        description = "A job definition (docs/jobs.md), in JSON or YAML.",
        content((Object = "application/json"), (String = "application/yaml")),
    ),
    responses(
        (status = 200, description = "Replaced.", body = JobDetail, headers(("etag" = String))),
        (status = 400, description = "The definition does not parse or has errors.", body = JobInvalid),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        (status = 409, description = "Another job has the new name.", body = ApiError),
        (status = 412, description = "The job has changed since the If-Match version.", body = ApiError),
        (status = 413, description = "The body is larger than 1 MiB.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn replace_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
    body: RawBody,
) -> Result<Response, Failure> {
    let definition = parse_definition(&body)?;
    let job = state.jobs.replace(&id, definition, version).await?;
    Ok(tagged(StatusCode::OK, job.version, &job))
}

/// Deletes a job and its assignments.
#[utoipa::path(
    delete,
    path = JOB_PATH,
    tag = "jobs",
    params(
        ("id" = String, Path, description = "The job's id, or its name."),
        ("if-match" = Option<String>, Header, description = "The version read (its ETag)."),
    ),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        (status = 412, description = "The job has changed since the If-Match version.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn delete_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    IfMatch(version): IfMatch,
) -> Result<StatusCode, Failure> {
    state.jobs.delete(&id, version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Starts a job: its state becomes `running`.
#[utoipa::path(
    post,
    path = JOB_START_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job, now running.", body = JobDetail),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn start_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<JobDetail>, Failure> {
    Ok(Json(state.jobs.change_state(&id, StateChange::Start).await?))
}

/// Stops a job: its state becomes `stopped`.
#[utoipa::path(
    post,
    path = JOB_STOP_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job, now stopped.", body = JobDetail),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn stop_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<JobDetail>, Failure> {
    Ok(Json(state.jobs.change_state(&id, StateChange::Stop).await?))
}

/// Restarts a job: `running`, with a new `restart_requested_at` telling the
/// provisioning service to forget its progress and start over.
#[utoipa::path(
    post,
    path = JOB_RESTART_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job, running again.", body = JobDetail),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn restart_job(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<JobDetail>, Failure> {
    Ok(Json(state.jobs.change_state(&id, StateChange::Restart).await?))
}

/// The users and groups assigned to a job, each with its display name.
#[utoipa::path(
    get,
    path = JOB_ASSIGNMENTS_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The assignments, users first.", body = [Assignment]),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_assignments(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<Vec<Assignment>>, Failure> {
    Ok(Json(state.jobs.assignments(&id).await?))
}

/// Replaces every assignment of a job. Each `{id, type, role}` must name a
/// live user or group of the directory and one of the job's app roles
/// (none, or `Default Access`, for Default Access).
#[utoipa::path(
    put,
    path = JOB_ASSIGNMENTS_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    request_body = [Assignment],
    responses(
        (status = 200, description = "The assignments now.", body = [Assignment]),
        (status = 400, description = "An id names no live user or group, or a role no app role of the job (the message names it).", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn replace_assignments(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(assignments): Body<Vec<Assignment>>,
) -> Result<Json<Vec<Assignment>>, Failure> {
    Ok(Json(state.jobs.replace_assignments(&id, &assignments).await?))
}

/// Assigns one user or group to a job with a role (again with the same
/// role: no change; with another role: a second assignment).
#[utoipa::path(
    post,
    path = JOB_ASSIGNMENTS_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    request_body = Assignment,
    responses(
        (status = 200, description = "The assignments now.", body = [Assignment]),
        (status = 400, description = "The id names no live user or group, or the role no app role of the job.", body = ApiError),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn add_assignment(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
    Body(assignment): Body<Assignment>,
) -> Result<Json<Vec<Assignment>>, Failure> {
    Ok(Json(state.jobs.add_assignment(&id, &assignment).await?))
}

/// Unassigns one user or group from a job.
#[utoipa::path(
    delete,
    path = JOB_ASSIGNMENT_PATH,
    tag = "jobs",
    params(
        ("id" = String, Path, description = "The job's id, or its name."),
        ("principal_id" = String, Path, description = "The user's or group's id."),
        UnassignQuery,
    ),
    responses(
        (status = 204, description = "Unassigned."),
        (status = 404, description = "No such job, or the user or group is not assigned to it (with that role).", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = [], "csrf_header" = []), ("bearer" = [])),
)]
pub(crate) async fn remove_assignment(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments((id, principal)): Segments<(String, String)>,
    Params(query): Params<UnassignQuery>,
) -> Result<StatusCode, Failure> {
    state
        .jobs
        .remove_assignment(&id, &principal, query.role.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The body as a definition: YAML when the content type says so, else
/// JSON; a document that does not parse is one problem with its line and
/// column.
fn parse_definition(body: &RawBody) -> Result<JobDefinition, Failure> {
    let format = if body.content_type.contains("yaml") {
        Format::Yaml
    } else {
        Format::Json
    };
    job::parse(&body.text, format).map_err(|problem| Failure::job_problems(vec![problem]))
}
