//! `provisio token create|list|revoke`: API tokens, straight in the
//! database. `create` prints the token alone on stdout, so scripts can
//! capture it, and it is never shown again: only its hash is stored.

use provisio_server::auth::Tokens;
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};
use provisio_api::auth::{TokenCreateRequest, TokenScope};
use provisio_server::auth::TokenCreateError;

use crate::admin::{Stop, human_time, table, with_store};
use crate::database::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it: it is shown only this once.
    Create {
        /// What the token may call: the admin API, the SCIM API, one inbound job's uploads, or
        /// one on-premises agent's polls.
        #[arg(long, value_enum)]
        scope: Scope,
        /// A name to recognise it by [default: the scope and today's date].
        #[arg(long)]
        name: Option<String>,
        /// The inbound job the token may upload to, by name or id (inbound tokens only, and required
        /// for them); the token stays with that job when it is renamed and goes when it is deleted.
        #[arg(long, value_name = "NAME", required_if_eq("scope", "inbound"))]
        job: Option<String>,
        /// The on-premises agent the token authenticates (agent tokens only) [default: the
        /// token's --name]; jobs reach it with `"via_agent": "NAME"`.
        #[arg(long, value_name = "NAME")]
        agent: Option<String>,
        /// How long the token lives: a whole number and m (minutes), h (hours), d (days) or w
        /// (weeks), e.g. 90m, 12h, 30d [default: until revoked].
        #[arg(long, value_name = "LIFETIME", value_parser = lifetime)]
        expires_in: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the tokens (never the tokens themselves), revoked ones included.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke a token: it authenticates nothing from then on.
    Revoke {
        /// The token's id, as `provisio token list` shows it.
        id: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `--expires-in`, refused by clap with the reason when it is no lifetime.
fn lifetime(text: &str) -> Result<String, String> {
    provisio_api::auth::parse_lifetime(text).map(|_| text.to_owned())
}

/// [`TokenScope`] on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    Admin,
    Scim,
    Inbound,
    Agent,
}

impl From<Scope> for TokenScope {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Admin => TokenScope::Admin,
            Scope::Scim => TokenScope::Scim,
            Scope::Inbound => TokenScope::Inbound,
            Scope::Agent => TokenScope::Agent,
        }
    }
}

pub fn run(command: TokenCommand) -> ExitCode {
    match command {
        TokenCommand::Create {
            scope,
            name,
            job,
            agent,
            expires_in,
            database,
        } => {
            let request = TokenCreateRequest {
                name,
                scope: scope.into(),
                job,
                agent,
                expires_in,
            };
            let input = request
                .check()
                .map(|()| request)
                .map_err(|e| Stop::Input(format!("error: {e}")));
            with_store(&database, input, |store, request| async move {
                let created = Tokens::new(&store).create(&request).await.map_err(|e| match e {
                    TokenCreateError::Storage(e) => Stop::from(e),
                    refused => Stop::Input(format!("error: {refused}")),
                })?;
                let summary = &created.summary;
                let lifetime = summary
                    .expires_at
                    .as_deref()
                    .map(|at| format!(", expiring {}", human_time(at)))
                    .unwrap_or_default();
                eprintln!(
                    "Created {} token `{}` (id {}{lifetime}). Copy it now: it will not be shown again.",
                    summary.scope, summary.name, summary.id
                );
                Ok(format!("{}\n", created.token.expose()))
            })
        }
        TokenCommand::List { database } => with_store(&database, Ok(()), |store, ()| async move {
            let tokens = Tokens::new(&store).list().await?;
            if tokens.is_empty() {
                eprintln!("No API tokens yet: create one with `provisio token create --scope SCOPE`.");
                return Ok(String::new());
            }
            let now = chrono::Utc::now();
            let rows = tokens
                .into_iter()
                .map(|t| {
                    let status = t.status(now, human_time);
                    vec![
                        t.id,
                        t.name,
                        t.scope.to_string(),
                        t.job.or(t.agent).unwrap_or_else(|| "-".to_owned()),
                        human_time(&t.created_at),
                        t.last_used_at.as_deref().map_or_else(|| "never".to_owned(), human_time),
                        t.expires_at.as_deref().map_or_else(|| "never".to_owned(), human_time),
                        status,
                    ]
                })
                .collect();
            Ok(table(
                &[
                    "ID",
                    "NAME",
                    "SCOPE",
                    "JOB/AGENT",
                    "CREATED",
                    "LAST USED",
                    "EXPIRES",
                    "STATUS",
                ],
                rows,
            ))
        }),
        TokenCommand::Revoke { id, database } => with_store(&database, Ok(()), |store, ()| async move {
            match Tokens::new(&store).revoke(&id).await? {
                Some(token) => Ok(format!(
                    "Token `{}` ({}) revoked{}.\n",
                    token.name,
                    token.id,
                    token
                        .revoked_at
                        .as_deref()
                        .map(|at| format!(" at {}", human_time(at)))
                        .unwrap_or_default()
                )),
                None => Err(Stop::Input(format!("error: no token has the id `{id}`"))),
            }
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scope_has_a_flag_value() {
        for scope in Scope::value_variants() {
            let name = scope.to_possible_value().unwrap().get_name().to_owned();
            assert_eq!(TokenScope::from(*scope).as_str(), name);
        }
    }
}
