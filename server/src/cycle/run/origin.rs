//! Where a run's log entries say they come from (Entra's `initiatedBy`,
//! `sourceSystem` and `targetSystem`): the administrator or token acting
//! in the current task (an on-demand run, an approval), else the system;
//! the directory and the application, one way or the other.

use provisio_api::jobs::target_kind;
use provisio_engine::job::{Direction, JobDefinition};

use crate::logs::{Identity, Initiator, RunInfo};

/// The directory, as log entries name it.
fn directory() -> Identity {
    Identity::new("directory", "Provisio directory")
}

/// `run` with who started it and the systems it goes between.
pub(super) fn of_run(run: RunInfo, definition: &JobDefinition) -> RunInfo {
    let initiated_by = crate::audit::acting()
        .map(|actor| Initiator {
            kind: actor.kind.as_str().to_owned(),
            name: actor.name,
        })
        .unwrap_or_default();
    let (source, target) = match definition.direction {
        Direction::Outbound => (
            directory(),
            Identity::new(
                &run.job_id,
                format!("{} ({})", definition.name, target_kind(definition)),
            ),
        ),
        Direction::Inbound => (
            Identity::new(&run.job_id, format!("{} (API-driven inbound)", definition.name)),
            directory(),
        ),
    };
    run.with_origin(initiated_by, source, target)
}
