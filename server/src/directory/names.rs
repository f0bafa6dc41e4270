//! The display names of group members (users and groups), read in a few
//! queries for answers that show members with their names (SCIM's
//! `members[].display`).

use std::collections::HashMap;

// Dynamic SQL here only splices `$n` placeholders; values are always bound.
use sqlx::{AssertSqlSafe, Row};

use super::rows::{placeholders, text};
use super::{Directory, DirectoryError};

/// How many group ids one query names.
const CHUNK: usize = 500;

/// The members' displayName joined to their membership rows: a user's
/// attributes or, for a nested group, the group's.
const MEMBER_NAMES: &str = "SELECT m.member_id, COALESCE(u.attributes, g.attributes) AS attributes \
     FROM directory_members m \
     LEFT JOIN directory_users u ON u.id = m.member_id AND m.member_type = 'user' \
     LEFT JOIN directory_groups g ON g.id = m.member_id AND m.member_type = 'group'";

impl Directory {
    /// `member id → displayName` for the direct members of these groups
    /// that have a display name.
    pub async fn member_names(&self, group_ids: &[&str]) -> Result<HashMap<String, String>, DirectoryError> {
        let mut names = HashMap::new();
        for chunk in group_ids.chunks(CHUNK) {
            let sql = format!("{MEMBER_NAMES} WHERE m.group_id IN ({})", placeholders(1, chunk.len()));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind((*id).to_owned());
            }
            collect(query.fetch_all(self.store.pool()).await?, &mut names)?;
        }
        Ok(names)
    }

    /// `member id → displayName` for every member of every group: one query,
    /// for filters that look at members' names across all groups.
    pub async fn all_member_names(&self) -> Result<HashMap<String, String>, DirectoryError> {
        let mut names = HashMap::new();
        let rows = sqlx::query(MEMBER_NAMES).fetch_all(self.store.pool()).await?;
        collect(rows, &mut names)?;
        Ok(names)
    }
}

fn collect(rows: Vec<sqlx::any::AnyRow>, names: &mut HashMap<String, String>) -> Result<(), DirectoryError> {
    for row in rows {
        let attributes: Option<String> = row.try_get("attributes")?;
        let Some(attributes) = attributes else {
            continue;
        };
        let attributes: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&attributes)?;
        if let Some(name) = text(&attributes, "displayName") {
            names.insert(row.try_get("member_id")?, name);
        }
    }
    Ok(())
}
