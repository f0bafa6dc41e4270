//! The display names of group members (users and groups), read in a few
//! queries for answers that show members with their names (SCIM's
//! `members[].display`), and the names of objects by id for logs that show
//! references by name.

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

/// Users by id with their userPrincipalName, deleted ones included.
const USER_NAMES: &str = "SELECT id, attributes FROM directory_users";
/// Groups by id with their displayName, deleted ones included.
const GROUP_NAMES: &str = "SELECT id, attributes FROM directory_groups";

impl Directory {
    /// `id → name` for these users (their userPrincipalName) and groups
    /// (their displayName), deleted ones included, as the provisioning logs
    /// name objects; ids of no directory object are left out.
    pub async fn names_of(&self, ids: &[String]) -> Result<HashMap<String, String>, DirectoryError> {
        let mut names = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for (table, name) in [(USER_NAMES, "userPrincipalName"), (GROUP_NAMES, "displayName")] {
                let sql = format!("{table} WHERE id IN ({})", placeholders(1, chunk.len()));
                let query = chunk
                    .iter()
                    .fold(sqlx::query(AssertSqlSafe(sql)), |q, id| q.bind(id.clone()));
                for row in query.fetch_all(self.store.pool()).await? {
                    let attributes: String = row.try_get("attributes")?;
                    let attributes: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&attributes)?;
                    if let Some(found) = text(&attributes, name) {
                        names.insert(row.try_get("id")?, found);
                    }
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::directory::{GroupDraft, UserDraft};
    use crate::store::Store;

    fn object(value: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
        value.as_object().cloned().unwrap()
    }

    #[tokio::test]
    async fn names_of_gives_users_their_upn_and_groups_their_display_name() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let directory = store.directory();
        let ada = directory
            .create_user(UserDraft {
                attributes: object(json!({"userPrincipalName": "ada@contoso.com", "displayName": "Ada"})),
                scim_extra: None,
            })
            .await
            .unwrap();
        let group = directory
            .create_group(GroupDraft {
                attributes: object(json!({"displayName": "Engineers"})),
                members: vec![ada.id.clone()],
                scim_extra: None,
            })
            .await
            .unwrap();
        directory.delete_user(&ada.id, None).await.unwrap();
        let names = directory
            .names_of(&[ada.id.clone(), group.id.clone(), "nobody".to_owned()])
            .await
            .unwrap();
        assert_eq!(names.len(), 2, "{names:?}");
        assert_eq!(names[&ada.id], "ada@contoso.com", "deleted users are named too");
        assert_eq!(names[&group.id], "Engineers");
    }
}
