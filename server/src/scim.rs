//! The SCIM 2.0 service provider (RFC 7643, RFC 7644) for the directory:
//! schemas, filters, PATCH, projection and errors, and the `/scim/v2` routes.

pub(crate) mod bulk;
pub(crate) mod endpoint;
pub(crate) mod error;
pub(crate) mod filter;
pub(crate) mod list;
pub(crate) mod patch;
pub(crate) mod projection;
pub(crate) mod resource;
pub(crate) mod routes;
pub(crate) mod schema;
pub(crate) mod service;
pub(crate) mod validate;
