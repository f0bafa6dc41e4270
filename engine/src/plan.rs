//! Provisioning decisions: for one source object, whether it is in scope,
//! which target object it is, what the target should hold and what must be
//! done — with the reasons and the steps that led there, for logs,
//! on-demand runs and previews. Cycle plans add counts, duplicate detection
//! and the accidental-deletion guard.

mod compiled;
mod cycle;
mod decide;
mod entitlements;
mod source;
mod steps;

use serde::{Deserialize, Serialize};

use crate::mapping::PendingReference;
use crate::matching::{MatchAttempt, TargetObject};
use crate::scim_path::{AttributeChange, TargetAttributes};
use crate::value::Value;

pub use compiled::{CompiledJob, CompiledObject};
pub use cycle::{Counts, CycleOptions, CyclePlan, plan_cycle};
pub use decide::decide;
pub use entitlements::{Entitled, Entitlements, RoleAssignment};
pub use source::{Lifecycle, SourceRecord};
pub use steps::{Step, StepDetails, StepKind, StepStatus};

/// What the target holds for a source object, as far as the caller knows.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetState {
    /// Linked in an earlier cycle; the target object as it is now.
    Linked(TargetObject),
    /// Linked, but the target no longer has the object.
    LinkedMissing { id: String },
    /// Not linked: the matching queries run so far and what each found
    /// (empty when nothing was asked or nothing exists yet).
    Unlinked(Vec<MatchAttempt>),
}

impl TargetState {
    /// The linked target object from a SCIM resource (or a flat object of
    /// path → value), reading the object mapping's target paths; JSON null
    /// means "not linked, nothing found".
    pub fn from_resource(resource: &serde_json::Value, object: &CompiledObject) -> TargetState {
        if resource.is_null() {
            return TargetState::Unlinked(Vec::new());
        }
        let paths: Vec<_> = object.mappings.iter().map(|m| m.path.clone()).collect();
        let id = resource
            .get("id")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("(target)");
        TargetState::Linked(TargetObject {
            id: id.to_owned(),
            attributes: crate::scim_path::from_resource(resource, &paths),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Disable,
    Delete,
    /// A disable or delete held back by the deletion threshold.
    StagedDelete,
    Skip,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Success,
    Skipped,
    Failure,
}

/// Reason codes, Entra's where one fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReasonCode {
    /// Out of scope, or already in sync.
    EntrySynchronizationSkipped,
    /// No value for any matching attribute.
    ImportSkipped,
    DuplicateTargetEntries,
    DuplicateSourceEntries,
    /// The linked target object no longer exists.
    InvalidAnchor,
    /// The object mapping does not allow this action.
    ActionNotAllowed,
    /// An attribute mapping's expression failed for this object.
    ExpressionFailed,
    /// Out of scope, but the job skips out-of-scope deletions.
    SkipOutOfScopeDeletions,
    /// More disables and deletes than the job's deletion threshold.
    DeletionThresholdExceeded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub message: String,
}

/// The decision for one source object. It reads back from its JSON (as
/// clients of an on-demand run read it) with references and date-times as
/// the text they are written as, and without `secrets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub action: Action,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    pub source_id: Option<String>,
    /// The target object acted on, when there is one.
    pub target_id: Option<String>,
    /// A link to remember: the source object matched this target object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Attribute changes with old and new values; redacted values show `[Redact]`.
    pub changes: Vec<AttributeChange>,
    /// Manager and member references to resolve once their objects exist.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<PendingReference>,
    pub steps: Vec<Step>,
    /// The real values of redacted changes, which `changes` shows as
    /// `[Redact]`; never serialised (a deserialised decision has none).
    #[serde(skip)]
    pub secrets: TargetAttributes,
}

impl Decision {
    /// Whether there is nothing to do for the object.
    pub fn is_noop(&self) -> bool {
        self.action == Action::Skip
    }

    /// Whether the object was skipped for want of a value to match on
    /// (`ImportSkipped`) while in scope and active in the source: one the
    /// job would provision if it had the value, so one an administrator
    /// should hear of. A deleted or disabled object without the value is
    /// left alone quietly: there is nothing to fix.
    pub fn is_unmatched(&self) -> bool {
        self.reason
            .as_ref()
            .is_some_and(|r| r.code == ReasonCode::ImportSkipped)
            && self.steps.iter().any(|step| {
                matches!(
                    step.details,
                    StepDetails::Scoping {
                        active_in_source: true,
                        ..
                    }
                )
            })
    }

    /// What the connector writes: every attribute on create, the changed
    /// ones on update (null clears), with redacted values restored.
    pub fn export(&self) -> TargetAttributes {
        self.changes
            .iter()
            .map(|c| {
                let value = self.secrets.get(&*c.path).unwrap_or(&c.new);
                (c.path.to_string(), value.clone())
            })
            .collect()
    }

    /// The target object as it will be once this decision is applied to
    /// `current` (`None` if it will not exist). Previews use it, and
    /// deciding again against it must find nothing to do.
    pub fn applied(&self, current: Option<&TargetObject>) -> Option<TargetObject> {
        let merged = |mut target: TargetObject| {
            for (path, value) in self.export() {
                match value {
                    Value::Null => target.attributes.remove(&path),
                    value => target.attributes.insert(path, value),
                };
            }
            target
        };
        match self.action {
            Action::Create => Some(merged(TargetObject {
                id: self.target_id.clone().unwrap_or_else(|| "(new)".to_owned()),
                attributes: TargetAttributes::new(),
            })),
            Action::Update | Action::Disable => current.cloned().map(merged),
            Action::Delete => None,
            Action::StagedDelete | Action::Skip => current.cloned(),
        }
    }
}
