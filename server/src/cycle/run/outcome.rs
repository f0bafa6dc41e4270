//! What became of one object: its outcome, and the small pieces every path
//! of the pipeline records it with (a decision made without the engine, a
//! failure, the stable codes and names logs use).

use super::*;

/// One object through the pipeline: the engine's decision, what was done
/// and the log entry written for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectOutcome {
    pub decision: Decision,
    pub applied: Applied,
    pub log_entry: LogEntry,
    /// A disable or delete held back until the cycle's count is final: its
    /// log entry is written (and it is counted) when it is carried out or
    /// staged for good.
    #[serde(skip)]
    pub held: bool,
    /// What became of the object's references (manager, members) that were
    /// not in step, in an on-demand run: written, or waiting for the
    /// referenced objects to exist in the target. Empty in cycles.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<super::ReferenceOutcome>,
}

impl ObjectOutcome {
    pub(super) fn failed(&self) -> bool {
        self.decision.status == Status::Failure || self.applied.error_code.is_some()
    }

    /// The answer of an on-demand run of one object (a user, or a record),
    /// as the admin API gives it and `provisio job provision --json` prints it.
    pub fn into_on_demand_result(self, run_id: String) -> provisio_api::jobs::OnDemandResult {
        provisio_api::jobs::OnDemandResult {
            run_id,
            decision: self.decision,
            applied: self.applied,
            log_entry: self.log_entry,
            members: Vec::new(),
            references: None,
            failed_references: None,
            reference_outcomes: self.references,
        }
    }
}

/// A decision the pipeline records without the engine (a failed read, a
/// reference write, a held delete): no steps, no link, no changes.
pub(super) fn bare_decision(
    action: Action,
    status: Status,
    source_id: Option<String>,
    target_id: Option<String>,
) -> Decision {
    Decision {
        action,
        status,
        reason: None,
        source_id,
        target_id,
        link: None,
        changes: Vec::new(),
        references: Vec::new(),
        steps: Vec::new(),
        secrets: Default::default(),
    }
}

pub(super) fn failure_applied(target_id: Option<String>, error: &ConnectorError, what: &str) -> Applied {
    Applied {
        done: false,
        target_id,
        summary: format!("{what}; the object is escrowed"),
        error_code: Some(connector_code(error).to_owned()),
        error: Some(error.to_string()),
    }
}

/// The changes as the connector sends them: redacted values restored.
pub(super) fn exported_changes(decision: &Decision) -> Vec<AttributeChange> {
    decision
        .changes
        .iter()
        .map(|change| {
            let mut change = change.clone();
            if let Some(value) = decision.secrets.get(&*change.path) {
                change.new = value.clone();
            }
            change
        })
        .collect()
}

/// A stable code for a connector failure, as the logs' recommendations know them.
pub(super) fn connector_code(error: &ConnectorError) -> &'static str {
    match error {
        ConnectorError::InvalidCredentials { .. } => "Unauthorized",
        ConnectorError::Incompatible { .. } => "ServiceIncompatible",
        ConnectorError::NotFound { .. } => "InvalidAnchor",
        ConnectorError::Conflict { .. } => "EntryConflict",
        ConnectorError::Throttled { .. } => "TooManyRequests",
        ConnectorError::Transient { .. } => "InternalServerError",
        ConnectorError::Rejected { .. } | ConnectorError::Invalid { .. } => "WebExceptionProtocolError",
    }
}

pub(super) fn code_name(code: &provisio_engine::plan::ReasonCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

pub(super) fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Disable => "disable",
        Action::Delete => "delete",
        Action::StagedDelete => "stageddelete",
        Action::Skip => "skip",
    }
}
