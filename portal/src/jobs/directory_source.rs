//! The directory's users and groups as a provisioning source reads them, for
//! the tabs that run the engine in the browser: fetched page by page, with
//! the attributes the server adds (`id`, `IsSoftDeleted`, a group's `members`,
//! every object's `memberOf`).

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::{
    DirectoryGroup, DirectoryUser, GROUPS_PATH, MAX_LIMIT, Page, USERS_PATH, UserDetail, user_path,
};
use provisio_engine::job::SourceKind;
use provisio_engine::object::SourceObject;
use provisio_engine::plan::{Entitlements, SourceRecord};
use serde_json::{Map, Value};

use crate::api::{self, Failure};

/// One source object: its id, the name to show, and its attributes (as
/// JSON and as the engine reads them).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceEntry {
    pub id: String,
    pub name: String,
    pub attributes: Map<String, Value>,
    pub object: SourceObject,
    /// The groups a user belongs to directly (through which assignments
    /// reach it); empty for groups.
    pub groups: Vec<String>,
}

/// Every object of one kind, once fetched, or why it could not be.
pub type Loaded = Option<Result<Arc<Vec<SourceEntry>>, Failure>>;

/// Fetches every object of `kind()` (again whenever it changes).
pub fn fetch_all(kind: impl Fn() -> SourceKind + 'static) -> RwSignal<Loaded> {
    let loaded = RwSignal::new(None);
    Effect::new(move |_| {
        let kind = kind();
        loaded.set(None);
        spawn_local(async move { loaded.set(Some(all_of(kind).await.map(Arc::new))) });
    });
    loaded
}

impl SourceEntry {
    /// A user as the server's source reads it: its attributes, `id` and `IsSoftDeleted`.
    pub fn from_user(user: &DirectoryUser) -> SourceEntry {
        let mut attributes = user.attributes.clone();
        attributes.insert("id".to_owned(), Value::String(user.id.clone()));
        attributes.insert("IsSoftDeleted".to_owned(), Value::Bool(user.meta.deleted_at.is_some()));
        SourceEntry::new(user.id.clone(), attributes, &["displayName", "userPrincipalName"])
    }

    /// A group as the server's source reads it: also `members`, its direct members' ids.
    pub fn from_group(group: &DirectoryGroup) -> SourceEntry {
        let mut attributes = group.attributes.clone();
        attributes.insert("id".to_owned(), Value::String(group.id.clone()));
        attributes.insert("IsSoftDeleted".to_owned(), Value::Bool(group.meta.deleted_at.is_some()));
        let members = group.members.iter().map(|m| Value::String(m.id.clone())).collect();
        attributes.insert("members".to_owned(), Value::Array(members));
        SourceEntry::new(group.id.clone(), attributes, &["displayName"])
    }

    fn new(id: String, attributes: Map<String, Value>, names: &[&str]) -> SourceEntry {
        let name = names
            .iter()
            .find_map(|n| attributes.get(*n).and_then(Value::as_str).filter(|s| !s.is_empty()))
            .unwrap_or(&id)
            .to_owned();
        SourceEntry::with_name(id, name, attributes)
    }

    fn with_name(id: String, name: String, attributes: Map<String, Value>) -> SourceEntry {
        let object = serde_json::from_value(Value::Object(attributes.clone())).unwrap_or_default();
        SourceEntry {
            id,
            name,
            attributes,
            object,
            groups: Vec::new(),
        }
    }

    /// The attributes as JSON text, pretty-printed (the expression editor's source object).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.attributes).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The entry with its `memberOf`: the groups it belongs to (none when `None`).
    pub fn with_member_of(self, groups: Option<&GroupNames>) -> SourceEntry {
        let mut attributes = self.attributes;
        let listed = groups
            .into_iter()
            .flatten()
            .map(|(id, name)| serde_json::json!({"id": id, "displayName": name}))
            .collect();
        attributes.insert("memberOf".to_owned(), Value::Array(listed));
        SourceEntry::with_name(self.id, self.name, attributes)
    }

    /// The object as a cycle's decision reads it.
    pub fn record(&self, kind: SourceKind) -> SourceRecord {
        SourceRecord::from_attributes(kind, self.object.clone())
    }

    /// The object as a cycle of a job with these assignments reads it: with
    /// its `appRoleAssignments` and whether it is assigned.
    pub fn entitled_record(&self, kind: SourceKind, entitlements: &Entitlements) -> SourceRecord {
        if !entitlements.matters() {
            return self.record(kind);
        }
        let mut attributes = self.attributes.clone();
        let groups = self.groups.iter().map(String::as_str);
        let assigned = entitlements.fill(kind, &self.id, groups, &mut attributes);
        let object = serde_json::from_value(Value::Object(attributes)).unwrap_or_default();
        SourceRecord {
            assigned,
            ..SourceRecord::from_attributes(kind, object)
        }
    }
}

/// Every live user of the directory, in pages of the API's largest size,
/// each with its `memberOf` (worked out from every group's members).
pub async fn all_users() -> Result<Vec<SourceEntry>, Failure> {
    let users = all::<DirectoryUser>(USERS_PATH).await?;
    let groups = all::<DirectoryGroup>(GROUPS_PATH).await?;
    let member_of = memberships(&groups);
    let mut direct: HashMap<&str, Vec<String>> = HashMap::new();
    for group in &groups {
        for member in &group.members {
            direct.entry(member.id.as_str()).or_default().push(group.id.clone());
        }
    }
    Ok(users
        .iter()
        .map(|user| SourceEntry {
            groups: direct.remove(user.id.as_str()).unwrap_or_default(),
            ..SourceEntry::from_user(user).with_member_of(member_of.get(&user.id))
        })
        .collect())
}

/// Every live group of the directory, with its members and its `memberOf`.
pub async fn all_groups() -> Result<Vec<SourceEntry>, Failure> {
    let groups = all::<DirectoryGroup>(GROUPS_PATH).await?;
    let member_of = memberships(&groups);
    Ok(groups
        .iter()
        .map(|group| SourceEntry::from_group(group).with_member_of(member_of.get(&group.id)))
        .collect())
}

/// Groups as `(id, displayName)`.
type GroupNames = Vec<(String, String)>;

/// Every member's groups, directly or through nested groups, sorted by
/// display name: what the server's cycles read as `memberOf`, so previews
/// scope by `IS MEMBER OF` as cycles do.
pub fn memberships(groups: &[DirectoryGroup]) -> HashMap<String, GroupNames> {
    let names: HashMap<&str, &str> = groups
        .iter()
        .map(|g| {
            let name = g
                .attributes
                .get("displayName")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (g.id.as_str(), name)
        })
        .collect();
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for group in groups {
        for member in &group.members {
            parents.entry(member.id.as_str()).or_default().push(group.id.as_str());
        }
    }
    let mut all = HashMap::new();
    for member in parents.keys() {
        let mut seen: Vec<&str> = Vec::new();
        let mut to_visit: Vec<&str> = parents.get(member).cloned().unwrap_or_default();
        while let Some(group) = to_visit.pop() {
            if seen.contains(&group) {
                continue;
            }
            seen.push(group);
            to_visit.extend(parents.get(group).into_iter().flatten());
        }
        let mut named: GroupNames = seen
            .into_iter()
            .map(|id| (id.to_owned(), names.get(id).copied().unwrap_or_default().to_owned()))
            .collect();
        named.sort_by(|a, b| (a.1.to_lowercase(), &a.0).cmp(&(b.1.to_lowercase(), &b.0)));
        all.insert((*member).to_owned(), named);
    }
    all
}

/// Every live object of `kind`.
pub async fn all_of(kind: SourceKind) -> Result<Vec<SourceEntry>, Failure> {
    match kind {
        SourceKind::User => all_users().await,
        SourceKind::Group => all_groups().await,
    }
}

async fn all<T: serde::de::DeserializeOwned>(path: &str) -> Result<Vec<T>, Failure> {
    let mut items = Vec::new();
    loop {
        let page: Page<T> = api::get(&format!("{path}?offset={}&limit={MAX_LIMIT}", items.len())).await?;
        let done = page.items.len() < MAX_LIMIT;
        items.extend(page.items);
        if done || items.len() >= page.total {
            return Ok(items);
        }
    }
}

/// The first users whose name or mail contains `text`.
pub async fn search_users(text: &str, limit: usize) -> Result<Page<DirectoryUser>, Failure> {
    let path = format!("{USERS_PATH}?search={}&limit={limit}", api::encode(text.trim()));
    api::get(&path).await
}

/// One user, read afresh.
pub async fn user(id: &str) -> Result<SourceEntry, Failure> {
    let detail: UserDetail = api::get(&user_path(&api::encode(id))).await?;
    let member_of: GroupNames = detail
        .member_of
        .into_iter()
        .map(|group| (group.id, group.display_name))
        .collect();
    Ok(SourceEntry::from_user(&detail.user).with_member_of(Some(&member_of)))
}

#[cfg(test)]
mod tests {
    use provisio_api::directory::{GroupMember, MemberType, ObjectMeta};
    use serde_json::json;

    use super::*;

    fn group(id: &str, name: &str, members: &[(&str, MemberType)]) -> DirectoryGroup {
        DirectoryGroup {
            id: id.to_owned(),
            attributes: json!({"displayName": name}).as_object().cloned().unwrap_or_default(),
            members: members
                .iter()
                .map(|(id, kind)| GroupMember {
                    id: (*id).to_owned(),
                    kind: *kind,
                    display_name: None,
                })
                .collect(),
            meta: ObjectMeta {
                version: 1,
                created_at: String::new(),
                modified_at: String::new(),
                deleted_at: None,
            },
        }
    }

    #[test]
    fn member_of_follows_nested_groups_and_survives_a_circle() {
        let groups = [
            group("g-all", "All staff", &[("g-sales", MemberType::Group)]),
            group(
                "g-sales",
                "Sales",
                &[("ada", MemberType::User), ("g-emea", MemberType::Group)],
            ),
            group(
                "g-emea",
                "Sales EMEA",
                &[("grace", MemberType::User), ("g-all", MemberType::Group)],
            ),
        ];
        let member_of = memberships(&groups);
        let names = |id: &str| -> Vec<String> { member_of[id].iter().map(|(_, n)| n.clone()).collect() };
        assert_eq!(names("ada"), ["All staff", "Sales", "Sales EMEA"]);
        assert_eq!(names("grace"), ["All staff", "Sales", "Sales EMEA"]);
        assert!(!member_of.contains_key("nobody"));
        let entry = SourceEntry::with_name("ada".into(), "Ada".into(), Map::new()).with_member_of(member_of.get("ada"));
        assert_eq!(
            entry.attributes["memberOf"][0],
            json!({"id": "g-all", "displayName": "All staff"})
        );
    }
}
