//! `primary` in multi-valued attributes (RFC 7644 §3.5.2): what was
//! primary before a PATCH operation, and at most one primary value after.

use serde_json::{Map, Value};

use super::members::{find, find_in, find_mut, set_sub};
use crate::error::ScimError;
use crate::schema::{AttributeDef, ResourceSchema};

/// The values marked primary before an operation, per attribute.
pub(super) type Primaries = Vec<Vec<Value>>;

/// Multi-valued complex attributes with a `primary` sub-attribute.
pub(super) fn primary_attrs(schema: &ResourceSchema) -> Vec<(Option<&str>, &AttributeDef)> {
    let core = schema.core.attributes.iter().map(|attr| (None, attr));
    let extensions = schema
        .extensions
        .iter()
        .flat_map(|(ext, _)| ext.attributes.iter().map(move |attr| (Some(ext.id.as_str()), attr)));
    core.chain(extensions)
        .filter(|(_, attr)| attr.multi_valued && attr.sub_attribute("primary").is_some())
        .collect()
}

pub(super) fn items_of<'v>(object: &'v Map<String, Value>, ext: Option<&str>, name: &str) -> Vec<&'v Value> {
    let holder = match ext {
        Some(urn) => find(object, urn).and_then(Value::as_object),
        None => Some(object),
    };
    match holder.and_then(|holder| find(holder, name)) {
        Some(Value::Array(items)) => items.iter().collect(),
        _ => Vec::new(),
    }
}

pub(super) fn is_primary(item: &Value) -> bool {
    find_in(item, "primary") == Some(&Value::Bool(true))
}

pub(super) fn primaries(object: &Map<String, Value>, schema: &ResourceSchema) -> Primaries {
    primary_attrs(schema)
        .into_iter()
        .map(|(ext, attr)| {
            items_of(object, ext, &attr.name)
                .into_iter()
                .filter(|item| is_primary(item))
                .cloned()
                .collect()
        })
        .collect()
}

/// RFC 7644 §3.5.2: setting one value primary makes the others not primary;
/// making two values primary at once is an error.
pub(super) fn settle_primaries(
    object: &mut Map<String, Value>,
    schema: &ResourceSchema,
    before: &Primaries,
) -> Result<(), ScimError> {
    for ((ext, attr), before) in primary_attrs(schema).into_iter().zip(before) {
        let items = items_of(object, ext, &attr.name);
        let now: Vec<usize> = (0..items.len())
            .filter(|&i| items.get(i).is_some_and(|item| is_primary(item)))
            .collect();
        if now.len() < 2 {
            continue;
        }
        let new: Vec<usize> = now
            .iter()
            .copied()
            .filter(|&i| items.get(i).is_some_and(|item| !before.contains(item)))
            .collect();
        match new.as_slice() {
            [] => continue, // stored that way; not this operation's doing
            [keep] => {
                let keep = *keep;
                let holder = match ext {
                    Some(urn) => find_mut(object, urn).and_then(Value::as_object_mut),
                    None => Some(&mut *object),
                };
                if let Some(Value::Array(items)) = holder.and_then(|holder| find_mut(holder, &attr.name)) {
                    for (index, item) in items.iter_mut().enumerate() {
                        if index != keep && is_primary(item) {
                            set_sub(
                                item,
                                attr.sub_attribute("primary").unwrap_or(attr),
                                Some(Value::Bool(false)),
                            );
                        }
                    }
                }
            }
            _ => {
                return Err(ScimError::invalid_value(format!(
                    "the operation makes {} values of \"{}\" primary; at most one may be",
                    new.len(),
                    attr.name
                )));
            }
        }
    }
    Ok(())
}
