//! How long processed inbound requests are kept (30 days by default, like
//! the provisioning logs; `provisio serve --inbound-retention-days`), and
//! the round that deletes older ones with their records, run hourly by
//! the server's `maintenance` module. Requests with records still to process are never
//! deleted.

use chrono::{DateTime, TimeDelta, Utc};

use super::requests::InboundRequests;

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
    /// as of `now`.
    pub async fn prune_expired(
        &self,
        retention: InboundRetention,
        now: DateTime<Utc>,
    ) -> Result<u64, crate::ServerError> {
        self.prune(retention.cutoff(now)).await
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
