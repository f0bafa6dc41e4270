//! LDAP targets: being written (issue 8); until then a job with one is
//! refused with a clear error.

use std::sync::Arc;

use provisio_engine::job::LdapTarget;

use super::{Connector, ConnectorError};

pub async fn connect(_target: &LdapTarget) -> Result<Arc<dyn Connector>, ConnectorError> {
    Err(ConnectorError::Incompatible {
        detail: "LDAP targets are not available in this version".into(),
    })
}
