//! Truth, comparison and bit logic: how IIF conditions, CBool, Not and the
//! comparison operators read values.

use std::cmp::Ordering;

use crate::expr::ast::CompareOp;
use crate::expr::functions::parse_datetime;
use crate::value::Value;

/// Whether a value counts as true: `true`, the text "True" (any case) or a
/// non-zero number. Null and everything else are false.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Int(n) => *n != 0,
        Value::Str(s) => {
            let s = s.trim();
            s.eq_ignore_ascii_case("true") || s.parse::<i64>().is_ok_and(|n| n != 0)
        }
        Value::Multi(items) if items.len() == 1 => items.first().is_some_and(truthy),
        _ => false,
    }
}

pub(crate) fn bit_and(a: i64, b: i64) -> i64 {
    a & b
}

/// Whether the value can be used as one string (IsString).
pub(crate) fn is_single(value: &Value) -> bool {
    match value {
        Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::DateTime(_) | Value::Reference(_) => true,
        Value::Multi(items) if items.len() == 1 => items.first().is_some_and(is_single),
        _ => false,
    }
}

/// The comparison operators. Null compares unequal to everything, itself
/// included, so `=` and the orderings are false and `<>` is true. Numbers
/// compare as numbers when either side is a number, booleans compare with
/// "True"/"False" in any case, date-times compare in time; otherwise text
/// compares ordinally and case-sensitively.
pub(crate) fn compare(op: CompareOp, left: &Value, right: &Value) -> bool {
    let (left, right) = (unwrap_single(left), unwrap_single(right));
    if left.is_null() || right.is_null() {
        return op == CompareOp::Ne;
    }
    match ordering(left, right) {
        Some(order) => match op {
            CompareOp::Eq => order == Ordering::Equal,
            CompareOp::Ne => order != Ordering::Equal,
            CompareOp::Lt => order == Ordering::Less,
            CompareOp::Le => order != Ordering::Greater,
            CompareOp::Gt => order == Ordering::Greater,
            CompareOp::Ge => order != Ordering::Less,
        },
        // Values without an order (multi-valued, complex) are only equal or not.
        None => match op {
            CompareOp::Eq => left == right,
            CompareOp::Ne => left != right,
            _ => false,
        },
    }
}

fn unwrap_single(value: &Value) -> &Value {
    match value {
        Value::Multi(items) if items.len() == 1 => items.first().unwrap_or(value),
        other => other,
    }
}

fn ordering(left: &Value, right: &Value) -> Option<Ordering> {
    use Value::*;
    match (left, right) {
        (Int(a), Int(b)) => Some(a.cmp(b)),
        (Int(a), Str(s)) => s
            .trim()
            .parse::<i64>()
            .ok()
            .map(|b| a.cmp(&b))
            .or_else(|| text_order(left, right)),
        (Str(s), Int(b)) => s
            .trim()
            .parse::<i64>()
            .ok()
            .map(|a| a.cmp(b))
            .or_else(|| text_order(left, right)),
        (Bool(a), Bool(b)) => Some(a.cmp(b)),
        (Bool(a), Str(s)) => parse_bool(s).map(|b| a.cmp(&b)).or_else(|| text_order(left, right)),
        (Str(s), Bool(b)) => parse_bool(s).map(|a| a.cmp(b)).or_else(|| text_order(left, right)),
        (DateTime(a), DateTime(b)) => Some(a.cmp(b)),
        (DateTime(a), Str(s)) => parse_datetime(s)
            .ok()
            .map(|b| a.cmp(&b))
            .or_else(|| text_order(left, right)),
        (Str(s), DateTime(b)) => parse_datetime(s)
            .ok()
            .map(|a| a.cmp(b))
            .or_else(|| text_order(left, right)),
        _ => text_order(left, right),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn text_order(left: &Value, right: &Value) -> Option<Ordering> {
    Some(left.as_text()?.as_ref().cmp(right.as_text()?.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use CompareOp::*;

    fn s(text: &str) -> Value {
        Value::str(text)
    }

    #[test]
    fn truthiness() {
        for v in [
            Value::Bool(true),
            s("True"),
            s("true"),
            s(" TRUE "),
            Value::Int(-1),
            s("2"),
        ] {
            assert!(truthy(&v), "{v:?}");
        }
        for v in [
            Value::Null,
            Value::Bool(false),
            s("False"),
            s(""),
            s("yes"),
            Value::Int(0),
            s("0"),
        ] {
            assert!(!truthy(&v), "{v:?}");
        }
    }

    #[test]
    fn null_compares_unequal_to_everything() {
        assert!(!compare(Eq, &Value::Null, &s("")));
        assert!(!compare(Eq, &Value::Null, &Value::Null));
        assert!(compare(Ne, &Value::Null, &s("x")));
        assert!(!compare(Lt, &Value::Null, &Value::Int(1)));
        assert!(!compare(Ge, &Value::Int(1), &Value::Null));
    }

    #[test]
    fn text_is_case_sensitive() {
        assert!(compare(Eq, &s("USA"), &s("USA")));
        assert!(!compare(Eq, &s("usa"), &s("USA")));
        assert!(compare(Lt, &s("Apple"), &s("Banana")));
        assert!(compare(Lt, &s("10"), &s("9")), "two strings compare as text");
    }

    #[test]
    fn numbers_compare_as_numbers() {
        assert!(compare(Gt, &Value::Int(10), &Value::Int(9)));
        assert!(compare(Gt, &Value::Int(10), &s("9")));
        assert!(compare(Eq, &s(" 5"), &Value::Int(5)));
        assert!(compare(Le, &Value::Int(-3), &Value::Int(-3)));
    }

    #[test]
    fn booleans_compare_with_true_and_false_text() {
        assert!(compare(Eq, &Value::Bool(true), &s("True")));
        assert!(compare(Eq, &Value::Bool(false), &s("false")));
        assert!(compare(Ne, &Value::Bool(true), &s("False")));
    }

    #[test]
    fn datetimes_compare_in_time() {
        let a = parse_datetime("2021-08-18T00:00:00Z").unwrap();
        let b = parse_datetime("2021-08-19T00:00:00Z").unwrap();
        assert!(compare(Lt, &Value::DateTime(a), &Value::DateTime(b)));
        assert!(compare(Eq, &Value::DateTime(a), &s("2021-08-18+00:00")));
    }

    #[test]
    fn single_valued_lists_compare_as_their_value() {
        assert!(compare(Eq, &Value::Multi(vec![s("a")]), &s("a")));
        assert!(!compare(Lt, &Value::Multi(vec![s("a"), s("b")]), &s("a")));
    }

    #[test]
    fn is_single_values() {
        assert!(is_single(&s("")));
        assert!(is_single(&Value::Int(1)));
        assert!(!is_single(&Value::Null));
        assert!(!is_single(&Value::Multi(vec![s("a"), s("b")])));
    }
}
