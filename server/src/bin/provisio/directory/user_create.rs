//! `provisio directory user create UPN [NAME=VALUE…]`: one user, with the
//! attributes given (checked against the catalogue first, with "did you
//! mean"; a manager may be named by userPrincipalName), through a running
//! server or on the database. Prints the new user's id.

use std::process::ExitCode;

use clap::Args;
use provisio_api::directory::{USERS_PATH, UserDetail, UserWrite};
use provisio_server::directory::{AttributeType, UserDraft};
use serde_json::{Map, Value};

use super::{attribute, catalogue, failed, manager_id, value};
use crate::admin::Stop;
use crate::via::{self, Backend, Via};

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The user's userPrincipalName, e.g. ada@contoso.com.
    #[arg(value_name = "UPN")]
    upn: String,
    /// Attributes as NAME=VALUE, e.g. displayName="Ada Lovelace" department=R&D accountEnabled=false;
    /// multi-valued ones separated by `;`; manager by id or userPrincipalName.
    #[arg(value_name = "NAME=VALUE")]
    attributes: Vec<String>,
    #[command(flatten)]
    via: Via,
}

pub fn run(args: CreateArgs) -> ExitCode {
    // The pairs' shape is checked before anything is opened.
    let pairs = match pairs(&args.attributes) {
        Ok(pairs) => pairs,
        Err(message) => return crate::inputs::fail(&format!("error: {message}")),
    };
    via::run(
        &args.via,
        |backend| async move { create(&backend, &args.upn, pairs).await },
    )
}

/// `NAME=VALUE` arguments, split at the first `=`.
fn pairs(arguments: &[String]) -> Result<Vec<(String, String)>, String> {
    arguments
        .iter()
        .map(|argument| match argument.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_owned(), value.to_owned())),
            _ => Err(format!(
                "{argument:?} is not NAME=VALUE: give attributes as e.g. displayName=\"Ada Lovelace\""
            )),
        })
        .collect()
}

async fn create(backend: &Backend, upn: &str, pairs: Vec<(String, String)>) -> Result<String, Stop> {
    let catalogue = catalogue(backend).await?;
    let mut attributes = Map::new();
    attributes.insert("userPrincipalName".to_owned(), Value::String(upn.trim().to_owned()));
    let mut problems = Vec::new();
    for (name, text) in pairs {
        let spec = match attribute(&catalogue, &name) {
            Ok(spec) => spec,
            Err(message) => {
                problems.push(format!("attribute {name:?}: {message}"));
                continue;
            }
        };
        match value(spec, &text) {
            Ok(Some(Value::String(key))) if spec.kind == AttributeType::Reference => {
                match manager_id(backend, &key).await? {
                    Ok(id) => {
                        attributes.insert(spec.name.clone(), Value::String(id));
                    }
                    Err(message) => problems.push(format!("attribute {:?}: {message}", spec.name)),
                }
            }
            Ok(Some(value)) => {
                attributes.insert(spec.name.clone(), value);
            }
            Ok(None) => {}
            Err(message) => problems.push(format!("attribute {:?}: {message}", spec.name)),
        }
    }
    if !problems.is_empty() {
        let lines: Vec<String> = problems.iter().map(|p| format!("error: {p}")).collect();
        return Err(Stop::Input(format!("{}\nnothing was created", lines.join("\n"))));
    }
    let (id, upn) = match backend {
        Backend::Server(remote) => {
            let detail: UserDetail = remote.post(USERS_PATH, &UserWrite { attributes }).await?;
            (
                detail.user.id,
                super::text(&detail.user.attributes, "userPrincipalName"),
            )
        }
        Backend::Database(store) => {
            let draft = UserDraft {
                attributes,
                scim_extra: None,
            };
            let user = store.directory().create_user(draft).await.map_err(|e| match e {
                provisio_server::directory::DirectoryError::Storage(e) => failed(e),
                refused => Stop::Input(format!("error: {refused}")),
            })?;
            (user.id.clone(), user.user_principal_name().to_owned())
        }
    };
    Ok(format!("created user {upn} ({id})\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_name_equals_value() {
        let args = |list: &[&str]| list.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            pairs(&args(&["displayName=Ada = Lovelace", " department =R&D", "mobile="])).unwrap(),
            [
                ("displayName".to_owned(), "Ada = Lovelace".to_owned()),
                ("department".to_owned(), "R&D".to_owned()),
                ("mobile".to_owned(), String::new()),
            ]
        );
        assert!(pairs(&args(&["Ada"])).unwrap_err().contains("is not NAME=VALUE"));
        assert!(pairs(&args(&["=x"])).is_err());
    }
}
