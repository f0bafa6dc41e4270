//! Memberships read for listings: a group's live user members, and the
//! direct groups of many users at once, so that a SCIM filter on a user's
//! `groups` reads the memberships it needs rather than every user.

use std::collections::HashMap;

use sqlx::{AssertSqlSafe, Row};

use super::rows::{self, placeholders, text};
use super::{Directory, DirectoryError};

/// A user's direct groups as listings show them: (group id, displayName).
pub type GroupsOfUsers = HashMap<String, Vec<(String, String)>>;

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;

const GROUPS_OF_USERS: &str = "SELECT m.member_id, g.id, g.attributes FROM directory_members m \
     JOIN directory_groups g ON g.id = m.group_id \
     WHERE m.member_type = 'user' AND g.deleted_at IS NULL";

impl Directory {
    /// The ids of the group's live direct members that are users.
    pub async fn user_members_of(&self, group_id: &str) -> Result<Vec<String>, DirectoryError> {
        let ids = sqlx::query_scalar(
            "SELECT m.member_id FROM directory_members m JOIN directory_users u ON u.id = m.member_id \
             WHERE m.group_id = $1 AND m.member_type = 'user' AND u.deleted_at IS NULL",
        )
        .bind(group_id)
        .fetch_all(self.store.pool())
        .await?;
        Ok(ids)
    }

    /// Every live user's live direct groups at once: one query instead of
    /// one per user.
    pub async fn all_groups_of_users(&self) -> Result<GroupsOfUsers, DirectoryError> {
        let sql = format!("{GROUPS_OF_USERS} ORDER BY g.display_name_key");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.store.pool()).await?;
        let mut groups = GroupsOfUsers::new();
        collect(&rows, &mut groups)?;
        Ok(groups)
    }

    /// The live direct groups of these users (a few hundred per query).
    pub async fn groups_of_users(&self, users: &[String]) -> Result<GroupsOfUsers, DirectoryError> {
        let mut groups = GroupsOfUsers::new();
        for chunk in users.chunks(CHUNK) {
            let sql = format!(
                "{GROUPS_OF_USERS} AND m.member_id IN ({}) ORDER BY g.display_name_key",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.as_str());
            }
            collect(&query.fetch_all(self.store.pool()).await?, &mut groups)?;
        }
        Ok(groups)
    }
}

fn collect(rows: &[sqlx::any::AnyRow], groups: &mut GroupsOfUsers) -> Result<(), DirectoryError> {
    for row in rows {
        let attributes = rows::json_map(row, "attributes")?;
        groups
            .entry(row.try_get("member_id")?)
            .or_default()
            .push((row.try_get("id")?, text(&attributes, "displayName").unwrap_or_default()));
    }
    Ok(())
}
