//! One object through the pipeline: its target state (read back when
//! linked, matched when not), the engine's decision, the action applied
//! through the connector, the link, the escrow, the references it names
//! (kept for the references phase, see [`super::references`]) and the log
//! entry — shared by cycles and on-demand runs, for users and groups.

use std::collections::HashMap;
use std::time::Duration;

use provisio_engine::Value;
use provisio_engine::job::Direction;

use super::incoming::{MEMBER_OF, member_of_value, mentions_member_of, source_kind};
use super::lookups::{MAX_UNIQUE_LOOKUPS, TargetLookups};
use super::outcome::{bare_decision, code_name, connector_code, exported_changes, failure_applied};
use super::prefetch::{ObjectPrefetch, Prefetched};
use super::*;
use crate::cycle::lease::JobLease;
use provisio_engine::plan::Entitlements;

/// How long a run waits for another run of its job to end before it gives
/// up (an on-demand call then answers 409).
pub const LEASE_WAIT: Duration = Duration::from_secs(10);

/// What was done with one object's decision: the admin API's wire type.
pub use provisio_api::jobs::Applied;

/// A job ready to run: compiled, with its connector and cycle state.
pub struct Pipeline {
    pub(super) store: Store,
    pub(super) job_id: String,
    pub(super) job: CompiledJob,
    pub(super) connector: Arc<dyn Connector>,
    pub(super) state: CycleState,
    pub(super) run: RunInfo,
    /// The job's assignments, for jobs scoped to them or reading app roles.
    entitlements: Entitlements,
    /// Whether disables and deletes are held as staged deletes until the
    /// cycle's count is final (cycles of a job with a deletion threshold).
    pub(super) hold_deletes: bool,
    /// A fixed "now" for the run, else the clock.
    pub(super) clock: Option<DateTime<Utc>>,
    /// The first failure that quarantines the job (invalid credentials, an
    /// incompatible target): a cycle stops there.
    pub(super) halt: std::sync::Mutex<Option<ConnectorError>>,
    /// Whether this run linked an object it had not linked before: rows
    /// waiting for unresolved references may now resolve.
    pub(super) linked_new: AtomicBool,
    /// Whether the job may have objects noted as unmatched (it had some
    /// when the run began, or this run noted one): only then is a note
    /// cleared when an object is decided otherwise.
    may_have_unmatched: AtomicBool,
    /// The job's lease, held for the whole run (`None` once closed).
    pub(super) lease: Option<JobLease>,
    /// What `DefaultDomain()` returns: the stored setting.
    default_domain: Option<String>,
    /// Where the run's notable outcomes go (`run/alerting.rs`).
    pub(super) alerts: crate::alerts::Alerts,
    /// Whether the job reads `memberOf` (a scoping clause, a mapping) of
    /// directory objects: only then is it looked up, object by object.
    reads_member_of: bool,
    /// When the job's target or secrets last changed (a quarantine the
    /// target's refusal caused is retried at once after it).
    pub(super) connection_changed_at: Option<DateTime<Utc>>,
    /// The current page's prefetched links, escrows, records and matches
    /// (`run/prefetch.rs`).
    pub(super) prefetched: std::sync::Mutex<Prefetched>,
    /// What a cycle's page (or an inbound request) writes once it is done
    /// (`None`, on demand: each is written as it is made).
    pub(super) kept: Option<super::page_writes::Kept>,
    /// The create intents the current page recorded, which its commit
    /// drops (`run/intents.rs`).
    pub(super) page_intents: std::sync::Mutex<Vec<(ObjectType, String)>>,
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
    /// The job's pipeline for a run of this kind, holding the job's lease
    /// (waiting up to [`LEASE_WAIT`] for another run to end).
    pub async fn open(store: &Store, jobs: &Jobs, job_id: &str, run: PipelineRun) -> Result<Pipeline, CycleError> {
        Self::open_waiting(store, jobs, job_id, run, LEASE_WAIT).await
    }

    /// [`Pipeline::open`], waiting up to `wait` for the job's lease.
    pub async fn open_waiting(
        store: &Store,
        jobs: &Jobs,
        job_id: &str,
        run: PipelineRun,
        wait: Duration,
    ) -> Result<Pipeline, CycleError> {
        let on_demand = run == PipelineRun::OnDemand;
        let detail = jobs.get(job_id).await?;
        let lease = JobLease::acquire(store, &detail.id, run.purpose(), wait).await?;
        let definition = jobs.definition_with_secrets(&detail.id).await?;
        match (definition.direction, &run) {
            (Direction::Inbound, PipelineRun::Cycle) => {
                return Err(CycleError::Invalid(
                    "an inbound job is not run from the directory: it processes the records pushed to it".into(),
                ));
            }
            (Direction::Outbound, PipelineRun::Inbound { .. }) => {
                return Err(CycleError::Invalid("only inbound jobs take pushed records".into()));
            }
            _ => {}
        }
        let connector = crate::targets::connect(store, &definition, jobs.reach()).await?;
        let entitlements = super::entitlements::load(jobs, &detail.id, &definition).await?;
        let hold_deletes = !on_demand && definition.deletion_threshold.is_some();
        let job = CompiledJob::compile(definition).map_err(|problems| {
            CycleError::Invalid(problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
        })?;
        if job.object(SourceKind::User).is_none() && job.object(SourceKind::Group).is_none() {
            return Err(CycleError::Invalid("the job has no object mapping".into()));
        }
        let default_domain = store.setting(crate::store::DEFAULT_DOMAIN).await?;
        let state = store.cycle_state(&detail.id);
        let may_have_unmatched = AtomicBool::new(state.has_unmatched().await?);
        let reads_member_of = job.definition.direction == Direction::Outbound && mentions_member_of(&job.definition);
        let connection_changed_at = detail
            .connection_changed_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let run_id = uuid::Uuid::new_v4().to_string();
        let kept = matches!(run, PipelineRun::Cycle | PipelineRun::Inbound { .. }).then(Default::default);
        let run = match run {
            PipelineRun::OnDemand => RunInfo::on_demand(&detail.id, &job.definition.name, run_id),
            PipelineRun::Cycle => RunInfo::cycle(&detail.id, &job.definition.name, run_id),
            PipelineRun::Inbound { request_id } => RunInfo::inbound(&detail.id, &job.definition.name, request_id),
        };
        let run = super::origin::of_run(run, &job.definition);
        Ok(Pipeline {
            store: store.clone(),
            state,
            job_id: detail.id,
            job,
            connector,
            run,
            entitlements,
            hold_deletes,
            clock: None,
            halt: std::sync::Mutex::new(None),
            linked_new: AtomicBool::new(false),
            may_have_unmatched,
            lease: Some(lease),
            default_domain,
            alerts: jobs.alerts(),
            reads_member_of,
            connection_changed_at,
            prefetched: std::sync::Mutex::new(Prefetched::default()),
            kept,
            page_intents: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Ends the run: gives the job's lease up at once, so a waiting run
    /// starts now. (A pipeline dropped without this, on an error, releases
    /// it in the background.)
    pub async fn close(mut self) {
        if let Some(lease) = self.lease.take() {
            lease.release().await;
        }
    }

    /// An evaluation context for this run: its clock, the operating
    /// system's random source (initial passwords, GUIDs) and the stored
    /// default domain.
    pub(super) fn context<'a>(&self, now: DateTime<Utc>) -> EvalContext<'a> {
        let ctx = EvalContext::new(now).with_random(crate::random::OsRandom::new());
        match &self.default_domain {
            Some(domain) => ctx.with_default_domain(domain.clone()),
            None => ctx,
        }
    }

    /// Refuses an inbound job, whose source is the records pushed to it, not
    /// the directory.
    pub(super) fn require_directory_source(&self) -> Result<(), CycleError> {
        match self.job.definition.direction {
            Direction::Outbound => Ok(()),
            Direction::Inbound => Err(CycleError::Invalid(
                "an inbound job provisions the records pushed to it: send a `record` to provision one".into(),
            )),
        }
    }

    /// The kinds of object the job provisions, users first.
    pub(super) fn kinds(&self) -> Vec<ObjectType> {
        [ObjectType::User, ObjectType::Group]
            .into_iter()
            .filter(|kind| self.job.object(source_kind(*kind)).is_some_and(|o| o.spec.enabled))
            .collect()
    }

    /// The pipeline's "now".
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// The failure that quarantines the job, once one was met.
    /// Objects processed at the same time: as many as the target takes
    /// (see [`Connector::objects_in_flight`]).
    pub(super) fn in_flight(&self) -> usize {
        self.connector.objects_in_flight().max(1)
    }

    pub fn halted(&self) -> Option<ConnectorError> {
        self.halt.lock().ok().and_then(|halt| halt.clone())
    }

    /// Records the failure that quarantines the job (the first one wins).
    pub(super) fn halt(&self, error: &ConnectorError) {
        if let Ok(mut halt) = self.halt.lock() {
            halt.get_or_insert_with(|| error.clone());
        }
    }

    /// The run's id (the cycle id, or the on-demand run's).
    pub fn run_id(&self) -> &str {
        &self.run.cycle_id
    }

    /// The job's id.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// Runs one object through the pipeline and writes its log entry.
    /// `change` is what led to it: a directory change's sequence number, or
    /// an inbound record's bulkId.
    pub async fn process(&self, incoming: &Incoming, change: Option<String>) -> Result<ObjectOutcome, CycleError> {
        self.check_lease()?;
        let started = Instant::now();
        let now = self.now();
        let (kind, source_id) = (incoming.kind, incoming.id.as_str());
        let mut prefetched = self.take_prefetched(kind, source_id);
        let record = match prefetched.as_mut().and_then(|p| p.record.take()) {
            Some(record) => record,
            None => self.record(incoming).await?,
        };
        let escrowed = prefetched.as_ref().map(|p| p.escrowed);
        let mut held = false;
        let decided = match self.target_state(kind, &record, now, prefetched).await {
            Ok(state) => self.decide_with_lookups(kind, &record, &state, now).await,
            Err(error) => Err(error),
        };
        let (decision, applied) = match decided {
            Err(error) => {
                let target_id = self.state.target_of(kind, source_id).await?;
                let decision = bare_decision(Action::Skip, Status::Failure, Some(source_id.to_owned()), target_id);
                let applied = failure_applied(None, &error, "reading the target failed");
                self.escrow(kind, source_id, &error, now, escrowed).await?;
                (decision, applied)
            }
            Ok(mut decision) => {
                let references = self.take_references(kind, &mut decision);
                let applied = if self.hold_deletes && matches!(decision.action, Action::Disable | Action::Delete) {
                    held = true;
                    self.hold(kind, source_id, &mut decision, now).await?
                } else {
                    self.apply(kind, source_id, &decision, now, escrowed).await?
                };
                if let (Some(references), Some(target_id)) = (references, &applied.target_id)
                    && applied.error_code.is_none()
                    && decision.status != Status::Failure
                    && decision.action != Action::Delete
                {
                    for (path, desired) in references {
                        let wanted = crate::cycle::state::WantedReference {
                            object_type: kind,
                            source_id: source_id.to_owned(),
                            path,
                            target_id: target_id.clone(),
                            desired,
                        };
                        self.want_reference(wanted).await?;
                    }
                }
                (decision, applied)
            }
        };

        self.keep_unmatched(kind, source_id, &decision, now).await?;

        let target = Identity {
            id: applied.target_id.clone().or_else(|| decision.target_id.clone()),
            display: None,
        };
        let mut entry = LogEntry::from_decision(
            &self.run,
            &decision,
            Identity::new(source_id, incoming.display.clone()),
            target,
            started.elapsed(),
        );
        if let (Some(code), Some(error)) = (&applied.error_code, &applied.error) {
            entry = entry.failed(code, error.clone());
        }
        if let Some(change) = change {
            entry = entry.with_change(change);
        }
        if !held {
            self.write_log(&entry).await?;
        }
        Ok(ObjectOutcome {
            decision,
            applied,
            log_entry: entry,
            held,
            references: Vec::new(),
        })
    }

    /// Notes an object skipped for want of a value to match on, so the
    /// job's status counts it, and forgets the note once the object is
    /// decided otherwise (a failure says nothing either way).
    async fn keep_unmatched(
        &self,
        kind: ObjectType,
        source_id: &str,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<(), CycleError> {
        if decision.is_unmatched() {
            let matched_on = self
                .job
                .object(source_kind(kind))
                .map(|object| object.matched_on())
                .unwrap_or_default();
            self.state.note_unmatched(kind, source_id, &matched_on, now).await?;
            self.may_have_unmatched.store(true, Ordering::Relaxed);
        } else if decision.status != Status::Failure && self.may_have_unmatched.load(Ordering::Relaxed) {
            self.state.clear_unmatched(kind, source_id).await?;
        }
        Ok(())
    }

    /// The engine's decision, with SelectUniqueValue's questions put to the
    /// target. The engine asks synchronously, so a question not answered
    /// yet fails that evaluation; the question is then asked through the
    /// connector and the object decided again with the answer, until no
    /// new question comes up (each round answers at least one more).
    async fn decide_with_lookups(
        &self,
        kind: ObjectType,
        record: &SourceRecord,
        state: &TargetState,
        now: DateTime<Utc>,
    ) -> Result<Decision, ConnectorError> {
        let mut known: HashMap<(String, String), bool> = HashMap::new();
        loop {
            let mut unknown = Vec::new();
            let decision = {
                // Not held across an await: the context is not Send.
                let lookups = TargetLookups {
                    known: &known,
                    unknown: &mut unknown,
                };
                let mut ctx = self.context(now).with_existing(lookups);
                decide(&self.job, record, state, &mut ctx)
            };
            if unknown.is_empty() || known.len() >= MAX_UNIQUE_LOOKUPS {
                return Ok(decision);
            }
            for (attribute, value) in unknown {
                let exists = self
                    .connector
                    .value_exists(source_kind(kind), &attribute, &Value::str(value.clone()))
                    .await?;
                known.insert((attribute, value), exists);
            }
        }
    }

    /// The reference attributes (manager, members) are the references
    /// phase's to write: their changes leave the decision (an update left
    /// with nothing else to change becomes a skip). For an object in scope,
    /// returns what each one names (empty when nothing; left out when a
    /// pushed record does not carry it), to be recorded once the object is
    /// in the target; `None` for one out of scope or gone, whose references
    /// are left as they are.
    fn take_references(&self, kind: ObjectType, decision: &mut Decision) -> Option<Vec<(String, Vec<String>)>> {
        let paths = self.reference_paths(kind);
        if paths.is_empty() {
            return None;
        }
        decision.changes.retain(|c| !paths.contains(&&*c.path));
        if decision.action == Action::Update && decision.changes.is_empty() {
            decision.action = Action::Skip;
            decision.status = Status::Skipped;
        }
        let in_scope = decision
            .steps
            .iter()
            .any(|s| s.kind == StepKind::Scoping && s.status == StepStatus::Success);
        if !in_scope || !matches!(decision.action, Action::Create | Action::Update | Action::Skip) {
            return None;
        }
        // A pushed record states only what it carries: one without a
        // manager leaves the manager as it is (a directory object without
        // one has none).
        let partial = self.run.kind == provisio_api::logs::RunKind::Inbound;
        Some(
            paths
                .iter()
                .filter_map(|path| {
                    let named = decision.references.iter().find(|r| r.path == *path);
                    match named {
                        Some(named) => Some(((*path).to_owned(), named.source_ids.clone())),
                        None if partial => None,
                        None => Some(((*path).to_owned(), Vec::new())),
                    }
                })
                .collect(),
        )
    }

    /// The mapped target paths of the kind that hold references.
    pub(super) fn reference_paths(&self, kind: ObjectType) -> Vec<&str> {
        self.job
            .object(source_kind(kind))
            .map(|object| {
                object
                    .mappings
                    .iter()
                    .filter(|m| is_reference_path(&m.path))
                    .map(|m| &*m.key)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The source record of an object (or of a purged one, by its id alone).
    pub(super) async fn record(&self, incoming: &Incoming) -> Result<SourceRecord, CycleError> {
        let kind = source_kind(incoming.kind);
        let mut assigned = None;
        let mut record = match &incoming.attributes {
            Some(attributes) => {
                let mut attributes = attributes.clone();
                if self.reads_member_of {
                    let groups = self.store.directory().member_of(&incoming.id).await?;
                    attributes.insert(MEMBER_OF.to_owned(), member_of_value(groups));
                }
                if self.entitlements.matters() {
                    let filled =
                        super::entitlements::fill(&self.entitlements, &self.store, kind, &incoming.id, &mut attributes);
                    assigned = Some(filled.await?);
                }
                SourceRecord::from_json(kind, serde_json::Value::Object(attributes)).map_err(CycleError::Invalid)?
            }
            None => {
                let mut record =
                    SourceRecord::from_attributes(kind, SourceObject::new().with("id", incoming.id.clone()));
                record.lifecycle = Lifecycle::HardDeleted;
                record
            }
        };
        if let Some(assigned) = assigned {
            record.assigned = assigned;
        }
        Ok(record)
    }

    /// What the target holds for the object: its linked object read back,
    /// or what the matching queries find (the page's prefetch, when it has
    /// the object's link and matches).
    pub(super) async fn target_state(
        &self,
        kind: ObjectType,
        record: &SourceRecord,
        now: DateTime<Utc>,
        prefetched: Option<ObjectPrefetch>,
    ) -> Result<TargetState, ConnectorError> {
        let source_id = record.id.as_deref().unwrap_or_default();
        let (linked, matches) = match prefetched {
            Some(prefetched) => (prefetched.link, prefetched.matches),
            None => (
                self.state
                    .target_of(kind, source_id)
                    .await
                    .map_err(|e| ConnectorError::Transient {
                        detail: format!("cannot read the job's links: {e}"),
                    })?,
                None,
            ),
        };
        if let Some(target_id) = linked {
            return Ok(match self.connector.read(source_kind(kind), &target_id).await? {
                Some(object) => TargetState::Linked(object),
                None => TargetState::LinkedMissing { id: target_id },
            });
        }
        if record.lifecycle != Lifecycle::Active {
            // Never provisioned and gone from the source: nothing to match.
            return Ok(TargetState::Unlinked(Vec::new()));
        }
        if let Some(attempts) = matches {
            return Ok(TargetState::Unlinked(attempts));
        }
        let Some(object) = self.job.object(source_kind(kind)) else {
            return Ok(TargetState::Unlinked(Vec::new()));
        };
        let mut attempts = Vec::new();
        let queries = {
            let mut ctx = self.context(now);
            matching::queries(&object.matching_mappings(), record.attributes.as_ref(), &mut ctx)
        };
        if let Queries::Run(queries) = queries {
            for query in queries {
                let found = self
                    .connector
                    .find(source_kind(kind), &query.target, &query.value)
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
    pub(super) async fn apply(
        &self,
        kind: ObjectType,
        source_id: &str,
        decision: &Decision,
        now: DateTime<Utc>,
        escrowed: Option<bool>,
    ) -> Result<Applied, CycleError> {
        self.check_lease()?;
        let target_kind = source_kind(kind);
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
            let next = now + EscrowPolicy::default().backoff(self.attempts(kind, source_id, escrowed).await?);
            self.state.escrow(kind, source_id, &failure, now, next).await?;
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
            match self.state.link_if_unlinked(kind, source_id, link, now).await {
                Ok(Linked::Unchanged) => {}
                // Linked by another run since this one read the target:
                // that link stays.
                Ok(Linked::KeptOther { linked_target }) => {
                    let error = ConnectorError::Conflict {
                        scim_type: None,
                        detail: format!(
                            "the directory object was linked to target object {linked_target} by another run \
                             while this one matched {link}; the link was kept"
                        ),
                    };
                    self.escrow(kind, source_id, &error, now, escrowed).await?;
                    return Ok(failure_applied(decision.target_id.clone(), &error, "linked meanwhile"));
                }
                Ok(_) => self.linked_new.store(true, Ordering::Relaxed),
                // Two directory objects match one account: the second is a
                // conflict for an administrator, not a reason to stop the cycle.
                Err(StateError::TargetLinked { source_id: other, .. }) => {
                    let error = ConnectorError::Conflict {
                        scim_type: None,
                        detail: format!(
                            "the matching target object {link} is already provisioned for the directory object {other}"
                        ),
                    };
                    self.escrow(kind, source_id, &error, now, escrowed).await?;
                    return Ok(failure_applied(
                        decision.target_id.clone(),
                        &error,
                        "two directory objects match one account",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let target_id = decision.target_id.clone().unwrap_or_default();
        let result: Result<(Option<String>, String), ConnectorError> = match decision.action {
            Action::Create => match self
                .fenced(self.connector.create(target_kind, &decision.export()))
                .await?
            {
                Ok(created) if self.keep_link(kind, source_id, &created.id) => {
                    self.linked_new.store(true, Ordering::Relaxed);
                    Ok((
                        Some(created.id.clone()),
                        format!("created target object {}", created.id),
                    ))
                }
                Ok(created) => match self.state.link_if_unlinked(kind, source_id, &created.id, now).await? {
                    Linked::KeptOther {
                        linked_target: previous_target,
                    } => Err(ConnectorError::Conflict {
                        scim_type: None,
                        detail: format!(
                            "created target object {}, but the directory object was meanwhile linked to target \
                             object {previous_target} by another run; the link was kept and {} is not \
                             provisioned by this job: delete it in the target",
                            created.id, created.id
                        ),
                    }),
                    _ => {
                        self.linked_new.store(true, Ordering::Relaxed);
                        Ok((
                            Some(created.id.clone()),
                            format!("created target object {}", created.id),
                        ))
                    }
                },
                Err(e) => Err(e),
            },
            Action::Update => {
                let changes = exported_changes(decision);
                self.fenced(self.connector.update(target_kind, &target_id, &changes))
                    .await?
                    .map(|()| {
                        (
                            Some(target_id.clone()),
                            format!("updated {} attribute(s)", changes.len()),
                        )
                    })
            }
            Action::Disable => self
                .fenced(self.connector.disable(target_kind, &target_id))
                .await?
                .map(|()| (Some(target_id.clone()), "disabled the target object".into())),
            Action::Delete => match self.fenced(self.connector.delete(target_kind, &target_id)).await? {
                Ok(()) | Err(ConnectorError::NotFound { .. }) => {
                    self.state.unlink(kind, source_id).await?;
                    self.state.drop_references(kind, source_id).await?;
                    self.state.touch_references_to(source_id).await?;
                    Ok((Some(target_id.clone()), "deleted the target object".into()))
                }
                Err(e) => Err(e),
            },
            // Staged by `hold`, never applied.
            Action::StagedDelete => Ok((Some(target_id.clone()), "held for approval".into())),
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
                if escrowed != Some(false) {
                    self.state.clear_escrow(kind, source_id).await?;
                }
                Ok(Applied {
                    done: decision.action != Action::Skip || decision.link.is_some(),
                    target_id,
                    summary,
                    error_code: None,
                    error: None,
                })
            }
            Err(error) => {
                self.escrow(kind, source_id, &error, now, escrowed).await?;
                Ok(failure_applied(
                    decision.target_id.clone(),
                    &error,
                    "the target refused the change",
                ))
            }
        }
    }

    /// Holds a disable or delete back as a staged delete until the cycle's
    /// count of them is final (see [`crate::cycle::policy::deletion_guard`]).
    async fn hold(
        &self,
        kind: ObjectType,
        source_id: &str,
        decision: &mut Decision,
        now: DateTime<Utc>,
    ) -> Result<Applied, CycleError> {
        let target_id = decision.target_id.clone().unwrap_or_default();
        let staged = StagedDelete {
            object_type: kind,
            source_id: Some(source_id.to_owned()),
            target_id: target_id.clone(),
            action: if decision.action == Action::Disable {
                StagedAction::Disable
            } else {
                StagedAction::Delete
            },
            staged_at: now,
            cycle_id: self.run.cycle_id.clone(),
        };
        self.state.stage(&staged).await?;
        decision.action = Action::StagedDelete;
        Ok(Applied {
            done: false,
            target_id: Some(target_id),
            summary: "held until the cycle's count of disables and deletes is known".into(),
            error_code: None,
            error: None,
        })
    }

    /// Escrows a connector failure with the policy's back-off (never due
    /// for a permanent one). A failure that quarantines the job is not the
    /// object's fault: it is not escrowed, and halts the cycle instead.
    pub(super) async fn escrow(
        &self,
        kind: ObjectType,
        source_id: &str,
        error: &ConnectorError,
        now: DateTime<Utc>,
        escrowed: Option<bool>,
    ) -> Result<(), CycleError> {
        if error.quarantines() {
            self.halt(error);
            return Ok(());
        }
        let attempts = self.attempts(kind, source_id, escrowed).await?;
        let next = EscrowPolicy::default().next_attempt(attempts, FailureClass::from(error), now);
        let failure = Failure {
            code: connector_code(error).to_owned(),
            message: error.to_string(),
            permanent: next.is_none(),
        };
        let next = next.unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.state.escrow(kind, source_id, &failure, now, next).await?;
        Ok(())
    }

    /// This attempt's number (1 for a first failure, known without asking
    /// when `escrowed` says the object has no escrow).
    pub(super) async fn attempts(
        &self,
        kind: ObjectType,
        source_id: &str,
        escrowed: Option<bool>,
    ) -> Result<u32, CycleError> {
        if escrowed == Some(false) {
            return Ok(1);
        }
        let escrow = self.state.escrow_of(kind, source_id).await?;
        Ok(escrow.map_or(1, |e| u32::try_from(e.attempts.saturating_add(1)).unwrap_or(u32::MAX)))
    }
}

/// Whether a target path holds references: `manager` or `members` itself,
/// not a sub-attribute or an element.
fn is_reference_path(path: &provisio_engine::scim_path::TargetPath) -> bool {
    path.filter.is_none()
        && path.sub_attribute.is_none()
        && (path.attribute.eq_ignore_ascii_case("manager") || path.attribute.eq_ignore_ascii_case("members"))
}
