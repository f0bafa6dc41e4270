//! The steps of a decision — import, scoping, matching, action — each with
//! its outcome and typed details, as provisioning logs and on-demand runs
//! show them.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::job::ScopeMode;
use crate::mapping::MappingFailure;
use crate::matching::{MatchQuery, TargetObject};
use crate::object::SourceObject;
use crate::plan::{Lifecycle, ReasonCode};
use crate::scope::FilterOutcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Import,
    Scoping,
    Matching,
    Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// What each step found. Serialised without a tag: the step's `kind` says which.
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
