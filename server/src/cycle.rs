//! The provisioning service: what a job remembers between cycles (`state`),
//! the policies of escrow, quarantine and the deletion guard (`policy`), the
//! lease that lets one run at a time work on a job (`lease`), one
//! cycle or on-demand run (`run`), the scheduler that runs jobs (`scheduler`),
//! an inbound job's worker (`inbound_worker`), the instances sharing the
//! database (`instances`) and which of them runs which job (`ownership`),
//! and a job's status as the admin API and the command line show it
//! (`job_status`).

pub mod inbound_worker;
pub mod instances;
pub mod job_metrics;
pub mod job_status;
pub mod lease;
pub mod ownership;
pub mod policy;
pub mod preview_state;
pub mod reset;
pub mod run;
pub mod scheduler;
pub mod state;
