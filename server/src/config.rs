//! What a server needs to start: where to listen, its database, its portal.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

/// How to start a [`Server`](crate::Server). `provisio serve` fills it from
/// its flags; tests fill it with an ephemeral port and a temporary database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port (see
    /// [`RunningServer::base_url`](crate::RunningServer::base_url)).
    pub listen: SocketAddr,
    /// `sqlite://path/to/file.db` (created on first start) or `postgres://…`.
    pub database_url: String,
    /// The portal as Trunk builds it (`dist/`), served at `/`.
    pub portal_dir: PathBuf,
}

impl ServerConfig {
    pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 8080);
    pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/provisio.db";
    pub const DEFAULT_PORTAL_DIR: &str = "dist";
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: Self::DEFAULT_LISTEN,
            database_url: Self::DEFAULT_DATABASE_URL.to_owned(),
            portal_dir: PathBuf::from(Self::DEFAULT_PORTAL_DIR),
        }
    }
}
