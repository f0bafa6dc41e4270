//! What the directory holds: users, groups, their members and bookkeeping.

use serde::Serialize;
use serde_json::{Map, Value};

/// When an object was created and last changed, its version (the ETag),
/// and when it was soft-deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub version: i64,
    pub created: String,
    pub modified: String,
    pub deleted: Option<String>,
}

/// A user: its id and attributes under their Entra names (`manager` holds
/// the manager's id).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub attributes: Map<String, Value>,
    /// SCIM attributes with no directory attribute (see docs/scim.md).
    pub scim_extra: Option<Value>,
    pub meta: Meta,
}

impl User {
    pub fn user_principal_name(&self) -> &str {
        self.text("userPrincipalName").unwrap_or_default()
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }

    pub fn is_deleted(&self) -> bool {
        self.meta.deleted.is_some()
    }

    pub fn draft(&self) -> UserDraft {
        UserDraft {
            attributes: self.attributes.clone(),
            scim_extra: self.scim_extra.clone(),
        }
    }
}

/// The writable part of a user, as a create or a replace supplies it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserDraft {
    pub attributes: Map<String, Value>,
    pub scim_extra: Option<Value>,
}

/// What a member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MemberKind {
    User,
    Group,
}

impl MemberKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::User => "user",
            MemberKind::Group => "group",
        }
    }

    pub(crate) fn parse(text: &str) -> MemberKind {
        if text == "group" {
            MemberKind::Group
        } else {
            MemberKind::User
        }
    }
}

/// A direct member of a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Member {
    pub id: String,
    pub kind: MemberKind,
}

/// A group: attributes (`displayName`, `description`, `mailNickname`,
/// `externalId`) and its direct members.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub attributes: Map<String, Value>,
    pub members: Vec<Member>,
    pub scim_extra: Option<Value>,
    pub meta: Meta,
}

impl Group {
    pub fn display_name(&self) -> &str {
        self.attributes
            .get("displayName")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn draft(&self) -> GroupDraft {
        GroupDraft {
            attributes: self.attributes.clone(),
            members: self.members.iter().map(|m| m.id.clone()).collect(),
            scim_extra: self.scim_extra.clone(),
        }
    }
}

/// The writable part of a group; members are ids of users or groups.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupDraft {
    pub attributes: Map<String, Value>,
    pub members: Vec<String>,
    pub scim_extra: Option<Value>,
}

/// One page of a listing and how many objects the whole listing has.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub total: usize,
    pub items: Vec<T>,
}
