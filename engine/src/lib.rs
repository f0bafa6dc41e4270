//! Provisio's pure engine: the Entra-compatible mapping expression language,
//! scoping filters, matching, mappings, job definitions and every
//! provisioning decision. It performs no I/O and never reads the clock or a
//! global random source (both are parameters), so the server and the
//! browser portal reach the same results (regular expressions aside, which
//! the browser matches with its own engine: see `pattern`). It must never
//! depend on a Provisio crate, nor on anything that does I/O (tokio, sqlx,
//! reqwest): it builds for wasm32-unknown-unknown.
//!
//! ```
//! use provisio_engine::expr::{self, EvalContext};
//! use provisio_engine::object::SourceObject;
//!
//! let program = expr::compile(r#"ToLower(Join("@", [givenName], "contoso.com"))"#).unwrap();
//! let user = SourceObject::from_json(r#"{"givenName": "Zoë"}"#).unwrap();
//! let out = program.evaluate(&user, &mut EvalContext::default()).unwrap();
//! assert_eq!(out.value.to_string(), "zoë@contoso.com");
//! ```

pub mod attributes;
pub mod diagnostic;
pub mod expr;
pub mod inbound_record;
pub mod job;
pub mod mapping;
pub mod matching;
pub mod object;
pub mod pattern;
pub mod plan;
pub mod random;
pub mod scim_path;
pub mod scope;
pub mod span;
pub mod suggest;
pub mod value;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use diagnostic::{Diagnostic, Severity};
pub use span::Span;
pub use value::Value;
