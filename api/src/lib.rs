//! Provisio's wire types: every JSON request and response the server's
//! endpoints exchange, each beside the path it travels on, shared by the
//! server, the `provisio` command line and the portal so they cannot drift.
//! Their OpenAPI descriptions are behind the `openapi` feature, which the
//! server enables and the portal does not. It depends on the engine (for
//! the types a job and a decision carry) and must never depend on the
//! server, a runtime or anything that does I/O: the portal compiles it to
//! wasm32.
//!
//! ```
//! use provisio_api::health::{Health, HEALTH_PATH};
//!
//! let health = Health::ok();
//! assert_eq!(HEALTH_PATH, "/healthz");
//! assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
//! ```

pub mod agents;
pub mod audit;
pub mod auth;
pub mod directory;
pub mod health;
pub mod inbound;
pub mod jobs;
pub mod logs;
pub mod notifications;
pub mod paging;
pub mod settings;

/// The body of every admin API error (`{"error": CODE, "message": SENTENCE}`).
pub use auth::ApiError;

/// Provisio's release version, as every crate of the workspace shares it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

// The admin API (later issues) carries the engine's types, such as
// diagnostics, unchanged; re-exported so clients need only this crate.
pub use provisio_engine as engine;
