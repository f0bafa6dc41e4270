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
//! - The objects of a page (or of a batch, per kind) go through the
//!   pipeline four at a time, so a slow target is kept busy; their outcomes
//!   are counted in order, and once the target refuses the job itself no
//!   further object starts.
//!
//! A linked target object that is gone (404 on read) is reported as
//! InvalidAnchor and escrowed, as Entra does (reference §5); it is not
//! re-matched. SelectUniqueValue does not yet ask the target whether a value
//! exists (the engine's default "nothing exists" is used).
//! [`run_cycle_with`] takes the cycle's clock, quarantine rules and stop
//! signal ([`RunOptions`]); [`run_cycle`] uses the clock and Entra's defaults.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use provisio_api::jobs::PrincipalType;
use provisio_engine::expr::EvalContext;
use provisio_engine::job::{ScopeMode, SourceKind};
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
    ChangeKind, DirectoryError, Group, GroupLookup, ObjectType, User, UserLookup, group_source_attributes,
    source_attributes,
};
use crate::jobs::{JobError, Jobs};
use crate::logs::{EntryBuilder, Identity, LogEntry, RunInfo};
use crate::store::Store;
use provisio_connectors::{Connector, ConnectorError};

mod approval;
mod inbound;
mod pipeline;
mod references;

pub use approval::{AllowedDeletes, allow_deletes};
pub use inbound::{InboundReport, process_inbound_request, provision_record_on_demand};
use pipeline::action_name;
pub use pipeline::{Applied, Incoming, LEASE_WAIT, ObjectOutcome, Pipeline, PipelineRun};

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
    pub quarantine: Option<String>,
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
    /// initial cycle is not marked done, so the next start resumes safely.
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
    Busy(#[from] LeaseError),
    /// The job's lease could not be renewed in time or was taken over: the
    /// run stopped writing (another run may hold the job now).
    #[error(
        "the run lost the job's lease (the database was out of reach, or another run took the job over); it stopped writing and the next run carries on"
    )]
    LeaseLost,
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

/// Counts one object's outcome in the report (and the exports for quarantine).
fn count(report: &mut CycleReport, exported: &mut u64, outcome: &ObjectOutcome) {
    if outcome.held {
        return;
    }
    report.objects += 1;
    *report
        .actions
        .entry(action_name(outcome.decision.action).to_owned())
        .or_default() += 1;
    if outcome.failed() {
        report.failures += 1;
    } else if matches!(
        outcome.decision.action,
        Action::Create | Action::Update | Action::Disable | Action::Delete
    ) && outcome.applied.done
    {
        *exported += 1;
    }
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
    let report = cycle(&mut pipeline, store, mode, options).await;
    pipeline.close().await;
    report
}

/// The cycle itself, in the job's opened pipeline.
async fn cycle(
    pipeline: &mut Pipeline,
    store: &Store,
    mode: Mode,
    options: &RunOptions,
) -> Result<CycleReport, CycleError> {
    let now = pipeline.now();
    let state = pipeline.state.clone();
    let directory = store.directory();
    let mut report = CycleReport {
        cycle_id: pipeline.run_id().to_owned(),
        ..CycleReport::default()
    };

    // Quarantine (and disabling) decide whether the cycle runs at all.
    let status = state.status().await?;
    if status.status == RunStatus::Disabled {
        report.skipped = Some("the job is disabled (too long in quarantine); restart it to run again".into());
        report.watermark = status.watermark;
        return Ok(report);
    }
    let quarantined = quarantine_state(&status, now);
    if !quarantine::may_run(quarantined.as_ref(), now) {
        let next = quarantined
            .as_ref()
            .map(|q| q.next_retry_at.to_rfc3339())
            .unwrap_or_default();
        report.skipped = Some(format!(
            "the job is quarantined ({}); next retry at {next}",
            status.quarantine_reason.as_deref().unwrap_or("no reason recorded")
        ));
        report.watermark = status.watermark;
        return Ok(report);
    }

    let started_at = Utc::now();
    let mut exported = 0u64;
    let latest_before = directory.latest_change().await?;
    let kinds = pipeline.kinds();
    let total = match mode {
        Mode::Initial => {
            let mut total = 0;
            for kind in &kinds {
                total += match kind {
                    ObjectType::User => directory.user_count().await?,
                    ObjectType::Group => directory.group_count().await?,
                };
            }
            u64::try_from(total).unwrap_or(u64::MAX)
        }
        Mode::Incremental => 0,
    };
    state.start_cycle(&report.cycle_id, total, started_at).await?;

    // Due escrows first, whatever the mode.
    let mut retried: HashSet<(ObjectType, String)> = HashSet::new();
    'retries: loop {
        let due = state.due_escrows(now, RETRY_BATCH).await?;
        let fresh: Vec<_> = due
            .into_iter()
            .filter(|e| kinds.contains(&e.object_type) && !retried.contains(&(e.object_type, e.source_id.clone())))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for escrow in fresh {
            retried.insert((escrow.object_type, escrow.source_id.clone()));
            let incoming = read_object(store, escrow.object_type, &escrow.source_id, false).await?;
            let outcome = pipeline.process(&incoming, None).await?;
            count(&mut report, &mut exported, &outcome);
            report.retried += 1;
            if pipeline.halted().is_some() {
                break 'retries;
            }
        }
    }
    state.progress(report.objects).await?;

    if pipeline.halted().is_none() {
        match mode {
            // Changes up to `latest_before` are covered by reading every
            // object now: users, then groups.
            Mode::Initial => {
                'kinds: for kind in kinds.iter().copied() {
                    let mut after: Option<String> = None;
                    loop {
                        let page = read_page(store, kind, after.as_deref()).await?;
                        let n = page.len();
                        let after_this = page.last().map(|o| o.id.clone());
                        let page: Vec<(Incoming, Option<i64>)> = page.into_iter().map(|o| (o, None)).collect();
                        let outcomes = process_all(pipeline, &page).await?;
                        for outcome in &outcomes {
                            count(&mut report, &mut exported, outcome);
                        }
                        if pipeline.halted().is_some() {
                            break 'kinds;
                        }
                        state.progress(report.objects).await?;
                        after = after_this;
                        if options.stop_requested() {
                            report.stopped = Some(STOPPED.into());
                            break 'kinds;
                        }
                        if n < PAGE {
                            break;
                        }
                    }
                }
                if pipeline.halted().is_none() && report.stopped.is_none() {
                    gone_since_linked(pipeline, store, &kinds, &mut report, &mut exported).await?;
                }
                if pipeline.halted().is_none() && report.stopped.is_none() {
                    pipeline.settle_references(&mut report).await?;
                }
                if pipeline.halted().is_none() && report.stopped.is_none() {
                    state.advance_watermark(latest_before).await?;
                    state.mark_initial_done().await?;
                }
            }
            Mode::Incremental => {
                let mut watermark = state.watermark().await?;
                'batches: loop {
                    let changes = directory
                        .changes_since(watermark, i64::try_from(PAGE).unwrap_or(200))
                        .await?;
                    let Some(last) = changes.last().map(|c| c.seq) else {
                        break;
                    };
                    // Each object once per batch, at its latest change:
                    // users, then groups, each in change order.
                    for kind in kinds.iter().copied() {
                        let mut latest: BTreeMap<String, (i64, ChangeKind)> = BTreeMap::new();
                        for change in changes.iter().filter(|c| c.object_type == kind) {
                            latest.insert(change.object_id.clone(), (change.seq, change.change));
                        }
                        let mut ordered: Vec<_> = latest.into_iter().collect();
                        ordered.sort_by_key(|(_, (seq, _))| *seq);
                        let mut objects = Vec::with_capacity(ordered.len());
                        for (id, (seq, change)) in ordered {
                            objects.push((
                                read_object(store, kind, &id, change == ChangeKind::Purged).await?,
                                Some(seq),
                            ));
                        }
                        let outcomes = process_all(pipeline, &objects).await?;
                        for outcome in &outcomes {
                            count(&mut report, &mut exported, outcome);
                        }
                        if pipeline.halted().is_some() {
                            // The batch was not handled: the watermark stays.
                            break 'batches;
                        }
                    }
                    state.progress(report.objects).await?;
                    // Every change of the batch was applied, escrowed or
                    // logged; its references wait in their own rows.
                    state.advance_watermark(last).await?;
                    watermark = last;
                    if options.stop_requested() {
                        report.stopped = Some(STOPPED.into());
                        break;
                    }
                }
                if pipeline.halted().is_none() {
                    pipeline.settle_references(&mut report).await?;
                }
            }
        }
    }
    exported += report.references;

    // The cycle's disables and deletes were held; now their count is final.
    if pipeline.hold_deletes && pipeline.halted().is_none() {
        let held = state.staged_count().await?;
        let threshold = pipeline.job.definition.deletion_threshold;
        let waiting = status.status == RunStatus::WaitingForApproval;
        match deletion_guard::guard(held, 0, threshold, false) {
            Guard::Proceed if !waiting => {
                approval::release_held(pipeline, store, &mut report, &mut exported).await?;
            }
            _ => {
                let why = if waiting {
                    "the job waits for approval of deletes held by an earlier cycle".to_owned()
                } else {
                    format!(
                        "{held} disables and deletes exceed the deletion threshold of {}",
                        threshold.unwrap_or_default()
                    )
                };
                approval::log_held(pipeline, &mut report, &why).await?;
            }
        }
    }
    if let Some(error) = pipeline.halted() {
        report.stopped = Some(format!("the cycle stopped early: {error}"));
    }

    // The cycle's outcome for the quarantine rules.
    let outcome = CycleOutcome {
        exported,
        failed: report.failures,
        failed_references: report.failed_references,
        credential_failure: match pipeline.halted() {
            Some(ConnectorError::InvalidCredentials { status }) => Some(status),
            _ => None,
        },
        incompatible: match pipeline.halted() {
            Some(ConnectorError::Incompatible { detail }) => Some(detail),
            _ => None,
        },
    };
    let finished_at = pipeline.now();
    let transition = quarantine::after_cycle(quarantined.as_ref(), &outcome, finished_at, &options.quarantine);
    report.quarantine = match transition.verdict {
        Verdict::Healthy => None,
        Verdict::Quarantined { reason, next_retry_at }
        | Verdict::StillQuarantined {
            reason, next_retry_at, ..
        } => {
            state
                .quarantine(&reason_text(&reason), next_retry_at, finished_at)
                .await?;
            Some(
                if quarantined.is_some() {
                    "still_quarantined"
                } else {
                    "quarantined"
                }
                .into(),
            )
        }
        Verdict::Released => {
            state.leave_quarantine().await?;
            Some("released".into())
        }
        Verdict::Disabled { .. } => {
            state.leave_quarantine().await?;
            state.set_status(RunStatus::Disabled).await?;
            Some("disabled".into())
        }
    };

    // Held deletes wait for an administrator (see `allow_deletes`).
    report.staged_deletes = state.staged_count().await?;
    if report.staged_deletes > 0 && matches!(report.quarantine.as_deref(), None | Some("released")) {
        state.set_status(RunStatus::WaitingForApproval).await?;
    }

    report.watermark = state.watermark().await?;
    let counts = serde_json::json!({
        "objects": report.objects,
        "retried": report.retried,
        "references": report.references,
        "failed_references": report.failed_references,
        "staged_deletes": report.staged_deletes,
        "actions": report.actions,
        "failures": report.failures,
        "stopped": report.stopped,
        "quarantine": report.quarantine,
        "duration_ms": u64::try_from((Utc::now() - started_at).num_milliseconds()).unwrap_or(0),
    });
    state.finish_cycle(&counts, Utc::now()).await?;
    Ok(report)
}

/// The initial cycle's last sweep: objects the job provisioned that the
/// directory no longer has live (soft-deleted, or purged) were not on the
/// pages of live objects, yet the watermark moves past their deletion: each
/// goes through the pipeline now, read as deleted or gone, so its account is
/// disabled or deleted as the job says. Memory holds one page of links.
async fn gone_since_linked(
    pipeline: &Pipeline,
    store: &Store,
    kinds: &[ObjectType],
    report: &mut CycleReport,
    exported: &mut u64,
) -> Result<(), CycleError> {
    for kind in kinds.iter().copied() {
        let mut after: Option<String> = None;
        loop {
            let links = pipeline
                .state
                .links_page(kind, after.as_deref(), u32::try_from(PAGE).unwrap_or(200))
                .await?;
            let Some(last) = links.last().map(|l| l.source_id.clone()) else {
                break;
            };
            let ids: Vec<String> = links.iter().map(|l| l.source_id.clone()).collect();
            let live = store.directory().live_among(kind, &ids).await?;
            let mut gone = Vec::new();
            for id in ids.iter().filter(|id| !live.contains(*id)) {
                gone.push((read_object(store, kind, id, false).await?, None));
            }
            for outcome in process_all(pipeline, &gone).await? {
                count(report, exported, &outcome);
            }
            if pipeline.halted().is_some() || links.len() < PAGE {
                return Ok(());
            }
            after = Some(last);
        }
    }
    Ok(())
}

/// Objects a cycle handles at the same time: as many as the connector
/// sends requests at once, so a slow target is kept busy.
const IN_FLIGHT: usize = 4;

/// Runs the objects through the pipeline, [`IN_FLIGHT`] at a time, and
/// returns their outcomes in order. Once the target refuses the job itself
/// (quarantine), no further object is started.
async fn process_all(
    pipeline: &Pipeline,
    objects: &[(Incoming, Option<i64>)],
) -> Result<Vec<ObjectOutcome>, CycleError> {
    use futures_util::StreamExt as _;
    let mut outcomes = Vec::with_capacity(objects.len());
    let mut running = futures_util::stream::FuturesOrdered::new();
    let mut next = objects.iter();
    loop {
        while running.len() < IN_FLIGHT && pipeline.halted().is_none() {
            let Some((incoming, change)) = next.next() else { break };
            running.push_back(pipeline.process(incoming, change.map(|seq| seq.to_string())));
        }
        match running.next().await {
            Some(outcome) => outcomes.push(outcome?),
            None => return Ok(outcomes),
        }
    }
}

/// One page of live objects of the kind by id, after `after`, for an
/// initial cycle.
async fn read_page(store: &Store, kind: ObjectType, after: Option<&str>) -> Result<Vec<Incoming>, CycleError> {
    let directory = store.directory();
    Ok(match kind {
        ObjectType::User => directory
            .live_users_after(after, PAGE)
            .await?
            .iter()
            .map(Incoming::user)
            .collect(),
        ObjectType::Group => directory
            .live_groups_after(after, PAGE)
            .await?
            .iter()
            .map(Incoming::group)
            .collect(),
    })
}

/// One object as the directory has it now, deleted or not; `purged` (or
/// not found) reads it as gone.
async fn read_object(store: &Store, kind: ObjectType, id: &str, purged: bool) -> Result<Incoming, CycleError> {
    let directory = store.directory();
    if purged {
        return Ok(Incoming::gone(kind, id));
    }
    Ok(match kind {
        ObjectType::User => directory.user_including_deleted(id).await?.map(|u| Incoming::user(&u)),
        ObjectType::Group => directory
            .group_including_deleted(id)
            .await?
            .map(|g| Incoming::group(&g)),
    }
    .unwrap_or_else(|| Incoming::gone(kind, id)))
}

/// The stored quarantine reason: Entra's code, then the explanation.
fn reason_text(reason: &QuarantineReason) -> String {
    format!("{}: {}", reason.code(), reason.explanation())
}

/// The job's quarantine as the run record keeps it, `None` when not
/// quarantined. The record keeps the reason as text and no retry count, so
/// the reason is recovered by its kind only (all the rules look at) and the
/// retry count starts from 0.
fn quarantine_state(status: &StatusRecord, now: DateTime<Utc>) -> Option<QuarantineState> {
    if status.status != RunStatus::Quarantined && status.quarantined_since.is_none() {
        return None;
    }
    let text = status.quarantine_reason.as_deref().unwrap_or_default();
    let reason = if text.contains("rejected the credentials") {
        QuarantineReason::InvalidCredentials { status: 401 }
    } else if text.contains("does not behave as a SCIM service") {
        QuarantineReason::Incompatible { detail: String::new() }
    } else {
        QuarantineReason::FailureThreshold {
            failed: 0,
            failed_references: 0,
            exported: 0,
        }
    };
    Some(QuarantineState {
        since: status.quarantined_since.unwrap_or(now),
        reason,
        attempts: 0,
        next_retry_at: status.next_retry_at.unwrap_or(now),
    })
}

/// Members a group's on-demand run provisions with it, at most (as Entra).
pub const ON_DEMAND_MEMBERS: usize = 5;

/// A group's on-demand run: the group's outcome, its chosen members' and how
/// many reference writes (memberships) followed.
#[derive(Debug, Clone, Serialize)]
pub struct GroupOnDemand {
    pub run_id: String,
    pub group: ObjectOutcome,
    pub members: Vec<ObjectOutcome>,
    pub references: u64,
    pub failed_references: u64,
}

/// Runs the pipeline now for a group, named by its id or displayName, and
/// up to [`ON_DEMAND_MEMBERS`] of its direct member users (ids or
/// userPrincipalNames): the members first, then the group, then the group's
/// memberships for the members the job has provisioned. Logged as one
/// on-demand run.
pub async fn provision_group_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    group: &str,
    members: &[String],
) -> Result<GroupOnDemand, CycleError> {
    if members.len() > ON_DEMAND_MEMBERS {
        return Err(CycleError::Invalid(format!(
            "members: at most {ON_DEMAND_MEMBERS} members can be provisioned on demand with a group, not {}",
            members.len()
        )));
    }
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::OnDemand).await?;
    pipeline.require_directory_source()?;
    let directory = store.directory();
    let found = match directory.group_including_deleted(group).await? {
        Some(found) => Some(found),
        None => {
            let mut found = None;
            directory
                .scan_groups(Some(&GroupLookup::DisplayName(group.to_owned())), |g| {
                    found.get_or_insert(g);
                })
                .await?;
            found
        }
    };
    let found = found.ok_or_else(|| CycleError::NoSuchGroup(group.to_owned()))?;
    let mut chosen = Vec::new();
    for member in members {
        let user = find_user(store, member).await?;
        if !found.members.iter().any(|m| m.id == user.id) {
            return Err(CycleError::Invalid(format!(
                "members: `{member}` is not a direct member of the group `{}`",
                found.display_name()
            )));
        }
        chosen.push(user);
    }
    let mut outcomes = Vec::new();
    for user in &chosen {
        outcomes.push(pipeline.process(&Incoming::user(user), None).await?);
    }
    let outcome = pipeline.process(&Incoming::group(&found), None).await?;
    let mut report = CycleReport::default();
    for user in &chosen {
        pipeline
            .settle_references_of(ObjectType::User, &user.id, &mut report)
            .await?;
    }
    pipeline
        .settle_references_of(ObjectType::Group, &found.id, &mut report)
        .await?;
    let run = GroupOnDemand {
        run_id: pipeline.run_id().to_owned(),
        group: outcome,
        members: outcomes,
        references: report.references,
        failed_references: report.failed_references,
    };
    pipeline.close().await;
    Ok(run)
}

/// A directory user by id or userPrincipalName, deleted or not.
async fn find_user(store: &Store, user: &str) -> Result<User, CycleError> {
    let directory = store.directory();
    if let Some(found) = directory.user_including_deleted(user).await? {
        return Ok(found);
    }
    let mut found = None;
    directory
        .scan_users(Some(&UserLookup::UserPrincipalName(user.to_owned())), |u| {
            found.get_or_insert(u);
        })
        .await?;
    found.ok_or_else(|| CycleError::NoSuchUser(user.to_owned()))
}

/// Runs the pipeline now for one user, named by its directory id or its
/// userPrincipalName, and logs it as an on-demand run.
pub async fn provision_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    user: &str,
) -> Result<(String, ObjectOutcome), CycleError> {
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::OnDemand).await?;
    pipeline.require_directory_source()?;
    let found = find_user(store, user).await?;
    let outcome = pipeline.process(&Incoming::user(&found), None).await?;
    pipeline
        .settle_references_of(ObjectType::User, &found.id, &mut CycleReport::default())
        .await?;
    let run_id = pipeline.run_id().to_owned();
    pipeline.close().await;
    Ok((run_id, outcome))
}
