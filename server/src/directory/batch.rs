//! User writes committed together: [`Directory::write_users`] runs several
//! in one transaction (creates in two statements), and [`GroupCommit`]
//! gathers the writes of concurrent callers (an inbound request's records,
//! all of its people at once) into such groups. On SQLite a transaction's
//! begin and commit cost as much as the writes inside it, and every
//! statement is a hand-off to the connection's thread: a group of fifty
//! creates pays both once instead of fifty times.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value as Json;
use tokio::sync::{mpsc, oneshot};

use super::ObjectType;
use super::attributes::normalise;
use super::changes::{ChangeKind, Write};
use super::model::{User, UserDraft};
use super::rows::{self, OBJECT_COLUMNS, text};
use super::user_rows::{ROWS_PER_INSERT, UserRow, check_managers_exist, insert_rows};
use super::users::{UnknownManager, delete_user_in};
use super::{Directory, DirectoryError};
use crate::ServerError;

/// One user write.
#[derive(Debug, Clone, PartialEq)]
pub enum UserWrite {
    /// A new user; `accountEnabled` defaults to true.
    Create(UserDraft),
    /// Sets these attributes of a live user, or with `Null` removes them
    /// (names compared in any case); the others stay as they are.
    Set {
        id: String,
        attributes: Vec<(String, Json)>,
    },
    /// Soft-deletes a live user.
    Delete { id: String },
}

/// What a write left: the user as written (`None` for a deletion).
pub type UserWritten = Result<Option<User>, DirectoryError>;

/// The most writes one group commits.
pub const GROUP: usize = 64;

impl Directory {
    /// Runs the writes in one transaction and says what became of each.
    /// When one is refused, the transaction is rolled back and each write
    /// runs alone in its own, so a refused write fails alone and the others
    /// are written.
    pub async fn write_users(&self, writes: &[UserWrite]) -> Vec<UserWritten> {
        if writes.len() > 1
            && let Ok(written) = self.write_together(writes).await
        {
            return written.into_iter().map(Ok).collect();
        }
        let mut written = Vec::with_capacity(writes.len());
        for one in writes {
            written.push(self.write_alone(one).await);
        }
        written
    }

    async fn write_together(&self, writes: &[UserWrite]) -> Result<Vec<Option<User>>, DirectoryError> {
        let mut write = self.begin().await?;
        let drafts: Vec<UserDraft> = writes
            .iter()
            .filter_map(|one| match one {
                UserWrite::Create(draft) => Some(draft.clone()),
                _ => None,
            })
            .collect();
        let sets: Vec<(&str, &[(String, Json)])> = writes
            .iter()
            .filter_map(|one| match one {
                UserWrite::Set { id, attributes } => Some((id.as_str(), attributes.as_slice())),
                _ => None,
            })
            .collect();
        let distinct: HashSet<&str> = sets.iter().map(|(id, _)| *id).collect();
        // A group of creates (an initial load's) takes two statements; one
        // of changes to different users (managers resolved) a statement
        // each and two more.
        let written = if drafts.len() == writes.len() {
            let created = self.create_users_in(&mut write, drafts).await?;
            created.into_iter().map(Some).collect()
        } else if sets.len() == writes.len() && distinct.len() == sets.len() {
            let set = self.set_users_in(&mut write, &sets).await?;
            set.into_iter().map(Some).collect()
        } else {
            let mut written = Vec::with_capacity(writes.len());
            for one in writes {
                written.push(self.apply(&mut write, one).await?);
            }
            written
        };
        write.commit().await?;
        Ok(written)
    }

    /// Creates users in `write` with a statement for many rows and one for
    /// their change-log entries, instead of two per user. Their managers
    /// must be users already (or among them); a userPrincipalName held
    /// already (or twice among them) refuses them all, naming it.
    pub(super) async fn create_users_in(
        &self,
        write: &mut Write,
        drafts: Vec<UserDraft>,
    ) -> Result<Vec<User>, DirectoryError> {
        let catalogue = self.catalogue(write).await?;
        let mut rows = Vec::with_capacity(drafts.len());
        for mut draft in drafts {
            draft.attributes.entry("accountEnabled").or_insert(Json::Bool(true));
            let attributes = normalise(draft.attributes, &catalogue)?;
            let upn = text(&attributes, "userPrincipalName")
                .ok_or_else(|| DirectoryError::invalid("userPrincipalName", "is required"))?;
            let id = uuid::Uuid::new_v4().to_string();
            rows.push(UserRow::new(&id, attributes, draft.scim_extra, &upn)?);
        }
        check_managers_exist(write, &rows).await?;
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            insert_rows(write, chunk).await?;
        }
        let ids: Vec<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        write.log_many(ObjectType::User, &ids, ChangeKind::Created).await?;
        Ok(rows.into_iter().map(|row| row.created(write)).collect())
    }

    /// Sets attributes of live users in `write` (see [`UserWrite::Set`]):
    /// the users read in one query and the change-log entries of those that
    /// changed written in one, instead of a read and an entry each.
    async fn set_users_in(
        &self,
        write: &mut Write,
        sets: &[(&str, &[(String, Json)])],
    ) -> Result<Vec<User>, DirectoryError> {
        let ids: Vec<&str> = sets.iter().map(|(id, _)| *id).collect();
        let mut current = live_users(write, &ids).await?;
        let mut written = Vec::with_capacity(sets.len());
        let mut changed = Vec::new();
        for (id, attributes) in sets {
            let user = current
                .remove(*id)
                .ok_or_else(|| DirectoryError::not_found(ObjectType::User, id))?;
            let new = self
                .store_user(
                    write,
                    id,
                    with_attributes(&user, attributes),
                    Some(&user),
                    UnknownManager::Refuse,
                )
                .await?;
            if new.meta.version != user.meta.version {
                changed.push(*id);
            }
            written.push(new);
        }
        write.log_many(ObjectType::User, &changed, ChangeKind::Updated).await?;
        Ok(written)
    }

    async fn write_alone(&self, one: &UserWrite) -> UserWritten {
        let mut write = self.begin().await?;
        let written = self.apply(&mut write, one).await?;
        write.commit().await?;
        Ok(written)
    }

    async fn apply(&self, write: &mut Write, one: &UserWrite) -> UserWritten {
        match one {
            UserWrite::Create(draft) => self
                .create_user_in(write, draft.clone(), UnknownManager::Refuse)
                .await
                .map(Some),
            UserWrite::Set { id, attributes } => self
                .modify_user_in(write, id, None, UnknownManager::Refuse, |current| {
                    Ok::<_, DirectoryError>(with_attributes(current, attributes))
                })
                .await
                .map(|modified| Some(modified.user())),
            UserWrite::Delete { id } => delete_user_in(write, id, None).await.map(|()| None),
        }
    }
}

/// The user's attributes with these set, or with `Null` removed (names
/// compared in any case).
fn with_attributes(user: &User, attributes: &[(String, Json)]) -> UserDraft {
    let mut draft = user.draft();
    for (name, json) in attributes {
        draft.attributes.retain(|key, _| !key.eq_ignore_ascii_case(name));
        if !json.is_null() {
            draft.attributes.insert(name.clone(), json.clone());
        }
    }
    draft
}

/// The live users among `ids`, by id, read in one query (a few hundred
/// at a time).
async fn live_users(write: &mut Write, ids: &[&str]) -> Result<HashMap<String, User>, DirectoryError> {
    let mut users = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(crate::store::PARAMETERS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE deleted_at IS NULL AND id IN ({})",
            rows::placeholders(1, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *write.tx).await? {
            let user = rows::user(&row)?;
            users.insert(user.id.clone(), user);
        }
    }
    Ok(users)
}

/// A write waiting for its group, with where its result goes.
type Queued = (UserWrite, oneshot::Sender<UserWritten>);

/// Commits the writes of concurrent callers in groups: a write that finds
/// no group committing is committed at once, and the writes that arrive
/// meanwhile form the next group, so no write waits for company. Each
/// caller gets its own write's result. Clones share the queue; the task
/// that commits ends when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::UnboundedSender<Queued>,
    groups: Arc<AtomicU64>,
}

impl GroupCommit {
    /// Starts the task that commits the groups (on the current Tokio runtime).
    pub fn start(directory: Directory) -> GroupCommit {
        let (queue, mut waiting) = mpsc::unbounded_channel::<Queued>();
        let groups = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&groups);
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut group = vec![first];
                while group.len() < GROUP
                    && let Ok(next) = waiting.try_recv()
                {
                    group.push(next);
                }
                let (writes, answers): (Vec<UserWrite>, Vec<oneshot::Sender<UserWritten>>) = group.into_iter().unzip();
                counted.fetch_add(1, Ordering::Relaxed);
                for (written, answer) in directory.write_users(&writes).await.into_iter().zip(answers) {
                    // A caller that stopped waiting no longer needs the answer.
                    let _ = answer.send(written);
                }
            }
        });
        GroupCommit { queue, groups }
    }

    /// How many groups were committed so far: beside the number of
    /// writes, how much committing they shared.
    pub fn groups_committed(&self) -> u64 {
        self.groups.load(Ordering::Relaxed)
    }

    /// Queues the write and waits for its group's commit.
    pub async fn write(&self, write: UserWrite) -> UserWritten {
        let (answer, written) = oneshot::channel();
        let lost = || DirectoryError::Storage(ServerError::Database(sqlx::Error::WorkerCrashed));
        self.queue.send((write, answer)).map_err(|_| lost())?;
        written.await.map_err(|_| lost())?
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::directory::{ChangeKind, ObjectType};
    use crate::store::Store;

    async fn directory() -> Directory {
        Store::open("sqlite::memory:").await.unwrap().directory()
    }

    fn person(upn: &str) -> UserWrite {
        let mut draft = UserDraft::default();
        draft.attributes.insert("userPrincipalName".into(), json!(upn));
        draft.attributes.insert("displayName".into(), json!(upn));
        UserWrite::Create(draft)
    }

    fn created(written: &UserWritten) -> User {
        written.as_ref().unwrap().clone().unwrap()
    }

    #[tokio::test]
    async fn writes_together_commit_with_one_change_each_and_numbers_in_order() {
        let directory = directory().await;
        let first = directory.write_users(&[person("a@x"), person("b@x")]).await;
        let (a, b) = (created(&first[0]), created(&first[1]));
        let second = directory
            .write_users(&[
                UserWrite::Set {
                    id: a.id.clone(),
                    attributes: vec![("jobTitle".into(), json!("CTO")), ("DISPLAYNAME".into(), Json::Null)],
                },
                UserWrite::Delete { id: b.id.clone() },
            ])
            .await;
        let a = created(&second[0]);
        assert_eq!(a.attributes.get("jobTitle"), Some(&json!("CTO")));
        assert_eq!(
            a.attributes.get("displayName"),
            None,
            "removed whatever the name's case"
        );
        assert!(second[1].as_ref().unwrap().is_none());
        assert!(directory.user(&b.id).await.unwrap().is_none());
        let changes: Vec<(i64, ChangeKind)> = directory
            .changes_since(0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.seq, c.change))
            .collect();
        assert_eq!(
            changes,
            [
                (1, ChangeKind::Created),
                (2, ChangeKind::Created),
                (3, ChangeKind::Updated),
                (4, ChangeKind::Deleted)
            ]
        );
        assert_eq!(directory.latest_change().await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_refused_write_fails_alone_and_leaves_no_gap_in_the_change_numbers() {
        let directory = directory().await;
        let written = directory
            .write_users(&[person("a@x"), person("A@X"), person("c@x")])
            .await;
        assert!(written[0].is_ok() && written[2].is_ok());
        assert!(
            matches!(&written[1], Err(DirectoryError::Conflict { attribute, .. }) if attribute == "userPrincipalName"),
            "{:?}",
            written[1]
        );
        let missing = directory
            .write_users(&[
                UserWrite::Delete {
                    id: "no-such-user".into(),
                },
                person("d@x"),
            ])
            .await;
        assert!(matches!(missing[0], Err(DirectoryError::NotFound { .. })));
        assert!(missing[1].is_ok());
        let seqs: Vec<i64> = directory
            .changes_since(0, 10)
            .await
            .unwrap()
            .iter()
            .map(|c| c.seq)
            .collect();
        assert_eq!(seqs, [1, 2, 3]);
        assert_eq!(directory.user_count().await.unwrap(), 3);
        assert!(
            directory
                .changes_since(0, 10)
                .await
                .unwrap()
                .iter()
                .all(|c| c.object_type == ObjectType::User)
        );
    }

    #[tokio::test]
    async fn a_group_of_changes_writes_and_logs_only_the_users_that_changed() {
        let directory = directory().await;
        let first = directory
            .write_users(&[person("a@x"), person("b@x"), person("c@x")])
            .await;
        let (a, b, c) = (created(&first[0]), created(&first[1]), created(&first[2]));
        let set = |id: &str, name: &str, value: Json| UserWrite::Set {
            id: id.to_owned(),
            attributes: vec![(name.to_owned(), value)],
        };
        let written = directory
            .write_users(&[
                set(&a.id, "manager", json!(c.id)),
                set(&b.id, "displayName", json!("b@x")),
                set(&c.id, "jobTitle", json!("CEO")),
            ])
            .await;
        assert_eq!(created(&written[0]).attributes["manager"], json!(c.id));
        assert_eq!(created(&written[1]).meta.version, 1, "unchanged: not written");
        assert_eq!(created(&written[2]).meta.version, 2);
        let updated: Vec<String> = directory
            .changes_since(3, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|change| change.object_id)
            .collect();
        assert_eq!(updated, [a.id.clone(), c.id.clone()]);
        assert_eq!(directory.user(&b.id).await.unwrap().unwrap().meta.version, 1);

        // A manager that names no user fails alone.
        let refused = directory
            .write_users(&[
                set(&a.id, "manager", json!("nobody")),
                set(&b.id, "jobTitle", json!("CFO")),
            ])
            .await;
        assert!(matches!(&refused[0], Err(DirectoryError::Invalid { attribute, .. }) if attribute == "manager"));
        assert_eq!(created(&refused[1]).attributes["jobTitle"], json!("CFO"));
        assert_eq!(directory.latest_change().await.unwrap(), 6);
    }

    #[tokio::test]
    async fn concurrent_writers_share_commits_and_each_gets_its_own_result() {
        let directory = directory().await;
        let commits = GroupCommit::start(directory.clone());
        let written = futures_util::future::join_all((0..16).map(|i| {
            let commits = commits.clone();
            async move { commits.write(person(&format!("u{i}@x"))).await }
        }))
        .await;
        for (i, one) in written.iter().enumerate() {
            assert_eq!(created(one).attributes["userPrincipalName"], json!(format!("u{i}@x")));
        }
        assert_eq!(
            commits.groups_committed(),
            1,
            "sixteen writes queued together, one commit"
        );
        let refused = commits.write(person("U3@X")).await;
        assert!(matches!(refused, Err(DirectoryError::Conflict { .. })));
        assert_eq!(directory.user_count().await.unwrap(), 16);
        assert_eq!(directory.latest_change().await.unwrap(), 16, "one change each, no gap");
    }
}
