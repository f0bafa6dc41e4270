//! The rules a provisioning cycle follows, as pure functions of their inputs:
//! when a failed object is retried ([`escrow`]), when a job is quarantined,
//! retried, released or disabled ([`quarantine`]), and when a cycle's
//! disables and deletes are held for approval ([`deletion_guard`]). Nothing
//! here reads the clock or touches storage: time is always a `now` argument.
//! Entra's documented numbers (reference §5 and §6) are the defaults.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use provisio_server::cycle::policy::quarantine::{self, CycleOutcome, QuarantineOptions, Verdict};
//!
//! let now = Utc.with_ymd_and_hms(2025, 3, 4, 9, 0, 0).unwrap();
//! let outcome = CycleOutcome { credential_failure: Some(401), ..CycleOutcome::default() };
//! let step = quarantine::after_cycle(None, &outcome, now, &QuarantineOptions::default());
//! assert!(matches!(step.verdict, Verdict::Quarantined { .. }));
//! assert!(!quarantine::may_run(step.state.as_ref(), now));
//! ```

// The cycle must not crash on a policy decision (workspace rule for pure code).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod deletion_guard;
pub mod escrow;
pub mod quarantine;
