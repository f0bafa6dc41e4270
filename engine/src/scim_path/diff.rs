//! What must change in the target: the desired attributes that differ from
//! the target's current ones, compared the way SCIM targets store values
//! (case-insensitive text, `"True"` equal to `true`, lists as sets).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TargetAttributes;
use crate::value::Value;

/// One target attribute to change: `old` is the current value (`Null` when
/// absent), `new` the desired one (`Null` to clear it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    /// Shared with the mapping it comes from, so changes copy no path text.
    pub path: Arc<str>,
    pub old: Value,
    pub new: Value,
    /// `new` is `old` with elements added and none removed
    /// (`AppRoleAssignmentsComplex`): a target that takes PATCH is sent only
    /// the added elements with `add`, the others write `new` whole.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub add_only: bool,
}

impl AttributeChange {
    /// The elements of `new` that `old` lacks (every element of `new` when
    /// it is not multi-valued or `old` is empty).
    pub fn added(&self) -> Vec<Value> {
        let have: &[Value] = match &self.old {
            Value::Multi(items) => items,
            Value::Null => &[],
            single => std::slice::from_ref(single),
        };
        let wanted: &[Value] = match &self.new {
            Value::Multi(items) => items,
            Value::Null => &[],
            single => std::slice::from_ref(single),
        };
        wanted
            .iter()
            .filter(|w| !have.iter().any(|h| same(w, h, false)))
            .cloned()
            .collect()
    }

    /// The change that adds `wanted`'s elements to `current` and removes
    /// none, or `None` when `current` already holds them all.
    pub fn adding(path: Arc<str>, current: &Value, wanted: &Value) -> Option<AttributeChange> {
        let mut probe = AttributeChange {
            path,
            old: current.clone(),
            new: wanted.clone(),
            add_only: true,
        };
        let added = probe.added();
        if added.is_empty() {
            return None;
        }
        let mut merged = match current {
            Value::Multi(items) => items.clone(),
            Value::Null => Vec::new(),
            single => vec![single.clone()],
        };
        merged.extend(added);
        probe.new = Value::Multi(merged);
        Some(probe)
    }
}

/// One change per desired path whose value differs from the current one,
/// ordered by path. Text compares case-insensitively unless
/// `case_exact(path)`; booleans and numbers compare by their text forms;
/// multi-valued values compare as sets; complex values field by field (the
/// fields the desired value names); date-times as instants. Null, the empty
/// string and the empty list are all "no value": a desired `Null` is a change
/// only when the current value is present and not empty. Paths only in
/// `current` are left alone.
///
/// ```
/// use provisio_engine::scim_path::{TargetAttributes, diff};
/// use provisio_engine::Value;
///
/// let desired = TargetAttributes::from([("active".into(), Value::str("True")), ("title".into(), Value::str("CEO"))]);
/// let current = TargetAttributes::from([("active".into(), Value::Bool(true)), ("title".into(), Value::str("CTO"))]);
/// let changes = diff(&desired, &current, &|_| false);
/// assert_eq!(changes.len(), 1);
/// assert_eq!(&*changes[0].path, "title");
/// ```
pub fn diff(
    desired: &TargetAttributes,
    current: &TargetAttributes,
    case_exact: &dyn Fn(&str) -> bool,
) -> Vec<AttributeChange> {
    desired
        .iter()
        .filter_map(|(path, new)| {
            let old = current.get(path).unwrap_or(&Value::Null);
            (!same(new, old, case_exact(path))).then(|| AttributeChange {
                path: Arc::from(path.as_str()),
                old: old.clone(),
                new: new.clone(),
                add_only: false,
            })
        })
        .collect()
}

/// Whether the current value already is what the desired value asks for.
pub(crate) fn same(desired: &Value, current: &Value, case_exact: bool) -> bool {
    match (desired, current) {
        (Value::Null, current) => current.is_null_or_empty(),
        (desired, Value::Null) => desired.is_null_or_empty(),
        (Value::Multi(wanted), Value::Multi(have)) => same_set(wanted, have, case_exact),
        (Value::Multi(wanted), have) => same_set(wanted, std::slice::from_ref(have), case_exact),
        (wanted, Value::Multi(have)) => same_set(std::slice::from_ref(wanted), have, case_exact),
        (Value::Complex(wanted), Value::Complex(have)) => wanted.iter().all(|(field, value)| {
            let current = have
                .get(field)
                .or_else(|| have.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)).map(|(_, v)| v))
                .unwrap_or(&Value::Null);
            same(value, current, case_exact)
        }),
        // A reference against the `{"value": id, "$ref": …}` a target returns.
        (Value::Reference(_), Value::Complex(have)) => have
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("value"))
            .is_some_and(|(_, id)| same(desired, id, case_exact)),
        (Value::Complex(_), _) | (_, Value::Complex(_)) => false,
        (wanted, have) => same_scalar(wanted, have, case_exact),
    }
}

/// Every desired element is present and every current element is desired.
fn same_set(wanted: &[Value], have: &[Value], case_exact: bool) -> bool {
    let wanted: Vec<&Value> = wanted.iter().filter(|v| !v.is_null()).collect();
    let have: Vec<&Value> = have.iter().filter(|v| !v.is_null()).collect();
    wanted.iter().all(|w| have.iter().any(|h| same(w, h, case_exact)))
        && have.iter().all(|h| wanted.iter().any(|w| same(w, h, case_exact)))
}

fn same_scalar(wanted: &Value, have: &Value, case_exact: bool) -> bool {
    if let (Value::DateTime(a), b) | (b, Value::DateTime(a)) = (wanted, have) {
        return match b {
            Value::DateTime(b) => a == b,
            other => other.as_text().is_some_and(|text| {
                DateTime::parse_from_rfc3339(text.trim()).map_or_else(
                    |_| {
                        text.trim()
                            .eq_ignore_ascii_case(&crate::value::format_entra_datetime(a))
                    },
                    |b| b.with_timezone(&Utc) == *a,
                )
            }),
        };
    }
    let (Some(a), Some(b)) = (wanted.as_text(), have.as_text()) else {
        return false;
    };
    // Booleans and numbers have no case: "True" equals true even when exact.
    let textual = |v: &Value| matches!(v, Value::Str(_) | Value::Reference(_));
    if case_exact && textual(wanted) && textual(have) {
        a == b
    } else {
        a == b || a.to_lowercase() == b.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactness_applies_to_text_only() {
        assert!(!same(&Value::str("Ab"), &Value::str("ab"), true));
        assert!(same(&Value::str("Ab"), &Value::str("ab"), false));
        assert!(same(&Value::str("true"), &Value::Bool(true), true));
    }
}
