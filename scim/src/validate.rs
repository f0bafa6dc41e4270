//! Checking and normalising a resource a client sent (POST, PUT, and the
//! result of a PATCH) against its schema: attribute names in canonical case,
//! values of the right type, readOnly attributes dropped, required ones present.

use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::filter::{as_bool, is_present, parse_date_time};
use provisio_engine::scim_path::syntax::starts_with_ignore_case;

use crate::path::AttrPath;
use crate::schema::{AttrType, AttributeDef, Mutability, ResourceSchema};

/// Which request the resource comes from; only the error wording differs,
/// as RFC 7644 §3.3 and §3.5.1 check both the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    Replace,
}

/// Checks a POST or PUT body and returns it normalised: canonical attribute
/// names, extension attributes under their URN, `schemas` listing the core
/// schema and each extension used, readOnly attributes (`id`, `meta`,
/// `groups`, `manager.displayName`…) dropped as RFC 7643 §2.2 says.
pub fn normalize(resource: Value, schema: &ResourceSchema, mode: Mode) -> Result<Value, ScimError> {
    let Value::Object(body) = resource else {
        return Err(ScimError::invalid_syntax(format!(
            "the {} must be a JSON object",
            what(schema, mode)
        )));
    };
    let schemas = body
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case("schemas"))
        .map(|(_, urns)| urns);
    check_schemas(schemas, schema, mode)?;
    let mut core = Map::new();
    let mut extensions: Vec<Map<String, Value>> = vec![Map::new(); schema.extensions.len()];
    for (key, value) in body {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if extension_index(schema, &key).is_some() {
            let Value::Object(members) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(ScimError::invalid_value(format!(
                    "\"{key}\" must be an object holding the extension's attributes, not {}",
                    describe(&value)
                )));
            };
            for (name, value) in members
                .into_iter()
                .filter(|(name, _)| !name.eq_ignore_ascii_case("schemas"))
            {
                let path = AttrPath {
                    urn: Some(key.clone()),
                    attr: name.clone(),
                    sub_attr: None,
                };
                place(&mut core, &mut extensions, schema, &path, &name, value)?;
            }
            continue;
        }
        let path = AttrPath::parse(&key)
            .ok()
            .filter(|path| path.sub_attr.is_none())
            .ok_or_else(|| unknown_attribute(schema, &key))?;
        place(&mut core, &mut extensions, schema, &path, &key, value)?;
    }
    for attr in schema.core.attributes.iter().filter(|attr| attr.required) {
        if !core.get(&attr.name).is_some_and(is_present) {
            return Err(ScimError::invalid_value(format!(
                "\"{}\" is required, and not empty, in the {}",
                attr.name,
                what(schema, mode)
            )));
        }
    }
    let mut schemas = vec![Value::String(schema.core.id.clone())];
    for ((ext, _), members) in schema.extensions.iter().zip(extensions) {
        if !members.is_empty() {
            schemas.push(Value::String(ext.id.clone()));
            core.insert(ext.id.clone(), Value::Object(members));
        }
    }
    core.insert("schemas".into(), Value::Array(schemas));
    Ok(Value::Object(core))
}

fn what(schema: &ResourceSchema, mode: Mode) -> String {
    match mode {
        Mode::Create => format!("new {}", schema.resource_type),
        Mode::Replace => format!("replacement {}", schema.resource_type),
    }
}

/// `schemas` must list the core schema; every other URN must be an extension.
fn check_schemas(schemas: Option<&Value>, schema: &ResourceSchema, mode: Mode) -> Result<(), ScimError> {
    let core = &schema.core.id;
    let Some(Value::Array(urns)) = schemas else {
        return Err(ScimError::invalid_syntax(format!(
            "the {} needs \"schemas\": [\"{core}\"], an array of schema URNs",
            what(schema, mode)
        )));
    };
    let mut has_core = false;
    for urn in urns {
        let Some(urn) = urn.as_str() else {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" must hold strings, not {}",
                describe(urn)
            )));
        };
        if urn.eq_ignore_ascii_case(core) {
            has_core = true;
        } else if schema.extension(urn).is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "\"schemas\" lists \"{urn}\", which {} does not support; it supports {}",
                schema.resource_type,
                supported_urns(schema)
            )));
        }
    }
    if has_core {
        Ok(())
    } else {
        Err(ScimError::invalid_syntax(format!(
            "\"schemas\" must include \"{core}\""
        )))
    }
}

fn supported_urns(schema: &ResourceSchema) -> String {
    let urns: Vec<String> = std::iter::once(&schema.core.id)
        .chain(schema.extensions.iter().map(|(ext, _)| &ext.id))
        .map(|urn| format!("\"{urn}\""))
        .collect();
    urns.join(", ")
}

fn extension_index(schema: &ResourceSchema, key: &str) -> Option<usize> {
    schema
        .extensions
        .iter()
        .position(|(ext, _)| ext.id.eq_ignore_ascii_case(key))
}

fn unknown_attribute(schema: &ResourceSchema, key: &str) -> ScimError {
    if starts_with_ignore_case(key, "urn:") {
        return ScimError::invalid_value(format!(
            "unknown attribute or schema extension \"{key}\" in {}; its schemas are {}",
            schema.resource_type,
            supported_urns(schema)
        ));
    }
    let hint = schema
        .closest_attribute(key)
        .map(|close| format!("; did you mean \"{close}\"?"))
        .unwrap_or_default();
    ScimError::invalid_value(format!("unknown attribute \"{key}\" in {}{hint}", schema.resource_type))
}

/// Checks one attribute and puts it where it belongs, under its canonical name.
fn place(
    core: &mut Map<String, Value>,
    extensions: &mut [Map<String, Value>],
    schema: &ResourceSchema,
    path: &AttrPath,
    key: &str,
    value: Value,
) -> Result<(), ScimError> {
    let found = schema
        .resolve(path)
        .ok_or_else(|| unknown_attribute(schema, &path.to_string()))?;
    if found.attr.mutability == Mutability::ReadOnly {
        return Ok(()); // RFC 7643 §2.2: values of readOnly attributes SHALL be ignored.
    }
    let target = match found.in_extension {
        true => extension_index(schema, &found.schema.id).and_then(|index| extensions.get_mut(index)),
        false => Some(core),
    };
    let Some(target) = target else {
        return Err(ScimError::internal(format!(
            "no extension object for \"{}\"",
            found.schema.id
        )));
    };
    if target.contains_key(&found.attr.name) {
        return Err(ScimError::invalid_syntax(format!(
            "\"{}\" is given twice (as \"{key}\")",
            found.canonical()
        )));
    }
    if let Some(value) = coerce(found.attr, value, &found.canonical())? {
        target.insert(found.attr.name.clone(), value);
    }
    Ok(())
}

/// Checks and canonicalises a whole attribute value; `None` when it is
/// unassigned (null, an empty array or an empty object, RFC 7643 §2.5).
/// A multi-valued simple attribute also takes a single value, wrapped in an
/// array (clients send `"proxyAddresses": "SMTP:a@b.c"`); a multi-valued
/// complex one needs an array, as a lone object is more likely a mistake.
pub fn coerce(def: &AttributeDef, value: Value, path: &str) -> Result<Option<Value>, ScimError> {
    if !def.multi_valued {
        if value.is_array() {
            return Err(ScimError::invalid_value(format!(
                "\"{path}\" is single-valued: send one {}, not an array",
                def.kind.as_str()
            )));
        }
        return coerce_one(def, value, path);
    }
    let items = match value {
        Value::Null => return Ok(None),
        Value::Array(items) => items,
        Value::Object(_) if def.kind == AttrType::Complex => {
            return Err(ScimError::invalid_value(format!(
                "\"{path}\" is multi-valued: send an array of objects, e.g. [{{\"value\": …}}]"
            )));
        }
        one => vec![one],
    };
    let mut values = Vec::with_capacity(items.len());
    for item in items {
        if item.is_array() {
            return Err(ScimError::invalid_value(format!(
                "\"{path}\" holds an array inside its array"
            )));
        }
        values.extend(coerce_one(def, item, path)?);
    }
    check_one_primary(&values, path)?;
    Ok((!values.is_empty()).then_some(Value::Array(values)))
}

/// RFC 7643 §2.4: `"primary": true` appears no more than once.
pub fn check_one_primary(values: &[Value], path: &str) -> Result<(), ScimError> {
    let primaries = values
        .iter()
        .filter(|value| value.get("primary") == Some(&Value::Bool(true)))
        .count();
    if primaries > 1 {
        return Err(ScimError::invalid_value(format!(
            "\"{path}\" has {primaries} values with \"primary\": true; at most one may be primary"
        )));
    }
    Ok(())
}

/// Checks and canonicalises one value (an element, for a multi-valued
/// attribute). Booleans sent as "True"/"false" become booleans; a complex
/// value drops readOnly sub-attributes and `"$ref": null`; a bare value
/// for a single-valued complex attribute with a `value` sub-attribute
/// stands for `{"value": …}` (Entra ID sends the manager so).
pub fn coerce_one(def: &AttributeDef, value: Value, path: &str) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    let mismatch = |value: &Value, expected: &str| {
        Err(ScimError::invalid_value(format!(
            "\"{path}\" is {}: expected {expected}, not {}",
            def.kind.as_str(),
            describe(value)
        )))
    };
    match def.kind {
        AttrType::String | AttrType::Reference | AttrType::Binary => match value {
            Value::String(_) => Ok(Some(value)),
            other => mismatch(&other, "a string"),
        },
        AttrType::Boolean => match as_bool(&value) {
            Some(flag) => Ok(Some(Value::Bool(flag))),
            None => mismatch(&value, "true or false"),
        },
        AttrType::Integer => match &value {
            Value::Number(number) if number.is_i64() || number.is_u64() => Ok(Some(value)),
            Value::Number(number) if number.as_f64().is_some_and(|float| float.fract() == 0.0) => Ok(Some(value)),
            other => mismatch(other, "a whole number"),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => Ok(Some(value)),
            other => mismatch(&other, "a number"),
        },
        AttrType::DateTime => match &value {
            Value::String(text) if is_xsd_date_time(text) => Ok(Some(value)),
            other => mismatch(other, "an xsd:dateTime such as \"2008-01-23T04:56:22Z\""),
        },
        AttrType::Complex => match value {
            Value::Object(members) => coerce_complex(def, members, path),
            scalar if !def.multi_valued && def.sub_attribute("value").is_some() && !scalar.is_array() => {
                let mut members = Map::new();
                members.insert("value".into(), scalar);
                coerce_complex(def, members, path)
            }
            other => mismatch(&other, "an object"),
        },
    }
}

fn coerce_complex(def: &AttributeDef, members: Map<String, Value>, path: &str) -> Result<Option<Value>, ScimError> {
    let mut object = Map::new();
    for (name, value) in members {
        if value.is_null() && name == "$ref" {
            continue; // Entra ID sends `"$ref": null`, also where there is no $ref.
        }
        let Some(sub) = def.sub_attribute(&name) else {
            let known: Vec<&str> = def.sub_attributes.iter().map(|sub| sub.name.as_str()).collect();
            let hint = provisio_engine::suggest::closest(&name, known.iter().copied())
                .map(|close| format!("; did you mean \"{close}\"?"))
                .unwrap_or_default();
            return Err(ScimError::invalid_value(format!(
                "\"{path}\" has no sub-attribute \"{name}\"{hint}; it has {}",
                known.join(", ")
            )));
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        let sub_path = format!("{path}.{}", sub.name);
        if object.contains_key(&sub.name) {
            return Err(ScimError::invalid_syntax(format!(
                "\"{sub_path}\" is given twice (as \"{name}\")"
            )));
        }
        if let Some(value) = coerce(sub, value, &sub_path)? {
            object.insert(sub.name.clone(), value);
        }
    }
    Ok((!object.is_empty()).then_some(Value::Object(object)))
}

/// xsd:dateTime: RFC 3339, or without a time zone (XML Schema allows both).
pub fn is_xsd_date_time(text: &str) -> bool {
    parse_date_time(text).is_some() || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}

/// A short description of a JSON value for error details.
pub fn describe(value: &Value) -> String {
    let text = value.to_string();
    let kind = match value {
        Value::Null => return "null".into(),
        Value::Bool(_) => "the boolean",
        Value::Number(_) => "the number",
        Value::String(_) => "the string",
        Value::Array(_) => return "an array".into(),
        Value::Object(_) => return "an object".into(),
    };
    if text.chars().count() > 60 {
        let short: String = text.chars().take(57).collect();
        return format!("{kind} {short}…");
    }
    format!("{kind} {text}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::error::ScimType;
    use super::super::schema::{
        CUSTOM_USER_URN, CustomAttribute, DIRECTORY_USER_URN, ENTERPRISE_URN, USER_URN, group_schema, user_schema,
    };
    use super::*;

    fn user_ok(body: Value) -> Value {
        normalize(body, &user_schema(&[]), Mode::Create).unwrap()
    }

    fn user_err(body: Value) -> ScimError {
        normalize(body, &user_schema(&[]), Mode::Create).unwrap_err()
    }

    fn assert_err(body: Value, scim_type: ScimType, detail: &str) {
        let error = user_err(body.clone());
        assert_eq!(error.scim_type, Some(scim_type), "{body}: {error}");
        assert!(error.detail.contains(detail), "{body}: {}", error.detail);
    }

    #[test]
    fn rfc_full_user_is_accepted_and_readonly_dropped() {
        let body = json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "701984",
            "userName": "bjensen@example.com",
            "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara"},
            "displayName": "Babs Jensen",
            "profileUrl": "https://login.example.com/bjensen",
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
            ],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "primary": true}],
            "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
            "groups": [{"value": "e9e30dba", "display": "Tour Guides"}],
            "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
            "active": true,
            "password": "t1meMa$heen",
            "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
            ENTERPRISE_URN: {
                "employeeNumber": "701984",
                "manager": {"value": "26118915", "$ref": "../Users/26118915", "displayName": "John Smith"},
            },
        });
        let out = user_ok(body);
        assert!(out.get("id").is_none() && out.get("meta").is_none() && out.get("groups").is_none());
        assert_eq!(out["password"], "t1meMa$heen");
        assert_eq!(out["schemas"], json!([USER_URN, ENTERPRISE_URN]));
        assert_eq!(
            out[ENTERPRISE_URN]["manager"],
            json!({"value": "26118915", "$ref": "../Users/26118915"})
        );
    }

    #[test]
    fn names_are_canonicalised() {
        let out = user_ok(json!({
            "schemas": ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"],
            "UserName": "a",
            "NAME": {"GivenName": "Ann"},
            "Emails": [{"Value": "a@b.c", "TYPE": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "R&D"},
        }));
        assert_eq!(
            out,
            json!({
                "schemas": [USER_URN, ENTERPRISE_URN],
                "userName": "a",
                "name": {"givenName": "Ann"},
                "emails": [{"value": "a@b.c", "type": "work"}],
                ENTERPRISE_URN: {"department": "R&D"},
            })
        );
    }

    #[test]
    fn fully_qualified_and_extension_keys_land_in_place() {
        let out = user_ok(json!({
            "schemas": [USER_URN],
            "urn:ietf:params:scim:schemas:core:2.0:User:userName": "a",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter": "42",
        }));
        assert_eq!(out["userName"], "a");
        assert_eq!(out[ENTERPRISE_URN], json!({"costCenter": "42"}));
        assert_eq!(out["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    }

    #[test]
    fn booleans_as_strings_and_null_refs_are_accepted() {
        let out = user_ok(json!({
            "schemas": [USER_URN],
            "userName": "a",
            "active": "False",
            "emails": [{"value": "a@b.c", "primary": "True", "$ref": null}],
            "nickName": null,
            "phoneNumbers": [],
        }));
        assert_eq!(out["active"], false);
        assert_eq!(out["emails"], json!([{"value": "a@b.c", "primary": true}]));
        assert!(out.get("nickName").is_none() && out.get("phoneNumbers").is_none());
    }

    #[test]
    fn single_string_for_a_multi_valued_string_is_wrapped() {
        let custom = [CustomAttribute {
            name: "aliases".into(),
            kind: AttrType::String,
            multi_valued: true,
        }];
        let out = normalize(
            json!({
                "schemas": [USER_URN, CUSTOM_USER_URN],
                "userName": "a",
                CUSTOM_USER_URN: {"aliases": "ada"},
            }),
            &user_schema(&custom),
            Mode::Create,
        )
        .unwrap();
        assert_eq!(out[CUSTOM_USER_URN]["aliases"], json!(["ada"]));
    }

    #[test]
    fn errors_name_the_attribute() {
        use ScimType::{InvalidSyntax, InvalidValue};
        for (body, scim_type, detail) in [
            (
                json!({"userName": "a"}),
                InvalidSyntax,
                "needs \"schemas\": [\"urn:ietf:params:scim:schemas:core:2.0:User\"]",
            ),
            (
                json!({"schemas": [GROUP], "userName": "a"}),
                InvalidSyntax,
                "which User does not support",
            ),
            (
                json!({"schemas": [USER_URN, 7], "userName": "a"}),
                InvalidSyntax,
                "must hold strings, not the number 7",
            ),
            (
                json!({"schemas": [ENTERPRISE_URN], "userName": "a"}),
                InvalidSyntax,
                "must include \"urn:ietf:params:scim:schemas:core:2.0:User\"",
            ),
            (
                json!({"schemas": [USER_URN]}),
                InvalidValue,
                "\"userName\" is required, and not empty, in the new User",
            ),
            (
                json!({"schemas": [USER_URN], "userName": ""}),
                InvalidValue,
                "\"userName\" is required, and not empty",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "nope": 1}),
                InvalidValue,
                "unknown attribute \"nope\" in User",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "titel": "Engineer"}),
                InvalidValue,
                "unknown attribute \"titel\" in User; did you mean \"title\"?",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "name": {"givnName": "Ann"}}),
                InvalidValue,
                "\"name\" has no sub-attribute \"givnName\"; did you mean \"givenName\"?",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "urn:example:ext:2.0:User": {}}),
                InvalidValue,
                "unknown attribute or schema extension \"urn:example:ext:2.0:User\"",
            ),
            (
                json!({"schemas": [USER_URN], "userName": 5}),
                InvalidValue,
                "\"userName\" is string: expected a string, not the number 5",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "active": "yes"}),
                InvalidValue,
                "\"active\" is boolean: expected true or false, not the string \"yes\"",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "title": ["x"]}),
                InvalidValue,
                "\"title\" is single-valued",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "name": "Ann"}),
                InvalidValue,
                "\"name\" is complex: expected an object, not the string \"Ann\"",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "name": {"first": "Ann"}}),
                InvalidValue,
                "\"name\" has no sub-attribute \"first\"",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "emails": {"value": "a@b.c"}}),
                InvalidValue,
                "\"emails\" is multi-valued: send an array",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "emails": [{"value": 1}]}),
                InvalidValue,
                "\"emails.value\" is string",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "emails": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}),
                InvalidValue,
                "\"emails\" has 2 values with \"primary\": true",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "userName ": "b"}),
                InvalidValue,
                "unknown attribute \"userName \"",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "USERNAME": "b"}),
                InvalidSyntax,
                "\"userName\" is given twice",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", DIRECTORY_USER_URN: "x"}),
                InvalidValue,
                "must be an object holding the extension's attributes",
            ),
            (
                json!({"schemas": [USER_URN], "userName": "a", "name.givenName": "Ann"}),
                InvalidValue,
                "unknown attribute \"name.givenName\"",
            ),
        ] {
            assert_err(body, scim_type, detail);
        }
        let error = normalize(json!([1]), &user_schema(&[]), Mode::Replace).unwrap_err();
        assert_eq!(error.detail, "the replacement User must be a JSON object");
    }

    const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

    #[test]
    fn groups_need_a_display_name() {
        let schema = group_schema();
        let error = normalize(json!({"schemas": [GROUP]}), &schema, Mode::Replace).unwrap_err();
        assert_eq!(
            error.detail,
            "\"displayName\" is required, and not empty, in the replacement Group"
        );
        let out = normalize(
            json!({"schemas": [GROUP], "displayName": "Tour Guides", "members": [{"value": "2819c223", "display": "Babs", "type": "User"}]}),
            &schema,
            Mode::Create,
        )
        .unwrap();
        assert_eq!(out["members"], json!([{"value": "2819c223", "type": "User"}]));
    }

    #[test]
    fn types_of_custom_attributes_are_checked() {
        let schema = user_schema(&[
            CustomAttribute {
                name: "badge".into(),
                kind: AttrType::Integer,
                multi_valued: false,
            },
            CustomAttribute {
                name: "score".into(),
                kind: AttrType::Decimal,
                multi_valued: false,
            },
            CustomAttribute {
                name: "since".into(),
                kind: AttrType::DateTime,
                multi_valued: false,
            },
        ]);
        let custom = "urn:provisio:params:scim:schemas:extension:custom:2.0:User";
        let body = |attrs: Value| json!({"schemas": [USER_URN, custom], "userName": "a", custom: attrs});
        let out = normalize(
            body(json!({"badge": 7, "score": 1.5, "since": "2008-01-23T04:56:22"})),
            &schema,
            Mode::Create,
        );
        assert_eq!(
            out.unwrap()[custom],
            json!({"badge": 7, "score": 1.5, "since": "2008-01-23T04:56:22"})
        );
        for (attrs, detail) in [
            (
                json!({"badge": 1.5}),
                "\"urn:provisio:params:scim:schemas:extension:custom:2.0:User:badge\" is integer: expected a whole number, not the number 1.5",
            ),
            (json!({"badge": "7"}), "expected a whole number, not the string \"7\""),
            (json!({"score": "1.5"}), "is decimal: expected a number"),
            (json!({"since": "2008-01-23"}), "is dateTime"),
        ] {
            let error = normalize(body(attrs), &schema, Mode::Create).unwrap_err();
            assert!(error.detail.contains(detail), "{}", error.detail);
        }
    }

    #[test]
    fn long_values_are_shortened_in_errors() {
        let long = "x".repeat(100);
        let error = user_err(json!({"schemas": [USER_URN], "userName": "a", "active": long}));
        assert!(error.detail.ends_with("xxx…"), "{}", error.detail);
    }
}
