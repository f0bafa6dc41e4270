//! The lexical rules every attribute path shares, whoever parses it: the
//! target paths of this module (`parse.rs`) and the SCIM service's filters
//! and PATCH paths (provisio-scim builds on these functions). Where a schema
//! URN ends, what a schema URN and an attribute name are made of, the
//! literals `true` and `false`: one definition, so the two parsers cannot
//! drift apart on them.
//!
//! ```
//! use provisio_engine::scim_path::syntax::{is_attr_name, split_schema};
//!
//! let path = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value";
//! let (schema, rest) = split_schema(path).unwrap();
//! assert_eq!(schema, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
//! assert_eq!(rest, "manager.value");
//! assert!(is_attr_name("manager") && !is_attr_name("2ndLine"));
//! ```

/// Schemas whose attributes sit at the top level of a resource, even when a
/// path names them explicitly (RFC 7643 §3: the core User and Group schemas).
pub const CORE_SCHEMA_PREFIX: &str = "urn:ietf:params:scim:schemas:core:";

/// Splits a path at its last `:` into the schema URN before it and the
/// attribute path after it (RFC 7644 §3.10: `urn:…:2.0:User:manager.value`);
/// `None` when the path has no colon. A URN's own segments may hold `.`
/// (`…:2.0:User`), so only the last colon ends it.
pub fn split_schema(text: &str) -> Option<(&str, &str)> {
    let colon = text.rfind(':')?;
    Some((text.get(..colon)?, text.get(colon + 1..)?))
}

/// Whether `text` starts with the `urn:` scheme every schema URN has, in any case.
pub fn has_urn_scheme(text: &str) -> bool {
    starts_with_ignore_case(text, "urn:")
}

/// A character of one `:`-separated segment of a schema URN.
pub fn is_urn_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '%' | '$')
}

/// ATTRNAME (RFC 7643 §2.1), as SCIM requests must write attribute names:
/// a letter, then letters, digits, `-` or `_`; and `$ref`.
pub fn is_attr_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first = chars.next();
    (first.is_some_and(|c| c.is_ascii_alphabetic()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        || name.eq_ignore_ascii_case("$ref")
}

/// A character of a target path's attribute name: ATTRNAME's, and also any
/// letter or digit anywhere and `_` or `$`, as LDAP attributes, SQL columns
/// and REST fields are named (`sAMAccountName`, `2nd_line`, `$ref`).
pub fn is_target_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '$')
}

/// The boolean literal `true` or `false`, in any case (RFC 7644 §3.4.2.2:
/// filter literals; Entra ID also sends `"True"` as a string).
pub fn boolean(word: &str) -> Option<bool> {
    if word.eq_ignore_ascii_case("true") {
        Some(true)
    } else if word.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Whether `text` starts with `prefix`, ignoring ASCII case.
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_ends_at_the_last_colon() {
        assert_eq!(
            split_schema("urn:acme:hr:1.0:User:costCenter"),
            Some(("urn:acme:hr:1.0:User", "costCenter"))
        );
        assert_eq!(split_schema("urn:x:"), Some(("urn:x", "")));
        assert_eq!(split_schema("name.givenName"), None);
        assert!(has_urn_scheme("URN:ietf:params") && !has_urn_scheme("foo:bar") && !has_urn_scheme("ur"));
    }

    #[test]
    fn attribute_names_follow_rfc_7643() {
        for name in ["userName", "x509Certificates", "employee-number", "a_b", "$ref", "$REF"] {
            assert!(is_attr_name(name), "{name}");
        }
        for name in ["", "1name", "-a", "a.b", "a b", "naïve", "$value"] {
            assert!(!is_attr_name(name), "{name}");
        }
    }

    #[test]
    fn target_names_are_more_lenient() {
        for c in ['a', 'Z', '7', 'é', '_', '-', '$'] {
            assert!(is_target_name_char(c), "{c}");
        }
        for c in [' ', '.', '[', ':', '"'] {
            assert!(!is_target_name_char(c), "{c}");
        }
        assert!(is_urn_char('.') && is_urn_char('+') && !is_urn_char(':') && !is_urn_char(' '));
    }

    #[test]
    fn booleans_in_any_case() {
        assert_eq!(boolean("TRUE"), Some(true));
        assert_eq!(boolean("False"), Some(false));
        assert_eq!(boolean("yes"), None);
        assert!(starts_with_ignore_case("Urn:X", "urn:") && !starts_with_ignore_case("u", "urn:"));
    }
}
