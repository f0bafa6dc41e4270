//! The directory's users and groups as a provisioning source reads them, for
//! the tabs that run the engine in the browser: fetched page by page, with
//! the attributes the server adds (`id`, `IsSoftDeleted`, a group's `members`).

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::{
    DirectoryGroup, DirectoryUser, GROUPS_PATH, MAX_LIMIT, Page, USERS_PATH, UserDetail, user_path,
};
use provisio_engine::job::SourceKind;
use provisio_engine::object::SourceObject;
use provisio_engine::plan::SourceRecord;
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
        let object = serde_json::from_value(Value::Object(attributes.clone())).unwrap_or_default();
        SourceEntry {
            id,
            name,
            attributes,
            object,
        }
    }

    /// The attributes as JSON text, pretty-printed (the expression editor's source object).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(&self.attributes).unwrap_or_else(|_| "{}".to_owned())
    }

    /// The object as a cycle's decision reads it.
    pub fn record(&self, kind: SourceKind) -> SourceRecord {
        SourceRecord::from_attributes(kind, self.object.clone())
    }
}

/// Every live user of the directory, in pages of the API's largest size.
pub async fn all_users() -> Result<Vec<SourceEntry>, Failure> {
    all::<DirectoryUser>(USERS_PATH)
        .await
        .map(|users| users.iter().map(SourceEntry::from_user).collect())
}

/// Every live group of the directory, with its members.
pub async fn all_groups() -> Result<Vec<SourceEntry>, Failure> {
    all::<DirectoryGroup>(GROUPS_PATH)
        .await
        .map(|groups| groups.iter().map(SourceEntry::from_group).collect())
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
    Ok(SourceEntry::from_user(&detail.user))
}
