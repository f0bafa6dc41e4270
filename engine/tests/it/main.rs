//! Behaviour tests of the expression language: every documented Entra
//! example, edge cases per function, diagnostics, the registry and docs, and
//! properties that must hold for any input.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // test code: a panic is a failure

mod app_roles;
mod decisions;
mod diagnostics;
mod documented;
mod edge_cases;
mod jobs;
mod paths;
mod properties;
mod registry;
mod scoping;
mod source_attributes;
mod support;
