//! The synchronous check of a bulk upload: the media type, the BulkRequest
//! envelope (RFC 7644 §3.7) and each operation's shape. Whatever is wrong is
//! said exactly, with the operation's place, as a SCIM 400; a request that
//! passes carries only POSTs of users that can be identified, so nothing
//! stored is ever unprocessable for its shape.

use std::collections::HashSet;

use provisio_api::inbound::{BULK_REQUEST_SCHEMA, SCIM_JSON, USER_SCHEMA};
use serde_json::{Map, Value};

use provisio_scim::{ScimError, ScimType};

/// One operation of an accepted request: a user record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operation {
    pub(crate) bulk_id: String,
    /// The record's identity: its `externalId`, else its `userName`.
    pub(crate) external_id: String,
    pub(crate) data: Map<String, Value>,
}

/// Checks a bulk upload and returns its operations, in order.
pub(crate) fn parse(content_type: Option<&str>, body: &[u8], max_operations: u32) -> Result<Vec<Operation>, ScimError> {
    check_media_type(content_type)?;
    let document: Value = serde_json::from_slice(body).map_err(|e| {
        ScimError::invalid_syntax(format!(
            "the body is not valid JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(envelope) = document else {
        return Err(ScimError::invalid_syntax(
            "the body must be a JSON object: a SCIM BulkRequest",
        ));
    };
    let names_bulk = envelope
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(BULK_REQUEST_SCHEMA)));
    if !names_bulk {
        return Err(ScimError::invalid_value(format!(
            "`schemas` must list \"{BULK_REQUEST_SCHEMA}\""
        )));
    }
    let operations = match envelope.get("Operations") {
        Some(Value::Array(operations)) => operations,
        Some(_) => return Err(ScimError::invalid_syntax("`Operations` must be an array")),
        None => return Err(ScimError::invalid_value("the BulkRequest has no `Operations`")),
    };
    if operations.is_empty() {
        return Err(ScimError::invalid_value(
            "`Operations` is empty: send at least one record",
        ));
    }
    if operations.len() > max_operations as usize {
        return Err(ScimError::bad_request(
            ScimType::TooMany,
            format!(
                "the request has {} operations; this job accepts at most {max_operations} per request \
                 (split the records over several requests)",
                operations.len()
            ),
        ));
    }
    if let Some(fail) = envelope.get("failOnErrors")
        && !(fail.is_null() || fail.as_u64().is_some())
    {
        return Err(ScimError::invalid_value(
            "`failOnErrors` must be a non-negative integer or null",
        ));
    }
    let mut seen = HashSet::new();
    operations
        .iter()
        .enumerate()
        .map(|(i, operation)| {
            let parsed = parse_operation(operation)
                .map_err(|detail| ScimError::invalid_value(format!("Operations[{i}]: {detail}")))?;
            if !seen.insert(parsed.bulk_id.clone()) {
                return Err(ScimError::invalid_value(format!(
                    "Operations[{i}]: the bulkId \"{}\" is used twice in this request",
                    parsed.bulk_id
                )));
            }
            Ok(parsed)
        })
        .collect()
}

/// `application/scim+json`, with parameters such as `charset` allowed.
fn check_media_type(content_type: Option<&str>) -> Result<(), ScimError> {
    let essence = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase());
    match essence.as_deref() {
        Some(SCIM_JSON) => Ok(()),
        Some(other) => Err(ScimError::invalid_syntax(format!(
            "the Content-Type is {other}; bulk uploads must be sent as {SCIM_JSON}"
        ))),
        None => Err(ScimError::invalid_syntax(format!(
            "the request has no Content-Type; bulk uploads must be sent as {SCIM_JSON}"
        ))),
    }
}

/// One operation as a record, or what is wrong with it.
fn parse_operation(operation: &Value) -> Result<Operation, String> {
    let Value::Object(operation) = operation else {
        return Err(String::from("an operation must be a JSON object"));
    };
    let method = operation.get("method").and_then(Value::as_str).unwrap_or_default();
    if !method.eq_ignore_ascii_case("POST") {
        return Err(format!(
            "the method is {}; inbound provisioning takes only POST (send the whole record again to update it)",
            if method.is_empty() { "missing" } else { method }
        ));
    }
    let path = operation.get("path").and_then(Value::as_str).unwrap_or_default();
    if path != "/Users" {
        return Err(format!(
            "the path is {}; records are posted to \"/Users\"",
            if path.is_empty() {
                "missing".to_owned()
            } else {
                format!("\"{path}\"")
            }
        ));
    }
    let bulk_id = match operation.get("bulkId") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
        _ => return Err(String::from("a POST needs a non-empty `bulkId` (RFC 7644 §3.7)")),
    };
    let Some(Value::Object(data)) = operation.get("data") else {
        return Err(String::from("`data` must be the user as a JSON object"));
    };
    let names_user = data
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|schemas| schemas.iter().any(|s| s.as_str() == Some(USER_SCHEMA)));
    if !names_user {
        return Err(format!("`data.schemas` must list \"{USER_SCHEMA}\""));
    }
    let Some(external_id) = identity(data) else {
        return Err(String::from(
            "the record has no `externalId` (nor a `userName`): records are matched by it",
        ));
    };
    Ok(Operation {
        bulk_id,
        external_id,
        data: data.clone(),
    })
}

/// A record's identity: its `externalId`, else its `userName`.
pub(crate) fn identity(data: &Map<String, Value>) -> Option<String> {
    ["externalId", "userName"]
        .iter()
        .find_map(|name| match data.get(*name) {
            Some(Value::String(text)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(operations: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"schemas": [BULK_REQUEST_SCHEMA], "Operations": operations})).unwrap()
    }

    fn user(bulk_id: &str, external_id: &str) -> Value {
        json!({"method": "POST", "bulkId": bulk_id, "path": "/Users",
               "data": {"schemas": [USER_SCHEMA], "externalId": external_id}})
    }

    fn refused(content_type: Option<&str>, body: &[u8], max: u32) -> (String, Option<&'static str>) {
        let error = parse(content_type, body, max).unwrap_err();
        assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST);
        (error.detail.clone(), error.scim_type.map(ScimType::as_str))
    }

    #[test]
    fn a_good_request_gives_its_operations_in_order() {
        let body = request(json!([user("1", "E1"), user("2", "E2")]));
        let operations = parse(Some("application/scim+json; charset=utf-8"), &body, 50).unwrap();
        assert_eq!(operations.len(), 2);
        assert_eq!(operations[1].bulk_id, "2");
        assert_eq!(operations[1].external_id, "E2");
    }

    #[test]
    fn every_kind_of_bad_request_says_what_is_wrong() {
        let good = request(json!([user("1", "E1")]));
        assert!(
            refused(Some("application/json"), &good, 50)
                .0
                .contains("application/scim+json")
        );
        assert!(refused(None, &good, 50).0.contains("no Content-Type"));
        let (detail, kind) = refused(Some(SCIM_JSON), b"{\"schemas\": [", 50);
        assert!(
            detail.contains("not valid JSON") && detail.contains("line 1"),
            "{detail}"
        );
        assert_eq!(kind, Some("invalidSyntax"));
        assert!(refused(Some(SCIM_JSON), b"[]", 50).0.contains("JSON object"));
        let wrong_schema = json!({"schemas": ["urn:x"], "Operations": [user("1", "E1")]});
        assert!(
            refused(Some(SCIM_JSON), wrong_schema.to_string().as_bytes(), 50)
                .0
                .contains(BULK_REQUEST_SCHEMA)
        );
        let (detail, kind) = refused(Some(SCIM_JSON), &request(json!([user("1", "a"), user("2", "b")])), 1);
        assert!(
            detail.contains("2 operations") && detail.contains("at most 1"),
            "{detail}"
        );
        assert_eq!(kind, Some("tooMany"));
        assert!(refused(Some(SCIM_JSON), &request(json!([])), 50).0.contains("empty"));
    }

    #[test]
    fn operations_are_checked_one_by_one_with_their_place() {
        let mut patch = user("2", "E2");
        patch["method"] = json!("PATCH");
        let (detail, _) = refused(Some(SCIM_JSON), &request(json!([user("1", "E1"), patch])), 50);
        assert!(detail.starts_with("Operations[1]: the method is PATCH"), "{detail}");
        let mut groups = user("1", "E1");
        groups["path"] = json!("/Groups");
        assert!(
            refused(Some(SCIM_JSON), &request(json!([groups])), 50)
                .0
                .contains("\"/Groups\"")
        );
        let mut no_bulk_id = user("1", "E1");
        no_bulk_id.as_object_mut().unwrap().remove("bulkId");
        assert!(
            refused(Some(SCIM_JSON), &request(json!([no_bulk_id])), 50)
                .0
                .contains("bulkId")
        );
        let mut no_schema = user("1", "E1");
        no_schema["data"]["schemas"] = json!([]);
        assert!(
            refused(Some(SCIM_JSON), &request(json!([no_schema])), 50)
                .0
                .contains(USER_SCHEMA)
        );
        let mut anonymous = user("1", "E1");
        anonymous["data"].as_object_mut().unwrap().remove("externalId");
        assert!(
            refused(Some(SCIM_JSON), &request(json!([anonymous])), 50)
                .0
                .contains("externalId")
        );
        let twice = request(json!([user("1", "E1"), user("1", "E2")]));
        assert!(refused(Some(SCIM_JSON), &twice, 50).0.contains("used twice"));
    }
}
