//! Wire types of provisioning on demand (`POST /api/v1/jobs/{id}/provision-on-demand`):
//! the request naming one user (or a group with chosen members, or for an
//! inbound job one record) and the answer — the engine's decision with its
//! steps, what was done with it and the log entry written — which the
//! server answers, `provisio job provision --json` prints and the portal's
//! Provision on demand tab shows.
//!
//! ```
//! use provisio_api::jobs::on_demand::{provision_on_demand_path, Applied, JOB_PROVISION_ON_DEMAND_PATH};
//!
//! assert_eq!(JOB_PROVISION_ON_DEMAND_PATH, "/api/v1/jobs/{id}/provision-on-demand");
//! assert_eq!(provision_on_demand_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/provision-on-demand");
//! let applied: Applied = serde_json::from_str(r#"{"done": false, "summary": "nothing to do"}"#).unwrap();
//! assert_eq!(applied.target_id, None);
//! ```

use serde::{Deserialize, Serialize};

use super::job_path;
use crate::engine::plan::Decision;
use crate::logs::LogEntry;

/// `POST` with a [`ProvisionOnDemandRequest`] runs the provisioning
/// pipeline for one user now and answers an [`OnDemandResult`]: the
/// decision's steps and what was done.
pub const JOB_PROVISION_ON_DEMAND_PATH: &str = "/api/v1/jobs/{id}/provision-on-demand";

/// [`JOB_PROVISION_ON_DEMAND_PATH`] for a job id or name.
pub fn provision_on_demand_path(id_or_name: &str) -> String {
    format!("{}/provision-on-demand", job_path(id_or_name))
}

/// The body of a provision-on-demand request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvisionOnDemandRequest {
    /// The directory user's id or userPrincipalName (leave empty with `group`).
    #[serde(default)]
    pub user: String,
    /// Or a directory group's id or displayName: the group is provisioned
    /// with up to five of its direct members, chosen in `members`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The group's members to provision with it (ids or userPrincipalNames, at most five).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
    /// For an inbound job, instead: a SCIM user record as a bulk upload's
    /// `data` carries it, processed now into the directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub record: Option<serde_json::Value>,
}

/// The answer: the run's id, the engine's decision (action, status, reason,
/// changes with old and new values, and the steps: import, scoping,
/// matching, action), what was done, and the log entry written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnDemandResult {
    /// The on-demand run's id: its log entries' `cycle_id`.
    pub run_id: String,
    /// The engine's decision for the user (or the group, or the record).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub decision: Decision,
    pub applied: Applied,
    pub log_entry: LogEntry,
    /// For a group: its chosen members' runs (left out for a user).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberResult>,
    /// For a group: the membership (and manager) references written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<u64>,
    /// For a group: the references that could not be written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_references: Option<u64>,
    /// The object's references (manager, members) that were not in step:
    /// each written (with its log entry), or waiting for the referenced
    /// objects to exist in the target.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_outcomes: Vec<ReferenceOutcome>,
}

/// What became of one reference of an object in an on-demand run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceOutcome {
    /// The reference attribute as the target names it, e.g. `members` or
    /// the enterprise extension's `...:manager`.
    pub path: String,
    /// The write's log entry, when the target was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_entry: Option<LogEntry>,
    /// The referenced objects that have no target object yet, by name with
    /// their source id: the reference to them is written once a run
    /// provisions them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<String>,
}

/// One chosen member's run in a group's on-demand run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberResult {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub decision: Decision,
    pub applied: Applied,
    pub log_entry: LogEntry,
}

/// What was done with one object's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    /// Whether the target was written (or a link or a staged delete kept).
    pub done: bool,
    /// The target object after applying (the new id on create).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// What was done, in words.
    pub summary: String,
    /// The failure's stable code (`TooManyRequests`, `EntryConflict`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::plan::{Action, Status, StepDetails, StepKind};

    /// Answers recorded from the server's end-to-end tests, as it sent them.
    const GROUP: &str = include_str!("../../testdata/on_demand/group.json");
    const FAILURE: &str = include_str!("../../testdata/on_demand/failure.json");
    const SCOPED: &str = include_str!("../../testdata/on_demand/scoped.json");

    fn read(recorded: &str) -> OnDemandResult {
        let answer: OnDemandResult = serde_json::from_str(recorded).unwrap();
        assert_eq!(
            serde_json::to_string(&answer).unwrap(),
            recorded,
            "written back byte for byte"
        );
        let again: OnDemandResult = serde_json::from_str(&serde_json::to_string(&answer).unwrap()).unwrap();
        assert_eq!(again, answer);
        answer
    }

    #[test]
    fn a_group_answer_round_trips_with_its_members() {
        let answer = read(GROUP);
        assert_eq!(answer.decision.action, Action::Create);
        assert_eq!(answer.decision.references[0].path, "members");
        assert!(answer.applied.done);
        assert_eq!(answer.members.len(), 1);
        assert_eq!((answer.references, answer.failed_references), (Some(1), Some(0)));
        assert_eq!(answer.log_entry.cycle_id, answer.run_id);
    }

    #[test]
    fn a_failed_answer_round_trips_with_its_mapping_failures() {
        let answer = read(FAILURE);
        assert_eq!(answer.decision.status, Status::Failure);
        let action = answer.decision.steps.last().unwrap();
        assert_eq!(action.kind, StepKind::Action);
        let StepDetails::Action { failures, .. } = &action.details else {
            panic!("{action:?}")
        };
        assert_eq!(failures[0].target, "displayName");
        assert!(!answer.applied.done);
        assert!(answer.members.is_empty() && answer.references.is_none());
    }

    #[test]
    fn a_scoped_answer_round_trips_with_its_clauses_and_link() {
        let answer = read(SCOPED);
        let [_, scoping, matching, _] = answer.decision.steps.as_slice() else {
            panic!("{:?}", answer.decision.steps)
        };
        let StepDetails::Scoping { filters, .. } = &scoping.details else {
            panic!("{scoping:?}")
        };
        assert_eq!(filters[0].clauses[0].attribute, "memberOf");
        let StepDetails::Matching { linked, .. } = &matching.details else {
            panic!("{matching:?}")
        };
        assert_eq!(linked.as_deref(), answer.applied.target_id.as_deref());
    }

    #[test]
    fn applied_leaves_out_what_it_lacks() {
        let applied = Applied {
            done: false,
            target_id: None,
            summary: "nothing to do".into(),
            error_code: None,
            error: None,
        };
        assert_eq!(
            serde_json::to_string(&applied).unwrap(),
            r#"{"done":false,"summary":"nothing to do"}"#
        );
    }
}
