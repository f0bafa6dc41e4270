//! A resource's members by name, ignoring case as SCIM attribute names
//! do, and the objects that hold them (the resource, or an extension's
//! object under its canonical URN).

use serde_json::{Map, Value};

use crate::schema::AttributeDef;

/// The key of `map` equal to `name` ignoring case (exact match first).
fn key_of(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_owned());
    }
    map.keys().find(|key| key.eq_ignore_ascii_case(name)).cloned()
}

pub(super) fn find<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    key_of(map, name).and_then(|key| map.get(&key))
}

pub(super) fn find_in<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value.as_object().and_then(|object| find(object, name))
}

pub(super) fn find_mut<'m>(map: &'m mut Map<String, Value>, name: &str) -> Option<&'m mut Value> {
    let key = key_of(map, name)?;
    map.get_mut(&key)
}

/// Removes the member `name` (any case), returning its value.
pub(super) fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_of(map, name)?;
    map.remove(&key)
}

pub(super) fn take_array(map: &mut Map<String, Value>, name: &str) -> Vec<Value> {
    match take(map, name) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(one) => vec![one],
    }
}

/// Null, an empty array and an empty object leave an attribute unassigned (RFC 7643 §2.5).
pub(super) fn is_unassigned(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(members) => members.is_empty(),
        _ => false,
    }
}

/// Sets `name` (replacing any member of another case); an unassigned value unsets it.
pub(super) fn put(map: &mut Map<String, Value>, name: &str, value: Value) {
    take(map, name);
    if !is_unassigned(&value) {
        map.insert(name.to_owned(), value);
    }
}

/// The object holding attributes: the resource, or an extension's object
/// under its canonical URN (created when `create`).
pub(super) fn holder<'m>(
    object: &'m mut Map<String, Value>,
    ext: Option<&str>,
    create: bool,
) -> Option<&'m mut Map<String, Value>> {
    let Some(urn) = ext else {
        return Some(object);
    };
    let existing = take(object, urn).filter(Value::is_object);
    match existing {
        Some(members) => {
            object.insert(urn.to_owned(), members);
        }
        None if create => {
            object.insert(urn.to_owned(), Value::Object(Map::new()));
        }
        None => return None,
    }
    object.get_mut(urn).and_then(Value::as_object_mut)
}

/// Sets (or with `None` removes) a sub-attribute of a multi-valued
/// attribute's element, making the element an object if it was not one.
pub(super) fn set_sub(item: &mut Value, sub: &AttributeDef, value: Option<Value>) {
    if !item.is_object() {
        *item = Value::Object(Map::new());
    }
    if let Value::Object(object) = item {
        match value {
            Some(value) => put(object, &sub.name, value),
            None => {
                take(object, &sub.name);
            }
        }
    }
}
