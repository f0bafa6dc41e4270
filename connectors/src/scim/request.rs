//! The bodies and filters the SCIM client sends, in two dialects: RFC 7644
//! (lower-case ops, real booleans, member removal by value-filter path) and
//! the Entra style many SaaS apps were built against (reference §9: `Add`,
//! `Replace`, `Remove`, booleans as `"True"`/`"False"`, member removal with a
//! value array). Also the flattening of a returned resource into the
//! path → value map the engine compares.

use std::collections::BTreeMap;

use provisio_engine::Value;
use provisio_engine::scim_path::{
    AttributeChange, FilterValue, TargetAttributes, TargetPath, ValueFilter, from_resource,
};
use serde_json::{Map, Value as Json, json};

use crate::ConnectorError;

pub(super) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Which requests to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    Rfc7644,
    Entra,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Add,
    Replace,
    Remove,
}

impl Dialect {
    /// §9: Entra capitalises its ops ("Case-insensitive `op` values, because
    /// Entra sends `Add`/`Replace`/`Remove`"); RFC 7644 §3.5.2 spells them
    /// lower-case.
    fn op(self, op: Op) -> &'static str {
        match (self, op) {
            (Dialect::Rfc7644, Op::Add) => "add",
            (Dialect::Rfc7644, Op::Replace) => "replace",
            (Dialect::Rfc7644, Op::Remove) => "remove",
            (Dialect::Entra, Op::Add) => "Add",
            (Dialect::Entra, Op::Replace) => "Replace",
            (Dialect::Entra, Op::Remove) => "Remove",
        }
    }

    /// A boolean in a PATCH value. §9 (Disable row): without the
    /// aadOptscim062020 flag Entra sends `"value":"False"`, a string.
    fn boolean(self, b: bool) -> Json {
        match self {
            Dialect::Rfc7644 => Json::Bool(b),
            Dialect::Entra => Json::String(if b { "True" } else { "False" }.into()),
        }
    }
}

fn patch(operations: Vec<Json>) -> Json {
    json!({ "schemas": [PATCH_OP], "Operations": operations })
}

/// One PATCH with all of an object's changes: `remove` for a cleared value,
/// `add` for a value the object lacks, `replace` otherwise.
///
/// RFC 7644: a new element of a multi-valued attribute addressed by a value
/// filter (`emails[type eq "work"].value` with no work e-mail yet) is added
/// as a whole element (`{"op":"add","path":"emails","value":[{"type":"work",
/// "value":…}]}`), one per element even when several of its sub-attributes
/// change, because a filter that selects nothing is no target for `add`
/// (§3.5.2.1). Entra (§9, Update attrs and "add a single-valued string"):
/// one `Add`/`Replace`/`Remove` per path, filtered paths as they are.
pub(super) fn update_body(dialect: Dialect, changes: &[AttributeChange]) -> Json {
    let mut operations = Vec::new();
    // New elements of filtered multi-valued attributes, by attribute then filter.
    let mut elements: BTreeMap<(String, String), Map<String, Json>> = BTreeMap::new();
    for change in changes {
        let path_text: &str = &change.path;
        let path = TargetPath::parse(path_text).ok();
        if change.new.is_null_or_empty() {
            operations.push(json!({ "op": dialect.op(Op::Remove), "path": path_text }));
            continue;
        }
        if change.add_only && !change.old.is_null_or_empty() {
            let added = patch_value(dialect, path.as_ref(), &Value::Multi(change.added()));
            operations.push(json!({ "op": dialect.op(Op::Add), "path": path_text, "value": added }));
            continue;
        }
        let value = patch_value(dialect, path.as_ref(), &change.new);
        if !change.old.is_null_or_empty() {
            operations.push(json!({ "op": dialect.op(Op::Replace), "path": path_text, "value": value }));
            continue;
        }
        match (dialect, path.as_ref().and_then(|p| p.filter.as_ref().map(|f| (p, f)))) {
            (Dialect::Rfc7644, Some((path, filter))) => {
                let attribute = match &path.schema {
                    Some(schema) => format!("{schema}:{}", path.attribute),
                    None => path.attribute.clone(),
                };
                let element = elements.entry((attribute, filter_text(filter))).or_default();
                match (&path.sub_attribute, value) {
                    (Some(sub), value) => {
                        element.insert(sub.clone(), value);
                    }
                    (None, Json::Object(fields)) => element.extend(fields),
                    (None, value) => {
                        element.insert("value".into(), value);
                    }
                }
                element.insert(filter.attribute.clone(), filter_element_value(filter));
            }
            _ => operations.push(json!({ "op": dialect.op(Op::Add), "path": path_text, "value": value })),
        }
    }
    for ((attribute, _), element) in elements {
        operations.push(json!({ "op": "add", "path": attribute, "value": [Json::Object(element)] }));
    }
    patch(operations)
}

/// Disabling: `active` set to false. §9 Disable row: Entra sends
/// `{"op":"Replace","path":"active","value":"False"}`; with aadOptscim062020
/// (and RFC 7644) `{"op":"replace","path":"active","value":false}`.
pub(super) fn disable_body(dialect: Dialect) -> Json {
    patch(vec![
        json!({ "op": dialect.op(Op::Replace), "path": "active", "value": dialect.boolean(false) }),
    ])
}

/// Adding members: one op with all of the batch's ids. §9 Add members:
/// Entra sends `{"op":"Add","path":"members","value":[{"$ref":null,"value":id}]}`.
pub(super) fn add_members_body(dialect: Dialect, ids: &[String]) -> Json {
    let value: Vec<Json> = ids
        .iter()
        .map(|id| match dialect {
            Dialect::Rfc7644 => json!({ "value": id }),
            Dialect::Entra => json!({ "$ref": null, "value": id }),
        })
        .collect();
    patch(vec![
        json!({ "op": dialect.op(Op::Add), "path": "members", "value": value }),
    ])
}

/// Removing members. RFC 7644 §3.5.2.2 (and §9 with aadOptscim062020): one
/// `remove` per member with the path `members[value eq "id"]`. §9 Remove
/// members, Entra's default: `{"op":"Remove","path":"members","value":[{"value":id}]}`.
pub(super) fn remove_members_body(dialect: Dialect, ids: &[String]) -> Json {
    match dialect {
        Dialect::Rfc7644 => patch(
            ids.iter()
                .map(|id| json!({ "op": "remove", "path": format!("members[value eq {}]", quote(id)) }))
                .collect(),
        ),
        Dialect::Entra => {
            let value: Vec<Json> = ids.iter().map(|id| json!({ "value": id })).collect();
            patch(vec![json!({ "op": "Remove", "path": "members", "value": value })])
        }
    }
}

/// A value as it goes into a PATCH op: references in `manager` and `members`
/// as `{"value": id}`, booleans in the dialect's form, date-times in RFC 3339
/// for RFC 7644 (Entra's own text form otherwise).
fn patch_value(dialect: Dialect, path: Option<&TargetPath>, value: &Value) -> Json {
    let wraps = path.is_some_and(|p| {
        p.filter.is_none()
            && p.sub_attribute.is_none()
            && (p.attribute.eq_ignore_ascii_case("manager") || p.attribute.eq_ignore_ascii_case("members"))
    });
    match value {
        Value::Reference(id) if wraps => json!({ "value": id }),
        Value::Bool(b) => dialect.boolean(*b),
        Value::DateTime(dt) if dialect == Dialect::Rfc7644 => {
            Json::String(dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        }
        Value::Multi(items) => Json::Array(
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| patch_value(dialect, path, v))
                .collect(),
        ),
        other => other.to_json(),
    }
}

/// A JSON string literal: the escaping RFC 7644 §3.4.2.2 filters use.
pub(super) fn quote(text: &str) -> String {
    Json::String(text.to_owned()).to_string()
}

fn filter_literal(value: &FilterValue) -> Json {
    match value {
        FilterValue::Text(text) => Json::String(text.clone()),
        FilterValue::Boolean(b) => Json::Bool(*b),
    }
}

/// The filter's value as written into a new element (`primary` a boolean).
fn filter_element_value(filter: &ValueFilter) -> Json {
    match &filter.value {
        FilterValue::Text(text) if filter.attribute.eq_ignore_ascii_case("primary") => {
            Json::Bool(text.eq_ignore_ascii_case("true"))
        }
        other => filter_literal(other),
    }
}

fn filter_text(filter: &ValueFilter) -> String {
    let value = match &filter.value {
        FilterValue::Text(text) => quote(text),
        FilterValue::Boolean(b) => b.to_string(),
    };
    format!("{} eq {value}", filter.attribute)
}

/// The filter finding objects whose `target_attribute` equals `value`.
/// A filtered path becomes, for RFC 7644 (§3.4.2.2 valuePath),
/// `emails[type eq "work" and value eq "x"]`; Entra (§9 Find user) writes
/// `emails[type eq "work"].value eq "x"`.
pub(super) fn equality_filter(
    dialect: Dialect,
    target_attribute: &str,
    value: &Value,
) -> Result<String, ConnectorError> {
    let literal = filter_value(value)?;
    let invalid = |e: provisio_engine::scim_path::PathError| ConnectorError::Invalid {
        detail: format!("`{target_attribute}` is not a SCIM attribute path: {e:?}"),
    };
    let path = TargetPath::parse(target_attribute).map_err(invalid)?;
    match (&path.filter, &path.sub_attribute, dialect) {
        (Some(filter), Some(sub), Dialect::Rfc7644) => {
            let attribute = match &path.schema {
                Some(schema) => format!("{schema}:{}", path.attribute),
                None => path.attribute.clone(),
            };
            Ok(format!("{attribute}[{} and {sub} eq {literal}]", filter_text(filter)))
        }
        _ => Ok(format!("{} eq {literal}", path.canonical())),
    }
}

/// A filter comparison value: strings quoted and escaped, booleans and
/// numbers bare. A multi-valued value compares its first element.
fn filter_value(value: &Value) -> Result<String, ConnectorError> {
    match value {
        Value::Bool(b) => Ok(b.to_string()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Str(s) | Value::Reference(s) => Ok(quote(s)),
        Value::DateTime(dt) => Ok(quote(&dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))),
        Value::Multi(items) => match items.iter().find(|v| !v.is_null()) {
            Some(first) => filter_value(first),
            None => Err(no_filter_value("an empty list")),
        },
        Value::Null => Err(no_filter_value("null")),
        Value::Complex(_) => Err(no_filter_value("a complex value")),
    }
}

fn no_filter_value(what: &str) -> ConnectorError {
    ConnectorError::Invalid {
        detail: format!("cannot look for {what} in a SCIM filter"),
    }
}

/// Every attribute of a returned resource as path → value: plain and complex
/// attributes (`name.givenName`), elements of multi-valued attributes by
/// their `type` (`emails[type eq "work"].value`), extension attributes under
/// their schema URN, `manager` and `members` as references. `id`, `schemas`
/// and `meta` are left out.
pub(super) fn flatten(resource: &Json) -> TargetAttributes {
    let mut paths = Vec::new();
    if let Some(object) = resource.as_object() {
        for (key, value) in object {
            if ["id", "schemas", "meta"].iter().any(|k| k.eq_ignore_ascii_case(key)) {
                continue;
            }
            if key.contains(':')
                && let Some(extension) = value.as_object()
            {
                for (attribute, value) in extension {
                    collect_paths(Some(key), attribute, value, &mut paths);
                }
            } else {
                collect_paths(None, key, value, &mut paths);
            }
        }
    }
    from_resource(resource, &paths)
}

fn collect_paths(schema: Option<&str>, attribute: &str, value: &Json, paths: &mut Vec<TargetPath>) {
    let path = |filter: Option<ValueFilter>, sub: Option<&str>| TargetPath {
        schema: schema.map(str::to_owned),
        attribute: attribute.to_owned(),
        filter,
        sub_attribute: sub.map(str::to_owned),
    };
    paths.push(path(None, None));
    match value {
        Json::Object(fields) => paths.extend(fields.keys().map(|sub| path(None, Some(sub)))),
        Json::Array(elements) => {
            for element in elements.iter().filter_map(Json::as_object) {
                let Some(kind) = element.get("type").and_then(Json::as_str) else {
                    continue;
                };
                let filter = ValueFilter {
                    attribute: "type".into(),
                    value: FilterValue::Text(kind.to_owned()),
                };
                for sub in element.keys().filter(|k| k.as_str() != "type") {
                    paths.push(path(Some(filter.clone()), Some(sub)));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn change(path: &str, old: Value, new: Value) -> AttributeChange {
        AttributeChange {
            path: Arc::from(path),
            old,
            new,
            add_only: false,
        }
    }

    fn changes() -> Vec<AttributeChange> {
        vec![
            change("displayName", Value::str("Zoe"), Value::str("Zoë")),
            change(
                r#"emails[type eq "work"].value"#,
                Value::Null,
                Value::str("z@acme.example"),
            ),
            change(r#"emails[type eq "work"].primary"#, Value::Null, Value::Bool(true)),
            change("nickName", Value::Null, Value::str("Babs")),
            change("title", Value::str("CTO"), Value::Null),
            change("active", Value::Bool(false), Value::Bool(true)),
        ]
    }

    #[test]
    fn rfc7644_update_is_one_patch_with_lower_case_ops() {
        assert_eq!(
            update_body(Dialect::Rfc7644, &changes()),
            json!({
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "replace", "path": "displayName", "value": "Zoë"},
                    {"op": "add", "path": "nickName", "value": "Babs"},
                    {"op": "remove", "path": "title"},
                    {"op": "replace", "path": "active", "value": true},
                    {"op": "add", "path": "emails", "value": [{"type": "work", "value": "z@acme.example", "primary": true}]},
                ]
            })
        );
    }

    #[test]
    fn entra_update_capitalises_ops_and_stringifies_booleans() {
        assert_eq!(
            update_body(Dialect::Entra, &changes()),
            json!({
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "Replace", "path": "displayName", "value": "Zoë"},
                    {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "z@acme.example"},
                    {"op": "Add", "path": "emails[type eq \"work\"].primary", "value": "True"},
                    {"op": "Add", "path": "nickName", "value": "Babs"},
                    {"op": "Remove", "path": "title"},
                    {"op": "Replace", "path": "active", "value": "True"},
                ]
            })
        );
    }

    #[test]
    fn references_are_wrapped_and_replaced_filters_stay_paths() {
        let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";
        let body = update_body(
            Dialect::Rfc7644,
            &[
                change(manager, Value::Null, Value::Reference("m1".into())),
                change(r#"emails[type eq "work"].value"#, Value::str("a@x"), Value::str("b@x")),
            ],
        );
        assert_eq!(
            body["Operations"],
            json!([
                {"op": "add", "path": manager, "value": {"value": "m1"}},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x"},
            ])
        );
    }

    #[test]
    fn added_roles_are_sent_with_add_and_asserted_ones_with_replace() {
        let role = |name: &str| {
            Value::Complex(BTreeMap::from([
                ("primary".to_owned(), Value::Bool(false)),
                ("value".to_owned(), Value::str(name)),
            ]))
        };
        let held = Value::Multi(vec![role("User")]);
        let added = AttributeChange::adding("roles".into(), &held, &Value::Multi(vec![role("Admin")])).unwrap();
        assert_eq!(added.new, Value::Multi(vec![role("User"), role("Admin")]));
        let asserted = change("roles", held.clone(), Value::Multi(vec![role("Admin")]));
        assert_eq!(
            update_body(Dialect::Rfc7644, &[added, asserted])["Operations"],
            json!([
                {"op": "add", "path": "roles", "value": [{"primary": false, "value": "Admin"}]},
                {"op": "replace", "path": "roles", "value": [{"primary": false, "value": "Admin"}]},
            ])
        );
        assert!(AttributeChange::adding("roles".into(), &held, &Value::Multi(vec![role("User")])).is_none());
    }

    #[test]
    fn disable_bodies() {
        assert_eq!(
            disable_body(Dialect::Rfc7644)["Operations"],
            json!([{"op": "replace", "path": "active", "value": false}])
        );
        assert_eq!(
            disable_body(Dialect::Entra)["Operations"],
            json!([{"op": "Replace", "path": "active", "value": "False"}])
        );
    }

    #[test]
    fn member_bodies() {
        let ids = vec!["u1".to_owned(), "u\"2".to_owned()];
        assert_eq!(
            add_members_body(Dialect::Rfc7644, &ids)["Operations"],
            json!([{"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u\"2"}]}])
        );
        assert_eq!(
            add_members_body(Dialect::Entra, &ids)["Operations"],
            json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "u1"}, {"$ref": null, "value": "u\"2"}]}])
        );
        assert_eq!(
            remove_members_body(Dialect::Rfc7644, &ids)["Operations"],
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "remove", "path": "members[value eq \"u\\\"2\"]"},
            ])
        );
        assert_eq!(
            remove_members_body(Dialect::Entra, &ids)["Operations"],
            json!([{"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u\"2"}]}])
        );
    }

    fn filter_ok(dialect: Dialect, path: &str, value: Value, expected: &str) {
        assert_eq!(equality_filter(dialect, path, &value).unwrap(), expected);
    }

    #[test]
    fn filters_escape_values() {
        use Dialect::*;
        filter_ok(Rfc7644, "userName", Value::str(r#"a"b\c"#), r#"userName eq "a\"b\\c""#);
        filter_ok(Rfc7644, "active", Value::Bool(true), "active eq true");
        filter_ok(Rfc7644, "externalId", Value::Int(42), "externalId eq 42");
        filter_ok(
            Rfc7644,
            r#"emails[type eq "work"].value"#,
            Value::str("z@x"),
            r#"emails[type eq "work" and value eq "z@x"]"#,
        );
        filter_ok(
            Entra,
            r#"emails[type eq "work"].value"#,
            Value::str("z@x"),
            r#"emails[type eq "work"].value eq "z@x""#,
        );
        filter_ok(
            Rfc7644,
            "userName",
            Value::Multi(vec![Value::str("a")]),
            r#"userName eq "a""#,
        );
        assert!(matches!(
            equality_filter(Rfc7644, "userName", &Value::Null),
            Err(ConnectorError::Invalid { .. })
        ));
    }

    #[test]
    fn flatten_reads_paths_the_engine_uses() {
        let resource = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "1",
            "userName": "zoe",
            "active": true,
            "name": {"givenName": "Zoë"},
            "emails": [{"type": "work", "value": "z@x", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m1"}, "department": "R&D"},
        });
        let flat = flatten(&resource);
        assert_eq!(flat["userName"], Value::str("zoe"));
        assert_eq!(flat["active"], Value::Bool(true));
        assert_eq!(flat["name.givenName"], Value::str("Zoë"));
        assert_eq!(flat[r#"emails[type eq "work"].value"#], Value::str("z@x"));
        assert_eq!(
            flat["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"],
            Value::Reference("m1".into())
        );
        assert_eq!(
            flat["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"],
            Value::str("R&D")
        );
        assert!(!flat.contains_key("id"));
    }
}
