//! The `--database` flag every command that touches the database shares.

use clap::Args;
use provisio_server::ServerConfig;

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database URL: sqlite://PATH (created on first start) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "PROVISIO_DATABASE", default_value = ServerConfig::DEFAULT_DATABASE_URL)]
    pub database: String,
}
