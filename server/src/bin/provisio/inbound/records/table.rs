//! Reading a CSV export for `provisio inbound send`: the file follows the
//! rules of every CSV file of people ([`crate::csv_table`]); the header row
//! names where each column goes ([`Column`]), every other row is a person.
//! Empty cells are left out; every problem is reported with its line and
//! column, none stops the reading early.

use serde_json::{Map, Value};

use super::columns::Column;
use super::{Place, Problem, Record};
use crate::csv_table;

pub(super) fn read(text: &str) -> Result<Vec<Record>, Vec<Problem>> {
    let (table, mut problems) = csv_table::read(text);
    let Some(table) = table else {
        return Err(problems);
    };
    let columns = csv_table::columns(&table, Column::parse, clashes, &mut problems);
    let mut records = Vec::new();
    for row in &table.rows {
        let mut data = Map::new();
        for ((cell, name), column) in row.cells.iter().zip(&table.names).zip(&columns) {
            let Some(column) = column else { continue };
            if cell.is_empty() {
                continue;
            }
            let value = if column.boolean {
                match csv_table::boolean(cell) {
                    Some(value) => Value::Bool(value),
                    None => {
                        problems.push(csv_table::not_boolean(row.line, name, cell));
                        continue;
                    }
                }
            } else {
                Value::String(cell.clone())
            };
            column.set(&mut data, value);
        }
        records.push(Record {
            place: Place::Line(row.line),
            bulk_id: None,
            method: None,
            path: None,
            data,
        });
    }
    if problems.is_empty() {
        Ok(records)
    } else {
        csv_table::in_file_order(&mut problems);
        Err(problems)
    }
}

/// Whether two columns fill the same place: the same attribute of the same
/// schema, with the same type and sub-attribute, or one naming a type or
/// sub-attribute the other does not.
fn clashes(other: &Column, column: &Column) -> bool {
    let same_place = other.schema == column.schema && other.attribute == column.attribute;
    same_place
        && (other.type_filter == column.type_filter && other.sub_attribute == column.sub_attribute
            || other.type_filter.is_some() != column.type_filter.is_some()
            || other.sub_attribute.is_some() != column.sub_attribute.is_some())
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
