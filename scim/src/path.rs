//! Attribute paths as SCIM requests write them (RFC 7644 §3.10): an
//! optional schema URN, an attribute and an optional sub-attribute, e.g.
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
//! The lexical rules (where the URN ends, what a name is) are the engine's
//! `scim_path::syntax`, which its target paths follow too.

use std::fmt;

use provisio_engine::scim_path::syntax::{has_urn_scheme, is_attr_name, split_schema};

/// An attribute path as filters and PATCH write it: an optional schema URN,
/// the attribute and an optional sub-attribute, e.g.
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    pub urn: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// Splits a path; the error says what is wrong with it. Names must be
    /// RFC 7643 ATTRNAMEs; the URN is everything up to the last colon.
    pub fn parse(text: &str) -> Result<AttrPath, String> {
        let (urn, rest) = match split_schema(text) {
            Some((urn, rest)) if has_urn_scheme(text) => (Some(urn), rest),
            Some(_) => {
                return Err(format!(
                    "\"{text}\" has a colon but does not start with a \"urn:\" schema URN"
                ));
            }
            None => (None, text),
        };
        let mut parts = rest.split('.');
        let attr = parts.next().unwrap_or_default();
        let sub_attr = parts.next();
        if parts.next().is_some() {
            return Err(format!("\"{text}\" has more than one sub-attribute"));
        }
        for name in std::iter::once(attr).chain(sub_attr) {
            if !is_attr_name(name) {
                return Err(format!(
                    "\"{text}\" is not an attribute path: \"{name}\" is not an attribute name"
                ));
            }
        }
        Ok(AttrPath {
            urn: urn.map(str::to_owned),
            attr: attr.into(),
            sub_attr: sub_attr.map(str::to_owned),
        })
    }

    /// The URN this path names when it is a whole schema URN such as
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub fn as_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub_attr) {
            (Some(urn), None) => Some(format!("{urn}:{}", self.attr)),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ENTERPRISE_URN;

    fn path(text: &str) -> AttrPath {
        AttrPath::parse(text).unwrap()
    }

    #[test]
    fn paths_split_urn_attribute_and_sub_attribute() {
        assert_eq!(
            path("userName"),
            AttrPath {
                urn: None,
                attr: "userName".into(),
                sub_attr: None
            }
        );
        assert_eq!(path("name.givenName").sub_attr.as_deref(), Some("givenName"));
        let manager = path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        assert_eq!(
            manager.urn.as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!(
            (manager.attr.as_str(), manager.sub_attr.as_deref()),
            ("manager", Some("value"))
        );
        assert_eq!(
            manager.to_string(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
        assert_eq!(path("members.$ref").sub_attr.as_deref(), Some("$ref"));
        assert_eq!(path(ENTERPRISE_URN).as_urn().as_deref(), Some(ENTERPRISE_URN));
    }

    #[test]
    fn bad_paths_say_why() {
        for (text, message) in [
            ("name.givenName.x", "more than one sub-attribute"),
            ("1name", "\"1name\" is not an attribute name"),
            ("", "\"\" is not an attribute name"),
            ("name.", "\"\" is not an attribute name"),
            ("foo:bar", "does not start with a \"urn:\""),
            ("urn:x:", "\"\" is not an attribute name"),
        ] {
            let error = AttrPath::parse(text).unwrap_err();
            assert!(error.contains(message), "{text}: {error}");
        }
    }
}
