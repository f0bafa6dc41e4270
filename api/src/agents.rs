//! Wire types of on-premises agents: the long poll an agent holds for
//! operations on its targets, the results it returns, and the listing of
//! agents administrators see. Attribute values travel typed ([`WireValue`]),
//! so a reference or a date-time reaches the agent's connector as what it
//! is, not as text.
//!
//! ```
//! use provisio_api::agents::{WireValue, AGENT_POLL_PATH};
//! use provisio_api::engine::Value;
//!
//! let manager = Value::Reference("5f1c…".into());
//! assert_eq!(Value::from(WireValue::from(&manager)), manager);
//! assert_eq!(AGENT_POLL_PATH, "/api/v1/agent/poll");
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use provisio_engine::Value;
use provisio_engine::job::{SourceKind, Target};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use serde::{Deserialize, Serialize};

use crate::auth::Secret;

/// `POST` an [`AgentPoll`] with an agent token: answers [`AgentWork`] as soon
/// as there are operations for the agent, or empty after about
/// [`POLL_HOLD_SECONDS`].
pub const AGENT_POLL_PATH: &str = "/api/v1/agent/poll";
/// `POST` [`AgentResults`] with an agent token: acknowledges completed
/// operations; answers [`ResultsAccepted`].
pub const AGENT_RESULTS_PATH: &str = "/api/v1/agent/results";
/// `GET` every agent an administrator should know of, as [`AgentSummary`]s.
pub const AGENTS_PATH: &str = "/api/v1/agents";
/// How long the server holds a poll that has nothing to hand out.
pub const POLL_HOLD_SECONDS: u64 = 20;
/// An agent that has not polled for this long is shown as disconnected, and
/// operations for it fail at once instead of waiting.
pub const CONNECTED_WITHIN_SECONDS: u64 = 45;
/// The operations this build of the agent executes beyond the first
/// protocol's, as it announces them in [`AgentPoll::supports`]. The server
/// sends an agent no operation it did not announce
/// ([`AgentRequest::requires`]); older agents announce none.
pub const AGENT_OPERATIONS: &[&str] = &[FIND_MANY];
/// [`AgentRequest::FindMany`]'s name in [`AgentPoll::supports`].
pub const FIND_MANY: &str = "find_many";

/// An agent asking for work. `session` is new each time the agent process
/// starts: a new session tells the server that operations handed to the
/// previous one will never be answered, so it hands them out again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentPoll {
    pub session: String,
    /// The agent's release version.
    pub version: String,
    /// The machine the agent runs on, as it names itself.
    pub host: String,
    /// Operations this session holds and has not yet acknowledged: any other
    /// operation handed to it was lost on the way and is handed out again.
    #[serde(default)]
    pub working: Vec<String>,
    /// The operations added to the protocol since its first version that
    /// this agent executes ([`AGENT_OPERATIONS`]); absent from older agents.
    #[serde(default)]
    pub supports: Vec<String>,
}

/// Operations for the agent, with the connections they use.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentWork {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub operations: Vec<AgentOperation>,
    /// Each connection the operations name, by [`AgentOperation::connection`].
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub connections: BTreeMap<String, AgentConnection>,
}

/// One operation on one target, to execute once and acknowledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentOperation {
    /// Unique across server restarts; acknowledge it in an [`AgentResult`].
    pub id: String,
    /// How many times it has been handed out: above 1, an earlier attempt may
    /// have been applied, so the agent makes sure it is not applied twice.
    pub delivery: u32,
    /// The job it is done for (its name), for the agent's log.
    pub job: String,
    /// The key of its connection in [`AgentWork::connections`].
    pub connection: String,
    pub request: AgentRequest,
}

/// How the agent reaches a target: the job's target (secrets masked) and
/// the secrets apart, by their place in the definition (`target.bind_password`).
/// Its key changes whenever either changes, so the agent reconnects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConnection {
    pub target: Target,
    pub secrets: BTreeMap<String, Secret>,
}

/// What to do: one call of the server's connector interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AgentRequest {
    TestConnection,
    Find {
        kind: SourceKind,
        attribute: String,
        value: WireValue,
    },
    Read {
        kind: SourceKind,
        id: String,
    },
    /// `probe` is the job's matching attribute: on a repeated delivery the
    /// agent first looks for an object with the created value of it.
    Create {
        kind: SourceKind,
        attributes: WireAttributes,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        probe: Option<String>,
    },
    Update {
        kind: SourceKind,
        id: String,
        changes: Vec<WireChange>,
    },
    Disable {
        kind: SourceKind,
        id: String,
    },
    Delete {
        kind: SourceKind,
        id: String,
    },
    AddMembers {
        group_id: String,
        member_ids: Vec<String>,
    },
    RemoveMembers {
        group_id: String,
        member_ids: Vec<String>,
    },
    ValueExists {
        kind: SourceKind,
        attribute: String,
        value: WireValue,
    },
    /// For each value, the objects whose attribute equals it: answered by
    /// [`AgentReply::FoundMany`], one list per value in the same order. Only
    /// for agents that announce [`FIND_MANY`].
    FindMany {
        kind: SourceKind,
        attribute: String,
        values: Vec<WireValue>,
    },
    /// An operation of a newer server that this agent does not know: it
    /// answers [`AgentFailure::Unsupported`] and goes on with the others.
    #[serde(other)]
    Unknown,
}

impl AgentRequest {
    /// The name of the operation in [`AgentPoll::supports`] an agent must
    /// announce to be sent this one; `None` for the first protocol's.
    pub fn requires(&self) -> Option<&'static str> {
        match self {
            AgentRequest::FindMany { .. } => Some(FIND_MANY),
            _ => None,
        }
    }

    /// The operation's name, for logs.
    pub fn name(&self) -> &'static str {
        match self {
            AgentRequest::FindMany { .. } => "find many",
            AgentRequest::Unknown => "unknown",
            AgentRequest::TestConnection => "test connection",
            AgentRequest::Find { .. } => "find",
            AgentRequest::Read { .. } => "read",
            AgentRequest::Create { .. } => "create",
            AgentRequest::Update { .. } => "update",
            AgentRequest::Disable { .. } => "disable",
            AgentRequest::Delete { .. } => "delete",
            AgentRequest::AddMembers { .. } => "add members",
            AgentRequest::RemoveMembers { .. } => "remove members",
            AgentRequest::ValueExists { .. } => "value exists",
        }
    }
}

/// Completed operations, acknowledged. Sending a result twice is harmless.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentResults {
    pub session: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub results: Vec<AgentResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentResult {
    pub id: String,
    pub outcome: AgentOutcome,
}

/// What an operation came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AgentOutcome {
    Done { reply: AgentReply },
    Failed { failure: AgentFailure },
}

/// What a successful operation returns, by operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum AgentReply {
    /// Test connection, update, disable, delete, member changes.
    Done,
    Found {
        objects: Vec<WireObject>,
    },
    Read {
        object: Option<WireObject>,
    },
    Created {
        object: WireObject,
    },
    Exists {
        exists: bool,
    },
    /// Find many: the objects of each value, in the order of the values.
    FoundMany {
        objects: Vec<Vec<WireObject>>,
    },
}

/// Why an operation failed, as the server's connector errors say it (the
/// variant decides quarantine, escrow or a permanent failure).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentFailure {
    InvalidCredentials {
        status: u16,
    },
    Incompatible {
        detail: String,
    },
    NotFound {
        detail: String,
    },
    Conflict {
        #[serde(default)]
        scim_type: Option<String>,
        detail: String,
    },
    Throttled {
        #[serde(default)]
        retry_after_seconds: Option<u64>,
    },
    Transient {
        detail: String,
    },
    Rejected {
        status: u16,
        #[serde(default)]
        scim_type: Option<String>,
        detail: String,
    },
    Invalid {
        detail: String,
    },
    /// The agent does not know the operation (it is older than the server,
    /// or the server sent it without checking [`AgentPoll::supports`]).
    Unsupported {
        detail: String,
    },
}

/// The acknowledgement of [`AgentResults`]: how many results answered an
/// operation still waiting for one (the rest came too late or twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultsAccepted {
    pub accepted: u32,
}

/// An agent as administrators see it: known from its tokens, from jobs that
/// route through it, or from having polled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSummary {
    pub name: String,
    /// Polling now, or polled within [`CONNECTED_WITHIN_SECONDS`].
    pub connected: bool,
    /// The last poll or result (RFC 3339, UTC); `None` when it never called.
    pub last_contact_at: Option<String>,
    /// Since when the current (or last) agent process has been polling.
    pub connected_since: Option<String>,
    pub version: Option<String>,
    pub host: Option<String>,
    /// Operations waiting for the agent to take them.
    pub operations_queued: u32,
    /// Operations the agent has taken and not yet acknowledged.
    pub operations_in_progress: u32,
    /// The jobs whose target names this agent in `via_agent`.
    pub jobs: Vec<String>,
    /// Unrevoked agent tokens for it.
    pub tokens: u32,
}

/// A target object on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireObject {
    pub id: String,
    pub attributes: WireAttributes,
}

/// Target attributes on the wire, keyed by target path.
pub type WireAttributes = BTreeMap<String, WireValue>;

/// One attribute change on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireChange {
    pub path: String,
    pub old: WireValue,
    pub new: WireValue,
    /// See [`AttributeChange::add_only`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_only: bool,
}

/// An attribute [`Value`] with its type written out, so it comes back as
/// the same variant (plain JSON would turn references and date-times into
/// strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum WireValue {
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    DateTime(DateTime<Utc>),
    Reference(String),
    Complex(BTreeMap<String, WireValue>),
    Multi(Vec<WireValue>),
}

impl From<&Value> for WireValue {
    fn from(value: &Value) -> Self {
        match value {
            Value::Null => WireValue::Null,
            Value::Bool(b) => WireValue::Bool(*b),
            Value::Int(i) => WireValue::Int(*i),
            Value::Str(s) => WireValue::Str(s.clone()),
            Value::DateTime(t) => WireValue::DateTime(*t),
            Value::Reference(id) => WireValue::Reference(id.clone()),
            Value::Complex(fields) => WireValue::Complex(fields.iter().map(|(k, v)| (k.clone(), v.into())).collect()),
            Value::Multi(items) => WireValue::Multi(items.iter().map(Into::into).collect()),
        }
    }
}

impl From<WireValue> for Value {
    fn from(value: WireValue) -> Self {
        match value {
            WireValue::Null => Value::Null,
            WireValue::Bool(b) => Value::Bool(b),
            WireValue::Int(i) => Value::Int(i),
            WireValue::Str(s) => Value::Str(s),
            WireValue::DateTime(t) => Value::DateTime(t),
            WireValue::Reference(id) => Value::Reference(id),
            WireValue::Complex(fields) => Value::Complex(fields.into_iter().map(|(k, v)| (k, v.into())).collect()),
            WireValue::Multi(items) => Value::Multi(items.into_iter().map(Into::into).collect()),
        }
    }
}

/// Target attributes for the wire.
pub fn wire_attributes(attributes: &TargetAttributes) -> WireAttributes {
    attributes
        .iter()
        .map(|(path, value)| (path.clone(), value.into()))
        .collect()
}

/// Target attributes from the wire.
pub fn target_attributes(attributes: WireAttributes) -> TargetAttributes {
    attributes
        .into_iter()
        .map(|(path, value)| (path, value.into()))
        .collect()
}

impl From<&TargetObject> for WireObject {
    fn from(object: &TargetObject) -> Self {
        WireObject {
            id: object.id.clone(),
            attributes: wire_attributes(&object.attributes),
        }
    }
}

impl From<WireObject> for TargetObject {
    fn from(object: WireObject) -> Self {
        TargetObject {
            id: object.id,
            attributes: target_attributes(object.attributes),
        }
    }
}

impl From<&AttributeChange> for WireChange {
    fn from(change: &AttributeChange) -> Self {
        WireChange {
            path: change.path.to_string(),
            old: (&change.old).into(),
            new: (&change.new).into(),
            add_only: change.add_only,
        }
    }
}

impl From<WireChange> for AttributeChange {
    fn from(change: WireChange) -> Self {
        AttributeChange {
            path: Arc::from(change.path),
            old: change.old.into(),
            new: change.new.into(),
            add_only: change.add_only,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn values_keep_their_type_through_json() {
        let value = Value::Multi(vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-7),
            Value::str("text"),
            Value::DateTime("2026-11-27T10:00:00Z".parse().unwrap()),
            Value::Reference("uuid-1".into()),
            Value::Complex(BTreeMap::from([(
                "value".to_owned(),
                Value::Reference("uuid-2".into()),
            )])),
        ]);
        let json = serde_json::to_string(&WireValue::from(&value)).unwrap();
        let back: WireValue = serde_json::from_str(&json).unwrap();
        assert_eq!(Value::from(back), value);
    }

    #[test]
    fn requests_and_outcomes_round_trip() {
        let request = AgentRequest::Create {
            kind: SourceKind::User,
            attributes: wire_attributes(&TargetAttributes::from([("uid".to_owned(), Value::str("zoe"))])),
            probe: Some("uid".into()),
        };
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["op"], "create");
        assert_eq!(serde_json::from_value::<AgentRequest>(json).unwrap(), request);
        let outcome = AgentOutcome::Failed {
            failure: AgentFailure::Throttled {
                retry_after_seconds: Some(3),
            },
        };
        let json = serde_json::to_value(&outcome).unwrap();
        assert_eq!(json["outcome"], "failed");
        assert_eq!(json["failure"]["kind"], "throttled");
        assert_eq!(serde_json::from_value::<AgentOutcome>(json).unwrap(), outcome);
    }

    #[test]
    fn find_many_needs_an_agent_that_announces_it() {
        let request = AgentRequest::FindMany {
            kind: SourceKind::User,
            attribute: "uid".into(),
            values: vec![WireValue::Str("zoe".into()), WireValue::Str("ann".into())],
        };
        assert_eq!(request.requires(), Some(FIND_MANY));
        assert!(AGENT_OPERATIONS.contains(&FIND_MANY));
        assert_eq!(AgentRequest::TestConnection.requires(), None);
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(json["op"], "find_many");
        assert_eq!(serde_json::from_value::<AgentRequest>(json).unwrap(), request);
    }

    #[test]
    fn an_operation_of_a_newer_server_is_read_as_unknown() {
        let json = serde_json::json!({"op": "bulk_create", "kind": "user", "objects": []});
        assert_eq!(
            serde_json::from_value::<AgentRequest>(json).unwrap(),
            AgentRequest::Unknown
        );
        // A poll of an agent older than `supports` announces nothing.
        let poll: AgentPoll = serde_json::from_value(serde_json::json!({
            "session": "s", "version": "0.1.0", "host": "h", "working": []
        }))
        .unwrap();
        assert!(poll.supports.is_empty());
    }

    #[test]
    fn connection_secrets_travel_in_clear_but_never_print() {
        let connection = AgentConnection {
            target: Target::Directory,
            secrets: BTreeMap::from([("target.bind_password".to_owned(), Secret::new("s3cret"))]),
        };
        assert!(serde_json::to_string(&connection).unwrap().contains("s3cret"));
        assert!(!format!("{connection:?}").contains("s3cret"));
    }
}
