//! Where bulk requests and their records are kept: stored in one
//! transaction before the 202 is sent, read back in acceptance order by the
//! worker, and each record's outcome written as it is processed, so a
//! restart resumes with the records not yet done and nothing accepted is
//! lost.

use chrono::{DateTime, Utc};
use provisio_api::inbound::{RecordResult, RecordStatus, RequestState, RequestStatus, RequestSummary};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::envelope::Operation;
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

const RECORD_COLUMNS: &str =
    "idx, bulk_id, external_id, status, action, user_id, error_code, error, log_id, processed_at";

impl InboundRequests {
    /// Stores a checked request and its records; returns the request's id.
    pub(crate) async fn accept(
        &self,
        job_id: &str,
        token_id: Option<&str>,
        operations: &[Operation],
        now: DateTime<Utc>,
    ) -> Result<String, ServerError> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.store.pool().begin().await?;
        // A write first, so that on SQLite the transaction holds the write
        // lock from the start and waits for it, instead of failing when a
        // read would have to become a write.
        sqlx::query(
            "INSERT INTO inbound_requests (id, job_id, seq, token_id, received_at, finished_at, operations) \
             SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, NULL, $5 FROM inbound_requests WHERE job_id = $2",
        )
        .bind(&id)
        .bind(job_id)
        .bind(token_id)
        .bind(timestamp(now))
        .bind(count(operations.len()))
        .execute(&mut *tx)
        .await?;
        for (index, operation) in operations.iter().enumerate() {
            let data = serde_json::to_string(&operation.data).map_err(|e| ServerError::Corrupt(e.to_string()))?;
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
        tx.commit().await?;
        Ok(id)
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

    /// Writes a record's outcome (once: a record already done stays as it was).
    pub async fn record_done(
        &self,
        record: &PendingRecord,
        outcome: &RecordOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), ServerError> {
        sqlx::query(
            "UPDATE inbound_records SET status = $1, action = $2, user_id = $3, error_code = $4, error = $5, \
             log_id = $6, processed_at = $7 WHERE request_id = $8 AND idx = $9 AND status = 'pending'",
        )
        .bind(status_name(outcome.status))
        .bind(outcome.action.as_deref())
        .bind(outcome.user_id.as_deref())
        .bind(outcome.error_code.as_deref())
        .bind(outcome.error.as_deref())
        .bind(outcome.log_id.as_deref())
        .bind(timestamp(now))
        .bind(&record.request_id)
        .bind(count(record.index))
        .execute(self.store.pool())
        .await?;
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
        .execute(self.store.pool())
        .await?;
        Ok(())
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

    /// The job's latest requests, newest first.
    pub async fn recent(&self, job_id: &str, limit: usize) -> Result<Vec<RequestSummary>, ServerError> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM inbound_requests WHERE job_id = $1 ORDER BY seq DESC, id DESC LIMIT $2")
                .bind(job_id)
                .bind(count(limit))
                .fetch_all(self.store.pool())
                .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(summary) = self.summary(job_id, &id).await? {
                out.push(summary);
            }
        }
        Ok(out)
    }

    async fn summary(&self, job_id: &str, request_id: &str) -> Result<Option<RequestSummary>, ServerError> {
        let Some(row) = sqlx::query(
            "SELECT id, job_id, received_at, finished_at, operations FROM inbound_requests WHERE id = $1 AND job_id = $2",
        )
        .bind(request_id)
        .bind(job_id)
        .fetch_optional(self.store.pool())
        .await?
        else {
            return Ok(None);
        };
        let counts =
            sqlx::query("SELECT status, COUNT(*) AS n FROM inbound_records WHERE request_id = $1 GROUP BY status")
                .bind(request_id)
                .fetch_all(self.store.pool())
                .await?;
        let mut summary = RequestSummary {
            id: row.try_get("id")?,
            job_id: row.try_get("job_id")?,
            received_at: row.try_get("received_at")?,
            finished_at: row.try_get("finished_at")?,
            state: RequestState::Pending,
            operations: index(row.try_get("operations")?),
            pending: 0,
            succeeded: 0,
            failed: 0,
            skipped: 0,
        };
        for count in &counts {
            let n = index(count.try_get("n")?);
            match parse_status(&count.try_get::<String, _>("status")?)? {
                RecordStatus::Pending => summary.pending = n,
                RecordStatus::Success => summary.succeeded = n,
                RecordStatus::Failure => summary.failed = n,
                RecordStatus::Skipped => summary.skipped = n,
            }
        }
        summary.state = match (summary.pending, summary.operations) {
            (0, _) => RequestState::Done,
            (pending, operations) if pending == operations => RequestState::Pending,
            _ => RequestState::Processing,
        };
        Ok(Some(summary))
    }
}

/// Deletes a job's requests and records (with the job, in its transaction).
pub(crate) async fn purge_job(connection: &mut AnyConnection, job_id: &str) -> Result<(), ServerError> {
    for table in ["inbound_records", "inbound_requests"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE job_id = $1")))
            .bind(job_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
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

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn index(n: i64) -> usize {
    usize::try_from(n).unwrap_or_default()
}
