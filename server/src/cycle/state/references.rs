//! References a job keeps in step (a user's manager, a group's members):
//! per object and reference attribute, the source ids the directory names
//! and the target ids last written, so that a cycle resolves them once the
//! referenced objects exist in the target and sends only the differences.

use std::collections::HashMap;

use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::links::placeholders;
use super::{CycleState, StateError, corrupt, object_type};
use crate::directory::ObjectType;

/// Why a reference row is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// In step: the target holds what the directory names.
    Settled,
    /// The directory's value changed, or writing it failed: resolve again.
    Changed,
    /// Some referenced objects have no target object yet: resolve again
    /// once a cycle links new objects.
    Unresolved,
}

impl Pending {
    fn as_i64(self) -> i64 {
        match self {
            Pending::Settled => 0,
            Pending::Changed => 1,
            Pending::Unresolved => 2,
        }
    }

    fn from_i64(n: i64) -> Pending {
        match n {
            0 => Pending::Settled,
            2 => Pending::Unresolved,
            _ => Pending::Changed,
        }
    }
}

/// One reference attribute of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRow {
    pub object_type: ObjectType,
    pub source_id: String,
    /// The target path, e.g. `members` or the enterprise extension's `manager`.
    pub path: String,
    /// The object's own target id.
    pub target_id: String,
    /// Source ids the directory names.
    pub desired: Vec<String>,
    /// Target ids last written to the target.
    pub exported: Vec<String>,
    pub pending: Pending,
}

/// [`CycleState::pending_references`]' query.
const PENDING_REFERENCES: &str = "SELECT object_type, source_id, path, target_id, desired, exported, pending \
     FROM cycle_references WHERE job_id = $1 AND pending = $2 \
     AND (object_type > $3 OR (object_type = $3 AND (source_id > $4 OR (source_id = $4 AND path > $5)))) \
     ORDER BY object_type, source_id, path LIMIT $6";

impl CycleState {
    /// Records what the directory names for the object's reference
    /// attribute (one [`WantedReference`]), at once. See
    /// [`CycleState::want_references_in`].
    pub async fn want_references(
        &self,
        object_type: ObjectType,
        source_id: &str,
        path: &str,
        target_id: &str,
        desired: &[String],
    ) -> Result<(), StateError> {
        let wanted = WantedReference {
            object_type,
            source_id: source_id.to_owned(),
            path: path.to_owned(),
            target_id: target_id.to_owned(),
            desired: desired.to_vec(),
        };
        let mut tx = self.store.writer().begin().await?;
        self.want_references_in(&mut tx, std::slice::from_ref(&wanted)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records what the directory names for objects' reference attributes,
    /// in the caller's transaction (a page's). A row whose value or
    /// target id differs from what was recorded (or that is new) is marked
    /// [`Pending::Changed`] and its ids are indexed again; a row in step is
    /// left alone by the statement's `WHERE`, so objects in step cost one
    /// statement for the page. Of an object named twice, the last counts.
    pub async fn want_references_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        wanted: &[WantedReference],
    ) -> Result<(), StateError> {
        let mut last: HashMap<(ObjectType, &str, &str), &WantedReference> = HashMap::new();
        for one in wanted {
            last.insert((one.object_type, &one.source_id, &one.path), one);
        }
        let rows: Vec<&WantedReference> = last.into_values().collect();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, {}, '[]', 1)", placeholders(i * 5 + 2, 5)))
                .collect();
            let sql = format!(
                "INSERT INTO cycle_references (job_id, object_type, source_id, path, target_id, desired, exported, pending) \
                 VALUES {} ON CONFLICT (job_id, object_type, source_id, path) \
                 DO UPDATE SET target_id = excluded.target_id, desired = excluded.desired, pending = 1 \
                 WHERE cycle_references.desired <> excluded.desired OR cycle_references.target_id <> excluded.target_id \
                 RETURNING object_type, source_id, path",
                values.join(", ")
            );
            let query = chunk.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id),
                |query, one| {
                    query
                        .bind(one.object_type.as_str())
                        .bind(one.source_id.clone())
                        .bind(one.path.clone())
                        .bind(one.target_id.clone())
                        .bind(ids_text(&one.desired))
                },
            );
            let mut changed = Vec::new();
            for row in query.fetch_all(&mut *connection).await? {
                let key = (
                    object_type(&row.try_get::<String, _>("object_type")?)?,
                    row.try_get::<String, _>("source_id")?,
                    row.try_get::<String, _>("path")?,
                );
                if let Some(one) = chunk
                    .iter()
                    .find(|one| (one.object_type, &one.source_id, &one.path) == (key.0, &key.1, &key.2))
                {
                    changed.push(*one);
                }
            }
            self.index_ids(connection, &changed).await?;
        }
        Ok(())
    }

    /// Replaces the indexed ids of these rows with the ids they name now.
    async fn index_ids(
        &self,
        connection: &mut sqlx::AnyConnection,
        rows: &[&WantedReference],
    ) -> Result<(), StateError> {
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let keys: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(i * 3 + 2, 3)))
                .collect();
            let sql = format!(
                "DELETE FROM cycle_reference_ids WHERE job_id = $1 AND (object_type, source_id, path) IN (VALUES {})",
                keys.join(", ")
            );
            let query = chunk.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id),
                |query, row| {
                    query
                        .bind(row.object_type.as_str())
                        .bind(row.source_id.clone())
                        .bind(row.path.clone())
                },
            );
            query.execute(&mut *connection).await?;
        }
        let named: Vec<(&WantedReference, &String)> = rows
            .iter()
            .flat_map(|row| {
                let mut ids: Vec<&String> = row.desired.iter().collect();
                ids.sort();
                ids.dedup();
                ids.into_iter().map(move |id| (*row, id))
            })
            .collect();
        for chunk in named.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("($1, {})", placeholders(i * 4 + 2, 4)))
                .collect();
            let sql = format!(
                "INSERT INTO cycle_reference_ids (job_id, referenced_id, object_type, source_id, path) VALUES {}",
                values.join(", ")
            );
            let query = chunk.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id),
                |query, (row, id)| {
                    query
                        .bind((*id).clone())
                        .bind(row.object_type.as_str())
                        .bind(row.source_id.clone())
                        .bind(row.path.clone())
                },
            );
            query.execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// The row of one reference attribute, if the job keeps one.
    pub async fn reference(
        &self,
        object_type: ObjectType,
        source_id: &str,
        path: &str,
    ) -> Result<Option<ReferenceRow>, StateError> {
        let row = sqlx::query(
            "SELECT object_type, source_id, path, target_id, desired, exported, pending FROM cycle_references \
             WHERE job_id = $1 AND object_type = $2 AND source_id = $3 AND path = $4",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(path)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(reference_row).transpose()
    }

    /// Stores what was written to the target and whether each row still
    /// waits: a page of rows in one statement.
    pub async fn settle_references(&self, rows: &[ReferenceRow]) -> Result<(), StateError> {
        // Five parameters a row, after the job's.
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", placeholders(i * 5 + 2, 5)))
                .collect();
            // VALUES columns are named column1, column2, … on SQLite and
            // PostgreSQL alike.
            let sql = format!(
                "UPDATE cycle_references SET exported = v.column4, pending = v.column5 FROM (VALUES {}) AS v \
                 WHERE cycle_references.job_id = $1 AND cycle_references.object_type = v.column1 \
                 AND cycle_references.source_id = v.column2 AND cycle_references.path = v.column3",
                values.join(", ")
            );
            let query = chunk.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id),
                |query, row| {
                    query
                        .bind(row.object_type.as_str())
                        .bind(row.source_id.clone())
                        .bind(row.path.clone())
                        .bind(ids_text(&row.exported))
                        .bind(row.pending.as_i64())
                },
            );
            query.execute(self.store.writer()).await?;
        }
        Ok(())
    }

    /// Up to `limit` rows waiting for this reason, after the key `after`
    /// (object type, source id, path), in key order: a sweep passes the
    /// last row's key until a page comes back short. One reason a query,
    /// so the `cycle_references_pending` index yields the rows in order:
    /// the sweep reads the rows waiting, not every row of the job.
    pub async fn pending_references(
        &self,
        reason: Pending,
        after: Option<(ObjectType, &str, &str)>,
        limit: u32,
    ) -> Result<Vec<ReferenceRow>, StateError> {
        let (kind, source, path) = after.map_or(("", "", ""), |(k, s, p)| (k.as_str(), s, p));
        let rows = sqlx::query(PENDING_REFERENCES)
            .bind(&self.job_id)
            .bind(reason.as_i64())
            .bind(kind)
            .bind(source)
            .bind(path)
            .bind(i64::from(limit))
            .fetch_all(self.store.pool())
            .await?;
        rows.iter().map(reference_row).collect()
    }

    /// Marks every row naming this source object as changed (it was
    /// deleted from the target: its groups and reports must drop it): the
    /// rows are found through the ids they name, not by reading them all.
    pub async fn touch_references_to(&self, source_id: &str) -> Result<(), StateError> {
        sqlx::query(TOUCH_REFERENCES_TO)
            .bind(&self.job_id)
            .bind(source_id)
            .execute(self.store.writer())
            .await?;
        Ok(())
    }

    /// Forgets the object's references (it was deleted from the target).
    pub async fn drop_references(&self, object_type: ObjectType, source_id: &str) -> Result<(), StateError> {
        let mut tx = self.store.writer().begin().await?;
        for table in ["cycle_references", "cycle_reference_ids"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE job_id = $1 AND object_type = $2 AND source_id = $3"
            )))
            .bind(&self.job_id)
            .bind(object_type.as_str())
            .bind(source_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// What the directory names for one reference attribute of one object, to
/// be recorded ([`CycleState::want_references_in`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WantedReference {
    pub object_type: ObjectType,
    pub source_id: String,
    pub path: String,
    /// The object's own target id.
    pub target_id: String,
    /// Source ids the directory names.
    pub desired: Vec<String>,
}

/// [`CycleState::touch_references_to`]'s statement.
const TOUCH_REFERENCES_TO: &str = "UPDATE cycle_references SET pending = 1 WHERE job_id = $1 AND \
     (object_type, source_id, path) IN \
     (SELECT object_type, source_id, path FROM cycle_reference_ids WHERE job_id = $1 AND referenced_id = $2)";

/// Rows per multi-row statement: at most five parameters each.
const ROWS_PER_STATEMENT: usize = crate::store::rows_per_statement(5);

fn ids_text(ids: &[String]) -> String {
    serde_json::Value::from(ids.to_vec()).to_string()
}

fn ids(text: &str) -> Result<Vec<String>, StateError> {
    serde_json::from_str(text).map_err(|e| corrupt(format!("reference ids `{text}` ({e})")))
}

fn reference_row(row: &AnyRow) -> Result<ReferenceRow, StateError> {
    let kind: String = row.try_get("object_type")?;
    let desired: String = row.try_get("desired")?;
    let exported: String = row.try_get("exported")?;
    Ok(ReferenceRow {
        object_type: object_type(&kind)?,
        source_id: row.try_get("source_id")?,
        path: row.try_get("path")?,
        target_id: row.try_get("target_id")?,
        desired: ids(&desired)?,
        exported: ids(&exported)?,
        pending: Pending::from_i64(row.try_get("pending")?),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::state;
    use super::*;

    const USER: ObjectType = ObjectType::User;

    #[tokio::test]
    async fn a_changed_value_is_pending_until_settled() {
        let s = state("j").await;
        s.want_references(USER, "u1", "manager", "t1", &["u2".into()])
            .await
            .unwrap();
        let mut row = s.reference(USER, "u1", "manager").await.unwrap().unwrap();
        assert_eq!((row.pending, row.exported.len()), (Pending::Changed, 0));

        row.exported = vec!["t2".into()];
        row.pending = Pending::Settled;
        s.settle_references(std::slice::from_ref(&row)).await.unwrap();
        // The same value again changes nothing.
        s.want_references(USER, "u1", "manager", "t1", &["u2".into()])
            .await
            .unwrap();
        assert_eq!(s.reference(USER, "u1", "manager").await.unwrap(), Some(row.clone()));
        assert!(
            s.pending_references(Pending::Changed, None, 10)
                .await
                .unwrap()
                .is_empty()
        );

        // Another one keeps what was exported, for the difference.
        s.want_references(USER, "u1", "manager", "t1", &["u3".into()])
            .await
            .unwrap();
        let changed = s.reference(USER, "u1", "manager").await.unwrap().unwrap();
        assert_eq!(
            (changed.pending, changed.exported),
            (Pending::Changed, vec!["t2".to_owned()])
        );
        s.drop_references(USER, "u1").await.unwrap();
        assert_eq!(s.reference(USER, "u1", "manager").await.unwrap(), None);
    }

    #[tokio::test]
    async fn rows_naming_a_deleted_object_are_found_by_its_id() {
        let s = state("j").await;
        let want = async |kind, source: &str, path: &str, desired: &[&str]| {
            let desired: Vec<String> = desired.iter().map(|id| (*id).to_owned()).collect();
            s.want_references(kind, source, path, "t", &desired).await.unwrap();
            let mut row = s.reference(kind, source, path).await.unwrap().unwrap();
            row.pending = Pending::Settled;
            s.settle_references(std::slice::from_ref(&row)).await.unwrap();
        };
        want(ObjectType::Group, "g1", "members", &["u1", "u2"]).await;
        want(ObjectType::User, "u3", "manager", &["u1"]).await;
        want(ObjectType::User, "u4", "manager", &["u2"]).await;
        // g1 no longer names u1: its ids follow.
        want(ObjectType::Group, "g1", "members", &["u2"]).await;
        let changed = async || {
            let rows = s.pending_references(Pending::Changed, None, 10).await.unwrap();
            let mut sources: Vec<String> = rows.into_iter().map(|row| row.source_id).collect();
            sources.sort();
            sources
        };
        s.touch_references_to("u1").await.unwrap();
        assert_eq!(changed().await, ["u3"]);
        s.touch_references_to("u2").await.unwrap();
        assert_eq!(changed().await, ["g1", "u3", "u4"]);

        s.drop_references(ObjectType::User, "u3").await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycle_reference_ids WHERE source_id = 'u3'")
            .fetch_one(s.store.pool())
            .await
            .unwrap();
        assert_eq!(left, 0, "a dropped row's ids go with it");
        // The rows are sought through the id, not read one by one.
        let plan = super::super::links::tests::plan(&s, TOUCH_REFERENCES_TO, 2).await;
        assert!(
            plan.contains("SEARCH cycle_reference_ids USING COVERING INDEX")
                && plan.contains("(job_id=? AND referenced_id=?)")
                && plan.contains("SEARCH cycle_references")
                && !plan.contains("SCAN"),
            "{plan}"
        );
    }

    #[tokio::test]
    async fn pending_rows_page_by_key_and_reason() {
        let s = state("j").await;
        for i in 0..7 {
            s.want_references(ObjectType::Group, &format!("g{i}"), "members", "t", &[format!("u{i}")])
                .await
                .unwrap();
        }
        let mut unresolved = s.reference(ObjectType::Group, "g3", "members").await.unwrap().unwrap();
        unresolved.pending = Pending::Unresolved;
        s.settle_references(std::slice::from_ref(&unresolved)).await.unwrap();

        let (mut seen, mut after) = (Vec::new(), None::<ReferenceRow>);
        loop {
            let key = after
                .as_ref()
                .map(|r| (r.object_type, r.source_id.as_str(), r.path.as_str()));
            let page = s.pending_references(Pending::Changed, key, 3).await.unwrap();
            seen.extend(page.iter().map(|r| r.source_id.clone()));
            after = page.last().cloned();
            if page.len() < 3 {
                break;
            }
        }
        assert_eq!(seen, ["g0", "g1", "g2", "g4", "g5", "g6"]);
        let waiting = s.pending_references(Pending::Unresolved, None, 10).await.unwrap();
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0].source_id, "g3");
        // The rows waiting are sought in the index, in key order: no sort,
        // no read of every row of the job.
        let plan = super::super::links::tests::plan(&s, PENDING_REFERENCES, 6).await;
        assert!(
            plan.contains("USING INDEX cycle_references_pending (job_id=? AND pending=?") && !plan.contains("B-TREE"),
            "{plan}"
        );
    }
}
