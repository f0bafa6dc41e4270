//! The SCIM User schemas inbound records are written in — the core User
//! schema (RFC 7643 §4.1) and the enterprise extension (§4.3) — and the
//! source attribute names a record is read by ([`super::source_attributes`]):
//! which are known, and the closest known one to a name that is not.
//! `provisio inbound send` reads CSV headers with the same tables.
//!
//! ```
//! use provisio_engine::inbound_record::schema::{lookup, Lookup};
//!
//! assert_eq!(lookup("name.givenName"), Lookup::Known);
//! assert_eq!(lookup(r#"emails[type eq "work"].value"#), Lookup::Known);
//! assert_eq!(lookup("urn:acme:hr:1.0:User:costCenter"), Lookup::Known);
//! assert_eq!(
//!     lookup("name.givenNmae"),
//!     Lookup::Unknown { suggestion: Some("name.givenName".into()) }
//! );
//! ```

use crate::attributes::IS_SOFT_DELETED;

/// The core User schema's URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension's URN.
pub const ENTERPRISE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// What an attribute of a known schema holds, and so which paths reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Boolean,
    /// A complex attribute: one of these sub-attributes must be named.
    Complex(&'static [&'static str]),
    /// Multi-valued: `[type eq "…"]` and one of these sub-attributes must be named.
    Multi(&'static [&'static str]),
}

const VALUE: &[&str] = &["value", "display"];

/// The core User schema minus what an HR system does not send: `id` and
/// `groups` are the server's, `password` has no place in a record.
pub const CORE: &[(&str, Kind)] = &[
    ("externalId", Kind::Text),
    ("userName", Kind::Text),
    (
        "name",
        Kind::Complex(&[
            "formatted",
            "familyName",
            "givenName",
            "middleName",
            "honorificPrefix",
            "honorificSuffix",
        ]),
    ),
    ("displayName", Kind::Text),
    ("nickName", Kind::Text),
    ("profileUrl", Kind::Text),
    ("title", Kind::Text),
    ("userType", Kind::Text),
    ("preferredLanguage", Kind::Text),
    ("locale", Kind::Text),
    ("timezone", Kind::Text),
    ("active", Kind::Boolean),
    ("emails", Kind::Multi(VALUE)),
    ("phoneNumbers", Kind::Multi(VALUE)),
    ("ims", Kind::Multi(VALUE)),
    ("photos", Kind::Multi(VALUE)),
    (
        "addresses",
        Kind::Multi(&[
            "formatted",
            "streetAddress",
            "locality",
            "region",
            "postalCode",
            "country",
        ]),
    ),
    ("entitlements", Kind::Multi(VALUE)),
    ("roles", Kind::Multi(VALUE)),
    ("x509Certificates", Kind::Multi(VALUE)),
];

/// The enterprise User extension.
pub const ENTERPRISE: &[(&str, Kind)] = &[
    ("employeeNumber", Kind::Text),
    ("costCenter", Kind::Text),
    ("organization", Kind::Text),
    ("division", Kind::Text),
    ("department", Kind::Text),
    ("manager", Kind::Complex(&["value", "displayName"])),
];

/// What a record carries besides its schemas' attributes: its identity
/// (the externalId) and the computed soft-deletion flag.
const COMPUTED: &[&str] = &["id", IS_SOFT_DELETED];

/// Whether a record can carry a source attribute name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Known,
    /// No record carries it; the closest name that one does, if any.
    Unknown {
        suggestion: Option<String>,
    },
}

/// Whether a record read as a source object can carry `name`, spelt
/// exactly so (source objects are read by their names case-sensitively):
/// a core attribute (`title`), a sub-attribute (`name.givenName`), an
/// element of a multi-valued one by type (`emails[type eq "work"].value`),
/// an enterprise extension attribute by its full path, or any attribute of
/// a custom extension (`urn:acme:hr:1.0:User:costCenter`), whose schema is
/// the job's business.
pub fn lookup(name: &str) -> Lookup {
    if known(name) {
        return Lookup::Known;
    }
    Lookup::Unknown {
        suggestion: suggestion(name),
    }
}

fn known(name: &str) -> bool {
    if COMPUTED.contains(&name) {
        return true;
    }
    if !name.starts_with("urn:") {
        return known_path(name, CORE);
    }
    if let Some(path) = after_urn(name, ENTERPRISE_USER_SCHEMA) {
        return known_path(path, ENTERPRISE);
    }
    // A core attribute is named without its URN (records carry it so);
    // a known schema's URN spelt otherwise is not the one records carry.
    if [USER_SCHEMA, ENTERPRISE_USER_SCHEMA]
        .iter()
        .any(|urn| starts_with_any_case(name, urn))
    {
        return false;
    }
    matches!(name.rsplit_once(':'), Some((urn, path)) if urn.len() > "urn:".len() && !path.is_empty())
}

/// The path after `urn` and its `:`, when `name` starts with exactly that URN.
fn after_urn<'a>(name: &'a str, urn: &str) -> Option<&'a str> {
    name.strip_prefix(urn)?.strip_prefix(':')
}

fn starts_with_any_case(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
}

/// `attr`, `attr.sub` or `attr[type eq "x"].sub`, as records are flattened.
fn known_path(path: &str, table: &[(&str, Kind)]) -> bool {
    let Some((attribute, filter, sub)) = split(path) else {
        return false;
    };
    let Some((_, kind)) = table.iter().find(|(known, _)| *known == attribute) else {
        return false;
    };
    match (kind, filter, sub) {
        (_, None, None) => true,
        (Kind::Complex(subs), None, Some(sub)) => subs.contains(&sub),
        (Kind::Multi(subs), Some(_), Some(sub)) => subs.contains(&sub) || sub == "primary",
        _ => false,
    }
}

/// A path's attribute, the type its filter picks, and its sub-attribute.
fn split(path: &str) -> Option<(&str, Option<&str>, Option<&str>)> {
    let end = path.find(['[', '.']).unwrap_or(path.len());
    let (attribute, rest) = path.split_at(end);
    let (filter, rest) = match rest.strip_prefix("[type eq \"") {
        Some(after) => {
            let (kind, rest) = after.split_once("\"]")?;
            (Some(kind), rest)
        }
        None => (None, rest),
    };
    let sub = match rest.strip_prefix('.') {
        Some(sub) => Some(sub),
        None if rest.is_empty() => None,
        None => return None,
    };
    Some((attribute, filter, sub))
}

/// The closest name a record carries: every path of both schemas (an
/// element type as `name` gives it, else `work`), written as records are
/// read; a core attribute written with its URN is offered without it.
fn suggestion(name: &str) -> Option<String> {
    if starts_with_any_case(name, USER_SCHEMA)
        && let Some(path) = name.get(USER_SCHEMA.len()..).and_then(|rest| rest.strip_prefix(':'))
        && known_path(path, CORE)
    {
        return Some(path.to_owned());
    }
    let kind = split(name).and_then(|(_, filter, _)| filter).unwrap_or("work");
    let mut candidates: Vec<String> = COMPUTED.iter().map(|c| (*c).to_owned()).collect();
    candidates.extend(paths(CORE, "", kind));
    candidates.extend(paths(ENTERPRISE, &format!("{ENTERPRISE_USER_SCHEMA}:"), kind));
    crate::suggest::closest(name, candidates.iter().map(String::as_str)).map(str::to_owned)
}

/// Every path of a schema's table, each prefixed.
fn paths(table: &[(&str, Kind)], prefix: &str, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (attribute, shape) in table {
        out.push(format!("{prefix}{attribute}"));
        match shape {
            Kind::Text | Kind::Boolean => {}
            Kind::Complex(subs) => out.extend(subs.iter().map(|sub| format!("{prefix}{attribute}.{sub}"))),
            Kind::Multi(subs) => out.extend(
                subs.iter()
                    .chain(["primary"].iter())
                    .map(|sub| format!("{prefix}{attribute}[type eq \"{kind}\"].{sub}")),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: &str = ENTERPRISE_USER_SCHEMA;

    #[track_caller]
    fn is_known(name: &str) {
        assert_eq!(lookup(name), Lookup::Known, "{name}");
    }

    #[track_caller]
    fn suggests(name: &str, suggestion: Option<&str>) {
        assert_eq!(
            lookup(name),
            Lookup::Unknown {
                suggestion: suggestion.map(str::to_owned)
            },
            "{name}"
        );
    }

    #[test]
    fn what_a_record_flattens_to_is_known() {
        for name in [
            "id",
            "IsSoftDeleted",
            "externalId",
            "userName",
            "active",
            "title",
            "name",
            "name.familyName",
            "emails",
            r#"emails[type eq "work"].value"#,
            r#"emails[type eq "home"].primary"#,
            r#"phoneNumbers[type eq "mobile"].value"#,
            r#"addresses[type eq "work"].locality"#,
            "urn:acme:hr:1.0:User:costCenter",
        ] {
            is_known(name);
        }
        is_known(&format!("{E}:department"));
        is_known(&format!("{E}:manager"));
        is_known(&format!("{E}:manager.value"));
    }

    #[test]
    fn typos_and_directory_names_get_the_record_s_name() {
        suggests("name.givenNmae", Some("name.givenName"));
        suggests("userNmae", Some("userName"));
        suggests("UserName", Some("userName"));
        suggests(
            r#"emails[type eq "work"].vlue"#,
            Some(r#"emails[type eq "work"].value"#),
        );
        suggests(
            r#"addresses[type eq "home"].locallity"#,
            Some(r#"addresses[type eq "home"].locality"#),
        );
        suggests("givenName", Some("name.givenName"));
        suggests(&format!("{E}:departmnet"), Some(&format!("{E}:department")));
        suggests(&format!("{USER_SCHEMA}:title"), Some("title"));
        suggests("shoeSize", None);
    }

    #[test]
    fn paths_must_have_the_shape_of_their_attribute() {
        for wrong in [
            "name.nickname",
            "title.value",
            "emails.value",
            r#"emails[type eq "work"]"#,
            r#"name[type eq "work"].givenName"#,
            r#"emails[type eq "work"].value.x"#,
            r#"emails[TYPE EQ "work"].value"#,
            "urn:",
        ] {
            assert!(matches!(lookup(wrong), Lookup::Unknown { .. }), "{wrong}");
        }
    }
}
