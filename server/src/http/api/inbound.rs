//! `/api/v1/inbound/{job}`: the bulk upload systems of record push records
//! to (an inbound token of the job; SCIM errors, as a SCIM client expects),
//! and the status of the requests it accepted (that token, or an
//! administrator). See [`crate::inbound`] for what happens to the records.

use axum::Json;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use provisio_api::ApiError;
use provisio_api::inbound::{
    Accepted, BULK_UPLOAD_PATH, REQUEST_PATH, REQUESTS_PATH, RequestStatus, RequestSummary, request_path,
};
use provisio_engine::job::{Direction, MAX_BULK_OPERATIONS};
use provisio_scim::ScimError;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::{Params, Segments};
use super::{AdminErrors, AppState};
use crate::auth::extract::{AdminCaller, InboundCaller};
use crate::auth::failure::ScimAuthFailure;
use crate::inbound::requests::Stored;
use crate::jobs::JobError;
use crate::scim::reply::ScimReply;
use provisio_api::jobs::{JobDetail, JobState};

/// A bulk request of [`MAX_BULK_OPERATIONS`] records of a few KiB each.
const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bulk_upload))
        // The handler reads the body itself, within MAX_UPLOAD_BYTES, once
        // the caller, the job and its rate limit allow.
        .layer(DefaultBodyLimit::disable())
        .merge(
            OpenApiRouter::new()
                .routes(routes!(list_requests))
                .routes(routes!(request_status)),
        )
}

/// Accepts a SCIM BulkRequest of user records for an inbound job: checks
/// it, stores it and answers 202 before processing it. Records are matched
/// (by default `externalId` ↔ `employeeId`) and create, update, enable or
/// disable directory users as the job's mappings say; the `Location`
/// header names the request's status. A stopped job accepts too (the
/// answer's `job_state` says `stopped`): its requests wait until it is
/// started, up to the server's limit of waiting requests per job.
#[utoipa::path(
    post,
    path = BULK_UPLOAD_PATH,
    tag = "inbound",
    params(("job" = String, Path, description = "The inbound job's id (or its name).")),
    request_body(content = Object, content_type = "application/scim+json",
        description = "A SCIM BulkRequest of POST /Users operations."),
    responses(
        (status = 202, description = "Stored; processed asynchronously.", body = Accepted,
            headers(("Location" = String, description = "The request's status."))),
        (status = 400, description = "Not a valid bulk request: the SCIM error says what and where."),
        (status = 401, description = "No bearer token, or not a valid one."),
        (status = 403, description = "Not an inbound token of this job."),
        (status = 404, description = "No inbound job has that id or name."),
        (status = 413, description = "The body is too large."),
        (status = 429, description = "Over the job's requests per second, or the job already has as many \
            requests waiting to be processed as the server allows (`--inbound-queue-limit`).",
            headers(("Retry-After" = u64, description = "Seconds to wait."))),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn bulk_upload(
    caller: InboundCaller,
    State(state): State<AppState>,
    Segments(job): Segments<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match accept(state, caller, &job, &headers, body).await {
        Ok(response) => response,
        Err(error) => error,
    }
}

/// Checks the caller, the job and its rate first, and reads the body only
/// then: a refused upload costs no more than its head.
async fn accept(
    state: AppState,
    caller: InboundCaller,
    job: &str,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, Response> {
    let job = inbound_job(&state, job)
        .await
        .map_err(|e| ScimReply(e).into_response())?;
    if caller.job != job.id {
        return Err(ScimAuthFailure::forbidden(format!(
            "this token uploads to another job (id `{}`), not to `{}`",
            caller.job, job.definition.name
        ))
        .into_response());
    }
    let settings = job.definition.inbound.unwrap_or_default();
    let taken = state
        .inbound_rate
        .take(&job.id, settings.requests_per_second)
        .await
        .map_err(|e| ScimReply(ScimError::internal(e.to_string())).into_response())?;
    if let Err(wait) = taken {
        return Err(too_many_requests(
            settings.requests_per_second,
            wait.as_secs_f64().ceil(),
        ));
    }
    let body = axum::body::to_bytes(body, MAX_UPLOAD_BYTES).await.map_err(|error| {
        ScimReply(ScimError::payload_too_large(format!(
            "the request body could not be read ({error}); at most {} MiB and {MAX_BULK_OPERATIONS} operations",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )))
        .into_response()
    })?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let operations = crate::inbound::envelope::parse(content_type, &body, settings.max_operations)
        .map_err(|e| ScimReply(e).into_response())?;
    let stored = state
        .store
        .inbound()
        .accept(
            &job.id,
            Some(&caller.token_id),
            &operations,
            state.inbound_queue,
            Utc::now(),
        )
        .await
        .map_err(|e| {
            tracing::error!(job = %job.id, error = %e, "an inbound request could not be stored");
            ScimReply(ScimError::internal(
                "the request could not be stored: see the server log; send it again",
            ))
            .into_response()
        })?;
    let id = match stored {
        Stored::Queued(id) => id,
        Stored::QueueFull => {
            let running = job.state == JobState::Running;
            let (detail, wait) = crate::inbound::queue::full(&job.definition.name, state.inbound_queue, running);
            tracing::warn!(job = %job.id, limit = state.inbound_queue.0, running, "inbound upload refused: the job's queue is full");
            return Err(retry_later(detail, wait.as_secs()));
        }
    };
    state.events.upload_stored();
    let location = request_path(&job.id, &id);
    tracing::info!(job = %job.id, request = %id, operations = operations.len(), "inbound request accepted");
    let mut response = (
        StatusCode::ACCEPTED,
        Json(Accepted {
            id,
            job_id: job.id.clone(),
            operations: operations.len(),
            location: location.clone(),
            job_state: job.state,
        }),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(LOCATION, value);
    }
    Ok(response)
}

/// The job, if it is an inbound one; a SCIM 404 otherwise.
async fn inbound_job(state: &AppState, job: &str) -> Result<JobDetail, ScimError> {
    let not_inbound = || ScimError::not_found(format!("no inbound job has the id or name `{job}`"));
    match state.jobs.get(job).await {
        Ok(detail) if detail.definition.direction == Direction::Inbound => Ok(detail),
        Ok(_) | Err(JobError::NotFound { .. }) => Err(not_inbound()),
        Err(e) => {
            tracing::error!(job, error = %e, "could not read the job");
            Err(ScimError::internal("the job could not be read: see the server log"))
        }
    }
}

fn too_many_requests(per_second: u32, wait_seconds: f64) -> Response {
    let seconds = (wait_seconds as u64).max(1);
    retry_later(
        format!("this job accepts {per_second} requests per second: retry after {seconds} s"),
        seconds,
    )
}

/// A SCIM 429 saying why, with `Retry-After: seconds` (at least one).
fn retry_later(detail: String, seconds: u64) -> Response {
    let mut response = ScimReply(ScimError::new(StatusCode::TOO_MANY_REQUESTS, None, detail)).into_response();
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    response
}

/// Who may read a job's requests: an administrator, or an inbound token
/// of that job.
async fn may_read(
    state: &AppState,
    admin: Result<AdminCaller, Failure>,
    inbound: Result<InboundCaller, ScimAuthFailure>,
    job: &str,
) -> Result<JobDetail, Failure> {
    // Who is asking first: an unknown caller learns nothing of the jobs.
    let token_job = match (admin, inbound) {
        (Ok(_), _) => None,
        (Err(_), Ok(caller)) => Some(caller.job),
        (Err(refused), Err(_)) => return Err(refused),
    };
    let detail = state.jobs.get(job).await?;
    if detail.definition.direction != Direction::Inbound {
        return Err(Failure::not_found(format!("no inbound job has the id or name `{job}`")));
    }
    match token_job {
        Some(token_job) if token_job != detail.id => {
            Err(Failure::forbidden("this token belongs to another inbound job"))
        }
        _ => Ok(detail),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// How many requests, newest first: 1 to 200 (default 50).
    limit: Option<usize>,
}

/// The job's latest bulk requests, newest first, with their counts.
#[utoipa::path(
    get,
    path = REQUESTS_PATH,
    tag = "inbound",
    params(("job" = String, Path, description = "The inbound job's id or name."), ListQuery),
    responses(
        (status = 200, description = "The requests.", body = Vec<RequestSummary>),
        (status = 404, description = "No inbound job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_requests(
    State(state): State<AppState>,
    admin: Result<AdminCaller, Failure>,
    inbound: Result<InboundCaller, ScimAuthFailure>,
    Segments(job): Segments<String>,
    Params(query): Params<ListQuery>,
) -> Result<Json<Vec<RequestSummary>>, Failure> {
    let job = may_read(&state, admin, inbound, &job).await?;
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Failure::invalid(format!("limit is {limit}: ask for 1 to 200 requests")));
    }
    let requests = state.store.inbound().recent(&job.id, limit).await;
    Ok(Json(requests.map_err(|e| Failure::internal(&e))?))
}

/// One bulk request with every record's outcome: status, action, the
/// directory user, the error, and its provisioning log entry.
#[utoipa::path(
    get,
    path = REQUEST_PATH,
    tag = "inbound",
    params(
        ("job" = String, Path, description = "The inbound job's id or name."),
        ("id" = String, Path, description = "The request's id, as the upload answered it."),
    ),
    responses(
        (status = 200, description = "The request and its records.", body = RequestStatus),
        (status = 404, description = "No such job or request.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn request_status(
    State(state): State<AppState>,
    admin: Result<AdminCaller, Failure>,
    inbound: Result<InboundCaller, ScimAuthFailure>,
    Segments((job, id)): Segments<(String, String)>,
) -> Result<Json<RequestStatus>, Failure> {
    let job = may_read(&state, admin, inbound, &job).await?;
    match state.store.inbound().status(&job.id, &id).await {
        Ok(Some(status)) => Ok(Json(status)),
        Ok(None) => Err(Failure::not_found(format!("the job has no request `{id}`"))),
        Err(e) => Err(Failure::internal(&e)),
    }
}
