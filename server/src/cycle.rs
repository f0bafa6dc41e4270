//! The provisioning service: what a job remembers between cycles (`state`),
//! the policies of escrow, quarantine and the deletion guard (`policy`), one
//! cycle or on-demand run (`run`), and the scheduler that runs jobs (`scheduler`).

pub mod policy;
pub mod run;
pub mod scheduler;
pub mod state;
