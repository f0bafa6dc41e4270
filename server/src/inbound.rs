//! Inbound (API-driven) provisioning: systems of record push SCIM bulk
//! requests to an inbound job (`POST /api/v1/inbound/{job}/bulkUpload`);
//! the envelope is checked at once ([`envelope`]), the request stored
//! durably ([`requests`]) and answered 202, and the job's worker
//! (`cycle::inbound_worker`) processes the records into the directory
//! through the same pipeline as outbound cycles (`cycle::run::inbound`),
//! each record
//! flattened to source attributes by
//! [`provisio_engine::inbound_record`]. [`rate`] keeps each job to
//! its requests per second, [`queue`] to a number of requests waiting, and
//! [`retention`] deletes processed requests after a while.

pub mod envelope;
pub mod queue;
pub mod rate;
pub mod requests;
pub mod retention;

pub use queue::QueueLimit;
pub use retention::InboundRetention;
