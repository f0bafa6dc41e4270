//! An inbound job's worker, started by the scheduler while the job runs:
//! it processes the job's requests oldest first, each to the end, and when
//! none is open waits for the next upload (woken at once by the upload, or
//! after the scheduler's poll at the latest, [`POLL`] by default). A stopped
//! job keeps its requests: they are processed when it is started again. A
//! failure (the database away) is logged and the request tried again after
//! a poll; its records already done stay done.
//!
//! [`POLL`]: crate::cycle::scheduler::POLL

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use provisio_api::jobs::JobState;
use tokio::sync::watch;
use tokio::time::sleep;

use crate::cycle::run::process_inbound_request;
use crate::jobs::{JobError, Jobs};
use crate::store::Store;

/// Runs until the job is stopped or deleted, or no longer this instance's
/// (`moved`), looking at the job and its requests at least every `poll`.
pub async fn run(
    store: Store,
    jobs: Jobs,
    job_id: String,
    mut uploads: watch::Receiver<u64>,
    moved: Arc<AtomicBool>,
    poll: Duration,
) {
    loop {
        if moved.load(Ordering::Relaxed) {
            tracing::info!(job = %job_id, "the inbound job moved to another instance");
            return;
        }
        match jobs.get(&job_id).await {
            Ok(job) if job.state == JobState::Running => {}
            Err(e) if !matches!(e, JobError::NotFound { .. }) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the inbound job");
                sleep(poll).await;
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
                    sleep(poll).await;
                }
            },
            Ok(None) => {
                tokio::select! {
                    _ = uploads.changed() => {}
                    () = sleep(poll) => {}
                }
            }
            Err(e) => {
                tracing::warn!(job = %job_id, error = %e, "could not read the inbound requests");
                sleep(poll).await;
            }
        }
    }
}
