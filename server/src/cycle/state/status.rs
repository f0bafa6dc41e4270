//! The job's run record: its status (and quarantine), the directory
//! watermark, whether an initial cycle completed, and the last and current
//! cycle's figures. One row per job, written on first use.

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::{CycleState, StateError, corrupt, count, optional_time, text};
use provisio_api::jobs::status::QuarantineChange;

pub use provisio_api::jobs::status::{CycleCounts, RunStatus};

/// Everything the run record holds. A job never written to reads as
/// [`StatusRecord::default`]: idle, watermark 0, no initial cycle done.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatusRecord {
    pub status: RunStatus,
    /// The last directory change-log sequence the job has fully handled.
    pub watermark: i64,
    /// Whether an initial cycle has completed since the job was created or
    /// last restarted (until then, cycles are initial ones).
    pub initial_done: bool,
    /// Why the job is quarantined, e.g. `EncounteredQuarantineException`.
    pub quarantine_reason: Option<String>,
    /// When the current quarantine began (kept while it lasts).
    pub quarantined_since: Option<DateTime<Utc>>,
    pub next_retry_at: Option<DateTime<Utc>>,
    /// The current cycle while running, else the last one.
    pub last_cycle_id: Option<String>,
    pub last_cycle_started_at: Option<DateTime<Utc>>,
    /// `None` while that cycle runs (or if it never finished).
    pub last_cycle_finished_at: Option<DateTime<Utc>>,
    /// The finished cycle's figures.
    pub last_cycle_counts: Option<CycleCounts>,
    pub progress_done: u64,
    pub progress_total: u64,
    /// How many deletes the deletion guard holds (counted, not stored).
    pub staged_deletes: u64,
}

impl CycleState {
    /// The job's run record.
    pub async fn status(&self) -> Result<StatusRecord, StateError> {
        let staged_deletes = self.staged_count().await?;
        let row = sqlx::query(
            "SELECT status, watermark, initial_done, quarantine_reason, quarantined_since, next_retry_at, \
             last_cycle_id, last_cycle_started_at, last_cycle_finished_at, last_cycle_counts, progress_done, \
             progress_total FROM cycle_status WHERE job_id = $1",
        )
        .bind(&self.job_id)
        .fetch_optional(self.store.pool())
        .await?;
        let Some(row) = row else {
            return Ok(StatusRecord {
                staged_deletes,
                ..StatusRecord::default()
            });
        };
        let status: String = row.try_get("status")?;
        let initial_done: i64 = row.try_get("initial_done")?;
        let counts: Option<String> = row.try_get("last_cycle_counts")?;
        Ok(StatusRecord {
            status: RunStatus::parse(&status).ok_or_else(|| corrupt(format!("status `{status}`")))?,
            watermark: row.try_get("watermark")?,
            initial_done: initial_done != 0,
            quarantine_reason: row.try_get("quarantine_reason")?,
            quarantined_since: optional_time(row.try_get("quarantined_since")?)?,
            next_retry_at: optional_time(row.try_get("next_retry_at")?)?,
            last_cycle_id: row.try_get("last_cycle_id")?,
            last_cycle_started_at: optional_time(row.try_get("last_cycle_started_at")?)?,
            last_cycle_finished_at: optional_time(row.try_get("last_cycle_finished_at")?)?,
            last_cycle_counts: counts
                .map(|c| serde_json::from_str(&c).map_err(|e| corrupt(format!("cycle counts that do not parse ({e})"))))
                .transpose()?,
            progress_done: count(row.try_get("progress_done")?),
            progress_total: count(row.try_get("progress_total")?),
            staged_deletes,
        })
    }

    /// The watermark: the last change-log sequence fully handled (0 when
    /// none, or since a restart).
    pub async fn watermark(&self) -> Result<i64, StateError> {
        let watermark = sqlx::query_scalar("SELECT watermark FROM cycle_status WHERE job_id = $1")
            .bind(&self.job_id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(watermark.unwrap_or(0))
    }

    /// Moves the watermark forward to `to`; false (and nothing written)
    /// when it is already there or beyond: it never moves backwards.
    pub async fn advance_watermark(&self, to: i64) -> Result<bool, StateError> {
        self.ensure_row().await?;
        let mut writer = self.store.writer().acquire().await?;
        self.advance_watermark_in(&mut writer, to).await
    }

    /// [`CycleState::advance_watermark`] in the caller's transaction (a
    /// batch's commit), on a job whose status row exists (its cycle began).
    pub async fn advance_watermark_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        to: i64,
    ) -> Result<bool, StateError> {
        let moved = sqlx::query("UPDATE cycle_status SET watermark = $2 WHERE job_id = $1 AND watermark < $2")
            .bind(&self.job_id)
            .bind(to)
            .execute(connection)
            .await?;
        Ok(moved.rows_affected() > 0)
    }

    /// Records that an initial cycle completed: later cycles are
    /// incremental, and the next initial one (after a restart) starts afresh.
    pub async fn mark_initial_done(&self) -> Result<(), StateError> {
        self.ensure_row().await?;
        let mut tx = self.store.writer().begin().await?;
        self.mark_initial_done_in(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// [`CycleState::mark_initial_done`] in the caller's transaction, on a
    /// job whose status row exists.
    pub async fn mark_initial_done_in(&self, connection: &mut sqlx::AnyConnection) -> Result<(), StateError> {
        for sql in [
            "UPDATE cycle_status SET initial_done = 1 WHERE job_id = $1",
            super::initial_cursor::FORGET_INITIAL_CURSOR,
        ] {
            sqlx::query(sql).bind(&self.job_id).execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Sets the status as it is, leaving every other field alone.
    pub async fn set_status(&self, status: RunStatus) -> Result<(), StateError> {
        self.ensure_row().await?;
        sqlx::query("UPDATE cycle_status SET status = $2 WHERE job_id = $1")
            .bind(&self.job_id)
            .bind(status.as_str())
            .execute(self.store.writer())
            .await?;
        Ok(())
    }

    /// A cycle begins: running, with `total` objects to go (0 when not
    /// known yet) and no finish time.
    pub async fn start_cycle(&self, cycle_id: &str, total: u64, now: DateTime<Utc>) -> Result<(), StateError> {
        self.ensure_row().await?;
        sqlx::query(
            "UPDATE cycle_status SET status = 'running', last_cycle_id = $2, last_cycle_started_at = $3, \
             last_cycle_finished_at = NULL, progress_done = 0, progress_total = $4 WHERE job_id = $1",
        )
        .bind(&self.job_id)
        .bind(cycle_id)
        .bind(text(now))
        .bind(i64::try_from(total).unwrap_or(i64::MAX))
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// The running cycle has handled `done` objects.
    pub async fn progress(&self, done: u64) -> Result<(), StateError> {
        self.ensure_row().await?;
        sqlx::query("UPDATE cycle_status SET progress_done = $2 WHERE job_id = $1")
            .bind(&self.job_id)
            .bind(i64::try_from(done).unwrap_or(i64::MAX))
            .execute(self.store.writer())
            .await?;
        Ok(())
    }

    /// [`CycleState::progress`] in the caller's transaction (a page's
    /// writes); the cycle's row exists since [`CycleState::start_cycle`].
    pub async fn progress_in(&self, connection: &mut sqlx::AnyConnection, done: u64) -> Result<(), StateError> {
        sqlx::query("UPDATE cycle_status SET progress_done = $2 WHERE job_id = $1")
            .bind(&self.job_id)
            .bind(i64::try_from(done).unwrap_or(i64::MAX))
            .execute(connection)
            .await?;
        Ok(())
    }

    /// The running cycle is over, with these figures. A running job
    /// becomes idle; one the cycle quarantined or left waiting for approval
    /// stays so.
    /// A cycle that was not stopped and did not leave the job quarantined
    /// or disabled counts as successful (`last_success_at`); its duration
    /// goes into the job's duration histogram.
    pub async fn finish_cycle(&self, counts: &CycleCounts, now: DateTime<Utc>) -> Result<(), StateError> {
        self.ensure_row().await?;
        let succeeded = counts.stopped.is_none()
            && !matches!(
                counts.quarantine,
                Some(QuarantineChange::Quarantined | QuarantineChange::StillQuarantined | QuarantineChange::Disabled)
            );
        let duration_ms = counts.duration_ms;
        let counts =
            serde_json::to_string(counts).map_err(|e| corrupt(format!("counts that do not serialise ({e})")))?;
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "UPDATE cycle_status SET last_cycle_finished_at = $2, last_cycle_counts = $3, \
             last_success_at = CASE WHEN $4 = 1 THEN $2 ELSE last_success_at END, \
             status = CASE WHEN status = 'running' THEN 'idle' ELSE status END WHERE job_id = $1",
        )
        .bind(&self.job_id)
        .bind(text(now))
        .bind(counts)
        .bind(i64::from(succeeded))
        .execute(&mut *tx)
        .await?;
        if let Some(ms) = duration_ms {
            super::durations::record_in(&mut tx, &self.job_id, ms).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Quarantines the job (again), for `reason`, until `next_retry_at`.
    /// `quarantined_since` stays the time of entry while the quarantine
    /// lasts, so the 28-day limit counts from there.
    pub async fn quarantine(
        &self,
        reason: &str,
        next_retry_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StateError> {
        self.ensure_row().await?;
        sqlx::query(
            "UPDATE cycle_status SET status = 'quarantined', quarantine_reason = $2, \
             quarantined_since = COALESCE(quarantined_since, $3), next_retry_at = $4 WHERE job_id = $1",
        )
        .bind(&self.job_id)
        .bind(reason)
        .bind(text(now))
        .bind(text(next_retry_at))
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// Lifts quarantine: the reason and times are cleared, and a
    /// quarantined job becomes idle (any other status is kept).
    pub async fn leave_quarantine(&self) -> Result<(), StateError> {
        self.update(
            "UPDATE cycle_status SET quarantine_reason = NULL, quarantined_since = NULL, next_retry_at = NULL, \
             status = CASE WHEN status = 'quarantined' THEN 'idle' ELSE status END WHERE job_id = $1",
        )
        .await
    }

    /// Writes the job's default row unless it has one.
    pub(super) async fn ensure_row(&self) -> Result<(), StateError> {
        sqlx::query(
            "INSERT INTO cycle_status (job_id, status, watermark, initial_done, progress_done, progress_total) \
             VALUES ($1, 'idle', 0, 0, 0, 0) ON CONFLICT (job_id) DO NOTHING",
        )
        .bind(&self.job_id)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// Runs an update whose only parameter is the job id, on its row.
    async fn update(&self, sql: &'static str) -> Result<(), StateError> {
        self.ensure_row().await?;
        sqlx::query(sql).bind(&self.job_id).execute(self.store.writer()).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {

    use super::super::tests::{at, state};
    use super::*;

    #[test]
    fn statuses_round_trip_as_text() {
        for status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(RunStatus::parse("paused"), None);
    }

    #[tokio::test]
    async fn a_new_job_reads_as_idle_at_watermark_zero() {
        let s = state("j").await;
        assert_eq!(s.status().await.unwrap(), StatusRecord::default());
        assert_eq!(s.watermark().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn the_watermark_never_goes_back() {
        let s = state("j").await;
        assert!(s.advance_watermark(10).await.unwrap());
        assert!(!s.advance_watermark(10).await.unwrap());
        assert!(!s.advance_watermark(3).await.unwrap());
        assert_eq!(s.watermark().await.unwrap(), 10);
        assert!(s.advance_watermark(11).await.unwrap());
        assert_eq!(s.watermark().await.unwrap(), 11);
        s.mark_initial_done().await.unwrap();
        assert!(s.status().await.unwrap().initial_done);
    }

    #[tokio::test]
    async fn a_cycle_runs_and_finishes() {
        let s = state("j").await;
        s.start_cycle("c1", 200, at(1)).await.unwrap();
        s.progress(50).await.unwrap();
        let running = s.status().await.unwrap();
        assert_eq!(running.status, RunStatus::Running);
        assert_eq!(running.last_cycle_id.as_deref(), Some("c1"));
        assert_eq!(running.last_cycle_started_at, Some(at(1)));
        assert_eq!(running.last_cycle_finished_at, None);
        assert_eq!((running.progress_done, running.progress_total), (50, 200));

        let counts = CycleCounts {
            objects: 200,
            actions: [("create".to_owned(), 150), ("update".to_owned(), 50)].into(),
            ..CycleCounts::default()
        };
        s.finish_cycle(&counts, at(2)).await.unwrap();
        let done = s.status().await.unwrap();
        assert_eq!(done.status, RunStatus::Idle);
        assert_eq!(done.last_cycle_finished_at, Some(at(2)));
        assert_eq!(done.last_cycle_counts, Some(counts));

        s.start_cycle("c2", 0, at(3)).await.unwrap();
        let again = s.status().await.unwrap();
        assert_eq!((again.last_cycle_finished_at, again.progress_done), (None, 0));
    }

    #[tokio::test]
    async fn quarantine_keeps_its_start_and_lifts() {
        let s = state("j").await;
        s.start_cycle("c1", 10, at(1)).await.unwrap();
        s.quarantine("EncounteredQuarantineException", at(7), at(1))
            .await
            .unwrap();
        s.finish_cycle(&CycleCounts::default(), at(2)).await.unwrap();
        s.quarantine("EncounteredEscrowProportionThreshold", at(19), at(7))
            .await
            .unwrap();
        let q = s.status().await.unwrap();
        assert_eq!(
            q.status,
            RunStatus::Quarantined,
            "finishing a cycle keeps the quarantine"
        );
        assert_eq!(
            q.quarantine_reason.as_deref(),
            Some("EncounteredEscrowProportionThreshold")
        );
        assert_eq!(q.quarantined_since, Some(at(1)));
        assert_eq!(q.next_retry_at, Some(at(19)));

        s.leave_quarantine().await.unwrap();
        let free = s.status().await.unwrap();
        assert_eq!(free.status, RunStatus::Idle);
        assert_eq!(
            (free.quarantine_reason, free.quarantined_since, free.next_retry_at),
            (None, None, None)
        );
    }

    #[tokio::test]
    async fn every_status_round_trips() {
        let s = state("j").await;
        for status in RunStatus::ALL {
            s.set_status(status).await.unwrap();
            assert_eq!(s.status().await.unwrap().status, status);
        }
        s.set_status(RunStatus::WaitingForApproval).await.unwrap();
        s.leave_quarantine().await.unwrap();
        assert_eq!(s.status().await.unwrap().status, RunStatus::WaitingForApproval);
    }
}
