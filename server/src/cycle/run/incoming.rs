//! What the pipeline reads: a source object (a directory user or group
//! with its deleted state, its `memberOf` when the job reads it, or only
//! the id of one the directory no longer has) and what the run is for.

use super::*;

/// A source object as the pipeline reads it: a directory user or group (with
/// its deleted state), or only the id of one the directory no longer has.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub kind: ObjectType,
    pub id: String,
    /// The user principal name or the group's display name, for the logs.
    pub display: String,
    /// `None` when the directory no longer has the object (purged).
    pub attributes: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Incoming {
    pub fn user(user: &User) -> Incoming {
        Incoming {
            kind: ObjectType::User,
            id: user.id.clone(),
            display: user.user_principal_name().to_owned(),
            attributes: Some(source_attributes(user)),
        }
    }

    pub fn group(group: &Group) -> Incoming {
        Incoming {
            kind: ObjectType::Group,
            id: group.id.clone(),
            display: group.display_name().to_owned(),
            attributes: Some(group_source_attributes(group)),
        }
    }

    /// An object the directory no longer has at all.
    pub fn gone(kind: ObjectType, id: &str) -> Incoming {
        Incoming {
            kind,
            id: id.to_owned(),
            display: String::new(),
            attributes: None,
        }
    }
}

/// What a pipeline runs for: the run's kind in its log entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineRun {
    Cycle,
    OnDemand,
    /// The processing of one inbound bulk request, by its id.
    Inbound {
        request_id: String,
    },
}

impl PipelineRun {
    /// The run in words, for whoever finds the job busy.
    pub(super) fn purpose(&self) -> &'static str {
        match self {
            PipelineRun::Cycle => "a provisioning cycle",
            PipelineRun::OnDemand => "an on-demand run",
            PipelineRun::Inbound { .. } => "the processing of an inbound request",
        }
    }
}

/// The engine's kind of source object for a directory object type.
pub(crate) fn source_kind(kind: ObjectType) -> SourceKind {
    match kind {
        ObjectType::User => SourceKind::User,
        ObjectType::Group => SourceKind::Group,
    }
}

/// The source attribute that lists an object's groups (`IS MEMBER OF`).
pub(super) const MEMBER_OF: &str = provisio_engine::attributes::MEMBER_OF;

/// Whether a job definition names `memberOf` anywhere (a scoping clause's
/// attribute, an expression): a definition that does not never needs it
/// looked up.
pub(super) fn mentions_member_of(definition: &provisio_engine::job::JobDefinition) -> bool {
    serde_json::to_string(definition).is_ok_and(|json| json.to_ascii_lowercase().contains("memberof"))
}

/// Groups as `memberOf` lists them: `{"id", "displayName"}` each.
pub(super) fn member_of_value(groups: Vec<(String, String)>) -> serde_json::Value {
    groups
        .into_iter()
        .map(|(id, name)| serde_json::json!({"id": id, "displayName": name}))
        .collect::<Vec<_>>()
        .into()
}
