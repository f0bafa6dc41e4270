//! Wire types of resetting a job (`POST /api/v1/jobs/{id}/reset`), as
//! Entra's restart with a reset scope: clear escrows only, release
//! quarantine only, or a full restart that also forgets the links.
//!
//! ```
//! use provisio_api::jobs::reset::{reset_path, JOB_RESET_PATH, ResetScope};
//!
//! assert_eq!(JOB_RESET_PATH, "/api/v1/jobs/{id}/reset");
//! assert_eq!(reset_path("Acme"), "/api/v1/jobs/Acme/reset");
//! assert_eq!(serde_json::to_string(&ResetScope::Full).unwrap(), "\"full\"");
//! ```

use serde::{Deserialize, Serialize};

use super::job_path;

/// `POST` with a [`ResetRequest`] answers a [`ResetReport`].
pub const JOB_RESET_PATH: &str = "/api/v1/jobs/{id}/reset";

/// [`JOB_RESET_PATH`] for a job id or name.
pub fn reset_path(id_or_name: &str) -> String {
    format!("{}/reset", job_path(id_or_name))
}

/// What a reset forgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResetScope {
    /// Every escrowed object (permanent failures included) is retried in
    /// the next cycle, with its attempts counted from zero.
    Escrows,
    /// The quarantine (or the disabling after 28 days) is lifted; the job
    /// runs again on its schedule. Nothing else changes.
    Quarantine,
    /// A restart (the next cycle is an initial one; escrows, staged
    /// deletes and quarantine are dropped) that also forgets every link, so
    /// every object is matched again as on the first day. The job is started.
    Full,
}

impl ResetScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ResetScope::Escrows => "escrows",
            ResetScope::Quarantine => "quarantine",
            ResetScope::Full => "full",
        }
    }
}

/// The body of a reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetRequest {
    pub scope: ResetScope,
}

/// What a reset did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetReport {
    pub scope: ResetScope,
    /// Escrowed objects made due again (`escrows`) or dropped (`full`).
    pub escrows: u64,
    /// Whether a quarantine or disabling was lifted.
    pub released: bool,
    /// Links forgotten (`full`).
    pub links: u64,
    /// What happens next, in a sentence.
    pub message: String,
}
