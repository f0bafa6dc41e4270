//! What `job apply` adds when the job it replaced is quarantined: whether
//! the change lets it try again at once, or when it will and how to make it
//! try now.

use chrono::{DateTime, Utc};
use provisio_api::jobs::status::RunStatus;
use provisio_api::jobs::{JobDetail, JobState, JobStatus};
use provisio_server::cycle::run::retries_quarantine_at_once;
use provisio_server::cycle::state::StatusRecord;
use provisio_server::store::Store;

use crate::remote::Remote;

/// [`note`] with the job's run record read from the database (nothing when
/// it cannot be read: the job itself was applied).
pub(super) async fn from_database(store: &Store, job: &JobDetail, starting: bool) -> String {
    match store.cycle_state(&job.id).status().await {
        Ok(record) => note(&record, job, starting),
        Err(_) => String::new(),
    }
}

/// [`note`] with the job's status read from the server.
pub(super) async fn from_server(remote: &Remote, job: &JobDetail, starting: bool) -> String {
    let path = provisio_api::jobs::status::job_status_path(&job.id);
    match remote.get::<JobStatus>(&path).await {
        Ok(status) => note(&record_of(&status), job, starting),
        Err(_) => String::new(),
    }
}

/// The part of a run record the note needs, from the API's status.
fn record_of(status: &JobStatus) -> StatusRecord {
    let quarantine = status.quarantine.as_ref();
    let started = status
        .current_cycle
        .as_ref()
        .and_then(|c| c.started_at.as_deref())
        .or_else(|| status.last_cycle.as_ref().and_then(|c| c.started_at.as_deref()));
    StatusRecord {
        status: status.run_status,
        quarantine_reason: quarantine.and_then(|q| q.reason.clone()),
        quarantined_since: time(quarantine.and_then(|q| q.since.as_deref())),
        next_retry_at: time(quarantine.and_then(|q| q.next_retry_at.as_deref())),
        last_cycle_started_at: time(started),
        ..StatusRecord::default()
    }
}

fn time(text: Option<&str>) -> Option<DateTime<Utc>> {
    text.and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

/// The lines to print after "replaced job …" (empty when the job is not
/// quarantined); `starting` when the command starts the job next.
fn note(status: &StatusRecord, job: &JobDetail, starting: bool) -> String {
    if status.status != RunStatus::Quarantined {
        return String::new();
    }
    let name = &job.definition.name;
    let changed = time(job.connection_changed_at.as_deref());
    let reason = status.quarantine_reason.as_deref().unwrap_or("no reason recorded");
    if retries_quarantine_at_once(status, changed) {
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
