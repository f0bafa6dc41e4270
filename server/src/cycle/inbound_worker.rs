//! An inbound job's worker, started by the scheduler while the job runs:
//! it processes the job's requests oldest first, each to the end, and when
//! none is open waits for the next upload (woken at once by the upload, or
//! after [`POLL`] at the latest). A stopped job keeps its requests: they are
//! processed when it is started again. A failure (the database away) is
//! logged and the request tried again after [`POLL`]; its records already
//! done stay done.

use provisio_api::jobs::JobState;
use tokio::time::sleep;

use crate::cycle::run::process_inbound_request;
use crate::cycle::scheduler::POLL;
use crate::jobs::{JobError, Jobs};
use crate::store::Store;

/// Runs until the job is stopped or deleted.
pub async fn run(store: Store, jobs: Jobs, job_id: String) {
    let mut uploads = store.inbound_notifier().subscribe();
    loop {
        match jobs.get(&job_id).await {
            Ok(job) if job.state == JobState::Running => {}
            Err(e) if !matches!(e, JobError::NotFound { .. }) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the inbound job");
                sleep(POLL).await;
                continue;
            }
            _ => {
                tracing::info!(job = %job_id, "the inbound job is stopped: its uploads wait");
                return;
            }
        }
        uploads.borrow_and_update();
        match store.inbound().next_open(&job_id).await {
            Ok(Some(request)) => match process_inbound_request(&store, &jobs, &job_id, &request).await {
                Ok(report) => tracing::info!(
                    job = %job_id, request = %request, records = report.records,
                    failures = report.failures, references = report.references,
                    "inbound request processed"
                ),
                Err(e) => {
                    tracing::warn!(job = %job_id, request = %request, error = %e, "inbound request not processed; trying again");
                    sleep(POLL).await;
                }
            },
            Ok(None) => {
                tokio::select! {
                    _ = uploads.changed() => {}
                    () = sleep(POLL) => {}
                }
            }
            Err(e) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the inbound requests");
                sleep(POLL).await;
            }
        }
    }
}
