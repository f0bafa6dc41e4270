//! Tests of schema.rs.

use serde_json::json;

use super::render::{RESOURCE_TYPE_URN, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN};

use super::*;

fn path(text: &str) -> AttrPath {
    AttrPath::parse(text).unwrap()
}

fn resolved(schema: &ResourceSchema, text: &str) -> Option<String> {
    schema.resolve(&path(text)).map(|found| found.canonical())
}

#[test]
fn resolution_is_case_insensitive_and_canonical() {
    let user = user_schema(&[]);
    assert_eq!(resolved(&user, "USERNAME").as_deref(), Some("userName"));
    assert_eq!(resolved(&user, "Name.GivenName").as_deref(), Some("name.givenName"));
    assert_eq!(resolved(&user, "emails.VALUE").as_deref(), Some("emails.value"));
    assert_eq!(resolved(&user, "id").as_deref(), Some("id"));
    assert_eq!(
        resolved(&user, "meta.lastModified").as_deref(),
        Some("meta.lastModified")
    );
    assert_eq!(
        resolved(&user, "urn:ietf:params:scim:schemas:core:2.0:user:userName").as_deref(),
        Some("userName")
    );
    assert_eq!(
        resolved(
            &user,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:Manager.Value"
        )
        .as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
    );
    // Without URN, an extension attribute is found when no core one has the name.
    assert_eq!(
        resolved(&user, "employeeNumber").as_deref(),
        Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
    );
    assert_eq!(resolved(&user, "nope"), None);
    assert_eq!(resolved(&user, "userName.x"), None);
    assert_eq!(
        resolved(
            &user,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName"
        ),
        None
    );
    assert_eq!(resolved(&user, "urn:example:unknown:displayName"), None);
    let group = group_schema();
    assert_eq!(resolved(&group, "members.value").as_deref(), Some("members.value"));
    assert_eq!(resolved(&group, "userName"), None);
}

#[test]
fn resolution_reports_schema_and_definitions() {
    let user = user_schema(&[]);
    let found = user
        .resolve(&path(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        ))
        .unwrap();
    assert!(found.in_extension);
    assert_eq!(found.schema.id, ENTERPRISE_URN);
    assert_eq!(found.leaf().kind, AttrType::Complex);
    let found = user.resolve(&path("meta.created")).unwrap();
    assert!(!found.in_extension);
    assert_eq!(found.schema.id, USER_URN);
    assert_eq!(found.leaf().kind, AttrType::DateTime);
    assert_eq!(found.attr.mutability, Mutability::ReadOnly);
}

#[test]
fn characteristics_follow_rfc_7643() {
    let user = user_schema(&[]);
    let get = |text: &str| user.resolve(&path(text)).unwrap().leaf().clone();
    let user_name = get("userName");
    assert!(user_name.required && !user_name.case_exact);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    let password = get("password");
    assert_eq!(
        (password.mutability, password.returned),
        (Mutability::WriteOnly, Returned::Never)
    );
    let id = get("id");
    assert_eq!(
        (id.mutability, id.returned, id.case_exact),
        (Mutability::ReadOnly, Returned::Always, true)
    );
    assert!(get("externalId").case_exact);
    assert_eq!(get("groups").mutability, Mutability::ReadOnly);
    assert_eq!(
        get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName").mutability,
        Mutability::ReadOnly
    );
    assert!(get("emails").multi_valued);
    assert_eq!(get("emails.type").canonical_values, ["work", "home", "other"]);
    assert_eq!(get("x509Certificates.value").kind, AttrType::Binary);
    assert_eq!(get("photos.value").reference_types, ["external"]);
    let group = group_schema();
    let members = group.resolve(&path("members.value")).unwrap();
    assert_eq!(members.leaf().mutability, Mutability::Immutable);
    assert!(group.resolve(&path("displayName")).unwrap().attr.required);
}

#[test]
fn custom_attributes_form_an_extension() {
    assert_eq!(user_schema(&[]).extensions.len(), 2);
    let user = user_schema(&[
        CustomAttribute {
            name: "badgeNumber".into(),
            kind: AttrType::Integer,
            multi_valued: false,
        },
        CustomAttribute {
            name: "skills".into(),
            kind: AttrType::String,
            multi_valued: true,
        },
    ]);
    let found = user
        .resolve(&path(
            "urn:provisio:params:scim:schemas:extension:custom:2.0:User:skills",
        ))
        .unwrap();
    assert!(found.attr.multi_valued);
    assert_eq!(user.resolve(&path("badgeNumber")).unwrap().attr.kind, AttrType::Integer);
    let types = resource_types_json(&[user], "https://example.com/scim/v2");
    assert_eq!(
        types[0]["schemaExtensions"][2],
        json!({"schema": CUSTOM_USER_URN, "required": false})
    );
}

#[test]
fn schema_documents_spell_characteristics_as_the_rfc() {
    let docs = schemas_json(&[user_schema(&[]), group_schema()], "https://example.com/scim/v2/");
    let ids: Vec<&str> = docs.iter().map(|doc| doc["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            USER_URN,
            ENTERPRISE_URN,
            DIRECTORY_USER_URN,
            GROUP_URN,
            DIRECTORY_GROUP_URN,
            SCHEMA_URN,
            RESOURCE_TYPE_URN,
            SERVICE_PROVIDER_CONFIG_URN
        ]
    );
    let user = &docs[0];
    assert_eq!(user["schemas"], json!([SCHEMA_URN]));
    assert_eq!(
        user["meta"],
        json!({
            "resourceType": "Schema",
            "location": "https://example.com/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
        })
    );
    assert_eq!(
        user["attributes"][0],
        json!({
            "name": "userName",
            "type": "string",
            "multiValued": false,
            "description": "Unique identifier for the User, typically used to authenticate.",
            "required": true,
            "caseExact": false,
            "mutability": "readWrite",
            "returned": "default",
            "uniqueness": "server",
        })
    );
    let emails = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "emails")
        .unwrap();
    assert_eq!(emails["type"], "complex");
    assert_eq!(emails["multiValued"], true);
    assert_eq!(
        emails["subAttributes"][2]["canonicalValues"],
        json!(["work", "home", "other"])
    );
    let profile = user["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "profileUrl")
        .unwrap();
    assert_eq!(profile["referenceTypes"], json!(["external"]));
    assert_eq!(profile["caseExact"], true);
    let names: Vec<&str> = docs.iter().map(|doc| doc["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Schema") && names.contains(&"ResourceType") && names.contains(&"ServiceProviderConfig"));
    // Common attributes belong to no schema (RFC 7643 §3.1).
    assert!(!user["attributes"].as_array().unwrap().iter().any(|a| a["name"] == "id"));
}

#[test]
fn resource_types_list_extensions() {
    let docs = resource_types_json(&[user_schema(&[]), group_schema()], "https://example.com/scim/v2");
    assert_eq!(
        docs[0],
        json!({
            "schemas": [RESOURCE_TYPE_URN],
            "id": "User",
            "name": "User",
            "description": "User Account",
            "endpoint": "/Users",
            "schema": USER_URN,
            "schemaExtensions": [
                {"schema": ENTERPRISE_URN, "required": false},
                {"schema": DIRECTORY_USER_URN, "required": false},
            ],
            "meta": {"resourceType": "ResourceType", "location": "https://example.com/scim/v2/ResourceTypes/User"},
        })
    );
    assert_eq!(docs[1]["endpoint"], "/Groups");
    assert_eq!(
        docs[1]["schemaExtensions"],
        json!([{"schema": DIRECTORY_GROUP_URN, "required": false}])
    );
}

#[test]
fn service_provider_config_states_features() {
    let doc = service_provider_config_json("https://example.com/scim/v2", 100, 1_048_576, 200);
    assert_eq!(doc["schemas"], json!([SERVICE_PROVIDER_CONFIG_URN]));
    assert_eq!(doc["patch"], json!({"supported": true}));
    assert_eq!(
        doc["bulk"],
        json!({"supported": true, "maxOperations": 100, "maxPayloadSize": 1_048_576})
    );
    assert_eq!(doc["filter"], json!({"supported": true, "maxResults": 200}));
    assert_eq!(doc["changePassword"], json!({"supported": false}));
    assert_eq!(doc["sort"], json!({"supported": true}));
    assert_eq!(doc["etag"], json!({"supported": true}));
    assert_eq!(doc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(doc["authenticationSchemes"][0]["primary"], true);
    assert_eq!(
        doc["meta"]["location"],
        "https://example.com/scim/v2/ServiceProviderConfig"
    );
}
