//! How long processed inbound requests are kept (30 days by default, like
//! the provisioning logs; `provisio serve --inbound-retention-days`), and
//! the task that deletes older ones with their records once an hour.
//! Requests with records still to process are never deleted.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::requests::InboundRequests;

/// How often the server deletes requests past their retention.
const EVERY: Duration = Duration::from_secs(3600);
const FIRST_AFTER: Duration = Duration::from_secs(5);

/// How long a request is kept after its last record was processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundRetention(pub TimeDelta);

impl InboundRetention {
    /// 30 days.
    pub const DEFAULT: InboundRetention = InboundRetention(TimeDelta::days(30));

    /// Kept for `days` days (at least one).
    pub fn days(days: u32) -> InboundRetention {
        InboundRetention(TimeDelta::days(i64::from(days.max(1))))
    }

    /// Requests finished before this, at `now`, are past their retention.
    pub fn cutoff(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now - self.0
    }
}

impl Default for InboundRetention {
    fn default() -> Self {
        InboundRetention::DEFAULT
    }
}

impl InboundRequests {
    /// Deletes the requests past `retention` (see [`InboundRequests::prune`])
    /// as of `now`; one round of `InboundRequests::prune_forever`.
    pub async fn prune_expired(
        &self,
        retention: InboundRetention,
        now: DateTime<Utc>,
    ) -> Result<u64, crate::ServerError> {
        self.prune(retention.cutoff(now)).await
    }

    /// Deletes, once an hour for as long as the task runs, the processed
    /// requests past `retention`. Failures are logged and retried on the
    /// next round.
    pub(crate) async fn prune_forever(self, retention: InboundRetention) {
        // The first round waits a little so that start-up has the database to itself.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
        loop {
            ticks.tick().await;
            match self.prune_expired(retention, Utc::now()).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(
                    pruned,
                    days = retention.0.num_days(),
                    "deleted processed inbound requests past their retention"
                ),
                Err(e) => tracing::warn!(error = %e, "could not delete old inbound requests; retrying in an hour"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_defaults_to_thirty_days_and_is_at_least_one() {
        assert_eq!(InboundRetention::default().0.num_days(), 30);
        assert_eq!(InboundRetention::days(7).0.num_days(), 7);
        assert_eq!(InboundRetention::days(0).0.num_days(), 1);
        let now = DateTime::<Utc>::from_timestamp(1_000_000_000, 0).unwrap();
        assert_eq!(InboundRetention::days(2).cutoff(now), now - TimeDelta::days(2));
    }
}
