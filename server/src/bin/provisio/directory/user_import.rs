//! `provisio directory user import FILE.csv`: creates the users of a CSV
//! file whose header row names directory attributes, through a running
//! server or on the database. The file follows the rules of every CSV file
//! of people (`crate::csv_table`, shared with `inbound send`), and the whole
//! of it is checked before anything is written: unknown headers (with "did
//! you mean"), values of the wrong type, missing or repeated
//! userPrincipalNames, users that already exist, managers that do not.
//! Every problem is reported as `people.csv:3: column "manager": …`; with
//! any, nothing is written and it exits 2. On the database the users are
//! created in one transaction; through a server one request each, so a
//! refusal there (a user created meanwhile) says which were created.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use provisio_api::directory::{USERS_PATH, UserDetail, UserWrite};
use provisio_server::directory::{AttributeSpec, DirectoryError, UserDraft};
use serde_json::{Map, Value};

use super::{attribute, catalogue, failed, find_user, manager_id, value};
use crate::admin::Stop;
use crate::csv_table::{self, Table};
use crate::file_problems::{Place, Problem};
use crate::via::{self, Backend, Via};

const UPN: &str = "userPrincipalName";

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The users: a CSV file (UTF-8) whose header row names directory attributes (any case), e.g.
    /// userPrincipalName,displayName,department,accountEnabled; userPrincipalName is required. Empty
    /// cells are left out; multi-valued attributes are separated by `;`; manager is a user's id or
    /// userPrincipalName.
    #[arg(value_name = "FILE.csv")]
    file: PathBuf,
    /// Check the whole file and say what would be created, without writing anything.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    via: Via,
}

/// A user read from the file, ready to be created.
#[derive(Debug, Clone, PartialEq)]
struct Person {
    line: u64,
    attributes: Map<String, Value>,
}

pub fn run(args: ImportArgs) -> ExitCode {
    let name = args.file.display().to_string();
    let text = match std::fs::read_to_string(&args.file) {
        Ok(text) => text,
        Err(e) => return crate::inputs::fail(&format!("error: cannot read {name}: {e}")),
    };
    via::run(&args.via, |backend| async move {
        let catalogue = catalogue(&backend).await?;
        let people = match check(&backend, &catalogue, &text).await? {
            Ok(people) => people,
            Err(problems) => return Err(Stop::Input(report(&name, &problems))),
        };
        if args.dry_run {
            eprintln!(
                "{name}: {} ready to be created; nothing was written (--dry-run)",
                users(people.len())
            );
            return Ok(String::new());
        }
        let created = write(&backend, &name, people).await?;
        eprintln!("{name}: created {}", users(created.len()));
        Ok(created
            .iter()
            .map(|(id, upn)| format!("created user {upn} ({id})\n"))
            .collect())
    })
}

/// Every problem, then their count and that nothing was written.
fn report(name: &str, problems: &[Problem]) -> String {
    let mut text: String = problems
        .iter()
        .map(|problem| format!("error: {}\n", problem.in_file(name)))
        .collect();
    let count = problems.len();
    text.push_str(&format!(
        "{count} error{}: nothing was imported",
        if count == 1 { "" } else { "s" }
    ));
    text
}

fn users(n: usize) -> String {
    if n == 1 {
        "1 user".to_owned()
    } else {
        format!("{n} users")
    }
}

/// The people of the file, or every problem found in it.
async fn check(
    backend: &Backend,
    catalogue: &[AttributeSpec],
    text: &str,
) -> Result<Result<Vec<Person>, Vec<Problem>>, Stop> {
    let (table, mut problems) = csv_table::read(text);
    let Some(table) = table else {
        return Ok(Err(problems));
    };
    let columns = csv_table::columns(
        &table,
        |name| attribute(catalogue, name).cloned(),
        |earlier: &AttributeSpec, column: &AttributeSpec| earlier.name == column.name,
        &mut problems,
    );
    if !columns.iter().flatten().any(|spec| spec.name == UPN) {
        problems.push(Problem::new(
            Place::Line(table.header_line),
            "no userPrincipalName column: every user needs one",
        ));
    }
    let mut people = read_rows(&table, &columns, &mut problems);
    if people.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            Place::File,
            "no users to import: the file has a header row only",
        ));
    }
    check_upns(backend, &people, &mut problems).await?;
    resolve_managers(backend, &mut people, &mut problems).await?;
    if problems.is_empty() {
        Ok(Ok(people))
    } else {
        csv_table::in_file_order(&mut problems);
        Ok(Err(problems))
    }
}

/// Each row's attributes, typed by the catalogue; a problem for each bad cell.
fn read_rows(table: &Table, columns: &[Option<AttributeSpec>], problems: &mut Vec<Problem>) -> Vec<Person> {
    let mut people = Vec::new();
    for row in &table.rows {
        let mut attributes = Map::new();
        for ((cell, name), column) in row.cells.iter().zip(&table.names).zip(columns) {
            let Some(spec) = column else { continue };
            match value(spec, cell) {
                Ok(Some(value)) => {
                    attributes.insert(spec.name.clone(), value);
                }
                Ok(None) => {}
                Err(message) => problems.push(Problem::new(
                    Place::Line(row.line),
                    format!("column {name:?}: {message}"),
                )),
            }
        }
        if has_upn(&attributes) || !columns.iter().flatten().any(|spec| spec.name == UPN) {
            people.push(Person {
                line: row.line,
                attributes,
            });
        } else {
            problems.push(Problem::new(
                Place::Line(row.line),
                "the userPrincipalName is empty: every user needs one",
            ));
        }
    }
    people
}

fn has_upn(attributes: &Map<String, Value>) -> bool {
    attributes
        .get(UPN)
        .and_then(Value::as_str)
        .is_some_and(|upn| !upn.is_empty())
}

fn upn_of(person: &Person) -> &str {
    person.attributes.get(UPN).and_then(Value::as_str).unwrap_or_default()
}

/// userPrincipalNames are unique regardless of case: in the file, and
/// against the directory's users (deleted ones hold theirs until purged).
async fn check_upns(backend: &Backend, people: &[Person], problems: &mut Vec<Problem>) -> Result<(), Stop> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    for person in people {
        let upn = upn_of(person);
        if upn.is_empty() {
            continue;
        }
        if let Some(first) = seen.get(&upn.to_lowercase()) {
            problems.push(Problem::new(
                Place::Line(person.line),
                format!("userPrincipalName {upn:?} is already on line {first}"),
            ));
            continue;
        }
        seen.insert(upn.to_lowercase(), person.line);
        if let Some(found) = find_user(backend, upn).await? {
            let deleted = if found.deleted {
                " as a deleted user: restore it, or purge it to reuse the name"
            } else {
                ": import creates users only; change existing ones in the portal or with PATCH \
                 /api/v1/directory/users/{id}"
            };
            problems.push(Problem::new(
                Place::Line(person.line),
                format!("userPrincipalName {upn:?} already exists (user {}){deleted}", found.id),
            ));
        }
    }
    Ok(())
}

/// Managers named by userPrincipalName become ids; a manager that is not in
/// the directory is a problem (one in the same file does not exist yet).
async fn resolve_managers(backend: &Backend, people: &mut [Person], problems: &mut Vec<Problem>) -> Result<(), Stop> {
    let in_file: HashMap<String, u64> = people
        .iter()
        .map(|person| (upn_of(person).to_lowercase(), person.line))
        .collect();
    for person in people.iter_mut() {
        let references: Vec<(String, String)> = person
            .attributes
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
            .filter(|(name, _)| name == "manager")
            .collect();
        for (name, key) in references {
            match manager_id(backend, &key).await? {
                Ok(id) => {
                    person.attributes.insert(name, Value::String(id));
                }
                Err(message) => {
                    let message = match in_file.get(&key.to_lowercase()) {
                        Some(line) => format!(
                            "the manager {key:?} is on line {line} of this file and does not exist yet: import \
                             managers in a file of their own first"
                        ),
                        None => message,
                    };
                    problems.push(Problem::new(
                        Place::Line(person.line),
                        format!("column {name:?}: {message}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Creates the users; their ids and userPrincipalNames.
async fn write(backend: &Backend, file: &str, people: Vec<Person>) -> Result<Vec<(String, String)>, Stop> {
    match backend {
        Backend::Database(store) => {
            let drafts = people
                .into_iter()
                .map(|person| UserDraft {
                    attributes: person.attributes,
                    scim_extra: None,
                })
                .collect();
            let created = store.directory().create_users(drafts).await.map_err(|e| match e {
                DirectoryError::Storage(e) => failed(e),
                refused => Stop::Input(format!("error: {file}: {refused}; nothing was imported")),
            })?;
            Ok(created
                .into_iter()
                .map(|user| (user.user_principal_name().to_owned(), user.id))
                .map(|(upn, id)| (id, upn))
                .collect())
        }
        Backend::Server(remote) => {
            let mut created = Vec::with_capacity(people.len());
            for person in people {
                let line = person.line;
                let body = UserWrite {
                    attributes: person.attributes,
                };
                match remote.post::<UserDetail>(USERS_PATH, &body).await {
                    Ok(detail) => created.push((detail.user.id.clone(), super::text(&detail.user.attributes, UPN))),
                    Err(stop) => {
                        let done: String = created
                            .iter()
                            .map(|(id, upn)| format!("created user {upn} ({id})\n"))
                            .collect();
                        print!("{done}");
                        let (Stop::Input(message) | Stop::Failed(message)) = stop;
                        return Err(Stop::Failed(format!(
                            "{file}:{line}: {}\nthe server refused this user after the file was checked: {} \
                             created before it (on stdout), the rest not imported",
                            message.trim_start_matches("error: "),
                            users(created.len())
                        )));
                    }
                }
            }
            Ok(created)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provisio_server::directory::attributes::user_catalogue;

    /// Reads a file's rows as `check` does before it looks at the directory.
    fn rows(text: &str) -> (Vec<Person>, Vec<String>) {
        let catalogue = user_catalogue(&[]);
        let (table, mut problems) = csv_table::read(text);
        let table = table.unwrap();
        let columns = csv_table::columns(
            &table,
            |name| attribute(&catalogue, name).cloned(),
            |a: &AttributeSpec, b: &AttributeSpec| a.name == b.name,
            &mut problems,
        );
        let people = read_rows(&table, &columns, &mut problems);
        csv_table::in_file_order(&mut problems);
        let shown = problems.iter().map(|p| p.in_file("people.csv").to_string()).collect();
        (people, shown)
    }

    #[test]
    fn every_problem_of_the_file_is_named_with_its_line_and_column() {
        let (_, problems) = rows(
            "userPrincipalName,surnmae,accountEnabled,employeeHireDate,title\n\
             ada@contoso.com,Lovelace,maybe,2026-01-31,Engineer\n\
             ,Hopper,true,,\n",
        );
        assert_eq!(
            problems,
            [
                "people.csv:1: column \"surnmae\": not an attribute of the directory's users: did you mean surname?",
                "people.csv:1: column \"title\": not an attribute of the directory's users: did you mean jobTitle?",
                "people.csv:2: column \"accountEnabled\": \"maybe\" is not true or false",
                "people.csv:2: column \"employeeHireDate\": \"2026-01-31\" must be an RFC 3339 date and time such \
                 as 2026-01-31T09:00:00Z",
                "people.csv:3: the userPrincipalName is empty: every user needs one",
            ]
        );
    }

    #[test]
    fn rows_become_typed_attributes_in_the_catalogues_spelling() {
        let (people, problems) = rows(
            "\u{feff}USERPRINCIPALNAME,displayName,accountEnabled,otherMails\n\
             ada@contoso.com,\"Lovelace, Ada\",no,a@x.com;b@x.com\n\
             ,,,\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(people.len(), 1);
        assert_eq!(people[0].line, 2);
        assert_eq!(
            Value::Object(people[0].attributes.clone()),
            serde_json::json!({"userPrincipalName": "ada@contoso.com", "displayName": "Lovelace, Ada",
                "accountEnabled": false, "otherMails": ["a@x.com", "b@x.com"]})
        );
    }

    #[test]
    fn the_report_ends_with_the_count_and_that_nothing_was_written() {
        let problems = [Problem::new(Place::Line(3), "bad")];
        assert_eq!(
            report("people.csv", &problems),
            "error: people.csv:3: bad\n1 error: nothing was imported"
        );
    }
}
