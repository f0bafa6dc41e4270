//! `/api/v1/jobs/{id}/status`: a job's status, read from its row, its cycle
//! state (run record, escrows, staged deletes) and its provisioning logs.
//! Read-only.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, TimeDelta, Utc};
use provisio_api::ApiError;
use provisio_api::jobs::status::{CycleProgress, LastCycle, Quarantine, Unmatched};
use provisio_api::jobs::{JOB_STATUS_PATH, JobStatus};
use provisio_api::logs::LogStatus;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Segments;
use super::{AdminErrors, AppState};
use crate::auth::extract::AdminCaller;
use crate::cycle::state::{RunStatus, StateError, StatusRecord};
use crate::directory::timestamp;
use crate::logs::LogFilter;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(job_status))
}

/// A job's status: its state, where its cycles stand (quarantine,
/// watermark, whether the initial cycle is done, the running cycle's
/// progress), the last finished cycle's figures (duration, counts per
/// action, failures), its escrowed objects and staged deletes, its
/// failures in the last 24 hours, and the objects it cannot match for want
/// of a value.
#[utoipa::path(
    get,
    path = JOB_STATUS_PATH,
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id, or its name.")),
    responses(
        (status = 200, description = "The job's status.", body = JobStatus),
        (status = 404, description = "No job has that id or name.", body = ApiError),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn job_status(
    _caller: AdminCaller,
    State(state): State<AppState>,
    Segments(id): Segments<String>,
) -> Result<Json<JobStatus>, Failure> {
    let job = state.jobs.get(&id).await?;
    let cycles = state.store.cycle_state(&job.id);
    let record = cycles.status().await.map_err(storage)?;
    let escrowed = cycles.escrow_count().await.map_err(storage)?;
    let unmatched = cycles.unmatched().await.map_err(storage)?;
    let since = Utc::now() - TimeDelta::hours(24);
    let failures = state
        .store
        .logs()
        .count(&LogFilter {
            job: Some(job.id.clone()),
            status: Some(LogStatus::Failure),
            since: Some(since),
            ..LogFilter::default()
        })
        .await?;
    Ok(Json(JobStatus {
        id: job.id,
        name: job.definition.name,
        state: job.state,
        run_status: record.status,
        watermark: record.watermark,
        initial_cycle_done: record.initial_done,
        restart_requested_at: job.restart_requested_at,
        quarantine: quarantine(&record),
        current_cycle: current_cycle(&record),
        last_cycle: last_cycle(&record),
        escrowed,
        staged_deletes: record.staged_deletes,
        failures_last_24h: u64::try_from(failures).unwrap_or(u64::MAX),
        unmatched: unmatched
            .into_iter()
            .map(|group| Unmatched::new(group.object_type.as_str(), group.attributes, group.count))
            .collect(),
    }))
}

fn storage(error: StateError) -> Failure {
    Failure::internal(&error)
}

fn time(at: Option<DateTime<Utc>>) -> Option<String> {
    at.map(timestamp)
}

/// Set while quarantined, or while the record still holds a quarantine.
fn quarantine(record: &StatusRecord) -> Option<Quarantine> {
    let held = record.quarantine_reason.is_some() || record.quarantined_since.is_some();
    (record.status == RunStatus::Quarantined || held).then(|| Quarantine {
        reason: record.quarantine_reason.clone(),
        since: time(record.quarantined_since),
        next_retry_at: time(record.next_retry_at),
    })
}

/// The record's cycle while it has not finished.
fn current_cycle(record: &StatusRecord) -> Option<CycleProgress> {
    if record.last_cycle_finished_at.is_some() {
        return None;
    }
    record.last_cycle_id.as_ref().map(|id| CycleProgress {
        cycle_id: id.clone(),
        started_at: time(record.last_cycle_started_at),
        done: record.progress_done,
        total: record.progress_total,
    })
}

/// The last finished cycle. While another runs, the record keeps the
/// finished one's figures but not its id or times.
fn last_cycle(record: &StatusRecord) -> Option<LastCycle> {
    let counts = record.last_cycle_counts.as_ref()?;
    let finished = record.last_cycle_finished_at;
    let (cycle_id, started_at) = match finished {
        Some(_) => (record.last_cycle_id.clone(), record.last_cycle_started_at),
        None => (None, None),
    };
    let duration_ms = counts.duration_ms.or_else(|| {
        let (started, finished) = (started_at?, finished?);
        u64::try_from((finished - started).num_milliseconds()).ok()
    });
    Some(LastCycle {
        cycle_id,
        started_at: time(started_at),
        finished_at: time(finished),
        duration_ms,
        objects: counts.objects,
        retried: counts.retried,
        actions: counts.actions.clone(),
        failures: counts.failures,
        stopped: counts.stopped.clone(),
        quarantine: counts.quarantine,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use provisio_api::jobs::status::{CycleCounts, QuarantineChange};

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 10, minute, 0).unwrap()
    }

    #[test]
    fn a_record_never_written_has_no_cycles_and_no_quarantine() {
        let record = StatusRecord::default();
        assert_eq!(
            (quarantine(&record), current_cycle(&record), last_cycle(&record)),
            (None, None, None)
        );
    }

    #[test]
    fn a_finished_cycle_reads_from_its_counts() {
        let record = StatusRecord {
            last_cycle_id: Some("c1".into()),
            last_cycle_started_at: Some(at(0)),
            last_cycle_finished_at: Some(at(2)),
            // As an earlier version stored them: read as typed figures.
            last_cycle_counts: Some(
                serde_json::from_value(json!({
                    "objects": 3, "retried": 1, "actions": {"create": 2, "skip": 1},
                    "failures": 1, "stopped": null, "quarantine": "quarantined", "duration_ms": 1500
                }))
                .unwrap(),
            ),
            ..StatusRecord::default()
        };
        assert_eq!(current_cycle(&record), None);
        let last = last_cycle(&record).unwrap();
        assert_eq!(last.cycle_id.as_deref(), Some("c1"));
        assert_eq!(last.finished_at.as_deref(), Some("2026-11-26T10:02:00.000Z"));
        assert_eq!((last.objects, last.retried, last.failures), (3, 1, 1));
        assert_eq!(last.actions.get("create"), Some(&2));
        assert_eq!(last.duration_ms, Some(1500));
        assert_eq!(
            (last.stopped, last.quarantine),
            (None, Some(QuarantineChange::Quarantined))
        );
    }

    #[test]
    fn a_running_cycle_shows_progress_and_the_figures_before_it() {
        let record = StatusRecord {
            status: RunStatus::Running,
            last_cycle_id: Some("c2".into()),
            last_cycle_started_at: Some(at(5)),
            last_cycle_counts: Some(CycleCounts {
                objects: 4,
                actions: [("update".to_owned(), 4)].into(),
                ..CycleCounts::default()
            }),
            progress_done: 10,
            progress_total: 40,
            ..StatusRecord::default()
        };
        let current = current_cycle(&record).unwrap();
        assert_eq!((current.cycle_id.as_str(), current.done, current.total), ("c2", 10, 40));
        let last = last_cycle(&record).unwrap();
        assert_eq!((last.cycle_id, last.finished_at, last.objects), (None, None, 4));
        assert_eq!(last.duration_ms, None);
    }
}
