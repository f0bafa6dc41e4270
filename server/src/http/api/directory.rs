//! `/api/v1/directory`: the built-in directory for the portal. Users and
//! groups (listing, reading, writing, soft deletion, restore, purge),
//! group members, and the attribute catalogue. This module turns the
//! directory's objects into their wire shapes; the handlers live in one
//! module per kind.

mod attributes;
mod groups;
mod users;

use provisio_api::directory::{
    DirectoryGroup, DirectoryQuery, DirectoryUser, GroupMember, MemberType, ObjectMeta, ObjectRef, UserDetail,
};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;

use super::AppState;
use super::error::Failure;
use crate::directory::{Directory, Group, GroupQuery, MemberKind, Meta, User, UserQuery};

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(users::routes())
        .merge(groups::routes())
        .merge(attributes::routes())
}

/// What `DELETE` does with a user or group: soft-delete a live one, or
/// with `?purge=true` hard-delete one already deleted.
enum Removal {
    SoftDelete,
    Purge,
}

fn removal(kind: &str, id: &str, deleted: bool, purge: bool) -> Result<Removal, Failure> {
    match (deleted, purge) {
        (false, false) => Ok(Removal::SoftDelete),
        (true, true) => Ok(Removal::Purge),
        (false, true) => Err(Failure::conflict(format!(
            "the {kind} `{id}` is not deleted: delete it first, then purge it"
        ))),
        (true, false) => Err(Failure::conflict(format!(
            "the {kind} `{id}` is already deleted: add ?purge=true to delete it for good, or restore it"
        ))),
    }
}

fn meta(meta: &Meta) -> ObjectMeta {
    ObjectMeta {
        version: meta.version,
        created_at: meta.created.clone(),
        modified_at: meta.modified.clone(),
        deleted_at: meta.deleted.clone(),
    }
}

fn user(user: User) -> DirectoryUser {
    DirectoryUser {
        meta: meta(&user.meta),
        id: user.id,
        attributes: user.attributes,
    }
}

/// The user with its groups and its manager.
async fn user_detail(directory: &Directory, found: User) -> Result<UserDetail, Failure> {
    let refs = |groups: Vec<(String, String)>| {
        groups
            .into_iter()
            .map(|(id, display_name)| ObjectRef { id, display_name })
            .collect()
    };
    let groups = refs(directory.groups_of(&found.id).await?);
    let member_of = refs(directory.member_of(&found.id).await?);
    let manager = match found.text("manager") {
        Some(manager_id) => directory
            .user_including_deleted(manager_id)
            .await?
            .map(|manager| ObjectRef {
                display_name: display_name(&manager.attributes),
                id: manager.id,
            }),
        None => None,
    };
    Ok(UserDetail {
        user: user(found),
        groups,
        member_of,
        manager,
    })
}

/// A user's `displayName`, or its user principal name when it has none.
fn display_name(attributes: &Map<String, Value>) -> String {
    ["displayName", "userPrincipalName"]
        .iter()
        .find_map(|name| attributes.get(*name).and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned()
}

fn member_type(kind: MemberKind) -> MemberType {
    match kind {
        MemberKind::User => MemberType::User,
        MemberKind::Group => MemberType::Group,
    }
}

fn group(group: Group) -> DirectoryGroup {
    DirectoryGroup {
        meta: meta(&group.meta),
        members: group
            .members
            .iter()
            .map(|member| GroupMember {
                id: member.id.clone(),
                kind: member_type(member.kind),
                display_name: None,
            })
            .collect(),
        id: group.id,
        attributes: group.attributes,
    }
}

/// The group with its members' display names.
async fn group_detail(directory: &Directory, found: Group) -> Result<DirectoryGroup, Failure> {
    let mut detail = group(found);
    for member in &mut detail.members {
        let attributes = match member.kind {
            MemberType::User => directory.user(&member.id).await?.map(|u| u.attributes),
            MemberType::Group => directory.group(&member.id).await?.map(|g| g.attributes),
        };
        member.display_name = attributes.map(|a| display_name(&a));
    }
    Ok(detail)
}

fn user_query(query: DirectoryQuery) -> Result<UserQuery, Failure> {
    Ok(UserQuery {
        limit: query.limit().map_err(Failure::invalid)?,
        search: query.search,
        deleted: query.deleted.unwrap_or(false),
        offset: query.offset.unwrap_or(0),
    })
}

fn group_query(query: DirectoryQuery) -> Result<GroupQuery, Failure> {
    Ok(GroupQuery {
        limit: query.limit().map_err(Failure::invalid)?,
        search: query.search,
        deleted: query.deleted.unwrap_or(false),
        offset: query.offset.unwrap_or(0),
    })
}

/// `current` with `patch` applied: a value sets the attribute, `null`
/// clears it; names match regardless of case, as the catalogue's do.
fn patched(current: &Map<String, Value>, patch: Map<String, Value>) -> Map<String, Value> {
    let mut attributes = current.clone();
    for (name, value) in patch {
        attributes.retain(|existing, _| !existing.eq_ignore_ascii_case(&name));
        if !value.is_null() {
            attributes.insert(name, value);
        }
    }
    attributes
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn patches_set_and_clear_regardless_of_case() {
        let current = map(json!({"givenName": "Ada", "jobTitle": "Engineer", "mail": "a@b.c"}));
        let patch = map(json!({"givenname": "Augusta", "JOBTITLE": null, "department": "R&D"}));
        assert_eq!(
            Value::Object(patched(&current, patch)),
            json!({"givenname": "Augusta", "mail": "a@b.c", "department": "R&D"})
        );
    }

    #[test]
    fn display_names_fall_back_to_the_user_principal_name() {
        assert_eq!(
            display_name(&map(json!({"displayName": "Ada", "userPrincipalName": "a@b"}))),
            "Ada"
        );
        assert_eq!(display_name(&map(json!({"userPrincipalName": "a@b"}))), "a@b");
        assert_eq!(display_name(&Map::new()), "");
    }

    #[test]
    fn queries_check_the_limit_and_default_the_rest() {
        let query = user_query(DirectoryQuery::default()).unwrap();
        assert_eq!((query.offset, query.limit, query.deleted), (0, 50, false));
        let bad = DirectoryQuery {
            limit: Some(0),
            ..DirectoryQuery::default()
        };
        let failure = group_query(bad).unwrap_err();
        assert_eq!(failure.status.as_u16(), 400);
        assert!(failure.error.message.contains("`limit`"));
    }
}
