//! Escrows: source objects whose last attempt failed, with how often and
//! why, and when the next attempt is due. The back-off itself is policy.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::links::{IN_CHUNK, by_ids_sql};
use super::{CycleState, StateError, count, object_type, text, time};
use crate::directory::ObjectType;

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A stable code, e.g. `Timeout` or `EntryConflict`.
    pub code: String,
    pub message: String,
    /// Not worth retrying blindly (400, an unresolvable 409): kept, never due.
    pub permanent: bool,
}

/// One escrowed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escrow {
    pub object_type: ObjectType,
    pub source_id: String,
    /// Failed attempts so far (1 after the first failure).
    pub attempts: u64,
    pub first_failed_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    /// The latest failure.
    pub last_error: Failure,
}

/// Where a scan of due escrows resumes: after this next-attempt time,
/// object type and source id.
pub type RetryCursor = (String, String, String);

impl Escrow {
    /// The cursor just after this escrow, for [`CycleState::due_escrows`].
    pub fn retry_cursor(&self) -> RetryCursor {
        (
            text(self.next_attempt_at),
            self.object_type.as_str().to_owned(),
            self.source_id.clone(),
        )
    }
}

const COLUMNS: &str = "object_type, source_id, attempts, first_failed_at, next_attempt_at, last_error_code, \
                       last_error, permanent";

impl CycleState {
    /// Records a failed attempt on the source object: the first escrows it,
    /// later ones count another attempt and replace the error and the time
    /// of the next attempt. Returns the escrow as it now stands.
    pub async fn escrow(
        &self,
        object_type: ObjectType,
        source_id: &str,
        failure: &Failure,
        now: DateTime<Utc>,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<Escrow, StateError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO cycle_escrows (job_id, object_type, source_id, attempts, first_failed_at, \
             next_attempt_at, last_error_code, last_error, permanent) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8) \
             ON CONFLICT (job_id, object_type, source_id) DO UPDATE SET attempts = cycle_escrows.attempts + 1, \
             next_attempt_at = excluded.next_attempt_at, last_error_code = excluded.last_error_code, \
             last_error = excluded.last_error, permanent = excluded.permanent RETURNING {COLUMNS}"
        )))
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(text(now))
        .bind(text(next_attempt_at))
        .bind(&failure.code)
        .bind(&failure.message)
        .bind(i64::from(failure.permanent))
        .fetch_one(self.store.writer())
        .await?;
        escrow(&row)
    }

    /// The source object's escrow, if it has one.
    pub async fn escrow_of(&self, object_type: ObjectType, source_id: &str) -> Result<Option<Escrow>, StateError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cycle_escrows WHERE job_id = $1 AND object_type = $2 AND source_id = $3"
        )))
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(escrow).transpose()
    }

    /// Which of these source objects (of any type: directory ids are
    /// unique across users and groups) have an escrow: a page's objects
    /// are asked at once, and the others need no escrow written or cleared.
    pub async fn escrowed_among(&self, source_ids: &[String]) -> Result<HashSet<String>, StateError> {
        let mut found = HashSet::new();
        for chunk in source_ids.chunks(IN_CHUNK) {
            let query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(by_ids_sql(
                "source_id",
                "cycle_escrows",
                "source_id",
                chunk.len(),
            )))
            .bind(&self.job_id);
            found.extend(
                chunk
                    .iter()
                    .fold(query, |q, id| q.bind(id))
                    .fetch_all(self.store.pool())
                    .await?,
            );
        }
        Ok(found)
    }

    /// At most `limit` escrows due at `now` (next attempt at or before it),
    /// soonest first, after `after` (a [`Escrow::retry_cursor`]); permanent
    /// failures are never due.
    pub async fn due_escrows(
        &self,
        now: DateTime<Utc>,
        after: Option<&RetryCursor>,
        limit: u32,
    ) -> Result<Vec<Escrow>, StateError> {
        let (at, kind, id) = after.cloned().unwrap_or_default();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM cycle_escrows WHERE job_id = $1 AND permanent = 0 AND next_attempt_at <= $2 \
             AND (next_attempt_at > $3 OR (next_attempt_at = $3 AND (object_type > $4 OR (object_type = $4 \
             AND source_id > $5)))) ORDER BY next_attempt_at, object_type, source_id LIMIT $6"
        )))
        .bind(&self.job_id)
        .bind(text(now))
        .bind(at)
        .bind(kind)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(escrow).collect()
    }

    /// Drops the source object's escrow (it succeeded, or left scope);
    /// false when it had none.
    pub async fn clear_escrow(&self, object_type: ObjectType, source_id: &str) -> Result<bool, StateError> {
        let deleted =
            sqlx::query("DELETE FROM cycle_escrows WHERE job_id = $1 AND object_type = $2 AND source_id = $3")
                .bind(&self.job_id)
                .bind(object_type.as_str())
                .bind(source_id)
                .execute(self.store.writer())
                .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// How many objects the job has in escrow, permanent failures included.
    pub async fn escrow_count(&self) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycle_escrows WHERE job_id = $1")
            .bind(&self.job_id)
            .fetch_one(self.store.pool())
            .await?;
        Ok(count(n))
    }
}

fn escrow(row: &AnyRow) -> Result<Escrow, StateError> {
    let kind: String = row.try_get("object_type")?;
    let first: String = row.try_get("first_failed_at")?;
    let next: String = row.try_get("next_attempt_at")?;
    let permanent: i64 = row.try_get("permanent")?;
    Ok(Escrow {
        object_type: object_type(&kind)?,
        source_id: row.try_get("source_id")?,
        attempts: count(row.try_get("attempts")?),
        first_failed_at: time(&first)?,
        next_attempt_at: time(&next)?,
        last_error: Failure {
            code: row.try_get("last_error_code")?,
            message: row.try_get("last_error")?,
            permanent: permanent != 0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, state};
    use super::*;

    const USER: ObjectType = ObjectType::User;

    fn failure(code: &str, permanent: bool) -> Failure {
        Failure {
            code: code.into(),
            message: format!("{code} happened"),
            permanent,
        }
    }

    fn ids(escrows: &[Escrow]) -> Vec<&str> {
        escrows.iter().map(|e| e.source_id.as_str()).collect()
    }

    #[tokio::test]
    async fn attempts_count_up_and_keep_the_first_failure_time() {
        let s = state("j").await;
        let first = s
            .escrow(USER, "u1", &failure("Timeout", false), at(1), at(2))
            .await
            .unwrap();
        assert_eq!(
            (first.attempts, first.first_failed_at, first.next_attempt_at),
            (1, at(1), at(2))
        );
        let second = s
            .escrow(USER, "u1", &failure("TooManyRequests", false), at(2), at(4))
            .await
            .unwrap();
        assert_eq!(
            (second.attempts, second.first_failed_at, second.next_attempt_at),
            (2, at(1), at(4))
        );
        assert_eq!(second.last_error.code, "TooManyRequests");
        assert_eq!(s.escrow_of(USER, "u1").await.unwrap(), Some(second));
        assert_eq!(s.escrow_count().await.unwrap(), 1);
        assert!(s.clear_escrow(USER, "u1").await.unwrap());
        assert!(!s.clear_escrow(USER, "u1").await.unwrap());
        assert_eq!(s.escrow_of(USER, "u1").await.unwrap(), None);
    }

    #[tokio::test]
    async fn due_escrows_are_those_whose_time_has_come_soonest_first() {
        let s = state("j").await;
        s.escrow(USER, "late", &failure("Timeout", false), at(0), at(9))
            .await
            .unwrap();
        s.escrow(USER, "soon", &failure("Timeout", false), at(0), at(2))
            .await
            .unwrap();
        s.escrow(ObjectType::Group, "g", &failure("Timeout", false), at(0), at(3))
            .await
            .unwrap();
        s.escrow(USER, "bad", &failure("BadRequest", true), at(0), at(1))
            .await
            .unwrap();
        assert_eq!(ids(&s.due_escrows(at(1), None, 10).await.unwrap()), Vec::<&str>::new());
        assert_eq!(ids(&s.due_escrows(at(2), None, 10).await.unwrap()), ["soon"]);
        assert_eq!(ids(&s.due_escrows(at(5), None, 10).await.unwrap()), ["soon", "g"]);
        assert_eq!(ids(&s.due_escrows(at(23), None, 1).await.unwrap()), ["soon"]);
        assert_eq!(
            ids(&s.due_escrows(at(23), None, 10).await.unwrap()),
            ["soon", "g", "late"]
        );
        assert_eq!(s.escrow_count().await.unwrap(), 4, "permanent failures are counted");
    }

    #[tokio::test]
    async fn due_escrows_resume_after_a_cursor_and_a_page_asks_which_are_escrowed() {
        let s = state("j").await;
        for id in ["a", "b", "c"] {
            s.escrow(USER, id, &failure("Timeout", false), at(0), at(2))
                .await
                .unwrap();
        }
        s.escrow(USER, "d", &failure("Timeout", false), at(0), at(3))
            .await
            .unwrap();
        let first = s.due_escrows(at(5), None, 2).await.unwrap();
        assert_eq!(ids(&first), ["a", "b"]);
        let cursor = first.last().unwrap().retry_cursor();
        // Still due, but behind the cursor: each is retried once per cycle.
        assert_eq!(ids(&s.due_escrows(at(5), Some(&cursor), 10).await.unwrap()), ["c", "d"]);
        let ids_asked: Vec<String> = ["a", "d", "x"].map(String::from).to_vec();
        let escrowed = s.escrowed_among(&ids_asked).await.unwrap();
        assert_eq!(
            escrowed,
            ["a", "d"].map(String::from).into_iter().collect::<HashSet<_>>()
        );
    }
}
