//! Where bulk requests and their records are kept: stored in one
//! transaction before the 202 is sent (unless the job's queue is full),
//! read back in acceptance order by the worker, and each record's outcome
//! written as it is processed, so a restart resumes with the records not
//! yet done and nothing accepted is lost. A record's HR payload is kept only
//! while it waits: writing its outcome clears it. Processed requests are
//! deleted after the retention ([`super::retention`]).

use chrono::{DateTime, Utc};
use provisio_api::inbound::{RecordResult, RecordStatus, RequestState, RequestStatus, RequestSummary};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::envelope::Operation;
use super::queue::QueueLimit;
use crate::ServerError;
use crate::directory::timestamp;
use crate::store::Store;

/// A job's bulk requests in the database.
#[derive(Debug, Clone)]
pub struct InboundRequests {
    store: Store,
}

impl Store {
    pub fn inbound(&self) -> InboundRequests {
        InboundRequests { store: self.clone() }
    }
}

/// A record waiting to be processed.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRecord {
    pub request_id: String,
    pub index: usize,
    pub bulk_id: String,
    pub external_id: String,
    pub data: Map<String, Value>,
}

/// What became of a record, as the worker writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordOutcome {
    pub status: RecordStatus,
    pub action: Option<String>,
    pub user_id: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub log_id: Option<String>,
}

/// What became of a request [`InboundRequests::accept`] was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Stored under this id, to be processed.
    Queued(String),
    /// Not stored: the job already has as many requests waiting as its
    /// queue holds.
    QueueFull,
}

const RECORD_COLUMNS: &str =
    "idx, bulk_id, external_id, status, action, user_id, error_code, error, log_id, processed_at";

impl InboundRequests {
    /// Stores a checked request and its records, unless the job already has
    /// `queue` requests waiting to be processed.
    pub(crate) async fn accept(
        &self,
        job_id: &str,
        token_id: Option<&str>,
        operations: &[Operation],
        queue: QueueLimit,
        now: DateTime<Utc>,
    ) -> Result<Stored, ServerError> {
        let id = uuid::Uuid::new_v4().to_string();
        let backend = self.store.backend();
        // The 202 promises the records are kept: this commit is on disk.
        self.store
            .durably(async |connection| {
                let mut tx = sqlx::Connection::begin(connection).await?;
                // The job's request number first: a write, so that on SQLite the
                // transaction holds the write lock from the start (instead of
                // failing when a read would have to become a write), and a row
                // lock on PostgreSQL, so uploads to one job from any instance
                // take their numbers, and count the queue, one at a time.
                let seq: i64 = sqlx::query_scalar(
                    "INSERT INTO inbound_request_counters (job_id, last_seq) VALUES ($1, 1) \
                     ON CONFLICT (job_id) DO UPDATE SET last_seq = inbound_request_counters.last_seq + 1 \
                     RETURNING last_seq",
                )
                .bind(job_id)
                .fetch_one(&mut *tx)
                .await?;
                let inserted = sqlx::query(
                    "INSERT INTO inbound_requests (id, job_id, seq, token_id, received_at, finished_at, operations) \
             SELECT $1, $2, $7, $3, $4, NULL, $5 \
             WHERE (SELECT COUNT(*) FROM inbound_requests WHERE job_id = $2 AND finished_at IS NULL) < $6",
                )
                .bind(&id)
                .bind(job_id)
                .bind(token_id)
                .bind(timestamp(now))
                .bind(count(operations.len()))
                .bind(i64::from(queue.0))
                .bind(seq)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Ok(Stored::QueueFull);
                }
                for (index, operation) in operations.iter().enumerate() {
                    let data =
                        serde_json::to_string(&operation.data).map_err(|e| ServerError::Corrupt(e.to_string()))?;
                    sqlx::query(
                        "INSERT INTO inbound_records (request_id, idx, job_id, bulk_id, external_id, data, status) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
                    )
                    .bind(&id)
                    .bind(count(index))
                    .bind(job_id)
                    .bind(&operation.bulk_id)
                    .bind(&operation.external_id)
                    .bind(data)
                    .execute(&mut *tx)
                    .await?;
                }
                // The instance running the job may be another one.
                crate::store::notify_in(&mut tx, backend, crate::store::notify::UPLOADS_CHANNEL, job_id).await?;
                tx.commit().await?;
                Ok(Stored::Queued(id))
            })
            .await
    }

    /// The job's oldest request with records still to process.
    pub async fn next_open(&self, job_id: &str) -> Result<Option<String>, ServerError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM inbound_requests WHERE job_id = $1 AND finished_at IS NULL ORDER BY seq, id LIMIT 1",
        )
        .bind(job_id)
        .fetch_optional(self.store.pool())
        .await?)
    }

    /// A request's records still to process, in order.
    pub async fn pending_records(&self, request_id: &str) -> Result<Vec<PendingRecord>, ServerError> {
        let rows = sqlx::query(
            "SELECT idx, bulk_id, external_id, data FROM inbound_records \
             WHERE request_id = $1 AND status = 'pending' ORDER BY idx",
        )
        .bind(request_id)
        .fetch_all(self.store.pool())
        .await?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data")?;
                let data = serde_json::from_str(&data)
                    .map_err(|e| ServerError::Corrupt(format!("inbound record of {request_id}: {e}")))?;
                Ok(PendingRecord {
                    request_id: request_id.to_owned(),
                    index: index(row.try_get("idx")?),
                    bulk_id: row.try_get::<Option<String>, _>("bulk_id")?.unwrap_or_default(),
                    external_id: row.try_get::<Option<String>, _>("external_id")?.unwrap_or_default(),
                    data,
                })
            })
            .collect()
    }

    /// Writes records' outcomes (once: a record already done stays as it
    /// was) and clears their payloads, in the caller's transaction (with
    /// their log entries): the HR data is not kept once processed. A failed
    /// record is not processed again (it is sent again), so nothing needs
    /// the payload any more; a record the worker did not get to stays
    /// pending with it.
    pub(crate) async fn records_done_in(
        connection: &mut sqlx::AnyConnection,
        done: &[(&PendingRecord, RecordOutcome)],
        now: DateTime<Utc>,
    ) -> Result<(), ServerError> {
        let at = timestamp(now);
        for chunk in done.chunks(OUTCOMES_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let first = i * OUTCOME_COLUMNS + 2;
                    let params: Vec<String> = (first..first + OUTCOME_COLUMNS).map(|n| format!("${n}")).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            // One statement for many records: VALUES columns are named
            // column1, column2, … on SQLite and PostgreSQL alike.
            let sql = format!(
                "UPDATE inbound_records SET status = v.column3, action = v.column4, user_id = v.column5, \
                 error_code = v.column6, error = v.column7, log_id = v.column8, processed_at = $1, data = NULL \
                 FROM (VALUES {}) AS v \
                 WHERE inbound_records.request_id = v.column1 AND inbound_records.idx = v.column2 \
                 AND inbound_records.status = 'pending'",
                rows.join(", ")
            );
            let query = chunk.iter().fold(
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at.clone()),
                |query, (record, outcome)| {
                    query
                        .bind(record.request_id.clone())
                        .bind(count(record.index))
                        .bind(status_name(outcome.status))
                        .bind(outcome.action.clone())
                        .bind(outcome.user_id.clone())
                        .bind(outcome.error_code.clone())
                        .bind(outcome.error.clone())
                        .bind(outcome.log_id.clone())
                },
            );
            query.execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// Marks the request finished once no record of it is pending.
    pub async fn finish_if_done(&self, request_id: &str, now: DateTime<Utc>) -> Result<(), ServerError> {
        sqlx::query(
            "UPDATE inbound_requests SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL AND NOT EXISTS \
             (SELECT 1 FROM inbound_records WHERE request_id = $2 AND status = 'pending')",
        )
        .bind(timestamp(now))
        .bind(request_id)
        .execute(self.store.writer())
        .await?;
        Ok(())
    }

    /// Deletes the requests processed before `cutoff` with their records;
    /// returns how many requests went. Requests with records still to
    /// process are kept however old they are.
    pub async fn prune(&self, cutoff: DateTime<Utc>) -> Result<u64, ServerError> {
        let cutoff = timestamp(cutoff);
        let mut tx = self.store.writer().begin().await?;
        sqlx::query(
            "DELETE FROM inbound_records WHERE request_id IN \
             (SELECT id FROM inbound_requests WHERE finished_at < $1)",
        )
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query("DELETE FROM inbound_requests WHERE finished_at < $1")
            .bind(&cutoff)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted.rows_affected())
    }

    /// One request of the job with every record's outcome.
    pub async fn status(&self, job_id: &str, request_id: &str) -> Result<Option<RequestStatus>, ServerError> {
        let Some(summary) = self.summary(job_id, request_id).await? else {
            return Ok(None);
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM inbound_records WHERE request_id = $1 ORDER BY idx"
        )))
        .bind(request_id)
        .fetch_all(self.store.pool())
        .await?;
        let records = rows.iter().map(record_result).collect::<Result<_, _>>()?;
        Ok(Some(RequestStatus { summary, records }))
    }

    /// The job's latest requests, newest first: one query, however many.
    pub async fn recent(&self, job_id: &str, limit: usize) -> Result<Vec<RequestSummary>, ServerError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY} WHERE r.job_id = $1 ORDER BY r.seq DESC, r.id DESC LIMIT $2"
        )))
        .bind(job_id)
        .bind(count(limit))
        .fetch_all(self.store.pool())
        .await?;
        rows.iter().map(summary).collect()
    }

    async fn summary(&self, job_id: &str, request_id: &str) -> Result<Option<RequestSummary>, ServerError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SUMMARY} WHERE r.id = $1 AND r.job_id = $2"
        )))
        .bind(request_id)
        .bind(job_id)
        .fetch_optional(self.store.pool())
        .await?;
        row.as_ref().map(summary).transpose()
    }
}

/// A request with its records counted by status (each count read from the
/// `(request_id, status)` index).
const SUMMARY: &str = "SELECT r.id, r.job_id, r.received_at, r.finished_at, r.operations, \
     (SELECT COUNT(*) FROM inbound_records c WHERE c.request_id = r.id AND c.status = 'pending') AS pending, \
     (SELECT COUNT(*) FROM inbound_records c WHERE c.request_id = r.id AND c.status = 'success') AS succeeded, \
     (SELECT COUNT(*) FROM inbound_records c WHERE c.request_id = r.id AND c.status = 'failure') AS failed, \
     (SELECT COUNT(*) FROM inbound_records c WHERE c.request_id = r.id AND c.status = 'skipped') AS skipped \
     FROM inbound_requests r";

fn summary(row: &AnyRow) -> Result<RequestSummary, ServerError> {
    let counted = |column: &str| row.try_get::<i64, _>(column).map(index);
    let mut summary = RequestSummary {
        id: row.try_get("id")?,
        job_id: row.try_get("job_id")?,
        received_at: row.try_get("received_at")?,
        finished_at: row.try_get("finished_at")?,
        state: RequestState::Pending,
        operations: index(row.try_get("operations")?),
        pending: counted("pending")?,
        succeeded: counted("succeeded")?,
        failed: counted("failed")?,
        skipped: counted("skipped")?,
    };
    // Done once finished, not once no record is pending: the managers its
    // records name are resolved after their outcomes are stored.
    summary.state = match (summary.finished_at.is_some(), summary.pending, summary.operations) {
        (true, _, _) => RequestState::Done,
        (false, pending, operations) if pending == operations && pending > 0 => RequestState::Pending,
        _ => RequestState::Processing,
    };
    Ok(summary)
}

/// Deletes a job's requests and records (with the job, in its transaction).
pub(crate) fn purge<'c>(
    connection: &'c mut AnyConnection,
    job_id: &'c str,
) -> futures_util::future::BoxFuture<'c, Result<(), ServerError>> {
    Box::pin(purge_job(connection, job_id))
}

/// Deletes the job's requests and records.
pub(crate) async fn purge_job(connection: &mut AnyConnection, job_id: &str) -> Result<(), ServerError> {
    for table in ["inbound_records", "inbound_requests", "inbound_request_counters"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE job_id = $1")))
            .bind(job_id)
            .execute(&mut *connection)
            .await?;
    }
    super::rate::purge_job(connection, job_id).await
}

fn record_result(row: &AnyRow) -> Result<RecordResult, ServerError> {
    Ok(RecordResult {
        index: index(row.try_get("idx")?),
        bulk_id: row.try_get("bulk_id")?,
        external_id: row.try_get("external_id")?,
        status: parse_status(&row.try_get::<String, _>("status")?)?,
        action: row.try_get("action")?,
        user_id: row.try_get("user_id")?,
        error_code: row.try_get("error_code")?,
        error: row.try_get("error")?,
        log_id: row.try_get("log_id")?,
        processed_at: row.try_get("processed_at")?,
    })
}

fn status_name(status: RecordStatus) -> &'static str {
    match status {
        RecordStatus::Pending => "pending",
        RecordStatus::Success => "success",
        RecordStatus::Failure => "failure",
        RecordStatus::Skipped => "skipped",
    }
}

fn parse_status(text: &str) -> Result<RecordStatus, ServerError> {
    Ok(match text {
        "pending" => RecordStatus::Pending,
        "success" => RecordStatus::Success,
        "failure" => RecordStatus::Failure,
        "skipped" => RecordStatus::Skipped,
        other => return Err(ServerError::Corrupt(format!("inbound record status `{other}`"))),
    })
}

/// The values [`InboundRequests::records_done_in`] binds per record.
const OUTCOME_COLUMNS: usize = 8;
/// Records per statement.
const OUTCOMES_PER_STATEMENT: usize = crate::store::rows_per_statement(OUTCOME_COLUMNS);

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn index(n: i64) -> usize {
    usize::try_from(n).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use serde_json::json;

    use super::*;

    async fn record_done(
        requests: &InboundRequests,
        record: &PendingRecord,
        outcome: &RecordOutcome,
        now: DateTime<Utc>,
    ) {
        let mut tx = requests.store.writer().begin().await.unwrap();
        InboundRequests::records_done_in(&mut tx, &[(record, outcome.clone())], now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }

    async fn store() -> Store {
        Store::open("sqlite::memory:").await.unwrap()
    }

    fn operations(ids: &[&str]) -> Vec<Operation> {
        ids.iter()
            .map(|id| Operation {
                bulk_id: format!("b{id}"),
                external_id: (*id).to_owned(),
                data: json!({"externalId": id, "userName": format!("{id}@contoso.com"), "title": "Engineer"})
                    .as_object()
                    .unwrap()
                    .clone(),
            })
            .collect()
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_790_000_000, 0).unwrap() + TimeDelta::minutes(minutes)
    }

    async fn queued(requests: &InboundRequests, job: &str, ids: &[&str], limit: u32, now: DateTime<Utc>) -> String {
        match requests
            .accept(job, None, &operations(ids), QueueLimit(limit), now)
            .await
            .unwrap()
        {
            Stored::Queued(id) => id,
            Stored::QueueFull => panic!("the queue of {job} is full"),
        }
    }

    fn success() -> RecordOutcome {
        RecordOutcome {
            status: RecordStatus::Success,
            action: Some("create".into()),
            user_id: Some("u-1".into()),
            error_code: None,
            error: None,
            log_id: Some("l-1".into()),
        }
    }

    /// Processes every pending record of the request with `outcome`.
    async fn process(requests: &InboundRequests, id: &str, outcome: &RecordOutcome, now: DateTime<Utc>) {
        for record in requests.pending_records(id).await.unwrap() {
            record_done(requests, &record, outcome, now).await;
        }
        requests.finish_if_done(id, now).await.unwrap();
    }

    async fn payloads(store: &Store, id: &str) -> Vec<Option<String>> {
        sqlx::query_scalar("SELECT data FROM inbound_records WHERE request_id = $1 ORDER BY idx")
            .bind(id)
            .fetch_all(store.pool())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_record_keeps_its_payload_only_until_processed() {
        let store = store().await;
        let requests = store.inbound();
        let id = queued(&requests, "hr", &["E1", "E2"], 10, at(0)).await;
        assert!(
            payloads(&store, &id)
                .await
                .iter()
                .all(|d| d.as_deref().is_some_and(|d| d.contains("Engineer")))
        );
        let pending = requests.pending_records(&id).await.unwrap();
        let failure = RecordOutcome {
            status: RecordStatus::Failure,
            error_code: Some("InvalidRecord".into()),
            error: Some("no userName".into()),
            ..success()
        };
        record_done(&requests, &pending[0], &failure, at(1)).await;
        let left = payloads(&store, &id).await;
        assert_eq!(
            left[0], None,
            "a failed record is not processed again: its payload goes"
        );
        assert!(left[1].is_some(), "a record still to process keeps what it needs");
        assert_eq!(requests.pending_records(&id).await.unwrap(), pending[1..]);

        record_done(&requests, &pending[1], &success(), at(1)).await;
        requests.finish_if_done(&id, at(1)).await.unwrap();
        assert_eq!(payloads(&store, &id).await, [None, None]);
        let status = requests.status("hr", &id).await.unwrap().unwrap();
        let shown: Vec<_> = status
            .records
            .iter()
            .map(|r| {
                (
                    r.bulk_id.as_deref(),
                    r.external_id.as_deref(),
                    r.status,
                    r.user_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                (Some("bE1"), Some("E1"), RecordStatus::Failure, Some("u-1")),
                (Some("bE2"), Some("E2"), RecordStatus::Success, Some("u-1")),
            ]
        );
        assert_eq!(status.records[0].error.as_deref(), Some("no userName"));
    }

    #[tokio::test]
    async fn a_request_is_done_once_finished_not_once_its_records_are_stored() {
        let store = store().await;
        let requests = store.inbound();
        let id = queued(&requests, "hr", &["E1"], 10, at(0)).await;
        let state = async || requests.status("hr", &id).await.unwrap().unwrap().summary.state;
        assert_eq!(state().await, RequestState::Pending);
        for record in requests.pending_records(&id).await.unwrap() {
            record_done(&requests, &record, &success(), at(1)).await;
        }
        assert_eq!(
            state().await,
            RequestState::Processing,
            "the managers its records name are still to be resolved"
        );
        requests.finish_if_done(&id, at(1)).await.unwrap();
        assert_eq!(state().await, RequestState::Done);
    }

    #[tokio::test]
    async fn a_full_queue_stores_nothing_until_a_request_is_processed() {
        let store = store().await;
        let requests = store.inbound();
        let first = queued(&requests, "hr", &["E1"], 2, at(0)).await;
        queued(&requests, "hr", &["E2"], 2, at(0)).await;
        let full = requests
            .accept("hr", None, &operations(&["E3"]), QueueLimit(2), at(0))
            .await
            .unwrap();
        assert_eq!(full, Stored::QueueFull);
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_records WHERE external_id = 'E3'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(stored, 0);
        queued(&requests, "payroll", &["E3"], 2, at(0)).await;

        process(&requests, &first, &success(), at(1)).await;
        queued(&requests, "hr", &["E3"], 2, at(2)).await;
        assert_eq!(requests.recent("hr", 10).await.unwrap().len(), 3);
    }

    #[tokio::test]
    async fn pruning_deletes_processed_requests_before_the_cutoff_and_nothing_waiting() {
        let store = store().await;
        let requests = store.inbound();
        let old = queued(&requests, "hr", &["E1", "E2"], 10, at(0)).await;
        process(&requests, &old, &success(), at(10)).await;
        let newer = queued(&requests, "hr", &["E3"], 10, at(20)).await;
        process(&requests, &newer, &success(), at(30)).await;
        let waiting = queued(&requests, "hr", &["E4"], 10, at(0)).await;

        assert_eq!(requests.prune(at(10)).await.unwrap(), 0, "finished at the cutoff: kept");
        assert_eq!(requests.prune(at(11)).await.unwrap(), 1);
        assert_eq!(requests.status("hr", &old).await.unwrap(), None);
        let records: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbound_records WHERE request_id = $1")
            .bind(&old)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(records, 0);
        assert!(requests.status("hr", &newer).await.unwrap().is_some());

        assert_eq!(requests.prune(at(1_000_000)).await.unwrap(), 1);
        let status = requests.status("hr", &waiting).await.unwrap().unwrap();
        assert_eq!(
            status.summary.state,
            RequestState::Pending,
            "unprocessed requests are never pruned"
        );
        assert_eq!(requests.pending_records(&waiting).await.unwrap().len(), 1);
    }
}
