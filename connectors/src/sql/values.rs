//! Engine values to bound statement parameters, typed for the column they
//! are written to, and column text read back to engine values.
//! Multi-valued and structured values go into text columns as JSON and are
//! refused by columns of any other type.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use provisio_engine::Value;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::schema::{Column, Kind};

/// One bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Param {
    Null,
    Bool(bool),
    Int(i64),
    Text(String),
}

impl Param {
    pub(super) fn bind<'q>(self, query: Query<'q, Any, AnyArguments>) -> Query<'q, Any, AnyArguments> {
        match self {
            Param::Null => query.bind(None::<String>),
            Param::Bool(b) => query.bind(b),
            Param::Int(i) => query.bind(i),
            Param::Text(t) => query.bind(t),
        }
    }
}

/// The parameter that writes `value` to `column`, or why the column
/// cannot hold it.
pub(super) fn param(column: &Column, value: &Value) -> Result<Param, String> {
    let refused = |what: &str| {
        format!(
            "the column `{}` ({}) cannot hold {what}",
            column.name,
            if column.declared.is_empty() {
                "untyped"
            } else {
                &column.declared
            }
        )
    };
    Ok(match (value, column.kind) {
        (Value::Null, _) => Param::Null,
        (Value::Multi(items), _) if items.iter().all(Value::is_null) => Param::Null,
        (Value::Multi(items), _) if items.len() == 1 => match items.first() {
            Some(item) => param(column, item)?,
            None => Param::Null,
        },
        (Value::Multi(_) | Value::Complex(_), Kind::Text) => Param::Text(json_text(value)),
        (Value::Multi(_), _) => return Err(refused("several values")),
        (Value::Complex(_), _) => return Err(refused("a structured value")),
        (Value::Bool(b), Kind::Bool) => Param::Bool(*b),
        (Value::Int(i), Kind::Bool) => Param::Bool(*i != 0),
        (Value::Str(s) | Value::Reference(s), Kind::Bool) => {
            Param::Bool(parse_bool(s).ok_or_else(|| refused(&format!("`{s}` (not a boolean)")))?)
        }
        (Value::DateTime(_), Kind::Bool) => return Err(refused("a date")),
        (Value::Int(i), Kind::Int) => Param::Int(*i),
        (Value::Bool(b), Kind::Int) => Param::Int(i64::from(*b)),
        (Value::Str(s) | Value::Reference(s), Kind::Int) => Param::Int(
            s.trim()
                .parse()
                .map_err(|_| refused(&format!("`{s}` (not an integer)")))?,
        ),
        (Value::DateTime(_), Kind::Int) => return Err(refused("a date")),
        (Value::DateTime(t), _) => Param::Text(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        (Value::Bool(b), _) => Param::Text(b.to_string()),
        (Value::Int(i), _) => Param::Text(i.to_string()),
        (Value::Str(s) | Value::Reference(s), _) => Param::Text(s.clone()),
    })
}

/// The value of a job's `disable.value` (JSON) as an engine value.
pub(super) fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n.as_i64().map_or_else(|| Value::str(n.to_string()), Value::Int),
        serde_json::Value::String(s) => Value::str(s.clone()),
        other => Value::str(other.to_string()),
    }
}

/// A column's text (as `CAST(… AS TEXT)` reads it) as an engine value.
pub(super) fn value(kind: Kind, text: String) -> Value {
    match kind {
        Kind::Bool => parse_bool(&text).map_or(Value::Str(text), Value::Bool),
        Kind::Int => text.trim().parse().map_or(Value::Str(text), Value::Int),
        Kind::Time => parse_time(&text).map_or(Value::Str(text), Value::DateTime),
        Kind::Text => Value::Str(text),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "f" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// RFC 3339, PostgreSQL's `2024-05-01 10:00:00+00`, or a zone-less
/// timestamp or date taken as UTC.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
        return Some(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn json_text(value: &Value) -> String {
    fn json(value: &Value) -> serde_json::Value {
        match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Str(s) | Value::Reference(s) => serde_json::Value::String(s.clone()),
            Value::DateTime(t) => serde_json::Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Value::Complex(fields) => fields.iter().map(|(k, v)| (k.clone(), json(v))).collect(),
            Value::Multi(items) => items.iter().map(json).collect(),
        }
    }
    json(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(kind: Kind) -> Column {
        Column {
            name: "c".into(),
            kind,
            declared: "t".into(),
        }
    }

    fn ok(kind: Kind, value: Value, expected: Param) {
        assert_eq!(param(&column(kind), &value), Ok(expected), "{value:?}");
    }

    fn refused(kind: Kind, value: Value, says: &str) {
        let error = param(&column(kind), &value).unwrap_err();
        assert!(error.contains(says), "{error}");
    }

    #[test]
    fn values_are_bound_with_the_column_type() {
        ok(Kind::Bool, Value::str("False"), Param::Bool(false));
        ok(Kind::Bool, Value::Bool(true), Param::Bool(true));
        ok(Kind::Int, Value::str(" 42 "), Param::Int(42));
        ok(Kind::Text, Value::Int(7), Param::Text("7".into()));
        ok(Kind::Text, Value::Null, Param::Null);
        ok(Kind::Text, Value::Multi(vec![Value::str("a")]), Param::Text("a".into()));
        ok(
            Kind::Text,
            Value::Multi(vec![Value::str("a"), Value::str("b")]),
            Param::Text(r#"["a","b"]"#.into()),
        );
        let t = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        ok(
            Kind::Time,
            Value::DateTime(t),
            Param::Text("2024-05-01T10:00:00Z".into()),
        );
        refused(Kind::Bool, Value::str("maybe"), "`maybe` (not a boolean)");
        refused(Kind::Int, Value::str("x"), "not an integer");
        refused(
            Kind::Int,
            Value::Multi(vec![Value::Int(1), Value::Int(2)]),
            "several values",
        );
    }

    #[test]
    fn text_read_back_has_the_column_type() {
        assert_eq!(value(Kind::Bool, "1".into()), Value::Bool(true));
        assert_eq!(value(Kind::Bool, "false".into()), Value::Bool(false));
        assert_eq!(value(Kind::Int, "12".into()), Value::Int(12));
        let t = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(value(Kind::Time, "2024-05-01 10:00:00+00".into()), Value::DateTime(t));
        assert_eq!(value(Kind::Time, "2024-05-01 10:00:00".into()), Value::DateTime(t));
        assert_eq!(value(Kind::Text, "x".into()), Value::str("x"));
    }
}
