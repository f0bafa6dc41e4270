//! Provisioning job definitions: one JSON or YAML document per job that an
//! administrator keeps in version control and the portal edits, and its
//! validation, which reports every problem with its place in the document.

mod app_roles;
mod load;
mod secret;
mod source_attributes;
mod targets;
pub mod templates;
pub mod urls;
mod validate;

use serde::{Deserialize, Serialize};

use crate::scope::ScopingFilter;

/// What a job reads: the directory's users or groups (owned by the
/// attribute catalogue, which knows what each carries).
pub use crate::attributes::SourceKind;
pub use app_roles::{AppRole, DEFAULT_ACCESS, holds_a_role};
pub use load::{Format, load, load_json, load_yaml, parse, parse_json, parse_yaml};
pub use secret::{SECRET_FILE, Secret};
pub use targets::{
    LdapDisable, LdapGroupClass, LdapTarget, RestCall, RestFind, RestResource, RestTarget, SqlDisable, SqlMemberships,
    SqlTarget,
};
pub use validate::{JobProblem, Location, MIN_INTERVAL_SECONDS, validate, validate_with};

/// A provisioning job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobDefinition {
    pub name: String,
    #[serde(default)]
    pub direction: Direction,
    pub target: Target,
    #[serde(default)]
    pub scope: ScopeMode,
    #[serde(default)]
    pub schedule: Schedule,
    /// More deletions than this in one cycle are staged for approval
    /// instead of applied; `None` turns the guard off.
    #[serde(default = "default_deletion_threshold")]
    pub deletion_threshold: Option<u32>,
    /// Leave accounts that fall out of scope alone instead of disabling them.
    #[serde(default)]
    pub skip_out_of_scope_deletions: bool,
    /// What an inbound job accepts from the systems that push records to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound: Option<InboundSettings>,
    /// The roles the application offers; assignments name one of them or
    /// none (Default Access).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<AppRole>,
    pub objects: Vec<ObjectMapping>,
}

/// Limits of an inbound job's bulk uploads (Entra's, by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboundSettings {
    /// Operations (records) one bulk request may carry.
    #[serde(default = "default_max_operations")]
    pub max_operations: u32,
    /// Bulk requests accepted per second; more are answered 429.
    #[serde(default = "default_requests_per_second")]
    pub requests_per_second: u32,
}

impl Default for InboundSettings {
    fn default() -> Self {
        InboundSettings {
            max_operations: default_max_operations(),
            requests_per_second: default_requests_per_second(),
        }
    }
}

/// The most operations a job may allow in one bulk request.
pub const MAX_BULK_OPERATIONS: u32 = 1000;

fn default_max_operations() -> u32 {
    50
}

fn default_requests_per_second() -> u32 {
    40
}

/// Entra's default accidental-deletion threshold.
pub const DEFAULT_DELETION_THRESHOLD: u32 = 500;

fn default_deletion_threshold() -> Option<u32> {
    Some(DEFAULT_DELETION_THRESHOLD)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From Provisio's directory to an application.
    #[default]
    Outbound,
    /// From records pushed by a system of record into the directory.
    Inbound,
}

/// Where the job writes. Secrets are write-only: they are never serialised
/// back out (see `Secret`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
#[allow(clippy::large_enum_variant, reason = "one target per job: its size does not matter")]
pub enum Target {
    /// A SCIM 2.0 application.
    Scim {
        base_url: String,
        #[serde(default)]
        auth: ScimAuth,
        /// Send the Entra-style requests many SaaS apps were built against
        /// instead of strictly RFC 7644 ones.
        #[serde(default)]
        entra_compatible: bool,
        /// Whether the target supports `active` (soft delete); when false,
        /// disabling becomes deleting.
        #[serde(default = "yes")]
        soft_delete: bool,
    },
    /// Provisio's own directory (the target of inbound jobs).
    Directory,
    /// An LDAP directory.
    Ldap(LdapTarget),
    /// A table of a PostgreSQL or SQLite database.
    Sql(SqlTarget),
    /// A JSON REST API described in the definition.
    Rest(RestTarget),
}

impl Target {
    /// The on-premises agent the job's operations go through, if any.
    pub fn via_agent(&self) -> Option<&str> {
        match self {
            Target::Ldap(LdapTarget { via_agent, .. })
            | Target::Sql(SqlTarget { via_agent, .. })
            | Target::Rest(RestTarget { via_agent, .. }) => via_agent.as_deref(),
            Target::Scim { .. } | Target::Directory => None,
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimAuth {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeMode {
    /// Every user and group of the source.
    #[default]
    All,
    /// Only users and groups assigned to the job, directly or through a group.
    Assigned,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    #[serde(default = "default_interval")]
    pub interval_seconds: u64,
    /// Start an incremental cycle within about a second of a change.
    #[serde(default)]
    pub realtime: bool,
}

fn default_interval() -> u64 {
    2400
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            interval_seconds: default_interval(),
            realtime: false,
        }
    }
}

/// How one kind of source object maps to one kind of target object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMapping {
    /// `user` or `group`.
    pub source: SourceKind,
    /// The target's object type, e.g. `User`, `Group`.
    pub target: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "all_actions")]
    pub actions: Vec<ObjectAction>,
    #[serde(default)]
    pub scoping: Vec<ScopingFilter>,
    pub mappings: Vec<AttributeMapping>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectAction {
    Create,
    Update,
    Delete,
}

fn all_actions() -> Vec<ObjectAction> {
    vec![ObjectAction::Create, ObjectAction::Update, ObjectAction::Delete]
}

/// One target attribute and the expression that fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    /// The target path, e.g. `emails[type eq "work"].value`.
    pub target: String,
    /// `[attribute]` (direct), `"text"` (constant) or a function call.
    pub expression: String,
    /// Match objects on this attribute; lower numbers are tried first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_precedence: Option<u32>,
    #[serde(default)]
    pub apply: Apply,
    /// Used when the expression gives null, and only when creating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Clear the target attribute when the value is null (normally a null
    /// is simply not provisioned).
    #[serde(default)]
    pub flow_null: bool,
    /// Compare with the target's value case-sensitively.
    #[serde(default)]
    pub case_exact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Apply {
    #[default]
    Always,
    OnCreate,
}
