//! A pushed SCIM user as the engine reads a source object: its attributes
//! flattened to the names inbound mappings use — `name.givenName`,
//! `emails[type eq "work"].value`, `urn:…:enterprise:2.0:User:department` —
//! with the record's identity as its `id` (so links, escrows and references
//! go by the externalId, which is how a record names its manager). Which
//! names those are is [`schema`]'s to say.

pub mod schema;

use serde_json::{Map, Value};

/// The record's attributes by source attribute name. Each attribute is
/// kept whole under its own name too (`name`, `emails`, the enterprise
/// `manager`), so an expression can also reach the complex value.
pub fn source_attributes(external_id: &str, data: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in data {
        if name == "schemas" {
            continue;
        }
        if name.starts_with("urn:")
            && let Value::Object(extension) = value
        {
            for (attribute, value) in extension {
                flatten(&format!("{name}:{attribute}"), value, &mut out);
            }
        } else {
            flatten(name, value, &mut out);
        }
    }
    out.insert("id".to_owned(), Value::String(external_id.to_owned()));
    out
}

fn flatten(name: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(complex) => {
            for (sub, value) in complex {
                if !value.is_object() && !value.is_array() {
                    out.insert(format!("{name}.{sub}"), value.clone());
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let Value::Object(item) = item else { continue };
                let Some(kind) = item.get("type").and_then(Value::as_str) else {
                    continue;
                };
                for (sub, value) in item {
                    if sub != "type" && !value.is_object() && !value.is_array() {
                        // The first element of a type wins, as a filter picks it.
                        out.entry(format!("{name}[type eq \"{kind}\"].{sub}"))
                            .or_insert_with(|| value.clone());
                    }
                }
            }
        }
        _ => {}
    }
    out.insert(name.to_owned(), value.clone());
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    #[test]
    fn a_record_flattens_to_the_names_mappings_use() {
        let data = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE, "urn:acme:hr:1.0:User"],
            "externalId": "701984",
            "userName": "jdoe@contoso.com",
            "active": false,
            "name": {"givenName": "John", "familyName": "Doe"},
            "emails": [{"type": "work", "value": "jdoe@contoso.com", "primary": true},
                       {"type": "home", "value": "john@home.example"},
                       {"type": "work", "value": "second@contoso.com"}],
            "addresses": [{"type": "work", "locality": "Oslo", "country": "NO"}],
            ENTERPRISE: {"department": "R&D", "manager": {"value": "701900", "displayName": "Ann"}},
            "urn:acme:hr:1.0:User": {"costCenter": "CC-12"}
        });
        let Value::Object(data) = data else { unreachable!() };
        let out = source_attributes("701984", &data);
        assert_eq!(out["id"], "701984");
        assert_eq!(out["active"], false);
        assert_eq!(out["name.givenName"], "John");
        assert_eq!(out["emails[type eq \"work\"].value"], "jdoe@contoso.com");
        assert_eq!(out["emails[type eq \"work\"].primary"], true);
        assert_eq!(out["emails[type eq \"home\"].value"], "john@home.example");
        assert_eq!(out["addresses[type eq \"work\"].locality"], "Oslo");
        assert_eq!(out[&format!("{ENTERPRISE}:department")], "R&D");
        assert_eq!(out[&format!("{ENTERPRISE}:manager.value")], "701900");
        assert_eq!(
            out[&format!("{ENTERPRISE}:manager")],
            json!({"value": "701900", "displayName": "Ann"})
        );
        assert_eq!(out["urn:acme:hr:1.0:User:costCenter"], "CC-12");
        assert!(!out.contains_key("schemas"));
        assert!(out["emails"].is_array());
    }
}
