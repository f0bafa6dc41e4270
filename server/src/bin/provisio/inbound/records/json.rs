//! Reading a JSON file of people, in any of the three shapes an HR export
//! or a script is likely to produce: an array of SCIM Users, a ListResponse
//! (`{"Resources": [...]}`), or a whole BulkRequest whose Operations are
//! sent again in batches of the command's size.

use serde_json::{Map, Value};

use super::{Place, Problem, Record};

pub(super) fn read(text: &str) -> Result<Vec<Record>, Vec<Problem>> {
    let document: Value = serde_json::from_str(text).map_err(|e| vec![syntax_problem(&e)])?;
    let (items, operations) = match document {
        Value::Array(items) => (items, false),
        Value::Object(mut object) => match (take(&mut object, "Operations"), take(&mut object, "Resources")) {
            (Some(Value::Array(items)), _) => (items, true),
            (_, Some(Value::Array(items))) => (items, false),
            (Some(_), _) => return Err(whole("\"Operations\" should be an array")),
            (_, Some(_)) => return Err(whole("\"Resources\" should be an array")),
            (None, None) => {
                return Err(whole(
                    "expected an array of users, an object with \"Resources\", or a BulkRequest with \"Operations\"",
                ));
            }
        },
        _ => {
            return Err(whole(
                "expected an array of users, an object with \"Resources\", or a BulkRequest with \"Operations\"",
            ));
        }
    };
    let mut problems = Vec::new();
    let mut records = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let place = Place::Record(index + 1);
        let record = if operations {
            operation(item, place)
        } else {
            user(item, place)
        };
        match record {
            Ok(record) => records.push(record),
            Err(message) => problems.push(Problem::new(place, message)),
        }
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}

fn user(item: Value, place: Place) -> Result<Record, String> {
    let Value::Object(data) = item else {
        return Err(format!("a user should be a JSON object, not {}", kind(&item)));
    };
    Ok(Record {
        place,
        bulk_id: None,
        method: None,
        path: None,
        data,
    })
}

/// A BulkRequest operation keeps its method, path and bulkId.
fn operation(item: Value, place: Place) -> Result<Record, String> {
    let Value::Object(mut operation) = item else {
        return Err(format!("an operation should be a JSON object, not {}", kind(&item)));
    };
    let text = |operation: &mut Map<String, Value>, key: &str| match take(operation, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!("\"{key}\" should be a string, not {}", kind(&other))),
    };
    let method = text(&mut operation, "method")?.map(|m| m.to_ascii_uppercase());
    let bulk_id = text(&mut operation, "bulkId")?;
    let path = text(&mut operation, "path")?;
    let data = match take(&mut operation, "data") {
        Some(Value::Object(data)) => data,
        Some(other) => return Err(format!("\"data\" should be a user object, not {}", kind(&other))),
        None => return Err("the operation has no \"data\"".to_owned()),
    };
    Ok(Record {
        place,
        bulk_id,
        method,
        path,
        data,
    })
}

/// Removes a key, matching it regardless of case (SCIM's names are case-insensitive).
fn take(object: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let found = object.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone();
    object.remove(&found)
}

fn whole(message: &str) -> Vec<Problem> {
    vec![Problem::new(Place::File, message)]
}

fn syntax_problem(error: &serde_json::Error) -> Problem {
    let message = error.to_string();
    // serde_json ends its messages with the place, which the Problem shows already.
    let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m);
    Problem::new(Place::Line(error.line() as u64), format!("not valid JSON: {message}"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use provisio_api::inbound::{BULK_REQUEST_SCHEMA, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    use super::super::{Format, Operation, read as read_file};

    #[track_caller]
    fn operations(json: &str) -> Vec<Operation> {
        read_file(json, Format::Json).unwrap()
    }

    #[track_caller]
    fn problems(json: &str) -> Vec<String> {
        read_file(json, Format::Json)
            .unwrap_err()
            .iter()
            .map(|p| p.in_file("people.json").to_string())
            .collect()
    }

    #[test]
    fn an_array_of_users_gets_schemas_and_bulk_ids() {
        let ops = operations(
            &json!([
                {"externalId": "701984", "userName": "jdoe@contoso.com",
                 ENTERPRISE_USER_SCHEMA: {"department": "R&D"}},
                {"schemas": [USER_SCHEMA], "userName": "ann@contoso.com"}
            ])
            .to_string(),
        );
        assert_eq!(
            serde_json::to_value(&ops).unwrap(),
            json!([
                {"method": "POST", "bulkId": "701984", "path": "/Users", "data": {
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "externalId": "701984",
                    "userName": "jdoe@contoso.com", ENTERPRISE_USER_SCHEMA: {"department": "R&D"}}},
                {"method": "POST", "bulkId": "2", "path": "/Users", "data": {
                    "schemas": [USER_SCHEMA], "userName": "ann@contoso.com"}}
            ])
        );
    }

    #[test]
    fn a_list_response_sends_its_resources() {
        let ops = operations(r#"{"totalResults": 2, "Resources": [{"userName": "a"}, {"userName": "b"}]}"#);
        let names: Vec<_> = ops.iter().map(|o| o.data["userName"].clone()).collect();
        assert_eq!(names, [json!("a"), json!("b")]);
    }

    #[test]
    fn a_bulk_request_keeps_its_operations() {
        let ops = operations(
            &json!({
                "schemas": [BULK_REQUEST_SCHEMA],
                "Operations": [
                    {"method": "post", "bulkId": "a1", "path": "/Users", "data": {"externalId": "9", "userName": "a"}},
                    {"data": {"externalId": "10", "userName": "b"}}
                ],
                "failOnErrors": null
            })
            .to_string(),
        );
        let ids: Vec<_> = ops
            .iter()
            .map(|o| (o.method.as_str(), o.bulk_id.as_str(), o.path.as_str()))
            .collect();
        assert_eq!(ids, [("POST", "a1", "/Users"), ("POST", "10", "/Users")]);
        assert_eq!(ops[1].data["schemas"], json!([USER_SCHEMA]));
    }

    #[test]
    fn wrong_shapes_and_syntax_are_reported() {
        assert_eq!(
            problems("{\n  \"userName\": \n}"),
            ["people.json:3: not valid JSON: expected value"]
        );
        assert_eq!(
            problems(r#"{"userName": "a"}"#),
            [
                "people.json: expected an array of users, an object with \"Resources\", or a BulkRequest with \"Operations\""
            ]
        );
        assert_eq!(
            problems(r#"[{"userName": "a"}, "b", 3]"#),
            [
                "people.json: record 2: a user should be a JSON object, not a string",
                "people.json: record 3: a user should be a JSON object, not a number",
            ]
        );
        assert_eq!(
            problems(r#"{"Operations": [{"bulkId": 1, "data": {}}, {"method": "POST"}]}"#),
            [
                "people.json: record 1: \"bulkId\" should be a string, not a number",
                "people.json: record 2: the operation has no \"data\"",
            ]
        );
    }
}
