//! The audit trail: every administrative action — who took it (an
//! administrator, an admin token, the command line), from which address,
//! what it did and to what, and the before and after of a changed
//! definition or setting — written in the same transaction as the change.
//!
//! Who is acting travels with the request, not through every signature: the
//! admin API runs each request inside [`scope`] with an empty [`Slot`],
//! which the admin caller's extractor fills once it has authenticated; the
//! command line fills one for its whole run. A store write that changes
//! something an administrator answers for calls [`record_in`] inside its
//! transaction, which writes a row only when someone is acting: writes of
//! the system itself (cycles, inbound processing, maintenance) record
//! nothing. A floor-2 module: it uses only the store.

mod actor;
mod diff;
mod query;
mod record;

pub use actor::{Actor, ActorKind, Slot, acting, scope};
pub use diff::changes;
pub use query::{AuditError, AuditLog, DEFAULT_RETENTION_DAYS, RETENTION_SETTING};
pub use record::{Event, record_in};
