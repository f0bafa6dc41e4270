//! Data a migration adds a place for but cannot fill in portable SQL,
//! filled once per database after the migrations, in its own dialect: the
//! ids each reference row names (`cycle_reference_ids`, migration
//! 20261207000026), read from the rows' JSON arrays. A setting records
//! that a fill is done; filling twice (two instances starting at once on
//! PostgreSQL) inserts nothing twice.

use super::{Backend, Store};
use crate::ServerError;

/// The setting that says the reference ids were filled in.
const REFERENCE_IDS_FILLED: &str = "backfill:cycle_reference_ids";

impl Store {
    /// Fills in what the migrations left empty, once.
    pub(super) async fn backfill(&self) -> Result<(), ServerError> {
        if self.setting(REFERENCE_IDS_FILLED).await?.is_some() {
            return Ok(());
        }
        let ids = match self.backend {
            Backend::Sqlite => "json_each(r.desired) AS j",
            Backend::Postgres => "jsonb_array_elements_text(r.desired::jsonb) AS j(value)",
        };
        let mut tx = self.writer.begin().await?;
        // `WHERE true`: without it SQLite reads `ON CONFLICT` as a join's `ON`.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO cycle_reference_ids (job_id, referenced_id, object_type, source_id, path) \
             SELECT r.job_id, j.value, r.object_type, r.source_id, r.path FROM cycle_references r, {ids} \
             WHERE true ON CONFLICT DO NOTHING"
        )))
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, 'done') ON CONFLICT (key) DO NOTHING")
            .bind(REFERENCE_IDS_FILLED)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reference_rows_stored_before_the_ids_table_get_their_ids_once() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        sqlx::query(
            "INSERT INTO cycle_references (job_id, object_type, source_id, path, target_id, desired, exported, pending) \
             VALUES ('j', 'group', 'g1', 'members', 't1', '[\"u1\",\"u2\"]', '[]', 0), \
             ('j', 'user', 'u3', 'manager', 't3', '[\"u1\"]', '[]', 0), \
             ('j', 'user', 'u4', 'manager', 't4', '[]', '[]', 0)",
        )
        .execute(store.pool())
        .await
        .unwrap();
        store.clear_setting(REFERENCE_IDS_FILLED).await.unwrap();
        store.backfill().await.unwrap();
        store.clear_setting(REFERENCE_IDS_FILLED).await.unwrap();
        store.backfill().await.unwrap();
        let ids: Vec<(String, String)> = sqlx::query_as(
            "SELECT referenced_id, source_id FROM cycle_reference_ids ORDER BY referenced_id, source_id",
        )
        .fetch_all(store.pool())
        .await
        .unwrap();
        let expected = [("u1", "g1"), ("u1", "u3"), ("u2", "g1")].map(|(a, b)| (a.to_owned(), b.to_owned()));
        assert_eq!(ids, expected);
    }
}
