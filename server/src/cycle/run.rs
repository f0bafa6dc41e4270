//! Running a job: the provisioning cycle for users and groups, and the same
//! per-object pipeline for one user (or a group with chosen members) on
//! demand.
//!
//! For each source object the pipeline (`run/pipeline.rs`) reads the target's
//! state (a linked object is read back by id; an unlinked one is matched by
//! the job's matching attributes in precedence order, stopping at the first
//! query that finds anything), asks the engine's [`decide`] what to do,
//! applies the decision through the job's [`Connector`], keeps the links,
//! escrows failures, records the references the object names and writes one
//! provisioning log entry.
//!
//! - An **initial** cycle reads every live user, then every live group, a
//!   page at a time (memory does not grow with the directory), then the
//!   objects it had provisioned that are no longer live (deleted since:
//!   their accounts are disabled or deleted), then moves the watermark to
//!   the directory's latest change as it was when the cycle began.
//! - An **incremental** cycle reads the directory's changes after the
//!   watermark, a batch at a time, handles each changed object once per
//!   batch (users, then groups; deleted and purged ones through the engine's
//!   lifecycle) and advances the watermark past a batch only once every
//!   object in it was applied, escrowed or logged as failed.
//! - **References last** (`run/references.rs`): manager and member references
//!   are resolved to target ids once the referenced objects exist, and only
//!   the differences are written.
//! - **Deletion guard** (`run/approval.rs`): with a `deletion_threshold`, every
//!   disable and delete is held as a staged delete while the cycle runs; at
//!   the end they are carried out when no more than the threshold, else
//!   logged as staged deletes and the job waits for approval
//!   ([`allow_deletes`]).
//! - Every cycle first re-runs the objects whose escrow is due (read with
//!   their deleted state, or as purged when the directory no longer has
//!   them); a success clears the escrow, a failure counts another attempt
//!   with the escrow policy's back-off.
//! - **Quarantine** ([`quarantine`]): before a cycle, a disabled job does not
//!   run, nor does a quarantined one whose next retry is still ahead (the
//!   report's `skipped` says why). A refusal of the credentials or an
//!   incompatible target is not escrowed (it is not the object's fault): it
//!   stops the cycle at once (no watermark moves, an initial cycle is not
//!   marked done). After the cycle its outcome (exports, failures, failed
//!   references, the credential refusal or incompatibility) goes through
//!   [`quarantine::after_cycle`] and the verdict is stored: quarantined with
//!   the reason as `"<Entra code>: <explanation>"` and the next retry,
//!   released, or disabled. The run record keeps no retry count and the
//!   reason only as text, so a retry sees the reason by its kind alone and
//!   its count from 0 (the rules need no more).
//! - **Stop** ([`RunOptions::stop`]): the cycle ends after its current page.
//! - **A page at a time** (`run/prefetch.rs`, `run/page_writes.rs`): a
//!   page's links, escrows and source records are read at once, its
//!   unlinked objects matched with one `find_many` per target attribute;
//!   its objects then go through the pipeline eight at a time, so a slow
//!   target is kept busy; their outcomes are counted in order, and once the
//!   target refuses the job itself no further object starts. Before any
//!   object runs, those the page may create are recorded as create intents
//!   (`run/intents.rs`); the links to the accounts it created and its log
//!   entries are written at its end, with the cycle's progress, in one
//!   transaction that also drops the intents. A crash before it leaves the
//!   intents: the next cycle first matches each such object (deleted ones
//!   too), links the account it finds and runs it through the pipeline, so
//!   no account is duplicated or left unlinked. Links found by matching,
//!   and escrows, are written as each object is applied.
//!
//! A linked target object that is gone (404 on read) is reported as
//! InvalidAnchor and escrowed, as Entra does (reference §5); it is not
//! re-matched. SelectUniqueValue asks the target whether a value exists
//! (`run/lookups.rs`).
//!
//! The cycle runs in phases (`run/phases.rs`), each a function with a typed
//! result: admission, leftover create intents, due escrows, the object pass, references, the
//! deletion guard, the quarantine verdict. Every time a cycle records comes
//! from one clock ([`RunOptions::now`], else the system's).
//! [`run_cycle_with`] takes the cycle's clock, quarantine rules and stop
//! signal ([`RunOptions`]); [`run_cycle`] uses the clock and Entra's defaults.
//! On-demand runs are in `run/on_demand.rs`, inbound processing in
//! `run/inbound.rs`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use provisio_engine::expr::EvalContext;
use provisio_engine::job::SourceKind;
use provisio_engine::matching::{self, MatchAttempt, Queries};
use provisio_engine::object::SourceObject;
use provisio_engine::plan::{
    Action, CompiledJob, Decision, Lifecycle, Reason, ReasonCode, SourceRecord, Status, StepKind, StepStatus,
    TargetState, decide,
};
use provisio_engine::scim_path::AttributeChange;
use serde::Serialize;

use super::lease::LeaseError;
use super::policy::deletion_guard::{self, Guard};
use super::policy::escrow::{Escrow as EscrowPolicy, FailureClass};
use super::policy::quarantine::{self, CycleOutcome, QuarantineOptions, QuarantineReason, QuarantineState, Verdict};
use super::state::{CycleState, Failure, Linked, RunStatus, StagedAction, StagedDelete, StateError, StatusRecord};
use crate::ServerError;
use crate::directory::{
    ChangeKind, DirectoryError, Group, GroupLookup, ObjectType, User, group_source_attributes, source_attributes,
};
use crate::jobs::{JobError, Jobs};
use crate::logs::{EntryBuilder, Identity, LogEntry, RunInfo};
use crate::store::Store;
use provisio_connectors::{Connector, ConnectorError};

mod alerting;
mod approval;
mod entitlements;
mod fencing;
mod inbound;
mod incoming;
mod intents;
mod lookups;
mod objects;
mod on_demand;
mod origin;
mod outcome;
mod page_writes;
mod phases;
mod pipeline;
mod prefetch;
mod reference_log;
mod references;

pub use approval::{AllowedDeletes, allow_deletes};
pub use inbound::{InboundReport, process_inbound_request, provision_record_on_demand};
pub use incoming::{Incoming, PipelineRun};
pub use on_demand::{GroupOnDemand, ON_DEMAND_MEMBERS, provision_group_on_demand, provision_on_demand};
pub use outcome::ObjectOutcome;
use outcome::action_name;
pub use phases::retries_quarantine_at_once;
pub use pipeline::{Applied, LEASE_WAIT, Pipeline};
pub use references::ReferenceOutcome;

/// Users read per page in an initial cycle, and changes per batch in an
/// incremental one.
const PAGE: usize = 200;

/// Which objects a cycle looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every live user.
    Initial,
    /// The users changed since the job's watermark.
    Incremental,
}

/// What a cycle did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CycleReport {
    pub cycle_id: String,
    /// Objects handled.
    pub objects: u64,
    /// Per action (`create`, `update`, `disable`, `delete`, `stageddelete`, `skip`).
    pub actions: BTreeMap<String, u64>,
    /// Objects whose decision or application failed (escrowed).
    pub failures: u64,
    /// Escrowed objects retried at the start of the cycle (counted in
    /// `objects` too).
    pub retried: u64,
    /// Manager and member references written (the references phase).
    pub references: u64,
    /// Reference writes the target refused (tried again next cycle).
    pub failed_references: u64,
    /// Disables and deletes the deletion guard holds for approval after
    /// the cycle (the job waits for approval while there are any).
    pub staged_deletes: u64,
    /// The job's watermark after the cycle.
    pub watermark: i64,
    /// Why the cycle did not run at all (quarantined until a later retry,
    /// or disabled); nothing else in the report is filled in then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Why the cycle stopped before handling every object (the target
    /// refused the credentials or is not compatible, or the job was
    /// stopped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// What the cycle meant for the job's quarantine: `quarantined`,
    /// `still_quarantined`, `released` or `disabled` (`None` when healthy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<provisio_api::jobs::status::QuarantineChange>,
}

/// How a cycle runs: its clock and the quarantine rules.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The cycle's "now" (escrow due times and back-off, quarantine
    /// retries); `None` reads the clock. Tests set it to make escrows and
    /// quarantine retries due without waiting.
    pub now: Option<DateTime<Utc>>,
    pub quarantine: QuarantineOptions,
    /// Set while the cycle runs to stop it after its current page (the job
    /// was stopped): the watermark covers only the pages done, and an
    /// initial cycle is not marked done: the next one resumes after its
    /// last page.
    pub stop: Option<Arc<AtomicBool>>,
    /// How long to wait for another run of the job (an on-demand run, a
    /// cycle on another instance) to end; `None` waits [`LEASE_WAIT`].
    pub lease_wait: Option<std::time::Duration>,
}

impl RunOptions {
    fn stop_requested(&self) -> bool {
        self.stop.as_ref().is_some_and(|stop| stop.load(Ordering::Relaxed))
    }
}

/// Why a cycle (or an on-demand run) could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CycleError {
    #[error(transparent)]
    Job(#[from] JobError),
    /// The job's definition does not compile, or it has no user mapping.
    #[error("the job cannot be run: {0}")]
    Invalid(String),
    /// The job's target cannot be reached this way (e.g. not a SCIM target).
    #[error("the job's target cannot be used: {0}")]
    Connector(#[from] ConnectorError),
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Storage(#[from] ServerError),
    /// No directory user has this id or user principal name (on demand).
    #[error("no directory user has the id or userPrincipalName `{0}`")]
    NoSuchUser(String),
    /// No directory group has this id or display name (on demand).
    #[error("no directory group has the id or displayName `{0}`")]
    NoSuchGroup(String),
    /// Another run holds the job's lease ([`crate::cycle::lease`]).
    #[error(transparent)]
    Busy(LeaseError),
    /// The job's lease could not be renewed in time or was taken over: the
    /// run stopped writing (another run may hold the job now).
    #[error(
        "the run lost the job's lease (the database was out of reach, or another run took the job over); it stopped writing and the next run carries on"
    )]
    LeaseLost,
}

impl From<LeaseError> for CycleError {
    fn from(error: LeaseError) -> Self {
        match error {
            LeaseError::Lost => CycleError::LeaseLost,
            LeaseError::Storage(e) => CycleError::Storage(e),
            busy => CycleError::Busy(busy),
        }
    }
}

/// Why a cycle stopped when its job was stopped.
const STOPPED: &str = "the job was stopped: the cycle ended after its current page";

/// Escrows retried per query at the start of a cycle.
const RETRY_BATCH: u32 = 200;

/// Runs one cycle of the job for its users (see the module docs), now and
/// with the default quarantine rules.
pub async fn run_cycle(store: &Store, jobs: &Jobs, job_id: &str, mode: Mode) -> Result<CycleReport, CycleError> {
    run_cycle_with(store, jobs, job_id, mode, &RunOptions::default()).await
}

/// Runs one cycle of the job for its users (see the module docs).
pub async fn run_cycle_with(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    mode: Mode,
    options: &RunOptions,
) -> Result<CycleReport, CycleError> {
    let wait = options.lease_wait.unwrap_or(LEASE_WAIT);
    let mut pipeline = Pipeline::open_waiting(store, jobs, job_id, PipelineRun::Cycle, wait).await?;
    pipeline.clock = options.now;
    let report = phases::cycle(&mut pipeline, store, mode, options).await;
    pipeline.close().await;
    report
}
