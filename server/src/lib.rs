//! Provisio's server: storage, the directory, the SCIM service provider,
//! jobs, cycles, inbound processing, the agent relay, the HTTP endpoints and
//! the portal's files, started in-process by the `provisio` binary and by
//! the end-to-end tests. Its modules form floors (docs/architecture.md):
//! each uses those below it, never one above, and none imports another in
//! a circle. Nothing in the workspace but the tests depends on it.
//!
//! ```no_run
//! # async fn run() -> Result<(), provisio_server::ServerError> {
//! use provisio_server::{Server, ServerConfig};
//!
//! let running = Server::start(ServerConfig {
//!     listen: "127.0.0.1:0".parse().unwrap(),
//!     database_url: "sqlite://data/provisio.db".into(),
//!     portal_dir: "dist".into(),
//! })
//! .await?;
//! println!("listening on {}", running.base_url());
//! running.shutdown().await;
//! # Ok(())
//! # }
//! ```

pub mod agent;
pub mod alerts;
pub mod audit;
pub mod auth;
mod config;
pub mod cycle;
mod demo;
pub mod directory;
mod error;
pub mod events;
mod failure;
// The fuzz targets' way in (fuzz/): not part of the server's API.
#[doc(hidden)]
pub mod fuzzing;
mod http;
pub mod inbound;
pub mod jobs;
pub mod logs;
mod maintenance;
pub mod random;
mod relay;
mod scim;
pub mod secrets;
mod server;
pub mod store;
pub mod targets;

pub use auth::TrustedProxies;
pub use config::ServerConfig;
pub use error::ServerError;
pub use http::HttpLimits;
pub use server::{RunningServer, Server};
