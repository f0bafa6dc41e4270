//! The targets beyond SCIM, configured in the job definition: LDAP
//! directories, SQL tables and JSON REST APIs, each optionally reached
//! through an on-premises agent (`via_agent`). Their secrets are
//! write-only like the SCIM token.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Secret;

/// An LDAP directory. Each entry's DN is the value of the object mapping's
/// `dn` mapping (an expression such as
/// `Join(",", Join("=", "uid", EscapeDNComponent([mailNickname])), "ou=people,dc=example,dc=org")`);
/// when that value changes, the entry is renamed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LdapTarget {
    /// `ldap://host:389` or `ldaps://host:636`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    #[serde(default)]
    pub start_tls: bool,
    /// PEM certificates to trust for `ldaps://` and StartTLS besides the
    /// system's roots: typically the directory's own CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    pub bind_dn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind_password: Option<Secret>,
    /// Where users are searched for when matching (the whole subtree).
    pub users_base_dn: String,
    /// The object classes of new users: the structural class first, then
    /// auxiliary ones, e.g. `["inetOrgPerson"]`.
    pub user_object_classes: Vec<String>,
    /// Where groups are searched for when matching.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_base_dn: Option<String>,
    /// `groupOfNames` (`member`) or `groupOfUniqueNames` (`uniqueMember`).
    #[serde(default)]
    pub group_object_class: LdapGroupClass,
    /// How a user is disabled.
    #[serde(default)]
    pub disable: LdapDisable,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_agent: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum LdapGroupClass {
    #[default]
    #[serde(rename = "groupOfNames")]
    GroupOfNames,
    #[serde(rename = "groupOfUniqueNames")]
    GroupOfUniqueNames,
}

/// How an LDAP or SQL target disables an account.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum LdapDisable {
    /// Delete the entry.
    #[default]
    Delete,
    /// Set an attribute to a value, e.g. `pwdAccountLockedTime` to `000001010000Z`.
    Attribute { attribute: String, value: String },
}

/// A SQL database: users are rows of `users_table` whose columns are the
/// mapped target paths; the row's key column is its target id. Statements
/// are always parameterised; table and column names are checked against
/// the table's schema, read when the connector connects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlTarget {
    /// `postgres://user@host:5432/db` or `sqlite:///path/to/file.db`.
    pub url: String,
    /// The database password, kept out of the URL so that it stays write-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    pub users_table: String,
    /// The column that identifies a row (Provisio generates its value on
    /// create unless a mapping fills it).
    #[serde(default = "default_key")]
    pub key_column: String,
    /// Groups, if the database has them: their table (same key column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_table: Option<String>,
    /// Group memberships, one row per member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memberships: Option<SqlMemberships>,
    /// How a user is disabled.
    #[serde(default)]
    pub disable: SqlDisable,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_agent: Option<String>,
}

fn default_key() -> String {
    "id".to_owned()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlMemberships {
    pub table: String,
    pub group_column: String,
    pub member_column: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum SqlDisable {
    /// Delete the row.
    #[default]
    Delete,
    /// Set a column to a value, e.g. `active` to `false`.
    Column { column: String, value: serde_json::Value },
}

/// A JSON REST API described operation by operation. Paths are templates:
/// `{id}` is the object's target id, `{attribute}` and `{value}` the
/// matching attribute and value (URL-encoded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestTarget {
    pub base_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
    /// Headers sent with every request (not secret).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    pub users: RestResource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<RestResource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_agent: Option<String>,
}

/// How one kind of object is created, read, found, updated and removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestResource {
    pub create: RestCall,
    pub read: RestCall,
    pub update: RestCall,
    pub delete: RestCall,
    /// Disabling, if the API has it; without it, disabling deletes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable: Option<RestCall>,
    pub find: RestFind,
    /// A JSON pointer to the id in a created or read object, e.g. `/id`.
    #[serde(default = "default_id_pointer")]
    pub id: String,
}

fn default_id_pointer() -> String {
    "/id".to_owned()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestCall {
    pub method: String,
    pub path: String,
    /// The body: a JSON template whose strings `{{path}}` are replaced by
    /// the mapped value of that target path; without one, the mapped
    /// attributes as a JSON object (or, for an update, only the changed ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// Matching: a GET whose answer holds the matching objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestFind {
    pub path: String,
    /// A JSON pointer to the array of objects in the answer (`""` when the
    /// answer is the array).
    #[serde(default)]
    pub results: String,
}
