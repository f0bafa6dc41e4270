//! Provisioning logs: one [`LogEntry`] per object per cycle (and per
//! on-demand run) with its action, status, source and target identities,
//! modified attributes (old and new, redacted values as `[Redact]`), the
//! engine's steps, and for problems an error code, a reason and a
//! recommended action in plain words. Built from the engine's
//! [`Decision`] ([`EntryBuilder`]), stored and queried through [`Logs`],
//! exported as CSV ([`csv`]) and pruned by age ([`LogRetention`]).
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::logs::{Identity, LogEntry, LogFilter, RunInfo, EntryBuilder};
//! use provisio_server::store::Store;
//! use provisio_engine::plan::{Action, Decision, Status};
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let run = RunInfo::cycle("job-1", "Acme", "cycle-1");
//! let decision = Decision {
//!     action: Action::Create, status: Status::Success, reason: None,
//!     source_id: Some("u1".into()), target_id: Some("t1".into()), link: None,
//!     changes: vec![], references: vec![], steps: vec![], secrets: Default::default(),
//! };
//! let source = Identity::new("u1", "ada@example.org");
//! let entry = LogEntry::from_decision(&run, &decision, source, Identity::default(), std::time::Duration::from_millis(12));
//! store.logs().append(&[entry]).await?;
//! let page = store.logs().query(&LogFilter { q: Some("ADA".into()), ..LogFilter::default() }).await?;
//! assert_eq!(page.total, 1);
//! # Ok(())
//! # }
//! ```

pub mod csv;
mod filter;
mod recommend;
mod retention;
mod storage;

use std::time::Duration;

use chrono::Utc;
use provisio_engine::plan::{Action, Decision, Status};

pub use filter::LogFilter;
pub use provisio_api::logs::{
    Identity, Initiator, LogAction, LogCounts, LogEntry, LogStatus, ModifiedAttribute, RunKind,
};
pub use recommend::recommended_action;
pub use retention::LogRetention;
pub use storage::{ActionCount, Logs};

use crate::directory::timestamp;

/// The run an entry belongs to: the job and the cycle (or on-demand run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub job_id: String,
    pub job_name: String,
    pub kind: RunKind,
    /// The cycle's id, or the on-demand run's.
    pub cycle_id: String,
    /// Who or what started the run, and the systems its entries go between.
    pub initiated_by: Initiator,
    pub source_system: Identity,
    pub target_system: Identity,
}

impl RunInfo {
    pub fn cycle(job_id: impl Into<String>, job_name: impl Into<String>, cycle_id: impl Into<String>) -> RunInfo {
        RunInfo {
            job_id: job_id.into(),
            job_name: job_name.into(),
            kind: RunKind::Cycle,
            cycle_id: cycle_id.into(),
            initiated_by: Initiator::default(),
            source_system: Identity::default(),
            target_system: Identity::default(),
        }
    }

    /// The run, started by `initiated_by`, between these systems.
    pub fn with_origin(mut self, initiated_by: Initiator, source_system: Identity, target_system: Identity) -> RunInfo {
        self.initiated_by = initiated_by;
        self.source_system = source_system;
        self.target_system = target_system;
        self
    }

    pub fn on_demand(job_id: impl Into<String>, job_name: impl Into<String>, run_id: impl Into<String>) -> RunInfo {
        RunInfo {
            kind: RunKind::OnDemand,
            ..RunInfo::cycle(job_id, job_name, run_id)
        }
    }

    /// The processing of an inbound bulk request: its id is the run's.
    pub fn inbound(job_id: impl Into<String>, job_name: impl Into<String>, request_id: impl Into<String>) -> RunInfo {
        RunInfo {
            kind: RunKind::Inbound,
            ..RunInfo::cycle(job_id, job_name, request_id)
        }
    }
}

/// Builds log entries from the engine's decisions. (A trait because
/// [`LogEntry`] is the API's wire type.)
pub trait EntryBuilder: Sized {
    /// The entry for one decision, stamped now with a fresh id. The
    /// identities' missing ids are the decision's `source_id` and
    /// `target_id`; the decision's reason becomes the error code, reason
    /// and recommended action.
    fn from_decision(
        run: &RunInfo,
        decision: &Decision,
        source: Identity,
        target: Identity,
        duration: Duration,
    ) -> Self;

    /// The same entry, failed by the connector (or anything after the
    /// decision): status failure, `code` (a stable code such as
    /// `TooManyRequests`), the reason and the code's recommended action.
    fn failed(self, code: &str, reason: impl Into<String>) -> Self;

    /// The same entry as a warning: done, but not all of it (`code` says
    /// what is missing, as Entra's warnings do).
    fn warned(self, code: &str, reason: impl Into<String>) -> Self;

    /// The same entry, naming the directory change or inbound record behind it.
    fn with_change(self, change_id: impl Into<String>) -> Self;
}

impl EntryBuilder for LogEntry {
    fn from_decision(
        run: &RunInfo,
        decision: &Decision,
        mut source: Identity,
        mut target: Identity,
        duration: Duration,
    ) -> LogEntry {
        if source.id.is_none() {
            source.id.clone_from(&decision.source_id);
        }
        if target.id.is_none() {
            target.id.clone_from(&decision.target_id);
        }
        let error_code = decision.reason.as_ref().map(|reason| code_name(&reason.code));
        LogEntry {
            // Time-ordered, so new entries land at the end of the index.
            id: uuid::Uuid::now_v7().to_string(),
            time: timestamp(Utc::now()),
            job_id: run.job_id.clone(),
            job_name: run.job_name.clone(),
            run: run.kind,
            cycle_id: run.cycle_id.clone(),
            change_id: None,
            action: action(decision.action),
            status: status(decision.status),
            source,
            target,
            modified: decision
                .changes
                .iter()
                .map(|change| ModifiedAttribute {
                    name: change.path.to_string(),
                    old: to_json(&change.old),
                    new: to_json(&change.new),
                })
                .collect(),
            steps: to_json(&decision.steps),
            recommended_action: error_code.as_deref().and_then(recommended_action).map(str::to_owned),
            error_code,
            reason: decision.reason.as_ref().map(|reason| reason.message.clone()),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            initiated_by: run.initiated_by.clone(),
            source_system: run.source_system.clone(),
            target_system: run.target_system.clone(),
        }
    }

    fn failed(mut self, code: &str, reason: impl Into<String>) -> LogEntry {
        self.status = LogStatus::Failure;
        self.error_code = Some(code.to_owned());
        self.reason = Some(reason.into());
        self.recommended_action = recommended_action(code).map(str::to_owned);
        self
    }

    fn warned(mut self, code: &str, reason: impl Into<String>) -> LogEntry {
        self.status = LogStatus::Warning;
        self.error_code = Some(code.to_owned());
        self.reason = Some(reason.into());
        self.recommended_action = recommended_action(code).map(str::to_owned);
        self
    }

    fn with_change(mut self, change_id: impl Into<String>) -> LogEntry {
        self.change_id = Some(change_id.into());
        self
    }
}

fn action(action: Action) -> LogAction {
    match action {
        Action::Create => LogAction::Create,
        Action::Update => LogAction::Update,
        Action::Disable => LogAction::Disable,
        Action::Delete => LogAction::Delete,
        Action::StagedDelete => LogAction::StagedDelete,
        Action::Skip => LogAction::Skip,
    }
}

fn status(status: Status) -> LogStatus {
    match status {
        Status::Success => LogStatus::Success,
        Status::Skipped => LogStatus::Skipped,
        Status::Failure => LogStatus::Failure,
    }
}

/// A reason code's name as the engine serialises it (`DuplicateTargetEntries`).
fn code_name(code: &provisio_engine::plan::ReasonCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

/// Values and steps as JSON (their serialisations cannot fail: string keys only).
fn to_json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use provisio_engine::Value;
    use provisio_engine::plan::{Reason, ReasonCode, Step, StepDetails, StepKind, StepStatus};
    use provisio_engine::scim_path::AttributeChange;

    use super::*;

    #[test]
    fn entry_ids_follow_the_order_they_were_made_in() {
        let run = RunInfo::cycle("j", "J", "c");
        let decision = decision(Action::Create, Status::Success, None);
        let ids: Vec<String> = (0..50)
            .map(|_| {
                LogEntry::from_decision(
                    &run,
                    &decision,
                    Identity::default(),
                    Identity::default(),
                    Duration::ZERO,
                )
                .id
            })
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(
            ids, sorted,
            "time-ordered (UUIDv7): new entries land at the end of the index"
        );
    }

    pub(super) fn decision(action: Action, status: Status, reason: Option<ReasonCode>) -> Decision {
        Decision {
            action,
            status,
            reason: reason.map(|code| Reason {
                code,
                message: format!("because {code:?}"),
            }),
            source_id: Some("u1".into()),
            target_id: Some("t1".into()),
            link: None,
            changes: Vec::new(),
            references: Vec::new(),
            steps: vec![Step::new(
                StepKind::Action,
                StepStatus::Success,
                "Decided",
                StepDetails::Action {
                    reason,
                    failures: Vec::new(),
                },
            )],
            secrets: Default::default(),
        }
    }

    fn change(path: &str, old: Value, new: Value) -> AttributeChange {
        AttributeChange {
            path: Arc::from(path),
            old,
            new,
            add_only: false,
        }
    }

    fn entry(decision: &Decision) -> LogEntry {
        let run = RunInfo::cycle("job-1", "Acme", "cycle-1");
        LogEntry::from_decision(
            &run,
            decision,
            Identity {
                id: None,
                display: Some("ada@example.org".into()),
            },
            Identity::default(),
            Duration::from_millis(42),
        )
    }

    #[test]
    fn a_create_logs_its_attributes_and_steps() {
        let mut created = decision(Action::Create, Status::Success, None);
        created.changes = vec![change("userName", Value::Null, Value::str("ada"))];
        let entry = entry(&created);
        assert_eq!((entry.action, entry.status), (LogAction::Create, LogStatus::Success));
        assert_eq!((entry.job_id.as_str(), entry.cycle_id.as_str()), ("job-1", "cycle-1"));
        assert_eq!(entry.run, RunKind::Cycle);
        assert_eq!(entry.source, Identity::new("u1", "ada@example.org"));
        assert_eq!(entry.target.id.as_deref(), Some("t1"));
        assert_eq!(entry.modified.len(), 1);
        assert_eq!(entry.modified[0].name, "userName");
        assert_eq!(entry.modified[0].old, serde_json::Value::Null);
        assert_eq!(entry.modified[0].new, "ada");
        assert_eq!(entry.steps[0]["kind"], "action");
        assert_eq!(entry.duration_ms, 42);
        assert_eq!(entry.error_code, None);
        assert_eq!(entry.recommended_action, None);
        assert_eq!(entry.time.len(), "2026-01-01T00:00:00.000Z".len());
    }

    #[test]
    fn an_update_keeps_old_and_new_values() {
        let mut updated = decision(Action::Update, Status::Success, None);
        updated.changes = vec![
            change("title", Value::str("Engineer"), Value::str("CEO")),
            change("active", Value::Bool(true), Value::Bool(false)),
        ];
        let entry = entry(&updated);
        assert_eq!(entry.action, LogAction::Update);
        assert_eq!(entry.modified[0].old, "Engineer");
        assert_eq!(entry.modified[0].new, "CEO");
        assert_eq!(entry.modified[1].new, false);
    }

    #[test]
    fn redacted_values_stay_redacted() {
        let mut created = decision(Action::Create, Status::Success, None);
        created.changes = vec![change("password", Value::Null, Value::str("[Redact]"))];
        created.secrets.insert("password".into(), Value::str("hunter2-secret"));
        let entry = entry(&created);
        assert_eq!(entry.modified[0].new, "[Redact]");
        assert!(!serde_json::to_string(&entry).unwrap().contains("hunter2"));
    }

    #[test]
    fn a_skip_carries_its_reason_and_advice() {
        let skipped = decision(
            Action::Skip,
            Status::Skipped,
            Some(ReasonCode::EntrySynchronizationSkipped),
        );
        let entry = entry(&skipped);
        assert_eq!((entry.action, entry.status), (LogAction::Skip, LogStatus::Skipped));
        assert_eq!(entry.error_code.as_deref(), Some("EntrySynchronizationSkipped"));
        assert_eq!(entry.reason.as_deref(), Some("because EntrySynchronizationSkipped"));
        assert!(entry.recommended_action.is_some());
    }

    #[test]
    fn an_engine_failure_recommends_an_action() {
        let failed = decision(Action::Skip, Status::Failure, Some(ReasonCode::DuplicateTargetEntries));
        let entry = entry(&failed);
        assert_eq!(entry.status, LogStatus::Failure);
        assert_eq!(entry.error_code.as_deref(), Some("DuplicateTargetEntries"));
        assert!(entry.recommended_action.unwrap().contains("duplicate"));
    }

    #[test]
    fn a_connector_failure_overrides_status_and_advice() {
        let created = decision(Action::Create, Status::Success, None);
        let entry = entry(&created)
            .failed("TooManyRequests", "the target answered 429")
            .with_change("17");
        assert_eq!((entry.action, entry.status), (LogAction::Create, LogStatus::Failure));
        assert_eq!(entry.error_code.as_deref(), Some("TooManyRequests"));
        assert_eq!(entry.reason.as_deref(), Some("the target answered 429"));
        assert!(entry.recommended_action.unwrap().contains("retried"));
        assert_eq!(entry.change_id.as_deref(), Some("17"));
        let unknown = entry_with_unknown_code();
        assert_eq!(unknown.recommended_action, None);
    }

    fn entry_with_unknown_code() -> LogEntry {
        entry(&decision(Action::Update, Status::Success, None)).failed("SomethingNew", "?")
    }

    #[test]
    fn on_demand_runs_are_told_apart() {
        let run = RunInfo::on_demand("job-1", "Acme", "run-9");
        assert_eq!(run.kind, RunKind::OnDemand);
        assert_eq!(run.cycle_id, "run-9");
    }
}
