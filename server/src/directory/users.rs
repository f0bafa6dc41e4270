//! Users: create, read, replace, modify, soft-delete, restore, purge,
//! listing and streaming scans — each write with its change-log entry.

use futures_util::TryStreamExt as _;
use serde_json::{Map, Value};
// Dynamic SQL here only splices constants and `$n` placeholders; values are always bound.
use sqlx::{AssertSqlSafe, Row};

use super::attributes::normalise;
use super::changes::Write;
use super::model::{Page, User, UserDraft};
use super::rows::{self, OBJECT_COLUMNS, contains_pattern, text, to_i64};
use super::user_rows::{UserRow, insert_rows};
use super::{ChangeKind, Directory, DirectoryError, ObjectType};

/// An indexed attribute that narrows a scan before a filter is evaluated
/// exactly; text look-ups are case-insensitive but `ExternalId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserLookup {
    Id(String),
    UserPrincipalName(String),
    ExternalId(String),
    EmployeeId(String),
    Mail(String),
    DisplayName(String),
}

impl UserLookup {
    fn condition(&self) -> (&'static str, String) {
        match self {
            UserLookup::Id(id) => ("id = $1", id.clone()),
            UserLookup::UserPrincipalName(upn) => ("upn_key = $1", upn.to_lowercase()),
            UserLookup::ExternalId(id) => ("external_id = $1", id.clone()),
            UserLookup::EmployeeId(id) => ("employee_id = $1", id.clone()),
            UserLookup::Mail(mail) => ("mail_key = $1", mail.to_lowercase()),
            UserLookup::DisplayName(name) => ("display_name_key = $1", name.to_lowercase()),
        }
    }

    /// The indexed column the look-up reads, and the value it compares.
    fn column(&self) -> (&'static str, String) {
        let (condition, value) = self.condition();
        (condition.trim_end_matches(" = $1"), value)
    }
}

/// A page of users for people: optional search text (in the user
/// principal name, display name or mail), deleted users instead of live ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub search: Option<String>,
    pub deleted: bool,
    pub offset: usize,
    pub limit: usize,
}

impl Directory {
    /// Creates a user; `accountEnabled` defaults to true.
    pub async fn create_user(&self, draft: UserDraft) -> Result<User, DirectoryError> {
        self.create_user_with(draft, UnknownManager::Refuse).await
    }

    /// [`Directory::create_user`], with a manager that names no user
    /// handled as `unknown_manager` says.
    pub async fn create_user_with(
        &self,
        draft: UserDraft,
        unknown_manager: UnknownManager,
    ) -> Result<User, DirectoryError> {
        let mut write = self.begin().await?;
        let user = self.create_user_in(&mut write, draft, unknown_manager).await?;
        write.commit().await?;
        Ok(user)
    }

    /// Creates a user in `write`, with its change-log entry.
    pub(super) async fn create_user_in(
        &self,
        write: &mut Write,
        mut draft: UserDraft,
        unknown_manager: UnknownManager,
    ) -> Result<User, DirectoryError> {
        let id = uuid::Uuid::new_v4().to_string();
        draft.attributes.entry("accountEnabled").or_insert(Value::Bool(true));
        let user = self.store_user(write, &id, draft, None, unknown_manager).await?;
        write.log(ObjectType::User, &id, ChangeKind::Created).await?;
        Ok(user)
    }

    /// Creates many users in one transaction, each with its change-log
    /// entry: all of them or, on the first refused one, none.
    pub async fn create_users(&self, drafts: Vec<UserDraft>) -> Result<Vec<User>, DirectoryError> {
        let mut write = self.begin().await?;
        let users = self.create_users_in(&mut write, drafts).await?;
        write.commit().await?;
        Ok(users)
    }

    /// The user, unless it is deleted.
    pub async fn user(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        Ok(self.user_including_deleted(id).await?.filter(|user| !user.is_deleted()))
    }

    pub async fn user_including_deleted(&self, id: &str) -> Result<Option<User>, DirectoryError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// The user whose id is `key`, else the one whose userPrincipalName it
    /// is (any case), deleted or not: how people and the API name a user.
    pub async fn user_by_id_or_upn(&self, key: &str) -> Result<Option<User>, DirectoryError> {
        if let Some(user) = self.user_including_deleted(key).await? {
            return Ok(Some(user));
        }
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE upn_key = $1"
        )))
        .bind(key.to_lowercase())
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(rows::user).transpose()
    }

    /// Replaces every attribute of a live user.
    pub async fn replace_user(
        &self,
        id: &str,
        draft: UserDraft,
        if_version: Option<i64>,
    ) -> Result<User, DirectoryError> {
        self.modify_user(id, if_version, |_| Ok::<_, DirectoryError>(draft))
            .await
    }

    /// Reads a live user, lets `change` compute its new attributes from the
    /// current ones and writes them, all in one transaction: an error from
    /// `change` or from the checks leaves the user and the log untouched.
    pub async fn modify_user<E>(
        &self,
        id: &str,
        if_version: Option<i64>,
        change: impl FnOnce(&User) -> Result<UserDraft, E>,
    ) -> Result<User, E>
    where
        E: From<DirectoryError>,
    {
        self.modify_user_with(id, if_version, UnknownManager::Refuse, change)
            .await
    }

    /// [`Directory::modify_user`], with a new manager that names no user
    /// handled as `unknown_manager` says.
    pub async fn modify_user_with<E>(
        &self,
        id: &str,
        if_version: Option<i64>,
        unknown_manager: UnknownManager,
        change: impl FnOnce(&User) -> Result<UserDraft, E>,
    ) -> Result<User, E>
    where
        E: From<DirectoryError>,
    {
        let mut write = self.begin().await?;
        let modified = self
            .modify_user_in(&mut write, id, if_version, unknown_manager, change)
            .await?;
        // Nothing changed: no new version, no change-log entry, no commit.
        if let Modified::Changed(_) = &modified {
            write.commit().await?;
        }
        Ok(modified.user())
    }

    /// [`Directory::modify_user_with`] in `write`.
    pub(super) async fn modify_user_in<E>(
        &self,
        write: &mut Write,
        id: &str,
        if_version: Option<i64>,
        unknown_manager: UnknownManager,
        change: impl FnOnce(&User) -> Result<UserDraft, E>,
    ) -> Result<Modified, E>
    where
        E: From<DirectoryError>,
    {
        let current = live_user(write, id).await?;
        check_version(ObjectType::User, &current.id, current.meta.version, if_version)?;
        let draft = change(&current)?;
        let user = self
            .store_user(write, id, draft, Some(&current), unknown_manager)
            .await?;
        if user.attributes != current.attributes || user.scim_extra != current.scim_extra {
            write.log(ObjectType::User, id, ChangeKind::Updated).await?;
            return Ok(Modified::Changed(user));
        }
        Ok(Modified::Unchanged(current))
    }

    /// Soft-deletes a live user: hidden from normal reads, restorable.
    pub async fn delete_user(&self, id: &str, if_version: Option<i64>) -> Result<(), DirectoryError> {
        let mut write = self.begin().await?;
        delete_user_in(&mut write, id, if_version).await?;
        write.commit().await
    }

    /// Brings a soft-deleted user back.
    pub async fn restore_user(&self, id: &str) -> Result<User, DirectoryError> {
        let mut write = self.begin().await?;
        deleted_user(&mut write, id).await?;
        sqlx::query(
            "UPDATE directory_users SET deleted_at = NULL, modified_at = $1, version = version + 1 WHERE id = $2",
        )
        .bind(&write.at)
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
        write.log(ObjectType::User, id, ChangeKind::Restored).await?;
        let user = fetch_user(&mut write, id)
            .await?
            .ok_or_else(|| DirectoryError::not_found(ObjectType::User, id))?;
        write.commit().await?;
        Ok(user)
    }

    /// Hard-deletes a soft-deleted user and its memberships.
    pub async fn purge_user(&self, id: &str) -> Result<(), DirectoryError> {
        let mut write = self.begin().await?;
        deleted_user(&mut write, id).await?;
        purge(&mut write, id).await?;
        write.commit().await
    }

    /// Hard-deletes every user soft-deleted before `cutoff` (an RFC 3339
    /// timestamp, as [`super::timestamp`] writes them); how many.
    pub async fn purge_deleted_users(&self, cutoff: &str) -> Result<usize, DirectoryError> {
        let mut write = self.begin().await?;
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM directory_users WHERE deleted_at IS NOT NULL AND deleted_at < $1")
                .bind(cutoff)
                .fetch_all(&mut *write.tx)
                .await?;
        for id in &ids {
            purge(&mut write, id).await?;
        }
        write.commit().await?;
        Ok(ids.len())
    }

    /// A page of users ordered by display name, and how many match.
    pub async fn users_page(&self, query: &UserQuery) -> Result<Page<User>, DirectoryError> {
        let deleted = if query.deleted {
            "deleted_at IS NOT NULL"
        } else {
            "deleted_at IS NULL"
        };
        let search = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let (condition, pattern) = match search {
            Some(needle) => (
                format!(
                    "{deleted} AND (upn_key LIKE $1 ESCAPE '\\' OR display_name_key LIKE $1 ESCAPE '\\' \
                     OR mail_key LIKE $1 ESCAPE '\\')"
                ),
                contains_pattern(needle),
            ),
            // Keeps the placeholder numbering the same for both shapes.
            None => (format!("{deleted} AND $1 = $1"), String::new()),
        };
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM directory_users WHERE {condition}"
        )))
        .bind(&pattern)
        .fetch_one(self.store.pool())
        .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE {condition} \
             ORDER BY display_name_key, upn_key LIMIT $2 OFFSET $3"
        )))
        .bind(&pattern)
        .bind(to_i64(query.limit))
        .bind(to_i64(query.offset))
        .fetch_all(self.store.pool())
        .await?;
        Ok(Page {
            total: usize::try_from(total).unwrap_or_default(),
            items: rows.iter().map(rows::user).collect::<Result<_, _>>()?,
        })
    }

    /// Up to `limit` live users by id, after the id `after` (from the start
    /// when `None`): a sweep passes the last id of each page until a page
    /// comes back short. Unlike offsets, a user deleted or renamed between
    /// pages never makes the sweep skip another one.
    pub async fn live_users_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<User>, DirectoryError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2"
        )))
        // Every id sorts after the empty string.
        .bind(after.unwrap_or(""))
        .bind(to_i64(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(rows::user).collect()
    }

    /// Streams every live user (narrowed by `lookup`) to `visit`, in
    /// creation order, without holding them all in memory.
    pub async fn scan_users(
        &self,
        lookup: Option<&UserLookup>,
        mut visit: impl FnMut(User),
    ) -> Result<(), DirectoryError> {
        let (condition, value) = lookup.map(UserLookup::condition).unwrap_or(("$1 = $1", String::new()));
        let sql = format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE deleted_at IS NULL AND {condition} \
             ORDER BY created_at, id"
        );
        let mut rows = sqlx::query(AssertSqlSafe(sql)).bind(value).fetch(self.store.pool());
        while let Some(row) = rows.try_next().await? {
            visit(rows::user(&row)?);
        }
        Ok(())
    }

    /// The live users any of these look-ups finds, in no given order: one
    /// query per indexed column and 500 look-ups (an inbound request's
    /// matching, at once).
    pub async fn users_matching_any(&self, lookups: &[UserLookup]) -> Result<Vec<User>, DirectoryError> {
        let mut by_column: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
        for lookup in lookups {
            let (column, value) = lookup.column();
            by_column.entry(column).or_default().push(value);
        }
        let mut found = Vec::new();
        for (column, values) in by_column {
            for chunk in values.chunks(500) {
                let sql = format!(
                    "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE deleted_at IS NULL AND {column} IN ({})",
                    rows::placeholders(1, chunk.len())
                );
                let query = chunk
                    .iter()
                    .fold(sqlx::query(AssertSqlSafe(sql)), |q, v| q.bind(v.clone()));
                for row in query.fetch_all(self.store.pool()).await? {
                    found.push(rows::user(&row)?);
                }
            }
        }
        Ok(found)
    }

    /// How many live users the directory holds.
    pub async fn user_count(&self) -> Result<usize, DirectoryError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM directory_users WHERE deleted_at IS NULL")
            .fetch_one(self.store.pool())
            .await?;
        Ok(usize::try_from(count).unwrap_or_default())
    }

    /// The live groups the object is a direct member of: `(id, displayName)`.
    pub async fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>, DirectoryError> {
        let rows = sqlx::query(
            "SELECT g.id, g.attributes FROM directory_members m JOIN directory_groups g ON g.id = m.group_id \
             WHERE m.member_id = $1 AND g.deleted_at IS NULL ORDER BY g.display_name_key",
        )
        .bind(member_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(id_and_display_name).collect()
    }

    /// Which of these ids name a live (not soft-deleted) object of the kind:
    /// one query per 500 ids.
    pub async fn live_among(
        &self,
        kind: ObjectType,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, DirectoryError> {
        let table = match kind {
            ObjectType::User => "directory_users",
            ObjectType::Group => "directory_groups",
        };
        let mut live = std::collections::HashSet::new();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT id FROM {table} WHERE deleted_at IS NULL AND id IN ({})",
                rows::placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.clone());
            }
            live.extend(query.fetch_all(self.store.pool()).await?);
        }
        Ok(live)
    }

    /// The live groups the object (a user or a group) belongs to, directly
    /// or through nested groups, `(id, displayName)` by display name: what
    /// a provisioning source reads as `memberOf`. Membership passes only
    /// through live groups; a cycle of groups ends where it closes.
    pub async fn member_of(&self, member_id: &str) -> Result<Vec<(String, String)>, DirectoryError> {
        let rows = sqlx::query(
            "WITH RECURSIVE up(group_id) AS ( \
                 SELECT m.group_id FROM directory_members m \
                 JOIN directory_groups g ON g.id = m.group_id AND g.deleted_at IS NULL \
                 WHERE m.member_id = $1 \
               UNION \
                 SELECT m.group_id FROM up JOIN directory_members m ON m.member_id = up.group_id \
                 JOIN directory_groups g ON g.id = m.group_id AND g.deleted_at IS NULL \
             ) \
             SELECT g.id, g.attributes FROM up JOIN directory_groups g ON g.id = up.group_id \
             ORDER BY g.display_name_key, g.id",
        )
        .bind(member_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(id_and_display_name).collect()
    }

    /// Checks and writes the user's row (insert when `current` is `None`).
    pub(super) async fn store_user(
        &self,
        write: &mut Write,
        id: &str,
        draft: UserDraft,
        current: Option<&User>,
        unknown_manager: UnknownManager,
    ) -> Result<User, DirectoryError> {
        let catalogue = self.catalogue(write).await?;
        let mut attributes = normalise(draft.attributes, &catalogue)?;
        let upn = text(&attributes, "userPrincipalName")
            .ok_or_else(|| DirectoryError::invalid("userPrincipalName", "is required"))?;
        // A new user's is checked by the unique index (below); an unchanged
        // one needs no check.
        if current.is_some_and(|current| {
            text(&current.attributes, "userPrincipalName").map(|held| held.to_lowercase()) != Some(upn.to_lowercase())
        }) {
            check_upn_free(write, id, &upn).await?;
        }
        // Only a new manager is checked: a user whose manager was deleted
        // since must stay editable (the reference waits for a restore).
        let unchanged =
            |manager: &str| current.and_then(|c| text(&c.attributes, "manager")).as_deref() == Some(manager);
        if let Some(manager) = text(&attributes, "manager").filter(|m| !unchanged(m)) {
            match check_manager(write, id, &manager).await {
                // The client's word is the user without a manager: one it
                // had before is not kept either, as it would be stale.
                Err(ManagerError::Unknown(_)) if unknown_manager == UnknownManager::Leave => {
                    tracing::warn!(
                        user = id,
                        manager = %manager,
                        "the user's manager names no user in the directory: the user is stored without a manager"
                    );
                    attributes.remove("manager");
                }
                Err(ManagerError::Unknown(error) | ManagerError::Other(error)) => return Err(error),
                Ok(()) => {}
            }
        }
        let row = UserRow::new(id, attributes, draft.scim_extra, &upn)?;
        let Some(current) = current else {
            insert_rows(write, std::slice::from_ref(&row)).await?;
            return Ok(row.created(write));
        };
        // Unchanged: not written, so no new version (in a write with others
        // that commits, too).
        if row.attributes == current.attributes && row.scim_extra == current.scim_extra {
            return Ok(current.clone());
        }
        sqlx::query(
            "UPDATE directory_users SET upn_key = $1, external_id = $2, employee_id = $3, mail_key = $4, \
             display_name_key = $5, attributes = $6, scim_extra = $7, version = version + 1, \
             modified_at = $8 WHERE id = $9",
        )
        .bind(&row.upn_key)
        .bind(&row.external_id)
        .bind(&row.employee_id)
        .bind(&row.mail_key)
        .bind(&row.display_name_key)
        .bind(&row.attributes_json)
        .bind(&row.extra_json)
        .bind(&write.at)
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
        Ok(User {
            id: id.to_owned(),
            attributes: row.attributes,
            scim_extra: row.scim_extra,
            meta: super::Meta {
                version: current.meta.version + 1,
                created: current.meta.created.clone(),
                modified: write.at.clone(),
                deleted: None,
            },
        })
    }
}

/// What a modification did: the user as written, or as it was when the
/// change left it as it was (no new version then, no change-log entry).
pub(super) enum Modified {
    Changed(User),
    Unchanged(User),
}

impl Modified {
    pub(super) fn user(self) -> User {
        match self {
            Modified::Changed(user) | Modified::Unchanged(user) => user,
        }
    }
}

/// Soft-deletes a live user in `write`, with its change-log entry.
pub(super) async fn delete_user_in(write: &mut Write, id: &str, if_version: Option<i64>) -> Result<(), DirectoryError> {
    let current = live_user(write, id).await?;
    check_version(ObjectType::User, id, current.meta.version, if_version)?;
    sqlx::query("UPDATE directory_users SET deleted_at = $1, modified_at = $1, version = version + 1 WHERE id = $2")
        .bind(&write.at)
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
    write.log(ObjectType::User, id, ChangeKind::Deleted).await
}

pub(super) fn check_version(
    kind: ObjectType,
    id: &str,
    current: i64,
    expected: Option<i64>,
) -> Result<(), DirectoryError> {
    match expected {
        Some(expected) if expected != current => Err(DirectoryError::VersionMismatch {
            kind,
            id: id.to_owned(),
            current,
            expected,
        }),
        _ => Ok(()),
    }
}

async fn fetch_user(write: &mut Write, id: &str) -> Result<Option<User>, DirectoryError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {OBJECT_COLUMNS} FROM directory_users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *write.tx)
    .await?;
    row.as_ref().map(rows::user).transpose()
}

async fn live_user(write: &mut Write, id: &str) -> Result<User, DirectoryError> {
    fetch_user(write, id)
        .await?
        .filter(|user| !user.is_deleted())
        .ok_or_else(|| DirectoryError::not_found(ObjectType::User, id))
}

async fn deleted_user(write: &mut Write, id: &str) -> Result<User, DirectoryError> {
    let user = fetch_user(write, id)
        .await?
        .ok_or_else(|| DirectoryError::not_found(ObjectType::User, id))?;
    if !user.is_deleted() {
        return Err(DirectoryError::NotDeleted {
            kind: ObjectType::User,
            id: id.to_owned(),
        });
    }
    Ok(user)
}

async fn purge(write: &mut Write, id: &str) -> Result<(), DirectoryError> {
    sqlx::query("DELETE FROM directory_members WHERE member_id = $1")
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
    sqlx::query("DELETE FROM directory_users WHERE id = $1")
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
    write.log(ObjectType::User, id, ChangeKind::Purged).await
}

pub(super) async fn check_upn_free(write: &mut Write, id: &str, upn: &str) -> Result<(), DirectoryError> {
    let holder = sqlx::query("SELECT id, deleted_at FROM directory_users WHERE upn_key = $1 AND id <> $2")
        .bind(upn.to_lowercase())
        .bind(id)
        .fetch_optional(&mut *write.tx)
        .await?;
    let Some(holder) = holder else { return Ok(()) };
    let deleted: Option<String> = holder.try_get("deleted_at")?;
    let whose = if deleted.is_some() {
        "a deleted user (restore or purge it first)"
    } else {
        "another user"
    };
    Err(DirectoryError::Conflict {
        attribute: "userPrincipalName".to_owned(),
        message: format!("the userPrincipalName `{upn}` is already used by {whose}"),
    })
}

/// What a write does with a new `manager` that names no live user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownManager {
    /// The write is refused: an administrator can correct the id.
    Refuse,
    /// The user is written without a manager, and a warning names both ids:
    /// SCIM clients may send a user before its manager, or a manager that
    /// is not in scope.
    Leave,
}

/// Why a manager cannot be stored: it names no live user, or it is wrong
/// in another way (the user itself, a storage failure).
enum ManagerError {
    Unknown(DirectoryError),
    Other(DirectoryError),
}

async fn check_manager(write: &mut Write, id: &str, manager: &str) -> Result<(), ManagerError> {
    if manager == id {
        return Err(ManagerError::Other(DirectoryError::invalid(
            "manager",
            "cannot be the user itself",
        )));
    }
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM directory_users WHERE id = $1 AND deleted_at IS NULL")
            .bind(manager)
            .fetch_optional(&mut *write.tx)
            .await
            .map_err(|e| ManagerError::Other(e.into()))?;
    if exists.is_none() {
        return Err(ManagerError::Unknown(DirectoryError::invalid(
            "manager",
            &format!("names no user: `{manager}`"),
        )));
    }
    Ok(())
}

/// The attributes a provisioning source reads: the stored ones plus the
/// object's id and the computed `IsSoftDeleted`.
pub fn source_attributes(user: &User) -> Map<String, Value> {
    let mut attributes = user.attributes.clone();
    attributes.insert("id".to_owned(), Value::String(user.id.clone()));
    attributes.insert(super::IS_SOFT_DELETED.to_owned(), Value::Bool(user.is_deleted()));
    attributes
}

/// A group row's `(id, displayName)`.
fn id_and_display_name(row: &sqlx::any::AnyRow) -> Result<(String, String), DirectoryError> {
    let attributes = rows::json_map(row, "attributes")?;
    Ok((row.try_get("id")?, text(&attributes, "displayName").unwrap_or_default()))
}
