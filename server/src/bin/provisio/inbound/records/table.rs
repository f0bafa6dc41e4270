//! Reading a CSV export: the header row names where each column goes
//! ([`Column`]), every other row is a person. Empty cells are left out;
//! every problem is reported with its line and column, none stops the
//! reading early.

use serde_json::{Map, Value};

use super::columns::Column;
use super::{Place, Problem, Record};

pub(super) fn read(text: &str) -> Result<Vec<Record>, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header = match rows.next() {
        None => {
            return Err(vec![Problem::new(
                Place::File,
                "the file is empty: it needs a header row",
            )]);
        }
        Some(Err(e)) => return Err(vec![csv_problem(&e)]),
        Some(Ok(header)) => header,
    };
    let mut problems = Vec::new();
    let header_line = header.position().map_or(1, csv::Position::line);
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let columns = columns(&names, header_line, &mut problems);
    let mut records = Vec::new();
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(csv_problem(&e));
                continue;
            }
        };
        let line = row.position().map_or(0, csv::Position::line);
        if row.iter().all(|cell| cell.trim().is_empty()) {
            // Spreadsheets export trailing rows of empty cells.
            continue;
        }
        if row.len() != names.len() {
            problems.push(Problem::new(
                Place::Line(line),
                format!(
                    "{} cell{}, but the header has {} columns",
                    row.len(),
                    if row.len() == 1 { "" } else { "s" },
                    names.len()
                ),
            ));
            continue;
        }
        let mut data = Map::new();
        for ((cell, name), column) in row.iter().zip(&names).zip(&columns) {
            let cell = cell.trim();
            let Some(column) = column else { continue };
            if cell.is_empty() {
                continue;
            }
            let value = if column.boolean {
                match boolean(cell) {
                    Some(value) => Value::Bool(value),
                    None => {
                        problems.push(Problem::new(
                            Place::Line(line),
                            format!("column {name:?}: {cell:?} is not true or false"),
                        ));
                        continue;
                    }
                }
            } else {
                Value::String(cell.to_owned())
            };
            column.set(&mut data, value);
        }
        records.push(Record {
            place: Place::Line(line),
            bulk_id: None,
            method: None,
            path: None,
            data,
        });
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        Err(problems)
    }
}

/// Each header's column; `None` where the header is wrong (a problem says why).
fn columns(names: &[&str], line: u64, problems: &mut Vec<Problem>) -> Vec<Option<Column>> {
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(names.len());
    for (position, name) in names.iter().enumerate() {
        let column = match Column::parse(name) {
            Ok(column) => column,
            Err(message) => {
                let shown = if name.is_empty() {
                    format!("column {}", position + 1)
                } else {
                    format!("column {name:?}")
                };
                problems.push(Problem::new(Place::Line(line), format!("{shown}: {message}")));
                columns.push(None);
                continue;
            }
        };
        let earlier = names.iter().zip(&columns).find_map(|(earlier, other)| {
            let other = other.as_ref()?;
            let same_place = other.schema == column.schema && other.attribute == column.attribute;
            let clash = same_place
                && (other.type_filter == column.type_filter && other.sub_attribute == column.sub_attribute
                    || other.type_filter.is_some() != column.type_filter.is_some()
                    || other.sub_attribute.is_some() != column.sub_attribute.is_some());
            clash.then_some(*earlier)
        });
        if let Some(earlier) = earlier {
            problems.push(Problem::new(
                Place::Line(line),
                format!("column {name:?}: column {earlier:?} already fills that attribute"),
            ));
            columns.push(None);
            continue;
        }
        columns.push(Some(column));
    }
    columns
}

/// HR systems write booleans many ways.
fn boolean(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

fn csv_problem(error: &csv::Error) -> Problem {
    let place = error.position().map_or(Place::File, |p| Place::Line(p.line()));
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text: save the export as UTF-8 CSV".to_owned(),
        _ => format!("not valid CSV: {error}"),
    };
    Problem::new(place, message)
}

#[cfg(test)]
mod tests {
    use provisio_api::inbound::{ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    use super::super::{Format, read as read_file};

    /// The `data` of each record of `csv`.
    #[track_caller]
    fn data(csv: &str) -> Vec<serde_json::Value> {
        read_file(csv, Format::Csv)
            .unwrap()
            .into_iter()
            .map(|o| serde_json::Value::Object(o.data))
            .collect()
    }

    /// The problems reported for `csv`, as shown for `people.csv`.
    #[track_caller]
    fn problems(csv: &str) -> Vec<String> {
        read_file(csv, Format::Csv)
            .unwrap_err()
            .iter()
            .map(|p| p.in_file("people.csv").to_string())
            .collect()
    }

    #[test]
    fn every_kind_of_column() {
        let csv = "externalId,userName,displayName,name.givenName,name.familyName,title,active,\
            emails[type eq \"work\"].value,phoneNumbers[type eq \"mobile\"].value,addresses[type eq \"work\"].locality,\
            urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department,\
            urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,\
            urn:acme:hr:1.0:User:costCenter\n\
            701984,jdoe@contoso.com,John Doe,John,Doe,Engineer,true,jdoe@contoso.com,+1 555 0100,Redmond,R&D,701900,CC-12\n";
        assert_eq!(
            data(csv),
            [json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, "urn:acme:hr:1.0:User"],
                "externalId": "701984",
                "userName": "jdoe@contoso.com",
                "displayName": "John Doe",
                "name": {"givenName": "John", "familyName": "Doe"},
                "title": "Engineer",
                "active": true,
                "emails": [{"type": "work", "value": "jdoe@contoso.com"}],
                "phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}],
                "addresses": [{"type": "work", "locality": "Redmond"}],
                ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": "701900"}},
                "urn:acme:hr:1.0:User": {"costCenter": "CC-12"}
            })]
        );
    }

    #[test]
    fn aliases_quotes_and_empty_cells() {
        let csv = "\u{feff}externalId,givenName,surname,email,department,employeeNumber,costCenter,division,organization,manager\n\
            1,\"Ann, Jr\",Lee,ann@contoso.com,Sales,1,CC,North,Contoso,\n\
            ,,,,,,,,,\n\
            2, Bo ,,,,,,,,1\n";
        assert_eq!(
            data(csv),
            [
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                    "externalId": "1",
                    "name": {"givenName": "Ann, Jr", "familyName": "Lee"},
                    "emails": [{"type": "work", "value": "ann@contoso.com"}],
                    ENTERPRISE_USER_SCHEMA: {"department": "Sales", "employeeNumber": "1", "costCenter": "CC",
                        "division": "North", "organization": "Contoso"}
                }),
                json!({
                    "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA],
                    "externalId": "2",
                    "name": {"givenName": "Bo"},
                    ENTERPRISE_USER_SCHEMA: {"manager": {"value": "1"}}
                }),
            ]
        );
    }

    #[test]
    fn booleans() {
        let csv = "userName,active\na,true\nb,FALSE\nc,yes\nd,No\ne,1\nf,0\ng,\n";
        let active: Vec<_> = data(csv).iter().map(|d| d.get("active").cloned()).collect();
        let [t, f] = [Some(json!(true)), Some(json!(false))];
        assert_eq!(active, [t.clone(), f.clone(), t.clone(), f.clone(), t, f, None]);
    }

    #[test]
    fn errors_name_the_line_and_column() {
        assert_eq!(
            problems("userName,active\na,true\nb,maybe\nc,yes\nd,nope\n"),
            [
                "people.csv:3: column \"active\": \"maybe\" is not true or false",
                "people.csv:5: column \"active\": \"nope\" is not true or false",
            ]
        );
        assert_eq!(
            problems("userName,colour,,givenName,name.givenName\na,b,c,d,e\n"),
            [
                "people.csv:1: column \"colour\": \"colour\" is not an attribute of the core User schema, \
                 nor an alias (givenName, firstName, familyName, surname, lastName, email, mobile, department, \
                 employeeNumber, costCenter, division, organization, manager)",
                "people.csv:1: column 3: a column needs a header: an attribute path such as name.givenName",
                "people.csv:1: column \"name.givenName\": column \"givenName\" already fills that attribute",
            ]
        );
        assert_eq!(
            problems("userName,title\na,b\nc\n"),
            ["people.csv:3: 1 cell, but the header has 2 columns"]
        );
        assert_eq!(
            problems("urn:x:y:tags,urn:x:y:tags.value\na,b\n"),
            ["people.csv:1: column \"urn:x:y:tags.value\": column \"urn:x:y:tags\" already fills that attribute"]
        );
        assert_eq!(problems(""), ["people.csv: the file is empty: it needs a header row"]);
    }

    #[test]
    fn quoted_cells_can_span_lines_and_lines_stay_right() {
        let csv = "userName,displayName,active\na,\"Two\nLines\",true\nb,x,bad\n";
        assert_eq!(
            problems(csv),
            ["people.csv:4: column \"active\": \"bad\" is not true or false"]
        );
    }
}
