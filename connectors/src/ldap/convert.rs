//! Conversions of the LDAP connector: engine values to attribute values and
//! back, and result codes to [`ConnectorError`]. No I/O here, so all of it is
//! unit-tested.

use std::collections::HashSet;

use ldap3::{LdapError, LdapResult, SearchEntry};
use provisio_engine::Value;
use provisio_engine::scim_path::TargetAttributes;

use super::dn::{canonical_dn, normalised_dn};
use crate::ConnectorError;

/// The target path that holds an entry's DN.
pub(super) const DN: &str = "dn";

/// Attributes never returned by `read` or `find`: a password (even hashed)
/// must not reach plans, previews or logs.
const HIDDEN: &[&str] = &["userPassword", "entryUUID"];

/// One value to write: literal text, or the target id (entryUUID) of
/// another entry, to be written as that entry's DN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Reference(String),
}

/// The values an engine value is written as (none for `Null` and empty
/// text: LDAP has no empty values).
pub(super) fn pieces(path: &str, value: &Value) -> Result<Vec<Piece>, ConnectorError> {
    let mut out = Vec::new();
    collect(path, value, &mut out)?;
    Ok(out)
}

fn collect(path: &str, value: &Value, out: &mut Vec<Piece>) -> Result<(), ConnectorError> {
    match value {
        Value::Null => {}
        Value::Str(text) if text.is_empty() => {}
        Value::Str(text) => out.push(Piece::Text(text.clone())),
        Value::Bool(b) => out.push(Piece::Text(if *b { "TRUE" } else { "FALSE" }.to_owned())),
        Value::Int(i) => out.push(Piece::Text(i.to_string())),
        // GeneralizedTime, as LDAP timestamps are written.
        Value::DateTime(at) => out.push(Piece::Text(at.format("%Y%m%d%H%M%SZ").to_string())),
        Value::Reference(id) => out.push(Piece::Reference(id.clone())),
        Value::Multi(values) => {
            for v in values {
                collect(path, v, out)?;
            }
        }
        Value::Complex(_) => {
            return Err(ConnectorError::Invalid {
                detail: format!("`{path}`: an LDAP attribute cannot hold a structured value"),
            });
        }
    }
    Ok(())
}

/// The text a matching value is searched for (`None`: nothing can match).
pub(super) fn search_text(value: &Value) -> Option<String> {
    match pieces("", value).ok()?.into_iter().next()? {
        Piece::Text(text) | Piece::Reference(text) => Some(text),
    }
}

/// Checks that a target path is a plain LDAP attribute name (with options,
/// `cn;lang-de`), not a SCIM path with a filter or sub-attribute.
pub(super) fn attribute_name(path: &str) -> Result<&str, ConnectorError> {
    let plain = !path.is_empty()
        && path.starts_with(|c: char| c.is_ascii_alphabetic())
        && path.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';');
    if plain {
        Ok(path)
    } else {
        Err(ConnectorError::Invalid {
            detail: format!("`{path}` is not an LDAP attribute name"),
        })
    }
}

/// An entry as the engine sees it: every attribute under the name the
/// server spells it with, one value as text, several as a list, plus `dn`
/// with its values escaped as EscapeDNComponent escapes them.
pub(super) fn attributes(entry: &SearchEntry) -> TargetAttributes {
    let mut attributes = TargetAttributes::new();
    for (name, values) in &entry.attrs {
        if HIDDEN.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            continue;
        }
        let value = match values.as_slice() {
            [] => continue,
            [one] => Value::Str(one.clone()),
            many => Value::Multi(many.iter().cloned().map(Value::Str).collect()),
        };
        attributes.insert(name.clone(), value);
    }
    attributes.insert(DN.to_owned(), Value::Str(canonical_dn(&entry.dn)));
    attributes
}

/// The entry's entryUUID (its target id).
pub(super) fn entry_uuid(entry: &SearchEntry) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("entryUUID"))
        .and_then(|(_, values)| values.first().cloned())
}

/// The values of one attribute of an entry (names are case-insensitive).
pub(super) fn values_of<'a>(entry: &'a SearchEntry, attribute: &str) -> &'a [String] {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .map_or(&[], |(_, values)| values.as_slice())
}

/// Values compared as DNs.
pub(super) fn dn_set<'a>(dns: impl IntoIterator<Item = &'a String>) -> HashSet<String> {
    dns.into_iter().map(|dn| normalised_dn(dn)).collect()
}

/// An LDAP failure as the cycle handles it. `what` says what was being
/// done (`adding uid=ada,ou=people,…`); the password never appears.
pub(super) fn from_ldap(what: &str, error: LdapError) -> ConnectorError {
    match error {
        LdapError::LdapResult { result } => from_result(what, &result),
        LdapError::UrlParsing { .. } | LdapError::UnknownScheme(_) => ConnectorError::Invalid {
            detail: format!("{what}: {error}"),
        },
        LdapError::FilterParsing | LdapError::AddNoValues => ConnectorError::Invalid {
            detail: format!("{what}: {error}"),
        },
        // I/O, TLS, timeouts, a closed connection.
        other => ConnectorError::Transient {
            detail: format!("{what}: {other}"),
        },
    }
}

/// A non-zero LDAP result code as the cycle handles it.
pub(super) fn from_result(what: &str, result: &LdapResult) -> ConnectorError {
    let rc = result.rc;
    let detail = if result.text.is_empty() {
        format!("{what}: LDAP result {rc} ({})", code_name(rc))
    } else {
        format!("{what}: LDAP result {rc} ({}): {}", code_name(rc), result.text)
    };
    match rc {
        // invalidCredentials, inappropriateAuthentication, strongerAuthRequired
        49 | 48 | 8 => ConnectorError::InvalidCredentials {
            status: u16::try_from(rc).unwrap_or(u16::MAX),
        },
        // confidentialityRequired: the server wants TLS.
        13 => ConnectorError::Incompatible { detail },
        32 => ConnectorError::NotFound { detail },
        68 => ConnectorError::Conflict {
            scim_type: None,
            detail,
        },
        50 => ConnectorError::Rejected {
            status: 403,
            scim_type: None,
            detail,
        },
        // timeLimitExceeded, adminLimitExceeded, busy, unavailable,
        // unwillingToPerform, loopDetect, other
        3 | 11 | 51..=54 | 80 => ConnectorError::Transient { detail },
        _ => ConnectorError::Rejected {
            status: 400,
            scim_type: None,
            detail,
        },
    }
}

/// The RFC 4511 name of a result code.
pub(super) fn code_name(rc: u32) -> &'static str {
    match rc {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        8 => "strongerAuthRequired",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        18 => "inappropriateMatching",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        54 => "loopDetect",
        64 => "namingViolation",
        65 => "objectClassViolation",
        66 => "notAllowedOnNonLeaf",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        80 => "other",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.to_owned(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    #[test]
    fn result_codes_map_to_what_the_cycle_does() {
        let e = |rc| from_result("adding x", &result(rc, "because"));
        assert_eq!(e(49), ConnectorError::InvalidCredentials { status: 49 });
        assert!(matches!(e(68), ConnectorError::Conflict { .. }));
        assert!(matches!(e(32), ConnectorError::NotFound { .. }));
        assert!(matches!(e(50), ConnectorError::Rejected { status: 403, .. }));
        for rc in [19, 21, 65] {
            assert!(matches!(e(rc), ConnectorError::Rejected { status: 400, .. }), "{rc}");
        }
        for rc in [51, 52, 53] {
            assert!(e(rc).is_retryable(), "{rc}");
        }
        assert_eq!(
            e(65).to_string(),
            "the target rejected the request (HTTP 400): adding x: LDAP result 65 (objectClassViolation): because"
        );
    }

    #[test]
    fn values_become_ldap_text() {
        let p = |v: Value| pieces("a", &v).unwrap();
        assert_eq!(p(Value::Null), vec![]);
        assert_eq!(p(Value::str("")), vec![]);
        assert_eq!(p(Value::Bool(true)), vec![Piece::Text("TRUE".into())]);
        assert_eq!(p(Value::Int(7)), vec![Piece::Text("7".into())]);
        assert_eq!(
            p(Value::Multi(vec![Value::str("a"), Value::Reference("u1".into())])),
            vec![Piece::Text("a".into()), Piece::Reference("u1".into())]
        );
        assert!(pieces("a", &Value::Complex(Default::default())).is_err());
    }

    #[test]
    fn attribute_names_are_plain() {
        assert!(attribute_name("givenName").is_ok());
        assert!(attribute_name("cn;lang-de").is_ok());
        assert!(attribute_name("emails[type eq \"work\"].value").is_err());
        assert!(attribute_name("").is_err());
    }
}
