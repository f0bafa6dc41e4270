//! The steps of a decision — import, scoping, matching, action — each with
//! its outcome and typed details, as provisioning logs and on-demand runs
//! show them, and read back from that JSON.

use std::borrow::Cow;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, de};

use crate::job::ScopeMode;
use crate::mapping::MappingFailure;
use crate::matching::{MatchQuery, TargetObject};
use crate::object::SourceObject;
use crate::plan::{Lifecycle, ReasonCode};
use crate::scope::FilterOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Import,
    Scoping,
    Matching,
    Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Success,
    Skipped,
    Failure,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub status: StepStatus,
    pub description: Cow<'static, str>,
    pub details: StepDetails,
}

/// What each step found. Serialised without a tag: the step's `kind` says
/// which, so only a whole [`Step`] deserialises (the matching and action
/// details can both be `{}`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum StepDetails {
    Import {
        id: Option<String>,
        lifecycle: Lifecycle,
        /// The source attributes that were read (shared, not copied).
        attributes: Arc<SourceObject>,
    },
    Scoping {
        scope: ScopeMode,
        assigned: bool,
        /// Assigned, but only with Default Access to an app that defines
        /// roles: not provisioned, as in Entra.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        default_access_only: bool,
        active_in_source: bool,
        passed_scoping_filters: bool,
        filters: Vec<FilterOutcome>,
    },
    Matching {
        #[serde(skip_serializing_if = "Option::is_none")]
        linked: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        queries: Vec<MatchQuery>,
        #[serde(skip_serializing_if = "Option::is_none")]
        matched: Option<TargetObject>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        candidates: Vec<TargetObject>,
    },
    Action {
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<ReasonCode>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        failures: Vec<MappingFailure>,
    },
}

/// A step as it reads back: `kind` says which details it has. The details
/// are read as the fields of every kind, each optional, then checked
/// against the kind — in one pass, whatever the order of the fields (no
/// buffering, which would cost the portal's wasm tens of kilobytes).
#[derive(Deserialize)]
struct StepWire {
    kind: StepKind,
    status: StepStatus,
    description: Cow<'static, str>,
    details: DetailsWire,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct DetailsWire {
    // Import.
    id: Option<String>,
    lifecycle: Option<Lifecycle>,
    attributes: Option<Arc<SourceObject>>,
    // Scoping.
    scope: Option<ScopeMode>,
    assigned: Option<bool>,
    default_access_only: bool,
    active_in_source: Option<bool>,
    passed_scoping_filters: Option<bool>,
    filters: Option<Vec<FilterOutcome>>,
    // Matching.
    linked: Option<String>,
    queries: Vec<MatchQuery>,
    matched: Option<TargetObject>,
    candidates: Vec<TargetObject>,
    // Action.
    reason: Option<ReasonCode>,
    failures: Vec<MappingFailure>,
}

impl DetailsWire {
    /// The details of a step of `kind`, or the field it lacks.
    fn of<E: de::Error>(self, kind: StepKind) -> Result<StepDetails, E> {
        fn needs<T, E: de::Error>(value: Option<T>, field: &'static str) -> Result<T, E> {
            value.ok_or_else(|| E::missing_field(field))
        }
        Ok(match kind {
            StepKind::Import => StepDetails::Import {
                id: self.id,
                lifecycle: needs(self.lifecycle, "lifecycle")?,
                attributes: needs(self.attributes, "attributes")?,
            },
            StepKind::Scoping => StepDetails::Scoping {
                scope: needs(self.scope, "scope")?,
                assigned: needs(self.assigned, "assigned")?,
                default_access_only: self.default_access_only,
                active_in_source: needs(self.active_in_source, "active_in_source")?,
                passed_scoping_filters: needs(self.passed_scoping_filters, "passed_scoping_filters")?,
                filters: needs(self.filters, "filters")?,
            },
            StepKind::Matching => StepDetails::Matching {
                linked: self.linked,
                queries: self.queries,
                matched: self.matched,
                candidates: self.candidates,
            },
            StepKind::Action => StepDetails::Action {
                reason: self.reason,
                failures: self.failures,
            },
        })
    }
}

impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Step, D::Error> {
        let wire = StepWire::deserialize(deserializer)?;
        Ok(Step {
            kind: wire.kind,
            status: wire.status,
            description: wire.description,
            details: wire.details.of(wire.kind)?,
        })
    }
}

impl StepDetails {
    /// A scoping step's verdicts in words (`scope assigned; assigned: yes;
    /// …`), as the CLI and the portal show them; `None` for other steps.
    pub fn scoping_summary(&self) -> Option<String> {
        let StepDetails::Scoping {
            scope,
            assigned,
            default_access_only,
            active_in_source,
            passed_scoping_filters,
            ..
        } = self
        else {
            return None;
        };
        let yes = |flag: bool| if flag { "yes" } else { "no" };
        let scope = match scope {
            ScopeMode::All => "all",
            ScopeMode::Assigned => "assigned",
        };
        let mut summary = format!(
            "scope {scope}; assigned: {}; active in the source: {}; passed the scoping filters: {}",
            yes(*assigned),
            yes(*active_in_source),
            yes(*passed_scoping_filters)
        );
        if *default_access_only {
            summary.push_str("; assigned only with Default Access, and the app defines roles");
        }
        Some(summary)
    }
}

impl Step {
    pub fn new(
        kind: StepKind,
        status: StepStatus,
        description: impl Into<Cow<'static, str>>,
        details: StepDetails,
    ) -> Step {
        Step {
            kind,
            status,
            description: description.into(),
            details,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(json: serde_json::Value) -> Step {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_kind_picks_the_shape_of_empty_details() {
        let action = step(json!({"kind": "action", "status": "success", "description": "Create", "details": {}}));
        assert_eq!(
            action.details,
            StepDetails::Action {
                reason: None,
                failures: Vec::new()
            }
        );
        let matching = step(json!({"details": {}, "description": "None", "status": "skipped", "kind": "matching"}));
        assert_eq!(matching.kind, StepKind::Matching);
        assert_eq!(
            matching.details,
            StepDetails::Matching {
                linked: None,
                queries: Vec::new(),
                matched: None,
                candidates: Vec::new()
            }
        );
    }

    #[test]
    fn a_step_reads_back_as_it_was_written() {
        let written = Step::new(
            StepKind::Action,
            StepStatus::Skipped,
            "Nothing to do",
            StepDetails::Action {
                reason: Some(ReasonCode::EntrySynchronizationSkipped),
                failures: Vec::new(),
            },
        );
        let json = serde_json::to_value(&written).unwrap();
        assert_eq!(json["details"], json!({"reason": "EntrySynchronizationSkipped"}));
        assert_eq!(step(json), written);
    }

    #[test]
    fn details_that_do_not_fit_the_kind_are_refused() {
        let wrong = json!({"kind": "import", "status": "success", "description": "Imported", "details": {}});
        let error = serde_json::from_value::<Step>(wrong).unwrap_err().to_string();
        assert!(error.contains("lifecycle"), "{error}");
        let unknown = json!({"kind": "export", "status": "success", "description": "?", "details": {}});
        assert!(serde_json::from_value::<Step>(unknown).is_err());
    }
}
