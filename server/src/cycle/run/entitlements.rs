//! A run's view of its job's assignments: read once when the run opens
//! (only for jobs scoped to them or reading app roles) and applied to each
//! live object by the engine's [`Entitlements`], with the groups a user
//! belongs to directly read from the directory when they matter.

use provisio_api::jobs::PrincipalType;
use provisio_engine::job::{JobDefinition, SourceKind};
use provisio_engine::plan::{Entitlements, RoleAssignment};

use super::CycleError;
use crate::jobs::Jobs;
use crate::store::Store;

/// The job's entitlements: none read when the job needs none.
pub(super) async fn load(jobs: &Jobs, job_id: &str, definition: &JobDefinition) -> Result<Entitlements, CycleError> {
    if !Entitlements::needed_by(definition) {
        return Ok(Entitlements::new(definition, []));
    }
    let assignments = jobs.assignments(job_id).await?.into_iter().map(|a| RoleAssignment {
        kind: match a.kind {
            PrincipalType::User => SourceKind::User,
            PrincipalType::Group => SourceKind::Group,
        },
        id: a.id,
        role: a.role,
    });
    Ok(Entitlements::new(definition, assignments))
}

/// Adds `appRoleAssignments` to a live object's attributes when the job
/// reads roles; the answer is whether the object is assigned.
pub(super) async fn fill(
    entitlements: &Entitlements,
    store: &Store,
    kind: SourceKind,
    id: &str,
    attributes: &mut serde_json::Map<String, serde_json::Value>,
) -> Result<bool, CycleError> {
    let groups = if entitlements.needs_groups(kind, id) {
        store.directory().groups_of(id).await?
    } else {
        Vec::new()
    };
    Ok(entitlements.fill(kind, id, groups.iter().map(|(group, _)| group.as_str()), attributes))
}
