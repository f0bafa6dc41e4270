//! Attribute values: null, boolean, integer, string, date-time, reference,
//! complex and multi-valued, with their plain-JSON form and the string
//! rendering Entra uses (`True`/`False`, `M/d/yyyy h:mm:ss tt` in UTC).

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

/// One attribute value. `Null` means absent: Entra expresses a null attribute
/// by its absence, and never provisions a null.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Str(String),
    DateTime(DateTime<Utc>),
    /// The id of another object (a user's manager, a group's member).
    Reference(String),
    /// A structured value such as a SCIM role `{ "value": "Admin", "primary": false }`.
    Complex(BTreeMap<String, Value>),
    Multi(Vec<Value>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into())
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Null, the empty string, or a multi-valued attribute with no values.
    pub fn is_null_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) | Value::Reference(s) => s.is_empty(),
            Value::Multi(values) => values.is_empty(),
            _ => false,
        }
    }

    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Str(_) => "string",
            Value::DateTime(_) => "date-time",
            Value::Reference(_) => "reference",
            Value::Complex(_) => "complex value",
            Value::Multi(_) => "multi-valued attribute",
        }
    }

    /// The value as Entra renders it in a string context, or `None` for null,
    /// complex and multi-valued values, which have no single string form.
    pub fn as_text(&self) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        match self {
            Value::Str(s) | Value::Reference(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Borrowed(bool_text(*b))),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::DateTime(dt) => Some(Cow::Owned(format_entra_datetime(dt))),
            Value::Null | Value::Complex(_) | Value::Multi(_) => None,
        }
    }

    /// Converts plain JSON. Integers stay integers; other numbers become their
    /// decimal text, because attribute values have no floating-point type.
    pub fn from_json(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => n.as_i64().map_or_else(|| Value::Str(n.to_string()), Value::Int),
            serde_json::Value::String(s) => Value::Str(s),
            serde_json::Value::Array(items) => Value::Multi(items.into_iter().map(Value::from_json).collect()),
            serde_json::Value::Object(map) => {
                Value::Complex(map.into_iter().map(|(k, v)| (k, Value::from_json(v))).collect())
            }
        }
    }

    /// Plain JSON: date-times and references become strings.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Str(s) | Value::Reference(s) => serde_json::Value::String(s.clone()),
            Value::DateTime(dt) => serde_json::Value::String(format_entra_datetime(dt)),
            Value::Complex(map) => {
                serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Multi(items) => serde_json::Value::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

pub(crate) fn bool_text(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Entra's rendering of a date-time: `M/d/yyyy h:mm:ss tt`, always UTC.
pub fn format_entra_datetime(dt: &DateTime<Utc>) -> String {
    let (is_pm, hour12) = dt.hour12();
    format!(
        "{}/{}/{} {}:{:02}:{:02} {}",
        dt.month(),
        dt.day(),
        dt.year(),
        hour12,
        dt.minute(),
        dt.second(),
        if is_pm { "PM" } else { "AM" }
    )
}

impl fmt::Display for Value {
    /// The string form; multi-valued values list their items separated by `, `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => Ok(()),
            Value::Multi(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
            Value::Complex(_) => write!(f, "{}", self.to_json()),
            other => f.write_str(&other.as_text().unwrap_or_default()),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Str(s) | Value::Reference(s) => serializer.serialize_str(s),
            Value::DateTime(dt) => serializer.serialize_str(&format_entra_datetime(dt)),
            Value::Complex(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Value::Multi(items) => {
                let mut s = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    s.serialize_element(item)?;
                }
                s.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value: null, boolean, number, string, array or object")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(i64::try_from(u).map_or_else(|_| Value::Str(u.to_string()), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        // JavaScript hands every number over as f64; whole numbers are integers.
        if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
            #[allow(clippy::cast_possible_truncation)] // checked above: whole and within 2^53
            return Ok(Value::Int(f as i64));
        }
        Ok(Value::Str(f.to_string()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Multi(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some((k, v)) = map.next_entry::<String, Value>()? {
            entries.insert(k, v);
        }
        Ok(Value::Complex(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn datetimes_render_as_entra_does() {
        let dt = Utc.with_ymd_and_hms(2021, 7, 2, 15, 33, 38).unwrap();
        assert_eq!(format_entra_datetime(&dt), "7/2/2021 3:33:38 PM");
        let midnight = Utc.with_ymd_and_hms(2021, 7, 2, 0, 5, 0).unwrap();
        assert_eq!(format_entra_datetime(&midnight), "7/2/2021 12:05:00 AM");
    }

    #[test]
    fn json_round_trips() {
        let json = serde_json::json!({"a": [1, "x", null, true], "b": {"c": 2}});
        let value: Value = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(value.to_json(), json);
        assert_eq!(serde_json::to_value(&value).unwrap(), json);
        assert_eq!(Value::from_json(json), value);
    }

    #[test]
    fn booleans_render_as_true_and_false() {
        assert_eq!(Value::Bool(true).to_string(), "True");
        assert_eq!(Value::Bool(false).to_string(), "False");
    }

    #[test]
    fn emptiness() {
        assert!(Value::Null.is_null_or_empty());
        assert!(Value::str("").is_null_or_empty());
        assert!(Value::Multi(vec![]).is_null_or_empty());
        assert!(!Value::str(" ").is_null_or_empty());
        assert!(!Value::Int(0).is_null_or_empty());
    }
}
