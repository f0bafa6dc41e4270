//! What `job apply` adds when the job it replaced is quarantined: whether
//! the change lets it try again at once, or when it will and how to make it
//! try now.

use chrono::{DateTime, Utc};
use provisio_api::jobs::status::RunStatus;
use provisio_api::jobs::{JobDetail, JobState};
use provisio_server::cycle::run::retries_quarantine_at_once;
use provisio_server::store::Store;

/// The lines to print after "replaced job …" (empty when the job is not
/// quarantined, or its state cannot be read: the job itself was applied);
/// `starting` when the command starts the job next.
pub(super) async fn quarantine_note(store: &Store, job: &JobDetail, starting: bool) -> String {
    let Ok(status) = store.cycle_state(&job.id).status().await else {
        return String::new();
    };
    if status.status != RunStatus::Quarantined {
        return String::new();
    }
    let name = &job.definition.name;
    let changed = job
        .connection_changed_at
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let reason = status.quarantine_reason.as_deref().unwrap_or("no reason recorded");
    if retries_quarantine_at_once(&status, changed) {
        let when = if starting || job.state == JobState::Running {
            "at once".to_owned()
        } else {
            format!("as soon as it is started (`provisio job start {name}`)")
        };
        return format!(
            "\nthe job was quarantined because the application refused it; with the new connection it tries \
             again {when}"
        );
    }
    let next = status.next_retry_at.map_or_else(
        || "its next retry".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    );
    format!(
        "\nthe job is still quarantined ({reason}); it tries again at {next}, or now with `provisio job restart \
         {name}` (which also runs an initial cycle)"
    )
}
