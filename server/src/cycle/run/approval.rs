//! "Allow deletes": an administrator approves the disables and deletes the
//! accidental-deletion guard held back. Each held object goes through the
//! pipeline again with the guard lifted, so what is carried out is what is
//! right now: a user who came back into scope meanwhile is not deleted.
//! Each run is logged like a cycle's; when nothing is held any more, a job
//! waiting for approval is idle again.

use super::objects::{count, read_object};
use super::outcome::bare_decision;
use super::*;

/// What allowing the held deletes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AllowedDeletes {
    /// The run's id, as the provisioning logs name it.
    pub run_id: String,
    /// Objects looked at again.
    pub objects: u64,
    /// Per action taken (`disable`, `delete`, or another when the object's
    /// state changed since it was held).
    pub actions: BTreeMap<String, u64>,
    /// Objects whose disable or delete failed (escrowed and retried by
    /// later cycles, as any failure).
    pub failures: u64,
}

/// Carries out the job's held disables and deletes (see the module docs).
pub async fn allow_deletes(store: &Store, jobs: &Jobs, job_id: &str) -> Result<AllowedDeletes, CycleError> {
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::Cycle).await?;
    // The approval itself is what an administrator answers for: recorded
    // before the held deletions run (their log entries say what each did).
    let allowed = match record_approval(&pipeline, store).await {
        Ok(()) => allow_in(&mut pipeline, store).await,
        Err(error) => Err(error),
    };
    pipeline.close().await;
    allowed
}

/// The approval is what an administrator answers for: recorded before the
/// held deletions run (their log entries say what each did).
async fn record_approval(pipeline: &Pipeline, store: &Store) -> Result<(), CycleError> {
    let held = pipeline.state.staged_count().await?;
    let event = crate::audit::Event::new("job.allow_deletes", "job")
        .target(pipeline.job_id.clone(), Some(pipeline.job.definition.name.clone()))
        .job(pipeline.job_id.clone())
        .details(serde_json::json!({ "held": held }));
    let mut connection = store.writer().acquire().await.map_err(crate::ServerError::from)?;
    crate::audit::record_in(&mut connection, event).await?;
    Ok(())
}

async fn allow_in(pipeline: &mut Pipeline, store: &Store) -> Result<AllowedDeletes, CycleError> {
    let mut report = CycleReport::default();
    let mut exported = 0;
    release_held(pipeline, store, &mut report, &mut exported).await?;
    let state = &pipeline.state;
    if state.staged_count().await? == 0 && state.status().await?.status == RunStatus::WaitingForApproval {
        state.set_status(RunStatus::Idle).await?;
    }
    if let Some(error) = pipeline.halted() {
        return Err(CycleError::Connector(error));
    }
    Ok(AllowedDeletes {
        run_id: pipeline.run_id().to_owned(),
        objects: report.objects,
        actions: report.actions,
        failures: report.failures,
    })
}

/// Runs every held object through the pipeline with the guard lifted,
/// unstaging each once handled; stops early (leaving the rest held) when
/// the target refuses the job itself.
pub(super) async fn release_held(
    pipeline: &mut Pipeline,
    store: &Store,
    report: &mut CycleReport,
    exported: &mut u64,
) -> Result<(), CycleError> {
    let hold = std::mem::replace(&mut pipeline.hold_deletes, false);
    let state = pipeline.state.clone();
    'kinds: for kind in [ObjectType::User, ObjectType::Group] {
        loop {
            // Each one is unstaged once handled, so the first page is
            // always the next one.
            let page = state.staged(kind, None, RETRY_BATCH).await?;
            if page.is_empty() {
                break;
            }
            for held in page {
                if let Some(source_id) = held.source_id.as_deref() {
                    let incoming = read_object(store, kind, source_id, false).await?;
                    let outcome = pipeline.process(&incoming, None).await?;
                    count(report, exported, &outcome);
                    if pipeline.halted().is_some() {
                        // Still held: the target refused the job itself.
                        break 'kinds;
                    }
                }
                state.unstage(kind, &held.target_id).await?;
            }
            pipeline.page_done(None).await?;
        }
    }
    pipeline.page_done(None).await?;
    pipeline.hold_deletes = hold;
    Ok(())
}

/// Logs the disables and deletes this run held for good (the count
/// exceeded the threshold, or the job already waits for approval): one
/// staged-delete entry each.
pub(super) async fn log_held(pipeline: &Pipeline, report: &mut CycleReport, why: &str) -> Result<(), CycleError> {
    let state = &pipeline.state;
    for kind in [ObjectType::User, ObjectType::Group] {
        let mut after: Option<String> = None;
        loop {
            let page = state.staged(kind, after.as_deref(), RETRY_BATCH).await?;
            let entries: Vec<LogEntry> = page
                .iter()
                .filter(|held| held.cycle_id == pipeline.run_id())
                .map(|held| {
                    let mut decision = bare_decision(
                        Action::StagedDelete,
                        Status::Skipped,
                        held.source_id.clone(),
                        Some(held.target_id.clone()),
                    );
                    decision.reason = Some(Reason {
                        code: ReasonCode::DeletionThresholdExceeded,
                        message: why.to_owned(),
                    });
                    LogEntry::from_decision(
                        &pipeline.run,
                        &decision,
                        Identity::new(held.source_id.as_deref().unwrap_or_default(), String::new()),
                        Identity {
                            id: Some(held.target_id.clone()),
                            display: None,
                        },
                        std::time::Duration::ZERO,
                    )
                })
                .collect();
            report.objects += entries.len() as u64;
            *report
                .actions
                .entry(action_name(Action::StagedDelete).to_owned())
                .or_default() += entries.len() as u64;
            pipeline.store.logs().append(&entries).await?;
            if page.len() < RETRY_BATCH as usize {
                break;
            }
            after = page.last().map(|held| held.target_id.clone());
        }
    }
    Ok(())
}
