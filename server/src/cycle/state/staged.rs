//! Staged deletes: disables and deletes the accidental-deletion guard held
//! back, kept until an administrator allows them (each is then carried out
//! and unstaged) or the job is restarted.

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{CycleState, StateError, corrupt, count, object_type, text, time};
use crate::directory::ObjectType;

/// What was held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StagedAction {
    Disable,
    Delete,
}

impl StagedAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StagedAction::Disable => "disable",
            StagedAction::Delete => "delete",
        }
    }

    pub fn parse(text: &str) -> Option<StagedAction> {
        [StagedAction::Disable, StagedAction::Delete]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

/// One held-back disable or delete of a target object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedDelete {
    pub object_type: ObjectType,
    /// The source object, `None` when it is gone (hard-deleted).
    pub source_id: Option<String>,
    pub target_id: String,
    pub action: StagedAction,
    pub staged_at: DateTime<Utc>,
    /// The cycle that held it back.
    pub cycle_id: String,
}

impl CycleState {
    /// Holds back a disable or delete. Staging the same target object again
    /// replaces the earlier entry (one per target object).
    pub async fn stage(&self, staged: &StagedDelete) -> Result<(), StateError> {
        sqlx::query(
            "INSERT INTO cycle_staged_deletes (job_id, object_type, target_id, source_id, action, staged_at, \
             cycle_id) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (job_id, object_type, target_id) \
             DO UPDATE SET source_id = excluded.source_id, action = excluded.action, \
             staged_at = excluded.staged_at, cycle_id = excluded.cycle_id",
        )
        .bind(&self.job_id)
        .bind(staged.object_type.as_str())
        .bind(&staged.target_id)
        .bind(staged.source_id.as_deref())
        .bind(staged.action.as_str())
        .bind(text(staged.staged_at))
        .bind(&staged.cycle_id)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// At most `limit` staged deletes of the type, by target id, after the
    /// target id `after` (from the start when `None`): pass the last target
    /// id of each page until a page comes back shorter than `limit`.
    pub async fn staged(
        &self,
        object_type: ObjectType,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<StagedDelete>, StateError> {
        let rows = sqlx::query(
            "SELECT object_type, target_id, source_id, action, staged_at, cycle_id FROM cycle_staged_deletes \
             WHERE job_id = $1 AND object_type = $2 AND target_id > $3 ORDER BY target_id LIMIT $4",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(staged).collect()
    }

    /// Drops one staged delete (carried out); false when there was none.
    pub async fn unstage(&self, object_type: ObjectType, target_id: &str) -> Result<bool, StateError> {
        let deleted =
            sqlx::query("DELETE FROM cycle_staged_deletes WHERE job_id = $1 AND object_type = $2 AND target_id = $3")
                .bind(&self.job_id)
                .bind(object_type.as_str())
                .bind(target_id)
                .execute(self.store.writer())
                .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// Drops every staged delete of the job; returns how many there were.
    pub async fn clear_staged(&self) -> Result<u64, StateError> {
        let deleted = sqlx::query("DELETE FROM cycle_staged_deletes WHERE job_id = $1")
            .bind(&self.job_id)
            .execute(self.store.writer())
            .await?;
        Ok(deleted.rows_affected())
    }

    /// How many disables and deletes the job holds back.
    pub async fn staged_count(&self) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycle_staged_deletes WHERE job_id = $1")
            .bind(&self.job_id)
            .fetch_one(self.store.pool())
            .await?;
        Ok(count(n))
    }
}

fn staged(row: &AnyRow) -> Result<StagedDelete, StateError> {
    let kind: String = row.try_get("object_type")?;
    let action: String = row.try_get("action")?;
    let staged_at: String = row.try_get("staged_at")?;
    Ok(StagedDelete {
        object_type: object_type(&kind)?,
        source_id: row.try_get("source_id")?,
        target_id: row.try_get("target_id")?,
        action: StagedAction::parse(&action).ok_or_else(|| corrupt(format!("staged action `{action}`")))?,
        staged_at: time(&staged_at)?,
        cycle_id: row.try_get("cycle_id")?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, state};
    use super::*;

    fn delete(target: &str, source: Option<&str>, action: StagedAction) -> StagedDelete {
        StagedDelete {
            object_type: ObjectType::User,
            source_id: source.map(str::to_owned),
            target_id: target.into(),
            action,
            staged_at: at(5),
            cycle_id: "c1".into(),
        }
    }

    #[tokio::test]
    async fn staged_deletes_are_kept_paged_unstaged_and_cleared() {
        let s = state("j").await;
        let one = delete("t1", Some("u1"), StagedAction::Disable);
        s.stage(&one).await.unwrap();
        s.stage(&delete("t2", None, StagedAction::Delete)).await.unwrap();
        s.stage(&delete("t3", None, StagedAction::Delete)).await.unwrap();
        let again = delete("t3", Some("u3"), StagedAction::Disable);
        s.stage(&again).await.unwrap();
        assert_eq!(s.staged_count().await.unwrap(), 3);
        assert_eq!(s.status().await.unwrap().staged_deletes, 3);

        let first = s.staged(ObjectType::User, None, 2).await.unwrap();
        assert_eq!(first.first(), Some(&one));
        let rest = s.staged(ObjectType::User, Some("t2"), 2).await.unwrap();
        assert_eq!(rest, [again]);
        assert!(s.staged(ObjectType::Group, None, 2).await.unwrap().is_empty());

        assert!(s.unstage(ObjectType::User, "t1").await.unwrap());
        assert!(!s.unstage(ObjectType::User, "t1").await.unwrap());
        assert_eq!(s.clear_staged().await.unwrap(), 2);
        assert_eq!(s.staged_count().await.unwrap(), 0);
    }

    #[test]
    fn actions_round_trip_as_text() {
        for action in [StagedAction::Disable, StagedAction::Delete] {
            assert_eq!(StagedAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(StagedAction::parse("purge"), None);
    }
}
