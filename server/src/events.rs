//! What running work waits for, owned by the server (not by the store):
//! the directory's latest change (realtime jobs run within half a second of
//! it), inbound uploads stored (the job's worker wakes) and agent
//! operations forwarded between instances. Directory changes are followed
//! in the database itself ([`follow_directory`]), so a write from any
//! process — this server, another instance on the same database, a
//! command-line import — reaches the waiting jobs alike. On PostgreSQL,
//! every instance also listens for the announcements writers make at
//! their commit ([`listen_forever`], `LISTEN`/`NOTIFY`), so it hears of
//! other instances' writes, uploads and forwarded operations at once; the
//! polling stays as the fallback (slower there: [`FOLLOW_EVERY_LISTENING`]).
//! Uploads stored here are also announced by the handler that stored them.
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

use crate::store::{Backend, Store, notify};

/// How often the directory's latest change is read from the database.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(50);
/// The same, on PostgreSQL, where notifications bring changes at once and
/// the reading is only the fallback for one lost with a connection.
pub const FOLLOW_EVERY_LISTENING: Duration = Duration::from_millis(500);
/// How long the listener waits before connecting again after an error.
const LISTEN_AGAIN_AFTER: Duration = Duration::from_secs(1);

/// The server's announcements. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Events {
    changes: Arc<watch::Sender<i64>>,
    uploads: Arc<watch::Sender<u64>>,
    relay: Arc<watch::Sender<u64>>,
}

impl Events {
    /// Announcements starting from the directory's `latest_change`.
    pub fn new(latest_change: i64) -> Events {
        Events {
            changes: Arc::new(watch::Sender::new(latest_change)),
            uploads: Arc::new(watch::Sender::new(0)),
            relay: Arc::new(watch::Sender::new(0)),
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

    /// Another instance forwarded an agent operation, or answered one.
    pub fn relay_moved(&self) {
        self.relay.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sees agent operations move between instances.
    pub fn relay(&self) -> watch::Receiver<u64> {
        self.relay.subscribe()
    }
}

/// Listens for the other instances' announcements on a PostgreSQL
/// database (`database_url`), passing each on to `events`, until the task
/// is aborted; reconnects after a lost connection (the polling covers what
/// was announced meanwhile). Returns at once for SQLite.
pub async fn listen_forever(database_url: String, events: Events) {
    if !database_url.starts_with("postgres") {
        return;
    }
    let channels = [
        notify::DIRECTORY_CHANNEL,
        notify::UPLOADS_CHANNEL,
        notify::RELAY_CHANNEL,
    ];
    loop {
        let listening = async {
            let mut listener = sqlx::postgres::PgListener::connect(&database_url).await?;
            listener.listen_all(channels).await?;
            loop {
                let notification = listener.recv().await?;
                match notification.channel() {
                    notify::DIRECTORY_CHANNEL => {
                        if let Ok(seq) = notification.payload().parse() {
                            events.directory_changed(seq);
                        }
                    }
                    notify::UPLOADS_CHANNEL => events.upload_stored(),
                    _ => events.relay_moved(),
                }
            }
        };
        let result: Result<(), sqlx::Error> = listening.await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "not listening for other instances' announcements; polling meanwhile");
        }
        tokio::time::sleep(LISTEN_AGAIN_AFTER).await;
    }
}

/// How often [`follow_directory`] reads the latest change on `backend`.
pub fn follow_every(backend: Backend) -> Duration {
    match backend {
        Backend::Postgres => FOLLOW_EVERY_LISTENING,
        Backend::Sqlite => FOLLOW_EVERY,
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
