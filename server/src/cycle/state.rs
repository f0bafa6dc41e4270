//! What a provisioning job remembers between cycles: its links between
//! source and target objects ([`links`]), its run status and directory
//! watermark ([`status`]), its escrowed failures ([`escrows`]) and the
//! deletes the accidental-deletion guard holds back ([`staged`]), the
//! manager and member references it keeps in step ([`references`]) and the
//! objects it could not match for want of a value ([`unmatched`]), and the
//! objects a page may create, until it is done ([`intents`]). Storage
//! only: the cycle decides what to write.
//!
//! Every time is a parameter (the clock belongs to the caller), stored as
//! RFC 3339 UTC text with milliseconds.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::cycle::state::Linked;
//! use provisio_server::directory::ObjectType;
//! use provisio_server::store::Store;
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let state = store.cycle_state("job-1");
//! assert_eq!(state.link(ObjectType::User, "u1", "scim-7", chrono::Utc::now()).await?, Linked::Created);
//! assert_eq!(state.target_of(ObjectType::User, "u1").await?.as_deref(), Some("scim-7"));
//! assert!(state.advance_watermark(42).await?);
//! assert!(!state.advance_watermark(41).await?, "never backwards");
//! state.restart().await?;
//! assert_eq!(state.status().await?.watermark, 0);
//! assert_eq!(state.link_count(ObjectType::User).await?, 1, "links survive a restart");
//! # Ok(())
//! # }
//! ```

pub mod durations;
pub mod escrows;
pub mod initial_cursor;
pub mod intents;
pub mod links;
pub mod references;
pub mod staged;
pub mod status;
pub mod unmatched;

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use crate::ServerError;
use crate::directory::{ObjectType, timestamp};
use crate::store::Store;

pub use escrows::{Escrow, Failure};
pub use initial_cursor::InitialCursor;
pub use links::{Link, Linked};
pub use references::{Pending, ReferenceRow, WantedReference};
pub use staged::{StagedAction, StagedDelete};
pub use status::{RunStatus, StatusRecord};
pub use unmatched::UnmatchedGroup;

/// One job's cycle state in a store. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CycleState {
    store: Store,
    job_id: String,
}

/// Why a cycle-state write did not happen.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Linking a source to a target that another source of the job is
    /// already linked to: `link(User, "b", "t1")` after `link(User, "a", "t1")`.
    #[error("the target {object_type} `{target_id}` is already linked to the source `{source_id}`")]
    TargetLinked {
        object_type: ObjectType,
        target_id: String,
        source_id: String,
    },
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for StateError {
    fn from(e: sqlx::Error) -> Self {
        StateError::Storage(ServerError::Database(e))
    }
}

impl Store {
    /// The cycle state of the job with this id (it need not exist yet:
    /// nothing is written until a write is asked for).
    pub fn cycle_state(&self, job_id: &str) -> CycleState {
        CycleState {
            store: self.clone(),
            job_id: job_id.to_owned(),
        }
    }
}

/// The job's tables, for [`purge_job`].
const TABLES: [&str; 8] = [
    "cycle_links",
    "cycle_create_intents",
    "cycle_status",
    "cycle_escrows",
    "cycle_staged_deletes",
    "cycle_references",
    "cycle_reference_ids",
    "cycle_unmatched",
];

impl CycleState {
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// Forgets the progress so far, as Entra's "Restart provisioning"
    /// (reset scope QuarantineState + Watermark + Escrows) does: the
    /// watermark goes back to 0 and the next cycle is an initial one;
    /// escrows are dropped; quarantine is lifted (a quarantined or
    /// waiting-for-approval job becomes idle). Staged deletes are dropped
    /// too: the initial cycle decides again, and restarting is how an
    /// administrator rejects them; so are the notes of unmatched objects,
    /// which the initial cycle makes again. Links are kept: the initial cycle
    /// re-establishes them by matching anyway, and keeping them means a
    /// target object whose matching attribute changed is still found.
    /// A running or disabled job keeps its status. All or nothing.
    pub async fn restart(&self) -> Result<(), StateError> {
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "UPDATE cycle_status SET watermark = 0, initial_done = 0, quarantine_reason = NULL, \
             quarantined_since = NULL, next_retry_at = NULL, \
             status = CASE WHEN status IN ('quarantined', 'waiting_for_approval') THEN 'idle' ELSE status END \
             WHERE job_id = $1",
        )
        .bind(&self.job_id)
        .execute(&mut *tx)
        .await?;
        for sql in [
            initial_cursor::FORGET_INITIAL_CURSOR,
            "DELETE FROM cycle_escrows WHERE job_id = $1",
            "DELETE FROM cycle_staged_deletes WHERE job_id = $1",
            "DELETE FROM cycle_unmatched WHERE job_id = $1",
        ] {
            sqlx::query(sql).bind(&self.job_id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes everything the job remembers, all or nothing (for deleting
    /// the job; [`purge_job`] does the same inside the caller's transaction).
    pub async fn purge(&self) -> Result<(), StateError> {
        let mut tx = self.store.writer().begin().await?;
        purge_job(&mut tx, &self.job_id).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Deletes every cycle-state row of the job on the given connection, meant
/// to run in the transaction that deletes the job itself.
pub(crate) fn purge<'c>(
    connection: &'c mut AnyConnection,
    job_id: &'c str,
) -> futures_util::future::BoxFuture<'c, Result<(), ServerError>> {
    Box::pin(async move {
        purge_job(connection, job_id).await.map_err(|e| match e {
            StateError::Storage(e) => e,
            other => ServerError::Corrupt(other.to_string()),
        })
    })
}

/// Deletes every cycle-state row of the job on the given connection.
pub async fn purge_job(connection: &mut AnyConnection, job_id: &str) -> Result<(), StateError> {
    for table in TABLES {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE job_id = $1")))
            .bind(job_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// `user` or `group` back to its type.
fn object_type(text: &str) -> Result<ObjectType, StateError> {
    match text {
        "user" => Ok(ObjectType::User),
        "group" => Ok(ObjectType::Group),
        other => Err(corrupt(format!("object type `{other}`"))),
    }
}

/// A stored time back to a time.
fn time(text: &str) -> Result<DateTime<Utc>, StateError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| corrupt(format!("time `{text}` ({e})")))
}

fn optional_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StateError> {
    text.as_deref().map(time).transpose()
}

fn corrupt(what: String) -> StateError {
    StateError::Storage(ServerError::Corrupt(format!("cycle state with {what}")))
}

/// The stored text of a time.
fn text(at: DateTime<Utc>) -> String {
    timestamp(at)
}

/// A count from the database as the unsigned number it is.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests {
    use chrono::TimeZone;

    use super::*;

    pub(crate) async fn state(job: &str) -> CycleState {
        Store::open("sqlite::memory:").await.unwrap().cycle_state(job)
    }

    pub(crate) fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, hour, 0, 0).unwrap()
    }

    fn failure() -> Failure {
        Failure {
            code: "Timeout".into(),
            message: "the target did not answer".into(),
            permanent: false,
        }
    }

    #[tokio::test]
    async fn restart_clears_watermark_escrows_quarantine_and_staged_but_keeps_links() {
        let s = state("j").await;
        s.link(ObjectType::User, "u1", "t1", at(1)).await.unwrap();
        s.advance_watermark(10).await.unwrap();
        s.mark_initial_done().await.unwrap();
        s.escrow(ObjectType::User, "u2", &failure(), at(2), at(3))
            .await
            .unwrap();
        s.quarantine("EncounteredQuarantineException", at(9), at(3))
            .await
            .unwrap();
        s.stage(&staged_delete("t9")).await.unwrap();

        s.restart().await.unwrap();
        let status = s.status().await.unwrap();
        assert_eq!((status.watermark, status.initial_done), (0, false));
        assert_eq!(status.status, RunStatus::Idle);
        assert_eq!(status.quarantine_reason, None);
        assert_eq!(status.quarantined_since, None);
        assert_eq!(status.next_retry_at, None);
        assert_eq!(status.staged_deletes, 0);
        assert_eq!(s.escrow_count().await.unwrap(), 0);
        assert_eq!(
            s.target_of(ObjectType::User, "u1").await.unwrap().as_deref(),
            Some("t1")
        );
    }

    #[tokio::test]
    async fn restart_keeps_a_disabled_job_disabled() {
        let s = state("j").await;
        s.set_status(RunStatus::Disabled).await.unwrap();
        s.restart().await.unwrap();
        assert_eq!(s.status().await.unwrap().status, RunStatus::Disabled);
    }

    fn staged_delete(target: &str) -> StagedDelete {
        StagedDelete {
            object_type: ObjectType::User,
            source_id: None,
            target_id: target.into(),
            action: StagedAction::Delete,
            staged_at: at(4),
            cycle_id: "c1".into(),
        }
    }

    #[tokio::test]
    async fn purge_removes_every_row_of_the_job_and_only_of_it() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        for job in ["a", "b"] {
            let s = store.cycle_state(job);
            s.link(ObjectType::User, "u1", "t1", at(1)).await.unwrap();
            s.advance_watermark(5).await.unwrap();
            s.escrow(ObjectType::Group, "g1", &failure(), at(1), at(2))
                .await
                .unwrap();
            s.stage(&staged_delete("t2")).await.unwrap();
            s.want_references(ObjectType::Group, "g1", "members", "t3", &["u1".into()])
                .await
                .unwrap();
            s.note_unmatched(ObjectType::User, "u2", &["mailNickname"], at(1))
                .await
                .unwrap();
            s.intend_creates(&[(ObjectType::User, "u3".into())], at(1))
                .await
                .unwrap();
        }
        store.cycle_state("a").purge().await.unwrap();
        for table in TABLES {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT job_id FROM {table}")))
                .fetch_all(store.pool())
                .await
                .unwrap();
            assert_eq!(rows, ["b"], "{table}");
        }
        assert_eq!(store.cycle_state("a").status().await.unwrap(), StatusRecord::default());
    }

    #[test]
    fn stored_times_read_back() {
        assert_eq!(time(&text(at(7))).unwrap(), at(7));
        assert_eq!(text(at(7)), "2026-11-26T07:00:00.000Z");
        assert!(matches!(
            time("yesterday"),
            Err(StateError::Storage(ServerError::Corrupt(_)))
        ));
        assert!(object_type("device").is_err());
    }
}
