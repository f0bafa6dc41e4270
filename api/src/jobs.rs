//! Wire types of the jobs admin API: provisioning jobs (their definitions
//! with secrets masked, their state), the users and groups assigned to
//! them and provisioning on demand ([`on_demand`]), each beside the path it
//! travels on.
//!
//! A job's definition is the engine's [`JobDefinition`], the same document
//! `provisio job check` reads. Its secrets (today the SCIM bearer token) are
//! write-only: they read back as `"********"`, and [`JobDetail::secrets`]
//! says which are set.
//!
//! ```
//! use provisio_api::jobs::{job_path, job_restart_path, JobState, JOBS_PATH};
//!
//! assert_eq!(JOBS_PATH, "/api/v1/jobs");
//! assert_eq!(job_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM");
//! assert_eq!(job_restart_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/restart");
//! assert_eq!(serde_json::to_value(JobState::Running).unwrap(), "running");
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::job::{Direction, JobDefinition, JobProblem};

pub mod app_roles;
pub mod approval;
pub mod connection;
pub mod on_demand;
pub mod preview;
pub mod reset;
pub mod status;

pub use on_demand::{
    Applied, JOB_PROVISION_ON_DEMAND_PATH, MemberResult, OnDemandResult, ProvisionOnDemandRequest,
    provision_on_demand_path,
};
pub use status::{JOB_STATUS_PATH, JobStatus};

/// `GET` lists [`JobSummary`]s; `POST` creates a job from a job definition
/// (JSON, or YAML with `Content-Type: application/yaml`) and answers its
/// [`JobDetail`], or a [`JobInvalid`] listing every problem.
pub const JOBS_PATH: &str = "/api/v1/jobs";
/// `GET` answers a [`JobDetail`], `PUT` replaces the definition, `DELETE`
/// deletes the job and its assignments. `{id}` is the job's id or its name.
pub const JOB_PATH: &str = "/api/v1/jobs/{id}";
/// `POST` starts the job (state `running`); answers its [`JobDetail`].
pub const JOB_START_PATH: &str = "/api/v1/jobs/{id}/start";
/// `POST` stops the job (state `stopped`); answers its [`JobDetail`].
pub const JOB_STOP_PATH: &str = "/api/v1/jobs/{id}/stop";
/// `POST` restarts the job: state `running` and a new
/// [`JobDetail::restart_requested_at`], which tells the provisioning service
/// to forget its progress and run an initial cycle.
pub const JOB_RESTART_PATH: &str = "/api/v1/jobs/{id}/restart";
/// `GET` lists the job's [`Assignment`]s, `PUT` replaces them all, `POST`
/// adds one.
pub const JOB_ASSIGNMENTS_PATH: &str = "/api/v1/jobs/{id}/assignments";
/// `DELETE` unassigns one user or group from the job.
pub const JOB_ASSIGNMENT_PATH: &str = "/api/v1/jobs/{id}/assignments/{principal_id}";

/// What a job's secrets read back as.
pub const MASK: &str = "********";

/// [`JOB_PATH`] for a job id or name (percent-encoded as a path segment).
pub fn job_path(id_or_name: &str) -> String {
    format!("{JOBS_PATH}/{}", encode_segment(id_or_name))
}

/// [`JOB_START_PATH`] for a job id or name.
pub fn job_start_path(id_or_name: &str) -> String {
    format!("{}/start", job_path(id_or_name))
}

/// [`JOB_STOP_PATH`] for a job id or name.
pub fn job_stop_path(id_or_name: &str) -> String {
    format!("{}/stop", job_path(id_or_name))
}

/// [`JOB_RESTART_PATH`] for a job id or name.
pub fn job_restart_path(id_or_name: &str) -> String {
    format!("{}/restart", job_path(id_or_name))
}

/// [`JOB_ASSIGNMENTS_PATH`] for a job id or name.
pub fn job_assignments_path(id_or_name: &str) -> String {
    format!("{}/assignments", job_path(id_or_name))
}

/// Percent-encodes everything but unreserved characters (RFC 3986), so a
/// job name with spaces or slashes stays one path segment.
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether the provisioning service runs a job. New jobs are `stopped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum JobState {
    /// Not provisioning; `start` runs it.
    Stopped,
    /// Provisioning on its schedule.
    Running,
}

impl JobState {
    pub const ALL: [JobState; 2] = [JobState::Stopped, JobState::Running];

    /// The state's name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Stopped => "stopped",
            JobState::Running => "running",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A job as `GET /api/v1/jobs` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobSummary {
    /// The job's id (a UUID).
    pub id: String,
    pub name: String,
    /// `outbound` (directory → application) or `inbound`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "outbound"))]
    pub direction: Direction,
    /// The target's `kind`: `scim` or `directory`.
    pub target_kind: String,
    pub state: JobState,
    /// When the definition last changed (RFC 3339, UTC).
    pub modified_at: String,
}

/// A job: its definition with secrets masked, which secrets are set, its
/// state and bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobDetail {
    /// The job's id (a UUID).
    pub id: String,
    /// The job definition (see docs/jobs.md); every secret reads `"********"`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub definition: JobDefinition,
    /// Each secret field the definition has, by its place in the document
    /// (`target.auth.bearer_token`), and whether a value is stored.
    pub secrets: BTreeMap<String, bool>,
    pub state: JobState,
    /// Goes up by one with each change of the definition; send it back in
    /// `If-Match` to replace or delete only the version you read.
    pub version: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When the definition last changed.
    pub modified_at: String,
    /// When the state last changed.
    pub state_changed_at: String,
    /// The last `restart`, if any.
    pub restart_requested_at: Option<String>,
    /// When the target or its secrets last changed, if ever since the job
    /// was created: a quarantine caused by refused credentials or an
    /// incompatible target that began before it is released.
    #[serde(default)]
    pub connection_changed_at: Option<String>,
    /// Only in the answer to a create or a replace: the definition's
    /// warnings, each with its place in the document, e.g. a source
    /// attribute the directory does not have
    /// (`objects[0].mappings[1].expression`: ``"`surnmae` is not an attribute
    /// of the directory's users, so it is always empty: did you mean
    /// `surname`?"``). Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub warnings: Vec<JobProblem>,
}

impl JobDetail {
    pub fn summary(&self) -> JobSummary {
        JobSummary {
            id: self.id.clone(),
            name: self.definition.name.clone(),
            direction: self.definition.direction,
            target_kind: target_kind(&self.definition).to_owned(),
            state: self.state,
            modified_at: self.modified_at.clone(),
        }
    }
}

/// The `kind` of a definition's target, as the definition spells it.
pub fn target_kind(definition: &JobDefinition) -> &'static str {
    use crate::engine::job::Target;
    match definition.target {
        Target::Scim { .. } => "scim",
        Target::Directory => "directory",
        Target::Ldap(_) => "ldap",
        Target::Sql(_) => "sql",
        Target::Rest(_) => "rest",
    }
}

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PrincipalType {
    User,
    Group,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "user",
            PrincipalType::Group => "group",
        }
    }

    pub fn parse(text: &str) -> Option<PrincipalType> {
        [PrincipalType::User, PrincipalType::Group]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for PrincipalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user or group assigned to a job (a job scoped to `assigned` provisions
/// only them, and the members of assigned groups). The server adds the
/// display name when it lists them; requests leave it out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assignment {
    /// The directory id of the user or group.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: PrincipalType,
    /// The app role's value (one of the job's `app_roles`); absent for
    /// Default Access. Someone can be assigned with several roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The user's or group's `displayName` (answers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl Assignment {
    /// An assignment with Default Access.
    pub fn new(id: impl Into<String>, kind: PrincipalType) -> Self {
        Assignment {
            id: id.into(),
            kind,
            role: None,
            display_name: None,
        }
    }

    /// The same assignment with the app role whose value is `role`.
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }
}

/// The query of `DELETE /api/v1/jobs/{id}/assignments/{principal_id}`:
/// without `role`, every assignment of the principal goes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct UnassignQuery {
    /// Remove only the assignment with this app role (`Default Access`
    /// names the assignment without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The body of a `400` answer to a job definition that has errors: the
/// admin API's error body plus every problem the engine found, each with its
/// place in the document (`objects[0].mappings[2].expression`) and, for
/// expressions, the expression's own diagnostics. A client that reads every
/// error as an `ApiError` still reads this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobInvalid {
    /// Always `invalid`.
    pub error: String,
    /// How many errors, and the first one.
    pub message: String,
    /// Errors and warnings, in document order: `location`, `severity`
    /// (`error` or `warning`), `message`, and for expressions `diagnostics`
    /// (code, message, byte span, labels, help) and `source`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub problems: Vec<JobProblem>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn paths_encode_names_as_one_segment() {
        assert_eq!(job_path("0b8e"), "/api/v1/jobs/0b8e");
        assert_eq!(job_path("Acme/SCIM ü"), "/api/v1/jobs/Acme%2FSCIM%20%C3%BC");
        assert_eq!(job_assignments_path("a b"), "/api/v1/jobs/a%20b/assignments");
        for path in [
            JOB_PATH,
            JOB_START_PATH,
            JOB_STOP_PATH,
            JOB_RESTART_PATH,
            JOB_ASSIGNMENTS_PATH,
        ] {
            assert!(path.starts_with(JOBS_PATH), "{path}");
        }
    }

    #[test]
    fn path_functions_fill_their_templates() {
        let name = "Acme/SCIM ü";
        let filled = |template: &str| template.replace("{id}", &encode_segment(name));
        type PathFn = fn(&str) -> String;
        let pairs: [(PathFn, &str); 10] = [
            (job_path, JOB_PATH),
            (job_start_path, JOB_START_PATH),
            (job_stop_path, JOB_STOP_PATH),
            (job_restart_path, JOB_RESTART_PATH),
            (job_assignments_path, JOB_ASSIGNMENTS_PATH),
            (status::job_status_path, JOB_STATUS_PATH),
            (provision_on_demand_path, JOB_PROVISION_ON_DEMAND_PATH),
            (connection::test_connection_path, connection::JOB_TEST_CONNECTION_PATH),
            (approval::staged_deletes_path, approval::JOB_STAGED_DELETES_PATH),
            (approval::allow_deletes_path, approval::JOB_ALLOW_DELETES_PATH),
        ];
        for (path, template) in pairs {
            assert_eq!(path(name), filled(template), "{template}");
        }
    }

    #[test]
    fn states_and_principal_types_are_lowercase_words() {
        for state in JobState::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), json!(state.as_str()));
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("Running"), None);
        assert_eq!(PrincipalType::parse("group"), Some(PrincipalType::Group));
    }

    #[test]
    fn assignments_leave_out_an_unknown_display_name() {
        let assignment = Assignment::new("u1", PrincipalType::User);
        assert_eq!(
            serde_json::to_value(&assignment).unwrap(),
            json!({"id": "u1", "type": "user"})
        );
        let read: Assignment = serde_json::from_value(json!({"id": "g1", "type": "group"})).unwrap();
        assert_eq!(read, Assignment::new("g1", PrincipalType::Group));
        let named = Assignment {
            display_name: Some("Sales".into()),
            ..read
        };
        assert_eq!(
            serde_json::to_value(&named).unwrap(),
            json!({"id": "g1", "type": "group", "display_name": "Sales"})
        );
    }

    #[test]
    fn a_job_detail_masks_its_secrets() {
        let definition: JobDefinition = serde_json::from_value(json!({
            "name": "Acme",
            "target": {"kind": "scim", "base_url": "https://acme.example/scim", "auth": {"bearer_token": "s3cret"}},
            "objects": []
        }))
        .unwrap();
        let detail = JobDetail {
            id: "j1".into(),
            definition,
            secrets: BTreeMap::from([("target.auth.bearer_token".to_owned(), true)]),
            state: JobState::Stopped,
            version: 1,
            created_at: "2026-11-26T09:30:00.000Z".into(),
            modified_at: "2026-11-26T09:30:00.000Z".into(),
            state_changed_at: "2026-11-26T09:30:00.000Z".into(),
            restart_requested_at: None,
            connection_changed_at: None,
            warnings: Vec::new(),
        };
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["definition"]["target"]["auth"]["bearer_token"], MASK);
        assert_eq!(json["secrets"], json!({"target.auth.bearer_token": true}));
        assert!(!json.to_string().contains("s3cret"));
        assert!(json.get("warnings").is_none(), "no warnings, no field");
        let summary = detail.summary();
        assert_eq!((summary.name.as_str(), summary.target_kind.as_str()), ("Acme", "scim"));
    }
}
