//! Wire type of reading the app roles a job's SCIM target advertises
//! (`GET /api/v1/jobs/{id}/app-roles/advertised`), which the portal offers
//! to import as the job's `app_roles`.
//!
//! ```
//! use provisio_api::jobs::app_roles::{advertised_roles_path, JOB_ADVERTISED_ROLES_PATH};
//!
//! assert_eq!(JOB_ADVERTISED_ROLES_PATH, "/api/v1/jobs/{id}/app-roles/advertised");
//! assert_eq!(advertised_roles_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/app-roles/advertised");
//! ```

use provisio_engine::job::AppRole;
use serde::{Deserialize, Serialize};

use super::job_path;

/// `GET` reads the target's User schema and answers [`AdvertisedRoles`].
pub const JOB_ADVERTISED_ROLES_PATH: &str = "/api/v1/jobs/{id}/app-roles/advertised";

/// [`JOB_ADVERTISED_ROLES_PATH`] for a job id or name.
pub fn advertised_roles_path(id_or_name: &str) -> String {
    format!("{}/app-roles/advertised", job_path(id_or_name))
}

/// What the target advertises. A target that publishes no schema, or one
/// that cannot be reached, is still a `200` answer with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvertisedRoles {
    /// The roles (the canonical values of the User schema's `roles`), each
    /// with its value only; empty when the target lists none.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub roles: Vec<AppRole>,
    /// What was found, in words (never a credential).
    pub message: String,
}
