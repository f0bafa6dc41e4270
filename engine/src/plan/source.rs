//! Source objects as decisions see them: the directory attributes plus the
//! object's id, lifecycle and assignment, with references recognised.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::job::SourceKind;
use crate::object::{Attributes, SourceObject};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    #[default]
    Active,
    /// Deleted in the directory but restorable.
    SoftDeleted,
    /// Gone from the directory for good.
    HardDeleted,
}

/// One source object.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub id: Option<String>,
    pub kind: SourceKind,
    /// Shared, so steps can show what was read without copying it.
    pub attributes: Arc<SourceObject>,
    pub lifecycle: Lifecycle,
    /// Assigned to the job, directly or through a group (matters only for
    /// jobs whose scope is `assigned`).
    pub assigned: bool,
}

/// Attributes whose values are other objects' ids: the directory's, and
/// the enterprise manager of records pushed to inbound jobs (whose value is
/// the manager's externalId, the id inbound records go by).
const REFERENCE_ATTRIBUTES: [&str; 3] = [
    "manager",
    "members",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
];

impl SourceRecord {
    /// A source object from directory attributes as JSON gives them: `id`
    /// (or `objectId`) is its id, a non-null `deletedDateTime` (or a true
    /// `IsSoftDeleted`) means it is soft-deleted, and `manager` and `members` hold object ids (plain, or
    /// as `{"value": id}`) which become references. It counts as assigned.
    pub fn from_attributes(kind: SourceKind, mut attributes: SourceObject) -> SourceRecord {
        let id = ["id", "objectId"]
            .iter()
            .find_map(|name| attributes.attribute(name).and_then(Value::as_text))
            .map(|id| id.into_owned());
        let deleted = attributes
            .attribute("deletedDateTime")
            .is_some_and(|value| !value.is_null_or_empty());
        let marked = attributes
            .attribute(crate::plan::compiled::IS_SOFT_DELETED)
            .is_some_and(crate::expr::functions::truthy);
        let lifecycle = if deleted || marked {
            Lifecycle::SoftDeleted
        } else {
            Lifecycle::Active
        };
        for name in REFERENCE_ATTRIBUTES {
            if let Some(value) = attributes.attributes.get_mut(name) {
                *value = as_reference(std::mem::take(value));
            }
        }
        SourceRecord {
            id,
            kind,
            attributes: Arc::new(attributes),
            lifecycle,
            assigned: true,
        }
    }

    /// A source object from a JSON object of directory attributes, as
    /// [`SourceRecord::from_attributes`] reads them.
    pub fn from_json(kind: SourceKind, json: serde_json::Value) -> Result<SourceRecord, String> {
        serde_json::from_value::<SourceObject>(json)
            .map(|attributes| SourceRecord::from_attributes(kind, attributes))
            .map_err(|e| format!("a source object must be a JSON object of attribute name → value: {e}"))
    }

    /// Whether the account is enabled in the source (`accountEnabled` is
    /// not false, in any spelling).
    pub fn account_enabled(&self) -> bool {
        match self.attributes.attribute("accountEnabled") {
            Some(Value::Bool(enabled)) => *enabled,
            Some(Value::Str(text)) => !text.trim().eq_ignore_ascii_case("false"),
            _ => true,
        }
    }
}

/// The source attributes plus the computed IsSoftDeleted, without copying them.
pub(crate) struct WithSoftDeleted<'a> {
    pub source: &'a SourceObject,
    pub is_soft_deleted: Value,
}

impl Attributes for WithSoftDeleted<'_> {
    fn attribute(&self, name: &str) -> Option<&Value> {
        if name == crate::plan::compiled::IS_SOFT_DELETED {
            Some(&self.is_soft_deleted)
        } else {
            self.source.attribute(name)
        }
    }
}

fn as_reference(value: Value) -> Value {
    match value {
        Value::Str(id) if !id.is_empty() => Value::Reference(id),
        Value::Complex(map) => match map.get("value").or_else(|| map.get("id")).and_then(Value::as_text) {
            Some(id) => Value::Reference(id.into_owned()),
            None => Value::Complex(map),
        },
        Value::Multi(items) => Value::Multi(items.into_iter().map(as_reference).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: &str) -> SourceRecord {
        SourceRecord::from_attributes(SourceKind::User, SourceObject::from_json(json).unwrap())
    }

    #[test]
    fn ids_lifecycle_and_references() {
        let r = record(r#"{"id": "u1", "manager": "u2", "members": ["a", {"value": "b"}]}"#);
        assert_eq!(r.id.as_deref(), Some("u1"));
        assert_eq!(r.lifecycle, Lifecycle::Active);
        assert_eq!(r.attributes.attribute("manager"), Some(&Value::Reference("u2".into())));
        assert_eq!(
            r.attributes.attribute("members"),
            Some(&Value::Multi(vec![
                Value::Reference("a".into()),
                Value::Reference("b".into())
            ]))
        );
        assert_eq!(
            record(r#"{"objectId": "x", "deletedDateTime": "2026-01-01T00:00:00Z"}"#).lifecycle,
            Lifecycle::SoftDeleted
        );
        assert_eq!(record(r#"{"deletedDateTime": null}"#).lifecycle, Lifecycle::Active);
        assert_eq!(record(r#"{"IsSoftDeleted": true}"#).lifecycle, Lifecycle::SoftDeleted);
        assert_eq!(record(r#"{"IsSoftDeleted": "False"}"#).lifecycle, Lifecycle::Active);
    }

    #[test]
    fn account_enabled_spellings() {
        assert!(record("{}").account_enabled());
        assert!(!record(r#"{"accountEnabled": false}"#).account_enabled());
        assert!(!record(r#"{"accountEnabled": "False"}"#).account_enabled());
        assert!(record(r#"{"accountEnabled": "True"}"#).account_enabled());
    }
}
