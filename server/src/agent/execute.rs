//! Executing one operation next to its target: the connector for the
//! operation's connection (built once, rebuilt when the job's target or a
//! secret changes), the call, and the care an operation handed out more
//! than once needs. Only creating is not naturally repeatable: updates
//! replace values, member changes compare with the group first, and a
//! delete that finds nothing left is done. So a repeated create first looks
//! for the object by the job's matching attribute.

use std::collections::HashMap;
use std::sync::Arc;

use provisio_api::agents::{
    AgentConnection, AgentFailure, AgentOperation, AgentOutcome, AgentReply, AgentRequest, WireObject,
    target_attributes,
};
use provisio_engine::Value;
use provisio_engine::job::{Secret, SourceKind};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::TargetAttributes;
use tokio::sync::Mutex;

use crate::jobs::target_secret_slots;
use provisio_connectors::{Connector, ConnectorError, TargetPolicy, connect};

/// Connections kept open at most; beyond, the oldest ones are dropped.
const MAX_CONNECTIONS: usize = 32;

/// The agent's connectors, by connection key, and what they may reach.
#[derive(Default)]
pub struct Executor {
    connectors: Mutex<HashMap<String, Arc<dyn Connector>>>,
    policy: TargetPolicy,
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor").finish_non_exhaustive()
    }
}

impl Executor {
    pub fn new(policy: TargetPolicy) -> Executor {
        Executor {
            connectors: Mutex::default(),
            policy,
        }
    }

    /// Executes the operation and says how it went; never panics on a
    /// target's answer, and never puts a secret in a message.
    pub async fn execute(&self, operation: &AgentOperation, connection: Option<&AgentConnection>) -> AgentOutcome {
        if operation.request == AgentRequest::Unknown {
            // A newer server's operation: refused alone, the others go on.
            return AgentOutcome::Failed {
                failure: AgentFailure::Unsupported {
                    detail: format!(
                        "the agent (version {}) does not know this operation: update it to the server's version",
                        provisio_api::VERSION
                    ),
                },
            };
        }
        let outcome = match connection {
            Some(connection) => match self.connector(&operation.connection, connection).await {
                Ok(connector) => run(connector.as_ref(), operation).await,
                Err(error) => Err(error),
            },
            None => Err(ConnectorError::Invalid {
                detail: format!("the server sent no connection `{}`", operation.connection),
            }),
        };
        match outcome {
            Ok(reply) => AgentOutcome::Done { reply },
            Err(error) => {
                if error.quarantines() {
                    // A connection that failed this way is not worth keeping.
                    self.connectors.lock().await.remove(&operation.connection);
                }
                AgentOutcome::Failed {
                    failure: crate::targets::via_agent::failure_of(&error),
                }
            }
        }
    }

    async fn connector(&self, key: &str, connection: &AgentConnection) -> Result<Arc<dyn Connector>, ConnectorError> {
        let mut connectors = self.connectors.lock().await;
        if let Some(connector) = connectors.get(key) {
            return Ok(connector.clone());
        }
        let mut target = connection.target.clone();
        for (name, slot) in target_secret_slots(&mut target) {
            *slot = connection.secrets.get(name).map(|secret| Secret::new(secret.expose()));
        }
        let connector = connect(&target, &self.policy).await?;
        if connectors.len() >= MAX_CONNECTIONS {
            connectors.clear();
        }
        connectors.insert(key.to_owned(), connector.clone());
        Ok(connector)
    }
}

async fn run(connector: &dyn Connector, operation: &AgentOperation) -> Result<AgentReply, ConnectorError> {
    let repeated = operation.delivery > 1;
    Ok(match &operation.request {
        AgentRequest::TestConnection => {
            connector.test_connection().await?;
            AgentReply::Done
        }
        AgentRequest::Find { kind, attribute, value } => {
            let objects = connector.find(*kind, attribute, &value.clone().into()).await?;
            AgentReply::Found {
                objects: objects.iter().map(WireObject::from).collect(),
            }
        }
        AgentRequest::Read { kind, id } => AgentReply::Read {
            object: connector.read(*kind, id).await?.as_ref().map(WireObject::from),
        },
        AgentRequest::Create {
            kind,
            attributes,
            probe,
        } => {
            let attributes = target_attributes(attributes.clone());
            let earlier = match probe {
                Some(probe) if repeated => created_earlier(connector, *kind, probe, &attributes).await?,
                _ => None,
            };
            let object = match earlier {
                Some(object) => object,
                None => connector.create(*kind, &attributes).await?,
            };
            AgentReply::Created {
                object: WireObject::from(&object),
            }
        }
        AgentRequest::Update { kind, id, changes } => {
            let changes: Vec<_> = changes.iter().cloned().map(Into::into).collect();
            connector.update(*kind, id, &changes).await?;
            AgentReply::Done
        }
        AgentRequest::Disable { kind, id } => {
            connector.disable(*kind, id).await?;
            AgentReply::Done
        }
        AgentRequest::Delete { kind, id } => match connector.delete(*kind, id).await {
            Err(ConnectorError::NotFound { .. }) if repeated => AgentReply::Done,
            outcome => outcome.map(|()| AgentReply::Done)?,
        },
        AgentRequest::AddMembers { group_id, member_ids } => {
            connector.add_members(group_id, member_ids).await?;
            AgentReply::Done
        }
        AgentRequest::RemoveMembers { group_id, member_ids } => {
            connector.remove_members(group_id, member_ids).await?;
            AgentReply::Done
        }
        AgentRequest::ValueExists { kind, attribute, value } => AgentReply::Exists {
            exists: connector.value_exists(*kind, attribute, &value.clone().into()).await?,
        },
        AgentRequest::FindMany {
            kind,
            attribute,
            values,
        } => {
            let values: Vec<Value> = values.iter().cloned().map(Into::into).collect();
            let found = connector.find_many(*kind, attribute, &values).await?;
            AgentReply::FoundMany {
                objects: found
                    .iter()
                    .map(|objects| objects.iter().map(WireObject::from).collect())
                    .collect(),
            }
        }
        AgentRequest::Unknown => {
            return Err(ConnectorError::Incompatible {
                detail: "the agent does not know this operation".into(),
            });
        }
    })
}

/// The object an earlier delivery of this create made, found by the job's
/// matching attribute; `None` when there is none (or nothing to look by).
async fn created_earlier(
    connector: &dyn Connector,
    kind: SourceKind,
    probe: &str,
    attributes: &TargetAttributes,
) -> Result<Option<TargetObject>, ConnectorError> {
    let Some(value) = attributes.get(probe).filter(|v| !Value::is_null_or_empty(v)) else {
        return Ok(None);
    };
    let mut found = connector.find(kind, probe, value).await?;
    if found.len() > 1 {
        return Err(ConnectorError::Conflict {
            scim_type: None,
            detail: format!("{} objects already have this {probe}", found.len()),
        });
    }
    Ok(found.pop())
}
