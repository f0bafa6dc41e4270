//! Functions over multi-valued attributes: Count, Item, Join, RemoveDuplicates,
//! Split, and the app-role functions that build SCIM role values.

use std::collections::BTreeMap;

use crate::value::Value;

pub(crate) fn count(value: &Value) -> i64 {
    match value {
        Value::Null => 0,
        Value::Multi(items) => i64::try_from(items.len()).unwrap_or(i64::MAX),
        _ => 1,
    }
}

/// The value at a 1-based index; a single value is a list of one.
pub(crate) fn item(value: &Value, index: i64) -> Value {
    let Some(position) = usize::try_from(index).ok().and_then(|i| i.checked_sub(1)) else {
        return Value::Null;
    };
    match value {
        Value::Multi(items) => items.get(position).cloned().unwrap_or_default(),
        Value::Null => Value::Null,
        single if position == 0 => single.clone(),
        _ => Value::Null,
    }
}

/// Joins every non-empty value (multi-valued sources contribute each of
/// theirs) with the separator. Null only when every source is null.
pub(crate) fn join<'v>(separator: &str, sources: impl Iterator<Item = &'v Value>) -> Value {
    let mut out = String::new();
    let mut any = false;
    let mut first = true;
    let mut push = |value: &Value, out: &mut String| {
        if let Some(text) = value.as_text().filter(|t| !t.is_empty()) {
            if !first {
                out.push_str(separator);
            }
            out.push_str(&text);
            first = false;
        }
    };
    for source in sources {
        match source {
            Value::Null => {}
            Value::Multi(items) => {
                any = true;
                for item in items {
                    push(item, &mut out);
                }
            }
            other => {
                any = true;
                push(other, &mut out);
            }
        }
    }
    if any { Value::Str(out) } else { Value::Null }
}

pub(crate) fn remove_duplicates(value: &Value) -> Value {
    match value {
        Value::Multi(items) => {
            let mut unique: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                if !unique.contains(item) {
                    unique.push(item.clone());
                }
            }
            Value::Multi(unique)
        }
        other => other.clone(),
    }
}

/// Splits at every delimiter, trimming the white space around each part as
/// Entra's documented example shows. The empty string has no parts.
pub(crate) fn split(source: &str, delimiter: &str) -> Value {
    if source.is_empty() {
        return Value::Multi(Vec::new());
    }
    if delimiter.is_empty() {
        return Value::Multi(vec![Value::str(source.trim())]);
    }
    Value::Multi(source.split(delimiter).map(|part| Value::str(part.trim())).collect())
}

/// One role's value and display name, from either a plain role name or an
/// assignment object (`{ "value": …, "displayName": … }`).
fn role(value: &Value) -> Option<(String, String)> {
    match value {
        Value::Complex(map) => {
            let text = |key: &str| map.get(key).and_then(Value::as_text).map(|t| t.into_owned());
            let role_value = text("value").or_else(|| text("displayName")).or_else(|| text("id"))?;
            let display = text("displayName").unwrap_or_else(|| role_value.clone());
            Some((role_value, display))
        }
        other => {
            let text = other.as_text()?.into_owned();
            Some((text.clone(), text))
        }
    }
}

fn roles(value: &Value) -> Vec<(String, String)> {
    match value {
        Value::Multi(items) => items.iter().filter_map(role).collect(),
        Value::Null => Vec::new(),
        single => role(single).into_iter().collect(),
    }
}

/// SCIM role objects for AppRoleAssignmentsComplex and its assertive form.
/// The assertive form turns "no roles" into an empty list so that the
/// target's roles are cleared; the other sends nothing.
pub(crate) fn app_role_objects(value: &Value, assertive: bool) -> Value {
    let roles = roles(value);
    if roles.is_empty() && !assertive {
        return Value::Null;
    }
    Value::Multi(
        roles
            .into_iter()
            .map(|(role_value, display)| {
                // RFC 7643's `display`: Entra's non-assertive form writes
                // `displayName`, which strict SCIM servers refuse.
                Value::Complex(BTreeMap::from([
                    ("display".to_owned(), Value::Str(display)),
                    ("primary".to_owned(), Value::Bool(false)),
                    ("type".to_owned(), Value::str("WindowsAzureActiveDirectoryRole")),
                    ("value".to_owned(), Value::Str(role_value)),
                ]))
            })
            .collect(),
    )
}

/// The first role's value, or null.
pub(crate) fn single_app_role(value: &Value) -> Value {
    roles(value)
        .into_iter()
        .next()
        .map_or(Value::Null, |(role_value, _)| Value::Str(role_value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Value {
        Value::Multi(items.iter().map(|s| Value::str(*s)).collect())
    }

    #[test]
    fn counts() {
        assert_eq!(count(&Value::Null), 0);
        assert_eq!(count(&Value::str("")), 1);
        assert_eq!(count(&list(&["a", "b", "c"])), 3);
        assert_eq!(count(&list(&[])), 0);
    }

    #[test]
    fn items_are_one_based() {
        let v = list(&["a", "b"]);
        assert_eq!(item(&v, 1), Value::str("a"));
        assert_eq!(item(&v, 2), Value::str("b"));
        assert_eq!(item(&v, 3), Value::Null);
        assert_eq!(item(&v, 0), Value::Null);
        assert_eq!(item(&v, -1), Value::Null);
        assert_eq!(item(&Value::str("x"), 1), Value::str("x"));
        assert_eq!(item(&Value::str("x"), 2), Value::Null);
        assert_eq!(item(&Value::Null, 1), Value::Null);
    }

    #[test]
    fn join_skips_null_and_empty_sources() {
        let j = |sources: &[Value]| join(", ", sources.iter());
        assert_eq!(
            j(&[Value::str(""), Value::str("Doe"), Value::str("John")]),
            Value::str("Doe, John")
        );
        assert_eq!(j(&[Value::Null, Value::str("a"), Value::Null]), Value::str("a"));
        assert_eq!(j(&[list(&["x", "", "y"]), Value::Int(3)]), Value::str("x, y, 3"));
        assert_eq!(j(&[Value::Null, Value::Null]), Value::Null);
        assert_eq!(j(&[Value::str(""), Value::Null]), Value::str(""));
        assert_eq!(j(&[Value::Bool(true)]), Value::str("True"));
    }

    #[test]
    fn remove_duplicates_keeps_the_first() {
        assert_eq!(
            remove_duplicates(&list(&["b", "a", "b", "c", "a"])),
            list(&["b", "a", "c"])
        );
        assert_eq!(remove_duplicates(&Value::Null), Value::Null);
        assert_eq!(remove_duplicates(&Value::str("x")), Value::str("x"));
    }

    #[test]
    fn split_trims_parts() {
        assert_eq!(
            split("PermissionSetOne, PermissionSetTwo", ","),
            list(&["PermissionSetOne", "PermissionSetTwo"])
        );
        assert_eq!(split("a,,b", ","), list(&["a", "", "b"]));
        assert_eq!(split("a::b", "::"), list(&["a", "b"]));
        assert_eq!(split("", ","), list(&[]));
        assert_eq!(split("ab", ""), list(&["ab"]));
    }

    #[test]
    fn app_roles() {
        let assignments = Value::Multi(vec![
            Value::str("Admin"),
            Value::from_json(serde_json::json!({"id": "06b0", "value": "User", "displayName": "Standard user"})),
        ]);
        let out = app_role_objects(&assignments, false).to_json();
        assert_eq!(
            out,
            serde_json::json!([
                {"display": "Admin", "primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"},
                {"display": "Standard user", "primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "User"}
            ])
        );
        assert_eq!(app_role_objects(&Value::Null, false), Value::Null);
        assert_eq!(app_role_objects(&Value::Null, true), Value::Multi(vec![]));
        assert_eq!(single_app_role(&assignments), Value::str("Admin"));
        assert_eq!(single_app_role(&Value::Null), Value::Null);
    }
}
