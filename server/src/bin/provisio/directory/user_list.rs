//! `provisio directory user list`: a page of users by display name, as
//! `GET /api/v1/directory/users` answers it, through a running server or
//! from the database; a table by default, or `--json`.

use std::process::ExitCode;

use clap::Args;
use provisio_api::directory::{DirectoryUser, Page, USERS_PATH};
use provisio_server::directory::UserQuery;

use super::{failed, text};
use crate::admin::{Stop, table};
use crate::remote::query;
use crate::via::{self, Backend, Via};

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only users whose userPrincipalName, displayName or mail contains this text (any case).
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    /// List soft-deleted users instead of live ones.
    #[arg(long)]
    deleted: bool,
    /// How many users to show: 1 to 500.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u16).range(1..=500))]
    limit: u16,
    /// How many matching users to skip first.
    #[arg(long, value_name = "N", default_value_t = 0)]
    offset: usize,
    /// Print the users as a JSON array, each as the admin API answers it.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    via: Via,
}

pub fn run(args: ListArgs) -> ExitCode {
    via::run(&args.via, |backend| async move {
        let page = match &backend {
            Backend::Server(remote) => {
                let path = format!(
                    "{USERS_PATH}{}",
                    query(&[
                        ("search", args.search.clone()),
                        ("deleted", args.deleted.then(|| "true".to_owned())),
                        ("offset", (args.offset > 0).then(|| args.offset.to_string())),
                        ("limit", Some(args.limit.to_string())),
                    ])
                );
                remote.get::<Page<DirectoryUser>>(&path).await?
            }
            Backend::Database(store) => {
                let page = store
                    .directory()
                    .users_page(&UserQuery {
                        search: args.search.clone().filter(|s| !s.trim().is_empty()),
                        deleted: args.deleted,
                        offset: args.offset,
                        limit: usize::from(args.limit),
                    })
                    .await
                    .map_err(failed)?;
                Page {
                    total: page.total,
                    items: page
                        .items
                        .into_iter()
                        .map(|user| DirectoryUser {
                            id: user.id,
                            attributes: user.attributes,
                            meta: provisio_api::directory::ObjectMeta {
                                version: user.meta.version,
                                created_at: user.meta.created,
                                modified_at: user.meta.modified,
                                deleted_at: user.meta.deleted,
                            },
                        })
                        .collect(),
                }
            }
        };
        eprintln!("{}", counted(args.offset, page.items.len(), page.total, args.deleted));
        render(&page.items, args.json)
    })
}

/// `2 users` or `users 51–100 of 230`, on stderr.
fn counted(offset: usize, shown: usize, total: usize, deleted: bool) -> String {
    let kind = if deleted { "deleted users" } else { "users" };
    if total == 0 {
        format!("no {kind}")
    } else if offset == 0 && shown >= total {
        format!("{total} {}", if total == 1 { kind.trim_end_matches('s') } else { kind })
    } else if shown == 0 {
        format!("no {kind} after the first {offset} of {total}")
    } else {
        format!(
            "{kind} {}–{} of {total} (--offset and --limit show others)",
            offset + 1,
            offset + shown
        )
    }
}

fn render(users: &[DirectoryUser], json: bool) -> Result<String, Stop> {
    if json {
        return serde_json::to_string_pretty(users)
            .map(|text| format!("{text}\n"))
            .map_err(|e| Stop::Failed(format!("error: cannot print the users: {e}")));
    }
    if users.is_empty() {
        return Ok(String::new());
    }
    let rows = users
        .iter()
        .map(|user| {
            let enabled = match user.attributes.get("accountEnabled") {
                Some(serde_json::Value::Bool(false)) => "no",
                _ => "yes",
            };
            vec![
                text(&user.attributes, "userPrincipalName"),
                text(&user.attributes, "displayName"),
                text(&user.attributes, "department"),
                enabled.to_owned(),
                user.id.clone(),
            ]
        })
        .collect();
    Ok(table(
        &["USER PRINCIPAL NAME", "DISPLAY NAME", "DEPARTMENT", "ENABLED", "ID"],
        rows,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_says_which_users_are_shown() {
        assert_eq!(counted(0, 0, 0, false), "no users");
        assert_eq!(counted(0, 1, 1, false), "1 user");
        assert_eq!(counted(0, 2, 2, true), "2 deleted users");
        assert_eq!(
            counted(50, 50, 230, false),
            "users 51–100 of 230 (--offset and --limit show others)"
        );
        assert_eq!(counted(300, 0, 230, false), "no users after the first 300 of 230");
    }
}
