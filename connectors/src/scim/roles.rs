//! The app roles a SCIM target advertises: the canonical values of its
//! User schema's `roles` (RFC 7643 §7: `canonicalValues` of `roles.value`,
//! or of `roles` itself), read from `/Schemas` so an administrator can
//! import them as the job's app roles instead of typing them.

use provisio_engine::job::AppRole;
use reqwest::Method;
use serde_json::Value as Json;

use super::{ScimConnector, USER_SCHEMA};
use crate::ConnectorError;

impl ScimConnector {
    /// The roles the target's User schema lists, or `None` when the target
    /// publishes no User schema (discovery is optional in SCIM).
    pub async fn advertised_roles(&self) -> Result<Option<Vec<AppRole>>, ConnectorError> {
        let schema = match self
            .send(Method::GET, self.url(&["Schemas", USER_SCHEMA])?, None, true)
            .await
        {
            Ok(reply) => Some(reply.body),
            Err(ConnectorError::NotFound { .. } | ConnectorError::Rejected { .. }) => {
                // Some targets only list their schemas.
                match self.send(Method::GET, self.url(&["Schemas"])?, None, true).await {
                    Ok(reply) => user_schema(&reply.body).cloned(),
                    Err(ConnectorError::NotFound { .. } | ConnectorError::Rejected { .. }) => None,
                    Err(error) => return Err(error),
                }
            }
            Err(error) => return Err(error),
        };
        Ok(schema.map(|schema| roles_of(&schema)))
    }
}

/// The User schema of a `/Schemas` listing.
fn user_schema(listing: &Json) -> Option<&Json> {
    listing
        .get("Resources")
        .and_then(Json::as_array)?
        .iter()
        .find(|schema| schema.get("id").and_then(Json::as_str) == Some(USER_SCHEMA))
}

/// The canonical values of `roles.value` (or of `roles`), each once.
fn roles_of(schema: &Json) -> Vec<AppRole> {
    let named = |attributes: Option<&Json>, name: &str| -> Option<Json> {
        attributes?
            .as_array()?
            .iter()
            .find(|a| {
                a.get("name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .cloned()
    };
    let Some(roles) = named(schema.get("attributes"), "roles") else {
        return Vec::new();
    };
    let values = named(roles.get("subAttributes"), "value")
        .and_then(|value| value.get("canonicalValues").cloned())
        .or_else(|| roles.get("canonicalValues").cloned());
    let mut found: Vec<AppRole> = Vec::new();
    for value in values.as_ref().and_then(Json::as_array).into_iter().flatten() {
        let Some(text) = value.as_str().map(str::trim).filter(|t| !t.is_empty()) else {
            continue;
        };
        if !found.iter().any(|r| r.value.eq_ignore_ascii_case(text)) {
            found.push(AppRole {
                value: text.to_owned(),
                display_name: None,
                description: None,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn canonical_values_of_roles_value_or_of_roles() {
        let schema = json!({"attributes": [
            {"name": "userName"},
            {"name": "roles", "subAttributes": [
                {"name": "value", "canonicalValues": ["Admin", "Reader", "admin", " "]}
            ]}
        ]});
        let values: Vec<String> = roles_of(&schema).into_iter().map(|r| r.value).collect();
        assert_eq!(values, ["Admin", "Reader"]);
        let flat = json!({"attributes": [{"name": "Roles", "canonicalValues": ["Agent"]}]});
        assert_eq!(roles_of(&flat)[0].value, "Agent");
        assert!(roles_of(&json!({"attributes": [{"name": "roles"}]})).is_empty());
    }
}
