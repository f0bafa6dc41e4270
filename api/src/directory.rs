//! Wire types of the directory admin API, the portal's view of Provisio's
//! built-in directory: users, groups and their members, soft deletion with
//! restore and purge, and the attribute catalogue with the administrator's
//! extension attributes. Each type sits beside the path it travels on.
//!
//! Attributes keep their Entra names (`userPrincipalName`, `displayName`,
//! `manager` holding the manager's id); the fields Provisio adds around them
//! are snake_case like the rest of the admin API.
//!
//! ```
//! use provisio_api::directory::{user_path, DirectoryQuery, USERS_PATH};
//!
//! assert_eq!(USERS_PATH, "/api/v1/directory/users");
//! assert_eq!(user_path("42"), "/api/v1/directory/users/42");
//! let query = DirectoryQuery { search: Some("ada".into()), ..DirectoryQuery::default() };
//! assert_eq!(query.limit(), Ok(50));
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// `GET` pages through users ([`DirectoryQuery`] → [`Page`] of
/// [`DirectoryUser`]); `POST` creates one from a [`UserWrite`].
pub const USERS_PATH: &str = "/api/v1/directory/users";
/// `GET` answers a [`UserDetail`] (deleted users too), `PUT` replaces the
/// attributes ([`UserWrite`]), `PATCH` changes some ([`AttributesPatch`]),
/// `DELETE` soft-deletes, or with `?purge=true` hard-deletes a deleted user.
pub const USER_PATH: &str = "/api/v1/directory/users/{id}";
/// `POST` restores a soft-deleted user.
pub const USER_RESTORE_PATH: &str = "/api/v1/directory/users/{id}/restore";
/// `GET` pages through groups; `POST` creates one from a [`GroupWrite`].
pub const GROUPS_PATH: &str = "/api/v1/directory/groups";
/// `GET`, `PUT`, `PATCH` ([`GroupPatch`]) and `DELETE` one group, as for users.
pub const GROUP_PATH: &str = "/api/v1/directory/groups/{id}";
/// `POST` restores a soft-deleted group.
pub const GROUP_RESTORE_PATH: &str = "/api/v1/directory/groups/{id}/restore";
/// `POST` adds members ([`MembersRequest`]).
pub const GROUP_MEMBERS_PATH: &str = "/api/v1/directory/groups/{id}/members";
/// `DELETE` removes one member.
pub const GROUP_MEMBER_PATH: &str = "/api/v1/directory/groups/{id}/members/{member_id}";
/// `GET` answers the [`AttributeCatalogue`]; `POST` defines an extension
/// attribute of users ([`ExtensionAttributeRequest`]).
pub const ATTRIBUTES_PATH: &str = "/api/v1/directory/attributes";
/// `DELETE` removes an extension attribute and its values from every user.
pub const ATTRIBUTE_PATH: &str = "/api/v1/directory/attributes/{name}";

pub use crate::paging::{DEFAULT_LIMIT, MAX_LIMIT};

/// [`USER_PATH`] for one user id.
pub fn user_path(id: &str) -> String {
    format!("{USERS_PATH}/{id}")
}

/// [`GROUP_PATH`] for one group id.
pub fn group_path(id: &str) -> String {
    format!("{GROUPS_PATH}/{id}")
}

/// The query of `GET /api/v1/directory/users` and `/groups`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DirectoryQuery {
    /// Text to look for (case-insensitive): in users' userPrincipalName,
    /// displayName or mail; in groups' displayName.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// How many matching objects to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// How many objects to answer: 1 to 500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// List soft-deleted objects instead of live ones (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

impl DirectoryQuery {
    /// The page size asked for, or why it is out of range.
    pub fn limit(&self) -> Result<usize, String> {
        crate::paging::checked_limit(self.limit)
    }
}

/// The query of `DELETE /api/v1/directory/users/{id}` and `/groups/{id}`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DeleteQuery {
    /// Hard-delete an object that is already soft-deleted (default false:
    /// soft-delete a live one).
    #[serde(default)]
    pub purge: bool,
}

/// One page of a listing, and how many objects the whole listing has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}

/// When an object was created and changed, its version (send it back in
/// `If-Match`), and when it was soft-deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectMeta {
    pub version: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub modified_at: String,
    /// Set while the object is soft-deleted.
    pub deleted_at: Option<String>,
}

/// A user as listings show it: id, attributes (Entra names) and meta.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryUser {
    pub id: String,
    /// `userPrincipalName`, `displayName`, `manager` (an id), …
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    pub meta: ObjectMeta,
}

/// Another directory object named by a user or group: its id and display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectRef {
    pub id: String,
    pub display_name: String,
}

/// One user with the groups it is a direct member of and its manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserDetail {
    #[serde(flatten)]
    pub user: DirectoryUser,
    /// The live groups the user is a direct member of, by display name.
    pub groups: Vec<ObjectRef>,
    /// Every live group the user belongs to, directly or through nested
    /// groups, by display name: what provisioning reads as `memberOf`.
    #[serde(default)]
    pub member_of: Vec<ObjectRef>,
    /// The user the `manager` attribute names.
    pub manager: Option<ObjectRef>,
}

/// The body of `POST /api/v1/directory/users` and `PUT …/users/{id}`: every
/// attribute of the user (`userPrincipalName` is required).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserWrite {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
}

/// The body of `PATCH …/users/{id}`: attributes to set; `null` clears one.
/// Attributes left out keep their values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributesPatch {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
}

/// User or group, as a member of a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MemberType {
    User,
    Group,
}

/// A direct member of a group; the display name when it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupMember {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: MemberType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// A group: attributes (`displayName`, `description`, `mailNickname`,
/// `externalId`), direct members and meta.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryGroup {
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    pub members: Vec<GroupMember>,
    pub meta: ObjectMeta,
}

/// The body of `POST /api/v1/directory/groups` and `PUT …/groups/{id}`:
/// the attributes (`displayName` is required) and the members' ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupWrite {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub members: Vec<String>,
}

/// The body of `PATCH …/groups/{id}`: attributes to set (`null` clears
/// one) and, when given, the new list of members' ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupPatch {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub attributes: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
}

/// The body of `POST …/groups/{id}/members`: users and groups to add.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MembersRequest {
    pub ids: Vec<String>,
}

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum AttributeKind {
    String,
    Boolean,
    Integer,
    /// An RFC 3339 instant.
    DateTime,
    /// The id of another user.
    Reference,
}

/// One attribute of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeDefinition {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeKind,
    pub multi_valued: bool,
    pub description: String,
    /// Entra's own attribute (true), or an administrator's extension.
    pub builtin: bool,
}

/// Every attribute users and groups may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeCatalogue {
    /// Built-in user attributes, then the extension attributes.
    pub user: Vec<AttributeDefinition>,
    pub group: Vec<AttributeDefinition>,
}

/// The body of `POST /api/v1/directory/attributes`: a new user attribute,
/// named with a letter then letters, digits or underscores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExtensionAttributeRequest {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeKind,
    #[serde(default)]
    pub multi_valued: bool,
    #[serde(default)]
    pub description: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn limits_default_to_50_and_stay_within_1_to_500() {
        let query = |limit| DirectoryQuery {
            limit,
            ..DirectoryQuery::default()
        };
        assert_eq!(query(None).limit(), Ok(50));
        assert_eq!(query(Some(1)).limit(), Ok(1));
        assert_eq!(query(Some(500)).limit(), Ok(500));
        assert!(query(Some(0)).limit().unwrap_err().contains("between 1 and 500"));
        assert!(query(Some(501)).limit().is_err());
    }

    #[test]
    fn a_user_detail_is_the_user_plus_its_groups_and_manager() {
        let detail = UserDetail {
            user: DirectoryUser {
                id: "u1".into(),
                attributes: json!({"userPrincipalName": "ada@contoso.com", "manager": "u2"})
                    .as_object()
                    .cloned()
                    .unwrap(),
                meta: ObjectMeta {
                    version: 1,
                    created_at: "t".into(),
                    modified_at: "t".into(),
                    deleted_at: None,
                },
            },
            groups: vec![ObjectRef {
                id: "g1".into(),
                display_name: "Sales".into(),
            }],
            member_of: vec![
                ObjectRef {
                    id: "g0".into(),
                    display_name: "All staff".into(),
                },
                ObjectRef {
                    id: "g1".into(),
                    display_name: "Sales".into(),
                },
            ],
            manager: Some(ObjectRef {
                id: "u2".into(),
                display_name: "Grace".into(),
            }),
        };
        let json = serde_json::to_value(&detail).unwrap();
        assert_eq!(json["id"], "u1");
        assert_eq!(json["groups"][0], json!({"id": "g1", "display_name": "Sales"}));
        assert_eq!(json["manager"]["display_name"], "Grace");
        assert_eq!(json["member_of"][0]["display_name"], "All staff");
        assert_eq!(serde_json::from_value::<UserDetail>(json).unwrap(), detail);
    }

    #[test]
    fn requests_may_leave_out_optional_fields() {
        let group: GroupWrite = serde_json::from_value(json!({"attributes": {"displayName": "Sales"}})).unwrap();
        assert!(group.members.is_empty());
        let patch: GroupPatch = serde_json::from_value(json!({"members": []})).unwrap();
        assert_eq!(patch.members, Some(vec![]));
        let attribute: ExtensionAttributeRequest =
            serde_json::from_value(json!({"name": "shoeSize", "type": "integer"})).unwrap();
        assert!(!attribute.multi_valued);
        assert_eq!(serde_json::to_value(AttributeKind::DateTime).unwrap(), "dateTime");
    }
}
