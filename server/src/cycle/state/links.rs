//! Links: which target object each source object of a job is provisioned
//! to. One target per source and one source per target, per object type.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use super::{CycleState, StateError, count, object_type, text, time};
use crate::directory::ObjectType;

/// One source object linked to one target object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub object_type: ObjectType,
    pub source_id: String,
    pub target_id: String,
    pub linked_at: DateTime<Utc>,
}

/// What [`CycleState::link`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Linked {
    /// The source had no link.
    Created,
    /// The source was already linked to that target; nothing was written.
    Unchanged,
    /// The source was linked to another target, which is now unlinked.
    Replaced { previous_target: String },
    /// [`CycleState::link_if_unlinked`] only: the source is linked to another
    /// target, and that link stays; nothing was written.
    KeptOther { linked_target: String },
}

impl CycleState {
    /// Links the source object to the target object. Idempotent; linking
    /// a source to a different target replaces its link in one statement.
    /// A target linked to another source is refused with
    /// [`StateError::TargetLinked`] (unlink that source first).
    pub async fn link(
        &self,
        object_type: ObjectType,
        source_id: &str,
        target_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Linked, StateError> {
        // No transaction: on SQLite one that reads before it writes can fail
        // when another job's writer commits in between. The single upsert
        // keeps the data right; the read only decides what is reported.
        let previous = self.target_of(object_type, source_id).await?;
        if previous.as_deref() == Some(target_id) {
            return Ok(Linked::Unchanged);
        }
        let written = sqlx::query(
            "INSERT INTO cycle_links (job_id, object_type, source_id, target_id, linked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, object_type, source_id) \
             DO UPDATE SET target_id = excluded.target_id, linked_at = excluded.linked_at",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(target_id)
        .bind(text(now))
        .execute(self.store.writer())
        .await;
        match written {
            Ok(_) => Ok(match previous {
                Some(previous_target) => Linked::Replaced { previous_target },
                None => Linked::Created,
            }),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StateError::TargetLinked {
                object_type,
                target_id: target_id.to_owned(),
                source_id: self.source_of(object_type, target_id).await?.unwrap_or_default(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Links the source object to a target object just created for it,
    /// never replacing a link another run made meanwhile: then nothing is
    /// written and the answer is [`Linked::KeptOther`] (the caller reports
    /// the new object as not provisioned).
    pub async fn link_if_unlinked(
        &self,
        object_type: ObjectType,
        source_id: &str,
        target_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Linked, StateError> {
        let written = sqlx::query(
            "INSERT INTO cycle_links (job_id, object_type, source_id, target_id, linked_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, object_type, source_id) DO NOTHING",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .bind(target_id)
        .bind(text(now))
        .execute(self.store.writer())
        .await;
        match written {
            Ok(done) if done.rows_affected() == 1 => Ok(Linked::Created),
            Ok(_) => match self.target_of(object_type, source_id).await? {
                Some(existing) if existing == target_id => Ok(Linked::Unchanged),
                Some(existing) => Ok(Linked::KeptOther {
                    linked_target: existing,
                }),
                // Unlinked again in between: link it now.
                None => self.link(object_type, source_id, target_id, now).await,
            },
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StateError::TargetLinked {
                object_type,
                target_id: target_id.to_owned(),
                source_id: self.source_of(object_type, target_id).await?.unwrap_or_default(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Links objects just created for them, in the caller's transaction
    /// (a cycle's page), never replacing a link: a source already linked
    /// keeps its link (a cycle holds the job's lease, so none is made
    /// meanwhile but by this run). `links` are (type, source id, target id).
    pub async fn link_created_in(
        &self,
        connection: &mut sqlx::AnyConnection,
        links: &[(ObjectType, String, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StateError> {
        for chunk in links.chunks(LINKS_PER_INSERT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("($1, ${}, ${}, ${}, $2)", 3 * row + 3, 3 * row + 4, 3 * row + 5))
                .collect();
            let sql = format!(
                "INSERT INTO cycle_links (job_id, object_type, source_id, target_id, linked_at) VALUES {} \
                 ON CONFLICT (job_id, object_type, source_id) DO NOTHING",
                rows.join(", ")
            );
            let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(&self.job_id).bind(text(now));
            let query = chunk.iter().fold(query, |q, (kind, source, target)| {
                q.bind(kind.as_str()).bind(source).bind(target)
            });
            query.execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Removes the source object's link; false when it had none.
    pub async fn unlink(&self, object_type: ObjectType, source_id: &str) -> Result<bool, StateError> {
        let deleted = sqlx::query("DELETE FROM cycle_links WHERE job_id = $1 AND object_type = $2 AND source_id = $3")
            .bind(&self.job_id)
            .bind(object_type.as_str())
            .bind(source_id)
            .execute(self.store.writer())
            .await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// The target object the source object is linked to.
    pub async fn target_of(&self, object_type: ObjectType, source_id: &str) -> Result<Option<String>, StateError> {
        Ok(sqlx::query_scalar(
            "SELECT target_id FROM cycle_links WHERE job_id = $1 AND object_type = $2 AND source_id = $3",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(source_id)
        .fetch_optional(self.store.pool())
        .await?)
    }

    /// The source object linked to the target object.
    pub async fn source_of(&self, object_type: ObjectType, target_id: &str) -> Result<Option<String>, StateError> {
        Ok(sqlx::query_scalar(
            "SELECT source_id FROM cycle_links WHERE job_id = $1 AND object_type = $2 AND target_id = $3",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        .bind(target_id)
        .fetch_optional(self.store.pool())
        .await?)
    }

    /// At most `limit` links of the type, by source id, after the source id
    /// `after` (from the start when `None`). A full sweep passes the last
    /// source id of each page until a page comes back shorter than `limit`;
    /// memory holds one page, however large the directory.
    pub async fn links_page(
        &self,
        object_type: ObjectType,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Link>, StateError> {
        let rows = sqlx::query(
            "SELECT object_type, source_id, target_id, linked_at FROM cycle_links \
             WHERE job_id = $1 AND object_type = $2 AND source_id > $3 ORDER BY source_id LIMIT $4",
        )
        .bind(&self.job_id)
        .bind(object_type.as_str())
        // Every id sorts after the empty string.
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(link).collect()
    }

    /// The target ids of these source objects, of any type (directory ids
    /// are unique across users and groups); unlinked ones are left out.
    pub async fn targets_of(&self, source_ids: &[String]) -> Result<HashMap<String, String>, StateError> {
        self.linked_by(LinkSide::Source, source_ids).await
    }

    /// The source ids of these target objects, of any type; unlinked ones
    /// are left out (the logs name referenced objects through it).
    pub async fn sources_of(&self, target_ids: &[String]) -> Result<HashMap<String, String>, StateError> {
        self.linked_by(LinkSide::Target, target_ids).await
    }

    /// The links whose `side` is one of `ids`: each id to the other side's.
    async fn linked_by(&self, side: LinkSide, ids: &[String]) -> Result<HashMap<String, String>, StateError> {
        let (key, other) = match side {
            LinkSide::Source => ("source_id", "target_id"),
            LinkSide::Target => ("target_id", "source_id"),
        };
        let mut found = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let rows = sqlx::query(sqlx::AssertSqlSafe(by_ids_sql(
                "source_id, target_id",
                "cycle_links",
                key,
                chunk.len(),
            )))
            .bind(&self.job_id);
            let rows = chunk
                .iter()
                .fold(rows, |q, id| q.bind(id))
                .fetch_all(self.store.pool())
                .await?;
            for row in rows {
                found.insert(row.try_get(key)?, row.try_get(other)?);
            }
        }
        Ok(found)
    }

    /// Which of these target ids are still linked to a source object.
    pub async fn linked_targets(&self, target_ids: &[String]) -> Result<HashSet<String>, StateError> {
        let mut found = HashSet::new();
        for chunk in target_ids.chunks(IN_CHUNK) {
            let rows = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(by_ids_sql(
                "target_id",
                "cycle_links",
                "target_id",
                chunk.len(),
            )))
            .bind(&self.job_id);
            found.extend(
                chunk
                    .iter()
                    .fold(rows, |q, id| q.bind(id))
                    .fetch_all(self.store.pool())
                    .await?,
            );
        }
        Ok(found)
    }

    /// How many objects of the type the job has linked.
    pub async fn link_count(&self, object_type: ObjectType) -> Result<u64, StateError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cycle_links WHERE job_id = $1 AND object_type = $2")
            .bind(&self.job_id)
            .bind(object_type.as_str())
            .fetch_one(self.store.pool())
            .await?;
        Ok(count(n))
    }
}

/// Ids per `IN (…)` list: well under SQLite's and PostgreSQL's parameter limits.
pub(super) const IN_CHUNK: usize = 200;

/// Links per multi-row insert: three parameters each (and two shared).
const LINKS_PER_INSERT: usize = crate::store::rows_per_statement(3);

/// The rows of the job whose `key` is one of `n` ids (bound from `$2`).
/// The cycle tables' keys lead with `(job_id, object_type)`: naming both
/// types lets the database seek each id in the key, where `job_id` alone
/// would read every row of the job (a lookup that grew with the job).
pub(super) fn by_ids_sql(columns: &str, table: &str, key: &str, n: usize) -> String {
    format!(
        "SELECT {columns} FROM {table} WHERE job_id = $1 AND object_type IN ('group', 'user') AND {key} IN ({})",
        placeholders(2, n)
    )
}

/// Which side of a link a lookup starts from.
#[derive(Debug, Clone, Copy)]
enum LinkSide {
    Source,
    Target,
}

pub(super) use crate::store::placeholders;

fn link(row: &AnyRow) -> Result<Link, StateError> {
    let kind: String = row.try_get("object_type")?;
    let linked_at: String = row.try_get("linked_at")?;
    Ok(Link {
        object_type: object_type(&kind)?,
        source_id: row.try_get("source_id")?,
        target_id: row.try_get("target_id")?,
        linked_at: time(&linked_at)?,
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::{at, state};
    use super::*;

    const USER: ObjectType = ObjectType::User;

    #[tokio::test]
    async fn a_pages_created_objects_are_linked_at_once_without_replacing_a_link() {
        let s = state("j").await;
        s.link(USER, "u0", "kept", at(1)).await.unwrap();
        let mut links: Vec<(ObjectType, String, String)> =
            (0..250).map(|i| (USER, format!("u{i}"), format!("t{i}"))).collect();
        links.push((ObjectType::Group, "g1".into(), "tg1".into()));
        let mut tx = s.store.writer().begin().await.unwrap();
        s.link_created_in(&mut tx, &links, at(2)).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(s.target_of(USER, "u0").await.unwrap().as_deref(), Some("kept"));
        assert_eq!(s.target_of(USER, "u249").await.unwrap().as_deref(), Some("t249"));
        assert_eq!(
            s.target_of(ObjectType::Group, "g1").await.unwrap().as_deref(),
            Some("tg1")
        );
        assert_eq!(s.link_count(USER).await.unwrap(), 250);
        let page = s.links_page(USER, Some("u1"), 1).await.unwrap();
        assert_eq!(page.first().map(|l| l.linked_at), Some(at(2)));
    }

    #[tokio::test]
    async fn linking_is_idempotent_and_relinking_replaces() {
        let s = state("j").await;
        assert_eq!(s.link(USER, "u1", "t1", at(1)).await.unwrap(), Linked::Created);
        assert_eq!(s.link(USER, "u1", "t1", at(2)).await.unwrap(), Linked::Unchanged);
        assert_eq!(
            s.link(USER, "u1", "t2", at(3)).await.unwrap(),
            Linked::Replaced {
                previous_target: "t1".into()
            }
        );
        assert_eq!(s.target_of(USER, "u1").await.unwrap().as_deref(), Some("t2"));
        assert_eq!(s.source_of(USER, "t1").await.unwrap(), None);
        assert_eq!(s.source_of(USER, "t2").await.unwrap().as_deref(), Some("u1"));
        assert_eq!(s.link_count(USER).await.unwrap(), 1);
        let page = s.links_page(USER, None, 10).await.unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page.first().map(|l| l.linked_at), Some(at(3)));
    }

    #[tokio::test]
    async fn a_target_has_one_source() {
        let s = state("j").await;
        s.link(USER, "u1", "t1", at(1)).await.unwrap();
        let refused = s.link(USER, "u2", "t1", at(2)).await;
        assert!(
            matches!(&refused, Err(StateError::TargetLinked { source_id, .. }) if source_id == "u1"),
            "{refused:?}"
        );
        assert_eq!(s.target_of(USER, "u2").await.unwrap(), None);
        assert!(s.unlink(USER, "u1").await.unwrap());
        assert!(!s.unlink(USER, "u1").await.unwrap());
        assert_eq!(s.link(USER, "u2", "t1", at(3)).await.unwrap(), Linked::Created);
    }

    #[tokio::test]
    async fn links_are_per_job_and_object_type() {
        let store = crate::store::Store::open("sqlite::memory:").await.unwrap();
        let (a, b) = (store.cycle_state("a"), store.cycle_state("b"));
        a.link(USER, "x", "t", at(1)).await.unwrap();
        b.link(USER, "x", "t", at(1)).await.unwrap();
        a.link(ObjectType::Group, "x", "t", at(1)).await.unwrap();
        assert_eq!(a.link_count(USER).await.unwrap(), 1);
        assert_eq!(a.link_count(ObjectType::Group).await.unwrap(), 1);
        assert!(a.unlink(USER, "x").await.unwrap());
        assert_eq!(b.target_of(USER, "x").await.unwrap().as_deref(), Some("t"));
        assert_eq!(a.target_of(ObjectType::Group, "x").await.unwrap().as_deref(), Some("t"));
    }

    #[tokio::test]
    async fn pages_resume_after_the_last_source() {
        let s = state("j").await;
        for i in 0..25 {
            s.link(USER, &format!("u{i:02}"), &format!("t{i}"), at(1))
                .await
                .unwrap();
        }
        let (mut seen, mut after) = (Vec::new(), None::<String>);
        loop {
            let page = s.links_page(USER, after.as_deref(), 10).await.unwrap();
            seen.extend(page.iter().map(|l| l.source_id.clone()));
            after = page.last().map(|l| l.source_id.clone());
            if page.len() < 10 {
                break;
            }
        }
        let expected: Vec<String> = (0..25).map(|i| format!("u{i:02}")).collect();
        assert_eq!(seen, expected);
    }

    #[tokio::test]
    async fn targets_and_sources_of_many_ids_at_once() {
        let s = state("j").await;
        s.link(USER, "u1", "t1", at(1)).await.unwrap();
        s.link(ObjectType::Group, "g1", "t9", at(1)).await.unwrap();
        let ids = |ids: &[&str]| ids.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>();
        let sources = s.sources_of(&ids(&["t1", "t9", "t5"])).await.unwrap();
        assert_eq!(sources.len(), 2);
        assert_eq!((sources["t1"].as_str(), sources["t9"].as_str()), ("u1", "g1"));
        let targets = s.targets_of(&ids(&["u1", "g1", "u5"])).await.unwrap();
        assert_eq!((targets.len(), targets["g1"].as_str()), (2, "t9"));
    }

    /// The plan SQLite chooses for `sql`, one line per step.
    pub(crate) async fn plan(s: &CycleState, sql: &str, params: usize) -> String {
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let query = (0..params).fold(sqlx::query(sqlx::AssertSqlSafe(explain)), |q, _| q.bind("x"));
        let rows = query.fetch_all(s.store.pool()).await.unwrap();
        rows.iter()
            .map(|row| row.try_get::<String, _>("detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn lookups_by_id_seek_the_id_instead_of_reading_the_jobs_rows() {
        let s = state("j").await;
        for (table, key, columns) in [
            ("cycle_links", "source_id", "source_id, target_id"),
            ("cycle_links", "target_id", "target_id"),
            ("cycle_escrows", "source_id", "source_id"),
        ] {
            let plan = plan(&s, &by_ids_sql(columns, table, key, 3), 4).await;
            assert!(
                plan.contains(&format!("(job_id=? AND object_type=? AND {key}=?)")),
                "{table} by {key}: {plan}"
            );
        }
    }
}
