//! The server's one error type: what can stop it from starting or serving.
//! Each message says what failed once: a variant that shows its cause's
//! text does not also hand the cause on as its `source()`, so a printer
//! that follows the chain does not repeat it.

use std::net::SocketAddr;
use std::path::PathBuf;

mod database;

pub(crate) use database::{database_text, io_text};

/// Why the server could not start or a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The database URL names no driver Provisio has, or is malformed:
    /// `mysql://localhost/provisio`.
    #[error("unsupported database URL `{url}`: {reason}")]
    DatabaseUrl { url: String, reason: String },
    /// The folder that should hold the SQLite file could not be created
    /// (`path` is absolute; `reason` says why in words).
    #[error("cannot create the folder {} for the SQLite database: {reason}", path.display())]
    DataDir { path: PathBuf, reason: String },
    /// A command other than `provisio serve` found no database where it
    /// looked: it never creates one.
    #[error("no database at {}", path.display())]
    NoDatabase { path: PathBuf },
    /// The database could not be opened: `database` names it (a SQLite
    /// file's absolute path, or PostgreSQL's database, host and port, never
    /// the password) and `problem` says what is wrong and what to do.
    #[error("cannot open the {database}: {problem}")]
    Unavailable { database: String, problem: String },
    /// Connecting to the database or running a query failed.
    #[error("database error: {}", database_text(.0))]
    Database(sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("database migration failed: {}", database::migrate_text(.0))]
    Migrate(sqlx::migrate::MigrateError),
    /// Another process already listens on the address, or it is not local.
    #[error("cannot listen on {addr}: {}", io_text(.error))]
    Bind { addr: SocketAddr, error: std::io::Error },
    /// A stored value could not be read back (a JSON column that does not parse).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The key that encrypts job secrets could not be had (see `crate::secrets`).
    #[error(transparent)]
    SecretKey(#[from] crate::secrets::SecretKeyError),
    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
}

impl From<sqlx::Error> for ServerError {
    fn from(error: sqlx::Error) -> Self {
        ServerError::Database(error)
    }
}

impl From<sqlx::migrate::MigrateError> for ServerError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        ServerError::Migrate(error)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn a_message_says_its_cause_once_and_hands_on_no_source() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = ServerError::from(sqlx::Error::Io(refused));
        assert_eq!(error.to_string(), "database error: connection refused");
        assert!(error.source().is_none());
        let bind = ServerError::Bind {
            addr: "127.0.0.1:8080".parse().unwrap(),
            error: std::io::Error::from_raw_os_error(98),
        };
        assert_eq!(
            bind.to_string(),
            "cannot listen on 127.0.0.1:8080: Address already in use"
        );
        assert!(bind.source().is_none());
    }
}
