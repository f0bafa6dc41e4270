//! Wire type of a job's status (`GET /api/v1/jobs/{id}/status`): its state,
//! where its cycles stand (quarantine, watermark, the running cycle's
//! progress), a summary of the last finished cycle and the counts an
//! administrator watches (escrows, staged deletes, recent failures).
//!
//! ```
//! use provisio_api::jobs::status::{job_status_path, RunStatus, JOB_STATUS_PATH};
//!
//! assert_eq!(JOB_STATUS_PATH, "/api/v1/jobs/{id}/status");
//! assert_eq!(job_status_path("Acme SCIM"), "/api/v1/jobs/Acme%20SCIM/status");
//! assert_eq!(serde_json::to_value(RunStatus::WaitingForApproval).unwrap(), "waiting_for_approval");
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{JobState, job_path};

/// `GET` answers the job's [`JobStatus`]. `{id}` is the job's id or its name.
pub const JOB_STATUS_PATH: &str = "/api/v1/jobs/{id}/status";

/// [`JOB_STATUS_PATH`] for a job id or name.
pub fn job_status_path(id_or_name: &str) -> String {
    format!("{}/status", job_path(id_or_name))
}

/// A job's status: what its cycles are doing and how the last one went.
/// Times are RFC 3339, UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobStatus {
    /// The job's id (a UUID).
    pub id: String,
    pub name: String,
    /// Whether the job is started (`running`) or `stopped`.
    pub state: JobState,
    /// Where its cycles stand.
    pub run_status: RunStatus,
    /// The last directory change the job has fully handled (0 before its
    /// first initial cycle, and again after a restart).
    pub watermark: i64,
    /// Whether an initial cycle has completed since the job was created or
    /// last restarted; until then every cycle is an initial one.
    pub initial_cycle_done: bool,
    /// The last restart asked for (explicitly, or by a change of the job's
    /// mappings or scoping).
    pub restart_requested_at: Option<String>,
    /// Set while the job is quarantined.
    pub quarantine: Option<Quarantine>,
    /// The cycle under way, if one is.
    pub current_cycle: Option<CycleProgress>,
    /// The last cycle that finished, if any.
    pub last_cycle: Option<LastCycle>,
    /// Objects held in escrow (failed, to be retried), permanent failures included.
    pub escrowed: u64,
    /// Disables and deletes the accidental-deletion guard holds back.
    pub staged_deletes: u64,
    /// Provisioning log entries with status `failure` in the last 24 hours.
    pub failures_last_24h: u64,
    /// Source objects the job skips because they have no value for the
    /// attribute they are matched on (log entries with code
    /// `ImportSkipped`), by type and attributes: a warning, since they are
    /// not failures and would otherwise go unseen. Empty when there are none.
    #[serde(default)]
    pub unmatched: Vec<Unmatched>,
    /// The server instance that runs the job's cycles, when a live one
    /// holds it (with several instances on one database, which one; absent
    /// while the job is stopped, or between owners).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_by: Option<JobHolder>,
}

/// The server instance running a job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobHolder {
    /// The instance's id (in `/metrics` as `provisio_instance{instance}`).
    pub instance: String,
    /// The machine it runs on.
    pub host: String,
    /// The address it listens on.
    pub listen: String,
}

/// Source objects of one type that could not be matched for want of a value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unmatched {
    /// `user` or `group`.
    pub object_type: String,
    /// The source attributes the job matches these objects on, which they
    /// have no value for, e.g. `["mailNickname"]`.
    pub attributes: Vec<String>,
    pub count: u64,
    /// In words: `12 users could not be matched: no value for mailNickname`.
    pub message: String,
}

impl Unmatched {
    /// The group, with its message.
    pub fn new(object_type: &str, attributes: Vec<String>, count: u64) -> Unmatched {
        let noun = match (object_type, count) {
            ("group", 1) => "group",
            ("group", _) => "groups",
            (_, 1) => "user",
            _ => "users",
        };
        let lacking = match attributes.as_slice() {
            [] => "no value for any attribute they are matched on".to_owned(),
            [one] => format!("no value for {one}"),
            [first @ .., last] => format!("no value for {} or {last}", first.join(", ")),
        };
        Unmatched {
            object_type: object_type.to_owned(),
            message: format!("{count} {noun} could not be matched: {lacking}"),
            attributes,
            count,
        }
    }
}

/// Where a job's cycles stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Between cycles (or never run).
    #[default]
    Idle,
    /// A cycle is under way.
    Running,
    /// Cycles fail; retried on a back-off schedule.
    Quarantined,
    /// The accidental-deletion guard holds staged deletes back.
    WaitingForApproval,
    /// Too long in quarantine: no cycle runs until the job is restarted.
    Disabled,
}

impl RunStatus {
    pub const ALL: [RunStatus; 5] = [
        RunStatus::Idle,
        RunStatus::Running,
        RunStatus::Quarantined,
        RunStatus::WaitingForApproval,
        RunStatus::Disabled,
    ];

    /// The status as the wire (and the job's record) spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Idle => "idle",
            RunStatus::Running => "running",
            RunStatus::Quarantined => "quarantined",
            RunStatus::WaitingForApproval => "waiting_for_approval",
            RunStatus::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What a cycle meant for its job's quarantine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuarantineChange {
    /// The cycle put the job in quarantine.
    Quarantined,
    /// A retry of a quarantined job failed again.
    StillQuarantined,
    /// A retry succeeded: the job left quarantine.
    Released,
    /// Too long in quarantine: the job runs no more cycles until restarted.
    Disabled,
}

/// Which objects a cycle looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CycleMode {
    /// Every object in scope (the first cycle, and the first after a restart).
    Initial,
    /// The objects changed since the job's watermark.
    Incremental,
}

impl CycleMode {
    /// The mode as the wire spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CycleMode::Initial => "initial",
            CycleMode::Incremental => "incremental",
        }
    }
}

/// A finished cycle's figures, as the job's record keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct CycleCounts {
    /// `initial` or `incremental` (`null` for cycles recorded before it was kept).
    pub mode: Option<CycleMode>,
    /// Objects handled.
    pub objects: u64,
    /// Escrowed objects retried at the start of the cycle (counted in `objects` too).
    pub retried: u64,
    /// Manager and member references written.
    pub references: u64,
    /// Reference writes the target refused.
    pub failed_references: u64,
    /// Disables and deletes held for approval after the cycle.
    pub staged_deletes: u64,
    /// Objects per action: `create`, `update`, `disable`, `delete`,
    /// `stageddelete`, `skip`.
    pub actions: BTreeMap<String, u64>,
    /// Objects whose decision or application failed.
    pub failures: u64,
    /// Why the cycle stopped before handling every object.
    pub stopped: Option<String>,
    /// What the cycle meant for quarantine (`null` when healthy).
    pub quarantine: Option<QuarantineChange>,
    /// How long the cycle took.
    pub duration_ms: Option<u64>,
}

/// Why and since when a job is quarantined, and when it is tried again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quarantine {
    /// Entra's code, then the explanation, e.g.
    /// `EncounteredQuarantineException: the target rejected the credentials…`.
    pub reason: Option<String>,
    pub since: Option<String>,
    pub next_retry_at: Option<String>,
}

/// The cycle under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CycleProgress {
    pub cycle_id: String,
    pub started_at: Option<String>,
    /// Objects handled so far.
    pub done: u64,
    /// Objects the cycle will handle; 0 when not known (an incremental
    /// cycle does not know in advance).
    pub total: u64,
}

/// A finished cycle in figures.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastCycle {
    /// The cycle's id (its provisioning log entries carry it). `null`
    /// while a later cycle runs: the job's record then holds that one's id
    /// and start, and only the figures of the last finished one.
    pub cycle_id: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// `initial` (every object in scope) or `incremental` (the changes
    /// since the watermark); `null` for cycles recorded before it was kept.
    #[serde(default)]
    pub mode: Option<CycleMode>,
    /// Objects handled.
    pub objects: u64,
    /// Escrowed objects retried at the start of the cycle (counted in `objects` too).
    pub retried: u64,
    /// Objects per action: `create`, `update`, `disable`, `delete`,
    /// `stageddelete`, `skip`.
    pub actions: BTreeMap<String, u64>,
    /// Objects whose decision or application failed.
    pub failures: u64,
    /// Why the cycle stopped before handling every object (the target
    /// refused the credentials, or is not compatible).
    pub stopped: Option<String>,
    /// What the cycle meant for quarantine: `quarantined`,
    /// `still_quarantined`, `released` or `disabled` (`null` when healthy).
    pub quarantine: Option<QuarantineChange>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_status_reads_as_documented() {
        let status = JobStatus {
            id: "j1".into(),
            name: "Acme".into(),
            state: JobState::Running,
            run_status: RunStatus::Running,
            watermark: 7,
            initial_cycle_done: false,
            restart_requested_at: None,
            quarantine: None,
            current_cycle: Some(CycleProgress {
                cycle_id: "c2".into(),
                started_at: Some("2026-11-26T10:00:00.000Z".into()),
                done: 50,
                total: 200,
            }),
            last_cycle: None,
            escrowed: 1,
            staged_deletes: 0,
            failures_last_24h: 2,
            unmatched: vec![Unmatched::new("user", vec!["mailNickname".into()], 12)],
            held_by: None,
        };
        let value = serde_json::to_value(&status).unwrap();
        assert_eq!(value["run_status"], "running");
        assert_eq!(
            value["current_cycle"],
            json!({"cycle_id": "c2", "started_at": "2026-11-26T10:00:00.000Z", "done": 50, "total": 200})
        );
        assert_eq!(
            value["unmatched"][0]["message"],
            "12 users could not be matched: no value for mailNickname"
        );
        assert_eq!(serde_json::from_value::<JobStatus>(value).unwrap(), status);
    }

    #[test]
    fn unmatched_objects_are_told_in_words() {
        let one = Unmatched::new("group", vec!["displayName".into()], 1);
        assert_eq!(one.message, "1 group could not be matched: no value for displayName");
        let both = Unmatched::new("user", vec!["mail".into(), "mailNickname".into(), "upn".into()], 3);
        assert_eq!(
            both.message,
            "3 users could not be matched: no value for mail, mailNickname or upn"
        );
    }
}
