//! Reading a cycle's objects from the directory (a page of live ones, one
//! as it is now, the provisioned ones no longer live) and running them
//! through the pipeline, [`Pipeline::in_flight`] at a time after the page's prefetch,
//! counting their outcomes.

use super::*;

/// Counts one object's outcome in the report (and the exports for quarantine).
pub(super) fn count(report: &mut CycleReport, exported: &mut u64, outcome: &ObjectOutcome) {
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

/// The initial cycle's last sweep: objects the job provisioned that the
/// directory no longer has live (soft-deleted, or purged) were not on the
/// pages of live objects, yet the watermark moves past their deletion: each
/// goes through the pipeline now, read as deleted or gone, so its account is
/// disabled or deleted as the job says. Memory holds one page of links.
pub(super) async fn gone_since_linked(
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
            pipeline.page_done(None).await?;
            if pipeline.halted().is_some() || links.len() < PAGE {
                return Ok(());
            }
            after = Some(last);
        }
    }
    Ok(())
}

/// Runs the objects (one page) through the pipeline after their prefetch,
/// [`Pipeline::in_flight`] at a time, and returns their outcomes in order. Once the
/// target refuses the job itself (quarantine), no further object is
/// started.
pub(super) async fn process_all(
    pipeline: &Pipeline,
    objects: &[(Incoming, Option<i64>)],
) -> Result<Vec<ObjectOutcome>, CycleError> {
    pipeline.prefetch(objects).await;
    pipeline.intend_creates(objects).await?;
    let outcomes = run_prefetched(pipeline, objects).await;
    pipeline.forget_prefetched();
    outcomes
}

async fn run_prefetched(
    pipeline: &Pipeline,
    objects: &[(Incoming, Option<i64>)],
) -> Result<Vec<ObjectOutcome>, CycleError> {
    use futures_util::StreamExt as _;
    let mut outcomes = Vec::with_capacity(objects.len());
    let mut running = futures_util::stream::FuturesOrdered::new();
    let mut next = objects.iter();
    loop {
        while running.len() < pipeline.in_flight() && pipeline.halted().is_none() {
            let Some((incoming, change)) = next.next() else { break };
            running.push_back(pipeline.process(incoming, change.map(|seq| seq.to_string())));
        }
        match running.next().await {
            Some(Ok(outcome)) => outcomes.push(outcome),
            Some(Err(error)) => {
                // What was done is logged, even though the cycle ends here;
                // the intents stay, as an object dropped mid-create may
                // have an account and no link.
                drop(running);
                pipeline.keep_create_intents();
                if let Err(unwritten) = pipeline.page_done(None).await {
                    tracing::warn!(error = %unwritten, "a failed page's log entries could not be written");
                }
                return Err(error);
            }
            None => return Ok(outcomes),
        }
    }
}

/// One page of live objects of the kind by id, after `after`, for an
/// initial cycle.
pub(super) async fn read_page(
    store: &Store,
    kind: ObjectType,
    after: Option<&str>,
) -> Result<Vec<Incoming>, CycleError> {
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
pub(super) async fn read_object(
    store: &Store,
    kind: ObjectType,
    id: &str,
    purged: bool,
) -> Result<Incoming, CycleError> {
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
