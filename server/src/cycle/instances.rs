//! The server instances sharing one database: each registers itself when
//! it starts, renews a heartbeat by the database's clock on every pass of
//! its scheduler, and deletes its row when it stops. An instance whose
//! heartbeat is older than a job lease's time to live
//! ([`crate::cycle::lease::TIME_TO_LIVE`]) is gone: its jobs are spread
//! over the live ones ([`crate::cycle::ownership`]). A lone server (SQLite)
//! is simply the only live instance.
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use provisio_server::cycle::instances::Instance;
//! use provisio_server::store::Store;
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let instance = Instance::register(&store, "127.0.0.1:8080").await?;
//! assert_eq!(instance.live().await?, [instance.id().to_owned()]);
//! instance.deregister().await;
//! # Ok(())
//! # }
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use sqlx::AssertSqlSafe;

use crate::ServerError;
use crate::cycle::lease::TIME_TO_LIVE;
use crate::store::{Store, database_now_ms};

/// Heartbeats older than this are deleted with their rows (instances that
/// died long ago), so the table stays as small as the deployment.
const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

/// This server's registration. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Instance {
    store: Store,
    id: String,
    host: String,
    listen: String,
    /// The jobs this instance runs now, as its scheduler last decided.
    held: Arc<Mutex<Vec<String>>>,
    /// How many instances were live at the last look (this one included).
    live_count: Arc<AtomicUsize>,
}

impl Instance {
    /// Registers this server, listening on `listen`, with a fresh id.
    pub async fn register(store: &Store, listen: &str) -> Result<Instance, ServerError> {
        let instance = Instance {
            store: store.clone(),
            id: uuid::Uuid::now_v7().to_string(),
            host: crate::agent::host_name(),
            listen: listen.to_owned(),
            held: Arc::default(),
            live_count: Arc::new(AtomicUsize::new(1)),
        };
        instance.insert().await?;
        tracing::info!(instance = %instance.id, host = %instance.host, "instance registered");
        Ok(instance)
    }

    async fn insert(&self) -> Result<(), ServerError> {
        let now = database_now_ms(self.store.backend());
        let sql = format!(
            "INSERT INTO instances (id, host, listen, version, started_at, heartbeat_ms) \
             VALUES ($1, $2, $3, $4, $5, {now}) ON CONFLICT (id) DO UPDATE SET heartbeat_ms = {now}"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(&self.id)
            .bind(&self.host)
            .bind(&self.listen)
            .bind(provisio_api::VERSION)
            .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// This instance's id (a UUIDv7: instances sort by when they started).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The host this instance runs on.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Renews the heartbeat (registering again if the row was forgotten,
    /// after the database was away for a day) and forgets long-dead
    /// instances.
    pub async fn heartbeat(&self) -> Result<(), ServerError> {
        let now = database_now_ms(self.store.backend());
        let sql = format!("UPDATE instances SET heartbeat_ms = {now} WHERE id = $1");
        let renewed = sqlx::query(AssertSqlSafe(sql))
            .bind(&self.id)
            .execute(self.store.pool())
            .await?;
        if renewed.rows_affected() == 0 {
            self.insert().await?;
        }
        let sql = format!("DELETE FROM instances WHERE heartbeat_ms < {now} - $1");
        sqlx::query(AssertSqlSafe(sql))
            .bind(FORGET_AFTER_MS)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    /// The ids of the live instances (this one included once registered),
    /// sorted.
    pub async fn live(&self) -> Result<Vec<String>, ServerError> {
        let now = database_now_ms(self.store.backend());
        let sql = format!("SELECT id FROM instances WHERE heartbeat_ms >= {now} - $1 ORDER BY id");
        let ttl = i64::try_from(TIME_TO_LIVE.as_millis()).unwrap_or(i64::MAX);
        let live: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(ttl)
            .fetch_all(self.store.pool())
            .await?;
        self.live_count.store(live.len().max(1), Ordering::Relaxed);
        Ok(live)
    }

    /// How many instances were live at the last look ([`Instance::live`]),
    /// kept up to date by the scheduler's passes: what limits counted in
    /// each instance's memory are shared by.
    pub fn live_count(&self) -> Arc<AtomicUsize> {
        self.live_count.clone()
    }

    /// Deletes this instance's row and gives up the jobs it ran, so the
    /// others take them at their next pass instead of after its heartbeat
    /// expired. Errors are logged: the row then expires on its own.
    pub async fn deregister(&self) {
        let gone = async {
            let mut tx = self.store.pool().begin().await?;
            for sql in [
                "DELETE FROM job_owners WHERE instance_id = $1",
                "DELETE FROM instances WHERE id = $1",
            ] {
                sqlx::query(sql).bind(&self.id).execute(&mut *tx).await?;
            }
            tx.commit().await
        };
        if let Err(e) = gone.await {
            tracing::warn!(instance = %self.id, error = %e, "could not deregister the instance; it expires on its own");
        }
    }

    /// The jobs this instance runs now (its scheduler's last decision), sorted.
    pub fn held_jobs(&self) -> Vec<String> {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Records the jobs this instance runs now.
    pub(crate) fn set_held_jobs(&self, mut jobs: Vec<String>) {
        jobs.sort();
        *self.held.lock().unwrap_or_else(PoisonError::into_inner) = jobs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn instances_are_live_while_they_beat_and_gone_when_deregistered() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let first = Instance::register(&store, "127.0.0.1:1").await.unwrap();
        let second = Instance::register(&store, "127.0.0.1:2").await.unwrap();
        let mut both = vec![first.id().to_owned(), second.id().to_owned()];
        both.sort();
        assert_eq!(first.live().await.unwrap(), both);
        // A heartbeat older than the time to live: that instance is gone.
        sqlx::query("UPDATE instances SET heartbeat_ms = heartbeat_ms - 60000 WHERE id = $1")
            .bind(second.id())
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(first.live().await.unwrap(), [first.id().to_owned()]);
        // Its heartbeat brings it back.
        second.heartbeat().await.unwrap();
        assert_eq!(first.live().await.unwrap().len(), 2);
        second.deregister().await;
        assert_eq!(first.live().await.unwrap(), [first.id().to_owned()]);
        // A forgotten row is registered again by the next heartbeat.
        sqlx::query("DELETE FROM instances")
            .execute(store.pool())
            .await
            .unwrap();
        first.heartbeat().await.unwrap();
        assert_eq!(first.live().await.unwrap(), [first.id().to_owned()]);
    }
}
