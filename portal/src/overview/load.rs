//! What the overview asks the API: the jobs, then each one's status.

use provisio_api::jobs::status::{JobStatus, RunStatus, job_status_path};
use provisio_api::jobs::{JOBS_PATH, JobSummary};

use crate::api::{self, Failure};

/// One job on the overview: its summary and, unless reading it failed, its status.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOverview {
    pub summary: JobSummary,
    pub status: Result<JobStatus, Failure>,
}

impl JobOverview {
    pub fn is_running(&self) -> bool {
        self.status
            .as_ref()
            .is_ok_and(|s| s.run_status == RunStatus::Running || s.current_cycle.is_some())
    }
}

/// Every job with its status. A job whose status cannot be read is still
/// listed, with the failure shown in its row.
pub async fn jobs() -> Result<Vec<JobOverview>, Failure> {
    let summaries: Vec<JobSummary> = api::get(JOBS_PATH).await?;
    let mut jobs = Vec::with_capacity(summaries.len());
    for summary in summaries {
        let status = api::get(&job_status_path(&summary.id)).await;
        jobs.push(JobOverview { summary, status });
    }
    Ok(jobs)
}
