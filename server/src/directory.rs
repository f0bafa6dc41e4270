//! The built-in directory, Provisio's identity source: users, groups and
//! memberships, soft deletion with restore and purge, administrator-defined
//! extension attributes, and the change log every write appends to in the
//! same transaction (its sequence number is the incremental cycles'
//! watermark; subscribers hear of each commit at once).

pub mod attributes;
mod batch;
mod changes;
mod extensions;
mod group_members;
mod groups;
mod memberships;
mod model;
mod names;
mod retention;
mod rows;
mod user_rows;
mod users;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::ServerError;
use crate::store::Store;

pub use attributes::{AttributeSpec, AttributeType, IS_SOFT_DELETED};
pub use batch::{GROUP, GroupCommit, UserWrite, UserWritten};
pub(crate) use changes::Write;
pub use changes::{Change, ChangeKind, ObjectType};
pub use group_members::MemberChange;
pub use groups::{GroupLookup, GroupQuery, group_source_attributes};
pub use model::{Group, GroupDraft, Member, MemberKind, Meta, Page, User, UserDraft};
pub use retention::RETENTION;
pub use users::{UnknownManager, UserLookup, UserQuery, source_attributes};

/// The directory of a store: `store.directory()`. Clones share the
/// attribute catalogue it keeps between writes.
#[derive(Debug, Clone)]
pub struct Directory {
    store: Store,
    catalogue: extensions::CatalogueCache,
}

impl Store {
    pub fn directory(&self) -> Directory {
        Directory {
            store: self.clone(),
            catalogue: extensions::CatalogueCache::default(),
        }
    }
}

/// Why a directory read or write did not happen. Nothing is written when
/// one is returned.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("no {kind} has the id `{id}`")]
    NotFound { kind: ObjectType, id: String },
    /// Another object already holds a value that must be unique.
    #[error("{message}")]
    Conflict { attribute: String, message: String },
    #[error("attribute `{attribute}` {message}")]
    Invalid { attribute: String, message: String },
    /// The write named a version (an ETag) that is no longer current.
    #[error("the {kind} `{id}` has changed: its version is {current}, the request expected {expected}")]
    VersionMismatch {
        kind: ObjectType,
        id: String,
        current: i64,
        expected: i64,
    },
    /// The object is not soft-deleted, so it cannot be restored or purged.
    #[error("the {kind} `{id}` is not deleted")]
    NotDeleted { kind: ObjectType, id: String },
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl DirectoryError {
    pub fn invalid(attribute: &str, message: &str) -> Self {
        DirectoryError::Invalid {
            attribute: attribute.to_owned(),
            message: message.to_owned(),
        }
    }

    pub(crate) fn not_found(kind: ObjectType, id: &str) -> Self {
        DirectoryError::NotFound {
            kind,
            id: id.to_owned(),
        }
    }
}

impl From<sqlx::Error> for DirectoryError {
    fn from(e: sqlx::Error) -> Self {
        DirectoryError::Storage(ServerError::Database(e))
    }
}

impl From<serde_json::Error> for DirectoryError {
    fn from(e: serde_json::Error) -> Self {
        DirectoryError::Storage(ServerError::Corrupt(e.to_string()))
    }
}

/// Timestamps as the directory writes them: RFC 3339 in UTC with
/// milliseconds, so that text order is time order. Times past the year
/// 9999 (such as "never", `DateTime::MAX_UTC`) are written as its last
/// instant: RFC 3339 has no larger year, and they must read back.
pub fn timestamp(at: DateTime<Utc>) -> String {
    let last = DateTime::<Utc>::from_timestamp_millis(253_402_300_799_999).unwrap_or(at);
    at.min(last).to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub(crate) fn now() -> String {
    timestamp(Utc::now())
}

#[cfg(test)]
mod timestamp_tests {
    use super::*;

    #[test]
    fn never_is_written_as_the_last_instant_rfc_3339_can_hold() {
        let never = timestamp(DateTime::<Utc>::MAX_UTC);
        assert_eq!(never, "9999-12-31T23:59:59.999Z");
        assert!(DateTime::parse_from_rfc3339(&never).is_ok());
        let now = DateTime::<Utc>::from_timestamp_millis(1_700_000_000_123).unwrap_or_default();
        assert_eq!(timestamp(now), "2023-11-14T22:13:20.123Z");
    }
}
