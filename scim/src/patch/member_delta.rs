//! A Group PatchOp that only adds and removes members, read as the ids it
//! adds and removes, so a server can apply it to its member list by
//! difference instead of rewriting the whole list (RFC 7644 §3.5.2.1 and
//! §3.5.2.2, and Entra ID's `Remove` with a `value` list).

use std::collections::HashSet;

use serde_json::Value;

use super::members::find_in;
use super::{Op, PatchOperation};
use crate::filter::{CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::GROUP_URN;

/// The members a PatchOp adds and removes, each id once, the last
/// operation on an id deciding which. Removed ids are lower-cased, as a
/// remove matches member ids ignoring case (`members.value` is not
/// `caseExact`); added ids are kept as sent, since they must name an object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberDelta {
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// The delta of operations that all add or remove members by id; `None`
/// when any operation does something else (replaces members, removes them
/// all, adds values that are more than an id, touches another attribute):
/// such a PatchOp is applied to the whole resource.
pub fn member_delta(operations: &[PatchOperation]) -> Option<MemberDelta> {
    let mut add: Vec<String> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    for operation in operations {
        let path = operation.path.as_ref().filter(|path| names_members(&path.path))?;
        let (ids, into_add) = match (operation.op, &path.filter, &operation.value) {
            (Op::Add, None, Some(value)) => (value_ids(value)?, true),
            (Op::Remove, None, Some(value)) if !value.is_null() => (lowercase(value_ids(value)?), false),
            (Op::Remove, Some(filter), None) => (vec![filtered_id(filter)?.to_lowercase()], false),
            _ => return None,
        };
        if ids.is_empty() {
            return None;
        }
        for id in ids {
            let lower = id.to_lowercase();
            add.retain(|held| held.to_lowercase() != lower);
            remove.retain(|held| *held != lower);
            if into_add {
                add.push(id);
            } else {
                remove.push(lower);
            }
        }
    }
    Some(MemberDelta {
        add: distinct(add),
        remove: distinct(remove),
    })
}

/// `members` (or `urn:…:core:2.0:Group:members`) itself, no sub-attribute.
fn names_members(path: &AttrPath) -> bool {
    path.attr.eq_ignore_ascii_case("members")
        && path.sub_attr.is_none()
        && path
            .urn
            .as_deref()
            .is_none_or(|urn| urn.eq_ignore_ascii_case(GROUP_URN))
}

/// `[{"value": id}, …]` or one such object; members may also carry their
/// `$ref`, `type` and `display`, which say nothing an id does not.
fn value_ids(value: &Value) -> Option<Vec<String>> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => return None,
    };
    items
        .iter()
        .map(|item| {
            let object = item.as_object()?;
            let known = ["value", "$ref", "type", "display"];
            if !object
                .keys()
                .all(|key| known.iter().any(|k| k.eq_ignore_ascii_case(key)))
            {
                return None;
            }
            find_in(item, "value")?.as_str().map(str::to_owned)
        })
        .collect()
}

/// The id of `members[value eq "id"]`.
fn filtered_id(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub_attr.is_none() && path.attr.eq_ignore_ascii_case("value") => value.as_str(),
        _ => None,
    }
}

fn lowercase(ids: Vec<String>) -> Vec<String> {
    ids.into_iter().map(|id| id.to_lowercase()).collect()
}

fn distinct(ids: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.into_iter().filter(|id| seen.insert(id.clone())).collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn delta(operations: serde_json::Value) -> Option<MemberDelta> {
        let body = json!({"schemas": [super::super::PATCH_OP_URN], "Operations": operations});
        member_delta(&super::super::parse(&body, &crate::schema::group_schema()).unwrap())
    }

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn adds_and_removes_in_every_form_the_rfc_and_entra_send() {
        let found = delta(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2", "$ref": null, "type": "User"}]},
            {"op": "remove", "path": "members[value eq \"U3\"]"},
            {"op": "Remove", "path": "members", "value": [{"value": "u4"}]},
            {"op": "Add", "path": "urn:ietf:params:scim:schemas:core:2.0:Group:members", "value": {"value": "u5"}}
        ]));
        assert_eq!(
            found,
            Some(MemberDelta {
                add: ids(&["u1", "u2", "u5"]),
                remove: ids(&["u3", "u4"])
            })
        );
    }

    #[test]
    fn the_last_operation_on_an_id_decides() {
        let found = delta(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
            {"op": "remove", "path": "members[value eq \"u1\"]"},
            {"op": "remove", "path": "members", "value": [{"value": "u2"}]},
            {"op": "add", "path": "members", "value": [{"value": "u2"}]}
        ]));
        assert_eq!(
            found,
            Some(MemberDelta {
                add: ids(&["u2"]),
                remove: ids(&["u1"])
            })
        );
    }

    #[test]
    fn anything_else_is_applied_to_the_whole_resource() {
        for operations in [
            json!([{"op": "replace", "path": "members", "value": [{"value": "u1"}]}]),
            json!([{"op": "remove", "path": "members"}]),
            json!([{"op": "add", "path": "members", "value": []}]),
            json!([{"op": "add", "path": "members", "value": [{"value": "u1", "color": "red"}]}]),
            json!([{"op": "add", "path": "members", "value": [{"value": 7}]}]),
            json!([{"op": "remove", "path": "members[type eq \"User\"]"}]),
            json!([{"op": "remove", "path": "members[value ne \"u1\"]"}]),
            json!([{"op": "add", "value": {"members": [{"value": "u1"}]}}]),
            json!([{"op": "add", "path": "members", "value": [{"value": "u1"}]},
                   {"op": "replace", "path": "displayName", "value": "Staff"}]),
        ] {
            assert_eq!(delta(operations.clone()), None, "{operations}");
        }
    }
}
