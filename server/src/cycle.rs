//! The provisioning service's building blocks (issue 5, in progress): what a
//! job remembers between cycles, and the policies of escrow, quarantine and
//! the accidental-deletion guard. The cycle that drives them comes next.

pub mod policy;
pub mod run;
pub mod state;
