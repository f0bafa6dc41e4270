//! Soft-deleted users are purged for good 30 days after their deletion, as
//! Entra does; until then an administrator can restore them.

use std::time::Duration;

use chrono::Utc;

use super::Directory;

/// How long a deleted user stays restorable.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(30);
/// How often the server looks for users past their retention.
const EVERY: Duration = Duration::from_secs(3600);
const FIRST_AFTER: Duration = Duration::from_secs(2);

impl Directory {
    /// Purges, once an hour for as long as the task runs, the users deleted
    /// more than [`RETENTION`] ago. Failures are logged and retried on the
    /// next round.
    pub(crate) async fn purge_expired_forever(self) {
        // The first round waits a little so that start-up (and a command
        // such as `provisio token create` run right after it) has the
        // database to itself.
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
        loop {
            ticks.tick().await;
            let cutoff = super::timestamp(Utc::now() - RETENTION);
            match self.purge_deleted_users(&cutoff).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged users deleted more than 30 days ago"),
                Err(e) => tracing::warn!(error = %e, "could not purge expired deleted users; retrying in an hour"),
            }
        }
    }
}
