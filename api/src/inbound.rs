//! Wire types of inbound (API-driven) provisioning: the SCIM bulk upload a
//! system of record posts to an inbound job, and the status resource its
//! `Location` header names, each beside the path it travels on.
//!
//! ```
//! use provisio_api::inbound::{bulk_upload_path, request_path};
//!
//! assert_eq!(bulk_upload_path("Workday"), "/api/v1/inbound/Workday/bulkUpload");
//! assert_eq!(request_path("j-1", "r-2"), "/api/v1/inbound/j-1/requests/r-2");
//! ```

use serde::{Deserialize, Serialize};

use crate::jobs::{JobState, encode_segment};

/// `POST` a SCIM BulkRequest (`Content-Type: application/scim+json`) with an
/// inbound token of the job; answers 202 with [`Accepted`] and a `Location`
/// of the request's [`RequestStatus`]. `{job}` is the job's id (or its name).
pub const BULK_UPLOAD_PATH: &str = "/api/v1/inbound/{job}/bulkUpload";
/// `GET` the job's recent requests, newest first, as [`RequestSummary`]s
/// (`?limit=`, 1 to 200, default 50).
pub const REQUESTS_PATH: &str = "/api/v1/inbound/{job}/requests";
/// `GET` one request's [`RequestStatus`], with every record's outcome.
pub const REQUEST_PATH: &str = "/api/v1/inbound/{job}/requests/{id}";

/// The media type bulk uploads must be sent with.
pub const SCIM_JSON: &str = "application/scim+json";
/// The schema a BulkRequest names.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The core User schema every record's `data` names.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Operations one request may carry unless the job says otherwise (as Entra).
pub const DEFAULT_MAX_OPERATIONS: u32 = 50;
/// Requests per second one job accepts unless it says otherwise (as Entra).
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 40;

/// [`BULK_UPLOAD_PATH`] for a job id or name.
pub fn bulk_upload_path(job: &str) -> String {
    format!("/api/v1/inbound/{}/bulkUpload", encode_segment(job))
}

/// [`REQUESTS_PATH`] for a job id or name.
pub fn requests_path(job: &str) -> String {
    format!("/api/v1/inbound/{}/requests", encode_segment(job))
}

/// [`REQUEST_PATH`] for a job and a request id.
pub fn request_path(job: &str, id: &str) -> String {
    format!("{}/{}", requests_path(job), encode_segment(id))
}

/// The answer to an accepted bulk upload (202): stored durably, processed
/// asynchronously.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    /// The request's id.
    pub id: String,
    pub job_id: String,
    /// How many operations (records) it carries.
    pub operations: usize,
    /// Where its status is: the same as the `Location` header.
    pub location: String,
    /// The job's state when the request was stored: a `stopped` job keeps
    /// its requests and processes them once an administrator starts it.
    pub job_state: JobState,
}

/// Where a request is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    /// Stored; no record processed yet (the job may be stopped).
    Pending,
    /// Some records are processed, others not yet.
    Processing,
    /// Every record is processed.
    Done,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RecordStatus {
    /// Not processed yet.
    Pending,
    /// The directory was written (or already held what the record says).
    Success,
    /// It failed: `error` says why; send the record again once that is fixed.
    Failure,
    /// Not processed on purpose (out of scope, nothing to change).
    Skipped,
}

/// One request as the job's list of requests shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestSummary {
    pub id: String,
    pub job_id: String,
    /// When it was accepted (RFC 3339, UTC).
    pub received_at: String,
    /// When its last record was processed.
    pub finished_at: Option<String>,
    pub state: RequestState,
    pub operations: usize,
    pub pending: usize,
    pub succeeded: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// One record of a request and its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordResult {
    /// Its place in the request's `Operations` (from 0).
    pub index: usize,
    pub bulk_id: Option<String>,
    pub external_id: Option<String>,
    pub status: RecordStatus,
    /// What was done: `create`, `update`, `skip`…
    pub action: Option<String>,
    /// The directory user it was written to.
    pub user_id: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// Its provisioning log entry.
    pub log_id: Option<String>,
    pub processed_at: Option<String>,
}

/// `GET` [`REQUEST_PATH`]: a request and every record's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestStatus {
    #[serde(flatten)]
    pub summary: RequestSummary,
    pub records: Vec<RecordResult>,
}
