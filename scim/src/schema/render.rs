//! The discovery documents (RFC 7643 §5–§7): `/Schemas` with every
//! attribute's characteristics, `/ResourceTypes` and
//! `/ServiceProviderConfig`, rendered from the schema definitions.

use serde_json::{Map, Value, json};

use super::*;

pub(super) const SCHEMA_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
pub(super) const RESOURCE_TYPE_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
pub(super) const SERVICE_PROVIDER_CONFIG_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

/// The schemas describing `/Schemas`, `/ResourceTypes` and
/// `/ServiceProviderConfig` themselves (RFC 7643 §8.7.2), all readOnly.
fn discovery_schemas() -> Vec<SchemaDef> {
    fn read_only(mut def: AttributeDef) -> AttributeDef {
        def.mutability = Mutability::ReadOnly;
        def.sub_attributes = def.sub_attributes.into_iter().map(read_only).collect();
        def
    }
    fn schemas(id: &str, name: &str, description: &str, attributes: Vec<AttributeDef>) -> SchemaDef {
        SchemaDef::new(id, name, description, attributes.into_iter().map(read_only).collect())
    }
    fn supported(name: &str, description: &str, more: Vec<AttributeDef>) -> AttributeDef {
        let mut subs = vec![boolean("supported", "Whether the operation is supported.").req()];
        subs.extend(more);
        complex(name, description, subs).req()
    }
    fn integer(name: &str, description: &str) -> AttributeDef {
        AttributeDef::new(name, AttrType::Integer, description)
    }
    let characteristics = || {
        vec![
            string("name", "The attribute's name.").req().exact(),
            string("type", "The attribute's data type.").req().canonical(&[
                "string",
                "complex",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "binary",
            ]),
            boolean("multiValued", "Whether the attribute is multi-valued.").req(),
            string("description", "The attribute's human-readable description."),
            boolean("required", "Whether the attribute is required."),
            string("canonicalValues", "Suggested canonical values.").multi().exact(),
            boolean("caseExact", "Whether a string attribute is case-sensitive."),
            string("mutability", "When the attribute can be (re)defined.")
                .exact()
                .canonical(&["readOnly", "readWrite", "immutable", "writeOnly"]),
            string("returned", "When the attribute is returned.")
                .exact()
                .canonical(&["always", "never", "default", "request"]),
            string("uniqueness", "How uniqueness is enforced.")
                .exact()
                .canonical(&["none", "server", "global"]),
            string("referenceTypes", "The resource types that may be referenced.")
                .multi()
                .exact(),
        ]
    };
    let mut attribute = complex("attributes", "The schema's attributes.", characteristics())
        .multi()
        .req();
    attribute.sub_attributes.push(
        complex(
            "subAttributes",
            "The sub-attributes of a complex attribute.",
            characteristics(),
        )
        .multi(),
    );
    vec![
        schemas(
            SCHEMA_URN,
            "Schema",
            "Specifies the schema of a SCIM resource.",
            vec![
                string("id", "The unique URI of the schema.")
                    .req()
                    .exact()
                    .unique(Uniqueness::Global),
                string("name", "The schema's human-readable name."),
                string("description", "The schema's human-readable description."),
                attribute,
            ],
        ),
        schemas(
            RESOURCE_TYPE_URN,
            "ResourceType",
            "Specifies the schema that describes a SCIM resource type.",
            vec![
                string("id", "The resource type's server-unique id."),
                string("name", "The resource type name.").req(),
                string("description", "The resource type's human-readable description."),
                reference(
                    "endpoint",
                    &["uri"],
                    "The resource type's endpoint, relative to the base URL.",
                )
                .req(),
                reference("schema", &["uri"], "The resource type's primary schema URI.").req(),
                complex(
                    "schemaExtensions",
                    "The resource type's schema extensions.",
                    vec![
                        reference("schema", &["uri"], "The URI of an extension schema.").req(),
                        boolean("required", "Whether a resource must include the extension.").req(),
                    ],
                )
                .multi(),
            ],
        ),
        schemas(
            SERVICE_PROVIDER_CONFIG_URN,
            "ServiceProviderConfig",
            "Schema for representing the service provider's configuration.",
            vec![
                reference(
                    "documentationUri",
                    &["external"],
                    "The service provider's help documentation.",
                ),
                supported("patch", "PATCH configuration options.", vec![]),
                supported(
                    "bulk",
                    "Bulk configuration options.",
                    vec![
                        integer("maxOperations", "The maximum number of operations.").req(),
                        integer("maxPayloadSize", "The maximum payload size in bytes.").req(),
                    ],
                ),
                supported(
                    "filter",
                    "Filter options.",
                    vec![integer("maxResults", "The maximum number of resources returned.").req()],
                ),
                supported("changePassword", "Change-password configuration options.", vec![]),
                supported("sort", "Sort configuration options.", vec![]),
                supported("etag", "ETag configuration options.", vec![]),
                complex(
                    "authenticationSchemes",
                    "The supported authentication schemes.",
                    vec![
                        string("type", "The authentication scheme.").req().canonical(&[
                            "oauth",
                            "oauth2",
                            "oauthbearertoken",
                            "httpbasic",
                            "httpdigest",
                        ]),
                        string("name", "The common authentication scheme name.").req(),
                        string("description", "A description of the authentication scheme.").req(),
                        reference("specUri", &["external"], "The scheme's specification."),
                        reference("documentationUri", &["external"], "The scheme's usage documentation."),
                        boolean("primary", "Whether this is the preferred scheme."),
                    ],
                )
                .multi()
                .req(),
            ],
        ),
    ]
}

fn attribute_json(def: &AttributeDef) -> Value {
    let mut object = Map::new();
    object.insert("name".into(), def.name.clone().into());
    object.insert("type".into(), def.kind.as_str().into());
    object.insert("multiValued".into(), def.multi_valued.into());
    object.insert("description".into(), def.description.clone().into());
    object.insert("required".into(), def.required.into());
    object.insert("caseExact".into(), def.case_exact.into());
    object.insert("mutability".into(), mutability_str(def.mutability).into());
    object.insert("returned".into(), returned_str(def.returned).into());
    object.insert("uniqueness".into(), uniqueness_str(def.uniqueness).into());
    if !def.canonical_values.is_empty() {
        object.insert("canonicalValues".into(), def.canonical_values.clone().into());
    }
    if def.kind == AttrType::Reference {
        object.insert("referenceTypes".into(), def.reference_types.clone().into());
    }
    if def.kind == AttrType::Complex {
        object.insert(
            "subAttributes".into(),
            def.sub_attributes.iter().map(attribute_json).collect(),
        );
    }
    Value::Object(object)
}

fn mutability_str(mutability: Mutability) -> &'static str {
    match mutability {
        Mutability::ReadOnly => "readOnly",
        Mutability::ReadWrite => "readWrite",
        Mutability::Immutable => "immutable",
        Mutability::WriteOnly => "writeOnly",
    }
}

fn returned_str(returned: Returned) -> &'static str {
    match returned {
        Returned::Always => "always",
        Returned::Never => "never",
        Returned::Default => "default",
        Returned::Request => "request",
    }
}

fn uniqueness_str(uniqueness: Uniqueness) -> &'static str {
    match uniqueness {
        Uniqueness::None => "none",
        Uniqueness::Server => "server",
        Uniqueness::Global => "global",
    }
}

fn schema_json(def: &SchemaDef, base_url: &str) -> Value {
    json!({
        "schemas": [SCHEMA_URN],
        "id": def.id,
        "name": def.name,
        "description": def.description,
        "attributes": def.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{}/Schemas/{}", base(base_url), def.id)},
    })
}

fn base(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

/// The `/Schemas` resources (RFC 7643 §7): every schema the resource types
/// use, then the three discovery schemas. `base_url` ends before `/Schemas`.
pub fn schemas_json(resources: &[ResourceSchema], base_url: &str) -> Vec<Value> {
    let mut defs: Vec<&SchemaDef> = Vec::new();
    for resource in resources {
        for def in std::iter::once(&resource.core).chain(resource.extensions.iter().map(|(ext, _)| ext)) {
            if !defs.iter().any(|seen| seen.id == def.id) {
                defs.push(def);
            }
        }
    }
    let discovery = discovery_schemas();
    defs.into_iter()
        .chain(&discovery)
        .map(|def| schema_json(def, base_url))
        .collect()
}

/// The `/ResourceTypes` resources (RFC 7643 §6).
pub fn resource_types_json(resources: &[ResourceSchema], base_url: &str) -> Vec<Value> {
    resources
        .iter()
        .map(|resource| {
            let extensions: Vec<Value> = resource
                .extensions
                .iter()
                .map(|(ext, required)| json!({"schema": ext.id, "required": required}))
                .collect();
            json!({
                "schemas": [RESOURCE_TYPE_URN],
                "id": resource.resource_type,
                "name": resource.resource_type,
                "description": resource.core.description,
                "endpoint": resource.endpoint,
                "schema": resource.core.id,
                "schemaExtensions": extensions,
                "meta": {
                    "resourceType": "ResourceType",
                    "location": format!("{}/ResourceTypes/{}", base(base_url), resource.resource_type),
                },
            })
        })
        .collect()
}

/// The `/ServiceProviderConfig` resource (RFC 7643 §5).
pub fn service_provider_config_json(
    base_url: &str,
    max_bulk_operations: usize,
    max_payload_size: usize,
    max_filter_results: usize,
) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_URN],
        "patch": {"supported": true},
        "bulk": {"supported": true, "maxOperations": max_bulk_operations, "maxPayloadSize": max_payload_size},
        "filter": {"supported": true, "maxResults": max_filter_results},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a bearer token (RFC 6750) issued by the Provisio administrator.",
            "specUri": "https://www.rfc-editor.org/info/rfc6750",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{}/ServiceProviderConfig", base(base_url))},
    })
}
