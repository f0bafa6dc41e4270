//! SCIM PATCH (RFC 7644 §3.5.2): parsing a PatchOp body and applying its
//! operations to a resource, all or nothing, liberal where Entra ID is.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{self, CompareOp, Filter, PatchPath, compare_values, get_ignore_case, is_present};
use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema, SchemaDef};
use crate::validate::{coerce, coerce_one, describe};

mod by_value;
mod member_delta;
mod members;
mod primary;

use self::by_value::ByValue;
pub use self::member_delta::{MemberDelta, member_delta};
use self::members::{find, find_in, holder, is_unassigned, put, set_sub, take, take_array};
use self::primary::{primaries, settle_primaries};

pub const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Replace,
    Remove,
}

impl Op {
    /// "an add", for error details.
    fn named(self) -> &'static str {
        match self {
            Op::Add => "an add",
            Op::Replace => "a replace",
            Op::Remove => "a remove",
        }
    }
}

/// One operation of a PatchOp request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub op: Op,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// Parses a PatchOp body. `op` is case-insensitive ("Replace", as Entra ID
/// sends it); paths must name attributes of `schema`.
pub fn parse(body: &Value, schema: &ResourceSchema) -> Result<Vec<PatchOperation>, ScimError> {
    if !body.is_object() {
        return Err(ScimError::invalid_syntax("the PATCH body must be a JSON object"));
    }
    let listed = get_ignore_case(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|urns| {
            urns.iter()
                .any(|urn| urn.as_str().is_some_and(|urn| urn.eq_ignore_ascii_case(PATCH_OP_URN)))
        });
    if !listed {
        return Err(ScimError::invalid_syntax(format!(
            "a PATCH body needs \"schemas\": [\"{PATCH_OP_URN}\"]"
        )));
    }
    let operations = match get_ignore_case(body, "Operations") {
        Some(Value::Array(operations)) if !operations.is_empty() => operations,
        _ => {
            return Err(ScimError::invalid_syntax(
                "\"Operations\" must be an array of one or more operations",
            ));
        }
    };
    operations
        .iter()
        .enumerate()
        .map(|(index, operation)| parse_operation(operation, schema).map_err(|error| numbered(error, index)))
        .collect()
}

fn numbered(mut error: ScimError, index: usize) -> ScimError {
    error.detail = format!("operation {}: {}", index + 1, error.detail);
    error
}

fn parse_operation(operation: &Value, schema: &ResourceSchema) -> Result<PatchOperation, ScimError> {
    if !operation.is_object() {
        return Err(ScimError::invalid_syntax(format!(
            "an operation must be an object, not {}",
            describe(operation)
        )));
    }
    let op = match get_ignore_case(operation, "op")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("add") => Op::Add,
        Some("replace") => Op::Replace,
        Some("remove") => Op::Remove,
        _ => {
            let found = get_ignore_case(operation, "op").map_or_else(|| "nothing".to_owned(), describe);
            return Err(ScimError::invalid_syntax(format!(
                "\"op\" must be \"add\", \"replace\" or \"remove\", not {found}"
            )));
        }
    };
    let path = match get_ignore_case(operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::String(text)) => {
            let path = filter::parse_path(text.trim())?;
            target(&path, schema)?;
            Some(path)
        }
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "\"path\" must be a string, not {}",
                describe(other)
            )));
        }
    };
    let value = get_ignore_case(operation, "value").cloned();
    match op {
        Op::Remove if path.is_none() => Err(ScimError::no_target("a remove operation needs a \"path\"")),
        // A replace with null unassigns (RFC 7643 §2.5); an add of nothing is a mistake.
        Op::Add | Op::Replace if value.as_ref().is_none_or(|value| value.is_null() && op == Op::Add) => Err(
            ScimError::invalid_value(format!("{} operation needs a \"value\"", op.named())),
        ),
        _ => Ok(PatchOperation { op, path, value }),
    }
}

/// What a path designates.
enum Target<'s> {
    /// A whole extension, e.g. `urn:…:enterprise:2.0:User`.
    Extension(&'s SchemaDef),
    Attr(AttrTarget<'s>),
}

struct AttrTarget<'s> {
    /// The URN of the extension object holding the attribute.
    ext: Option<&'s str>,
    attr: &'s AttributeDef,
    sub: Option<&'s AttributeDef>,
    filter: Option<&'s Filter>,
    /// The canonical path, for error details.
    text: String,
}

impl AttrTarget<'_> {
    fn leaf(&self) -> &AttributeDef {
        self.sub.unwrap_or(self.attr)
    }
}

fn target<'s>(path: &'s PatchPath, schema: &'s ResourceSchema) -> Result<Target<'s>, ScimError> {
    if path.filter.is_none()
        && let Some(ext) = path.path.as_urn().and_then(|urn| schema.extension(&urn))
    {
        return Ok(Target::Extension(ext));
    }
    let found = schema.resolve(&path.path).ok_or_else(|| {
        let hint = schema
            .closest_attribute(&path.path.attr)
            .filter(|_| path.path.urn.is_none() && path.path.sub_attr.is_none())
            .map(|close| format!("; did you mean \"{close}\"?"))
            .unwrap_or_default();
        ScimError::invalid_path(format!(
            "\"{}\" is not an attribute of {}{hint}",
            path.path, schema.resource_type
        ))
    })?;
    let mut text = found.canonical();
    if let Some(filter) = &path.filter {
        if !(found.attr.multi_valued && found.attr.kind == AttrType::Complex) {
            return Err(ScimError::invalid_path(format!(
                "\"{}[…]\": a value filter needs a multi-valued complex attribute",
                found.attr.name
            )));
        }
        filter
            .check_element(found.attr)
            .map_err(|error| ScimError::invalid_path(error.detail))?;
        text = match found.sub {
            Some(sub) => format!("{}[…].{}", found.attr.name, sub.name),
            None => format!("{}[…]", found.attr.name),
        };
    }
    Ok(Target::Attr(AttrTarget {
        ext: found.in_extension.then_some(found.schema.id.as_str()),
        attr: found.attr,
        sub: found.sub,
        filter: path.filter.as_ref(),
        text,
    }))
}

/// Applies the operations in order. On any error `resource` is left as it
/// was. Attribute names are written in the schema's case, extension
/// attributes under their URN, and `schemas` lists the extensions in use.
pub fn apply(resource: &mut Value, operations: &[PatchOperation], schema: &ResourceSchema) -> Result<(), ScimError> {
    let mut work = resource.clone();
    let Value::Object(object) = &mut work else {
        return Err(ScimError::internal("the resource to patch is not a JSON object"));
    };
    for (index, operation) in operations.iter().enumerate() {
        let before = primaries(object, schema);
        apply_operation(object, operation, schema).map_err(|error| numbered(error, index))?;
        settle_primaries(object, schema, &before).map_err(|error| numbered(error, index))?;
    }
    tidy(object, schema);
    *resource = work;
    Ok(())
}

fn apply_operation(
    object: &mut Map<String, Value>,
    operation: &PatchOperation,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let op = operation.op;
    let value = operation.value.as_ref();
    let Some(path) = &operation.path else {
        // RFC 7644 §3.5.2.1, §3.5.2.3: without a path the value is an object
        // of attributes, each applied as if it were the path.
        let Some(Value::Object(members)) = value else {
            return Err(ScimError::invalid_value(format!(
                "without a \"path\", the value of {} must be an object of attributes, not {}",
                op.named(),
                value.map_or_else(|| "nothing".into(), describe)
            )));
        };
        return members
            .iter()
            .try_for_each(|(key, value)| apply_key(object, op, key, value, schema));
    };
    match target(path, schema)? {
        Target::Extension(ext) if op == Op::Remove => {
            take(object, &ext.id);
            Ok(())
        }
        Target::Extension(ext) => apply_extension(object, op, ext, value),
        Target::Attr(target) => apply_attr(object, op, &target, value),
    }
}

/// One member of a path-less add or replace: an attribute name, a path
/// such as `name.givenName`, or an extension URN holding an object.
fn apply_key(
    object: &mut Map<String, Value>,
    op: Op,
    key: &str,
    value: &Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    if key.eq_ignore_ascii_case("schemas") {
        return Ok(()); // the extensions in use decide `schemas`
    }
    if let Some(ext) = schema.extension(key) {
        return apply_extension(object, op, ext, Some(value));
    }
    let path = AttrPath::parse(key).map_err(|message| ScimError::invalid_value(format!("in the value: {message}")))?;
    let found = schema.resolve(&path).ok_or_else(|| {
        let hint = schema
            .closest_attribute(key)
            .map(|close| format!("; did you mean \"{close}\"?"))
            .unwrap_or_default();
        ScimError::invalid_value(format!(
            "the value names \"{key}\", which is not an attribute of {}{hint}",
            schema.resource_type
        ))
    })?;
    let target = AttrTarget {
        ext: found.in_extension.then_some(found.schema.id.as_str()),
        attr: found.attr,
        sub: found.sub,
        filter: None,
        text: found.canonical(),
    };
    // Clients echo `id` or `meta` back; that changes nothing and is no error.
    if target.leaf().mutability == Mutability::ReadOnly && current(object, &target) == values_of(value) {
        return Ok(());
    }
    apply_attr(object, op, &target, Some(value))
}

fn apply_extension(
    object: &mut Map<String, Value>,
    op: Op,
    ext: &SchemaDef,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let Some(Value::Object(members)) = value else {
        return Err(ScimError::invalid_value(format!(
            "the value for \"{}\" must be an object of its attributes, not {}",
            ext.id,
            value.map_or_else(|| "nothing".into(), describe)
        )));
    };
    // scim2-models puts the extension's own `schemas` in the object; it says nothing.
    for (name, value) in members.iter().filter(|(name, _)| !name.eq_ignore_ascii_case("schemas")) {
        let attr = ext
            .attribute(name)
            .ok_or_else(|| ScimError::invalid_value(format!("\"{}\" has no attribute \"{name}\"", ext.id)))?;
        let target = AttrTarget {
            ext: Some(&ext.id),
            attr,
            sub: None,
            filter: None,
            text: format!("{}:{}", ext.id, attr.name),
        };
        apply_attr(object, op, &target, Some(value))?;
    }
    Ok(())
}

/// The present values at a target (filtered elements, their sub-attribute).
fn current(object: &Map<String, Value>, target: &AttrTarget<'_>) -> Vec<Value> {
    let holder = match target.ext {
        Some(urn) => find(object, urn).and_then(Value::as_object),
        None => Some(object),
    };
    let values = values_of(
        holder
            .and_then(|holder| find(holder, &target.attr.name))
            .unwrap_or(&Value::Null),
    );
    values
        .into_iter()
        .filter(|element| {
            target
                .filter
                .is_none_or(|filter| filter.matches_element(element, target.attr))
        })
        .flat_map(|element| match target.sub {
            Some(sub) => values_of(find_in(&element, &sub.name).unwrap_or(&Value::Null)),
            None => vec![element],
        })
        .collect()
}

/// The present values of a JSON value: the elements of an array, or itself.
fn values_of(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.iter().filter(|item| is_present(item)).cloned().collect(),
        one if is_present(one) => vec![one.clone()],
        _ => Vec::new(),
    }
}

fn apply_attr(
    object: &mut Map<String, Value>,
    op: Op,
    target: &AttrTarget<'_>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let text = &target.text;
    let leaf = target.leaf();
    if target.attr.mutability == Mutability::ReadOnly || leaf.mutability == Mutability::ReadOnly {
        return Err(ScimError::mutability(format!(
            "\"{text}\" is readOnly and cannot be changed"
        )));
    }
    // The value to write; remove and a null value unassign (RFC 7643 §2.5).
    let write = match op {
        Op::Remove => None,
        _ => value.filter(|value| !value.is_null()),
    };
    if write.is_none() && target.sub.is_none() && target.filter.is_none() && target.attr.required {
        return Err(ScimError::invalid_value(format!(
            "\"{text}\" is required and cannot be removed"
        )));
    }
    if leaf.mutability == Mutability::Immutable {
        let now = current(object, target);
        // Writing the value it already has changes nothing, so it is allowed.
        let unchanged = match write {
            Some(value) if !leaf.multi_valued => {
                let new = coerce_one(leaf, value.clone(), text)?;
                now.iter().all(|old| Some(old) == new.as_ref())
            }
            _ => false,
        };
        if !now.is_empty() && !unchanged {
            return Err(ScimError::mutability(format!(
                "\"{text}\" is immutable and already has a value"
            )));
        }
    }
    let Some(holder) = holder(object, target.ext, write.is_some()) else {
        return Ok(()); // removing from an extension the resource does not have
    };
    match (target.filter, target.sub) {
        (None, None) => write_attr(holder, op, target, write, value),
        (None, Some(sub)) => write_sub_everywhere(holder, target, sub, write),
        (Some(filter), _) => write_filtered(holder, op, target, filter, write),
    }
}

/// `emails`, `name`, `active`: the whole attribute.
fn write_attr(
    holder: &mut Map<String, Value>,
    op: Op,
    target: &AttrTarget<'_>,
    write: Option<&Value>,
    value: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = target.attr;
    let Some(write) = write else {
        match value.filter(|_| op == Op::Remove && attr.multi_valued) {
            // Entra ID removes members by value: {"op": "Remove", "path": "members", "value": [{"value": "id"}]}.
            Some(selection) if !selection.is_null() => {
                let selection = elements(attr, selection, &target.text)?;
                let selected = ByValue::new(attr, &selection);
                let mut items = take_array(holder, &attr.name);
                items.retain(|item| {
                    !selected
                        .may_equal(attr, item)
                        .into_iter()
                        .any(|at| selection.get(at).is_some_and(|one| same_item(attr, item, one)))
                });
                put(holder, &attr.name, Value::Array(items));
            }
            _ => {
                take(holder, &attr.name);
            }
        }
        return Ok(());
    };
    if attr.multi_valued {
        let new = elements(attr, write, &target.text)?;
        let items = match op {
            Op::Add => add_elements(attr, take_array(holder, &attr.name), new),
            _ => new,
        };
        put(holder, &attr.name, Value::Array(items));
    } else if attr.kind == AttrType::Complex {
        // Add and replace both keep sub-attributes the value does not name
        // (RFC 7644 §3.5.2.1, §3.5.2.3).
        let mut object = match take(holder, &attr.name) {
            Some(Value::Object(object)) => object,
            _ => Map::new(),
        };
        if let Some(Value::Object(new)) = coerce_one(attr, write.clone(), &target.text)? {
            for (key, value) in new {
                put(&mut object, &key, value);
            }
        }
        put(holder, &attr.name, Value::Object(object));
    } else {
        match coerce_one(attr, write.clone(), &target.text)? {
            Some(value) => put(holder, &attr.name, value),
            None => {
                take(holder, &attr.name);
            }
        }
    }
    Ok(())
}

/// The values for a multi-valued attribute; a single one counts as one.
fn elements(attr: &AttributeDef, value: &Value, text: &str) -> Result<Vec<Value>, ScimError> {
    let items = match value {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        values.extend(coerce_one(attr, item, text)?);
    }
    Ok(values)
}

/// Adds values (RFC 7644 §3.5.2.1); one equal to an existing value (the
/// same `value`, and `type` when given) is merged into it, not repeated.
fn add_elements(attr: &AttributeDef, mut items: Vec<Value>, new: Vec<Value>) -> Vec<Value> {
    let mut held = ByValue::new(attr, &items);
    for value in new {
        let same = held
            .may_equal(attr, &value)
            .into_iter()
            .find(|&at| items.get(at).is_some_and(|item| same_item(attr, item, &value)));
        match same.and_then(|at| items.get_mut(at)) {
            Some(Value::Object(existing)) => {
                if let Value::Object(members) = value {
                    for (key, value) in members {
                        put(existing, &key, value);
                    }
                }
            }
            Some(_) => {}
            None => {
                held.push(attr, &value);
                items.push(value);
            }
        }
    }
    items
}

/// Whether `candidate` designates `item`: equal simple values; for complex
/// ones equal `value` (and `type` when the candidate has one), or when the
/// candidate has no `value`, equal in every sub-attribute it names.
fn same_item(attr: &AttributeDef, item: &Value, candidate: &Value) -> bool {
    if attr.kind != AttrType::Complex {
        return equal(attr, item, candidate);
    }
    let Some(members) = candidate.as_object() else {
        return false;
    };
    let keys: Vec<&String> = if members.contains_key("value") {
        members.keys().filter(|key| *key == "value" || *key == "type").collect()
    } else {
        members.keys().collect()
    };
    keys.into_iter().all(
        |key| match (attr.sub_attribute(key), find_in(item, key), members.get(key)) {
            (Some(sub), Some(left), Some(right)) => equal(sub, left, right),
            _ => false,
        },
    )
}

fn equal(def: &AttributeDef, left: &Value, right: &Value) -> bool {
    compare_values(def, left, right).map_or(left == right, |ordering| ordering == Ordering::Equal)
}

/// `name.givenName`, or `emails.type` on every email.
fn write_sub_everywhere(
    holder: &mut Map<String, Value>,
    target: &AttrTarget<'_>,
    sub: &AttributeDef,
    write: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = target.attr;
    let new = match write {
        Some(value) => coerce(sub, value.clone(), &target.text)?,
        None => None,
    };
    if attr.multi_valued {
        let mut items = take_array(holder, &attr.name);
        if items.is_empty() && new.is_some() {
            items.push(Value::Object(Map::new()));
        }
        for item in &mut items {
            set_sub(item, sub, new.clone());
        }
        put(holder, &attr.name, Value::Array(items));
    } else {
        let mut object = take(holder, &attr.name).unwrap_or_else(|| Value::Object(Map::new()));
        set_sub(&mut object, sub, new);
        put(holder, &attr.name, object);
    }
    Ok(())
}

/// `emails[type eq "work"]` and `emails[type eq "work"].value`.
fn write_filtered(
    holder: &mut Map<String, Value>,
    op: Op,
    target: &AttrTarget<'_>,
    filter: &Filter,
    write: Option<&Value>,
) -> Result<(), ScimError> {
    let attr = target.attr;
    let text = &target.text;
    let mut items = take_array(holder, &attr.name);
    let matched: Vec<usize> = (0..items.len())
        .filter(|&index| items.get(index).is_some_and(|item| filter.matches_element(item, attr)))
        .collect();
    let new = match (write, target.sub) {
        (None, _) => None,
        (Some(value), Some(sub)) => coerce(sub, value.clone(), text)?,
        (Some(value), None) => coerce_one(attr, value.clone(), text)?,
    };
    match (new, target.sub) {
        // Remove, or a null value: the matching values, or their sub-attribute.
        // No match is no error: what was to be removed is already gone.
        (None, None) => {
            let mut index = 0;
            items.retain(|_| {
                index += 1;
                !matched.contains(&(index - 1))
            });
        }
        (None, Some(sub)) => matched.iter().for_each(|&index| {
            if let Some(item) = items.get_mut(index) {
                set_sub(item, sub, None);
            }
        }),
        // Nothing matches: Entra ID expects `emails[type eq "work"].value`
        // to create the work email, so a filter of `sub eq value` terms
        // seeds a new element; any other filter has no target (RFC 7644 §3.12).
        (Some(new), sub) if matched.is_empty() => {
            let mut element = seed(filter, attr).ok_or_else(|| {
                ScimError::no_target(format!(
                    "no value of \"{}\" matches the filter of \"{text}\"",
                    attr.name
                ))
            })?;
            match (sub, new) {
                (Some(sub), value) => put(&mut element, &sub.name, value),
                (None, Value::Object(members)) => members
                    .into_iter()
                    .for_each(|(key, value)| put(&mut element, &key, value)),
                (None, _) => {}
            }
            items.push(Value::Object(element));
        }
        (Some(new), Some(sub)) => matched.iter().for_each(|&index| {
            if let Some(item) = items.get_mut(index) {
                set_sub(item, sub, Some(new.clone()));
            }
        }),
        (Some(new), None) => {
            for &index in &matched {
                let Some(item) = items.get_mut(index) else { continue };
                // Replace swaps each matching value for the new one, keeping
                // what the filter selected it by; add merges into it.
                if op == Op::Replace {
                    *item = Value::Object(seed(filter, attr).unwrap_or_default());
                }
                if let (Value::Object(existing), Value::Object(members)) = (&mut *item, &new) {
                    for (key, value) in members {
                        put(existing, key, value.clone());
                    }
                }
            }
        }
    }
    put(holder, &attr.name, Value::Array(items));
    Ok(())
}

/// The element a filter made only of `sub eq value` terms describes.
fn seed(filter: &Filter, attr: &AttributeDef) -> Option<Map<String, Value>> {
    let terms = match filter {
        Filter::And(terms) => terms.iter().collect(),
        one => vec![one],
    };
    let mut element = Map::new();
    for term in terms {
        let Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } = term
        else {
            return None;
        };
        let sub = attr
            .sub_attribute(&path.attr)
            .filter(|_| path.urn.is_none() && path.sub_attr.is_none())?;
        element.insert(sub.name.clone(), coerce_one(sub, value.clone(), "").ok()??);
    }
    Some(element)
}

/// After all operations: no empty values, extension objects under their
/// canonical URN, and `schemas` listing the core schema and the extensions
/// present.
fn tidy(object: &mut Map<String, Value>, schema: &ResourceSchema) {
    for (ext, _) in &schema.extensions {
        if let Some(Value::Object(mut members)) = take(object, &ext.id) {
            members.retain(|_, value| !is_unassigned(value));
            if !members.is_empty() {
                object.insert(ext.id.clone(), Value::Object(members));
            }
        }
    }
    object.retain(|key, value| key == "schemas" || !is_unassigned(value));
    let listed = take(object, "schemas");
    let schemas = schema.schemas_value(listed.as_ref(), |urn| object.contains_key(urn));
    object.insert("schemas".into(), schemas);
}

#[cfg(test)]
mod tests;
