//! How the server reaches a job's target: a connector of
//! [`provisio_connectors`] for the targets it reaches itself, Provisio's
//! own directory for inbound jobs ([`directory`]), and the relay to an
//! on-premises agent for targets behind one ([`via_agent`]).

pub mod directory;
pub mod via_agent;

use std::sync::Arc;

use provisio_connectors::{Connector, ConnectorError};
use provisio_engine::job::{JobDefinition, Target};

use crate::jobs::Reach;
use crate::store::Store;

/// The connector for a job's target (its definition with secrets): the
/// directory (inbound jobs), the on-premises agent the target names in
/// `via_agent`, or a connector this server runs under its target policy.
pub async fn connect(
    store: &Store,
    definition: &JobDefinition,
    reach: &Reach,
) -> Result<Arc<dyn Connector>, ConnectorError> {
    if let Some(agent) = definition.target.via_agent() {
        return Ok(Arc::new(via_agent::AgentConnector::new(
            reach.relay.clone(),
            agent,
            definition,
        )));
    }
    match &definition.target {
        Target::Directory => Ok(Arc::new(directory::DirectoryConnector::new(store.clone()))),
        target => provisio_connectors::connect(target, &reach.policy).await,
    }
}
