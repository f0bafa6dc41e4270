//! Wire types of what a whole-cycle preview needs from the server
//! (`POST /api/v1/jobs/{id}/preview-state`): which target object each source
//! object is linked to and, when asked, that object as the application
//! holds it now, so the preview shows what would change for existing
//! accounts, not only for new ones.
//!
//! ```
//! use provisio_api::jobs::preview::{preview_state_path, JOB_PREVIEW_STATE_PATH};
//!
//! assert_eq!(JOB_PREVIEW_STATE_PATH, "/api/v1/jobs/{id}/preview-state");
//! assert_eq!(preview_state_path("Acme"), "/api/v1/jobs/Acme/preview-state");
//! ```

use provisio_engine::job::SourceKind;
use provisio_engine::matching::TargetObject;
use serde::{Deserialize, Serialize};

use super::job_path;

/// `POST` with a [`PreviewStateRequest`] answers a [`PreviewState`].
pub const JOB_PREVIEW_STATE_PATH: &str = "/api/v1/jobs/{id}/preview-state";

/// Source objects one request may ask about.
pub const MAX_PREVIEW_OBJECTS: usize = 200;

/// [`JOB_PREVIEW_STATE_PATH`] for a job id or name.
pub fn preview_state_path(id_or_name: &str) -> String {
    format!("{}/preview-state", job_path(id_or_name))
}

/// Which source objects, and whether to read their target objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewStateRequest {
    /// `user` or `group`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: SourceKind,
    /// Directory ids, at most 200.
    pub source_ids: Vec<String>,
    /// Read each linked object from the application (one request each).
    #[serde(default)]
    pub read_targets: bool,
}

/// One source object's state in the application.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewObject {
    pub source_id: String,
    /// The linked target object's id, when linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// The linked object as the application holds it (asked with
    /// `read_targets`, and found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub target: Option<TargetObject>,
    /// Linked, but the application no longer has the object.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
    /// Why the object could not be read (the preview then treats it as
    /// linked but unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer, in the order asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PreviewState {
    pub objects: Vec<PreviewObject>,
}
