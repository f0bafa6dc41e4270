//! The `--database` flag every command that touches the database shares,
//! and opening it the way those commands must: only `provisio serve`
//! creates a database, so the others refuse one that is not there (naming
//! where they looked and how to point them at the right one) instead of
//! quietly working on a new, empty one; each says which database it uses.

use clap::Args;
use provisio_server::store::{Store, describe};
use provisio_server::{ServerConfig, ServerError};

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (only `provisio serve` creates it) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "PROVISIO_DATABASE", default_value = ServerConfig::DEFAULT_DATABASE_URL)]
    pub database: String,
}

/// Why a command could not open its database (the message, without
/// `error: `).
pub enum NotOpened {
    /// It is not where the command looked: the invocation is wrong.
    Missing(String),
    /// It is there but could not be used (refused connection, bad URL…).
    Failed(String),
}

impl DatabaseArgs {
    /// The database, which must exist; says on stderr which one it is.
    pub async fn open(&self) -> Result<Store, NotOpened> {
        match Store::open_existing(&self.database).await {
            Ok(store) => {
                eprintln!("provisio: using the database {}", describe(&self.database));
                Ok(store)
            }
            Err(ServerError::NoDatabase { path }) => Err(NotOpened::Missing(format!(
                "no database at {}: commands other than `provisio serve` never create one. Run this \
                 command where the server runs, or name the server's database with --database (or \
                 PROVISIO_DATABASE), e.g. --database sqlite:///srv/provisio/data/provisio.db",
                path.display()
            ))),
            Err(e) => Err(NotOpened::Failed(e.to_string())),
        }
    }
}
