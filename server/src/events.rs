//! What running work waits for, owned by the server (not by the store):
//! the directory's latest change (realtime jobs run within half a second of
//! it) and inbound uploads stored (the job's worker wakes). Directory
//! changes are followed in the database itself ([`follow_directory`]), so
//! a write from any process — this server, another instance on the same
//! database, a command-line import — reaches the waiting jobs alike;
//! uploads are announced by the handler that stored them.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::events::Events;
//!
//! let events = Events::new(0);
//! let mut uploads = events.uploads();
//! events.upload_stored();
//! uploads.changed().await?;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::store::Store;

/// How often the directory's latest change is read from the database.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(50);

/// The server's announcements. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Events {
    changes: Arc<watch::Sender<i64>>,
    uploads: Arc<watch::Sender<u64>>,
}

impl Events {
    /// Announcements starting from the directory's `latest_change`.
    pub fn new(latest_change: i64) -> Events {
        Events {
            changes: Arc::new(watch::Sender::new(latest_change)),
            uploads: Arc::new(watch::Sender::new(0)),
        }
    }

    /// The directory committed up to `seq` (ignored unless newer).
    pub fn directory_changed(&self, seq: i64) {
        self.changes.send_if_modified(|latest| {
            let newer = seq > *latest;
            if newer {
                *latest = seq;
            }
            newer
        });
    }

    /// Sees the directory's latest change move.
    pub fn changes(&self) -> watch::Receiver<i64> {
        self.changes.subscribe()
    }

    /// An inbound request was stored.
    pub fn upload_stored(&self) {
        self.uploads.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sees inbound requests arrive.
    pub fn uploads(&self) -> watch::Receiver<u64> {
        self.uploads.subscribe()
    }
}

/// Follows the directory's latest change in the database, every `every`,
/// announcing each move; runs until its task is aborted. A failed read is
/// logged and tried again.
pub async fn follow_directory(store: Store, events: Events, every: Duration) {
    let directory = store.directory();
    loop {
        match directory.latest_change().await {
            Ok(seq) => events.directory_changed(seq),
            Err(e) => tracing::warn!(error = %e, "could not read the directory's latest change"),
        }
        tokio::time::sleep(every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_change_only_moves_forward() {
        let events = Events::new(5);
        let changes = events.changes();
        events.directory_changed(4);
        assert!(!changes.has_changed().unwrap());
        events.directory_changed(7);
        assert!(changes.has_changed().unwrap());
        assert_eq!(*changes.borrow(), 7);
    }
}
