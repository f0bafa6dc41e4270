//! The server's one error type: what can stop it from starting or serving.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the server could not start or a storage operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The database URL names no driver Provisio has, or is malformed:
    /// `mysql://localhost/provisio`.
    #[error("unsupported database URL `{url}`: {reason}")]
    DatabaseUrl { url: String, reason: String },
    /// The folder that should hold the SQLite file could not be created.
    #[error("cannot create the database folder {}: {source}", path.display())]
    DataDir { path: PathBuf, source: std::io::Error },
    /// A command other than `provisio serve` found no database where it
    /// looked: it never creates one.
    #[error("no database at {}", path.display())]
    NoDatabase { path: PathBuf },
    /// Connecting to the database or running a query failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Another process already listens on the address, or it is not local.
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
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
