//! Turning a file of people — a CSV export or JSON of SCIM users — into the
//! SCIM bulk operations `provisio inbound send` posts, chunked into
//! BulkRequests. Pure: text in, operations or every problem found out.

mod columns;
mod json;
mod table;

use std::collections::BTreeMap;
use std::path::Path;

use clap::ValueEnum;
use provisio_api::inbound::{BULK_REQUEST_SCHEMA, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use crate::file_problems::{Place, Problem};

/// How a file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    /// By the file's extension (`.csv`, `.json`), else by its content: JSON
    /// starts with `[` or `{`, anything else is taken for CSV.
    pub fn of(path: &Path, text: &str) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ if text.trim_start_matches('\u{feff}').trim_start().starts_with(['[', '{']) => Format::Json,
            _ => Format::Csv,
        }
    }
}

/// One operation of a BulkRequest: a record to create or update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub method: String,
    #[serde(rename = "bulkId")]
    pub bulk_id: String,
    pub path: String,
    pub data: Map<String, Value>,
}

/// A SCIM BulkRequest as it is sent.
#[derive(Debug, Serialize)]
pub struct BulkRequest<'a> {
    pub schemas: [&'static str; 1],
    #[serde(rename = "Operations")]
    pub operations: &'a [Operation],
    #[serde(rename = "failOnErrors")]
    pub fail_on_errors: Option<u32>,
}

impl<'a> BulkRequest<'a> {
    pub fn new(operations: &'a [Operation]) -> Self {
        BulkRequest {
            schemas: [BULK_REQUEST_SCHEMA],
            operations,
            fail_on_errors: None,
        }
    }
}

/// A person read from the file, before it gets its bulkId.
struct Record {
    place: Place,
    /// The bulkId the file gave it (a BulkRequest's operations).
    bulk_id: Option<String>,
    method: Option<String>,
    path: Option<String>,
    data: Map<String, Value>,
}

/// Reads every record of the file as an operation, or reports every problem.
pub fn read(text: &str, format: Format) -> Result<Vec<Operation>, Vec<Problem>> {
    // Spreadsheet programs start their exports with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = match format {
        Format::Csv => table::read(text)?,
        Format::Json => json::read(text)?,
    };
    if records.is_empty() {
        return Err(vec![Problem::new(Place::File, "no records to send")]);
    }
    operations(records)
}

/// Gives each record its bulkId — the file's, else its externalId, else its
/// number — so the same file gets the same ids every time it is sent.
fn operations(records: Vec<Record>) -> Result<Vec<Operation>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<String, Place> = BTreeMap::new();
    let mut operations = Vec::with_capacity(records.len());
    for (index, mut record) in records.into_iter().enumerate() {
        // externalId is a string in SCIM; JSON exports sometimes write it as a number.
        if let Some(Value::Number(n)) = record.data.get("externalId") {
            let text = n.to_string();
            record.data.insert("externalId".to_owned(), Value::String(text));
        }
        let identified = ["externalId", "userName"].iter().any(|key| {
            record
                .data
                .get(*key)
                .and_then(Value::as_str)
                .is_some_and(|v| !v.trim().is_empty())
        });
        if !identified {
            problems.push(Problem::new(
                record.place,
                "the record has no externalId nor userName: the job matches records by them",
            ));
        }
        let bulk_id = record
            .bulk_id
            .take()
            .or_else(|| record.data.get("externalId").and_then(scalar_text))
            .unwrap_or_else(|| (index + 1).to_string());
        if let Some(first) = seen.get(&bulk_id) {
            problems.push(Problem::new(
                record.place,
                format!("bulkId {bulk_id:?} is already the bulkId of {}", first.describe()),
            ));
        } else {
            seen.insert(bulk_id.clone(), record.place);
        }
        fill_schemas(&mut record.data);
        operations.push(Operation {
            method: record.method.unwrap_or_else(|| "POST".to_owned()),
            bulk_id,
            path: record.path.unwrap_or_else(|| "/Users".to_owned()),
            data: record.data,
        });
    }
    if problems.is_empty() {
        Ok(operations)
    } else {
        Err(problems)
    }
}

/// A string or a number as text (externalIds are sometimes numbers in JSON).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lists the schemas a record uses when it lists none: the core User, and
/// each extension it has an object for (the enterprise one first).
fn fill_schemas(data: &mut Map<String, Value>) {
    if data.contains_key("schemas") {
        return;
    }
    let mut schemas = vec![Value::from(USER_SCHEMA)];
    if data.contains_key(ENTERPRISE_USER_SCHEMA) {
        schemas.push(Value::from(ENTERPRISE_USER_SCHEMA));
    }
    for key in data.keys() {
        let is_extension = key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:"));
        if is_extension && key != ENTERPRISE_USER_SCHEMA && key != USER_SCHEMA {
            schemas.push(Value::from(key.as_str()));
        }
    }
    data.insert("schemas".to_owned(), Value::Array(schemas));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn bulk_ids(text: &str, format: Format) -> Vec<String> {
        read(text, format).unwrap().into_iter().map(|o| o.bulk_id).collect()
    }

    #[test]
    fn the_format_is_the_extension_else_the_content() {
        assert_eq!(Format::of(Path::new("people.CSV"), "[]"), Format::Csv);
        assert_eq!(Format::of(Path::new("people.json"), "a,b"), Format::Json);
        assert_eq!(Format::of(Path::new("export"), "\u{feff}  [{}]"), Format::Json);
        assert_eq!(Format::of(Path::new("export.txt"), "userName\nx"), Format::Csv);
    }

    #[test]
    fn bulk_ids_are_the_external_id_else_the_record_number() {
        let csv = "externalId,userName\n701984,a@contoso.com\n,b@contoso.com\n701986,c@contoso.com\n";
        assert_eq!(bulk_ids(csv, Format::Csv), ["701984", "2", "701986"]);
        let json = r#"[{"externalId": 7, "userName": "a"}, {"userName": "b"}]"#;
        assert_eq!(bulk_ids(json, Format::Json), ["7", "2"]);
        assert_eq!(read(json, Format::Json).unwrap()[0].data["externalId"], json!("7"));
        // The same file, the same ids.
        assert_eq!(bulk_ids(csv, Format::Csv), bulk_ids(csv, Format::Csv));
    }

    #[test]
    fn a_repeated_bulk_id_is_an_error_naming_both_places() {
        let csv = "externalId,userName\n7,a\n7,b\n";
        assert_eq!(
            read(csv, Format::Csv).unwrap_err(),
            [Problem::new(
                Place::Line(3),
                "bulkId \"7\" is already the bulkId of line 2"
            )]
        );
    }

    #[test]
    fn every_record_needs_an_identity() {
        let csv = "externalId,userName,title\n1,,x\n,b,y\n,,z\n";
        assert_eq!(
            read(csv, Format::Csv).unwrap_err(),
            [Problem::new(
                Place::Line(4),
                "the record has no externalId nor userName: the job matches records by them"
            )]
        );
    }

    #[test]
    fn an_empty_file_has_nothing_to_send() {
        assert_eq!(
            read("userName\n", Format::Csv).unwrap_err(),
            [Problem::new(Place::File, "no records to send")]
        );
        assert_eq!(read("[]", Format::Json).unwrap_err()[0].message, "no records to send");
    }

    #[test]
    fn schemas_name_the_extensions_used() {
        let mut data = json!({"userName": "a", "urn:acme:hr:1.0:User": {}, ENTERPRISE_USER_SCHEMA: {}});
        let Value::Object(data) = &mut data else { unreachable!() };
        fill_schemas(data);
        assert_eq!(
            data["schemas"],
            json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:acme:hr:1.0:User"])
        );
        let mut given = json!({"schemas": ["x"]});
        let Value::Object(given) = &mut given else {
            unreachable!()
        };
        fill_schemas(given);
        assert_eq!(given["schemas"], json!(["x"]));
    }

    #[test]
    fn requests_are_chunked_by_batch() {
        let csv: String = std::iter::once("userName".to_owned())
            .chain((1..=7).map(|n| format!("u{n}")))
            .collect::<Vec<_>>()
            .join("\n");
        let operations = read(&csv, Format::Csv).unwrap();
        let sizes: Vec<usize> = operations.chunks(3).map(<[Operation]>::len).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let request = serde_json::to_value(BulkRequest::new(&operations[..1])).unwrap();
        assert_eq!(
            request,
            json!({
                "schemas": [BULK_REQUEST_SCHEMA],
                "Operations": [{"method": "POST", "bulkId": "1", "path": "/Users",
                    "data": {"schemas": [USER_SCHEMA], "userName": "u1"}}],
                "failOnErrors": null
            })
        );
    }
}
