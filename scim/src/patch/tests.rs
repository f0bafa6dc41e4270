//! Tests of patch.rs.

use serde_json::json;

use super::*;
use crate::error::ScimType;
use crate::schema::{DIRECTORY_USER_URN, ENTERPRISE_URN, USER_URN, group_schema, user_schema};

const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const MANAGER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

fn body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP_URN], "Operations": operations})
}

fn patched(resource: Value, schema: &ResourceSchema, operations: Value) -> Result<Value, ScimError> {
    let operations = parse(&body(operations), schema)?;
    let mut resource = resource;
    apply(&mut resource, &operations, schema)?;
    Ok(resource)
}

fn user() -> Value {
    json!({
        "schemas": [USER_URN],
        "id": "2819c223",
        "userName": "bjensen",
        "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"},
        ],
        "meta": {"resourceType": "User", "version": "W/\"1\""},
    })
}

fn group() -> Value {
    json!({
        "schemas": [GROUP_URN],
        "id": "e9e30dba",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "type": "User"},
        ],
    })
}

fn user_patch(operations: Value) -> Value {
    patched(user(), &user_schema(&[]), operations).unwrap_or_else(|error| panic!("{error}"))
}

fn group_patch(operations: Value) -> Value {
    patched(group(), &group_schema(), operations).unwrap_or_else(|error| panic!("{error}"))
}

fn user_error(operations: Value) -> ScimError {
    patched(user(), &user_schema(&[]), operations).unwrap_err()
}

fn member_ids(group: &Value) -> Vec<&str> {
    group["members"]
        .as_array()
        .map_or(Vec::new(), |m| m.iter().map(|m| m["value"].as_str().unwrap()).collect())
}

#[test]
fn parse_checks_the_envelope() {
    let schema = user_schema(&[]);
    for (request, scim_type, detail) in [
        (
            json!([]),
            ScimType::InvalidSyntax,
            "the PATCH body must be a JSON object",
        ),
        (
            json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}),
            ScimType::InvalidSyntax,
            "needs \"schemas\"",
        ),
        (
            json!({"schemas": [PATCH_OP_URN], "Operations": []}),
            ScimType::InvalidSyntax,
            "one or more operations",
        ),
        (
            json!({"schemas": [PATCH_OP_URN]}),
            ScimType::InvalidSyntax,
            "\"Operations\" must be an array",
        ),
        (
            body(json!([{"op": "merge", "path": "title"}])),
            ScimType::InvalidSyntax,
            "operation 1: \"op\" must be \"add\", \"replace\" or \"remove\", not the string \"merge\"",
        ),
        (body(json!([{"path": "title"}])), ScimType::InvalidSyntax, "not nothing"),
        (
            body(json!(["x"])),
            ScimType::InvalidSyntax,
            "an operation must be an object",
        ),
        (
            body(json!([{"op": "remove"}])),
            ScimType::NoTarget,
            "operation 1: a remove operation needs a \"path\"",
        ),
        (
            body(json!([{"op": "add", "path": "title"}])),
            ScimType::InvalidValue,
            "an add operation needs a \"value\"",
        ),
        (
            body(json!([{"op": "add", "path": "title", "value": "x"}, {"op": "add", "path": "nope", "value": 1}])),
            ScimType::InvalidPath,
            "operation 2: \"nope\" is not an attribute of User",
        ),
        (
            body(json!([{"op": "replace", "path": "displayNmae", "value": "x"}])),
            ScimType::InvalidPath,
            "\"displayNmae\" is not an attribute of User; did you mean \"displayName\"?",
        ),
        (
            body(json!([{"op": "add", "path": "name.nope", "value": 1}])),
            ScimType::InvalidPath,
            "\"name.nope\" is not an attribute",
        ),
        (
            body(json!([{"op": "add", "path": "emails[type eqq \"work\"]", "value": 1}])),
            ScimType::InvalidPath,
            "operation 1: invalid path \"emails[type eqq \"work\"]\" at character 13: expected an operator",
        ),
        (
            body(json!([{"op": "add", "path": "emails[nope eq \"x\"]", "value": {}}])),
            ScimType::InvalidPath,
            "\"emails\" has no sub-attribute \"nope\"",
        ),
        (
            body(json!([{"op": "add", "path": "name[givenName eq \"x\"]", "value": {}}])),
            ScimType::InvalidPath,
            "a value filter needs a multi-valued complex attribute",
        ),
        (
            body(json!([{"op": "add", "path": 5, "value": 1}])),
            ScimType::InvalidPath,
            "\"path\" must be a string",
        ),
    ] {
        let error = parse(&request, &schema).unwrap_err();
        assert_eq!(error.scim_type, Some(scim_type), "{request}: {error}");
        assert!(error.detail.contains(detail), "{request}: {}", error.detail);
    }
    let parsed = parse(
        &body(json!([{"op": "Replace", "path": "active", "value": "False"}])),
        &schema,
    )
    .unwrap();
    assert_eq!(parsed[0].op, Op::Replace);
    assert_eq!(parsed[0].value, Some(json!("False")));
}

#[test]
fn rfc_add_members() {
    let out = group_patch(json!([{
        "op": "add",
        "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}],
    }]));
    assert_eq!(
        member_ids(&out),
        [
            "2819c223-7f76-453a-919d-413861904646",
            "902c246b-6245-4190-8e05-00816be7344a",
            "2819c223"
        ]
    );
    // display is readOnly and dropped; $ref kept.
    assert_eq!(
        out["members"][2],
        json!({"$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"})
    );
}

#[test]
fn rfc_add_without_path() {
    let out = user_patch(json!([{
        "op": "add",
        "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@c.d", "type": "other"}], "nickname": "Babs"},
    }]));
    assert_eq!(out["nickName"], "Babs");
    assert!(out.get("nickname").is_none());
    assert_eq!(out["emails"].as_array().unwrap().len(), 3); // the home email is not repeated
}

#[test]
fn rfc_remove_examples() {
    let out =
        group_patch(json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}]));
    assert_eq!(member_ids(&out), ["902c246b-6245-4190-8e05-00816be7344a"]);
    let out = group_patch(json!([{"op": "remove", "path": "members"}]));
    assert!(out.get("members").is_none());
    let out = group_patch(json!([
        {"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"},
        {"op": "add", "path": "members", "value": [{"display": "James Smith", "$ref": "https://example.com/v2/Users/08e1d05d", "value": "08e1d05d"}]},
    ]));
    assert_eq!(member_ids(&out), ["902c246b-6245-4190-8e05-00816be7344a", "08e1d05d"]);
    let out = user_patch(json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}]));
    assert_eq!(out["emails"], json!([{"value": "babs@jensen.org", "type": "home"}]));
}

#[test]
fn rfc_replace_examples() {
    let out = group_patch(json!([{
        "op": "replace",
        "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"},
                  {"display": "James Smith", "$ref": "https://example.com/v2/Users/08e1d05d", "value": "08e1d05d"}],
    }]));
    assert_eq!(member_ids(&out), ["2819c223", "08e1d05d"]);
    let addresses = json!([{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood", "primary": true}]);
    let with_address = {
        let mut user = user();
        user["addresses"] = addresses;
        user
    };
    let schema = user_schema(&[]);
    let out = patched(with_address.clone(), &schema, json!([{
        "op": "replace",
        "path": "addresses[type eq \"work\"]",
        "value": {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true},
    }])).unwrap();
    assert_eq!(out["addresses"][0]["streetAddress"], "911 Universal City Plaza");
    assert_eq!(out["addresses"][0]["country"], "US");
    let out = patched(
        with_address,
        &schema,
        json!([{
            "op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave",
        }]),
    )
    .unwrap();
    assert_eq!(out["addresses"][0]["streetAddress"], "1010 Broadway Ave");
    assert_eq!(out["addresses"][0]["locality"], "Hollywood");
    let out = user_patch(json!([{
        "op": "replace",
        "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}], "nickname": "Babs"},
    }]));
    assert_eq!(
        out["emails"],
        json!([{"value": "bjensen@example.com", "type": "work", "primary": true}])
    );
    assert_eq!(out["nickName"], "Babs");
}

#[test]
fn replace_on_a_filter_without_type_keeps_the_type() {
    let out = user_patch(
        json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "new@jensen.org"}}]),
    );
    assert_eq!(out["emails"][1], json!({"type": "home", "value": "new@jensen.org"}));
}

#[test]
fn entra_requests() {
    let out = user_patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
    assert_eq!(out["active"], false);
    let out = user_patch(json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "a@b.c"}]));
    assert_eq!(
        out["emails"][0],
        json!({"value": "a@b.c", "type": "work", "primary": true})
    );
    let out = user_patch(json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555"}]));
    assert_eq!(out["phoneNumbers"], json!([{"type": "mobile", "value": "+1 555"}]));
    let out = user_patch(json!([{"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Oslo"}]));
    assert_eq!(out["addresses"], json!([{"type": "work", "locality": "Oslo"}]));
    let out = user_patch(json!([{"op": "Replace", "path": MANAGER, "value": "boss-id"}]));
    assert_eq!(out[ENTERPRISE_URN], json!({"manager": {"value": "boss-id"}}));
    assert_eq!(out["schemas"], json!([USER_URN, ENTERPRISE_URN]));
    let out = user_patch(json!([{
        "op": "replace",
        "value": {"name.givenName": "A", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "id", "Name.FamilyName": "B"},
    }]));
    assert_eq!(out["name"], json!({"givenName": "A", "familyName": "B"}));
    assert_eq!(out[ENTERPRISE_URN]["manager"], json!({"value": "id"}));
    let out = user_patch(
        json!([{"op": "Add", "path": "roles", "value": [{"primary": "False", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}]}]),
    );
    assert_eq!(
        out["roles"],
        json!([{"primary": false, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}])
    );
    let out = group_patch(
        json!([{"op": "Remove", "path": "members", "value": [{"value": "2819c223-7f76-453a-919d-413861904646"}]}]),
    );
    assert_eq!(member_ids(&out), ["902c246b-6245-4190-8e05-00816be7344a"]);
    let out = group_patch(json!([{"op": "add", "path": "members", "value": [{"value": "x", "$ref": null}]}]));
    assert_eq!(out["members"][2], json!({"value": "x"}));
    // Adding an existing member again does not repeat it.
    let out = group_patch(
        json!([{"op": "Add", "path": "members", "value": [{"value": "902c246b-6245-4190-8e05-00816be7344a"}]}]),
    );
    assert_eq!(member_ids(&out).len(), 2);
    let out = group_patch(json!([{"op": "Replace", "path": "displayName", "value": "Guides"}]));
    assert_eq!(out["displayName"], "Guides");
}

#[test]
fn extension_attributes_land_under_their_urn() {
    let out = user_patch(json!([
        {"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber", "value": "42"},
        {"op": "add", "path": "URN:PROVISIO:PARAMS:SCIM:SCHEMAS:EXTENSION:DIRECTORY:2.0:USER:mailNickname", "value": "ab"},
    ]));
    assert_eq!(out[ENTERPRISE_URN], json!({"employeeNumber": "42"}));
    assert_eq!(out[DIRECTORY_USER_URN], json!({"mailNickname": "ab"}));
    assert_eq!(out["schemas"], json!([USER_URN, ENTERPRISE_URN, DIRECTORY_USER_URN]));
    let schema = user_schema(&[]);
    let out = patched(out, &schema, json!([{"op": "remove", "path": ENTERPRISE_URN}])).unwrap();
    assert!(out.get(ENTERPRISE_URN).is_none());
    assert_eq!(out["schemas"], json!([USER_URN, DIRECTORY_USER_URN]));
    let out = patched(
        out,
        &schema,
        json!([{"op": "remove", "path": "urn:provisio:params:scim:schemas:extension:directory:2.0:User:mailNickname"}]),
    )
    .unwrap();
    assert_eq!(out["schemas"], json!([USER_URN]));
    let out = patched(
        out,
        &schema,
        json!([{"op": "add", "path": ENTERPRISE_URN, "value": {"Department": "R&D", "schemas": [ENTERPRISE_URN]}}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_URN], json!({"department": "R&D"}));
    let out = patched(
        out,
        &schema,
        json!([{"op": "replace", "value": {ENTERPRISE_URN: {"costCenter": "7"}}}]),
    )
    .unwrap();
    assert_eq!(out[ENTERPRISE_URN], json!({"department": "R&D", "costCenter": "7"}));
}

#[test]
fn canonical_names_are_written() {
    let out = user_patch(
        json!([{"op": "add", "path": "Name.GivenName", "value": "Babs"}, {"op": "add", "path": "NICKNAME", "value": "B"}]),
    );
    assert_eq!(out["name"], json!({"givenName": "Babs", "familyName": "Jensen"}));
    assert_eq!(out["nickName"], "B");
    let schema = user_schema(&[]);
    let odd = json!({"schemas": [USER_URN], "userName": "x", "TITLE": "old"});
    let out = patched(
        odd,
        &schema,
        json!([{"op": "replace", "path": "title", "value": "new"}]),
    )
    .unwrap();
    assert_eq!(out, json!({"schemas": [USER_URN], "userName": "x", "title": "new"}));
}

#[test]
fn add_and_replace_of_complex_attributes_merge() {
    let out = user_patch(json!([{"op": "add", "path": "name", "value": {"middleName": "J"}}]));
    assert_eq!(
        out["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen", "middleName": "J"})
    );
    let out = user_patch(json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}]));
    assert_eq!(out["name"], json!({"givenName": "Babs", "familyName": "Jensen"}));
}

#[test]
fn removing_and_nulls() {
    let out =
        user_patch(json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}]));
    assert!(out.get("name").is_none(), "an emptied complex attribute is unassigned");
    let out = user_patch(
        json!([{"op": "remove", "path": "nickName"}, {"op": "remove", "path": "phoneNumbers[type eq \"fax\"]"}]),
    );
    assert_eq!(out, user(), "removing what is not there changes nothing");
    let out = user_patch(json!([{"op": "replace", "path": "active", "value": null}]));
    assert!(out.get("active").is_none());
    let out = user_patch(json!([{"op": "remove", "path": "emails[type eq \"home\"].value"}]));
    assert_eq!(out["emails"][1], json!({"type": "home"}));
    let out = user_patch(json!([{"op": "remove", "path": "emails.type"}]));
    assert!(
        out["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|email| email.get("type").is_none())
    );
    let out = user_patch(json!([{"op": "remove", "path": "emails"}]));
    assert!(out.get("emails").is_none());
}

#[test]
fn primary_moves_to_the_new_value() {
    let out = user_patch(
        json!([{"op": "add", "path": "emails", "value": [{"value": "new@x.y", "type": "other", "primary": true}]}]),
    );
    let primaries: Vec<&Value> = out["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["primary"])
        .collect();
    assert_eq!(primaries, [&json!(false), &Value::Null, &json!(true)]);
    let out = user_patch(json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]));
    assert_eq!(out["emails"][0]["primary"], false);
    assert_eq!(out["emails"][1]["primary"], true);
    let error = user_error(
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@x.y", "primary": true}, {"value": "b@x.y", "primary": true}]}]),
    );
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error.detail.contains("makes 2 values of \"emails\" primary"),
        "{}",
        error.detail
    );
}

#[test]
fn errors_have_the_right_scim_type() {
    for (operations, scim_type, detail) in [
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            ScimType::Mutability,
            "\"id\" is readOnly",
        ),
        (
            json!([{"op": "remove", "path": "meta"}]),
            ScimType::Mutability,
            "\"meta\" is readOnly",
        ),
        (
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
            ScimType::Mutability,
            "\"groups\" is readOnly",
        ),
        (
            json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName", "value": "x"}]),
            ScimType::Mutability,
            "manager.displayName\" is readOnly",
        ),
        (
            json!([{"op": "replace", "value": {"id": "other"}}]),
            ScimType::Mutability,
            "\"id\" is readOnly",
        ),
        (
            json!([{"op": "remove", "path": "userName"}]),
            ScimType::InvalidValue,
            "\"userName\" is required and cannot be removed",
        ),
        (
            json!([{"op": "replace", "path": "userName", "value": null}]),
            ScimType::InvalidValue,
            "\"userName\" is required",
        ),
        (
            json!([{"op": "replace", "path": "active", "value": "maybe"}]),
            ScimType::InvalidValue,
            "\"active\" is boolean: expected true or false",
        ),
        (
            json!([{"op": "replace", "path": "title", "value": 5}]),
            ScimType::InvalidValue,
            "\"title\" is string: expected a string, not the number 5",
        ),
        (
            json!([{"op": "add", "path": "emails", "value": [{"value": "a@b.c", "kind": "x"}]}]),
            ScimType::InvalidValue,
            "\"emails\" has no sub-attribute \"kind\"",
        ),
        (
            json!([{"op": "add", "value": {"nope": 1}}]),
            ScimType::InvalidValue,
            "the value names \"nope\", which is not an attribute of User",
        ),
        (
            json!([{"op": "add", "value": {"titel": "x"}}]),
            ScimType::InvalidValue,
            "the value names \"titel\", which is not an attribute of User; did you mean \"title\"?",
        ),
        (
            json!([{"op": "add", "value": "x"}]),
            ScimType::InvalidValue,
            "without a \"path\", the value of an add must be an object",
        ),
        (
            json!([{"op": "add", "path": ENTERPRISE_URN, "value": {"nope": 1}}]),
            ScimType::InvalidValue,
            "has no attribute \"nope\"",
        ),
        (
            json!([{"op": "replace", "path": "emails[value co \"zzz\"]", "value": {"value": "x@y.z"}}]),
            ScimType::NoTarget,
            "no value of \"emails\" matches the filter of \"emails[…]\"",
        ),
    ] {
        let error = user_error(operations.clone());
        assert_eq!(error.scim_type, Some(scim_type), "{operations}: {error}");
        assert!(error.detail.contains(detail), "{operations}: {}", error.detail);
        assert!(error.detail.starts_with("operation 1: "), "{}", error.detail);
    }
}

#[test]
fn echoing_read_only_values_is_harmless() {
    let out =
        user_patch(json!([{"op": "replace", "value": {"id": "2819c223", "schemas": [USER_URN], "title": "Guide"}}]));
    assert_eq!(out["title"], "Guide");
}

#[test]
fn immutable_values_cannot_change() {
    let error = patched(group(), &group_schema(), json!([{
        "op": "replace", "path": "members[value eq \"902c246b-6245-4190-8e05-00816be7344a\"].value", "value": "other",
    }]))
    .unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
    assert!(
        error.detail.contains("\"members[…].value\" is immutable"),
        "{}",
        error.detail
    );
    // Setting a member's unset type is allowed, and so is repeating a value.
    let out = group_patch(json!([
        {"op": "add", "path": "members", "value": [{"value": "g7"}]},
        {"op": "add", "path": "members[value eq \"g7\"].type", "value": "Group"},
        {"op": "replace", "path": "members[value eq \"g7\"].type", "value": "Group"},
    ]));
    assert_eq!(out["members"][2], json!({"value": "g7", "type": "Group"}));
}

#[test]
fn all_or_nothing() {
    let schema = user_schema(&[]);
    let operations = parse(
        &body(json!([
            {"op": "replace", "path": "title", "value": "Changed"},
            {"op": "replace", "path": "id", "value": "x"},
        ])),
        &schema,
    )
    .unwrap();
    let mut resource = user();
    let error = apply(&mut resource, &operations, &schema).unwrap_err();
    assert_eq!(error.detail, "operation 2: \"id\" is readOnly and cannot be changed");
    assert_eq!(resource, user());
}

#[test]
fn write_only_password_can_be_set() {
    let out = user_patch(json!([{"op": "replace", "path": "password", "value": "s3cret"}]));
    assert_eq!(out["password"], "s3cret");
}

#[test]
fn many_members_are_added_and_removed_by_value() {
    let ids = |range: std::ops::Range<usize>| -> Vec<Value> {
        range
            .map(|i| json!({"value": format!("m{i:05}"), "type": "User"}))
            .collect()
    };
    let mut group = group();
    group["members"] = Value::Array(ids(0..3000));
    // Half already held (one spelled in capitals: the same reference only
    // where the attribute ignores case), half new, one twice.
    let mut adding = ids(1500..4500);
    adding.push(json!({"value": "m04499"}));
    adding.push(json!({"value": "M00007", "display": "Seven"}));
    let schema = group_schema();
    let out = patched(
        group,
        &schema,
        json!([{"op": "add", "path": "members", "value": adding}]),
    )
    .unwrap();
    let members = out["members"].as_array().unwrap();
    let case_exact = schema
        .core
        .attribute("members")
        .and_then(|members| members.sub_attribute("value"))
        .is_some_and(|value| value.case_exact);
    assert_eq!(members.len(), if case_exact { 4501 } else { 4500 });
    assert_eq!(members[4499]["value"], "m04499", "new ones appended in order");
    if !case_exact {
        // Merged into the member it names, not appended.
        assert!(members[7]["value"].as_str().unwrap().eq_ignore_ascii_case("m00007"));
    }
    let removing: Vec<Value> = (0..4500)
        .step_by(2)
        .map(|i| json!({"value": format!("m{i:05}")}))
        .collect();
    let out = patched(
        out,
        &schema,
        json!([{"op": "remove", "path": "members", "value": removing}]),
    )
    .unwrap();
    let left: Vec<&str> = out["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["value"].as_str())
        .collect();
    assert_eq!(left.len(), if case_exact { 2251 } else { 2250 });
    assert!(
        left.iter()
            .filter(|v| v.starts_with('m'))
            .all(|v| v[1..].parse::<usize>().unwrap() % 2 == 1)
    );
}
