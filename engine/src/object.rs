//! Source and target objects: named attribute values, looked up by their
//! case-sensitive names as Entra does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::value::Value;

/// Anything expressions can read attributes from.
pub trait Attributes {
    /// The attribute's value, or `None` when the object does not have it.
    fn attribute(&self, name: &str) -> Option<&Value>;
}

/// An object's attributes, ordered by name so output is deterministic.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceObject {
    pub attributes: BTreeMap<String, Value>,
}

impl SourceObject {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses a JSON object of attribute name → value.
    pub fn from_json(json: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(json)
    }

    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.attributes.insert(name.into(), value.into());
    }
}

impl Attributes for SourceObject {
    fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name)
    }
}

impl Attributes for BTreeMap<String, Value> {
    fn attribute(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl Attributes for std::collections::HashMap<String, Value> {
    fn attribute(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_sensitive() {
        let o = SourceObject::new().with("mail", "a@b.c");
        assert!(o.attribute("mail").is_some());
        assert!(o.attribute("Mail").is_none());
    }

    #[test]
    fn parses_from_json() {
        let o = SourceObject::from_json(r#"{"givenName": "John", "proxyAddresses": ["a", "b"]}"#).unwrap();
        assert_eq!(o.attribute("givenName"), Some(&Value::str("John")));
        assert!(matches!(o.attribute("proxyAddresses"), Some(Value::Multi(v)) if v.len() == 2));
        assert!(SourceObject::from_json("[1]").is_err());
    }
}
