//! A group's members changed by difference: members added and removed
//! without reading or rewriting the others, so a change to a group of a
//! hundred thousand costs what the change names (a SCIM `PATCH` that adds
//! fifty members), and what such changes log for the members themselves.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::changes::Write;
use super::model::{Member, MemberKind};
use super::rows::placeholders;
use super::users::check_version;
use super::{ChangeKind, Directory, DirectoryError, ObjectType};

/// Members to add to and remove from a group, by id. An id in both is
/// added: a caller folds its operations in order so the last one wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// The statements' ids per chunk: far under either database's parameter limit.
const CHUNK: usize = 500;

impl Directory {
    /// Adds and removes members of a live group in one transaction. Every
    /// added id must name a live user or group other than the group itself
    /// (else nothing is written); removing a non-member changes nothing.
    /// Returns whether the group changed: only then is its version raised
    /// and the change logged, for the group and for each member added or
    /// removed (and everything below a nested group).
    pub async fn change_members(
        &self,
        group_id: &str,
        if_version: Option<i64>,
        change: &MemberChange,
    ) -> Result<bool, DirectoryError> {
        let mut write = self.begin().await?;
        let row = sqlx::query("SELECT version FROM directory_groups WHERE id = $1 AND deleted_at IS NULL")
            .bind(group_id)
            .fetch_optional(&mut *write.tx)
            .await?
            .ok_or_else(|| DirectoryError::not_found(ObjectType::Group, group_id))?;
        check_version(ObjectType::Group, group_id, row.try_get("version")?, if_version)?;
        let add = distinct(&change.add);
        let remove: Vec<&str> = distinct(&change.remove)
            .into_iter()
            .filter(|id| !add.contains(id))
            .collect();
        let kinds = live_member_kinds(&mut write, &add).await?;
        let adding = add
            .iter()
            .map(|&id| {
                if id == group_id {
                    return Err(DirectoryError::invalid(
                        "members",
                        "a group cannot be a member of itself",
                    ));
                }
                let kind = kinds
                    .get(id)
                    .ok_or_else(|| DirectoryError::invalid("members", &format!("names no user or group: `{id}`")))?;
                Ok(Member {
                    id: id.to_owned(),
                    kind: *kind,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut changed = remove_live(&mut write, group_id, &remove).await?;
        changed.extend(insert_new(&mut write, group_id, &adding).await?);
        if changed.is_empty() {
            return Ok(false);
        }
        sqlx::query("UPDATE directory_groups SET version = version + 1, modified_at = $1 WHERE id = $2")
            .bind(&write.at)
            .bind(group_id)
            .execute(&mut *write.tx)
            .await?;
        write.log(ObjectType::Group, group_id, ChangeKind::Updated).await?;
        log_member_changes(&mut write, &changed).await?;
        write.commit().await?;
        Ok(true)
    }
}

/// The ids once each, in their first order.
fn distinct(ids: &[String]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.iter().map(String::as_str).filter(|id| seen.insert(*id)).collect()
}

/// Which of the ids name a live user or a live group, and which of the two.
pub(super) async fn live_member_kinds(
    write: &mut Write,
    ids: &[&str],
) -> Result<HashMap<String, MemberKind>, DirectoryError> {
    let mut kinds = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let list = placeholders(1, chunk.len());
        let sql = format!(
            "SELECT id, 'user' AS kind FROM directory_users WHERE deleted_at IS NULL AND id IN ({list}) \
             UNION ALL SELECT id, 'group' AS kind FROM directory_groups WHERE deleted_at IS NULL AND id IN ({list})"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *write.tx).await? {
            let kind: String = row.try_get("kind")?;
            kinds.insert(row.try_get("id")?, MemberKind::parse(&kind));
        }
    }
    Ok(kinds)
}

/// Deletes the memberships of the ids that are live members, returning
/// them. A deleted member's membership stays (hidden) as it does when the
/// whole list is replaced, so a restore still brings it back.
async fn remove_live(write: &mut Write, group_id: &str, ids: &[&str]) -> Result<Vec<Member>, DirectoryError> {
    let mut removed = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let list = placeholders(2, chunk.len());
        let sql = format!(
            "DELETE FROM directory_members WHERE group_id = $1 AND member_id IN ({list}) \
             AND (member_id IN (SELECT id FROM directory_users WHERE deleted_at IS NULL) \
               OR member_id IN (SELECT id FROM directory_groups WHERE deleted_at IS NULL)) \
             RETURNING member_id, member_type"
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(group_id);
        for id in chunk {
            query = query.bind(*id);
        }
        removed.extend(members_of(query.fetch_all(&mut *write.tx).await?)?);
    }
    Ok(removed)
}

/// Inserts the memberships not already stored, returning those inserted. A
/// membership of a deleted member stays stored (and hidden) so a restore
/// brings it back; re-adding it must not collide.
pub(super) async fn insert_new(
    write: &mut Write,
    group_id: &str,
    members: &[Member],
) -> Result<Vec<Member>, DirectoryError> {
    let mut inserted = Vec::new();
    for chunk in members.chunks(crate::store::rows_per_statement(2)) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, {})", placeholders(i * 2 + 2, 2)))
            .collect();
        let sql = format!(
            "INSERT INTO directory_members (group_id, member_id, member_type) VALUES {} \
             ON CONFLICT (group_id, member_id) DO NOTHING RETURNING member_id, member_type",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql)).bind(group_id);
        for member in chunk {
            query = query.bind(member.id.as_str()).bind(member.kind.as_str());
        }
        inserted.extend(members_of(query.fetch_all(&mut *write.tx).await?)?);
    }
    Ok(inserted)
}

fn members_of(rows: Vec<sqlx::any::AnyRow>) -> Result<Vec<Member>, DirectoryError> {
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("member_type")?;
            Ok(Member {
                id: row.try_get("member_id")?,
                kind: MemberKind::parse(&kind),
            })
        })
        .collect()
}

/// The groups an added or removed member belongs to changed: its
/// `memberOf` (and that of everything below a nested group) is a change
/// for the jobs that scope or map by it.
pub(super) async fn log_member_changes(write: &mut Write, changed: &[Member]) -> Result<(), DirectoryError> {
    let users: Vec<&str> = changed
        .iter()
        .filter(|m| m.kind == MemberKind::User)
        .map(|m| m.id.as_str())
        .collect();
    write.log_many(ObjectType::User, &users, ChangeKind::Updated).await?;
    for group in changed.iter().filter(|m| m.kind == MemberKind::Group) {
        write.log(ObjectType::Group, &group.id, ChangeKind::Updated).await?;
        super::groups::log_everything_below(write, &group.id).await?;
    }
    Ok(())
}
