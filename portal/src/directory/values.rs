//! Attribute values as form text and back, by the catalogue's kind: the
//! form edits text, the API wants typed JSON (`null` clears).

use chrono::{DateTime, NaiveDateTime, Utc};
use provisio_api::directory::{AttributeDefinition, AttributeKind};
use serde_json::{Map, Value};

/// The form's text for a value: multi-valued attributes one per line, an
/// instant as a `datetime-local` input wants it (UTC, to the second).
pub fn to_text(definition: &AttributeDefinition, value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| single_text(definition.kind, item))
            .collect::<Vec<_>>()
            .join("\n"),
        Some(value) => single_text(definition.kind, value),
    }
}

fn single_text(kind: AttributeKind, value: &Value) -> String {
    match (kind, value) {
        (AttributeKind::DateTime, Value::String(text)) => DateTime::parse_from_rfc3339(text)
            .map(|at| at.with_timezone(&Utc).format("%Y-%m-%dT%H:%M:%S").to_string())
            .unwrap_or_else(|_| text.clone()),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// The value to send for the form's text, or why the text is not one;
/// empty text clears the attribute.
pub fn from_text(definition: &AttributeDefinition, text: &str) -> Result<Value, String> {
    if definition.multi_valued {
        let items = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(|line| single_value(definition.kind, line))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if items.is_empty() {
            Value::Null
        } else {
            Value::Array(items)
        });
    }
    let text = text.trim();
    if text.is_empty() {
        return Ok(Value::Null);
    }
    single_value(definition.kind, text)
}

fn single_value(kind: AttributeKind, text: &str) -> Result<Value, String> {
    match kind {
        AttributeKind::String | AttributeKind::Reference => Ok(Value::String(text.to_owned())),
        AttributeKind::Boolean => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("`{text}` is not true or false")),
        },
        AttributeKind::Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{text}` is not a whole number")),
        AttributeKind::DateTime => ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
            .map(|at| Value::String(at.and_utc().format("%Y-%m-%dT%H:%M:%SZ").to_string()))
            .ok_or_else(|| format!("`{text}` is not a date and time")),
    }
}

/// A string attribute's text, if it has one (listings and headings).
pub fn text<'a>(attributes: &'a Map<String, Value>, name: &str) -> &'a str {
    attributes.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// Whether the account is enabled (a missing `accountEnabled` means it is).
pub fn enabled(attributes: &Map<String, Value>) -> bool {
    attributes
        .get("accountEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn definition(kind: AttributeKind, multi_valued: bool) -> AttributeDefinition {
        AttributeDefinition {
            name: "a".into(),
            kind,
            multi_valued,
            description: String::new(),
            builtin: true,
        }
    }

    fn round_trip(kind: AttributeKind, multi: bool, value: Value, text: &str) {
        let definition = definition(kind, multi);
        assert_eq!(to_text(&definition, Some(&value)), text);
        assert_eq!(from_text(&definition, text), Ok(value));
    }

    #[test]
    fn values_become_text_and_back() {
        round_trip(AttributeKind::String, false, json!("Engineer"), "Engineer");
        round_trip(AttributeKind::Boolean, false, json!(false), "false");
        round_trip(AttributeKind::Integer, false, json!(42), "42");
        round_trip(AttributeKind::String, true, json!(["a@x", "b@x"]), "a@x\nb@x");
        let instant = definition(AttributeKind::DateTime, false);
        let text = to_text(&instant, Some(&json!("2026-01-31T09:00:05.000Z")));
        assert_eq!(text, "2026-01-31T09:00:05");
        assert_eq!(from_text(&instant, &text), Ok(json!("2026-01-31T09:00:05Z")));
        assert_eq!(
            from_text(&instant, "2026-01-31T09:00"),
            Ok(json!("2026-01-31T09:00:00Z"))
        );
    }

    #[test]
    fn empty_text_clears_and_bad_text_is_refused() {
        assert_eq!(
            from_text(&definition(AttributeKind::String, false), "  "),
            Ok(Value::Null)
        );
        assert_eq!(
            from_text(&definition(AttributeKind::String, true), "\n"),
            Ok(Value::Null)
        );
        assert!(from_text(&definition(AttributeKind::Integer, false), "4.5").is_err());
        assert!(from_text(&definition(AttributeKind::DateTime, false), "tomorrow").is_err());
    }
}
