//! Wire types of the audit trail (`GET /api/v1/audit`): every administrative
//! action, who took it, from where, and what changed.
//!
//! ```
//! use provisio_api::audit::{AUDIT_PATH, AuditQuery};
//!
//! assert_eq!(AUDIT_PATH, "/api/v1/audit");
//! assert_eq!(AuditQuery::default().limit(), Ok(50));
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET`: the audit events, newest first, filtered and paged; with
/// `format=csv` or `format=json` (JSON lines) every matching event as a
/// download.
pub const AUDIT_PATH: &str = "/api/v1/audit";

pub use crate::paging::{DEFAULT_LIMIT, MAX_LIMIT};

/// Who took an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditActor {
    /// `administrator` (signed in with a password), `token` (an admin API
    /// token) or `cli` (the command line, on the database directly).
    pub kind: String,
    /// The administrator's or token's name; for the command line, the
    /// operating-system user.
    pub name: String,
    /// The token's id, for a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// What an action was taken on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditTarget {
    /// `job`, `assignment`, `token`, `administrator`, `settings`, `user`,
    /// `group` or `attribute`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name when the action was taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One changed value of a definition or setting: `before` absent for an
/// added value, `after` absent for a removed one. Secrets never appear:
/// a changed secret is listed with `"********"` on both sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditChange {
    /// Where in the document (`objects[0].mappings[2].expression`).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
}

/// One administrative action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: String,
    /// When (RFC 3339, UTC, milliseconds).
    pub at: String,
    pub actor: AuditActor,
    /// The client's address, for actions through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// What was done: `job.create`, `job.update`, `job.delete`, `job.start`,
    /// `job.stop`, `job.restart`, `job.allow_deletes`, `assignment.add`,
    /// `assignment.remove`, `assignment.replace`, `token.create`,
    /// `token.revoke`, `administrator.create`, `administrator.delete`,
    /// `administrator.password`, `settings.update`, `user.create`,
    /// `user.update`, `user.delete`, `user.restore`, `group.…`,
    /// `attribute.create`, `attribute.delete`, ….
    pub action: String,
    pub target: AuditTarget,
    /// The job the action concerns, for a job's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// The values that changed, for definitions and settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AuditChange>,
    /// Anything else worth knowing (an assignment's role, a token's scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub details: Option<Value>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEvent>,
    /// Events matching the filters in all.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

/// The filters of `GET /api/v1/audit`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditQuery {
    /// The actor's name (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// An action (`job.update`), or its prefix ending in a dot (`job.`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The target's kind (`job`, `user`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// A job's id: the job's history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// Text in the target's id or name or the actor's name (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Events at or after this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    /// Events before this time (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// How many matching events to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// How many to answer: 1 to 500 (default 50). Exports ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// `csv` or `json` (JSON lines): every matching event as a download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

impl AuditQuery {
    /// The page size asked for, or why it is out of range.
    pub fn limit(&self) -> Result<usize, String> {
        crate::paging::checked_limit(self.limit)
    }
}
