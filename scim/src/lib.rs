//! Provisio's SCIM 2.0 model (RFC 7643, RFC 7644) as pure data and pure
//! functions: the User and Group schemas and the discovery documents
//! ([`schema`]), attribute paths ([`path`]), filters: parsing, checking
//! against a schema and evaluating on a resource ([`filter`]), PATCH
//! ([`patch`]), `attributes`/`excludedAttributes` and `sortBy`
//! ([`projection`]), checking a resource a client sent ([`validate`]),
//! list and search requests ([`list`]), endpoint names ([`endpoint`]) and
//! the SCIM error with its `scimType` and JSON body ([`error`]).
//!
//! The server's SCIM service provider (`/scim/v2` on the directory) is built
//! on it; the engine's target paths share its path syntax
//! (`provisio_engine::scim_path::syntax`) and read as its PATCH paths
//! ([`target`]). This crate must never depend on anything that does I/O —
//! no tokio, no HTTP client or server, no database: a request's bytes come
//! in as values, and answers go out as values.
//!
//! ```
//! use provisio_scim::{filter, patch, schema};
//! use serde_json::json;
//!
//! let users = schema::user_schema(&[]);
//! let mut ada = json!({
//!     "schemas": [schema::USER_URN],
//!     "userName": "ada@contoso.com",
//!     "emails": [{"type": "work", "value": "ada@contoso.com"}],
//! });
//!
//! let work_mail = filter::parse(r#"emails[type eq "work"].value ew "@CONTOSO.COM""#)?;
//! work_mail.check(&users)?;
//! assert!(work_mail.matches(&ada, &users));
//!
//! let body = json!({
//!     "schemas": [patch::PATCH_OP_URN],
//!     "Operations": [{"op": "Replace", "path": "name.givenName", "value": "Ada"}],
//! });
//! patch::apply(&mut ada, &patch::parse(&body, &users)?, &users)?;
//! assert_eq!(ada["name"]["givenName"], "Ada");
//!
//! let error = filter::parse("userName eq").unwrap_err();
//! assert_eq!(error.to_json()["scimType"], "invalidFilter");
//! # Ok::<(), provisio_scim::ScimError>(())
//! ```

// A bad request is an error, never a panic (tests may unwrap: see clippy.toml).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod endpoint;
pub mod error;
pub mod filter;
// The fuzz targets' way in (scim/fuzz): not part of the crate's API.
#[doc(hidden)]
pub mod fuzzing;
pub mod list;
pub mod patch;
pub mod path;
pub mod projection;
pub mod schema;
pub mod target;
pub mod validate;

pub use error::{ScimError, ScimType};
pub use filter::{Filter, PatchPath};
pub use path::AttrPath;
pub use schema::ResourceSchema;
