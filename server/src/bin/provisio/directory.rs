//! `provisio directory user create|list|import`: the built-in directory's
//! users from the command line, through a running server's admin API or on
//! the database. What the commands share: the attribute catalogue (the
//! built-in attributes and the administrator's extensions), attribute names
//! with "did you mean", and finding a user by id or userPrincipalName.

mod user_create;
mod user_import;
mod user_list;

use std::process::ExitCode;

use clap::Subcommand;
use provisio_api::directory::{ATTRIBUTES_PATH, AttributeCatalogue, AttributeKind, UserDetail, user_path};
use provisio_server::directory::attributes::{normalise, user_catalogue};
use provisio_server::directory::{AttributeSpec, AttributeType, DirectoryError};
use serde_json::{Map, Value};

use crate::admin::Stop;
use crate::via::Backend;

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Create, list and import the directory's users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user (works through --server or on --database).
    Create(user_create::CreateArgs),
    /// List users by display name (works through --server or on --database).
    List(user_list::ListArgs),
    /// Create the users of a CSV file whose header row names directory attributes; the whole file is
    /// checked first, and with any problem nothing is written (works through --server or on --database).
    Import(user_import::ImportArgs),
}

pub fn run(command: DirectoryCommand) -> ExitCode {
    match command {
        DirectoryCommand::User { command } => match command {
            UserCommand::Create(args) => user_create::run(args),
            UserCommand::List(args) => user_list::run(args),
            UserCommand::Import(args) => user_import::run(args),
        },
    }
}

/// Every attribute a user may carry: the built-in ones and the extensions.
async fn catalogue(backend: &Backend) -> Result<Vec<AttributeSpec>, Stop> {
    match backend {
        Backend::Server(remote) => {
            let catalogue: AttributeCatalogue = remote.get(ATTRIBUTES_PATH).await?;
            Ok(catalogue
                .user
                .into_iter()
                .map(|definition| AttributeSpec {
                    name: definition.name,
                    kind: match definition.kind {
                        AttributeKind::String => AttributeType::String,
                        AttributeKind::Boolean => AttributeType::Boolean,
                        AttributeKind::Integer => AttributeType::Integer,
                        AttributeKind::DateTime => AttributeType::DateTime,
                        AttributeKind::Reference => AttributeType::Reference,
                    },
                    multi_valued: definition.multi_valued,
                    description: definition.description,
                })
                .collect())
        }
        Backend::Database(store) => {
            let extensions = store.directory().extension_attributes().await.map_err(failed)?;
            Ok(user_catalogue(&extensions))
        }
    }
}

/// A user found by id or userPrincipalName: its id, its userPrincipalName,
/// and whether it is soft-deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    id: String,
    upn: String,
    deleted: bool,
}

async fn find_user(backend: &Backend, key: &str) -> Result<Option<Found>, Stop> {
    match backend {
        Backend::Server(remote) => {
            let detail: Option<UserDetail> = remote.find(&user_path(key)).await?;
            Ok(detail.map(|detail| Found {
                upn: text(&detail.user.attributes, "userPrincipalName"),
                deleted: detail.user.meta.deleted_at.is_some(),
                id: detail.user.id,
            }))
        }
        Backend::Database(store) => {
            let user = store.directory().user_by_id_or_upn(key).await.map_err(failed)?;
            Ok(user.map(|user| Found {
                upn: user.user_principal_name().to_owned(),
                deleted: user.is_deleted(),
                id: user.id,
            }))
        }
    }
}

fn text(attributes: &Map<String, Value>, name: &str) -> String {
    attributes
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn failed(error: impl std::fmt::Display) -> Stop {
    Stop::Failed(format!("error: {error}"))
}

/// One attribute's value from text (a CSV cell, `NAME=VALUE`), checked as
/// the directory checks it: `None` when empty; booleans written the ways
/// HR exports write them; multi-valued attributes separated by `;`;
/// numbers and dates as the catalogue's type says. The error names the value.
fn value(spec: &AttributeSpec, text: &str) -> Result<Option<Value>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let raw = if spec.kind == AttributeType::Boolean {
        match crate::csv_table::boolean(text) {
            Some(flag) => Value::Bool(flag),
            None => return Err(format!("{text:?} is not true or false")),
        }
    } else if spec.multi_valued {
        let items = text.split(';').map(str::trim).filter(|item| !item.is_empty());
        Value::Array(items.map(|item| Value::String(item.to_owned())).collect())
    } else {
        Value::String(text.to_owned())
    };
    let mut one = Map::new();
    one.insert(spec.name.clone(), raw);
    match normalise(one, std::slice::from_ref(spec)) {
        Ok(mut normalised) => Ok(normalised.remove(&spec.name)),
        Err(DirectoryError::Invalid { message, .. }) => Err(format!("{text:?} {message}")),
        Err(other) => Err(other.to_string()),
    }
}

/// A manager named by id or userPrincipalName, as its id; or why not.
async fn manager_id(backend: &Backend, key: &str) -> Result<Result<String, String>, Stop> {
    Ok(match find_user(backend, key).await? {
        Some(found) if found.deleted => Err(format!(
            "the manager {key:?} is a deleted user ({}): restore it first",
            found.id
        )),
        Some(found) => Ok(found.id),
        None => Err(format!(
            "no user has the id or userPrincipalName {key:?} (to be the manager)"
        )),
    })
}

/// Names people reach for that the directory spells otherwise.
const FAMILIAR: &[(&str, &str)] = &[
    ("upn", "userPrincipalName"),
    ("userName", "userPrincipalName"),
    ("title", "jobTitle"),
    ("firstName", "givenName"),
    ("lastName", "surname"),
    ("familyName", "surname"),
    ("email", "mail"),
    ("phone", "telephoneNumber"),
    ("employeeNumber", "employeeId"),
    ("enabled", "accountEnabled"),
    ("active", "accountEnabled"),
    ("name", "displayName"),
];

/// The catalogue's attribute of this name (any case), or why not, with the
/// name that was probably meant.
fn attribute<'a>(catalogue: &'a [AttributeSpec], name: &str) -> Result<&'a AttributeSpec, String> {
    if name.is_empty() {
        return Err("a column needs a header: a directory attribute such as displayName".to_owned());
    }
    if let Some(spec) = catalogue.iter().find(|spec| spec.name.eq_ignore_ascii_case(name)) {
        return Ok(spec);
    }
    let familiar = FAMILIAR
        .iter()
        .find(|(familiar, _)| familiar.eq_ignore_ascii_case(name))
        .map(|(_, meant)| *meant);
    let lower = name.to_lowercase();
    let close = catalogue
        .iter()
        .map(|spec| {
            (
                spec.name.as_str(),
                strsim::jaro_winkler(&lower, &spec.name.to_lowercase()),
            )
        })
        .filter(|(_, score)| *score > 0.85)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(name, _)| name);
    Err(match familiar.or(close) {
        Some(meant) => format!("not an attribute of the directory's users: did you mean {meant}?"),
        None => "not an attribute of the directory's users (docs/cli.md lists them; extension attributes are \
                 defined in the portal or with POST /api/v1/directory/attributes)"
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_found_in_any_case_else_a_likely_one_is_named() {
        let catalogue = user_catalogue(&[]);
        assert_eq!(attribute(&catalogue, "DISPLAYNAME").unwrap().name, "displayName");
        let meant = |name| attribute(&catalogue, name).unwrap_err();
        assert_eq!(
            meant("surnmae"),
            "not an attribute of the directory's users: did you mean surname?"
        );
        assert!(meant("departmnet").ends_with("did you mean department?"));
        assert!(meant("title").ends_with("did you mean jobTitle?"));
        assert!(meant("upn").ends_with("did you mean userPrincipalName?"));
        assert!(meant("shoeSize").starts_with("not an attribute of the directory's users (docs/cli.md"));
        assert!(meant("").contains("needs a header"));
    }

    #[test]
    fn values_are_read_as_the_catalogue_types_them() {
        let catalogue = user_catalogue(&[]);
        let read = |name, text| value(attribute(&catalogue, name).unwrap(), text);
        assert_eq!(read("accountEnabled", "No"), Ok(Some(Value::Bool(false))));
        assert_eq!(
            read("accountEnabled", "maybe"),
            Err("\"maybe\" is not true or false".to_owned())
        );
        assert_eq!(
            read("otherMails", "a@x.com; b@x.com;"),
            Ok(Some(serde_json::json!(["a@x.com", "b@x.com"])))
        );
        assert_eq!(read("department", "  "), Ok(None));
        assert_eq!(
            read("employeeHireDate", "2026-01-31T09:00:00+01:00"),
            Ok(Some(Value::String("2026-01-31T08:00:00.000Z".to_owned())))
        );
        let wrong = read("employeeHireDate", "31/01/2026").unwrap_err();
        assert!(
            wrong.starts_with("\"31/01/2026\" must be an RFC 3339 date and time"),
            "{wrong}"
        );
    }
}
