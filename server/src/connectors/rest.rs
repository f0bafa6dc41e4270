//! REST targets: being written (issue 8); until then a job with one is
//! refused with a clear error.

use std::sync::Arc;

use provisio_engine::job::RestTarget;

use super::{Connector, ConnectorError};

pub async fn connect(_target: &RestTarget) -> Result<Arc<dyn Connector>, ConnectorError> {
    Err(ConnectorError::Incompatible {
        detail: "REST targets are not available in this version".into(),
    })
}
