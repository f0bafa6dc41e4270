//! A job's status as the admin API answers it ([`JobStatus`]), read from
//! the job, its cycle state (run record, escrows, staged deletes, objects
//! that could not be matched), its provisioning logs and which instance
//! runs it. Read-only; shared by `GET /api/v1/jobs/{id}/status`
//! and `provisio job status`, so both say the same.

use chrono::{DateTime, TimeDelta, Utc};
use provisio_api::jobs::JobStatus;
use provisio_api::jobs::status::{CycleProgress, LastCycle, Quarantine, Unmatched};
use provisio_api::logs::LogStatus;

use super::run::CycleError;
use super::state::{RunStatus, StatusRecord};
use crate::directory::timestamp;
use crate::jobs::Jobs;
use crate::logs::LogFilter;
use crate::store::Store;

/// The status of the job with this id or name (any case).
pub async fn job_status(store: &Store, jobs: &Jobs, id_or_name: &str) -> Result<JobStatus, CycleError> {
    let job = jobs.get(id_or_name).await?;
    let cycles = store.cycle_state(&job.id);
    let record = cycles.status().await?;
    let escrowed = cycles.escrow_count().await?;
    let unmatched = cycles.unmatched().await?;
    let since = Utc::now() - TimeDelta::hours(24);
    let failures = store
        .logs()
        .count(&LogFilter {
            job: Some(job.id.clone()),
            status: Some(LogStatus::Failure),
            since: Some(since),
            ..LogFilter::default()
        })
        .await?;
    let held_by = super::ownership::holder(store, &job.id).await?;
    Ok(JobStatus {
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
        held_by,
    })
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
        mode: counts.mode,
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

    use provisio_api::jobs::status::{CycleCounts, CycleMode, QuarantineChange};

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
        assert_eq!(last.mode, None, "not kept by earlier versions");
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
                mode: Some(CycleMode::Incremental),
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
        assert_eq!(last.mode, Some(CycleMode::Incremental));
        assert_eq!(last.duration_ms, None);
    }
}
