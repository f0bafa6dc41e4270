//! The phases of a provisioning cycle, in the order [`cycle`] runs them,
//! each a function with a typed result: whether the job may run at all
//! ([`admit`]), the escrows that are due ([`retry_escrows`]), the pass over
//! the objects ([`initial_pass`] or [`incremental_pass`]), the references,
//! the deletion guard ([`guard_deletes`]) and the quarantine verdict
//! ([`judge`]). Every time comes from the pipeline's clock.

use std::time::Instant;

use provisio_api::jobs::status::{CycleCounts, CycleMode, QuarantineChange};

use super::objects::{count, gone_since_linked, process_all, read_object, read_page};
use super::*;

/// Whether a cycle runs.
enum Admission {
    /// It runs; the job's quarantine as it stands, if any.
    Run(Option<QuarantineState>),
    /// It does not (the job is disabled, or quarantined until later): why.
    Skip(String),
}

/// How a pass over the objects ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PassEnd {
    /// Every object was handled.
    Done,
    /// The job was stopped: the pass ended after its current page.
    Stopped,
    /// The target refused the job itself (a quarantine cause).
    Halted,
}

/// The running figures of a cycle: its report, and how many changes reached
/// the target (for the quarantine rules).
struct Tally {
    report: CycleReport,
    exported: u64,
}

impl Tally {
    fn count(&mut self, outcome: &ObjectOutcome) {
        count(&mut self.report, &mut self.exported, outcome);
    }
}

/// The cycle itself, in the job's opened pipeline (see the module docs of
/// [`super`]).
pub(super) async fn cycle(
    pipeline: &mut Pipeline,
    store: &Store,
    mode: Mode,
    options: &RunOptions,
) -> Result<CycleReport, CycleError> {
    let started = Instant::now();
    let now = pipeline.now();
    let state = pipeline.state.clone();
    let status = state.status().await?;
    let mut tally = Tally {
        report: CycleReport {
            cycle_id: pipeline.run_id().to_owned(),
            ..CycleReport::default()
        },
        exported: 0,
    };
    let quarantined = match admit(&status, now, pipeline.connection_changed_at) {
        Admission::Run(quarantined) => quarantined,
        Admission::Skip(why) => {
            tally.report.skipped = Some(why);
            tally.report.watermark = status.watermark;
            return Ok(tally.report);
        }
    };

    let latest_before = store.directory().latest_change().await?;
    let kinds = pipeline.kinds();
    state
        .start_cycle(&tally.report.cycle_id, total(store, mode, &kinds).await?, now)
        .await?;

    super::intents::reconcile_intents(pipeline, store, &mut tally.report, &mut tally.exported).await?;
    let mut end = retry_escrows(pipeline, store, &kinds, &mut tally, now).await?;
    if end == PassEnd::Done {
        end = match mode {
            Mode::Initial => initial_pass(pipeline, store, &kinds, &mut tally, options, latest_before).await?,
            Mode::Incremental => incremental_pass(pipeline, store, &kinds, &mut tally, options).await?,
        };
    }
    tally.exported += tally.report.references;
    if end == PassEnd::Stopped {
        tally.report.stopped = Some(STOPPED.into());
    }
    if pipeline.halted().is_none() {
        guard_deletes(
            pipeline,
            store,
            &mut tally,
            status.status == RunStatus::WaitingForApproval,
        )
        .await?;
    }
    if let Some(error) = pipeline.halted() {
        tally.report.stopped = Some(format!("the cycle stopped early: {error}"));
    }
    let finished_at = pipeline.now();
    tally.report.quarantine = judge(pipeline, quarantined.as_ref(), &tally, finished_at, options).await?;

    // Held deletes wait for an administrator (see `allow_deletes`).
    let report = &mut tally.report;
    report.staged_deletes = state.staged_count().await?;
    if report.staged_deletes > 0 && matches!(report.quarantine, None | Some(QuarantineChange::Released)) {
        state.set_status(RunStatus::WaitingForApproval).await?;
    }
    report.watermark = state.watermark().await?;
    let counts = CycleCounts {
        mode: Some(match mode {
            Mode::Initial => CycleMode::Initial,
            Mode::Incremental => CycleMode::Incremental,
        }),
        objects: report.objects,
        retried: report.retried,
        references: report.references,
        failed_references: report.failed_references,
        staged_deletes: report.staged_deletes,
        actions: report.actions.clone(),
        failures: report.failures,
        stopped: report.stopped.clone(),
        quarantine: report.quarantine,
        duration_ms: Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)),
    };
    state.finish_cycle(&counts, finished_at).await?;
    super::alerting::after_cycle(pipeline, &status, &tally.report).await;
    Ok(tally.report)
}

/// A disabled job does not run, nor does a quarantined one whose next retry
/// is still ahead, unless the target refused it and its connection changed
/// since ([`quarantine::retry_at_once`]).
fn admit(status: &StatusRecord, now: DateTime<Utc>, connection_changed_at: Option<DateTime<Utc>>) -> Admission {
    if status.status == RunStatus::Disabled {
        return Admission::Skip(
            "the job is disabled (too long in quarantine); restart it to run again (`provisio job restart`)".into(),
        );
    }
    let mut quarantined = quarantine_state(status, now);
    if let Some(q) = quarantined.as_mut()
        && quarantine::retry_at_once(q, connection_changed_at, status.last_cycle_started_at)
    {
        q.next_retry_at = now;
    }
    if quarantine::may_run(quarantined.as_ref(), now) {
        return Admission::Run(quarantined);
    }
    let next = quarantined
        .as_ref()
        .map(|q| q.next_retry_at.to_rfc3339())
        .unwrap_or_default();
    Admission::Skip(format!(
        "the job is quarantined ({}); next retry at {next}",
        status.quarantine_reason.as_deref().unwrap_or("no reason recorded")
    ))
}

/// The objects an initial cycle will handle (0 for an incremental one,
/// which does not know in advance).
async fn total(store: &Store, mode: Mode, kinds: &[ObjectType]) -> Result<u64, CycleError> {
    if mode == Mode::Incremental {
        return Ok(0);
    }
    let directory = store.directory();
    let mut total = 0;
    for kind in kinds {
        total += match kind {
            ObjectType::User => directory.user_count().await?,
            ObjectType::Group => directory.group_count().await?,
        };
    }
    Ok(u64::try_from(total).unwrap_or(u64::MAX))
}

/// Due escrows first, whatever the mode: each object once, read with its
/// deleted state (or as gone), a batch at a time after the last one seen
/// (a retried escrow is cleared or moves past `now`, so the cursor only
/// guards against one that does neither), through the pipeline as a page.
async fn retry_escrows(
    pipeline: &Pipeline,
    store: &Store,
    kinds: &[ObjectType],
    tally: &mut Tally,
    now: DateTime<Utc>,
) -> Result<PassEnd, CycleError> {
    let mut after = None;
    loop {
        let due = pipeline.state.due_escrows(now, after.as_ref(), RETRY_BATCH).await?;
        let Some(last) = due.last() else {
            return Ok(PassEnd::Done);
        };
        after = Some(last.retry_cursor());
        let mut objects = Vec::with_capacity(due.len());
        for escrow in due.iter().filter(|e| kinds.contains(&e.object_type)) {
            objects.push((
                read_object(store, escrow.object_type, &escrow.source_id, false).await?,
                None,
            ));
        }
        for outcome in process_all(pipeline, &objects).await? {
            tally.count(&outcome);
            tally.report.retried += 1;
        }
        pipeline.page_done(Some(tally.report.objects)).await?;
        if pipeline.halted().is_some() {
            return Ok(PassEnd::Halted);
        }
    }
}

/// Every live object, users then groups, a page at a time by id; then the
/// objects provisioned before that are no longer live; then the references.
/// Changes up to `latest_before` are covered by reading every object now:
/// once all is done the watermark moves there and the initial cycle counts
/// as done. An initial cycle that was stopped or cut short resumes after
/// its last committed page, towards the watermark of its first start (see
/// [`crate::cycle::state::InitialCursor`]).
async fn initial_pass(
    pipeline: &mut Pipeline,
    store: &Store,
    kinds: &[ObjectType],
    tally: &mut Tally,
    options: &RunOptions,
    latest_before: i64,
) -> Result<PassEnd, CycleError> {
    let cursor = pipeline.state.begin_initial(latest_before).await?;
    let resume_kind = cursor.after.as_ref().map(|(kind, _)| *kind);
    for kind in kinds.iter().copied() {
        let mut after: Option<String> = match &cursor.after {
            Some((resumed, id)) if *resumed == kind => Some(id.clone()),
            // Users come first: a cycle that resumes among groups is done with them.
            _ if resume_kind == Some(ObjectType::Group) && kind == ObjectType::User => continue,
            _ => None,
        };
        loop {
            let page = read_page(store, kind, after.as_deref()).await?;
            let full = page.len() == PAGE;
            if let Some(last) = page.last() {
                after = Some(last.id.clone());
            }
            let page: Vec<(Incoming, Option<i64>)> = page.into_iter().map(|o| (o, None)).collect();
            for outcome in process_all(pipeline, &page).await? {
                tally.count(&outcome);
            }
            if pipeline.halted().is_some() {
                // The page was not all handled: it is done again on resume.
                pipeline.page_done(Some(tally.report.objects)).await?;
                return Ok(PassEnd::Halted);
            }
            let last = after.as_deref().map(|id| (kind, id));
            pipeline.initial_page_done(tally.report.objects, last).await?;
            if options.stop_requested() {
                return Ok(PassEnd::Stopped);
            }
            if !full {
                break;
            }
        }
    }
    gone_since_linked(pipeline, store, kinds, &mut tally.report, &mut tally.exported).await?;
    if pipeline.halted().is_some() {
        return Ok(PassEnd::Halted);
    }
    pipeline.settle_references(&mut tally.report).await?;
    if pipeline.halted().is_some() {
        return Ok(PassEnd::Halted);
    }
    pipeline.initial_done(cursor.latest_before).await?;
    Ok(PassEnd::Done)
}

/// The directory's changes after the watermark, a batch at a time: each
/// object once per batch at its latest change, users then groups, each in
/// change order. The watermark moves past a batch only once every change
/// in it was applied, escrowed or logged; references wait in their own
/// rows and are settled last (also when the job was stopped).
async fn incremental_pass(
    pipeline: &mut Pipeline,
    store: &Store,
    kinds: &[ObjectType],
    tally: &mut Tally,
    options: &RunOptions,
) -> Result<PassEnd, CycleError> {
    let directory = store.directory();
    let mut watermark = pipeline.state.watermark().await?;
    let mut end = PassEnd::Done;
    loop {
        let changes = directory
            .changes_since(watermark, i64::try_from(PAGE).unwrap_or(200))
            .await?;
        let Some(last) = changes.last().map(|c| c.seq) else {
            break;
        };
        for kind in kinds.iter().copied() {
            let mut latest: BTreeMap<String, (i64, ChangeKind)> = BTreeMap::new();
            for change in changes.iter().filter(|c| c.object_type == kind) {
                latest.insert(change.object_id.clone(), (change.seq, change.change));
            }
            let mut ordered: Vec<_> = latest.into_iter().collect();
            ordered.sort_by_key(|(_, (seq, _))| *seq);
            let mut objects = Vec::with_capacity(ordered.len());
            for (id, (seq, change)) in ordered {
                let gone = change == ChangeKind::Purged;
                objects.push((read_object(store, kind, &id, gone).await?, Some(seq)));
            }
            for outcome in process_all(pipeline, &objects).await? {
                tally.count(&outcome);
            }
            if pipeline.halted().is_some() {
                // The batch was not handled: the watermark stays.
                pipeline.page_done(Some(tally.report.objects)).await?;
                return Ok(PassEnd::Halted);
            }
        }
        pipeline.batch_done(tally.report.objects, last).await?;
        watermark = last;
        if options.stop_requested() {
            end = PassEnd::Stopped;
            break;
        }
    }
    pipeline.settle_references(&mut tally.report).await?;
    Ok(if pipeline.halted().is_some() {
        PassEnd::Halted
    } else {
        end
    })
}

/// The cycle's disables and deletes were held; now their count is final:
/// carried out when within the job's threshold (and no earlier cycle's wait
/// for approval), else logged as staged deletes to approve.
async fn guard_deletes(
    pipeline: &mut Pipeline,
    store: &Store,
    tally: &mut Tally,
    waiting_for_approval: bool,
) -> Result<(), CycleError> {
    if !pipeline.hold_deletes {
        return Ok(());
    }
    let held = pipeline.state.staged_count().await?;
    let threshold = pipeline.job.definition.deletion_threshold;
    match deletion_guard::guard(held, 0, threshold, false) {
        Guard::Proceed if !waiting_for_approval => {
            approval::release_held(pipeline, store, &mut tally.report, &mut tally.exported).await
        }
        _ => {
            let why = if waiting_for_approval {
                "the job waits for approval of deletes held by an earlier cycle".to_owned()
            } else {
                format!(
                    "{held} disables and deletes exceed the deletion threshold of {}",
                    threshold.unwrap_or_default()
                )
            };
            approval::log_held(pipeline, &mut tally.report, &why).await
        }
    }
}

/// The cycle's outcome under the quarantine rules, applied to the job's
/// record: quarantined (again), released, disabled, or nothing (healthy).
async fn judge(
    pipeline: &Pipeline,
    quarantined: Option<&QuarantineState>,
    tally: &Tally,
    now: DateTime<Utc>,
    options: &RunOptions,
) -> Result<Option<QuarantineChange>, CycleError> {
    let halted = pipeline.halted();
    let outcome = CycleOutcome {
        exported: tally.exported,
        failed: tally.report.failures,
        failed_references: tally.report.failed_references,
        credential_failure: match &halted {
            Some(ConnectorError::InvalidCredentials { status }) => Some(*status),
            _ => None,
        },
        incompatible: match halted {
            Some(ConnectorError::Incompatible { detail }) => Some(detail),
            _ => None,
        },
    };
    let state = &pipeline.state;
    let transition = quarantine::after_cycle(quarantined, &outcome, now, &options.quarantine);
    Ok(match transition.verdict {
        Verdict::Healthy => None,
        Verdict::Quarantined { reason, next_retry_at }
        | Verdict::StillQuarantined {
            reason, next_retry_at, ..
        } => {
            state.quarantine(&reason_text(&reason), next_retry_at, now).await?;
            Some(if quarantined.is_some() {
                QuarantineChange::StillQuarantined
            } else {
                QuarantineChange::Quarantined
            })
        }
        Verdict::Released => {
            state.leave_quarantine().await?;
            Some(QuarantineChange::Released)
        }
        Verdict::Disabled { .. } => {
            state.leave_quarantine().await?;
            state.set_status(RunStatus::Disabled).await?;
            Some(QuarantineChange::Disabled)
        }
    })
}

/// The stored quarantine reason: Entra's code, then the explanation.
fn reason_text(reason: &QuarantineReason) -> String {
    format!("{}: {}", reason.code(), reason.explanation())
}

/// Whether the job's next cycle retries its quarantine at once: the target
/// refused the job (credentials, an incompatible target) and its connection
/// changed since the last attempt ([`quarantine::retry_at_once`]).
pub fn retries_quarantine_at_once(status: &StatusRecord, connection_changed_at: Option<DateTime<Utc>>) -> bool {
    quarantine_state(status, Utc::now())
        .is_some_and(|q| quarantine::retry_at_once(&q, connection_changed_at, status.last_cycle_started_at))
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
