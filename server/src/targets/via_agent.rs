//! A job's target reached through an on-premises agent (`"via_agent"`):
//! every connector call becomes an operation the agent executes next to the
//! target, queued in the `Relay` and answered by the agent's result. The
//! agent receives the job's target and its secrets, so it needs no
//! configuration of its own beyond the server's address and its token.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use provisio_api::agents::{
    AgentConnection, AgentFailure, AgentOutcome, AgentReply, AgentRequest, WireValue, wire_attributes,
};
use provisio_api::auth::Secret as WireSecret;
use provisio_engine::Value;
use provisio_engine::job::{JobDefinition, SourceKind, Target};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};
use sha2::{Digest as _, Sha256};

use crate::jobs::target_secret_slots;
use crate::relay::{Relay, Unanswered};
use provisio_connectors::{Connector, ConnectorError, ConnectorFuture};

/// How long one operation may take, from queueing to the agent's result.
/// Generous: a group of thousands of members is one operation.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);
/// Values in one find-many operation at most (the agent's connector
/// batches them further for its target).
const FIND_MANY_VALUES: usize = 500;

/// A [`Connector`] whose calls the agent named by the job executes.
#[derive(Debug)]
pub struct AgentConnector {
    relay: Arc<Relay>,
    agent: String,
    job: String,
    connection: (String, Arc<AgentConnection>),
    /// The matching attribute of each object kind, for creates handed out twice.
    probes: Vec<(SourceKind, String)>,
    timeout: Duration,
}

impl AgentConnector {
    /// The connector for a job whose target names `agent` (the definition
    /// with its secrets).
    pub(crate) fn new(relay: Arc<Relay>, agent: &str, definition: &JobDefinition) -> AgentConnector {
        let probes = definition
            .objects
            .iter()
            .filter_map(|object| {
                object
                    .mappings
                    .iter()
                    .filter_map(|m| m.match_precedence.map(|p| (p, &m.target)))
                    .min()
                    .map(|(_, target)| (object.source, target.clone()))
            })
            .collect();
        AgentConnector {
            relay,
            agent: agent.to_owned(),
            job: definition.name.clone(),
            connection: connection(&definition.target),
            probes,
            timeout: OPERATION_TIMEOUT,
        }
    }

    async fn call(&self, request: AgentRequest) -> Result<AgentReply, ConnectorError> {
        let outcome = self
            .relay
            .call(&self.agent, &self.job, self.connection.clone(), request, self.timeout)
            .await
            .map_err(|unanswered| self.unanswered(unanswered))?;
        match outcome {
            AgentOutcome::Done { reply } => Ok(reply),
            AgentOutcome::Failed { failure } => Err(error_of(failure)),
        }
    }

    fn unanswered(&self, unanswered: Unanswered) -> ConnectorError {
        let agent = &self.agent;
        let detail = match unanswered {
            Unanswered::NotConnected { last_contact_at: None } => {
                format!(
                    "the on-premises agent `{agent}` has never connected: start `provisio agent` with a token for it"
                )
            }
            Unanswered::NotConnected {
                last_contact_at: Some(at),
            } => format!(
                "the on-premises agent `{agent}` is not connected (last contact {})",
                at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            Unanswered::TimedOut { handed_out: false } => format!(
                "the on-premises agent `{agent}` did not take the operation within {} s",
                self.timeout.as_secs()
            ),
            Unanswered::TimedOut { handed_out: true } => format!(
                "the on-premises agent `{agent}` did not finish the operation within {} s",
                self.timeout.as_secs()
            ),
            Unanswered::Unsupported { operation } => {
                return ConnectorError::Incompatible {
                    detail: format!(
                        "the on-premises agent `{agent}` does not know the operation `{operation}`: update it"
                    ),
                };
            }
        };
        ConnectorError::Transient { detail }
    }

    /// One find-many operation for these values; `None` when the agent does
    /// not know it (an older agent), so the values are looked up one by one.
    async fn find_chunk(
        &self,
        kind: SourceKind,
        attribute: &str,
        values: &[Value],
    ) -> Result<Option<Vec<Vec<TargetObject>>>, ConnectorError> {
        let request = AgentRequest::FindMany {
            kind,
            attribute: attribute.to_owned(),
            values: values.iter().map(WireValue::from).collect(),
        };
        let outcome = self
            .relay
            .call(&self.agent, &self.job, self.connection.clone(), request, self.timeout)
            .await;
        match outcome {
            Err(Unanswered::Unsupported { .. })
            | Ok(AgentOutcome::Failed {
                failure: AgentFailure::Unsupported { .. },
            }) => Ok(None),
            Err(unanswered) => Err(self.unanswered(unanswered)),
            Ok(AgentOutcome::Failed { failure }) => Err(error_of(failure)),
            Ok(AgentOutcome::Done {
                reply: AgentReply::FoundMany { objects },
            }) if objects.len() == values.len() => Ok(Some(
                objects
                    .into_iter()
                    .map(|found| found.into_iter().map(TargetObject::from).collect())
                    .collect(),
            )),
            Ok(AgentOutcome::Done { reply }) => Err(unexpected(&reply)),
        }
    }

    fn probe(&self, kind: SourceKind) -> Option<String> {
        self.probes
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, attribute)| attribute.clone())
    }
}

/// The target as the agent receives it: secrets apart, and a key that
/// changes whenever the target or a secret does.
fn connection(target: &Target) -> (String, Arc<AgentConnection>) {
    let mut masked = target.clone();
    let secrets: BTreeMap<String, WireSecret> = target_secret_slots(&mut masked)
        .into_iter()
        .filter_map(|(name, slot)| {
            slot.take()
                .map(|secret| (name.to_owned(), WireSecret::new(secret.expose())))
        })
        .collect();
    let connection = AgentConnection {
        target: masked,
        secrets,
    };
    // Serialising the connection writes the secrets in clear: only their hash leaves here.
    let json = serde_json::to_vec(&connection).unwrap_or_default();
    let key = Sha256::digest(&json)
        .iter()
        .take(12)
        .map(|b| format!("{b:02x}"))
        .collect();
    (key, Arc::new(connection))
}

fn unexpected(reply: &AgentReply) -> ConnectorError {
    ConnectorError::Transient {
        detail: format!("the agent answered an operation with an unexpected reply ({reply:?})"),
    }
}

impl Connector for AgentConnector {
    fn test_connection(&self) -> ConnectorFuture<'_, ()> {
        Box::pin(async move { self.call(AgentRequest::TestConnection).await.map(drop) })
    }

    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>> {
        Box::pin(async move {
            let request = AgentRequest::Find {
                kind,
                attribute: target_attribute.to_owned(),
                value: value.into(),
            };
            match self.call(request).await? {
                AgentReply::Found { objects } => Ok(objects.into_iter().map(TargetObject::from).collect()),
                other => Err(unexpected(&other)),
            }
        })
    }

    /// One operation per 500 values, which the agent executes with its
    /// connector's own `find_many`; per-value finds with an older agent.
    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(values.len());
            for chunk in values.chunks(FIND_MANY_VALUES) {
                let answered = if chunk.len() > 1 {
                    self.find_chunk(kind, target_attribute, chunk).await?
                } else {
                    None
                };
                match answered {
                    Some(objects) => found.extend(objects),
                    None => {
                        for value in chunk {
                            found.push(self.find(kind, target_attribute, value).await?);
                        }
                    }
                }
            }
            Ok(found)
        })
    }

    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            match self
                .call(AgentRequest::Read {
                    kind,
                    id: id.to_owned(),
                })
                .await?
            {
                AgentReply::Read { object } => Ok(object.map(TargetObject::from)),
                other => Err(unexpected(&other)),
            }
        })
    }

    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject> {
        Box::pin(async move {
            let request = AgentRequest::Create {
                kind,
                attributes: wire_attributes(attributes),
                probe: self.probe(kind),
            };
            match self.call(request).await? {
                AgentReply::Created { object } => Ok(object.into()),
                other => Err(unexpected(&other)),
            }
        })
    }

    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            let request = AgentRequest::Update {
                kind,
                id: id.to_owned(),
                changes: changes.iter().map(Into::into).collect(),
            };
            self.call(request).await.map(drop)
        })
    }

    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            self.call(AgentRequest::Disable {
                kind,
                id: id.to_owned(),
            })
            .await
            .map(drop)
        })
    }

    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            self.call(AgentRequest::Delete {
                kind,
                id: id.to_owned(),
            })
            .await
            .map(drop)
        })
    }

    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            let request = AgentRequest::AddMembers {
                group_id: group_id.to_owned(),
                member_ids: member_ids.to_vec(),
            };
            self.call(request).await.map(drop)
        })
    }

    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()> {
        Box::pin(async move {
            let request = AgentRequest::RemoveMembers {
                group_id: group_id.to_owned(),
                member_ids: member_ids.to_vec(),
            };
            self.call(request).await.map(drop)
        })
    }

    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool> {
        Box::pin(async move {
            let request = AgentRequest::ValueExists {
                kind,
                attribute: target_attribute.to_owned(),
                value: value.into(),
            };
            match self.call(request).await? {
                AgentReply::Exists { exists } => Ok(exists),
                other => Err(unexpected(&other)),
            }
        })
    }
}

/// An agent's failure as the cycle acts on it (the wire form of a
/// [`ConnectorError`]).
pub(crate) fn error_of(failure: AgentFailure) -> ConnectorError {
    match failure {
        AgentFailure::InvalidCredentials { status } => ConnectorError::InvalidCredentials { status },
        AgentFailure::Incompatible { detail } => ConnectorError::Incompatible { detail },
        AgentFailure::NotFound { detail } => ConnectorError::NotFound { detail },
        AgentFailure::Conflict { scim_type, detail } => ConnectorError::Conflict { scim_type, detail },
        AgentFailure::Throttled { retry_after_seconds } => ConnectorError::Throttled {
            retry_after: retry_after_seconds.map(Duration::from_secs),
        },
        AgentFailure::Transient { detail } => ConnectorError::Transient { detail },
        AgentFailure::Rejected {
            status,
            scim_type,
            detail,
        } => ConnectorError::Rejected {
            status,
            scim_type,
            detail,
        },
        AgentFailure::Invalid { detail } => ConnectorError::Invalid { detail },
        AgentFailure::Unsupported { detail } => ConnectorError::Incompatible { detail },
    }
}

/// A connector's failure as the agent reports it.
pub(crate) fn failure_of(error: &ConnectorError) -> AgentFailure {
    match error.clone() {
        ConnectorError::InvalidCredentials { status } => AgentFailure::InvalidCredentials { status },
        ConnectorError::Incompatible { detail } => AgentFailure::Incompatible { detail },
        ConnectorError::NotFound { detail } => AgentFailure::NotFound { detail },
        ConnectorError::Conflict { scim_type, detail } => AgentFailure::Conflict { scim_type, detail },
        ConnectorError::Throttled { retry_after } => AgentFailure::Throttled {
            retry_after_seconds: retry_after.map(|d| d.as_secs()),
        },
        ConnectorError::Transient { detail } => AgentFailure::Transient { detail },
        ConnectorError::Rejected {
            status,
            scim_type,
            detail,
        } => AgentFailure::Rejected {
            status,
            scim_type,
            detail,
        },
        ConnectorError::Invalid { detail } => AgentFailure::Invalid { detail },
    }
}

#[cfg(test)]
mod tests {
    use provisio_api::agents::{AgentPoll, AgentResult, WireObject};
    use provisio_engine::job::LdapTarget;

    use super::*;

    fn ldap(password: &str) -> Target {
        let mut target: LdapTarget = serde_json::from_value(serde_json::json!({
            "url": "ldap://127.0.0.1:389",
            "bind_dn": "cn=admin,dc=example,dc=org",
            "users_base_dn": "ou=people,dc=example,dc=org",
            "user_object_classes": ["inetOrgPerson"],
            "via_agent": "dc-1",
        }))
        .unwrap();
        target.bind_password = Some(provisio_engine::job::Secret::new(password));
        Target::Ldap(target)
    }

    #[test]
    fn the_agent_gets_the_secret_apart_and_the_key_follows_it() {
        let (key, sent) = connection(&ldap("first"));
        assert_eq!(sent.secrets["target.bind_password"].expose(), "first");
        let Target::Ldap(masked) = &sent.target else { panic!() };
        assert!(masked.bind_password.is_none());
        let (same, _) = connection(&ldap("first"));
        let (changed, _) = connection(&ldap("second"));
        assert_eq!(key, same);
        assert_ne!(key, changed);
        assert!(!key.contains("first"));
    }

    /// A pretend agent polling the relay, announcing `supports`, that
    /// answers each find with one object named after the value and each
    /// find-many likewise; returns the operations it was sent.
    async fn answer_as_agent(relay: Arc<Relay>, supports: Vec<String>, operations: usize) -> Vec<&'static str> {
        let found = |value: &WireValue| WireObject {
            id: format!("{value:?}"),
            attributes: BTreeMap::new(),
        };
        let mut seen = Vec::new();
        while seen.len() < operations {
            let poll = AgentPoll {
                session: "s".into(),
                version: "test".into(),
                host: "here".into(),
                working: Vec::new(),
                supports: supports.clone(),
            };
            let (work, _) = relay.poll("dc-1", &poll, Duration::from_secs(5)).await.unwrap();
            for operation in work.operations {
                seen.push(operation.request.name());
                let reply = match &operation.request {
                    AgentRequest::Find { value, .. } => AgentReply::Found {
                        objects: vec![found(value)],
                    },
                    AgentRequest::FindMany { values, .. } => AgentReply::FoundMany {
                        objects: values.iter().map(|v| vec![found(v)]).collect(),
                    },
                    other => panic!("unexpected {other:?}"),
                };
                let result = AgentResult {
                    id: operation.id,
                    outcome: AgentOutcome::Done { reply },
                };
                relay.complete("dc-1", "s", vec![result]);
            }
        }
        seen
    }

    fn connector(relay: Arc<Relay>) -> AgentConnector {
        let definition: JobDefinition = serde_json::from_value(serde_json::json!({
            "name": "LDAP", "target": {"kind": "ldap", "url": "ldap://127.0.0.1:389",
            "bind_dn": "cn=admin,dc=example,dc=org", "users_base_dn": "ou=people,dc=example,dc=org",
            "user_object_classes": ["inetOrgPerson"], "via_agent": "dc-1"}, "objects": []
        }))
        .unwrap();
        AgentConnector::new(relay, "dc-1", &definition)
    }

    async fn find_many_with(supports: &[&str]) -> (Vec<Vec<String>>, Vec<&'static str>) {
        let relay = Arc::new(Relay::new());
        let supports: Vec<String> = supports.iter().map(|s| (*s).to_owned()).collect();
        // The agent's first poll, so it counts as connected.
        let first = AgentPoll {
            session: "s".into(),
            version: "test".into(),
            host: "here".into(),
            working: Vec::new(),
            supports: supports.clone(),
        };
        relay.poll("dc-1", &first, Duration::from_millis(1)).await.unwrap();
        let values = vec![Value::str("a"), Value::str("b"), Value::str("c")];
        let expected_operations = if supports.is_empty() { 3 } else { 1 };
        let agent = tokio::spawn(answer_as_agent(relay.clone(), supports, expected_operations));
        let found = connector(relay)
            .find_many(SourceKind::User, "uid", &values)
            .await
            .unwrap();
        let ids = found.iter().map(|f| f.iter().map(|o| o.id.clone()).collect()).collect();
        (ids, agent.await.unwrap())
    }

    #[tokio::test]
    async fn find_many_is_one_operation_for_an_agent_that_announces_it() {
        let (found, operations) = find_many_with(provisio_api::agents::AGENT_OPERATIONS).await;
        assert_eq!(operations, ["find many"]);
        assert_eq!(found, [[r#"Str("a")"#], [r#"Str("b")"#], [r#"Str("c")"#]]);
    }

    #[tokio::test]
    async fn an_older_agent_gets_one_find_per_value() {
        let (found, operations) = find_many_with(&[]).await;
        assert_eq!(operations, ["find", "find", "find"]);
        assert_eq!(found, [[r#"Str("a")"#], [r#"Str("b")"#], [r#"Str("c")"#]]);
    }

    #[test]
    fn failures_cross_the_wire_unchanged() {
        let errors = [
            ConnectorError::InvalidCredentials { status: 49 },
            ConnectorError::Conflict {
                scim_type: None,
                detail: "entry exists".into(),
            },
            ConnectorError::Throttled {
                retry_after: Some(Duration::from_secs(4)),
            },
            ConnectorError::Transient { detail: "down".into() },
        ];
        for error in errors {
            assert_eq!(error_of(failure_of(&error)), error);
        }
    }
}
