//! The attribute catalogue of Provisio's directory, owned here for the
//! server (which checks every write against it) and for job definitions
//! (whose source attributes are checked against it, in the server, the CLI
//! and the portal alike): the user and group attributes Entra exposes to
//! provisioning, the attributes a source object gains when a job reads it
//! (`id`, `IsSoftDeleted`, `memberOf`, a group's `members`), and the
//! administrator's extension attributes, which the caller supplies.
//!
//! ```
//! use provisio_engine::attributes::Catalogue;
//! use provisio_engine::job::SourceKind;
//!
//! let catalogue = Catalogue::with_extensions(["costCentre"]);
//! assert!(catalogue.has(SourceKind::User, "surname"));
//! assert!(catalogue.has(SourceKind::User, "costCentre"));
//! assert!(!catalogue.has(SourceKind::User, "Surname"), "names are case-sensitive");
//! assert!(catalogue.has(SourceKind::Group, "members"));
//! assert_eq!(catalogue.suggest(SourceKind::User, "surnmae").as_deref(), Some("surname"));
//! ```

use serde::{Deserialize, Serialize};

/// The kinds of directory objects a job reads (`"user"`, `"group"` in a
/// job definition); re-exported as `job::SourceKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    User,
    Group,
}

/// What an attribute holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    String,
    Boolean,
    Integer,
    /// An RFC 3339 instant, stored as text.
    DateTime,
    /// The id of another user of the directory.
    Reference,
}

impl AttributeType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Boolean => "boolean",
            AttributeType::Integer => "integer",
            AttributeType::DateTime => "dateTime",
            AttributeType::Reference => "reference",
        }
    }

    pub fn parse(text: &str) -> Option<AttributeType> {
        [
            AttributeType::String,
            AttributeType::Boolean,
            AttributeType::Integer,
            AttributeType::DateTime,
            AttributeType::Reference,
        ]
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
    }
}

use AttributeType::{Boolean, DateTime, Reference, String as Text};

/// Users' built-in attributes: `(name, type, multi-valued)`. `id` is the
/// object's key, not an attribute; `IsSoftDeleted` is computed on read.
pub const USER_ATTRIBUTES: &[(&str, AttributeType, bool)] = &[
    ("userPrincipalName", Text, false),
    ("externalId", Text, false),
    ("accountEnabled", Boolean, false),
    ("displayName", Text, false),
    ("givenName", Text, false),
    ("surname", Text, false),
    ("mail", Text, false),
    ("mailNickname", Text, false),
    ("otherMails", Text, true),
    ("proxyAddresses", Text, true),
    ("jobTitle", Text, false),
    ("department", Text, false),
    ("companyName", Text, false),
    ("division", Text, false),
    ("costCenter", Text, false),
    ("employeeId", Text, false),
    ("employeeType", Text, false),
    ("employeeHireDate", DateTime, false),
    ("employeeLeaveDateTime", DateTime, false),
    ("manager", Reference, false),
    ("userType", Text, false),
    ("officeLocation", Text, false),
    ("streetAddress", Text, false),
    ("city", Text, false),
    ("state", Text, false),
    ("postalCode", Text, false),
    ("country", Text, false),
    ("usageLocation", Text, false),
    ("mobile", Text, false),
    ("telephoneNumber", Text, false),
    ("facsimileTelephoneNumber", Text, false),
    ("preferredLanguage", Text, false),
];

/// Groups' attributes; members are kept apart, as memberships.
pub const GROUP_ATTRIBUTES: &[(&str, AttributeType, bool)] = &[
    ("displayName", Text, false),
    ("externalId", Text, false),
    ("description", Text, false),
    ("mailNickname", Text, false),
];

/// The computed attribute Entra's expressions read to tell a soft-deleted
/// (or disabled, or out-of-scope) object.
pub const IS_SOFT_DELETED: &str = "IsSoftDeleted";

/// The groups an object belongs to, directly or through nested groups
/// (what `IS MEMBER OF` tests); looked up when a job names it.
pub const MEMBER_OF: &str = "memberOf";

/// The roles an object holds in the job reading it: its own assignments'
/// and, for a user, those of the groups it belongs to directly.
pub const APP_ROLE_ASSIGNMENTS: &str = "appRoleAssignments";

/// What every directory user read as a source carries besides its
/// attributes.
const USER_COMPUTED: &[&str] = &["id", IS_SOFT_DELETED, MEMBER_OF, APP_ROLE_ASSIGNMENTS];

/// What every directory group read as a source carries besides its
/// attributes: also its direct members' ids.
const GROUP_COMPUTED: &[&str] = &["id", IS_SOFT_DELETED, "members", MEMBER_OF, APP_ROLE_ASSIGNMENTS];

/// The source attributes of the directory: the built-in ones and the
/// extension attributes (user attributes an administrator defined).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    extensions: Vec<String>,
}

impl Catalogue {
    /// The built-in attributes only: what a job can be checked against
    /// without the directory at hand.
    pub fn builtin() -> Catalogue {
        Catalogue::default()
    }

    /// The built-in attributes and these extension attributes of users.
    pub fn with_extensions<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Catalogue {
        Catalogue {
            extensions: names.into_iter().map(Into::into).collect(),
        }
    }

    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// Every source attribute name an object of `kind` can carry.
    pub fn names(&self, kind: SourceKind) -> impl Iterator<Item = &str> {
        let (table, computed, extensions) = match kind {
            SourceKind::User => (USER_ATTRIBUTES, USER_COMPUTED, self.extensions.as_slice()),
            SourceKind::Group => (GROUP_ATTRIBUTES, GROUP_COMPUTED, &[][..]),
        };
        table
            .iter()
            .map(|(name, ..)| *name)
            .chain(computed.iter().copied())
            .chain(extensions.iter().map(String::as_str))
    }

    /// Whether objects of `kind` can carry `name`, spelt exactly so: source
    /// objects are read by their names case-sensitively, as Entra reads them.
    pub fn has(&self, kind: SourceKind, name: &str) -> bool {
        self.names(kind).any(|known| known == name)
    }

    /// The known name closest to `name` ("did you mean …?").
    pub fn suggest(&self, kind: SourceKind, name: &str) -> Option<String> {
        crate::suggest::closest(name, self.names(kind)).map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_carry_their_attributes_the_computed_ones_and_the_extensions() {
        let catalogue = Catalogue::with_extensions(["shoeSize"]);
        for name in [
            "userPrincipalName",
            "manager",
            "id",
            "IsSoftDeleted",
            "memberOf",
            "shoeSize",
        ] {
            assert!(catalogue.has(SourceKind::User, name), "{name}");
        }
        assert!(!catalogue.has(SourceKind::User, "members"));
        assert!(!Catalogue::builtin().has(SourceKind::User, "shoeSize"));
    }

    #[test]
    fn groups_carry_members_but_not_user_attributes_or_extensions() {
        let catalogue = Catalogue::with_extensions(["shoeSize"]);
        for name in ["displayName", "description", "members", "memberOf", "id"] {
            assert!(catalogue.has(SourceKind::Group, name), "{name}");
        }
        assert!(!catalogue.has(SourceKind::Group, "surname"));
        assert!(!catalogue.has(SourceKind::Group, "shoeSize"));
    }

    #[test]
    fn suggestions_come_from_the_kind_of_object() {
        let catalogue = Catalogue::with_extensions(["costCentre"]);
        assert_eq!(
            catalogue.suggest(SourceKind::User, "departmnet").as_deref(),
            Some("department")
        );
        assert_eq!(
            catalogue.suggest(SourceKind::User, "costcentre").as_deref(),
            Some("costCentre")
        );
        assert_eq!(
            catalogue.suggest(SourceKind::Group, "descripton").as_deref(),
            Some("description")
        );
        assert_eq!(catalogue.suggest(SourceKind::User, "shoeSize"), None);
    }

    #[test]
    fn types_read_back_from_their_names() {
        assert_eq!(AttributeType::parse("DATETIME"), Some(AttributeType::DateTime));
        assert_eq!(AttributeType::parse("float"), None);
    }
}
