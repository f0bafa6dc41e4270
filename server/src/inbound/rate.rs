//! The per-job rate limit of bulk uploads: a token bucket per job holding
//! one second's worth of requests, refilled continuously, so a job accepts
//! `requests_per_second` on average and that many in a burst. The bucket is
//! a row in the database, counted by the database's clock, so every
//! instance sharing it takes from the same bucket: the limit holds for the
//! deployment, however uploads are spread over its instances.

use std::time::Duration;

use sqlx::AssertSqlSafe;

use crate::ServerError;
use crate::store::{Store, database_now_ms};

/// The jobs' upload buckets.
#[derive(Debug, Clone)]
pub(crate) struct RateLimiter {
    store: Store,
}

impl RateLimiter {
    pub(crate) fn new(store: &Store) -> RateLimiter {
        RateLimiter { store: store.clone() }
    }

    /// Takes one request from the job's bucket, or says how long until one
    /// is there.
    pub(crate) async fn take(&self, job_id: &str, per_second: u32) -> Result<Result<(), Duration>, ServerError> {
        let rate = f64::from(per_second.max(1));
        let now = database_now_ms(self.store.backend());
        // The bucket refilled since it was last counted, at most full.
        let refilled = format!(
            "CASE WHEN inbound_rate_buckets.tokens + ({now} - inbound_rate_buckets.at_ms) * $2 / 1000.0 > $2 \
             THEN $2 ELSE inbound_rate_buckets.tokens + ({now} - inbound_rate_buckets.at_ms) * $2 / 1000.0 END"
        );
        let sql = format!(
            "INSERT INTO inbound_rate_buckets (job_id, tokens, at_ms) VALUES ($1, $2 - 1, {now}) \
             ON CONFLICT (job_id) DO UPDATE SET tokens = {refilled} - 1, at_ms = {now} \
             WHERE {refilled} >= 1 RETURNING tokens"
        );
        let taken: Option<f64> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(job_id)
            .bind(rate)
            .fetch_optional(self.store.writer())
            .await?;
        if taken.is_some() {
            return Ok(Ok(()));
        }
        let sql = format!("SELECT tokens + ({now} - at_ms) * $2 / 1000.0 FROM inbound_rate_buckets WHERE job_id = $1");
        let tokens: f64 = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(job_id)
            .bind(rate)
            .fetch_optional(self.store.pool())
            .await?
            .unwrap_or(0.0);
        Ok(Err(Duration::from_secs_f64(((1.0 - tokens) / rate).clamp(0.001, 1.0))))
    }
}

/// Deletes a job's bucket (with the job, in its transaction).
pub(crate) async fn purge_job(connection: &mut sqlx::AnyConnection, job_id: &str) -> Result<(), ServerError> {
    sqlx::query("DELETE FROM inbound_rate_buckets WHERE job_id = $1")
        .bind(job_id)
        .execute(connection)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_one_second_then_the_rate_shared_by_every_limiter_on_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        // Two limiters on one database, as two instances would have.
        let (a, b) = (RateLimiter::new(&store), RateLimiter::new(&store));
        for limiter in [&a, &b, &a, &b] {
            assert!(limiter.take("hr", 4).await.unwrap().is_ok());
        }
        let wait = b.take("hr", 4).await.unwrap().unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_millis(250), "{wait:?}");
        assert!(a.take("payroll", 4).await.unwrap().is_ok(), "jobs count apart");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(a.take("hr", 4).await.unwrap().is_ok(), "refilled at the rate");
        assert!(b.take("hr", 4).await.unwrap().is_err());
    }
}
