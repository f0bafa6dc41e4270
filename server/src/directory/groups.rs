//! Groups and their direct members (users and groups): create, read,
//! replace, modify, soft-delete, restore, purge, listing and scans.

use std::collections::HashMap;

use futures_util::TryStreamExt as _;
// Dynamic SQL here only splices constants and `$n` placeholders; values are always bound.
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use super::attributes::{group_catalogue, normalise};
use super::changes::Write;
use super::group_members::{insert_new, live_member_kinds, log_member_changes};
use super::model::{Group, GroupDraft, Member, MemberKind, Page};
use super::rows::{self, OBJECT_COLUMNS, contains_pattern, key, placeholders, text, to_i64};
use super::users::check_version;
use super::{ChangeKind, Directory, DirectoryError, ObjectType};

/// An indexed attribute that narrows a group scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupLookup {
    Id(String),
    DisplayName(String),
    ExternalId(String),
}

/// A page of groups for people: optional search text in the display name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupQuery {
    pub search: Option<String>,
    pub deleted: bool,
    pub offset: usize,
    pub limit: usize,
}

/// The attributes a provisioning source reads of a group: the stored ones,
/// the group's id, the computed `IsSoftDeleted` and `members` (the direct
/// members' ids, users and groups).
pub fn group_source_attributes(group: &Group) -> serde_json::Map<String, serde_json::Value> {
    let mut attributes = group.attributes.clone();
    attributes.insert("id".to_owned(), group.id.clone().into());
    attributes.insert(super::IS_SOFT_DELETED.to_owned(), group.meta.deleted.is_some().into());
    let members: Vec<serde_json::Value> = group.members.iter().map(|m| m.id.clone().into()).collect();
    attributes.insert("members".to_owned(), members.into());
    attributes
}

impl Directory {
    pub async fn create_group(&self, draft: GroupDraft) -> Result<Group, DirectoryError> {
        let mut write = self.begin().await?;
        let id = uuid::Uuid::new_v4().to_string();
        let group = store_group(&mut write, &id, draft, None).await?;
        write.log(ObjectType::Group, &id, ChangeKind::Created).await?;
        write.commit().await?;
        Ok(group)
    }

    /// The group, unless it is deleted, with its live members.
    pub async fn group(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        let group = self.group_including_deleted(id).await?;
        Ok(group.filter(|group| group.meta.deleted.is_none()))
    }

    /// The live group with its members left unread (an empty list): for
    /// answers that do not show them, whatever the group's size.
    pub async fn group_without_members(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        let row = self.group_row(id).await?;
        let group = row.as_ref().map(group_of_row).transpose()?;
        Ok(group.filter(|group| group.meta.deleted.is_none()))
    }

    async fn group_row(&self, id: &str) -> Result<Option<AnyRow>, DirectoryError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_groups WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.store.pool())
        .await?;
        Ok(row)
    }

    pub async fn group_including_deleted(&self, id: &str) -> Result<Option<Group>, DirectoryError> {
        let Some(row) = self.group_row(id).await? else {
            return Ok(None);
        };
        let mut groups = with_members(self.store.pool(), vec![row]).await?;
        Ok(groups.pop())
    }

    pub async fn replace_group(
        &self,
        id: &str,
        draft: GroupDraft,
        if_version: Option<i64>,
    ) -> Result<Group, DirectoryError> {
        self.modify_group(id, if_version, |_| Ok::<_, DirectoryError>(draft))
            .await
    }

    /// Reads a live group, lets `change` compute its new state and writes
    /// it in one transaction; an error anywhere leaves it untouched.
    pub async fn modify_group<E>(
        &self,
        id: &str,
        if_version: Option<i64>,
        change: impl FnOnce(&Group) -> Result<GroupDraft, E>,
    ) -> Result<Group, E>
    where
        E: From<DirectoryError>,
    {
        let mut write = self.begin().await?;
        let current = live_group(&mut write, id).await?;
        check_version(ObjectType::Group, id, current.meta.version, if_version)?;
        let draft = change(&current)?;
        let group = store_group(&mut write, id, draft, Some(&current)).await?;
        let same_members = {
            let mut before = current.members.clone();
            let mut after = group.members.clone();
            before.sort_by(|a, b| a.id.cmp(&b.id));
            after.sort_by(|a, b| a.id.cmp(&b.id));
            before == after
        };
        if group.attributes == current.attributes && group.scim_extra == current.scim_extra && same_members {
            return Ok(current);
        }
        write.log(ObjectType::Group, id, ChangeKind::Updated).await?;
        write.commit().await?;
        Ok(group)
    }

    pub async fn delete_group(&self, id: &str, if_version: Option<i64>) -> Result<(), DirectoryError> {
        let mut write = self.begin().await?;
        let current = live_group(&mut write, id).await?;
        check_version(ObjectType::Group, id, current.meta.version, if_version)?;
        set_deleted(&mut write, id, true).await?;
        write.log(ObjectType::Group, id, ChangeKind::Deleted).await?;
        log_everything_below(&mut write, id).await?;
        write.commit().await
    }

    pub async fn restore_group(&self, id: &str) -> Result<Group, DirectoryError> {
        let mut write = self.begin().await?;
        deleted_group(&mut write, id).await?;
        set_deleted(&mut write, id, false).await?;
        write.log(ObjectType::Group, id, ChangeKind::Restored).await?;
        log_everything_below(&mut write, id).await?;
        let group = fetch_group(&mut write, id)
            .await?
            .ok_or_else(|| DirectoryError::not_found(ObjectType::Group, id))?;
        write.commit().await?;
        Ok(group)
    }

    pub async fn purge_group(&self, id: &str) -> Result<(), DirectoryError> {
        let mut write = self.begin().await?;
        deleted_group(&mut write, id).await?;
        for sql in [
            "DELETE FROM directory_members WHERE group_id = $1 OR member_id = $1",
            "DELETE FROM directory_groups WHERE id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *write.tx).await?;
        }
        write.log(ObjectType::Group, id, ChangeKind::Purged).await?;
        write.commit().await
    }

    /// A page of groups ordered by display name, and how many match.
    pub async fn groups_page(&self, query: &GroupQuery) -> Result<Page<Group>, DirectoryError> {
        let deleted = if query.deleted {
            "deleted_at IS NOT NULL"
        } else {
            "deleted_at IS NULL"
        };
        let search = query.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let condition = match search {
            Some(_) => format!("{deleted} AND display_name_key LIKE $1 ESCAPE '\\'"),
            None => format!("{deleted} AND $1 = $1"),
        };
        let pattern = search.map(contains_pattern).unwrap_or_default();
        let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM directory_groups WHERE {condition}"
        )))
        .bind(&pattern)
        .fetch_one(self.store.pool())
        .await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_groups WHERE {condition} \
             ORDER BY display_name_key, id LIMIT $2 OFFSET $3"
        )))
        .bind(&pattern)
        .bind(to_i64(query.limit))
        .bind(to_i64(query.offset))
        .fetch_all(self.store.pool())
        .await?;
        Ok(Page {
            total: usize::try_from(total).unwrap_or_default(),
            items: with_members(self.store.pool(), rows).await?,
        })
    }

    /// Up to `limit` live groups with their members, by id, after the id
    /// `after` (see `Directory::live_users_after`).
    pub async fn live_groups_after(&self, after: Option<&str>, limit: usize) -> Result<Vec<Group>, DirectoryError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_groups WHERE deleted_at IS NULL AND id > $1 ORDER BY id LIMIT $2"
        )))
        .bind(after.unwrap_or(""))
        .bind(to_i64(limit))
        .fetch_all(self.store.pool())
        .await?;
        with_members(self.store.pool(), rows).await
    }

    /// Every live group (narrowed by `lookup`) with its members, in creation order.
    pub async fn scan_groups(
        &self,
        lookup: Option<&GroupLookup>,
        mut visit: impl FnMut(Group),
    ) -> Result<(), DirectoryError> {
        let (condition, value) = match lookup {
            Some(GroupLookup::Id(id)) => ("id = $1", id.clone()),
            Some(GroupLookup::DisplayName(name)) => ("display_name_key = $1", name.to_lowercase()),
            Some(GroupLookup::ExternalId(id)) => ("external_id = $1", id.clone()),
            None => ("$1 = $1", String::new()),
        };
        let sql = format!(
            "SELECT {OBJECT_COLUMNS} FROM directory_groups WHERE deleted_at IS NULL AND {condition} ORDER BY created_at, id"
        );
        // Members come in batches so memory follows the batch, not the directory.
        let mut stream = sqlx::query(AssertSqlSafe(sql)).bind(value).fetch(self.store.pool());
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let row = stream.try_next().await?;
            let done = row.is_none();
            batch.extend(row);
            if batch.len() == BATCH || (done && !batch.is_empty()) {
                for group in with_members(self.store.pool(), std::mem::take(&mut batch)).await? {
                    visit(group);
                }
            }
            if done {
                return Ok(());
            }
        }
    }

    pub async fn group_count(&self) -> Result<usize, DirectoryError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM directory_groups WHERE deleted_at IS NULL")
            .fetch_one(self.store.pool())
            .await?;
        Ok(usize::try_from(count).unwrap_or_default())
    }
}

const BATCH: usize = 200;

async fn fetch_group(write: &mut Write, id: &str) -> Result<Option<Group>, DirectoryError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {OBJECT_COLUMNS} FROM directory_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *write.tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(with_members(&mut *write.tx, vec![row]).await?.pop())
}

async fn live_group(write: &mut Write, id: &str) -> Result<Group, DirectoryError> {
    fetch_group(write, id)
        .await?
        .filter(|group| group.meta.deleted.is_none())
        .ok_or_else(|| DirectoryError::not_found(ObjectType::Group, id))
}

async fn deleted_group(write: &mut Write, id: &str) -> Result<Group, DirectoryError> {
    let group = fetch_group(write, id)
        .await?
        .ok_or_else(|| DirectoryError::not_found(ObjectType::Group, id))?;
    if group.meta.deleted.is_none() {
        return Err(DirectoryError::NotDeleted {
            kind: ObjectType::Group,
            id: id.to_owned(),
        });
    }
    Ok(group)
}

async fn set_deleted(write: &mut Write, id: &str, deleted: bool) -> Result<(), DirectoryError> {
    let deleted_at = deleted.then(|| write.at.clone());
    sqlx::query("UPDATE directory_groups SET deleted_at = $1, modified_at = $2, version = version + 1 WHERE id = $3")
        .bind(deleted_at)
        .bind(&write.at)
        .bind(id)
        .execute(&mut *write.tx)
        .await?;
    Ok(())
}

/// A group row as a group whose members are still to be read.
fn group_of_row(row: &AnyRow) -> Result<Group, DirectoryError> {
    Ok(Group {
        id: row.try_get("id")?,
        attributes: rows::json_map(row, "attributes")?,
        members: Vec::new(),
        scim_extra: rows::optional_json(row, "scim_extra")?,
        meta: rows::meta(row)?,
    })
}

/// Reads the groups' rows and attaches their live direct members.
async fn with_members<'e, E>(executor: E, rows: Vec<AnyRow>) -> Result<Vec<Group>, DirectoryError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut groups = rows
        .iter()
        .map(group_of_row)
        .collect::<Result<Vec<_>, DirectoryError>>()?;
    let sql = format!(
        "SELECT m.group_id, m.member_id, m.member_type FROM directory_members m \
         LEFT JOIN directory_users u ON u.id = m.member_id \
         LEFT JOIN directory_groups g ON g.id = m.member_id \
         WHERE m.group_id IN ({}) AND COALESCE(u.deleted_at, g.deleted_at) IS NULL \
         ORDER BY m.group_id, m.member_id",
        placeholders(1, groups.len())
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for group in &groups {
        query = query.bind(group.id.clone());
    }
    let mut members: HashMap<String, Vec<Member>> = HashMap::new();
    for row in query.fetch_all(executor).await? {
        let kind: String = row.try_get("member_type")?;
        members.entry(row.try_get("group_id")?).or_default().push(Member {
            id: row.try_get("member_id")?,
            kind: MemberKind::parse(&kind),
        });
    }
    for group in &mut groups {
        group.members = members.remove(&group.id).unwrap_or_default();
    }
    Ok(groups)
}

/// Checks and writes the group's row and its member list.
async fn store_group(
    write: &mut Write,
    id: &str,
    draft: GroupDraft,
    current: Option<&Group>,
) -> Result<Group, DirectoryError> {
    let attributes = normalise(draft.attributes, &group_catalogue())?;
    let display_name =
        text(&attributes, "displayName").ok_or_else(|| DirectoryError::invalid("displayName", "is required"))?;
    let members = resolve_members(write, id, &draft.members, current).await?;
    let scim_extra = draft
        .scim_extra
        .filter(|extra| !extra.is_null() && extra.as_object().is_none_or(|m| !m.is_empty()));
    let attributes_json = serde_json::to_string(&attributes)?;
    let extra_json = scim_extra.as_ref().map(serde_json::to_string).transpose()?;
    let external_id = text(&attributes, "externalId");
    let name_key = key(&attributes, "displayName").unwrap_or_else(|| display_name.to_lowercase());
    let meta = match current {
        None => {
            sqlx::query(
                "INSERT INTO directory_groups (id, display_name_key, external_id, attributes, scim_extra, version, \
                 created_at, modified_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6)",
            )
            .bind(id)
            .bind(&name_key)
            .bind(&external_id)
            .bind(&attributes_json)
            .bind(&extra_json)
            .bind(&write.at)
            .execute(&mut *write.tx)
            .await?;
            super::Meta {
                version: 1,
                created: write.at.clone(),
                modified: write.at.clone(),
                deleted: None,
            }
        }
        Some(current) => {
            sqlx::query(
                "UPDATE directory_groups SET display_name_key = $1, external_id = $2, attributes = $3, \
                 scim_extra = $4, version = version + 1, modified_at = $5 WHERE id = $6",
            )
            .bind(&name_key)
            .bind(&external_id)
            .bind(&attributes_json)
            .bind(&extra_json)
            .bind(&write.at)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
            super::Meta {
                version: current.meta.version + 1,
                created: current.meta.created.clone(),
                modified: write.at.clone(),
                deleted: None,
            }
        }
    };
    replace_members(write, id, &members, current).await?;
    Ok(Group {
        id: id.to_owned(),
        attributes,
        members,
        scim_extra,
        meta,
    })
}

/// The members' kinds, checking each id names a live user or group: the
/// current (live) members are known, only the others are looked up, so
/// adding a few members to a large group reads just those few.
async fn resolve_members(
    write: &mut Write,
    group_id: &str,
    ids: &[String],
    current: Option<&Group>,
) -> Result<Vec<Member>, DirectoryError> {
    let mut members: Vec<Member> = Vec::with_capacity(ids.len());
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    let unique: Vec<&String> = ids.iter().filter(|id| seen.insert(id.as_str())).collect();
    if unique.iter().any(|id| id.as_str() == group_id) {
        return Err(DirectoryError::invalid(
            "members",
            "a group cannot be a member of itself",
        ));
    }
    let mut kinds: HashMap<String, MemberKind> = current
        .map(|group| group.members.iter().map(|m| (m.id.clone(), m.kind)).collect())
        .unwrap_or_default();
    let unknown: Vec<&str> = unique
        .iter()
        .map(|id| id.as_str())
        .filter(|id| !kinds.contains_key(*id))
        .collect();
    kinds.extend(live_member_kinds(write, &unknown).await?);
    for id in unique {
        let kind = kinds
            .get(id.as_str())
            .ok_or_else(|| DirectoryError::invalid("members", &format!("names no user or group: `{id}`")))?;
        members.push(Member {
            id: id.clone(),
            kind: *kind,
        });
    }
    // The order reads return them in.
    members.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(members)
}

/// Writes only the membership rows that differ from the current ones.
async fn replace_members(
    write: &mut Write,
    group_id: &str,
    members: &[Member],
    current: Option<&Group>,
) -> Result<(), DirectoryError> {
    let before: HashMap<&str, MemberKind> = current
        .map(|group| group.members.iter().map(|m| (m.id.as_str(), m.kind)).collect())
        .unwrap_or_default();
    let after: HashMap<&str, MemberKind> = members.iter().map(|m| (m.id.as_str(), m.kind)).collect();
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        sqlx::query("DELETE FROM directory_members WHERE group_id = $1 AND member_id = $2")
            .bind(group_id)
            .bind(*id)
            .execute(&mut *write.tx)
            .await?;
    }
    let mut changed: Vec<Member> = members
        .iter()
        .filter(|m| !before.contains_key(m.id.as_str()))
        .cloned()
        .collect();
    insert_new(write, group_id, &changed).await?;
    let removed = current
        .into_iter()
        .flat_map(|group| group.members.iter())
        .filter(|m| !after.contains_key(m.id.as_str()));
    changed.extend(removed.cloned());
    log_member_changes(write, &changed).await
}

/// Logs an update of every live user and group below the group, directly
/// or through nested groups: their `memberOf` changed with the group's.
pub(super) async fn log_everything_below(write: &mut Write, group_id: &str) -> Result<(), DirectoryError> {
    let rows = sqlx::query(
        "WITH RECURSIVE down(member_id, member_type) AS ( \
             SELECT member_id, member_type FROM directory_members WHERE group_id = $1 \
           UNION \
             SELECT m.member_id, m.member_type FROM down \
             JOIN directory_members m ON m.group_id = down.member_id WHERE down.member_type = 'group' \
         ) \
         SELECT down.member_id, down.member_type FROM down \
         LEFT JOIN directory_users u ON u.id = down.member_id \
         LEFT JOIN directory_groups g ON g.id = down.member_id \
         WHERE COALESCE(u.deleted_at, g.deleted_at) IS NULL AND down.member_id <> $1 \
         ORDER BY down.member_type, down.member_id",
    )
    .bind(group_id)
    .fetch_all(&mut *write.tx)
    .await?;
    for row in rows {
        let (id, kind): (String, String) = (row.try_get("member_id")?, row.try_get("member_type")?);
        let object_type = match MemberKind::parse(&kind) {
            MemberKind::User => ObjectType::User,
            MemberKind::Group => ObjectType::Group,
        };
        write.log(object_type, &id, ChangeKind::Updated).await?;
    }
    Ok(())
}
