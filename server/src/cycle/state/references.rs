//! References a job keeps in step (a user's manager, a group's members):
//! per object and reference attribute, the source ids the directory names
//! and the target ids last written, so that a cycle resolves them once the
//! referenced objects exist in the target and sends only the differences.

use sqlx::Row as _;
use sqlx::any::AnyRow;

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
    /// attribute. Marks the row [`Pending::Changed`] when that differs from
    /// what was recorded (or nothing was), and leaves it alone otherwise, so
    /// an object in step costs one read.
    pub async fn want_references(
        &self,
        object_type: ObjectType,
        source_id: &str,
        path: &str,
        target_id: &str,
        desired: &[String],
    ) -> Result<(), StateError> {
        // One statement: a row in step is left alone by the `WHERE`.
        sqlx::query(
            "INSERT INTO cycle_references (job_id, object_type, source_id, path, target_id, desired, exported, pending) \
             VALUES ($1, $2, $3, $4, $5, $6, '[]', 1) ON CONFLICT (job_id, object_type, source_id, path) \
             DO UPDATE SET target_id = excluded.target_id, desired = excluded.desired, pending = 1 \
             WHERE cycle_references.desired <> excluded.desired OR cycle_references.target_id <> excluded.target_id",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(path)
        .bind(target_id)
        .bind(ids_text(desired))
        .execute(self.store.writer())
        .await?;
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
        for chunk in rows.chunks(200) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let first = i * 5 + 2;
                    let params: Vec<String> = (first..first + 5).map(|n| format!("${n}")).collect();
                    format!("({})", params.join(", "))
                })
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
    /// deleted from the target: its groups and reports must drop it).
    pub async fn touch_references_to(&self, source_id: &str) -> Result<(), StateError> {
        // Ids are stored as a JSON array of strings: the quoted id matches
        // exactly one element (directory ids contain no quotes).
        sqlx::query("UPDATE cycle_references SET pending = 1 WHERE job_id = $1 AND desired LIKE $2")
            .bind(&self.job_id)
            .bind(format!("%{}%", serde_json::Value::from(source_id)))
            .execute(self.store.writer())
            .await?;
        Ok(())
    }

    /// Forgets the object's references (it was deleted from the target).
    pub async fn drop_references(&self, object_type: ObjectType, source_id: &str) -> Result<(), StateError> {
        sqlx::query("DELETE FROM cycle_references WHERE job_id = $1 AND object_type = $2 AND source_id = $3")
            .bind(&self.job_id)
            .bind(object_type.as_str())
            .bind(source_id)
            .execute(self.store.writer())
            .await?;
        Ok(())
    }
}

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
