//! The rules every CSV file of people follows, whatever its columns mean
//! (`provisio inbound send`'s SCIM paths, `provisio directory user
//! import`'s directory attributes): the first row is the header; cells are
//! trimmed; rows of only empty cells are skipped (spreadsheets export
//! them); a row with another number of cells than the header is an error;
//! the byte-order mark spreadsheet programs write is fine; booleans are
//! written many ways. Every problem is reported with its line (and column),
//! none stops the reading early.

use crate::file_problems::{Place, Problem};

/// A file's header and its rows, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The header row's line.
    pub header_line: u64,
    /// The headers, trimmed.
    pub names: Vec<String>,
    /// Every row with as many cells as the header and at least one not empty.
    pub rows: Vec<Row>,
}

/// One row of cells (trimmed), and its line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub line: u64,
    pub cells: Vec<String>,
}

/// Reads the header and the rows. The table is `None` only when there is
/// no header; rows with problems are left out of it and reported.
pub fn read(text: &str) -> (Option<Table>, Vec<Problem>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            let empty = Problem::new(Place::File, "the file is empty: it needs a header row");
            return (None, vec![empty]);
        }
        Some(Err(e)) => return (None, vec![csv_problem(&e)]),
        Some(Ok(header)) => header,
    };
    let mut problems = Vec::new();
    let names: Vec<String> = header.iter().map(|name| name.trim().to_owned()).collect();
    let mut rows = Vec::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                problems.push(csv_problem(&e));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != names.len() {
            problems.push(Problem::new(
                Place::Line(line),
                format!(
                    "{} cell{}, but the header has {} columns",
                    record.len(),
                    if record.len() == 1 { "" } else { "s" },
                    names.len()
                ),
            ));
            continue;
        }
        let cells = record.iter().map(|cell| cell.trim().to_owned()).collect();
        rows.push(Row { line, cells });
    }
    let table = Table {
        header_line: header.position().map_or(1, csv::Position::line),
        names,
        rows,
    };
    (Some(table), problems)
}

/// Each header's column, read by `parse`; `None` where the header is wrong
/// or fills what an earlier column fills (`clashes`), with a problem saying so.
pub fn columns<C>(
    table: &Table,
    parse: impl Fn(&str) -> Result<C, String>,
    clashes: impl Fn(&C, &C) -> bool,
    problems: &mut Vec<Problem>,
) -> Vec<Option<C>> {
    let place = Place::Line(table.header_line);
    let mut columns: Vec<Option<C>> = Vec::with_capacity(table.names.len());
    for (position, name) in table.names.iter().enumerate() {
        let column = match parse(name) {
            Ok(column) => column,
            Err(message) => {
                problems.push(Problem::new(
                    place,
                    format!("{}: {message}", column_name(name, position)),
                ));
                columns.push(None);
                continue;
            }
        };
        let earlier = table.names.iter().zip(&columns).find_map(|(earlier, other)| {
            let other = other.as_ref()?;
            clashes(other, &column).then_some(earlier)
        });
        if let Some(earlier) = earlier {
            problems.push(Problem::new(
                place,
                format!("column {name:?}: column {earlier:?} already fills that attribute"),
            ));
            columns.push(None);
            continue;
        }
        columns.push(Some(column));
    }
    columns
}

/// The problems in the order of the file: the file's own first, then by line
/// (problems of one line keep their order).
pub fn in_file_order(problems: &mut [Problem]) {
    problems.sort_by_key(|problem| match problem.place {
        Place::File => 0,
        Place::Line(line) => line,
        Place::Record(n) => u64::try_from(n).unwrap_or(u64::MAX),
    });
}

/// `column "active"`, or `column 3` when the header is empty.
pub fn column_name(name: &str, position: usize) -> String {
    if name.is_empty() {
        format!("column {}", position + 1)
    } else {
        format!("column {name:?}")
    }
}

/// A cell as a boolean: HR systems and spreadsheets write them many ways.
pub fn boolean(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// The problem of a cell that should be a boolean.
pub fn not_boolean(line: u64, name: &str, cell: &str) -> Problem {
    Problem::new(
        Place::Line(line),
        format!("column {name:?}: {cell:?} is not true or false"),
    )
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
    use super::*;

    #[track_caller]
    fn shown(problems: &[Problem]) -> Vec<String> {
        problems.iter().map(|p| p.in_file("people.csv").to_string()).collect()
    }

    #[test]
    fn rows_keep_their_lines_and_trimmed_cells() {
        let (table, problems) = read("\u{feff} a ,b\n1, x \n,\n\"two\nlines\",y\n");
        assert!(problems.is_empty(), "{problems:?}");
        let table = table.unwrap();
        assert_eq!(table.names, ["a", "b"]);
        let rows: Vec<(u64, Vec<&str>)> = table
            .rows
            .iter()
            .map(|r| (r.line, r.cells.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(rows, [(2, vec!["1", "x"]), (4, vec!["two\nlines", "y"])]);
    }

    #[test]
    fn a_row_of_the_wrong_length_and_an_empty_file_are_problems() {
        let (table, problems) = read("a,b\n1,2\n3\n");
        assert_eq!(table.unwrap().rows.len(), 1);
        assert_eq!(shown(&problems), ["people.csv:3: 1 cell, but the header has 2 columns"]);
        let (table, problems) = read("");
        assert!(table.is_none());
        assert_eq!(
            shown(&problems),
            ["people.csv: the file is empty: it needs a header row"]
        );
    }

    #[test]
    fn columns_are_parsed_once_and_clashes_named() {
        let (table, _) = read("a,B,,b,c\n");
        let mut problems = Vec::new();
        let columns = columns(
            &table.unwrap(),
            |name| {
                if name == "c" {
                    Err("not known".to_owned())
                } else if name.is_empty() {
                    Err("a column needs a header".to_owned())
                } else {
                    Ok(name.to_ascii_lowercase())
                }
            },
            |x, y| x == y,
            &mut problems,
        );
        assert_eq!(columns, [Some("a".to_owned()), Some("b".to_owned()), None, None, None]);
        assert_eq!(
            shown(&problems),
            [
                "people.csv:1: column 3: a column needs a header",
                "people.csv:1: column \"b\": column \"B\" already fills that attribute",
                "people.csv:1: column \"c\": not known",
            ]
        );
    }

    #[test]
    fn booleans_are_written_many_ways() {
        for (cell, value) in [
            ("true", true),
            ("Yes", true),
            ("y", true),
            ("1", true),
            ("FALSE", false),
            ("no", false),
            ("N", false),
            ("0", false),
        ] {
            assert_eq!(boolean(cell), Some(value), "{cell}");
        }
        assert_eq!(boolean("maybe"), None);
        assert_eq!(
            not_boolean(3, "active", "maybe").in_file("people.csv").to_string(),
            "people.csv:3: column \"active\": \"maybe\" is not true or false"
        );
    }
}
