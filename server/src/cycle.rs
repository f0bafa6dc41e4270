//! The provisioning service: what a job remembers between cycles (`state`),
//! the policies of escrow, quarantine and the deletion guard (`policy`), the
//! lease that lets one run at a time work on a job (`lease`), one
//! cycle or on-demand run (`run`), and the scheduler that runs jobs (`scheduler`).

pub mod lease;
pub mod policy;
pub mod run;
pub mod scheduler;
pub mod state;
