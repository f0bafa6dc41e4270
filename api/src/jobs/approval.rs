//! Wire types of the accidental-deletion guard's held deletes: listing them
//! (`GET /api/v1/jobs/{id}/staged-deletes`) and approving them
//! (`POST /api/v1/jobs/{id}/allow-deletes`).
//!
//! ```
//! use provisio_api::jobs::approval::{allow_deletes_path, JOB_ALLOW_DELETES_PATH};
//!
//! assert_eq!(JOB_ALLOW_DELETES_PATH, "/api/v1/jobs/{id}/allow-deletes");
//! assert_eq!(allow_deletes_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/allow-deletes");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::job_path;

/// `GET` lists the disables and deletes the guard holds ([`StagedDeletesPage`]).
pub const JOB_STAGED_DELETES_PATH: &str = "/api/v1/jobs/{id}/staged-deletes";

/// `POST` carries the held disables and deletes out ([`AllowDeletesResult`]).
pub const JOB_ALLOW_DELETES_PATH: &str = "/api/v1/jobs/{id}/allow-deletes";

/// [`JOB_STAGED_DELETES_PATH`] for a job id or name.
pub fn staged_deletes_path(id_or_name: &str) -> String {
    format!("{}/staged-deletes", job_path(id_or_name))
}

/// [`JOB_ALLOW_DELETES_PATH`] for a job id or name.
pub fn allow_deletes_path(id_or_name: &str) -> String {
    format!("{}/allow-deletes", job_path(id_or_name))
}

/// Which held deletes to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct StagedDeletesQuery {
    /// `user` (the default) or `group`.
    pub kind: Option<String>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// At most this many (1–500, default 100).
    pub limit: Option<u32>,
}

/// A disable or delete held back by the guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StagedDeleteItem {
    /// `user` or `group`.
    pub object_type: String,
    /// The directory object, when it still exists.
    pub source_id: Option<String>,
    pub target_id: String,
    /// `disable` or `delete`.
    pub action: String,
    /// RFC 3339, UTC.
    pub staged_at: String,
    /// The cycle that held it back.
    pub cycle_id: String,
}

/// A page of held deletes, by target id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StagedDeletesPage {
    pub items: Vec<StagedDeleteItem>,
    /// Pass as `after` for the next page; absent on the last one.
    pub next: Option<String>,
    /// How many the job holds in all (users and groups).
    pub total: u64,
}

/// What approving the held deletes did. Each held object went through the
/// pipeline again with the guard lifted, so one that came back into scope
/// meanwhile is updated, not deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AllowDeletesResult {
    /// The run's id in the provisioning logs.
    pub run_id: String,
    pub objects: u64,
    /// Per action taken (`disable`, `delete`, …).
    pub actions: BTreeMap<String, u64>,
    /// Objects whose disable or delete failed (escrowed, retried by later cycles).
    pub failures: u64,
}
