//! Processing an inbound bulk request: each record goes through the same
//! pipeline as a cycle's objects, with the record as the source object (its
//! externalId as its id) and Provisio's directory as the target. Records of
//! different people are processed together (as many as a group commit
//! takes, see `directory/batch.rs`), a person's records in the order they
//! came; the references phase then resolves managers named
//! by externalId, also those that arrived in an earlier request, and keeps
//! waiting for those still to come. The records' outcomes are stored with
//! their log entries and the links to the users they created once the
//! request's records are done, so a restart resumes with the records not
//! yet stored (one processed again finds its user by matching, links it,
//! and changes nothing).

use super::outcome::action_name;
use super::*;
use crate::inbound::requests::{PendingRecord, RecordOutcome};
use provisio_api::inbound::RecordStatus;
use provisio_engine::inbound_record::source_attributes;

/// What processing a request did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundReport {
    /// Records processed now (a resumed request counts only the rest).
    pub records: u64,
    pub failures: u64,
    /// Manager references written.
    pub references: u64,
}

/// Processes the request's pending records and marks it done. The records
/// are read once the job's lease is held, so a request two instances (or
/// two workers) reach at once is processed by one of them, record by record.
pub async fn process_inbound_request(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    request_id: &str,
) -> Result<InboundReport, CycleError> {
    let mut pipeline = Pipeline::open(
        store,
        jobs,
        job_id,
        PipelineRun::Inbound {
            request_id: request_id.to_owned(),
        },
    )
    .await?;
    let report = process_pending(&mut pipeline, request_id).await;
    if let Ok(report) = &report {
        super::alerting::after_inbound(&pipeline, request_id, report);
    }
    pipeline.close().await;
    report
}

async fn process_pending(pipeline: &mut Pipeline, request_id: &str) -> Result<InboundReport, CycleError> {
    let requests = pipeline.store.inbound();
    let records = requests.pending_records(request_id).await?;
    let mut report = InboundReport::default();
    if !records.is_empty() {
        let done = process_records(pipeline, &records).await?;
        for (_, outcome) in &done {
            report.records += 1;
            report.failures += u64::from(outcome.status == RecordStatus::Failure);
        }
        pipeline.records_done(&done).await?;
    }
    // Also when a crash came after the outcomes were stored: the request
    // is finished (and reads as done) only once its managers are resolved.
    let mut cycle = CycleReport::default();
    pipeline.settle_references(&mut cycle).await?;
    report.references = cycle.references;
    requests.finish_if_done(request_id, pipeline.now()).await?;
    Ok(report)
}

/// Provisions one record now (on demand), as a bulk upload's record would
/// be, and logs it as an on-demand run. The record is a SCIM user as a bulk
/// operation's `data` carries it.
pub async fn provision_record_on_demand(
    store: &Store,
    jobs: &Jobs,
    job_id: &str,
    data: &serde_json::Map<String, serde_json::Value>,
) -> Result<(String, ObjectOutcome), CycleError> {
    let mut pipeline = Pipeline::open(store, jobs, job_id, PipelineRun::OnDemand).await?;
    if pipeline.job.definition.direction != provisio_engine::job::Direction::Inbound {
        return Err(CycleError::Invalid(
            "only inbound jobs take records: name a directory `user` instead".into(),
        ));
    }
    let Some(external_id) = crate::inbound::envelope::identity(data) else {
        return Err(CycleError::Invalid(
            "record: it has no `externalId` (nor a `userName`): records are matched by it".into(),
        ));
    };
    let mut outcome = pipeline.process(&incoming(&external_id, data), None).await?;
    outcome.references = pipeline
        .settle_references_of(ObjectType::User, &external_id, &mut CycleReport::default())
        .await?;
    let run_id = pipeline.run_id().to_owned();
    pipeline.close().await;
    Ok((run_id, outcome))
}

/// A record as the pipeline reads a source object.
fn incoming(external_id: &str, data: &serde_json::Map<String, serde_json::Value>) -> Incoming {
    let display = ["userName", "displayName"]
        .iter()
        .find_map(|name| data.get(*name).and_then(serde_json::Value::as_str))
        .unwrap_or(external_id)
        .to_owned();
    Incoming {
        kind: ObjectType::User,
        id: external_id.to_owned(),
        display,
        attributes: Some(source_attributes(external_id, data)),
    }
}

/// Runs the records through the pipeline, one person's in order, up to
/// [`Pipeline::in_flight`] people at a time after the request's prefetch (every
/// person's first record matched at once); the outcomes are stored
/// together once all are done ([`Pipeline::records_done`]): a record whose
/// outcome a crash lost is processed again, which finds its user linked.
async fn process_records<'r>(
    pipeline: &Pipeline,
    records: &'r [PendingRecord],
) -> Result<Vec<(&'r PendingRecord, RecordOutcome)>, CycleError> {
    use futures_util::StreamExt as _;
    // Each person's records by index, in order, people in order of first record.
    let mut people: Vec<Vec<usize>> = Vec::new();
    let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, record) in records.iter().enumerate() {
        let at = *position.entry(&record.external_id).or_insert_with(|| {
            people.push(Vec::new());
            people.len() - 1
        });
        if let Some(person) = people.get_mut(at) {
            person.push(i);
        }
    }
    let firsts: Vec<(Incoming, Option<i64>)> = people
        .iter()
        .filter_map(|person| person.first().and_then(|&i| records.get(i)))
        .map(|record| (incoming(&record.external_id, &record.data), None))
        .collect();
    pipeline.prefetch(&firsts).await;
    let mut outcomes = Vec::with_capacity(records.len());
    let mut running = futures_util::stream::FuturesUnordered::new();
    let mut next = people.into_iter();
    loop {
        while running.len() < pipeline.in_flight() {
            let Some(person) = next.next() else { break };
            running.push(process_person(pipeline, records, person));
        }
        match running.next().await {
            Some(done) => outcomes.extend(done?),
            None => return Ok(outcomes),
        }
    }
}

/// One person's records, in order.
async fn process_person<'r>(
    pipeline: &Pipeline,
    records: &'r [PendingRecord],
    person: Vec<usize>,
) -> Result<Vec<(&'r PendingRecord, RecordOutcome)>, CycleError> {
    let mut done = Vec::with_capacity(person.len());
    for record in person.into_iter().filter_map(|i| records.get(i)) {
        done.push((record, process_record(pipeline, record).await?));
    }
    Ok(done)
}

async fn process_record(pipeline: &Pipeline, record: &PendingRecord) -> Result<RecordOutcome, CycleError> {
    let incoming = incoming(&record.external_id, &record.data);
    let outcome = match pipeline.process(&incoming, Some(record.bulk_id.clone())).await {
        Ok(outcome) => record_outcome(&outcome),
        // The record itself cannot be read as a source object: its own
        // failure, not the batch's.
        Err(CycleError::Invalid(reason)) => RecordOutcome {
            status: RecordStatus::Failure,
            action: None,
            user_id: None,
            error_code: Some("InvalidRecord".to_owned()),
            error: Some(reason),
            log_id: None,
        },
        Err(e) => return Err(e),
    };
    Ok(outcome)
}

impl Pipeline {
    /// The request's records are done: the links to the users they created,
    /// their outcomes and log entries are written in one transaction. A
    /// crash before it leaves the records pending: processed again, each
    /// finds its user by matching (the directory reads its own writes) and
    /// links it. Fenced by the job's lease, as a cycle's page is.
    async fn records_done(&self, done: &[(&PendingRecord, RecordOutcome)]) -> Result<(), CycleError> {
        let mut tx = self.store.writer().begin().await.map_err(ServerError::from)?;
        self.fence_in(&mut tx).await?;
        self.write_kept_in(&mut tx).await?;
        crate::inbound::requests::InboundRequests::records_done_in(&mut tx, done, self.now()).await?;
        tx.commit().await.map_err(ServerError::from)?;
        Ok(())
    }
}

fn record_outcome(outcome: &ObjectOutcome) -> RecordOutcome {
    let decision = &outcome.decision;
    let status = if outcome.failed() {
        RecordStatus::Failure
    } else if decision.status == Status::Skipped {
        RecordStatus::Skipped
    } else {
        RecordStatus::Success
    };
    let (error_code, error) = match (&outcome.applied.error_code, &decision.reason) {
        (Some(code), _) => (Some(code.clone()), outcome.applied.error.clone()),
        (None, Some(reason)) if status == RecordStatus::Failure => (
            Some(super::outcome::code_name(&reason.code)),
            Some(reason.message.clone()),
        ),
        _ => (None, None),
    };
    RecordOutcome {
        status,
        action: Some(action_name(decision.action).to_owned()),
        user_id: outcome.applied.target_id.clone(),
        error_code,
        error,
        log_id: Some(outcome.log_entry.id.clone()),
    }
}
