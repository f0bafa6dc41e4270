//! Where an unfinished initial cycle resumes: after the last page it
//! committed (saved with that page's progress), with the watermark it
//! first set out to reach. A restart, or the initial cycle done, forgets it.

use sqlx::Row as _;

use super::{CycleState, StateError, object_type};
use crate::directory::ObjectType;

/// An initial cycle under way, as the last committed page left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialCursor {
    /// The kind of the last object committed, and its id (`None`: no page
    /// was committed yet).
    pub after: Option<(ObjectType, String)>,
    /// The directory's latest change when the initial cycle first began.
    pub latest_before: i64,
}

impl CycleState {
    /// Begins an initial cycle, or resumes the one under way: the saved
    /// cursor, and the latest change of its first start (`latest_now` when
    /// it starts afresh).
    pub async fn begin_initial(&self, latest_now: i64) -> Result<InitialCursor, StateError> {
        self.ensure_row().await?;
        sqlx::query("UPDATE cycle_status SET initial_latest = COALESCE(initial_latest, $2) WHERE job_id = $1")
            .bind(&self.job_id)
            .bind(latest_now)
            .execute(self.store.writer())
            .await?;
        let row = sqlx::query("SELECT initial_kind, initial_after, initial_latest FROM cycle_status WHERE job_id = $1")
            .bind(&self.job_id)
            .fetch_one(self.store.pool())
            .await?;
        let kind: Option<String> = row.try_get("initial_kind")?;
        let after: Option<String> = row.try_get("initial_after")?;
        let after = match (kind, after) {
            (Some(kind), Some(id)) => Some((object_type(&kind)?, id)),
            _ => None,
        };
        Ok(InitialCursor {
            after,
            latest_before: row.try_get::<Option<i64>, _>("initial_latest")?.unwrap_or(latest_now),
        })
    }

    /// Saves where the initial cycle resumes, in the caller's transaction
    /// (a page's writes).
    pub async fn save_initial_cursor_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        kind: ObjectType,
        after: &str,
    ) -> Result<(), StateError> {
        sqlx::query("UPDATE cycle_status SET initial_kind = $2, initial_after = $3 WHERE job_id = $1")
            .bind(&self.job_id)
            .bind(kind.as_str())
            .bind(after)
            .execute(connection)
            .await?;
        Ok(())
    }
}

/// The statement that forgets the cursor (the initial cycle done, or the
/// job restarted).
pub(super) const FORGET_INITIAL_CURSOR: &str =
    "UPDATE cycle_status SET initial_kind = NULL, initial_after = NULL, initial_latest = NULL WHERE job_id = $1";
