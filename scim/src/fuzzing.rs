//! Entry points for the fuzz targets in scim/fuzz: each runs one parser
//! that faces the network as the SCIM service runs it, and asserts what its
//! callers rely on (the fuzzer itself catches panics). Hidden from the
//! documentation; the unit tests below run each once.

use std::sync::OnceLock;

use http::StatusCode;
use serde_json::{Value, json};

use crate::error::{ScimError, ScimType};
use crate::path::AttrPath;
use crate::schema::{
    AttrType, CustomAttribute, ENTERPRISE_URN, GROUP_URN, ResourceSchema, USER_URN, group_schema, user_schema,
};
use crate::{filter, list, patch, projection, validate};

/// A SCIM filter (`?filter=`, a SearchRequest's `filter`): one that parses
/// is checked against both resource types and, where it fits, evaluated
/// against a sample resource; one that does not is a 400 `invalidFilter`
/// whose position lies within the text.
pub fn scim_filter(text: &str) {
    match filter::parse(text) {
        Ok(parsed) => {
            for (schema, resource) in samples() {
                if parsed.check(schema).is_ok() {
                    let _ = parsed.matches(resource, schema);
                }
            }
            let _ = parsed.equality_lookup();
            let _ = parsed.mentions("members");
        }
        Err(error) => assert_syntax_error(&error, ScimType::InvalidFilter, text),
    }
}

/// A SearchRequest body (`POST /.search`), as bytes of JSON.
pub fn scim_search(body: &[u8]) {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if let Ok(request) = list::ListRequest::from_search_body(&body) {
        let _ = (request.start_index(), request.count(), request.descending());
        if let Some(text) = &request.filter {
            scim_filter(text);
        }
    }
}

/// A PATCH body (RFC 7644 §3.5.2), as bytes of JSON, parsed against a
/// resource type's schema and applied to a sample resource: a failure
/// leaves the resource exactly as it was; a success leaves a JSON object,
/// which the service then validates as it would a replace.
pub fn scim_patch(body: &[u8], group: bool) {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let Some((schema, original)) = samples().get(usize::from(group)) else {
        return;
    };
    let operations = match patch::parse(&body, schema) {
        Ok(operations) => operations,
        Err(error) => {
            assert_client_error(&error);
            return;
        }
    };
    let mut resource = original.clone();
    match patch::apply(&mut resource, &operations, schema) {
        Ok(()) => {
            assert!(resource.is_object(), "a patched resource is an object: {resource}");
            if let Err(error) = validate::normalize(resource, schema, validate::Mode::Replace) {
                assert_client_error(&error);
            }
        }
        Err(error) => {
            assert_client_error(&error);
            assert_eq!(&resource, original, "a failed PATCH changes nothing");
        }
    }
}

/// Attribute paths as the SCIM service reads them: a path that parses
/// prints back to the same path; a PATCH `path` that does not parse is a
/// 400 `invalidPath` whose position lies within the text; `attributes`,
/// `excludedAttributes` and `sortBy` are checked against both schemas.
pub fn scim_path(text: &str) {
    if let Ok(path) = AttrPath::parse(text) {
        let printed = path.to_string();
        let _ = path.as_urn();
        assert_eq!(AttrPath::parse(&printed), Ok(path), "{text:?} printed as {printed:?}");
    }
    if let Err(error) = filter::parse_path(text) {
        assert_syntax_error(&error, ScimType::InvalidPath, text);
    }
    for (schema, _) in samples() {
        if let Err(error) = projection::check_attribute_lists(Some(text), Some(text), schema) {
            assert_client_error(&error);
        }
        if let Err(error) = projection::check_sort_by(text, schema) {
            assert_client_error(&error);
        }
    }
}

/// A User (with the enterprise extension and a custom attribute) and a
/// Group, each with its schema: built once, as the schemas cost more than
/// most inputs.
fn samples() -> &'static [(ResourceSchema, Value); 2] {
    static SAMPLES: OnceLock<[(ResourceSchema, Value); 2]> = OnceLock::new();
    SAMPLES.get_or_init(build_samples)
}

fn build_samples() -> [(ResourceSchema, Value); 2] {
    let custom = [CustomAttribute {
        name: "costCode".into(),
        kind: AttrType::String,
        multi_valued: false,
    }];
    let user = json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "id": "u1",
        "externalId": "E-1",
        "userName": "ada@contoso.com",
        "displayName": "Ada Lovelace",
        "active": true,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"type": "work", "value": "ada@contoso.com", "primary": true}],
        "phoneNumbers": [{"type": "mobile", "value": "+44 20 7946 0000"}],
        "groups": [{"value": "g1", "display": "Staff", "type": "direct"}],
        ENTERPRISE_URN: {"employeeNumber": "7", "department": "Sales", "manager": {"value": "m1"}},
        "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z",
                 "lastModified": "2024-01-02T00:00:00Z", "version": "W/\"1\""}
    });
    let group = json!({
        "schemas": [GROUP_URN],
        "id": "g1",
        "displayName": "Staff",
        "members": [{"value": "u1", "type": "User", "display": "Ada Lovelace"}],
        "meta": {"resourceType": "Group", "created": "2024-01-01T00:00:00Z",
                 "lastModified": "2024-01-02T00:00:00Z", "version": "W/\"1\""}
    });
    [(user_schema(&custom), user), (group_schema(), group)]
}

/// A 400 of the given type; a position it names (`at character N`, 1-based)
/// is at most one past the text's last character.
fn assert_syntax_error(error: &ScimError, kind: ScimType, text: &str) {
    assert_eq!(error.status, StatusCode::BAD_REQUEST, "{error:?}");
    assert_eq!(error.scim_type, Some(kind), "{error:?}");
    if let Some(position) = position(&error.detail) {
        assert!(
            (1..=text.chars().count() + 1).contains(&position),
            "position {position} outside {text:?}: {error:?}"
        );
    }
}

/// The 1-based character position a syntax error names.
fn position(detail: &str) -> Option<usize> {
    let (_, after) = detail.split_once(" at character ")?;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// A client's mistake: a 4xx with a detail, never a server error.
fn assert_client_error(error: &ScimError) {
    assert!(error.status.is_client_error(), "{error:?}");
    assert!(!error.detail.is_empty(), "{error:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_inputs_pass_their_checks() {
        scim_filter(r#"userName eq "ada@contoso.com" and (emails[type eq "work"] or members[display co "a"])"#);
        scim_filter("userName eqq \"x\"");
        scim_filter("((((");
        scim_search(
            br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "id pr", "count": 3}"#,
        );
        scim_patch(
            br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "replace", "path": "name.givenName", "value": "Augusta"}]}"#,
            false,
        );
        scim_patch(
            br#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove", "path": "members[value eq \"u1\"]"}]}"#,
            true,
        );
        scim_patch(br#"{"Operations": 1}"#, false);
        scim_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
        scim_path(r#"emails[type eq "work"].value"#);
        scim_path("a.b.c");
        scim_path("");
    }

    #[test]
    fn positions_are_read_from_the_detail() {
        assert_eq!(position("invalid filter at character 10: expected"), Some(10));
        assert_eq!(position("the body is not valid JSON"), None);
    }
}
