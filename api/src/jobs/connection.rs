//! Wire type of testing a job's connection to its target
//! (`POST /api/v1/jobs/{id}/test-connection`).
//!
//! ```
//! use provisio_api::jobs::connection::{test_connection_path, JOB_TEST_CONNECTION_PATH};
//!
//! assert_eq!(JOB_TEST_CONNECTION_PATH, "/api/v1/jobs/{id}/test-connection");
//! assert_eq!(test_connection_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/test-connection");
//! ```

use serde::{Deserialize, Serialize};

use super::job_path;

/// `POST` tries the job's stored target and credentials and answers a
/// [`ConnectionTest`].
pub const JOB_TEST_CONNECTION_PATH: &str = "/api/v1/jobs/{id}/test-connection";

/// [`JOB_TEST_CONNECTION_PATH`] for a job id or name.
pub fn test_connection_path(id_or_name: &str) -> String {
    format!("{}/test-connection", job_path(id_or_name))
}

/// How the target answered. A refused or unreachable target is still a
/// `200` answer with `ok: false`: the test ran, the target failed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionTest {
    /// Whether the target answered as a SCIM service that accepts the credentials.
    pub ok: bool,
    /// What was found, in words: success, or why not (never the credential).
    pub message: String,
    /// The address that was tried.
    pub base_url: String,
}
