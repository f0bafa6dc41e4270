//! Source and target objects: named attribute values, looked up by their
//! case-sensitive names as Entra does.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::value::Value;

/// Anything expressions can read attributes from.
pub trait Attributes {
    /// The attribute's value, or `None` when the object does not have it.
    fn attribute(&self, name: &str) -> Option<&Value>;
}

/// FNV-1a: attribute names are short, and every decision looks up dozens
/// of them, so a cheap hash beats both SipHash and ordered search.
#[derive(Debug, Clone, Copy)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Attribute name → value.
pub type AttributeMap = HashMap<String, Value, BuildHasherDefault<NameHasher>>;

/// An object's attributes. Serialised ordered by name, so output is
/// deterministic.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(transparent)]
pub struct SourceObject {
    pub attributes: AttributeMap,
}

impl Serialize for SourceObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<(&String, &Value)> = self.attributes.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for (name, value) in sorted {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl FromIterator<(String, Value)> for SourceObject {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        SourceObject {
            attributes: iter.into_iter().collect(),
        }
    }
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
