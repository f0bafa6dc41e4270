//! Soft-deleted users are purged for good 30 days after their deletion, as
//! Entra does; until then an administrator can restore them. The server
//! purges them hourly (the server's `maintenance` module).

use chrono::Utc;

use super::{Directory, DirectoryError};

/// How long a deleted user stays restorable.
pub const RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(30);

impl Directory {
    /// Purges the users deleted more than [`RETENTION`] ago; how many.
    pub(crate) async fn purge_expired(&self) -> Result<usize, DirectoryError> {
        self.purge_deleted_users(&super::timestamp(Utc::now() - RETENTION))
            .await
    }
}
