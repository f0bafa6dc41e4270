//! The columns of a CSV export: each header names a SCIM User attribute
//! path, or a friendly alias of one, and says where its cells go in a
//! record's `data`.
//!
//! Headers are SCIM paths as Entra's attribute mappings write them:
//!
//! - core attributes: `externalId`, `userName`, `name.givenName`, `active`;
//! - multi-valued ones with a type: `emails[type eq "work"].value`,
//!   `addresses[type eq "work"].locality`;
//! - extension attributes by full path, the URN being everything up to the
//!   last `:`: `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`,
//!   `urn:acme:hr:1.0:User:costCenter`.
//!
//! Attribute names are case-insensitive (as SCIM's are) and written back in
//! their schema's casing. The aliases are in [`ALIASES`].

use provisio_api::inbound::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
// The schemas' attributes, as the engine reads records by them: one table.
use provisio_engine::inbound_record::schema::{CORE, ENTERPRISE, Kind};
use serde_json::{Map, Value};

/// Friendly headers and the paths they stand for (matched ignoring case).
pub const ALIASES: &[(&str, &str)] = &[
    ("givenName", "name.givenName"),
    ("firstName", "name.givenName"),
    ("familyName", "name.familyName"),
    ("surname", "name.familyName"),
    ("lastName", "name.familyName"),
    ("email", "emails[type eq \"work\"].value"),
    ("mobile", "phoneNumbers[type eq \"mobile\"].value"),
    (
        "department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ),
    (
        "employeeNumber",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ),
    (
        "costCenter",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
    ),
    (
        "division",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division",
    ),
    (
        "organization",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:organization",
    ),
    (
        "manager",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ),
];

/// Where one column's cells go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The extension's URN; `None` for the core User schema.
    pub schema: Option<String>,
    pub attribute: String,
    /// The `type` of a multi-valued attribute's element: `work` in `emails[type eq "work"]`.
    pub type_filter: Option<String>,
    pub sub_attribute: Option<String>,
    /// Cells are true/false rather than text (`active`).
    pub boolean: bool,
}

impl Column {
    /// Reads a header: an attribute path or an alias. The error says what is wrong with it.
    pub fn parse(header: &str) -> Result<Column, String> {
        let header = header.trim();
        if header.is_empty() {
            return Err("a column needs a header: an attribute path such as name.givenName".to_owned());
        }
        let path = ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(header))
            .map_or(header, |(_, path)| path);
        let (schema, path) = match path.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("urn:") => {
                let Some((urn, path)) = path.rsplit_once(':') else {
                    return Err(format!("{path:?} has no attribute after its schema URN"));
                };
                if urn.len() <= 4 || path.is_empty() {
                    return Err(format!(
                        "{header:?} should be a schema URN, ':' and an attribute, e.g. urn:acme:hr:1.0:User:costCenter"
                    ));
                }
                (Some(urn), path)
            }
            _ => (None, path),
        };
        let (attribute, type_filter, sub_attribute) = split_path(path)?;
        let known = match schema {
            None => Some((None, CORE)),
            Some(urn) if urn.eq_ignore_ascii_case(USER_SCHEMA) => Some((None, CORE)),
            Some(urn) if urn.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA) => {
                Some((Some(ENTERPRISE_USER_SCHEMA.to_owned()), ENTERPRISE))
            }
            Some(_) => None,
        };
        let Some((schema, attributes)) = known else {
            // A custom extension: its schema is the job's business, any well-formed path goes.
            if type_filter.is_some() && sub_attribute.is_none() {
                return Err(format!(
                    "{path:?} names a type but no sub-attribute, e.g. {attribute}[type eq \"work\"].value"
                ));
            }
            return Ok(Column {
                schema: schema.map(str::to_owned),
                attribute: attribute.to_owned(),
                type_filter,
                sub_attribute: sub_attribute.map(str::to_owned),
                boolean: false,
            });
        };
        let Some((name, kind)) = attributes.iter().find(|(name, _)| name.eq_ignore_ascii_case(attribute)) else {
            let schema_name = if schema.is_some() {
                "the enterprise User extension"
            } else {
                "the core User schema"
            };
            let aliases: Vec<&str> = ALIASES.iter().map(|(alias, _)| *alias).collect();
            return Err(format!(
                "{attribute:?} is not an attribute of {schema_name}, nor an alias ({})",
                aliases.join(", ")
            ));
        };
        let sub = |subs: &[&str]| -> Result<Option<String>, String> {
            let Some(sub) = sub_attribute else {
                return Err(format!("{name} needs a sub-attribute: {name}.{}", subs.join(", ")));
            };
            subs.iter()
                .find(|s| s.eq_ignore_ascii_case(sub))
                .map(|s| Some((*s).to_owned()))
                .ok_or_else(|| format!("{name} has no sub-attribute {sub:?} (it has {})", subs.join(", ")))
        };
        let (sub_attribute, boolean) = match kind {
            Kind::Text | Kind::Boolean => {
                if type_filter.is_some() || sub_attribute.is_some() {
                    return Err(format!("{name} is a single value: name it alone, as {name}"));
                }
                (None, matches!(kind, Kind::Boolean))
            }
            Kind::Complex(subs) => {
                if type_filter.is_some() {
                    return Err(format!("{name} is not multi-valued: write {name}.{}", subs.join("/")));
                }
                (sub(subs)?, false)
            }
            Kind::Multi(subs) => {
                if type_filter.is_none() {
                    return Err(format!(
                        "{name} is multi-valued: say which one, e.g. {name}[type eq \"work\"].{}",
                        subs.first().copied().unwrap_or("value")
                    ));
                }
                (sub(subs)?, false)
            }
        };
        Ok(Column {
            schema,
            attribute: (*name).to_owned(),
            type_filter,
            sub_attribute,
            boolean,
        })
    }

    /// Puts a cell's value where the column says, beside what other columns put there.
    pub fn set(&self, data: &mut Map<String, Value>, value: Value) {
        let object = match &self.schema {
            None => data,
            Some(urn) => {
                let Some(object) = object_at(data, urn) else { return };
                object
            }
        };
        match (&self.type_filter, &self.sub_attribute) {
            (None, None) => {
                object.insert(self.attribute.clone(), value);
            }
            (None, Some(sub)) => {
                if let Some(object) = object_at(object, &self.attribute) {
                    object.insert(sub.clone(), value);
                }
            }
            (Some(kind), sub) => {
                let entry = object
                    .entry(self.attribute.clone())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if !entry.is_array() {
                    *entry = Value::Array(Vec::new());
                }
                let Value::Array(elements) = entry else { return };
                let position = elements
                    .iter()
                    .position(|e| e.get("type").and_then(Value::as_str) == Some(kind));
                let index = position.unwrap_or_else(|| {
                    let mut element = Map::new();
                    element.insert("type".to_owned(), Value::String(kind.clone()));
                    elements.push(Value::Object(element));
                    elements.len() - 1
                });
                if let Some(Value::Object(element)) = elements.get_mut(index) {
                    element.insert(sub.clone().unwrap_or_else(|| "value".to_owned()), value);
                }
            }
        }
    }
}

/// The object under `key`, created (or replacing a non-object) when needed.
fn object_at<'a>(parent: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    let entry = parent
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

/// `attr`, `attr.sub` or `attr[type eq "x"].sub` → its three parts.
fn split_path(path: &str) -> Result<(&str, Option<String>, Option<&str>), String> {
    let name_end = path.find(['[', '.']).unwrap_or(path.len());
    let (attribute, mut rest) = path.split_at(name_end);
    check_name(attribute, path)?;
    let mut type_filter = None;
    if let Some(after) = rest.strip_prefix('[') {
        let Some((filter, after)) = after.split_once(']') else {
            return Err(format!("{path:?} has a '[' without its ']'"));
        };
        type_filter = Some(parse_type_filter(filter).ok_or_else(|| {
            format!("{path:?}: only [type eq \"…\"] can pick a value, e.g. emails[type eq \"work\"].value")
        })?);
        rest = after;
    }
    let sub_attribute = match rest.strip_prefix('.') {
        Some(sub) => {
            check_name(sub, path)?;
            Some(sub)
        }
        None if rest.is_empty() => None,
        None => return Err(format!("{path:?} is not an attribute path: unexpected {rest:?}")),
    };
    Ok((attribute, type_filter, sub_attribute))
}

/// SCIM's ATTRNAME: a letter, then letters, digits, '-' or '_'.
fn check_name(name: &str, path: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(())
    } else {
        Err(format!(
            "{path:?} is not an attribute path: {name:?} is not an attribute name"
        ))
    }
}

/// `type eq "work"` (any spacing and case of `type eq`) → `work`.
fn parse_type_filter(filter: &str) -> Option<String> {
    let (words, value) = filter.split_once('"')?;
    let value = value.trim_end().strip_suffix('"')?;
    let mut words = words.split_whitespace();
    let well_formed = words.next().is_some_and(|w| w.eq_ignore_ascii_case("type"))
        && words.next().is_some_and(|w| w.eq_ignore_ascii_case("eq"))
        && words.next().is_none()
        && !value.is_empty()
        && !value.contains('"');
    well_formed.then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = ENTERPRISE_USER_SCHEMA;

    #[track_caller]
    fn column(header: &str, schema: Option<&str>, attribute: &str, filter: Option<&str>, sub: Option<&str>) {
        let column = Column::parse(header).unwrap();
        assert_eq!(
            (
                column.schema.as_deref(),
                column.attribute.as_str(),
                column.type_filter.as_deref(),
                column.sub_attribute.as_deref()
            ),
            (schema, attribute, filter, sub),
            "{header}"
        );
    }

    #[track_caller]
    fn refused(header: &str, says: &str) {
        let error = Column::parse(header).unwrap_err();
        assert!(error.contains(says), "{header}: {error:?} does not say {says:?}");
    }

    #[test]
    fn core_paths() {
        column("externalId", None, "externalId", None, None);
        column("username", None, "userName", None, None);
        column(" name.givenName ", None, "name", None, Some("givenName"));
        column(
            "emails[type eq \"work\"].value",
            None,
            "emails",
            Some("work"),
            Some("value"),
        );
        column(
            "phoneNumbers[ TYPE  EQ \"mobile\" ].value",
            None,
            "phoneNumbers",
            Some("mobile"),
            Some("value"),
        );
        column(
            "addresses[type eq \"work\"].LOCALITY",
            None,
            "addresses",
            Some("work"),
            Some("locality"),
        );
        column(&format!("{USER_SCHEMA}:title"), None, "title", None, None);
        assert!(Column::parse("active").unwrap().boolean);
        assert!(!Column::parse("title").unwrap().boolean);
    }

    #[test]
    fn extension_paths() {
        column(
            &format!("{ENTERPRISE}:department"),
            Some(ENTERPRISE),
            "department",
            None,
            None,
        );
        column(
            &format!("{ENTERPRISE}:manager.value"),
            Some(ENTERPRISE),
            "manager",
            None,
            Some("value"),
        );
        let lower = ENTERPRISE.to_ascii_lowercase();
        column(
            &format!("{lower}:costcenter"),
            Some(ENTERPRISE),
            "costCenter",
            None,
            None,
        );
        column(
            "urn:acme:hr:1.0:User:costCenter",
            Some("urn:acme:hr:1.0:User"),
            "costCenter",
            None,
            None,
        );
        column(
            "urn:acme:hr:1.0:User:badge.number",
            Some("urn:acme:hr:1.0:User"),
            "badge",
            None,
            Some("number"),
        );
    }

    #[test]
    fn aliases() {
        column("givenName", None, "name", None, Some("givenName"));
        column("FamilyName", None, "name", None, Some("familyName"));
        column("surname", None, "name", None, Some("familyName"));
        column("email", None, "emails", Some("work"), Some("value"));
        column("mobile", None, "phoneNumbers", Some("mobile"), Some("value"));
        column("manager", Some(ENTERPRISE), "manager", None, Some("value"));
        for attribute in ["department", "employeeNumber", "costCenter", "division", "organization"] {
            column(attribute, Some(ENTERPRISE), attribute, None, None);
        }
    }

    #[test]
    fn ill_formed_or_unknown_headers() {
        refused("", "needs a header");
        refused(
            "colour",
            "\"colour\" is not an attribute of the core User schema, nor an alias (givenName",
        );
        refused(
            &format!("{ENTERPRISE}:title"),
            "not an attribute of the enterprise User extension",
        );
        refused("name", "name needs a sub-attribute");
        refused("name.nickname", "name has no sub-attribute \"nickname\"");
        refused(
            "emails",
            "emails is multi-valued: say which one, e.g. emails[type eq \"work\"].value",
        );
        refused("emails[primary eq true].value", "only [type eq \"…\"]");
        refused("emails[type eq \"work\"", "without its ']'");
        refused("title.value", "title is a single value");
        refused("name[type eq \"x\"].givenName", "name is not multi-valued");
        refused("first name", "not an attribute name");
        refused("urn:acme:hr:1.0:User:", "should be a schema URN");
        refused("urn:acme:hr:1.0:User:tags[type eq \"x\"]", "no sub-attribute");
        refused("2fa", "not an attribute name");
    }

    #[test]
    fn cells_land_in_nested_objects_and_typed_elements() {
        let mut data = Map::new();
        for (header, value) in [
            ("userName", json!("jdoe@contoso.com")),
            ("givenName", json!("John")),
            ("surname", json!("Doe")),
            ("addresses[type eq \"work\"].locality", json!("Redmond")),
            ("addresses[type eq \"work\"].country", json!("US")),
            ("addresses[type eq \"home\"].locality", json!("Seattle")),
            ("manager", json!("701900")),
            ("department", json!("R&D")),
            ("urn:acme:hr:1.0:User:costCenter", json!("CC-12")),
            ("active", json!(true)),
        ] {
            Column::parse(header).unwrap().set(&mut data, value);
        }
        assert_eq!(
            Value::Object(data),
            json!({
                "userName": "jdoe@contoso.com",
                "name": {"givenName": "John", "familyName": "Doe"},
                "addresses": [
                    {"type": "work", "locality": "Redmond", "country": "US"},
                    {"type": "home", "locality": "Seattle"}
                ],
                ENTERPRISE: {"manager": {"value": "701900"}, "department": "R&D"},
                "urn:acme:hr:1.0:User": {"costCenter": "CC-12"},
                "active": true
            })
        );
    }
}
