//! /Bulk (RFC 7644 §3.7): many operations in one request, each applied on
//! its own (a failing one leaves the directory as it was for that
//! operation), `bulkId` references resolved in data and paths, operations
//! whose references are not created yet deferred until they are, and
//! `failOnErrors` honoured.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use provisio_scim::{ScimError, ScimType};

use super::resource;
use super::service::{Kind, Members, Scim};

pub(crate) const BULK_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub(crate) const BULK_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
pub(crate) const MAX_OPERATIONS: usize = 1000;
pub(crate) const MAX_PAYLOAD_BYTES: usize = 1_048_576;

/// One operation as the client sent it.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

impl Scim {
    /// Runs a BulkRequest and answers its BulkResponse.
    pub(crate) async fn bulk(&self, body: Value) -> Result<Value, ScimError> {
        let (operations, fail_on_errors) = parse(body)?;
        let mut created: HashMap<String, String> = HashMap::new();
        let mut results: Vec<Option<Value>> = vec![None; operations.len()];
        let mut pending: Vec<usize> = (0..operations.len()).collect();
        let mut errors = 0usize;
        'passes: loop {
            let mut deferred = Vec::new();
            let mut progressed = false;
            for index in pending {
                let Some(operation) = operations.get(index) else {
                    continue;
                };
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break 'passes;
                }
                match resolve(operation, &created) {
                    Resolution::Waiting(_) => deferred.push(index),
                    Resolution::Ready(path, data) => {
                        progressed = true;
                        let result = self.run(operation, &path, data).await;
                        if let (Ok((_, Some(id))), Some(bulk_id)) = (&result, &operation.bulk_id) {
                            created.insert(bulk_id.clone(), id.clone());
                        }
                        if result.is_err() {
                            errors += 1;
                        }
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Some(response(operation, result));
                        }
                    }
                }
            }
            if deferred.is_empty() {
                break;
            }
            if !progressed {
                // What is left waits on bulkIds no operation creates, or on
                // each other in a circle.
                for index in deferred {
                    let Some(operation) = operations.get(index) else {
                        continue;
                    };
                    let Resolution::Waiting(missing) = resolve(operation, &created) else {
                        continue;
                    };
                    let error = ScimError::new(
                        StatusCode::CONFLICT,
                        Some(ScimType::InvalidValue),
                        format!(
                            "bulkId:{missing} names no operation that created a resource (or the references form a circle)"
                        ),
                    );
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(response(operation, Err(error)));
                    }
                }
                break;
            }
            pending = deferred;
        }
        let answered: Vec<Value> = results.into_iter().flatten().collect();
        Ok(json!({"schemas": [BULK_RESPONSE_URN], "Operations": answered}))
    }

    /// One operation; on success the resource (if any) and its id.
    async fn run(
        &self,
        operation: &Operation,
        path: &str,
        data: Option<Value>,
    ) -> Result<(Option<Value>, Option<String>), ScimError> {
        let (kind, id) = target(path)?;
        let if_match = operation
            .version
            .as_deref()
            .map(resource::parse_version)
            .transpose()?
            .flatten();
        let need_data = || {
            data.clone()
                .ok_or_else(|| ScimError::invalid_syntax(format!("{} {path} needs \"data\"", operation.method)))
        };
        let need_id = || {
            id.clone().ok_or_else(|| {
                ScimError::invalid_path(format!(
                    "{} needs a path of the form /{}/ID",
                    operation.method,
                    kind.endpoint()
                ))
            })
        };
        let resource = match operation.method {
            Method::POST if id.is_none() => Some(self.create(kind, need_data()?).await?),
            Method::PUT => Some(self.replace(kind, &need_id()?, need_data()?, if_match).await?),
            Method::PATCH => Some(
                self.patch(kind, &need_id()?, need_data()?, if_match, Members::Left)
                    .await?,
            ),
            Method::DELETE => {
                self.delete(kind, &need_id()?, if_match).await?;
                None
            }
            _ => {
                return Err(ScimError::invalid_syntax(format!(
                    "\"{} {path}\" is not a bulk operation: use POST /Users, PUT, PATCH or DELETE /Users/ID (or /Groups)",
                    operation.method
                )));
            }
        };
        let id = resource
            .as_ref()
            .and_then(|r| r.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok((resource, id))
    }
}

fn parse(body: Value) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let Value::Object(mut request) = body else {
        return Err(ScimError::invalid_syntax("a BulkRequest must be a JSON object"));
    };
    let schemas_ok = request.get("schemas").and_then(Value::as_array).is_some_and(|s| {
        s.iter()
            .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST_URN)))
    });
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!(
            "a BulkRequest must list \"{BULK_REQUEST_URN}\" in \"schemas\""
        )));
    }
    let fail_on_errors = match request.get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value
                .as_u64()
                .filter(|n| *n >= 1)
                .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
                .ok_or_else(|| ScimError::invalid_value("failOnErrors must be an integer of at least 1"))?,
        ),
    };
    let Some(Value::Array(items)) = request.remove("Operations") else {
        return Err(ScimError::invalid_syntax("a BulkRequest needs an \"Operations\" array"));
    };
    if items.len() > MAX_OPERATIONS {
        return Err(ScimError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some(ScimType::TooMany),
            format!(
                "the request has {} operations; at most {MAX_OPERATIONS} are allowed",
                items.len()
            ),
        ));
    }
    let operations = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| operation(n, item))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((operations, fail_on_errors))
}

fn operation(n: usize, item: Value) -> Result<Operation, ScimError> {
    let Value::Object(mut item) = item else {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{n}] must be a JSON object"
        )));
    };
    let text = |item: &Map<String, Value>, name: &str| -> Result<Option<String>, ScimError> {
        match item.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ScimError::invalid_syntax(format!(
                "Operations[{n}].{name} must be a string"
            ))),
        }
    };
    let method = text(&item, "method")?
        .ok_or_else(|| ScimError::invalid_syntax(format!("Operations[{n}] needs a \"method\"")))?;
    let method = match method.to_ascii_uppercase().as_str() {
        "POST" => Method::POST,
        "PUT" => Method::PUT,
        "PATCH" => Method::PATCH,
        "DELETE" => Method::DELETE,
        _ => {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{n}].method \"{method}\" is not POST, PUT, PATCH or DELETE"
            )));
        }
    };
    let path =
        text(&item, "path")?.ok_or_else(|| ScimError::invalid_syntax(format!("Operations[{n}] needs a \"path\"")))?;
    let bulk_id = text(&item, "bulkId")?;
    if method == Method::POST && bulk_id.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "Operations[{n}]: a POST needs a \"bulkId\""
        )));
    }
    Ok(Operation {
        method,
        bulk_id,
        version: text(&item, "version")?,
        path,
        data: item.remove("data"),
    })
}

enum Resolution {
    Ready(String, Option<Value>),
    /// Waits for the resource of this bulkId.
    Waiting(String),
}

/// Replaces `bulkId:X` in the path and in every string of the data by the
/// id of the resource operation X created.
fn resolve(operation: &Operation, created: &HashMap<String, String>) -> Resolution {
    let mut missing = None;
    let path = substitute(&operation.path, created, &mut missing);
    let data = operation.data.clone().map(|mut data| {
        substitute_json(&mut data, created, &mut missing);
        data
    });
    match missing {
        Some(bulk_id) => Resolution::Waiting(bulk_id),
        None => Resolution::Ready(path, data),
    }
}

fn substitute(text: &str, created: &HashMap<String, String>, missing: &mut Option<String>) -> String {
    let Some(start) = text.find("bulkId:") else {
        return text.to_owned();
    };
    let head = text.get(..start).unwrap_or_default();
    let rest = text.get(start + "bulkId:".len()..).unwrap_or_default();
    let end = rest.find(['/', '"', ' ']).unwrap_or(rest.len());
    let bulk_id = rest.get(..end).unwrap_or_default();
    let tail = rest.get(end..).unwrap_or_default();
    match created.get(bulk_id) {
        Some(id) => format!("{head}{id}{}", substitute(tail, created, missing)),
        None => {
            missing.get_or_insert_with(|| bulk_id.to_owned());
            text.to_owned()
        }
    }
}

fn substitute_json(value: &mut Value, created: &HashMap<String, String>, missing: &mut Option<String>) {
    match value {
        Value::String(text) if text.contains("bulkId:") => *text = substitute(text, created, missing),
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| substitute_json(item, created, missing)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| substitute_json(item, created, missing)),
        _ => {}
    }
}

/// `/Users`, `/Users/ID`, `/Groups/ID` → kind and id; like request paths,
/// endpoint names in any letter case and a trailing slash are accepted.
fn target(path: &str) -> Result<(Kind, Option<String>), ScimError> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    let mut parts = trimmed.splitn(2, '/');
    let endpoint = parts.next().unwrap_or_default();
    let kind = Kind::of_endpoint(endpoint).ok_or_else(|| {
        ScimError::invalid_path(format!(
            "bulk path \"{path}\" names no resource type: use /Users or /Groups"
        ))
    })?;
    let id = parts.next().filter(|id| !id.is_empty()).map(str::to_owned);
    if id.as_deref().is_some_and(|id| id.contains('/')) {
        return Err(ScimError::invalid_path(format!(
            "bulk path \"{path}\" has too many segments"
        )));
    }
    Ok((kind, id))
}

fn response(operation: &Operation, result: Result<(Option<Value>, Option<String>), ScimError>) -> Value {
    let mut answer = Map::new();
    answer.insert("method".into(), Value::String(operation.method.to_string()));
    if let Some(bulk_id) = &operation.bulk_id {
        answer.insert("bulkId".into(), Value::String(bulk_id.clone()));
    }
    match result {
        Ok((resource, _)) => {
            let status = match operation.method {
                Method::POST => "201",
                Method::DELETE => "204",
                _ => "200",
            };
            if let Some(resource) = &resource {
                if let Some(location) = resource.pointer("/meta/location") {
                    answer.insert("location".into(), location.clone());
                }
                if let Some(version) = resource.pointer("/meta/version") {
                    answer.insert("version".into(), version.clone());
                }
            }
            answer.insert("status".into(), Value::String(status.to_owned()));
        }
        Err(error) => {
            answer.insert("status".into(), Value::String(error.status.as_u16().to_string()));
            answer.insert("response".into(), error.to_json());
        }
    }
    Value::Object(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bulk_ids_are_replaced_in_paths_and_data() {
        let created = HashMap::from([("a".to_owned(), "id-a".to_owned())]);
        let mut missing = None;
        assert_eq!(substitute("/Groups/bulkId:a", &created, &mut missing), "/Groups/id-a");
        let mut data = json!({"members": [{"value": "bulkId:a"}, {"value": "bulkId:b"}]});
        substitute_json(&mut data, &created, &mut missing);
        assert_eq!(data["members"][0]["value"], "id-a");
        assert_eq!(missing.as_deref(), Some("b"));
    }

    #[test]
    fn requests_are_checked_before_anything_runs() {
        let no_schema = parse(json!({"Operations": []})).unwrap_err();
        assert!(no_schema.detail.contains(BULK_REQUEST_URN));
        let post_without_bulk_id = parse(json!({
            "schemas": [BULK_REQUEST_URN],
            "Operations": [{"method": "POST", "path": "/Users", "data": {}}]
        }))
        .unwrap_err();
        assert!(post_without_bulk_id.detail.contains("bulkId"));
        assert!(target("/Printers").is_err());
        assert_eq!(target("/Users/x").unwrap(), (Kind::User, Some("x".into())));
        assert_eq!(target("/users/x/").unwrap(), (Kind::User, Some("x".into())));
        assert_eq!(target("/GROUPS/").unwrap(), (Kind::Group, None));
    }
}
