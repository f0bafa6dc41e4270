//! One object through the pipeline: its target state (read back when
//! linked, matched when not), the engine's decision, the action applied
//! through the connector, the link, the escrow and the log entry — shared by
//! cycles and on-demand runs.

use super::*;

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
    pub(super) fn failed(&self) -> bool {
        self.decision.status == Status::Failure || self.applied.error_code.is_some()
    }
}

/// A job ready to run: compiled, with its connector and cycle state.
pub struct Pipeline {
    pub(super) store: Store,
    pub(super) job_id: String,
    pub(super) job: CompiledJob,
    pub(super) connector: Arc<dyn Connector>,
    pub(super) state: CycleState,
    pub(super) run: RunInfo,
    /// The ids of assigned users and groups, for jobs whose scope is `assigned`.
    pub(super) assigned: Option<HashSet<(PrincipalType, String)>>,
    pub(super) deletions: DeletionCounter,
    /// A fixed "now" for the run, else the clock.
    pub(super) clock: Option<DateTime<Utc>>,
    /// The first failure that quarantines the job (invalid credentials, an
    /// incompatible target): a cycle stops there.
    pub(super) halt: Option<ConnectorError>,
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
    pub(super) fn now(&self) -> DateTime<Utc> {
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
    pub(super) async fn record(&self, source_id: &str, user: Option<&User>) -> Result<SourceRecord, CycleError> {
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
    pub(super) async fn target_state(
        &self,
        record: &SourceRecord,
        now: DateTime<Utc>,
    ) -> Result<TargetState, ConnectorError> {
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
    pub(super) async fn apply(
        &mut self,
        source_id: &str,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<Applied, CycleError> {
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
    pub(super) async fn escrow(
        &mut self,
        source_id: &str,
        error: &ConnectorError,
        now: DateTime<Utc>,
    ) -> Result<(), CycleError> {
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
    pub(super) async fn attempts(&self, source_id: &str) -> Result<u32, CycleError> {
        let escrow = self.state.escrow_of(ObjectType::User, source_id).await?;
        Ok(escrow.map_or(1, |e| u32::try_from(e.attempts.saturating_add(1)).unwrap_or(u32::MAX)))
    }
}

pub(super) fn failure_applied(target_id: Option<String>, error: &ConnectorError, what: &str) -> Applied {
    Applied {
        done: false,
        target_id,
        summary: format!("{what}; the object is escrowed"),
        error_code: Some(connector_code(error).to_owned()),
        error: Some(error.to_string()),
    }
}

/// The changes as the connector sends them: redacted values restored.
pub(super) fn exported_changes(decision: &Decision) -> Vec<AttributeChange> {
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
pub(super) fn connector_code(error: &ConnectorError) -> &'static str {
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

pub(super) fn code_name(code: &provisio_engine::plan::ReasonCode) -> String {
    match serde_json::to_value(code) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{code:?}"),
    }
}

pub(super) fn action_name(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Disable => "disable",
        Action::Delete => "delete",
        Action::StagedDelete => "stageddelete",
        Action::Skip => "skip",
    }
}
