//! Between a flat map of target path → value and a SCIM resource: building
//! the JSON body to send, and reading the addressed values back out of the
//! JSON a target returns.

use serde_json::{Map, Value as Json};

use super::syntax::{CORE_SCHEMA_PREFIX, boolean, starts_with_ignore_case};
use super::{FilterValue, TargetAttributes, TargetPath, ValueFilter};
use crate::value::Value;

/// Builds a SCIM resource from path → value. `schemas` lists the core
/// schema(s); each extension schema a path uses is appended. Null values are
/// left out; values addressing the same element of a multi-valued attribute
/// (`addresses[type eq "work"].postalCode` and `….locality`) share it.
///
/// ```
/// use provisio_engine::scim_path::{TargetAttributes, to_resource};
/// use provisio_engine::Value;
///
/// let mut attributes = TargetAttributes::new();
/// attributes.insert("name.givenName".into(), Value::str("Zoë"));
/// attributes.insert(r#"emails[type eq "work"].value"#.into(), Value::str("zoe@acme.example"));
/// let resource = to_resource(&attributes, &["urn:ietf:params:scim:schemas:core:2.0:User".into()]);
/// assert_eq!(resource["name"]["givenName"], "Zoë");
/// assert_eq!(resource["emails"][0]["type"], "work");
/// ```
pub fn to_resource(attributes: &TargetAttributes, schemas: &[String]) -> Json {
    let mut resource = Map::new();
    let mut all_schemas: Vec<String> = schemas.to_vec();
    for (key, value) in attributes {
        if value.is_null() {
            continue;
        }
        let path = TargetPath::parse(key).unwrap_or_else(|_| TargetPath::attribute(key.clone()));
        let container = match extension_schema(&path) {
            Some(schema) => {
                if !all_schemas.iter().any(|s| s.eq_ignore_ascii_case(schema)) {
                    all_schemas.push(schema.to_owned());
                }
                object_at(&mut resource, schema)
            }
            None => Some(&mut resource),
        };
        if let Some(container) = container {
            place(container, &path, json_of(&path, value));
        }
    }
    let schemas = all_schemas.into_iter().map(Json::String).collect();
    resource.insert("schemas".to_owned(), Json::Array(schemas));
    Json::Object(resource)
}

/// Reads the given paths back out of a SCIM resource. Attribute names match
/// case-insensitively; a filter selects the first matching element; a value
/// that is missing (or null) is absent from the result. Manager and member
/// objects (`{"value": id, "$ref": …}`) read back as references.
pub fn from_resource(resource: &Json, paths: &[TargetPath]) -> TargetAttributes {
    paths
        .iter()
        .filter_map(|path| read(resource, path).map(|value| (path.canonical(), value)))
        .collect()
}

fn extension_schema(path: &TargetPath) -> Option<&str> {
    path.schema
        .as_deref()
        .filter(|s| !starts_with_ignore_case(s, CORE_SCHEMA_PREFIX))
}

/// Whether references in this attribute are SCIM complex `{"value": id}`
/// objects rather than plain ids: the enterprise `manager` and a group's
/// `members`.
fn wraps_references(path: &TargetPath) -> bool {
    path.sub_attribute.is_none()
        && path.filter.is_none()
        && (path.attribute.eq_ignore_ascii_case("manager") || path.attribute.eq_ignore_ascii_case("members"))
}

fn json_of(path: &TargetPath, value: &Value) -> Json {
    let wrap = wraps_references(path);
    let convert = |v: &Value| match v {
        Value::Reference(id) if wrap => serde_json::json!({ "value": id }),
        other => other.to_json(),
    };
    match value {
        Value::Multi(items) => Json::Array(items.iter().filter(|v| !v.is_null()).map(convert).collect()),
        Value::Complex(fields) => Json::Object(
            fields
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        ),
        other => convert(other),
    }
}

/// The filter value as it is written into a new element: `"True"`/`"False"`
/// for `primary` becomes a boolean, as SCIM defines `primary`.
fn filter_json(filter: &ValueFilter) -> Json {
    match &filter.value {
        FilterValue::Boolean(b) => Json::Bool(*b),
        FilterValue::Text(text) if filter.attribute.eq_ignore_ascii_case("primary") => {
            boolean(text).map_or_else(|| Json::String(text.clone()), Json::Bool)
        }
        FilterValue::Text(text) => Json::String(text.clone()),
    }
}

/// Whether a JSON value satisfies `eq` with the filter's value: text forms,
/// case-insensitively, so `"True"` selects `true`.
fn filter_matches(json: &Json, value: &FilterValue) -> bool {
    let wanted = match value {
        FilterValue::Boolean(true) => "true",
        FilterValue::Boolean(false) => "false",
        FilterValue::Text(text) => text,
    };
    match json {
        Json::String(s) => s.to_lowercase() == wanted.to_lowercase(),
        Json::Bool(b) => wanted.eq_ignore_ascii_case(if *b { "true" } else { "false" }),
        Json::Number(n) => n.to_string() == wanted,
        _ => false,
    }
}

/// Whether the filter selects this element of a multi-valued attribute.
fn selects(filter: &ValueFilter, element: &Json) -> bool {
    element
        .as_object()
        .and_then(|object| get(object, &filter.attribute))
        .is_some_and(|v| filter_matches(v, &filter.value))
}

/// The key in `map` naming `name`: an exact match, else a case-insensitive one.
fn key_for<'m>(map: &'m Map<String, Json>, name: &str) -> Option<&'m String> {
    map.get_key_value(name)
        .map(|(k, _)| k)
        .or_else(|| map.keys().find(|k| k.eq_ignore_ascii_case(name)))
}

fn get<'m>(map: &'m Map<String, Json>, name: &str) -> Option<&'m Json> {
    key_for(map, name).and_then(|k| map.get(k))
}

/// The entry for `name`, reusing an existing key that differs only in case.
fn entry<'m>(map: &'m mut Map<String, Json>, name: &str) -> &'m mut Json {
    let key = key_for(map, name).cloned().unwrap_or_else(|| name.to_owned());
    map.entry(key).or_insert(Json::Null)
}

/// The object under `name`, replacing anything else there.
fn object_at<'m>(map: &'m mut Map<String, Json>, name: &str) -> Option<&'m mut Map<String, Json>> {
    let slot = entry(map, name);
    if !slot.is_object() {
        *slot = Json::Object(Map::new());
    }
    slot.as_object_mut()
}

/// Writes `new` into `slot`, merging objects field by field.
fn merge(slot: &mut Json, new: Json) {
    match (slot, new) {
        (Json::Object(existing), Json::Object(fields)) => {
            for (k, v) in fields {
                merge(entry(existing, &k), v);
            }
        }
        (slot, new) => *slot = new,
    }
}

fn place(container: &mut Map<String, Json>, path: &TargetPath, json: Json) {
    let Some(filter) = &path.filter else {
        match &path.sub_attribute {
            None => merge(entry(container, &path.attribute), json),
            Some(sub) => {
                if let Some(object) = object_at(container, &path.attribute) {
                    merge(entry(object, sub), json);
                }
            }
        }
        return;
    };
    let slot = entry(container, &path.attribute);
    if !slot.is_array() {
        *slot = Json::Array(Vec::new());
    }
    let Json::Array(elements) = slot else {
        return;
    };
    let index = elements.iter().position(|element| selects(filter, element));
    let index = index.unwrap_or_else(|| {
        let mut element = Map::new();
        element.insert(filter.attribute.clone(), filter_json(filter));
        elements.push(Json::Object(element));
        elements.len() - 1
    });
    let Some(Json::Object(element)) = elements.get_mut(index) else {
        return;
    };
    match &path.sub_attribute {
        Some(sub) => merge(entry(element, sub), json),
        None => match json {
            Json::Object(fields) => {
                for (k, v) in fields {
                    merge(entry(element, &k), v);
                }
            }
            other => merge(entry(element, "value"), other),
        },
    }
}

fn read(resource: &Json, path: &TargetPath) -> Option<Value> {
    let mut node = resource.as_object()?;
    if let Some(schema) = extension_schema(path) {
        node = get(node, schema)?.as_object()?;
    }
    let attribute = get(node, &path.attribute)?;
    let json = match &path.filter {
        None => attribute,
        Some(filter) => attribute.as_array()?.iter().find(|element| selects(filter, element))?,
    };
    let json = match &path.sub_attribute {
        Some(sub) => get(json.as_object()?, sub)?,
        None => json,
    };
    if json.is_null() {
        return None;
    }
    if path.sub_attribute.is_none()
        && let Some(filter) = &path.filter
        && let Json::Object(element) = json
    {
        // `emails[type eq "work"]` reads the element without the filter's own field.
        let fields = element
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case(&filter.attribute))
            .map(|(k, v)| (k.clone(), Value::from_json(v.clone())))
            .collect();
        return Some(Value::Complex(fields));
    }
    if wraps_references(path) {
        return Some(unwrap_references(json));
    }
    Some(Value::from_json(json.clone()))
}

/// `{"value": id, …}` → `Reference(id)`; arrays of them → a list of references.
fn unwrap_references(json: &Json) -> Value {
    match json {
        Json::Array(items) => Value::Multi(items.iter().map(unwrap_references).collect()),
        Json::Object(object) => match get(object, "value") {
            Some(Json::String(id)) => Value::Reference(id.clone()),
            _ => Value::from_json(json.clone()),
        },
        Json::String(id) => Value::Reference(id.clone()),
        other => Value::from_json(other.clone()),
    }
}
