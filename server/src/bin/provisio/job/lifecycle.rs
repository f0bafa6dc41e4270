//! `provisio job start|stop|restart NAME`: records what a job should do,
//! as the admin API's `POST /api/v1/jobs/{id}/start|stop|restart` does,
//! through a running server or on the database (the server's scheduler
//! picks a change up within seconds either way). Says what changed, or
//! that nothing did.

use provisio_api::jobs::{JobDetail, JobState, job_path, job_restart_path, job_start_path, job_stop_path};
use provisio_server::jobs::{JobError, Jobs, StateChange};
use provisio_server::secrets::SecretBox;
use provisio_server::store::Store;

use crate::admin::{Stop, human_time};
use crate::via::Backend;

/// Applies `change` to the job `name` (its id or name, any case); the line to print.
pub async fn change(backend: &Backend, name: &str, change: StateChange) -> Result<String, Stop> {
    let (before, after) = match backend {
        Backend::Server(remote) => {
            let before: JobDetail = remote.get(&job_path(name)).await?;
            let path = match change {
                StateChange::Start => job_start_path(name),
                StateChange::Stop => job_stop_path(name),
                StateChange::Restart => job_restart_path(name),
            };
            let after: JobDetail = remote.post(&path, &serde_json::json!({})).await?;
            (before.state, after)
        }
        Backend::Database(store) => {
            let jobs = jobs(store)?;
            let before = jobs.get(name).await.map_err(job_error)?;
            let after = jobs.change_state(&before.id, change).await.map_err(job_error)?;
            (before.state, after)
        }
    };
    Ok(said(change, before, &after))
}

/// The jobs of a store, for reading and changing state: neither touches a
/// secret, so no key is needed.
pub fn jobs(store: &Store) -> Result<Jobs, Stop> {
    let secrets = SecretBox::ephemeral().map_err(|e| Stop::Failed(format!("error: {e}")))?;
    Ok(Jobs::new(store.clone(), secrets))
}

/// A job that is not there is the caller's mistake (exit 2); the rest are failures.
pub fn job_error(error: JobError) -> Stop {
    match error {
        JobError::NotFound { .. } => Stop::Input(format!("error: {error}")),
        other => Stop::Failed(format!("error: {other}")),
    }
}

fn said(change: StateChange, before: JobState, after: &JobDetail) -> String {
    let name = &after.definition.name;
    match (change, before) {
        (StateChange::Start, JobState::Running) => format!("job {name} was already running: nothing changed\n"),
        (StateChange::Start, _) => {
            format!("started job {name}: it provisions on its schedule (provisio job status {name:?} follows it)\n")
        }
        (StateChange::Stop, JobState::Stopped) => format!("job {name} was already stopped: nothing changed\n"),
        (StateChange::Stop, _) => {
            format!("stopped job {name}: no new cycle starts, and a cycle under way ends after its current page\n")
        }
        (StateChange::Restart, _) => format!(
            "restarted job {name} (requested at {}): its progress is forgotten and its next cycle is an \
             initial one\n",
            after
                .restart_requested_at
                .as_deref()
                .map_or_else(|| "now".to_owned(), human_time)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(state: JobState) -> JobDetail {
        let definition = provisio_engine::job::parse(
            r#"{"name": "Acme", "target": {"kind": "directory"}, "objects": []}"#,
            provisio_engine::job::Format::Json,
        )
        .unwrap();
        JobDetail {
            id: "j-1".to_owned(),
            definition,
            secrets: Default::default(),
            state,
            version: 1,
            created_at: "2026-11-26T09:00:00Z".to_owned(),
            modified_at: "2026-11-26T09:00:00Z".to_owned(),
            state_changed_at: "2026-11-26T09:00:00Z".to_owned(),
            restart_requested_at: Some("2026-11-26T09:30:00.000Z".to_owned()),
            connection_changed_at: None,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn each_change_says_what_it_did_or_that_nothing_changed() {
        let running = detail(JobState::Running);
        let stopped = detail(JobState::Stopped);
        assert!(said(StateChange::Start, JobState::Stopped, &running).starts_with("started job Acme:"));
        assert_eq!(
            said(StateChange::Start, JobState::Running, &running),
            "job Acme was already running: nothing changed\n"
        );
        assert!(said(StateChange::Stop, JobState::Running, &stopped).starts_with("stopped job Acme:"));
        assert_eq!(
            said(StateChange::Stop, JobState::Stopped, &stopped),
            "job Acme was already stopped: nothing changed\n"
        );
        assert!(
            said(StateChange::Restart, JobState::Running, &running)
                .starts_with("restarted job Acme (requested at 2026-11-26 09:30:00 UTC)")
        );
    }
}
