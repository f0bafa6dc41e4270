//! The directory's attribute catalogue with types: the user and group
//! attributes Entra exposes to provisioning (their names and types are the
//! engine's, [`provisio_engine::attributes`], which job definitions are
//! checked against too), administrator-defined extension attributes, and
//! the check that a write carries only known attributes of the right type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::DirectoryError;

pub use provisio_engine::attributes::{AttributeType, GROUP_ATTRIBUTES, IS_SOFT_DELETED, USER_ATTRIBUTES};

/// One attribute a user or group may carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AttributeType,
    pub multi_valued: bool,
    pub description: String,
}

use AttributeType::{Boolean, DateTime, Reference, String as Text};

/// Every user attribute: the built-in ones, then the extensions.
pub fn user_catalogue(extensions: &[AttributeSpec]) -> Vec<AttributeSpec> {
    builtin(USER_ATTRIBUTES).chain(extensions.iter().cloned()).collect()
}

pub fn group_catalogue() -> Vec<AttributeSpec> {
    builtin(GROUP_ATTRIBUTES).collect()
}

fn builtin(table: &'static [(&'static str, AttributeType, bool)]) -> impl Iterator<Item = AttributeSpec> {
    table.iter().map(|(name, kind, multi_valued)| AttributeSpec {
        name: (*name).to_owned(),
        kind: *kind,
        multi_valued: *multi_valued,
        description: String::new(),
    })
}

/// Whether `name` is a built-in attribute of users, groups, or a reserved name.
pub fn is_reserved(name: &str) -> bool {
    let taken = |table: &[(&str, AttributeType, bool)]| table.iter().any(|(n, ..)| n.eq_ignore_ascii_case(name));
    taken(USER_ATTRIBUTES)
        || taken(GROUP_ATTRIBUTES)
        || [
            "id",
            "objectId",
            "members",
            "memberOf",
            IS_SOFT_DELETED,
            "deletedDateTime",
        ]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Checks every attribute of a write against the catalogue and returns them
/// normalised: names spelled as the catalogue spells them, nulls, empty
/// strings and empty arrays dropped, booleans sent as `"True"` accepted.
pub fn normalise(
    attributes: Map<String, Value>,
    catalogue: &[AttributeSpec],
) -> Result<Map<String, Value>, DirectoryError> {
    let mut normalised = Map::new();
    for (name, value) in attributes {
        let spec = catalogue
            .iter()
            .find(|spec| spec.name.eq_ignore_ascii_case(&name))
            .ok_or_else(|| unknown(&name, catalogue))?;
        if let Some(value) = normalise_value(spec, value)? {
            normalised.insert(spec.name.clone(), value);
        }
    }
    Ok(normalised)
}

/// An attribute the catalogue does not have, with the closest one it has.
pub(crate) fn unknown(name: &str, catalogue: &[AttributeSpec]) -> DirectoryError {
    let known = catalogue.iter().map(|spec| spec.name.as_str());
    let message = match provisio_engine::suggest::did_you_mean(name, known) {
        Some(suggestion) => format!("is not an attribute of the directory: {suggestion}"),
        None => "is not an attribute of the directory (GET /api/v1/directory/attributes lists them; an \
                 extension attribute is defined there first)"
            .to_owned(),
    };
    DirectoryError::invalid(name, &message)
}

fn normalise_value(spec: &AttributeSpec, value: Value) -> Result<Option<Value>, DirectoryError> {
    if !spec.multi_valued {
        return single(spec, value);
    }
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        single_value => vec![single_value],
    };
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        if let Some(value) = single(spec, item)?
            && !values.contains(&value)
        {
            values.push(value);
        }
    }
    Ok((!values.is_empty()).then_some(Value::Array(values)))
}

fn single(spec: &AttributeSpec, value: Value) -> Result<Option<Value>, DirectoryError> {
    let wrong = |expected: &str| DirectoryError::invalid(&spec.name, &format!("must be {expected}"));
    match (spec.kind, value) {
        (_, Value::Null) => Ok(None),
        (Text | Reference, Value::String(text)) if text.is_empty() => Ok(None),
        (Text | Reference, Value::String(text)) => Ok(Some(Value::String(text))),
        (Text, Value::Number(n)) => Ok(Some(Value::String(n.to_string()))),
        (Text, _) => Err(wrong("a string")),
        (Reference, _) => Err(wrong("the id of a user (a string)")),
        (Boolean, Value::Bool(b)) => Ok(Some(Value::Bool(b))),
        (Boolean, Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(Value::Bool(true))),
            "false" => Ok(Some(Value::Bool(false))),
            _ => Err(wrong("true or false")),
        },
        (Boolean, _) => Err(wrong("true or false")),
        (AttributeType::Integer, Value::Number(n)) if n.is_i64() => Ok(Some(Value::Number(n))),
        (AttributeType::Integer, Value::String(text)) => text
            .trim()
            .parse::<i64>()
            .map(|n| Some(Value::from(n)))
            .map_err(|_| wrong("an integer")),
        (AttributeType::Integer, _) => Err(wrong("an integer")),
        (DateTime, Value::String(text)) if text.is_empty() => Ok(None),
        (DateTime, Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text.trim())
            .map(|at| Some(Value::String(super::timestamp(at.with_timezone(&chrono::Utc)))))
            .map_err(|_| wrong("an RFC 3339 date and time such as 2026-01-31T09:00:00Z")),
        (DateTime, _) => Err(wrong("an RFC 3339 date and time such as 2026-01-31T09:00:00Z")),
    }
}

/// An administrator's new attribute name: a letter, then letters, digits or
/// underscores, at most 64 characters, not a built-in name.
pub fn check_extension_name(name: &str) -> Result<(), DirectoryError> {
    let well_formed = name.len() <= 64
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Err(DirectoryError::invalid(
            name,
            "an extension attribute's name is a letter followed by letters, digits or underscores (at most 64)",
        ));
    }
    if is_reserved(name) {
        return Err(DirectoryError::invalid(name, "is already a built-in attribute"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attrs(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn names_are_canonicalised_and_empty_values_dropped() {
        let out = normalise(
            attrs(json!({"userprincipalname": "a@b.c", "GIVENNAME": "", "accountEnabled": "False", "proxyAddresses": ["x", "x", null]})),
            &user_catalogue(&[]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"userPrincipalName": "a@b.c", "accountEnabled": false, "proxyAddresses": ["x"]})
        );
    }

    #[test]
    fn unknown_attributes_and_wrong_types_say_which() {
        let catalogue = user_catalogue(&[]);
        let err = normalise(attrs(json!({"shoeSize": 42})), &catalogue).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "attribute `shoeSize` is not an attribute of the directory (GET /api/v1/directory/attributes"
            ),
            "{err}"
        );
        let err = normalise(attrs(json!({"title": "Engineer"})), &catalogue).unwrap_err();
        assert_eq!(
            err.to_string(),
            "attribute `title` is not an attribute of the directory: did you mean `jobTitle`?"
        );
        let err = normalise(attrs(json!({"descripton": "R&D"})), &group_catalogue()).unwrap_err();
        assert!(err.to_string().ends_with("did you mean `description`?"), "{err}");
        let err = normalise(attrs(json!({"accountEnabled": "maybe"})), &catalogue).unwrap_err();
        assert_eq!(err.to_string(), "attribute `accountEnabled` must be true or false");
        let err = normalise(attrs(json!({"employeeHireDate": "yesterday"})), &catalogue).unwrap_err();
        assert!(err.to_string().contains("RFC 3339"));
    }

    #[test]
    fn extensions_join_the_catalogue() {
        let ext = AttributeSpec {
            name: "shoeSize".into(),
            kind: AttributeType::Integer,
            multi_valued: false,
            description: String::new(),
        };
        let out = normalise(attrs(json!({"shoesize": "42"})), &user_catalogue(&[ext])).unwrap();
        assert_eq!(Value::Object(out), json!({"shoeSize": 42}));
    }

    #[test]
    fn extension_names_must_be_new_identifiers() {
        assert!(check_extension_name("costCentre2").is_ok());
        assert!(check_extension_name("department").is_err());
        assert!(check_extension_name("IsSoftDeleted").is_err());
        assert!(check_extension_name("2fast").is_err());
        assert!(check_extension_name("a-b").is_err());
    }

    #[test]
    fn date_times_are_stored_in_utc() {
        let out = normalise(
            attrs(json!({"employeeHireDate": "2026-03-01T09:00:00+01:00"})),
            &user_catalogue(&[]),
        )
        .unwrap();
        assert_eq!(out["employeeHireDate"], json!("2026-03-01T08:00:00.000Z"));
    }
}
