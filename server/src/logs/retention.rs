//! How long provisioning log entries are kept (30 days by default, as
//! Entra keeps them), and the task that prunes older ones once an hour.

use std::time::Duration;

use chrono::{TimeDelta, Utc};

use super::Logs;

/// How often the server prunes entries past their retention.
const EVERY: Duration = Duration::from_secs(3600);
const FIRST_AFTER: Duration = Duration::from_secs(5);

/// How long entries are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogRetention(pub TimeDelta);

impl LogRetention {
    /// 30 days.
    pub const DEFAULT: LogRetention = LogRetention(TimeDelta::days(30));

    /// Kept for `days` days (at least one).
    pub fn days(days: u32) -> LogRetention {
        LogRetention(TimeDelta::days(i64::from(days.max(1))))
    }
}

impl Default for LogRetention {
    fn default() -> Self {
        LogRetention::DEFAULT
    }
}

impl Logs {
    /// Deletes, once an hour for as long as the task runs, the entries
    /// older than `retention`. Failures are logged and retried on the
    /// next round.
    pub(crate) async fn prune_forever(self, retention: TimeDelta) {
        // The first round waits a little so that start-up has the database to itself.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
        loop {
            ticks.tick().await;
            match self.prune(Utc::now() - retention).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(
                    pruned,
                    days = retention.num_days(),
                    "pruned old provisioning log entries"
                ),
                Err(e) => tracing::warn!(error = %e, "could not prune provisioning log entries; retrying in an hour"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_defaults_to_thirty_days() {
        assert_eq!(LogRetention::default().0.num_days(), 30);
        assert_eq!(LogRetention::days(7).0.num_days(), 7);
        assert_eq!(LogRetention::days(0).0.num_days(), 1);
    }
}
