//! The SCIM 2.0 service provider (RFC 7643, RFC 7644) for the directory: the
//! `/scim/v2` routes, the operations on users and groups, listing, /Bulk and
//! the mapping between SCIM resources and directory objects. The SCIM model
//! itself (schemas, filters, PATCH, projection, validation, errors) is the
//! pure provisio-scim crate; this module adds what touches the directory and
//! HTTP, and needs nothing from the `http` module (its router is generic over
//! the state, see [`routes::routes`]).

pub(crate) mod bulk;
pub(crate) mod endpoint;
pub(crate) mod list;
pub(crate) mod reply;
pub(crate) mod resource;
pub(crate) mod routes;
pub(crate) mod service;
