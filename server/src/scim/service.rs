//! The SCIM operations on the directory, independent of HTTP so that single
//! requests and /Bulk share them: create, read, replace, patch and delete
//! users and groups, each one transaction.

use axum::http::StatusCode;
use provisio_scim::schema::{self, AttrType, CustomAttribute, ResourceSchema};
use provisio_scim::{ScimError, patch, validate};
use serde_json::Value;

use super::resource::{self, Base, USER_MAPPING};
use crate::directory::{
    AttributeSpec, AttributeType, Directory, DirectoryError, Group, MemberChange, UnknownManager, User,
};

/// Whether an answer shows a group's members, which are then read; an
/// answer projected without them (`excludedAttributes=members`) or one
/// nobody reads (a /Bulk operation's) leaves them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Members {
    Shown,
    Left,
}

/// Users or groups: the two resource types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    pub(crate) fn endpoint(self) -> &'static str {
        match self {
            Kind::User => "Users",
            Kind::Group => "Groups",
        }
    }

    /// The kind of `Users` or `Groups`, in any letter case.
    pub(crate) fn of_endpoint(name: &str) -> Option<Kind> {
        [Kind::User, Kind::Group]
            .into_iter()
            .find(|kind| kind.endpoint().eq_ignore_ascii_case(name))
    }
}

/// The SCIM view of the directory for one request: its schemas include the
/// administrator's extension attributes as they are now.
#[derive(Debug, Clone)]
pub(crate) struct Scim {
    pub(crate) directory: Directory,
    pub(crate) base: Base,
    pub(crate) extensions: Vec<AttributeSpec>,
    pub(crate) user_schema: ResourceSchema,
    pub(crate) group_schema: ResourceSchema,
}

impl Scim {
    pub(crate) async fn new(directory: Directory, base: Base) -> Result<Scim, ScimError> {
        let extensions = directory.extension_attributes().await?;
        let custom: Vec<CustomAttribute> = extensions.iter().map(custom_attribute).collect();
        Ok(Scim {
            directory,
            base,
            user_schema: schema::user_schema(&custom),
            group_schema: schema::group_schema(),
            extensions,
        })
    }

    pub(crate) fn schema(&self, kind: Kind) -> &ResourceSchema {
        match kind {
            Kind::User => &self.user_schema,
            Kind::Group => &self.group_schema,
        }
    }

    pub(crate) async fn create(&self, kind: Kind, body: Value) -> Result<Value, ScimError> {
        let resource = validate::normalize(body, self.schema(kind), validate::Mode::Create)?;
        match kind {
            Kind::User => {
                let mut draft = resource::user_draft(resource, &self.extensions);
                resource::default_mail_nickname(&mut draft);
                let user = self.directory.create_user_with(draft, UNKNOWN_MANAGER).await?;
                Ok(self.user_json(&user, &[]))
            }
            Kind::Group => {
                let group = self.directory.create_group(resource::group_draft(resource)).await?;
                self.group_answer(&group).await
            }
        }
    }

    /// The live resource, or 404.
    pub(crate) async fn read(&self, kind: Kind, id: &str) -> Result<Value, ScimError> {
        match kind {
            Kind::User => {
                let user = self.directory.user(id).await?.ok_or_else(|| not_found(kind, id))?;
                let groups = self.directory.groups_of(id).await?;
                Ok(self.user_json(&user, &groups))
            }
            Kind::Group => {
                let group = self.directory.group(id).await?.ok_or_else(|| not_found(kind, id))?;
                self.group_answer(&group).await
            }
        }
    }

    pub(crate) async fn replace(
        &self,
        kind: Kind,
        id: &str,
        body: Value,
        if_match: Option<i64>,
    ) -> Result<Value, ScimError> {
        let resource = validate::normalize(body, self.schema(kind), validate::Mode::Replace)?;
        match kind {
            Kind::User => {
                let mut draft = resource::user_draft(resource, &self.extensions);
                let user = self
                    .directory
                    .modify_user_with(id, if_match, UNKNOWN_MANAGER, |current| {
                        resource::keep_unwritable(&mut draft, current, &self.extensions);
                        Ok::<_, ScimError>(draft)
                    })
                    .await
                    .map_err(|e| for_object(e, kind, id))?;
                let groups = self.directory.groups_of(id).await?;
                Ok(self.user_json(&user, &groups))
            }
            Kind::Group => {
                let draft = resource::group_draft(resource);
                let group = self
                    .directory
                    .replace_group(id, draft, if_match)
                    .await
                    .map_err(|e| for_object(ScimError::from(e), kind, id))?;
                self.group_answer(&group).await
            }
        }
    }

    /// Applies a PatchOp to the current resource and writes the result, in
    /// one transaction; any error leaves the object as it was. A PatchOp
    /// that only adds and removes a group's members is applied to them by
    /// difference, and an answer that does not show `members` (`answer`)
    /// does not read them: changing a big group costs what the change names.
    pub(crate) async fn patch(
        &self,
        kind: Kind,
        id: &str,
        body: Value,
        if_match: Option<i64>,
        answer: Members,
    ) -> Result<Value, ScimError> {
        let operations = patch::parse(&body, self.schema(kind))?;
        let schema = self.schema(kind);
        match kind {
            Kind::User => {
                let user = self
                    .directory
                    .modify_user_with(id, if_match, UNKNOWN_MANAGER, |current| {
                        let mut resource = self.user_json(current, &[]);
                        patch::apply(&mut resource, &operations, schema)?;
                        let resource = validate::normalize(resource, schema, validate::Mode::Replace)?;
                        let mut draft = resource::user_draft(resource, &self.extensions);
                        resource::keep_unwritable(&mut draft, current, &self.extensions);
                        Ok::<_, ScimError>(draft)
                    })
                    .await
                    .map_err(|e| for_object(e, kind, id))?;
                let groups = self.directory.groups_of(id).await?;
                Ok(self.user_json(&user, &groups))
            }
            Kind::Group => {
                if let Some(delta) = patch::member_delta(&operations) {
                    let change = MemberChange {
                        add: delta.add,
                        remove: delta.remove,
                    };
                    self.directory
                        .change_members(id, if_match, &change)
                        .await
                        .map_err(|e| for_object(ScimError::from(e), kind, id))?;
                    let group = match answer {
                        Members::Shown => self.directory.group(id).await?,
                        Members::Left => self.directory.group_without_members(id).await?,
                    };
                    let group = group.ok_or_else(|| not_found(kind, id))?;
                    return self.group_answer(&group).await;
                }
                let group = self
                    .directory
                    .modify_group(id, if_match, |current| {
                        let mut resource = resource::group_resource(current, &self.base);
                        patch::apply(&mut resource, &operations, schema)?;
                        let resource = validate::normalize(resource, schema, validate::Mode::Replace)?;
                        Ok::<_, ScimError>(resource::group_draft(resource))
                    })
                    .await
                    .map_err(|e| for_object(e, kind, id))?;
                self.group_answer(&group).await
            }
        }
    }

    pub(crate) async fn delete(&self, kind: Kind, id: &str, if_match: Option<i64>) -> Result<(), ScimError> {
        let deleted = match kind {
            Kind::User => self.directory.delete_user(id, if_match).await,
            Kind::Group => self.directory.delete_group(id, if_match).await,
        };
        deleted.map_err(|e| for_object(ScimError::from(e), kind, id))
    }

    pub(crate) fn user_json(&self, user: &User, groups: &[(String, String)]) -> Value {
        resource::user_resource(user, groups, &self.base, &self.extensions)
    }

    pub(crate) fn group_json(&self, group: &Group) -> Value {
        resource::group_resource(group, &self.base)
    }

    /// A Group resource as answers show it: members with their `display`.
    async fn group_answer(&self, group: &Group) -> Result<Value, ScimError> {
        let mut resource = [self.group_json(group)];
        self.attach_member_names(&mut resource).await?;
        let [resource] = resource;
        Ok(resource)
    }

    /// Gives the members of these Group resources their `display` (the
    /// member's displayName), read in one query per 500 groups.
    pub(crate) async fn attach_member_names(&self, groups: &mut [Value]) -> Result<(), ScimError> {
        let ids: Vec<&str> = groups
            .iter()
            .filter(|group| group.get("members").is_some())
            .filter_map(|group| group.get("id").and_then(Value::as_str))
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let names = self.directory.member_names(&ids).await?;
        for group in groups {
            resource::attach_member_names(group, &names);
        }
        Ok(())
    }
}

/// SCIM clients may send a user before its manager (or a manager outside
/// their scope): such a user is stored without the manager, with a warning
/// in the log, rather than refused (docs/scim.md).
const UNKNOWN_MANAGER: UnknownManager = UnknownManager::Leave;

fn custom_attribute(spec: &AttributeSpec) -> CustomAttribute {
    CustomAttribute {
        name: spec.name.clone(),
        kind: match spec.kind {
            AttributeType::String => AttrType::String,
            AttributeType::Boolean => AttrType::Boolean,
            AttributeType::Integer => AttrType::Integer,
            AttributeType::DateTime => AttrType::DateTime,
            AttributeType::Reference => AttrType::Reference,
        },
        multi_valued: spec.multi_valued,
    }
}

pub(crate) fn not_found(kind: Kind, id: &str) -> ScimError {
    ScimError::not_found(format!("no {} has the id \"{id}\"", kind_name(kind)))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "user",
        Kind::Group => "group",
    }
}

/// The SCIM name of a directory attribute, for error details.
fn scim_name(attribute: &str) -> String {
    USER_MAPPING
        .iter()
        .find(|(_, directory)| *directory == attribute)
        .map_or_else(|| attribute.to_owned(), |(path, _)| (*path).to_owned())
}

impl From<DirectoryError> for ScimError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::NotFound { .. } => ScimError::not_found(error.to_string()),
            DirectoryError::Conflict { attribute, message } => {
                ScimError::conflict_uniqueness(format!("{}: {message}", scim_name(&attribute)))
            }
            DirectoryError::Invalid { attribute, message } => {
                ScimError::invalid_value(format!("{}: {attribute} {message}", scim_name(&attribute)))
            }
            DirectoryError::VersionMismatch { .. } => ScimError::precondition_failed(error.to_string()),
            DirectoryError::NotDeleted { .. } => ScimError::new(StatusCode::CONFLICT, None, error.to_string()),
            DirectoryError::Storage(e) => {
                tracing::error!(error = %e, "SCIM request failed in storage");
                ScimError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    None,
                    "the directory could not be read or written",
                )
            }
        }
    }
}

/// A "no such object" from the directory, said in SCIM terms.
fn for_object(error: ScimError, kind: Kind, id: &str) -> ScimError {
    if error.status == StatusCode::NOT_FOUND {
        not_found(kind, id)
    } else {
        error
    }
}
