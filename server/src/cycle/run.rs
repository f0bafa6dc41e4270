//! Running a job: the provisioning cycle for users, and the same per-object
//! pipeline for one user on demand.
//!
//! For each source object the pipeline reads the target's state (a linked
//! object is read back by id; an unlinked one is matched by the job's
//! matching attributes in precedence order, stopping at the first query that
//! finds anything), asks the engine's [`decide`] what to do, applies the
//! decision through the job's [`Connector`], keeps the links, escrows
//! failures and writes one provisioning log entry.
//!
//! - An **initial** cycle reads every live user, a page at a time (memory
//!   does not grow with the directory), then moves the watermark to the
//!   directory's latest change as it was when the cycle began.
//! - An **incremental** cycle reads the directory's changes after the
//!   watermark, a batch at a time, handles each changed user once per batch
//!   (deleted and purged ones through the engine's lifecycle) and advances
//!   the watermark past a batch only once every object in it was applied,
//!   escrowed or logged as failed.
//!
//! - Every cycle, initial or incremental, first re-runs the users whose
//!   escrow is due (read with their deleted state, or as purged when the
//!   directory no longer has them); a success clears the escrow, a failure
//!   counts another attempt with the escrow policy's back-off.
//! - **Quarantine** ([`quarantine`]): before a cycle, a disabled job does not
//!   run, nor does a quarantined one whose next retry is still ahead (the
//!   report's `skipped` says why). A refusal of the credentials or an
//!   incompatible target is not escrowed (it is not the object's fault): it
//!   stops the cycle at once (no watermark moves, an initial cycle is not
//!   marked done). After the cycle its outcome (exports, failures, the
//!   credential refusal or incompatibility) goes through
//!   [`quarantine::after_cycle`] and the verdict is stored: quarantined with
//!   the reason as `"<Entra code>: <explanation>"` and the next retry,
//!   released, or disabled. The run record keeps no retry count and the
//!   reason only as text, so a retry sees the reason by its kind alone and
//!   its count from 0 (the rules need no more).
//!
//! A linked target object that is gone (404 on read) is reported as
//! InvalidAnchor and escrowed, as Entra does (reference §5); it is not
//! re-matched.
//!
//! Not done yet: groups, member and manager references (so no failed
//! references are counted for quarantine), dropping a disabled job's escrows,
//! and SelectUniqueValue look-ups in the target (the engine's default
//! "nothing exists" is used). Disables and deletes beyond the job's
//! `deletion_threshold` are staged. [`run_cycle_with`] takes the cycle's
//! clock and quarantine rules ([`RunOptions`]); [`run_cycle`] uses the
//! clock and Entra's defaults.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use provisio_api::jobs::PrincipalType;
use provisio_engine::expr::EvalContext;
use provisio_engine::job::{ScopeMode, SourceKind};
use provisio_engine::matching::{self, MatchAttempt, Queries};
use provisio_engine::object::SourceObject;
use provisio_engine::plan::{
    Action, CompiledJob, CycleOptions, Decision, Lifecycle, SourceRecord, Status, TargetState, decide,
};
use provisio_engine::scim_path::AttributeChange;
use serde::Serialize;

use super::policy::deletion_guard::DeletionCounter;
use super::policy::escrow::{Escrow as EscrowPolicy, FailureClass};
use super::policy::quarantine::{self, CycleOutcome, QuarantineOptions, QuarantineReason, QuarantineState, Verdict};
use super::state::{CycleState, Failure, RunStatus, StagedAction, StagedDelete, StateError, StatusRecord};
use crate::ServerError;
use crate::connectors::scim::{ScimConnector, ScimOptions};
use crate::connectors::{Connector, ConnectorError};
use crate::directory::{ChangeKind, DirectoryError, ObjectType, User, UserLookup, UserQuery, source_attributes};
use crate::jobs::{JobError, Jobs};
use crate::logs::{EntryBuilder, Identity, LogEntry, RunInfo};
use crate::store::Store;

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
    /// The job's watermark after the cycle.
    pub watermark: i64,
    /// Why the cycle did not run at all (quarantined until a later retry,
    /// or disabled); nothing else in the report is filled in then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// Why the cycle stopped before handling every object (the target
    /// refused the credentials or is not compatible).
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
}

/// What was done with one object's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// Whether the target was written (or a link or a staged delete kept).
    pub done: bool,
    /// The target object after applying (the new id on create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_id: Option<String>,
    /// What was done, in words.
    pub summary: String,
    /// The failure's stable code (`TooManyRequests`, `EntryConflict`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One object through the pipeline: the engine's decision, what was done
/// and the log entry written for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectOutcome {
    pub decision: Decision,
    pub applied: Applied,
    pub log_entry: LogEntry,
}

impl ObjectOutcome {
    fn failed(&self) -> bool {
        self.decision.status == Status::Failure || self.applied.error_code.is_some()
    }
}

/// A job ready to run: compiled, with its connector and cycle state.
pub struct Pipeline {
    store: Store,
    job_id: String,
    job: CompiledJob,
    connector: Arc<dyn Connector>,
    state: CycleState,
    run: RunInfo,
    /// The ids of assigned users and groups, for jobs whose scope is `assigned`.
    assigned: Option<HashSet<(PrincipalType, String)>>,
    deletions: DeletionCounter,
    /// A fixed "now" for the run, else the clock.
    clock: Option<DateTime<Utc>>,
    /// The first failure that quarantines the job (invalid credentials, an
    /// incompatible target): a cycle stops there.
    halt: Option<ConnectorError>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("job_id", &self.job_id)
            .field("run", &self.run)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    /// The job's pipeline for a cycle (`on_demand` false) or an on-demand run.
    pub async fn open(store: &Store, jobs: &Jobs, job_id: &str, on_demand: bool) -> Result<Pipeline, CycleError> {
        let detail = jobs.get(job_id).await?;
        let definition = jobs.definition_with_secrets(&detail.id).await?;
        let connector: Arc<dyn Connector> =
            Arc::new(ScimConnector::from_target(&definition.target, ScimOptions::default())?);
        let assigned = if definition.scope == ScopeMode::All {
            None
        } else {
            let assignments = jobs.assignments(&detail.id).await?;
            Some(assignments.into_iter().map(|a| (a.kind, a.id)).collect())
        };
        let deletions = DeletionCounter::for_job(&definition, CycleOptions { allow_deletes: false });
        let job = CompiledJob::compile(definition).map_err(|problems| {
            CycleError::Invalid(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        })?;
        if job.object(SourceKind::User).is_none() {
            return Err(CycleError::Invalid("the job has no object mapping for users".into()));
        }
        let run_id = uuid::Uuid::new_v4().to_string();
        let run = if on_demand {
            RunInfo::on_demand(&detail.id, &job.definition.name, run_id)
        } else {
            RunInfo::cycle(&detail.id, &job.definition.name, run_id)
        };
        Ok(Pipeline {
            store: store.clone(),
            state: store.cycle_state(&detail.id),
            job_id: detail.id,
            job,
            connector,
            run,
            assigned,
            deletions,
            clock: None,
            halt: None,
        })
    }

    /// The pipeline's "now".
    fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// The failure that quarantines the job, once one was met.
    pub fn halted(&self) -> Option<&ConnectorError> {
        self.halt.as_ref()
    }

    /// The run's id (the cycle id, or the on-demand run's).
    pub fn run_id(&self) -> &str {
        &self.run.cycle_id
    }

    /// The job's id.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// Runs one user through the pipeline: `user` is `None` when the
    /// directory no longer has it at all (purged). Writes its log entry.
    pub async fn process_user(
        &mut self,
        source_id: &str,
        user: Option<&User>,
        change_id: Option<i64>,
    ) -> Result<ObjectOutcome, CycleError> {
        let started = Instant::now();
        let now = self.now();
        let record = self.record(source_id, user).await?;
        let display = user.map(User::user_principal_name).unwrap_or_default().to_owned();
        let (decision, applied) = match self.target_state(&record, now).await {
            Err(error) => {
                let decision = Decision {
                    action: Action::Skip,
                    status: Status::Failure,
                    reason: None,
                    source_id: Some(source_id.to_owned()),
                    target_id: self.state.target_of(ObjectType::User, source_id).await?,
                    link: None,
                    changes: Vec::new(),
                    references: Vec::new(),
                    steps: Vec::new(),
                    secrets: Default::default(),
                };
                let applied = failure_applied(None, &error, "reading the target failed");
                self.escrow(source_id, &error, now).await?;
                (decision, applied)
            }
            Ok(state) => {
                let mut decision = {
                    // Not held across an await: the context is not Send.
                    let mut ctx = EvalContext::new(now);
                    decide(&self.job, &record, &state, &mut ctx)
                };
                if matches!(decision.action, Action::Disable | Action::Delete) {
                    self.deletions.record_action(decision.action);
                    if self.deletions.is_exceeded() {
                        decision.action = Action::StagedDelete;
                    }
                }
                let applied = self.apply(source_id, &decision, now).await?;
                (decision, applied)
            }
        };

        let target = Identity {
            id: applied.target_id.clone().or_else(|| decision.target_id.clone()),
            display: None,
        };
        let mut entry = LogEntry::from_decision(
            &self.run,
            &decision,
            Identity::new(source_id, display),
            target,
            started.elapsed(),
        );
        if let (Some(code), Some(error)) = (&applied.error_code, &applied.error) {
            entry = entry.failed(code, error.clone());
        }
        if let Some(seq) = change_id {
            entry = entry.with_change(seq.to_string());
        }
        self.store.logs().append(std::slice::from_ref(&entry)).await?;
        Ok(ObjectOutcome {
            decision,
            applied,
            log_entry: entry,
        })
    }

    /// The source record of a user (or of a purged one, by its id alone).
    async fn record(&self, source_id: &str, user: Option<&User>) -> Result<SourceRecord, CycleError> {
        let mut record = match user {
            Some(user) => SourceRecord::from_json(SourceKind::User, serde_json::Value::Object(source_attributes(user)))
                .map_err(CycleError::Invalid)?,
            None => {
                let mut record = SourceRecord::from_attributes(
                    SourceKind::User,
                    SourceObject::new().with("id", source_id.to_owned()),
                );
                record.lifecycle = Lifecycle::HardDeleted;
                record
            }
        };
        if let (Some(assigned), Some(user)) = (&self.assigned, user) {
            let direct = assigned.contains(&(PrincipalType::User, user.id.clone()));
            record.assigned = direct || {
                let groups = self.store.directory().groups_of(&user.id).await?;
                groups
                    .into_iter()
                    .any(|(id, _)| assigned.contains(&(PrincipalType::Group, id)))
            };
        }
        Ok(record)
    }

    /// What the target holds for the object: its linked object read back,
    /// or what the matching queries find.
    async fn target_state(&self, record: &SourceRecord, now: DateTime<Utc>) -> Result<TargetState, ConnectorError> {
        let source_id = record.id.as_deref().unwrap_or_default();
        let linked =
            self.state
                .target_of(ObjectType::User, source_id)
                .await
                .map_err(|e| ConnectorError::Transient {
                    detail: format!("cannot read the job's links: {e}"),
                })?;
        if let Some(target_id) = linked {
            return Ok(match self.connector.read(SourceKind::User, &target_id).await? {
                Some(object) => TargetState::Linked(object),
                None => TargetState::LinkedMissing { id: target_id },
            });
        }
        if record.lifecycle != Lifecycle::Active {
            // Never provisioned and gone from the source: nothing to match.
            return Ok(TargetState::Unlinked(Vec::new()));
        }
        let Some(object) = self.job.object(SourceKind::User) else {
            return Ok(TargetState::Unlinked(Vec::new()));
        };
        let mut attempts = Vec::new();
        let queries = {
            let mut ctx = EvalContext::new(now);
            matching::queries(&object.matching_mappings(), record.attributes.as_ref(), &mut ctx)
        };
        if let Queries::Run(queries) = queries {
            for query in queries {
                let found = self
                    .connector
                    .find(SourceKind::User, &query.target, &query.value)
                    .await?;
                let stop = !found.is_empty();
                attempts.push(MatchAttempt { query, found });
                if stop {
                    break;
                }
            }
        }
        Ok(TargetState::Unlinked(attempts))
    }

    /// Carries out a decision, keeping links and escrows.
    async fn apply(&mut self, source_id: &str, decision: &Decision, now: DateTime<Utc>) -> Result<Applied, CycleError> {
        if decision.status == Status::Failure {
            let code = decision
                .reason
                .as_ref()
                .map(|r| code_name(&r.code))
                .unwrap_or_else(|| "Failure".into());
            let message = decision.reason.as_ref().map(|r| r.message.clone()).unwrap_or_default();
            let failure = Failure {
                code,
                message,
                permanent: false,
            };
            let next = now + EscrowPolicy::default().backoff(self.attempts(source_id).await?);
            self.state
                .escrow(ObjectType::User, source_id, &failure, now, next)
                .await?;
            return Ok(Applied {
                done: false,
                target_id: decision.target_id.clone(),
                summary: "nothing was done: the decision failed; the object is escrowed".into(),
                error_code: None,
                error: None,
            });
        }
        if let Some(link) = &decision.link
            && decision.action != Action::Create
        {
            self.state.link(ObjectType::User, source_id, link, now).await?;
        }
        let target_id = decision.target_id.clone().unwrap_or_default();
        let result: Result<(Option<String>, String), ConnectorError> = match decision.action {
            Action::Create => match self.connector.create(SourceKind::User, &decision.export()).await {
                Ok(created) => {
                    self.state.link(ObjectType::User, source_id, &created.id, now).await?;
                    Ok((
                        Some(created.id.clone()),
                        format!("created target object {}", created.id),
                    ))
                }
                Err(e) => Err(e),
            },
            Action::Update => {
                let changes = exported_changes(decision);
                self.connector
                    .update(SourceKind::User, &target_id, &changes)
                    .await
                    .map(|()| {
                        (
                            Some(target_id.clone()),
                            format!("updated {} attribute(s)", changes.len()),
                        )
                    })
            }
            Action::Disable => self
                .connector
                .disable(SourceKind::User, &target_id)
                .await
                .map(|()| (Some(target_id.clone()), "disabled the target object".into())),
            Action::Delete => match self.connector.delete(SourceKind::User, &target_id).await {
                Ok(()) | Err(ConnectorError::NotFound { .. }) => {
                    self.state.unlink(ObjectType::User, source_id).await?;
                    Ok((Some(target_id.clone()), "deleted the target object".into()))
                }
                Err(e) => Err(e),
            },
            Action::StagedDelete => {
                let staged = StagedDelete {
                    object_type: ObjectType::User,
                    source_id: Some(source_id.to_owned()),
                    target_id: target_id.clone(),
                    action: if self.job.target_soft_deletes() {
                        StagedAction::Disable
                    } else {
                        StagedAction::Delete
                    },
                    staged_at: now,
                    cycle_id: self.run.cycle_id.clone(),
                };
                self.state.stage(&staged).await?;
                Ok((
                    Some(target_id.clone()),
                    "held for approval: the cycle exceeds the deletion threshold".into(),
                ))
            }
            Action::Skip => Ok((
                decision.target_id.clone(),
                if decision.link.is_some() {
                    "linked to the matching target object; nothing else to do".into()
                } else {
                    "nothing to do".into()
                },
            )),
        };
        match result {
            Ok((target_id, summary)) => {
                self.state.clear_escrow(ObjectType::User, source_id).await?;
                Ok(Applied {
                    done: decision.action != Action::Skip || decision.link.is_some(),
                    target_id,
                    summary,
                    error_code: None,
                    error: None,
                })
            }
            Err(error) => {
                self.escrow(source_id, &error, now).await?;
                Ok(failure_applied(
                    decision.target_id.clone(),
                    &error,
                    "the target refused the change",
                ))
            }
        }
    }

    /// Escrows a connector failure with the policy's back-off (never due
    /// for a permanent one). A failure that quarantines the job is not the
    /// object's fault: it is not escrowed, and halts the cycle instead.
    async fn escrow(&mut self, source_id: &str, error: &ConnectorError, now: DateTime<Utc>) -> Result<(), CycleError> {
        if error.quarantines() {
            self.halt.get_or_insert_with(|| error.clone());
            return Ok(());
        }
        let attempts = self.attempts(source_id).await?;
        let next = EscrowPolicy::default().next_attempt(attempts, FailureClass::from(error), now);
        let failure = Failure {
            code: connector_code(error).to_owned(),
            message: error.to_string(),
            permanent: next.is_none(),
        };
        let next = next.unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.state
            .escrow(ObjectType::User, source_id, &failure, now, next)
            .await?;
        Ok(())
    }

    /// This attempt's number (1 for a first failure).
    async fn attempts(&self, source_id: &str) -> Result<u32, CycleError> {
        let escrow = self.state.escrow_of(ObjectType::User, source_id).await?;
        Ok(escrow.map_or(1, |e| u32::try_from(e.attempts.saturating_add(1)).unwrap_or(u32::MAX)))
    }
}

fn failure_applied(target_id: Option<String>, error: &ConnectorError, what: &str) -> Applied {
    Applied {
        done: false,
        target_id,
        summary: format!("{what}; the object is escrowed"),
        error_code: Some(connector_code(error).to_owned()),
        error: Some(error.to_string()),
    }
}

/// The changes as the connector sends them: redacted values restored.
fn exported_changes(decision: &Decision) -> Vec<AttributeChange> {
    decision
        .changes
        .iter()
        .map(|change| {
            let mut change = change.clone();
            if let Some(value) = decision.secrets.get(&*change.path) {
                change.new = value.clone();
            }
            change
        })
        .collect()
}

/// A stable code for a connector failure, as the logs' recommendations know them.
fn connector_code(error: &ConnectorError) -> &'static str {
    match error {
        ConnectorError::InvalidCredentials { .. } => "Unauthorized",
        ConnectorError::Incompatible { .. } => "ServiceIncompatible",
        ConnectorError::NotFound { .. } => "InvalidAnchor",
        ConnectorError::Conflict { .. } => "EntryConflict",
        ConnectorError::Throttled { .. } => "TooManyRequests",
        ConnectorError::Transient { .. } => "InternalServerError",
        ConnectorError::Rejected { .. } | ConnectorError::Invalid { .. } => "WebExceptionProtocolError",
    }
}

fn code_name(code: &provisio_engine::plan::ReasonCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Disable => "disable",
        Action::Delete => "delete",
        Action::StagedDelete => "stageddelete",
        Action::Skip => "skip",
    }
}

/// Escrows retried per query at the start of a cycle.
const RETRY_BATCH: u32 = 200;

/// Runs one cycle of the job for its users (see the module docs), now and
/// with the default quarantine rules.
pub async fn run_cycle(store: &Store, jobs: &Jobs, job_id: &str, mode: Mode) -> Result<CycleReport, CycleError> {
    run_cycle_with(store, jobs, job_id, mode, &RunOptions::default()).await
}

/// Counts one object's outcome in the report (and the exports for quarantine).
fn count(report: &mut CycleReport, exported: &mut u64, outcome: &ObjectOutcome) {
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
    let mut pipeline = Pipeline::open(store, jobs, job_id, false).await?;
    pipeline.clock = options.now;
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
    let total = match mode {
        Mode::Initial => u64::try_from(directory.user_count().await?).unwrap_or(u64::MAX),
        Mode::Incremental => 0,
    };
    state.start_cycle(&report.cycle_id, total, started_at).await?;

    // Due escrows first, whatever the mode.
    let mut retried: HashSet<String> = HashSet::new();
    'retries: loop {
        let due = state.due_escrows(now, RETRY_BATCH).await?;
        let fresh: Vec<_> = due
            .into_iter()
            .filter(|e| e.object_type == ObjectType::User && !retried.contains(&e.source_id))
            .collect();
        if fresh.is_empty() {
            break;
        }
        for escrow in fresh {
            retried.insert(escrow.source_id.clone());
            let user = directory.user_including_deleted(&escrow.source_id).await?;
            let outcome = pipeline.process_user(&escrow.source_id, user.as_ref(), None).await?;
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
            Mode::Initial => {
                // Changes up to `latest_before` are covered by reading every user now.
                let mut offset = 0;
                'pages: loop {
                    let page = directory
                        .users_page(&UserQuery {
                            search: None,
                            deleted: false,
                            offset,
                            limit: PAGE,
                        })
                        .await?;
                    let n = page.items.len();
                    for user in &page.items {
                        let outcome = pipeline.process_user(&user.id, Some(user), None).await?;
                        count(&mut report, &mut exported, &outcome);
                        if pipeline.halted().is_some() {
                            break 'pages;
                        }
                    }
                    state.progress(report.objects).await?;
                    offset += n;
                    if n < PAGE {
                        break;
                    }
                }
                if pipeline.halted().is_none() {
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
                    // Each user once per batch, at its latest change, in change order.
                    let mut latest: BTreeMap<String, (i64, ChangeKind)> = BTreeMap::new();
                    for change in changes.iter().filter(|c| c.object_type == ObjectType::User) {
                        latest.insert(change.object_id.clone(), (change.seq, change.change));
                    }
                    let mut ordered: Vec<_> = latest.into_iter().collect();
                    ordered.sort_by_key(|(_, (seq, _))| *seq);
                    for (id, (seq, kind)) in ordered {
                        let user = if kind == ChangeKind::Purged {
                            None
                        } else {
                            directory.user_including_deleted(&id).await?
                        };
                        let outcome = pipeline.process_user(&id, user.as_ref(), Some(seq)).await?;
                        count(&mut report, &mut exported, &outcome);
                        if pipeline.halted().is_some() {
                            // The batch was not handled: the watermark stays.
                            break 'batches;
                        }
                    }
                    state.progress(report.objects).await?;
                    // Every change of the batch was applied, escrowed or logged.
                    state.advance_watermark(last).await?;
                    watermark = last;
                }
            }
        }
    }
    report.stopped = pipeline.halted().map(|e| format!("the cycle stopped early: {e}"));

    // The cycle's outcome for the quarantine rules.
    let outcome = CycleOutcome {
        exported,
        failed: report.failures,
        failed_references: 0,
        credential_failure: match pipeline.halted() {
            Some(ConnectorError::InvalidCredentials { status }) => Some(*status),
            _ => None,
        },
        incompatible: match pipeline.halted() {
            Some(ConnectorError::Incompatible { detail }) => Some(detail.clone()),
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

    report.watermark = state.watermark().await?;
    let counts = serde_json::json!({
        "objects": report.objects,
        "retried": report.retried,
        "actions": report.actions,
        "failures": report.failures,
        "stopped": report.stopped,
        "quarantine": report.quarantine,
        "duration_ms": u64::try_from((Utc::now() - started_at).num_milliseconds()).unwrap_or(0),
    });
    state.finish_cycle(&counts, Utc::now()).await?;
    Ok(report)
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

/// Runs the pipeline now for one user, named by its directory id or its
/// userPrincipalName, and logs it as an on-demand run.
pub async fn provision_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    user: &str,
) -> Result<(String, ObjectOutcome), CycleError> {
    let mut pipeline = Pipeline::open(store, jobs, job_id, true).await?;
    let directory = store.directory();
    let found = match directory.user_including_deleted(user).await? {
        Some(found) => Some(found),
        None => {
            let mut found = None;
            directory
                .scan_users(Some(&UserLookup::UserPrincipalName(user.to_owned())), |u| {
                    found.get_or_insert(u);
                })
                .await?;
            found
        }
    };
    let found = found.ok_or_else(|| CycleError::NoSuchUser(user.to_owned()))?;
    let outcome = pipeline.process_user(&found.id, Some(&found), None).await?;
    Ok((pipeline.run_id().to_owned(), outcome))
}
