//! The engine's target paths read as SCIM PATCH paths. A job's mapping
//! targets are parsed once, by the engine (`TargetPath`: it also names LDAP
//! attributes, SQL columns and REST fields, so its names are more lenient
//! and its value filters only select with `eq`). For a SCIM target such a
//! path means what its text means to this crate's PATCH-path parser, and
//! `PatchPath::from(&target)` gives that meaning without parsing the text a
//! second time. Both parsers take their lexical rules from
//! `provisio_engine::scim_path::syntax`; the tests below pin that they agree
//! on every path the two grammars share, and where they knowingly differ.
//!
//! ```
//! use provisio_engine::scim_path::TargetPath;
//! use provisio_scim::{PatchPath, filter, schema};
//! use serde_json::json;
//!
//! let target = TargetPath::parse(r#"emails[type eq "work"].value"#).unwrap();
//! let path = PatchPath::from(&target);
//! assert_eq!(path, filter::parse_path(&target.canonical()).unwrap());
//!
//! let users = schema::user_schema(&[]);
//! let work = json!({"type": "Work", "value": "ada@contoso.com"});
//! let emails = users.core.attribute("emails").unwrap();
//! assert!(path.filter.unwrap().matches_element(&work, emails));
//! ```

use provisio_engine::scim_path::{FilterValue, TargetPath, ValueFilter};
use serde_json::Value;

use crate::filter::{CompareOp, Filter, PatchPath};
use crate::path::AttrPath;

impl From<&TargetPath> for PatchPath {
    fn from(target: &TargetPath) -> PatchPath {
        PatchPath {
            path: AttrPath {
                urn: target.schema.clone(),
                attr: target.attribute.clone(),
                sub_attr: target.sub_attribute.clone(),
            },
            filter: target.filter.as_ref().map(Filter::from),
        }
    }
}

/// `[type eq "work"]`: an equality on a sub-attribute of the element.
impl From<&ValueFilter> for Filter {
    fn from(filter: &ValueFilter) -> Filter {
        Filter::Compare {
            path: AttrPath {
                urn: None,
                attr: filter.attribute.clone(),
                sub_attr: None,
            },
            op: CompareOp::Eq,
            value: match &filter.value {
                FilterValue::Text(text) => Value::String(text.clone()),
                FilterValue::Boolean(flag) => Value::Bool(*flag),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::filter::parse_path;

    /// The target path `text` as the engine parses it, and as this crate does.
    fn both(text: &str) -> (Result<PatchPath, String>, Result<PatchPath, String>) {
        let engine = TargetPath::parse(text)
            .map(|target| PatchPath::from(&target))
            .map_err(|error| error.to_string());
        let scim = parse_path(text).map_err(|error| error.detail);
        (engine, scim)
    }

    #[track_caller]
    fn agree(text: &str) {
        let (engine, scim) = both(text);
        assert!(engine.is_ok(), "{text}: {engine:?}");
        assert_eq!(engine, scim, "{text}");
    }

    #[test]
    fn shared_paths_mean_the_same() {
        agree("userName");
        agree("name.givenName");
        agree(r#"emails[type eq "work"].value"#);
        agree(r#"emails[ type   EQ "work" ] .value"#);
        agree(r#"addresses[type eq "work"]"#);
        agree("roles[primary eq TRUE].value");
        agree(r#"x[a eq "q\"\\"]"#);
        agree("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager");
        agree("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        agree("urn:acme:hr:1.0:User:costCenter");
        agree("members.$ref");
    }

    /// Where the grammars knowingly part: the engine also names LDAP
    /// attributes and SQL columns, and reads only `\"` and `\\` escapes;
    /// SCIM names are RFC 7643 ATTRNAMEs and its strings are JSON strings.
    #[test]
    fn where_the_grammars_differ() {
        for (text, engine_only) in [
            ("2nd_line", true),
            ("naïve", true),
            ("urn:a+b:x", true),
            ("emails[type eq \"a\u{1}b\"]", true),
            (r#"emails[type eq "a\nb"]"#, false),
            (r#"emails[type ne "work"]"#, false),
            (r#"emails[type eq 1]"#, false),
            ("urn:x", false),
        ] {
            let (engine, scim) = both(text);
            assert_eq!(
                (engine.is_ok(), scim.is_ok()),
                (engine_only, !engine_only),
                "{text}: engine {engine:?}, scim {scim:?}"
            );
        }
    }

    fn name() -> impl Strategy<Value = String> {
        prop_oneof![
            9 => "[A-Za-z][A-Za-z0-9_-]{0,8}",
            1 => Just("$ref".to_owned()),
        ]
    }

    fn target_path() -> impl Strategy<Value = TargetPath> {
        let schema = proptest::option::of(prop::collection::vec("[A-Za-z0-9][A-Za-z0-9._$-]{0,6}", 1..4))
            .prop_map(|segments| segments.map(|segments| format!("urn:{}", segments.join(":"))));
        let value = prop_oneof![
            "[^\\x00-\\x1f]{0,12}".prop_map(FilterValue::Text),
            any::<bool>().prop_map(FilterValue::Boolean),
        ];
        let filter =
            proptest::option::of((name(), value).prop_map(|(attribute, value)| ValueFilter { attribute, value }));
        (schema, name(), filter, proptest::option::of(name())).prop_map(|(schema, attribute, filter, sub_attribute)| {
            TargetPath {
                schema,
                attribute,
                filter,
                sub_attribute,
            }
        })
    }

    proptest! {
        /// Every target path within SCIM's names and strings, printed by the
        /// engine, reads here as the path the conversion gives.
        #[test]
        fn printed_target_paths_parse_as_their_conversion(target in target_path()) {
            let text = target.canonical();
            prop_assert_eq!(TargetPath::parse(&text), Ok(target.clone()));
            prop_assert_eq!(parse_path(&text), Ok(PatchPath::from(&target)), "{}", text);
        }
    }
}
