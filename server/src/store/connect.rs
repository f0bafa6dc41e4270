//! Why a database could not be opened, said so the operator can act on it:
//! which database (a SQLite file's absolute path, or PostgreSQL's database,
//! host and port, never the password), what is wrong, and what to do (the
//! `CREATE DATABASE` to run, the user whose password was refused, the
//! folder that is a file). Also the first connection to PostgreSQL, tried
//! on its own with a short time-out, so a server that is down is reported
//! at once rather than after the pool's thirty seconds of retries.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::migrate::MigrateError;
use sqlx::postgres::PgConnectOptions;

use crate::ServerError;
use crate::error::{database_text, io_text};

/// How long the first connection to PostgreSQL may take: a refused one
/// fails at once; this bounds a host that does not answer at all.
pub(super) const FIRST_CONNECTION: Duration = Duration::from_secs(10);

/// Where a PostgreSQL URL points, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PgPlace {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) database: String,
    pub(super) user: String,
    /// Whether the URL gives a password (never what it is).
    pub(super) has_password: bool,
}

impl PgPlace {
    /// The URL's host, port, database and user, with PostgreSQL's defaults
    /// (the `PG*` variables, port 5432, the database named as the user).
    pub(super) fn of(url: &str) -> Option<PgPlace> {
        let options = PgConnectOptions::from_str(url).ok()?;
        let user = options.get_username().to_owned();
        Some(PgPlace {
            host: options.get_host().to_owned(),
            port: options.get_port(),
            database: options.get_database().unwrap_or(&user).to_owned(),
            has_password: url::Url::parse(url).is_ok_and(|u| u.password().is_some()),
            user,
        })
    }

    fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Connects once to PostgreSQL, within [`FIRST_CONNECTION`], and lets the
/// connection go: whatever keeps it from connecting (refused, no such
/// database, a wrong password) is known now, not after the pool's retries.
pub(super) async fn first_connection(url: &str) -> Result<(), ServerError> {
    match tokio::time::timeout(FIRST_CONNECTION, sqlx::AnyConnection::connect(url)).await {
        Ok(connection) => {
            // Closing politely is a courtesy: the connection is not needed.
            let _ = connection?.close().await;
            Ok(())
        }
        Err(_) => Err(ServerError::Database(sqlx::Error::Io(ErrorKind::TimedOut.into()))),
    }
}

/// The error of opening the database at `url`, naming it and saying what
/// to do; errors that are not the database's (a bad URL, the secret key)
/// are returned as they are.
pub(super) fn explain(url: &str, error: ServerError) -> ServerError {
    let cause = match &error {
        ServerError::Database(error) => error,
        ServerError::Migrate(MigrateError::Execute(error) | MigrateError::ExecuteMigration(error, _)) => error,
        ServerError::Migrate(other) => {
            return ServerError::Unavailable {
                database: database_name(url),
                problem: format!("its migrations cannot be applied: {other}"),
            };
        }
        _ => return error,
    };
    let problem = if let Some(file) = super::sqlite::sqlite_file(url) {
        sqlite_problem(&absolute(&file), cause)
    } else if let Some(place) = PgPlace::of(url) {
        postgres_problem(&place, cause)
    } else {
        database_text(cause)
    };
    ServerError::Unavailable {
        database: database_name(url),
        problem,
    }
}

/// "SQLite database /abs/p.db", "PostgreSQL database `prov` on host:5432".
fn database_name(url: &str) -> String {
    let described = super::describe(url);
    if super::sqlite::sqlite_file(url).is_some() {
        format!("SQLite database {described}")
    } else {
        described
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What keeps PostgreSQL at `place` from being used, and what to do; the
/// message it ends leads with the database, host and port, so they are not
/// said again here.
fn postgres_problem(place: &PgPlace, error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => format!(
                "the connection was refused: is PostgreSQL running there, and listening on that port \
                 (`pg_isready -h {} -p {}` tells)?",
                place.host, place.port
            ),
            ErrorKind::TimedOut => format!(
                "no answer within {} seconds: is the host up, and does no firewall drop the connection?",
                FIRST_CONNECTION.as_secs()
            ),
            _ => format!("cannot reach it: {}", io_text(io)),
        },
        sqlx::Error::PoolTimedOut => "no connection could be had in time".to_owned(),
        sqlx::Error::Tls(tls) => format!("TLS failed: {tls}"),
        sqlx::Error::Database(database) => {
            let code = database.code().map(|c| c.into_owned()).unwrap_or_default();
            postgres_refusal(place, &code, &database_text(error))
        }
        other => database_text(other),
    }
}

/// PostgreSQL's refusal, by its SQLSTATE `code`, with `said` (its message).
fn postgres_refusal(place: &PgPlace, code: &str, said: &str) -> String {
    let PgPlace {
        host,
        port,
        database,
        user,
        ..
    } = place;
    let address = place.address();
    match code {
        // invalid_catalog_name
        "3D000" => {
            let name = sql_identifier(database);
            let owner = (user != "postgres").then_some(user.as_str());
            let as_owner = owner
                .map(|u| format!(" OWNER {}", sql_identifier(u)))
                .unwrap_or_default();
            let createdb_owner = owner.map(|u| format!(" -O {}", shell_word(u))).unwrap_or_default();
            format!(
                "it does not exist: create it with `CREATE DATABASE {name};` \
                 (in psql, as a user who may create databases: psql -h {host} -p {port} -U postgres -c \
                 'CREATE DATABASE {name}{as_owner};'), or from a shell with `createdb -h {host} -p {port} -U \
                 postgres{createdb_owner} {}`",
                shell_word(database)
            )
        }
        // invalid_password
        "28P01" if place.has_password => format!(
            "authentication failed: PostgreSQL refused the password of user `{user}`; correct it in the \
             database URL (postgres://{user}:PASSWORD@{address}/{database})"
        ),
        "28P01" => format!(
            "authentication failed: user `{user}` needs a password and the database URL gives none \
             (postgres://{user}:PASSWORD@{address}/{database})"
        ),
        // invalid_authorization_specification: no such role, or pg_hba.conf
        "28000" if said.contains("does not exist") => format!(
            "authentication failed: PostgreSQL has no user `{user}` ({said}); create it with `CREATE ROLE {} \
             LOGIN PASSWORD '…';` or name another in the database URL",
            sql_identifier(user)
        ),
        "28000" => format!(
            "authentication failed: PostgreSQL does not let user `{user}` in ({said}); allow it in the server's \
             pg_hba.conf"
        ),
        // insufficient_privilege
        "42501" => format!(
            "user `{user}` may not do what Provisio needs in `{database}` ({said}); make it the database's \
             owner: `ALTER DATABASE {} OWNER TO {};`",
            sql_identifier(database),
            sql_identifier(user)
        ),
        // too_many_connections
        "53300" => format!("{said}: PostgreSQL has no connection left for Provisio"),
        // cannot_connect_now
        "57P03" => format!("{said}: PostgreSQL is starting or stopping; try again shortly"),
        _ => said.to_owned(),
    }
}

/// What keeps the SQLite file at `path` (absolute) from being used.
fn sqlite_problem(path: &Path, error: &sqlx::Error) -> String {
    let shown = path.display();
    let code = match error {
        sqlx::Error::Database(database) => database.code().and_then(|c| c.parse::<i32>().ok()),
        _ => None,
    };
    // SQLite's primary result code is the low byte of the extended one.
    match code.map(|c| c & 0xff) {
        // SQLITE_CANTOPEN
        Some(14) => {
            if path.is_dir() {
                format!(
                    "{shown} is a folder, not a database file: name a file in it, e.g. sqlite://{}",
                    path.join("provisio.db").display()
                )
            } else if let Some(file) = file_in_the_way(path) {
                format!("{} is a file, not a folder", file.display())
            } else if path.exists() {
                format!("cannot open {shown}: may this user read and write it?")
            } else {
                let folder = path.parent().unwrap_or(path);
                format!(
                    "cannot create {shown}: may this user write to the folder {}?",
                    folder.display()
                )
            }
        }
        // SQLITE_NOTADB
        Some(26) => {
            format!("{shown} is not a SQLite database file: name the server's database, or move this file away")
        }
        // SQLITE_READONLY
        Some(8) => format!(
            "{shown} is read-only to this user: SQLite needs to write it and its folder (for the -wal and -shm \
             files beside it)"
        ),
        // SQLITE_BUSY, SQLITE_LOCKED
        Some(5 | 6) => format!("{shown} is locked by another process: {}", database_text(error)),
        _ => format!("{}: {}", shown, database_text(error)),
    }
}

/// Why the folder for a SQLite file could not be made: a file where a
/// folder must be, or the operating system's reason.
pub(super) fn folder_problem(folder: &Path, error: &std::io::Error) -> String {
    match file_in_the_way(&folder.join("_")) {
        Some(file) => format!("{} is a file, not a folder", file.display()),
        None => io_text(error),
    }
}

/// The closest ancestor of `path` that exists, when it is not a folder.
fn file_in_the_way(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .find(|ancestor| ancestor.exists())
        .filter(|ancestor| !ancestor.is_dir())
        .map(Path::to_path_buf)
}

/// A name as SQL writes it: bare when PostgreSQL would keep it as it is,
/// else in double quotes.
fn sql_identifier(name: &str) -> String {
    let bare = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if bare {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A word as a POSIX shell reads it back unchanged.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(user: &str, has_password: bool) -> PgPlace {
        PgPlace {
            host: "db.corp".into(),
            port: 6432,
            database: "prov".into(),
            user: user.into(),
            has_password,
        }
    }

    #[test]
    fn a_url_names_its_place_and_never_keeps_the_password() {
        let place = PgPlace::of("postgres://provisio:s3cret@db.corp:6432/prov").unwrap();
        assert_eq!(place, self::place("provisio", true));
        assert!(!format!("{place:?}").contains("s3cret"));
        let defaults = PgPlace::of("postgres://ada@localhost").unwrap();
        assert_eq!((defaults.port, defaults.database.as_str()), (5432, "ada"));
    }

    #[test]
    fn a_refused_connection_names_the_address() {
        let refused = sqlx::Error::Io(ErrorKind::ConnectionRefused.into());
        let problem = postgres_problem(&place("provisio", true), &refused);
        assert!(problem.starts_with("the connection was refused: "), "{problem}");
        assert!(problem.contains("pg_isready -h db.corp -p 6432"), "{problem}");
        let silent = sqlx::Error::Io(ErrorKind::TimedOut.into());
        let problem = postgres_problem(&place("provisio", true), &silent);
        assert!(problem.starts_with("no answer within 10 seconds"), "{problem}");
    }

    #[test]
    fn a_missing_database_is_created_with_the_exact_statement() {
        let problem = postgres_refusal(&place("provisio", true), "3D000", "database \"prov\" does not exist");
        assert!(problem.contains("`CREATE DATABASE prov;`"), "{problem}");
        assert!(problem.contains("'CREATE DATABASE prov OWNER provisio;'"), "{problem}");
        assert!(
            problem.contains("createdb -h db.corp -p 6432 -U postgres -O provisio prov"),
            "{problem}"
        );
        let odd = PgPlace {
            database: "My-DB".into(),
            ..place("postgres", false)
        };
        let problem = postgres_refusal(&odd, "3D000", "");
        assert!(problem.contains("`CREATE DATABASE \"My-DB\";`"), "{problem}");
        assert!(problem.contains("-U postgres My-DB`"), "{problem}");
    }

    #[test]
    fn authentication_failures_name_the_user() {
        let problem = postgres_refusal(&place("provisio", true), "28P01", "password authentication failed");
        assert!(problem.contains("refused the password of user `provisio`"), "{problem}");
        let problem = postgres_refusal(&place("provisio", false), "28P01", "password authentication failed");
        assert!(problem.contains("the database URL gives none"), "{problem}");
        let problem = postgres_refusal(&place("nobody", false), "28000", "role \"nobody\" does not exist");
        assert!(problem.contains("has no user `nobody`"), "{problem}");
    }

    #[test]
    fn names_are_quoted_for_sql_and_the_shell_only_when_needed() {
        assert_eq!(sql_identifier("provisio_2"), "provisio_2");
        assert_eq!(sql_identifier("Prov"), "\"Prov\"");
        assert_eq!(sql_identifier("a\"b"), "\"a\"\"b\"");
        assert_eq!(shell_word("prov-1.db"), "prov-1.db");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }

    #[tokio::test]
    async fn sqlite_problems_name_the_absolute_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("notes.txt");
        std::fs::write(&file, "not a database").unwrap();

        let under_a_file = format!("sqlite://{}", file.join("provisio.db").display());
        let error = crate::store::Store::open(&under_a_file).await.unwrap_err().to_string();
        assert!(
            error.contains(&format!("{} is a file, not a folder", file.display())),
            "{error}"
        );

        let folder = format!("sqlite://{}", dir.path().display());
        let error = crate::store::Store::open(&folder).await.unwrap_err().to_string();
        assert!(
            error.contains(&format!("{} is a folder, not a database file", dir.path().display())),
            "{error}"
        );

        let not_sqlite = format!("sqlite://{}", file.display());
        let error = crate::store::Store::open(&not_sqlite).await.unwrap_err().to_string();
        assert!(
            error.contains(&format!("{} is not a SQLite database file", file.display())),
            "{error}"
        );
        assert_eq!(
            error.matches("not a database").count(),
            0,
            "said once, in words: {error}"
        );
    }
}
