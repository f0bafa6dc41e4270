//! Unmatched objects: source objects the job skipped because they have no
//! value for the attribute(s) it matches on (`ImportSkipped`). Kept while
//! they stay so, and counted by reason for the job's status, so such skips
//! are never silent.

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::{CycleState, StateError, count, object_type, text};
use crate::directory::ObjectType;

/// Unmatched objects of one type that lack the same attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmatchedGroup {
    pub object_type: ObjectType,
    /// The source attributes the job matches these objects on (and they
    /// have no value for), e.g. `mailNickname`.
    pub attributes: Vec<String>,
    pub count: u64,
}

impl CycleState {
    /// Notes that the source object could not be matched for want of a
    /// value for `attributes` (the first time it was found keeps its `since`).
    pub async fn note_unmatched(
        &self,
        object_type: ObjectType,
        source_id: &str,
        attributes: &[&str],
        now: DateTime<Utc>,
    ) -> Result<(), StateError> {
        sqlx::query(
            "INSERT INTO cycle_unmatched (job_id, object_type, source_id, attributes, since) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (job_id, object_type, source_id) DO UPDATE SET attributes = excluded.attributes",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(attributes.join(","))
        .bind(text(now))
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// Forgets that the source object could not be matched (it was decided
    /// otherwise); false when it was not noted.
    pub async fn clear_unmatched(&self, object_type: ObjectType, source_id: &str) -> Result<bool, StateError> {
        let deleted =
            sqlx::query("DELETE FROM cycle_unmatched WHERE job_id = $1 AND object_type = $2 AND source_id = $3")
                .bind(&self.job_id)
                .bind(object_type.as_str())
                .bind(source_id)
                .execute(self.store.writer())
                .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// The unmatched objects counted by type and attributes, users first,
    /// the largest group first.
    pub async fn unmatched(&self) -> Result<Vec<UnmatchedGroup>, StateError> {
        let rows = sqlx::query(
            "SELECT object_type, attributes, COUNT(*) AS n FROM cycle_unmatched WHERE job_id = $1 \
             GROUP BY object_type, attributes ORDER BY object_type DESC, n DESC, attributes",
        )
        .bind(&self.job_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UnmatchedGroup {
                    object_type: object_type(&row.try_get::<String, _>("object_type")?)?,
                    attributes: row
                        .try_get::<String, _>("attributes")?
                        .split(',')
                        .filter(|a| !a.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    count: count(row.try_get("n")?),
                })
            })
            .collect()
    }

    /// Whether the job has any unmatched object, so that a cycle clears
    /// notes only when there may be some.
    pub async fn has_unmatched(&self) -> Result<bool, StateError> {
        let any: Option<i64> = sqlx::query_scalar("SELECT 1 FROM cycle_unmatched WHERE job_id = $1 LIMIT 1")
            .bind(&self.job_id)
            .fetch_optional(self.store.pool())
            .await?;
        Ok(any.is_some())
    }
}
