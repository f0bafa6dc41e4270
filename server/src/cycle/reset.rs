//! Resetting a job as Entra's restart with a reset scope does, each under
//! the job's lease (so no run is half-way through it) and audited in the
//! same transaction: clear escrows only, release quarantine only, or a full
//! restart that also forgets the links so every object is matched again.

use chrono::Utc;
use provisio_api::jobs::reset::{ResetReport, ResetScope};

use super::lease::JobLease;
use super::run::{CycleError, LEASE_WAIT};
use crate::directory::timestamp;
use crate::jobs::{Jobs, StateChange};
use crate::store::Store;

/// What the full reset forgets besides what a restart does: the links and
/// everything keyed by them.
const LINK_TABLES: [&str; 4] = [
    "cycle_links",
    "cycle_references",
    "cycle_reference_ids",
    "cycle_create_intents",
];

/// Resets the job `id_or_name` (see [`ResetScope`]).
pub async fn reset(store: &Store, jobs: &Jobs, id_or_name: &str, scope: ResetScope) -> Result<ResetReport, CycleError> {
    let job = jobs.get(id_or_name).await?;
    let lease = JobLease::acquire(store, &job.id, "reset", LEASE_WAIT).await?;
    let done = reset_held(store, &job.id, &job.definition.name, scope).await;
    lease.release().await;
    let mut report = done?;
    if scope == ResetScope::Full {
        jobs.change_state(&job.id, StateChange::Restart).await?;
        report.message = format!(
            "{} links forgotten; the job is started and its next cycle is an initial one that matches every object again",
            report.links
        );
    }
    Ok(report)
}

async fn reset_held(store: &Store, job_id: &str, name: &str, scope: ResetScope) -> Result<ResetReport, CycleError> {
    let mut tx = store.writer().begin().await.map_err(crate::ServerError::from)?;
    let count = |sql: &'static str| sqlx::query(sql).bind(job_id);
    let mut report = ResetReport {
        scope,
        escrows: 0,
        released: false,
        links: 0,
        message: String::new(),
    };
    match scope {
        ResetScope::Escrows => {
            let done = sqlx::query(
                "UPDATE cycle_escrows SET attempts = 0, permanent = 0, next_attempt_at = $2 WHERE job_id = $1",
            )
            .bind(job_id)
            .bind(timestamp(Utc::now()))
            .execute(&mut *tx)
            .await
            .map_err(crate::ServerError::from)?;
            report.escrows = done.rows_affected();
            report.message = format!("{} escrowed objects are retried in the next cycle", report.escrows);
        }
        ResetScope::Quarantine => {
            let done = count(
                "UPDATE cycle_status SET quarantine_reason = NULL, quarantined_since = NULL, next_retry_at = NULL, \
                 status = 'idle' WHERE job_id = $1 AND status IN ('quarantined', 'disabled')",
            )
            .execute(&mut *tx)
            .await
            .map_err(crate::ServerError::from)?;
            report.released = done.rows_affected() == 1;
            report.message = if report.released {
                "the quarantine is lifted: the job runs again on its schedule".to_owned()
            } else {
                "the job was not quarantined: nothing changed".to_owned()
            };
        }
        ResetScope::Full => {
            let escrows = count("DELETE FROM cycle_escrows WHERE job_id = $1")
                .execute(&mut *tx)
                .await
                .map_err(crate::ServerError::from)?;
            report.escrows = escrows.rows_affected();
            for table in LINK_TABLES {
                let done = sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE job_id = $1")))
                    .bind(job_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(crate::ServerError::from)?;
                if table == "cycle_links" {
                    report.links = done.rows_affected();
                }
            }
        }
    }
    let event = crate::audit::Event::new("job.reset", "job")
        .target(job_id, Some(name.to_owned()))
        .job(job_id)
        .details(serde_json::json!({
            "scope": scope.as_str(),
            "escrows": report.escrows,
            "released": report.released,
            "links": report.links,
        }));
    crate::audit::record_in(&mut tx, event).await?;
    tx.commit().await.map_err(crate::ServerError::from)?;
    Ok(report)
}
