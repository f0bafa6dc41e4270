//! Create intents: the source objects a cycle's page may create in the
//! target, recorded before the page sends anything and dropped when the
//! page is done, so that a run that dies between a create and its link
//! leaves a note of the objects the next cycle must reconcile (see the
//! migration `create_intents` and `cycle/run/intents.rs`).

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::links::placeholders;
use super::{CycleState, StateError, object_type, text};
use crate::directory::ObjectType;

/// Intents written per statement: two parameters each (and two shared).
const PER_STATEMENT: usize = crate::store::rows_per_statement(2);

impl CycleState {
    /// Records that these objects may be created (one statement per 200;
    /// an object already intended keeps its first time).
    pub async fn intend_creates(&self, objects: &[(ObjectType, String)], now: DateTime<Utc>) -> Result<(), StateError> {
        let at = text(now);
        for chunk in objects.chunks(PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, $2, {})", placeholders(3 + 2 * i, 2)))
                .collect();
            let sql = format!(
                "INSERT INTO cycle_create_intents (job_id, intended_at, object_type, source_id) VALUES {} \
                 ON CONFLICT (job_id, object_type, source_id) DO NOTHING",
                rows.join(", ")
            );
            let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id).bind(&at);
            chunk
                .iter()
                .fold(query, |q, (kind, id)| q.bind(kind.as_str()).bind(id))
                .execute(self.store.writer())
                .await?;
        }
        Ok(())
    }

    /// Up to `limit` intents after the key `after`, in key order.
    pub async fn create_intents(
        &self,
        after: Option<(ObjectType, &str)>,
        limit: u32,
    ) -> Result<Vec<(ObjectType, String)>, StateError> {
        let (kind, id) = after.map_or(("", ""), |(kind, id)| (kind.as_str(), id));
        let rows = sqlx::query(
            "SELECT object_type, source_id FROM cycle_create_intents WHERE job_id = $1 \
             AND (object_type > $2 OR (object_type = $2 AND source_id > $3)) \
             ORDER BY object_type, source_id LIMIT $4",
        )
        .bind(&self.job_id)
        .bind(kind)
        .bind(id)
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    object_type(&row.try_get::<String, _>("object_type")?)?,
                    row.try_get("source_id")?,
                ))
            })
            .collect()
    }

    /// Drops one object's intent (reconciled).
    pub async fn drop_create_intent(&self, kind: ObjectType, source_id: &str) -> Result<(), StateError> {
        sqlx::query("DELETE FROM cycle_create_intents WHERE job_id = $1 AND object_type = $2 AND source_id = $3")
            .bind(&self.job_id)
            .bind(kind.as_str())
            .bind(source_id)
            .execute(self.store.writer())
            .await?;
        Ok(())
    }

    /// Drops these objects' intents, in the caller's transaction: the page
    /// that recorded them is done. Other intents (a page's that a crash
    /// left, not reconciled yet) stay.
    pub(crate) async fn drop_create_intents_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        objects: &[(ObjectType, String)],
    ) -> Result<(), StateError> {
        for kind in [ObjectType::User, ObjectType::Group] {
            let ids: Vec<&String> = objects.iter().filter(|(k, _)| *k == kind).map(|(_, id)| id).collect();
            for chunk in ids.chunks(PER_STATEMENT) {
                let sql = format!(
                    "DELETE FROM cycle_create_intents WHERE job_id = $1 AND object_type = $2 AND source_id IN ({})",
                    placeholders(3, chunk.len())
                );
                chunk
                    .iter()
                    .fold(
                        sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(&self.job_id)
                            .bind(kind.as_str()),
                        |q, id| q.bind(*id),
                    )
                    .execute(&mut *connection)
                    .await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, state};
    use super::*;

    #[tokio::test]
    async fn intents_are_kept_until_dropped() {
        let s = state("j").await;
        let other = s.store.cycle_state("other");
        let many: Vec<(ObjectType, String)> = (0..450).map(|i| (ObjectType::User, format!("u{i:03}"))).collect();
        s.intend_creates(&many, at(1)).await.unwrap();
        s.intend_creates(
            &[(ObjectType::Group, "g1".into()), (ObjectType::User, "u000".into())],
            at(2),
        )
        .await
        .unwrap();
        other
            .intend_creates(&[(ObjectType::User, "x".into())], at(1))
            .await
            .unwrap();
        let first = s.create_intents(None, 3).await.unwrap();
        assert_eq!(
            first,
            [
                (ObjectType::Group, "g1".to_owned()),
                (ObjectType::User, "u000".to_owned()),
                (ObjectType::User, "u001".to_owned())
            ]
        );
        assert_eq!(s.create_intents(None, 1000).await.unwrap().len(), 451);
        let next = s.create_intents(Some((ObjectType::User, "u001")), 1).await.unwrap();
        assert_eq!(next, [(ObjectType::User, "u002".to_owned())]);
        s.drop_create_intent(ObjectType::Group, "g1").await.unwrap();
        assert_eq!(s.create_intents(None, 1).await.unwrap()[0].1, "u000");
        let mut tx = s.store.writer().begin().await.unwrap();
        s.drop_create_intents_in(&mut tx, &many[1..]).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            s.create_intents(None, 10).await.unwrap(),
            [(ObjectType::User, "u000".to_owned())]
        );
        assert_eq!(
            other.create_intents(None, 10).await.unwrap().len(),
            1,
            "another job's stay"
        );
    }
}
