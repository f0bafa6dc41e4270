//! Every job's figures for the per-job Prometheus metrics, read from the
//! database at each scrape (so every instance reports the same): log
//! entries by action and status, cycle durations, objects in escrow, staged
//! deletes, quarantine, the last successful cycle, and the records of the
//! inbound requests kept, by status.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row as _;

use super::state::StateError;
use super::state::durations::{self, Durations};
use crate::store::Store;

/// One job's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFigures {
    pub id: String,
    pub name: String,
    /// Log entries by (action, status).
    pub actions: BTreeMap<(String, String), u64>,
    pub durations: Durations,
    pub escrowed: u64,
    pub staged_deletes: u64,
    /// `quarantined` or `disabled` (after 28 days in quarantine), else `None`.
    pub quarantine: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Records of kept inbound requests, by status (inbound jobs).
    pub inbound_records: BTreeMap<String, u64>,
}

/// Every job's figures, by name.
pub async fn read(store: &Store) -> Result<Vec<JobFigures>, StateError> {
    let mut jobs: BTreeMap<String, JobFigures> = BTreeMap::new();
    for row in sqlx::query("SELECT id, name FROM jobs").fetch_all(store.pool()).await? {
        let id: String = row.try_get("id")?;
        let name: String = row.try_get("name")?;
        jobs.insert(
            id.clone(),
            JobFigures {
                id,
                name,
                ..JobFigures::default()
            },
        );
    }
    for count in store.logs().action_counts().await? {
        if let Some(job) = jobs.get_mut(&count.job_id) {
            job.actions.insert((count.action, count.status), count.count);
        }
    }
    for (id, durations) in durations::all(store).await? {
        if let Some(job) = jobs.get_mut(&id) {
            job.durations = durations;
        }
    }
    for (table, set) in [
        ("cycle_escrows", (|job, n| job.escrowed = n) as fn(&mut JobFigures, u64)),
        ("cycle_staged_deletes", |job, n| job.staged_deletes = n),
    ] {
        let sql = format!("SELECT job_id, COUNT(*) AS n FROM {table} GROUP BY job_id");
        for row in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(store.pool()).await? {
            let id: String = row.try_get("job_id")?;
            if let Some(job) = jobs.get_mut(&id) {
                set(job, u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default());
            }
        }
    }
    for row in sqlx::query("SELECT job_id, status, last_success_at FROM cycle_status")
        .fetch_all(store.pool())
        .await?
    {
        let id: String = row.try_get("job_id")?;
        if let Some(job) = jobs.get_mut(&id) {
            let status: String = row.try_get("status")?;
            job.quarantine = matches!(status.as_str(), "quarantined" | "disabled").then_some(status);
            job.last_success_at = row
                .try_get::<Option<String>, _>("last_success_at")?
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc));
        }
    }
    for row in sqlx::query("SELECT job_id, status, COUNT(*) AS n FROM inbound_records GROUP BY job_id, status")
        .fetch_all(store.pool())
        .await?
    {
        let id: String = row.try_get("job_id")?;
        if let Some(job) = jobs.get_mut(&id) {
            let n = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or_default();
            job.inbound_records.insert(row.try_get("status")?, n);
        }
    }
    let mut figures: Vec<JobFigures> = jobs.into_values().collect();
    figures.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(figures)
}
