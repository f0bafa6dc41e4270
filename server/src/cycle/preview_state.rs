//! What the portal's whole-cycle preview reads from the server: each source
//! object's link and, when asked, its linked object read from the
//! application through the job's connector (an agent's too), so the
//! preview decides existing accounts as the next cycle would.

use provisio_api::jobs::preview::{MAX_PREVIEW_OBJECTS, PreviewObject, PreviewState, PreviewStateRequest};
use provisio_connectors::ConnectorError;

use super::run::CycleError;
use crate::jobs::Jobs;
use crate::store::Store;

/// The links (and, with `read_targets`, the target objects) of the
/// request's source objects, in its order.
pub async fn preview_state(
    store: &Store,
    jobs: &Jobs,
    id_or_name: &str,
    request: &PreviewStateRequest,
) -> Result<PreviewState, CycleError> {
    if request.source_ids.len() > MAX_PREVIEW_OBJECTS {
        return Err(CycleError::Invalid(format!(
            "source_ids: at most {MAX_PREVIEW_OBJECTS} objects per request, not {}",
            request.source_ids.len()
        )));
    }
    let job = jobs.get(id_or_name).await?;
    let links = store.cycle_state(&job.id).targets_of(&request.source_ids).await?;
    let connector = if request.read_targets && !links.is_empty() {
        let definition = jobs.definition_with_secrets(&job.id).await?;
        Some(crate::targets::connect(store, &definition, jobs.reach()).await?)
    } else {
        None
    };
    let mut objects = Vec::with_capacity(request.source_ids.len());
    for source_id in &request.source_ids {
        let target_id = links.get(source_id).cloned();
        let mut object = PreviewObject {
            source_id: source_id.clone(),
            target_id: target_id.clone(),
            target: None,
            missing: false,
            error: None,
        };
        if let (Some(connector), Some(target_id)) = (&connector, &target_id) {
            match connector.read(request.kind, target_id).await {
                Ok(Some(found)) => object.target = Some(found),
                Ok(None) => object.missing = true,
                // The application refusing the job itself ends the reading.
                Err(error @ (ConnectorError::InvalidCredentials { .. } | ConnectorError::Incompatible { .. })) => {
                    return Err(CycleError::Connector(error));
                }
                Err(error) => object.error = Some(error.to_string()),
            }
        }
        objects.push(object);
    }
    Ok(PreviewState { objects })
}
