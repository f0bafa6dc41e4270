//! Provisio's connectors: how the provisioning service reaches a target
//! application. One [`Connector`] trait covers what every target kind needs,
//! so the cycle holds an `Arc<dyn Connector>` and SCIM, LDAP, SQL and REST
//! targets sit side by side. Errors are a [`ConnectorError`] whose variant
//! says what the cycle should do (quarantine, escrow and retry, log as a
//! permanent failure), while keeping the protocol's own codes. What the
//! operator lets targets reach is a [`TargetPolicy`].
//!
//! This crate does its own I/O (HTTP, LDAP, SQL) and depends on the engine
//! only; it must never depend on the server (its store, its HTTP layer):
//! the connectors that need the server — Provisio's own directory, and the
//! relay to on-premises agents — live there. `provisio agent` runs these
//! connectors next to the targets.
//!
//! ```no_run
//! # async fn run() -> Result<(), provisio_connectors::ConnectorError> {
//! use std::sync::Arc;
//! use provisio_engine::job::{Secret, SourceKind};
//! use provisio_engine::Value;
//! use provisio_connectors::Connector;
//! use provisio_connectors::scim::{ScimConnector, ScimOptions};
//!
//! let target: Arc<dyn Connector> = Arc::new(ScimConnector::new(
//!     "https://app.example/scim/v2",
//!     Some(Secret::new("token")),
//!     ScimOptions::default(),
//! )?);
//! target.test_connection().await?;
//! let found = target.find(SourceKind::User, "userName", &Value::str("zoe@acme.example")).await?;
//! # Ok(())
//! # }
//! ```

mod batch;
pub mod http;
pub mod ldap;
pub mod network;
pub mod pem;
pub mod policy;
pub mod rest;
mod retry;
pub mod scim;
pub mod sql;

pub use policy::TargetPolicy;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use provisio_engine::Value;
use provisio_engine::job::{SourceKind, Target};
use provisio_engine::matching::TargetObject;
use provisio_engine::scim_path::{AttributeChange, TargetAttributes};

/// The connector for a target this process reaches itself, under the
/// operator's `policy`: what the server runs for targets it reaches, and
/// `provisio agent` for those behind it. LDAP and SQL targets connect (and
/// bind, or read the table's schema) here, so a wrong address or credential
/// is reported before any object is touched. Provisio's own directory (the
/// target of inbound jobs) is the server's, not a connector of this crate.
pub async fn connect(target: &Target, policy: &TargetPolicy) -> Result<Arc<dyn Connector>, ConnectorError> {
    Ok(match target {
        Target::Scim { .. } => {
            let options = scim::ScimOptions {
                http: http::HttpOptions {
                    network: policy.networks.clone(),
                    ..http::HttpOptions::default()
                },
                ..scim::ScimOptions::default()
            };
            Arc::new(scim::ScimConnector::from_target(target, options)?)
        }
        Target::Ldap(ldap) => ldap::connect(ldap).await?,
        Target::Sql(sql) => {
            if sql.url.trim_start().starts_with("sqlite:") {
                policy.check_sqlite_url(sql.url.trim())?;
            }
            sql::connect(sql).await?
        }
        Target::Rest(rest) => rest::connect(rest, &policy.networks).await?,
        Target::Directory => {
            return Err(ConnectorError::Incompatible {
                detail: "the directory is Provisio's own: it is no connector's target".into(),
            });
        }
    })
}

/// What a connector operation returns: a boxed future, so [`Connector`]
/// stays object-safe.
pub type ConnectorFuture<'a, T> = BoxFuture<'a, Result<T, ConnectorError>>;

/// A target application, as the provisioning cycle uses it. Ids are the
/// target's own (`id` of a SCIM resource); attributes are keyed by target
/// path (`emails[type eq "work"].value`), as the engine keys them.
pub trait Connector: Send + Sync {
    /// Checks the address, the credentials and that the target speaks the
    /// protocol well enough to be provisioned.
    fn test_connection(&self) -> ConnectorFuture<'_, ()>;

    /// Every object of `kind` whose `target_attribute` equals `value`
    /// (matching; all pages).
    fn find<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, Vec<TargetObject>>;

    /// For each of `values` (same order, same length), every object of
    /// `kind` whose `target_attribute` equals it: what `find` would return
    /// for each value, in fewer round trips where the target allows. This
    /// default asks `find` once per value; the SCIM, LDAP and SQL
    /// connectors query many values at once and give each value the
    /// objects that certainly belong to it, looking a value up alone when
    /// they cannot tell (docs/connectors.md, "Matching in batches").
    fn find_many<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        values: &'a [Value],
    ) -> ConnectorFuture<'a, Vec<Vec<TargetObject>>> {
        Box::pin(async move {
            let mut found = Vec::with_capacity(values.len());
            for value in values {
                found.push(self.find(kind, target_attribute, value).await?);
            }
            Ok(found)
        })
    }

    /// How many objects a cycle keeps in flight for this target. By
    /// default twice the four requests an HTTP connector sends at once, so
    /// that while some objects are decided and recorded the target always
    /// has requests waiting; a target that commits concurrent writes
    /// together takes more.
    fn objects_in_flight(&self) -> usize {
        8
    }

    /// The object with this id, or `None` when the target no longer has it.
    fn read<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, Option<TargetObject>>;

    /// Creates an object and returns it as the target holds it, with its new id.
    fn create<'a>(&'a self, kind: SourceKind, attributes: &'a TargetAttributes) -> ConnectorFuture<'a, TargetObject>;

    /// Applies all these changes to one object (in one request where the
    /// protocol allows).
    fn update<'a>(&'a self, kind: SourceKind, id: &'a str, changes: &'a [AttributeChange]) -> ConnectorFuture<'a, ()>;

    /// Disables an object (soft delete), or deletes it when the target has no
    /// soft delete.
    fn disable<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()>;

    /// Deletes an object.
    fn delete<'a>(&'a self, kind: SourceKind, id: &'a str) -> ConnectorFuture<'a, ()>;

    /// Adds these target ids to a group's members (in batches).
    fn add_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()>;

    /// Removes these target ids from a group's members (in batches).
    fn remove_members<'a>(&'a self, group_id: &'a str, member_ids: &'a [String]) -> ConnectorFuture<'a, ()>;

    /// Whether any object of `kind` has `value` in `target_attribute`
    /// (for `SelectUniqueValue`).
    fn value_exists<'a>(
        &'a self,
        kind: SourceKind,
        target_attribute: &'a str,
        value: &'a Value,
    ) -> ConnectorFuture<'a, bool>;
}

/// Why a connector operation failed, by what the cycle does about it. No
/// message ever contains a credential.
///
/// Exhaustive on purpose: the cycle decides what to do per variant, so a
/// new kind of failure must be decided there too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The target refused the credentials (HTTP 401 or 403, LDAP 49, a
    /// database's authentication failure): quarantine the
    /// job at once.
    #[error("the target refused the credentials ({}): check the job's secret", credential_status(*status))]
    InvalidCredentials { status: u16 },
    /// The target cannot be provisioned this way (no PATCH, HTTP 501, not a
    /// SCIM service at this address): quarantine the job at once.
    #[error("the target is not compatible: {detail}")]
    Incompatible { detail: String },
    /// The object is gone from the target (HTTP 404): the link is stale
    /// (the engine's InvalidAnchor).
    #[error("the target has no such object: {detail}")]
    NotFound { detail: String },
    /// The target already holds a conflicting object (HTTP 409): EntryConflict.
    #[error("the target reports a conflict{}: {detail}", scim_type_text(scim_type))]
    Conflict { scim_type: Option<String>, detail: String },
    /// The target asks us to slow down (HTTP 429 or 503), still so after the
    /// retries: escrow and retry later.
    #[error("the target is throttling requests{}", retry_after_text(retry_after))]
    Throttled { retry_after: Option<Duration> },
    /// A timeout, a connection failure or a server error (5xx), still so
    /// after the retries: escrow and retry later.
    #[error("the target could not be reached or failed: {detail}")]
    Transient { detail: String },
    /// The target rejected the request (another 4xx): a permanent failure,
    /// not retried blindly.
    #[error(
        "the target rejected the request (HTTP {status}{}): {detail}",
        scim_type_text(scim_type)
    )]
    Rejected {
        status: u16,
        scim_type: Option<String>,
        detail: String,
    },
    /// The request could not be built (a bad base URL, a value that cannot
    /// be written in a filter): a permanent failure of the job's definition.
    #[error("invalid request: {detail}")]
    Invalid { detail: String },
}

impl ConnectorError {
    /// Whether trying again later may succeed (throttling and transient
    /// failures); permanent failures and quarantine causes are not.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ConnectorError::Throttled { .. } | ConnectorError::Transient { .. }
        )
    }

    /// Whether the job should be quarantined at once (Entra: invalid
    /// credentials or an incompatible target).
    pub fn quarantines(&self) -> bool {
        matches!(
            self,
            ConnectorError::InvalidCredentials { .. } | ConnectorError::Incompatible { .. }
        )
    }
}

/// How the protocol said no: an HTTP status, or another protocol's code.
fn credential_status(status: u16) -> String {
    if (400..600).contains(&status) {
        format!("HTTP {status}")
    } else {
        format!("code {status}")
    }
}

fn scim_type_text(scim_type: &Option<String>) -> String {
    scim_type
        .as_ref()
        .map(|t| format!(", scimType {t}"))
        .unwrap_or_default()
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(" (retry after {} s)", d.as_secs()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_protocol_codes() {
        let conflict = ConnectorError::Conflict {
            scim_type: Some("uniqueness".into()),
            detail: "userName taken".into(),
        };
        assert_eq!(
            conflict.to_string(),
            "the target reports a conflict, scimType uniqueness: userName taken"
        );
        let throttled = ConnectorError::Throttled {
            retry_after: Some(Duration::from_secs(7)),
        };
        assert_eq!(
            throttled.to_string(),
            "the target is throttling requests (retry after 7 s)"
        );
        assert!(throttled.is_retryable());
        assert!(ConnectorError::InvalidCredentials { status: 401 }.quarantines());
        assert!(!conflict.is_retryable());
    }
}
