//! `provisio admin create|list|delete|password`: administrators, written
//! straight to the database, so the first one can be made before the
//! server ever starts (and while it runs). Passwords come from
//! `--password-stdin` (one line) or else `PROVISIO_ADMIN_PASSWORD`; they
//! are never taken as arguments, which other users could read in the
//! process list. Bad input exits 2, failures exit 1.
//!
//! Also the helpers `provisio token` shares: running against the store,
//! and printing tables.

use provisio_server::auth::Admins;
use std::future::Future;
use std::io::BufRead as _;
use std::process::ExitCode;

use clap::Subcommand;
use provisio_api::auth::{Secret, check_admin_name, check_password};
use provisio_server::store::Store;

use crate::database::{DatabaseArgs, NotOpened};

/// The variable `admin create` and `admin password` read the password from.
const PASSWORD_ENV: &str = "PROVISIO_ADMIN_PASSWORD";

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an administrator, with the password from --password-stdin or PROVISIO_ADMIN_PASSWORD.
    Create {
        /// Letters, digits, `.`, `_`, `-` or `@`; at most 64 characters.
        name: String,
        /// Read the password (at least 12 characters) as one line from stdin.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List the administrators.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Delete an administrator and end their sessions (never the last one).
    Delete {
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set an administrator's password (from --password-stdin or PROVISIO_ADMIN_PASSWORD) and end their sessions.
    Password {
        name: String,
        /// Read the new password (at least 12 characters) as one line from stdin.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Why a command stopped: bad input (exit 2) or a failure (exit 1).
#[derive(Debug)]
pub(crate) enum Stop {
    Input(String),
    Failed(String),
}

impl From<provisio_server::ServerError> for Stop {
    fn from(error: provisio_server::ServerError) -> Self {
        Stop::Failed(format!("error: {error}"))
    }
}

pub fn run(command: AdminCommand) -> ExitCode {
    match command {
        AdminCommand::Create {
            name,
            password_stdin,
            database,
        } => {
            let input = check_admin_name(&name)
                .and_then(|()| password(password_stdin))
                .map_err(|e| Stop::Input(format!("error: {e}")));
            with_store(&database, input, |store, password| async move {
                match Admins::new(&store).create(&name, &password).await? {
                    Some(_) => Ok(format!("Administrator `{name}` created.\n")),
                    None => Err(Stop::Input(format!(
                        "error: an administrator named `{name}` already exists"
                    ))),
                }
            })
        }
        AdminCommand::List { database } => with_store(&database, Ok(()), |store, ()| async move {
            let admins = Admins::new(&store).list().await?;
            if admins.is_empty() {
                eprintln!("No administrators yet: create one with `provisio admin create NAME`.");
                return Ok(String::new());
            }
            let rows = admins
                .into_iter()
                .map(|a| {
                    let last = a
                        .last_sign_in_at
                        .as_deref()
                        .map_or_else(|| "never".to_owned(), human_time);
                    vec![a.name, human_time(&a.created_at), last]
                })
                .collect();
            Ok(table(&["NAME", "CREATED", "LAST SIGN-IN"], rows))
        }),
        AdminCommand::Delete { name, database } => with_store(&database, Ok(()), |store, ()| async move {
            let missing = || Stop::Input(format!("error: no administrator is named `{name}`"));
            if !Admins::new(&store).exists(&name).await? {
                return Err(missing());
            }
            if Admins::new(&store).delete(&name).await? {
                return Ok(format!("Administrator `{name}` deleted.\n"));
            }
            if Admins::new(&store).exists(&name).await? {
                Err(Stop::Input(format!(
                    "error: `{name}` is the last administrator: create another first"
                )))
            } else {
                Err(missing())
            }
        }),
        AdminCommand::Password {
            name,
            password_stdin,
            database,
        } => {
            let input = password(password_stdin).map_err(|e| Stop::Input(format!("error: {e}")));
            with_store(&database, input, |store, password| async move {
                if Admins::new(&store).set_password(&name, &password).await? {
                    Ok(format!("Password of `{name}` changed; their sessions have ended.\n"))
                } else {
                    Err(Stop::Input(format!("error: no administrator is named `{name}`")))
                }
            })
        }
    }
}

/// The password from stdin (with `--password-stdin`) or the environment,
/// checked for length.
fn password(from_stdin: bool) -> Result<Secret, String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        let line = line.strip_suffix('\n').unwrap_or(&line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            return Err("no password on stdin".to_owned());
        }
        Secret::new(line)
    } else {
        match std::env::var(PASSWORD_ENV) {
            Ok(text) if !text.is_empty() => Secret::new(text),
            _ => return Err(format!("no password: set {PASSWORD_ENV} or pass --password-stdin")),
        }
    };
    check_password(&password)?;
    Ok(password)
}

/// Runs `work` with `input` against the database; prints what it answers on
/// stdout, or its error on stderr with exit code 2 (bad input) or 1.
pub(crate) fn with_store<I, F, W>(database: &DatabaseArgs, input: Result<I, Stop>, work: W) -> ExitCode
where
    W: FnOnce(Store, I) -> F,
    F: Future<Output = Result<String, Stop>>,
{
    let outcome = input.and_then(|input| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Stop::Failed(format!("error: cannot start the async runtime: {e}")))?;
        runtime.block_on(async {
            let store = database.open().await.map_err(|e| match e {
                NotOpened::Missing(message) => Stop::Input(format!("error: {message}")),
                NotOpened::Failed(message) => Stop::Failed(format!("error: {message}")),
            })?;
            let outcome = work(store.clone(), input).await;
            store.close().await;
            outcome
        })
    });
    crate::via::finish(outcome)
}

/// A stored RFC 3339 time as `2026-11-26 09:30:00 UTC`.
pub(crate) fn human_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|time| time.to_utc().format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|_| stored.to_owned())
}

/// Rows under headers, in columns two spaces apart; every line ends in a newline.
pub(crate) fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = headers.iter().map(|h| (*h).to_owned()).collect();
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_their_columns() {
        let rows = vec![
            vec!["alice".to_owned(), "x".to_owned()],
            vec!["bo".to_owned(), "yyyyyy".to_owned()],
        ];
        assert_eq!(table(&["NAME", "V"], rows), "NAME   V\nalice  x\nbo     yyyyyy\n");
    }

    #[test]
    fn times_are_shown_to_the_second() {
        assert_eq!(human_time("2026-11-26T09:30:00.123456Z"), "2026-11-26 09:30:00 UTC");
        assert_eq!(human_time("garbage"), "garbage");
    }
}
