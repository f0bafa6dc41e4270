//! The change log: every directory write runs in a [`Write`], which takes
//! the log's counter first (serialising writers, so sequence numbers commit
//! in order) and appends one entry per changed object, committed with the
//! write. Who waits for changes follows the log's counter in the database
//! (the server's `events` module).

use std::fmt;

use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::{Directory, DirectoryError};

/// Users or groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ObjectType {
    User,
    Group,
}

impl ObjectType {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::User => "user",
            ObjectType::Group => "group",
        }
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ChangeKind {
    Created,
    Updated,
    /// Soft-deleted: hidden from normal reads, restorable.
    Deleted,
    Restored,
    /// Hard-deleted: gone for good.
    Purged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Deleted => "deleted",
            ChangeKind::Restored => "restored",
            ChangeKind::Purged => "purged",
        }
    }

    fn parse(text: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Created,
            ChangeKind::Updated,
            ChangeKind::Deleted,
            ChangeKind::Restored,
            ChangeKind::Purged,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub seq: i64,
    pub object_type: ObjectType,
    pub object_id: String,
    pub change: ChangeKind,
    pub at: String,
}

/// A directory write in progress: a transaction holding the change log's
/// counter. Dropped without [`Write::commit`], it rolls back.
pub(crate) struct Write {
    pub(crate) tx: Transaction<'static, Any>,
    pub(crate) at: String,
    /// The last sequence number logged.
    seq: i64,
    /// The number [`Directory::begin`] took for the first entry: most
    /// writes log exactly one change, and then the counter needs no
    /// second statement at commit.
    reserved: i64,
    /// The extension attributes' version as this write reads it.
    pub(crate) extensions_version: i64,
    /// Where the write goes (PostgreSQL announces its commit).
    backend: crate::store::Backend,
    /// The first object logged and how many were: what the audit trail
    /// records when the write names no event of its own.
    first: Option<(ObjectType, String, ChangeKind)>,
    logged: usize,
    /// The audit event the write names itself ([`Write::audit`]).
    audit: Option<crate::audit::Event>,
}

impl Write {
    /// Appends a change-log entry for the object.
    pub(crate) async fn log(
        &mut self,
        object_type: ObjectType,
        id: &str,
        change: ChangeKind,
    ) -> Result<(), DirectoryError> {
        self.noted(object_type, id, change, 1);
        self.seq += 1;
        sqlx::query(
            "INSERT INTO directory_changes (seq, object_type, object_id, change, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(self.seq)
        .bind(object_type.as_str())
        .bind(id)
        .bind(change.as_str())
        .bind(&self.at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Appends an entry for each of the objects, in one statement.
    pub(crate) async fn log_many(
        &mut self,
        object_type: ObjectType,
        ids: &[&str],
        change: ChangeKind,
    ) -> Result<(), DirectoryError> {
        if let Some(first) = ids.first() {
            self.noted(object_type, first, change, ids.len());
        }
        for chunk in ids.chunks(crate::store::rows_per_statement(5)) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("({})", super::rows::placeholders(i * 5 + 1, 5)))
                .collect();
            let sql = format!(
                "INSERT INTO directory_changes (seq, object_type, object_id, change, at) VALUES {}",
                values.join(", ")
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                self.seq += 1;
                query = query
                    .bind(self.seq)
                    .bind(object_type.as_str())
                    .bind(*id)
                    .bind(change.as_str())
                    .bind(&self.at);
            }
            query.execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Commits the write and its log entries together (the server's
    /// `events` module sees the new latest sequence number in the
    /// database). The counter ends at the last entry logged: a write that
    /// logged none gives back the number it took, so numbers have no gaps.
    /// Names the audit event this write records (instead of the first
    /// object it logged).
    pub(crate) fn audit(&mut self, event: crate::audit::Event) {
        self.audit = Some(event);
    }

    fn noted(&mut self, object_type: ObjectType, id: &str, change: ChangeKind, count: usize) {
        if self.first.is_none() {
            self.first = Some((object_type, id.to_owned(), change));
        }
        self.logged += count;
    }

    /// The audit event of the write: its own, or the first object it
    /// logged (named as the directory names it), with how many it logged.
    async fn audit_event(&mut self) -> Result<Option<crate::audit::Event>, DirectoryError> {
        if let Some(event) = self.audit.take() {
            return Ok(Some(event));
        }
        let Some((object_type, id, change)) = self.first.take() else {
            return Ok(None);
        };
        let (table, names) = match object_type {
            ObjectType::User => ("directory_users", ["userPrincipalName", "displayName"]),
            ObjectType::Group => ("directory_groups", ["displayName", "mailNickname"]),
        };
        let attributes: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT attributes FROM {table} WHERE id = $1"
        )))
        .bind(&id)
        .fetch_optional(&mut *self.tx)
        .await?;
        let name = attributes
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|a| {
                names
                    .iter()
                    .find_map(|n| a.get(*n).and_then(|v| v.as_str()).map(str::to_owned))
            });
        let verb = match change {
            ChangeKind::Created => "create",
            ChangeKind::Updated => "update",
            ChangeKind::Deleted => "delete",
            ChangeKind::Restored => "restore",
            ChangeKind::Purged => "purge",
        };
        let mut event =
            crate::audit::Event::new(format!("{object_type}.{verb}"), object_type.as_str()).target(id, name);
        if self.logged > 1 {
            event = event.details(serde_json::json!({ "objects_changed": self.logged }));
        }
        Ok(Some(event))
    }

    pub(crate) async fn commit(mut self) -> Result<(), DirectoryError> {
        if crate::audit::acting().is_some()
            && let Some(event) = self.audit_event().await?
        {
            crate::audit::record_in(&mut self.tx, event).await?;
        }
        if self.seq != self.reserved {
            sqlx::query("UPDATE directory_sequence SET value = $1 WHERE name = 'changes'")
                .bind(self.seq)
                .execute(&mut *self.tx)
                .await?;
        }
        if self.seq >= self.reserved {
            // Other instances' realtime jobs hear of it at the commit.
            let seq = self.seq.to_string();
            crate::store::notify_in(
                &mut self.tx,
                self.backend,
                crate::store::notify::DIRECTORY_CHANNEL,
                &seq,
            )
            .await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
}

impl Directory {
    /// Starts a write. Its first statement takes the counter's row lock (a
    /// write lock on SQLite), so concurrent writers queue here rather than
    /// failing later when their read would have to become a write. The
    /// same statement takes the first entry's number and reads the
    /// extension attributes' version.
    pub(crate) async fn begin(&self) -> Result<Write, DirectoryError> {
        let mut tx = self.store.writer().begin().await?;
        let rows = sqlx::query(
            "UPDATE directory_sequence SET value = value + CASE WHEN name = 'changes' THEN 1 ELSE 0 END \
             WHERE name IN ('changes', 'extensions') RETURNING name, value",
        )
        .fetch_all(&mut *tx)
        .await?;
        let (mut reserved, mut extensions_version) = (None, 0);
        for row in &rows {
            let value: i64 = row.try_get("value")?;
            match row.try_get::<String, _>("name")?.as_str() {
                "changes" => reserved = Some(value),
                _ => extensions_version = value,
            }
        }
        let reserved = reserved.ok_or_else(|| {
            DirectoryError::Storage(crate::ServerError::Corrupt(
                "the directory's change counter is missing".to_owned(),
            ))
        })?;
        Ok(Write {
            tx,
            at: super::now(),
            seq: reserved - 1,
            reserved,
            extensions_version,
            backend: self.store.backend(),
            first: None,
            logged: 0,
            audit: None,
        })
    }

    /// The latest committed sequence number (0 before the first write).
    pub async fn latest_change(&self) -> Result<i64, DirectoryError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM directory_sequence WHERE name = 'changes'")
                .fetch_one(self.store.pool())
                .await?,
        )
    }

    /// The changes after `watermark`, oldest first, at most `limit`.
    pub async fn changes_since(&self, watermark: i64, limit: i64) -> Result<Vec<Change>, DirectoryError> {
        let rows = sqlx::query(
            "SELECT seq, object_type, object_id, change, at FROM directory_changes \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(watermark)
        .bind(limit)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let object_type: String = row.try_get("object_type")?;
                let change: String = row.try_get("change")?;
                let corrupt = |what: &str| {
                    DirectoryError::Storage(crate::ServerError::Corrupt(format!("change log entry with {what}")))
                };
                Ok(Change {
                    seq: row.try_get("seq")?,
                    object_type: match object_type.as_str() {
                        "user" => ObjectType::User,
                        "group" => ObjectType::Group,
                        other => return Err(corrupt(&format!("object type `{other}`"))),
                    },
                    object_id: row.try_get("object_id")?,
                    change: ChangeKind::parse(&change).ok_or_else(|| corrupt(&format!("change `{change}`")))?,
                    at: row.try_get("at")?,
                })
            })
            .collect()
    }
}
