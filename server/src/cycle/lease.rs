//! Job leases: one run of a job at a time — a cycle, an on-demand run, the
//! approval of held deletes or the processing of an inbound request — on
//! this server and on every other instance sharing its database.
//!
//! A lease is a row of `job_leases` taken with one conditional upsert: it is
//! free when it never existed, was released, or expired by the database's
//! clock (instances' clocks may disagree; the database has one). Each new
//! holder raises the row's `epoch`. While held, a heartbeat renews it every
//! third of its time to live; a holder that could not renew in time, or
//! finds it taken over, counts it as lost and stops writing before the
//! lease can expire under it ([`JobLease::is_lost`]).
//!
//! ```
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use provisio_server::cycle::lease::{JobLease, LeaseError};
//! use provisio_server::store::Store;
//!
//! let store = Store::open("sqlite::memory:").await?;
//! let lease = JobLease::acquire(&store, "job-1", "a cycle", Duration::ZERO).await?;
//! let busy = JobLease::acquire(&store, "job-1", "an on-demand run", Duration::ZERO).await;
//! assert!(matches!(busy, Err(LeaseError::Busy { .. })));
//! lease.release().await;
//! JobLease::acquire(&store, "job-1", "an on-demand run", Duration::ZERO).await?.release().await;
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{AssertSqlSafe, Row as _};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::ServerError;
use crate::store::{Store, database_now_ms};

/// How long a lease lasts without renewal: also how long a job waits after
/// its holder died (a server killed mid-cycle) before another run takes it.
pub const TIME_TO_LIVE: Duration = Duration::from_secs(15);
/// How often a waiting run asks again.
const RETRY: Duration = Duration::from_millis(100);

/// Why a lease was not had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LeaseError {
    /// Another run holds the job: `purpose` says which, `held_for` for how long.
    #[error(
        "the job is busy: {purpose} has been running it for {}; try again when it ends",
        seconds(*held_for)
    )]
    Busy { purpose: String, held_for: Duration },
    /// The lease passed to another holder (or expired) while this one held it.
    #[error("the job's lease was lost: another run took the job over, or it could not be renewed in time")]
    Lost,
    #[error(transparent)]
    Storage(#[from] ServerError),
}

impl From<sqlx::Error> for LeaseError {
    fn from(e: sqlx::Error) -> Self {
        LeaseError::Storage(ServerError::Database(e))
    }
}

fn seconds(duration: Duration) -> String {
    match duration.as_secs() {
        1 => "1 second".to_owned(),
        n => format!("{n} seconds"),
    }
}

/// A held lease on one job. Release it with [`JobLease::release`]; dropped
/// without that, it is released in the background (or expires).
#[derive(Debug)]
pub struct JobLease {
    store: Store,
    job_id: String,
    holder: String,
    epoch: i64,
    ttl: Duration,
    renewals: Arc<Renewals>,
    heartbeat: Option<JoinHandle<()>>,
}

/// What the heartbeat learnt, shared with the holder.
#[derive(Debug)]
struct Renewals {
    /// When the lease was taken: the origin of `renewed_ms`.
    origin: Instant,
    /// When the last successful renewal was sent, in milliseconds after
    /// `origin` (sent, not answered: the database set the new expiry no
    /// earlier than that).
    renewed_ms: AtomicU64,
    /// Taken over by another holder, or not renewed in time.
    lost: AtomicBool,
}

impl Renewals {
    fn new(origin: Instant) -> Renewals {
        Renewals {
            origin,
            renewed_ms: AtomicU64::new(0),
            lost: AtomicBool::new(false),
        }
    }

    fn renewed(&self, sent: Instant) {
        let ms = u64::try_from(sent.duration_since(self.origin).as_millis()).unwrap_or(u64::MAX);
        self.renewed_ms.fetch_max(ms, Ordering::Relaxed);
    }

    /// Time since the last renewal was sent: by the monotonic clock, which
    /// also runs while the process is paused (SIGSTOP, a frozen VM).
    fn since_renewal(&self) -> Duration {
        let renewed = self.origin + Duration::from_millis(self.renewed_ms.load(Ordering::Relaxed));
        Instant::now().saturating_duration_since(renewed)
    }
}

impl JobLease {
    /// Takes the job's lease for `purpose` (in words, for whoever finds the
    /// job busy: "a cycle"), asking again until `wait` has passed.
    pub async fn acquire(store: &Store, job_id: &str, purpose: &str, wait: Duration) -> Result<JobLease, LeaseError> {
        Self::acquire_for(store, job_id, purpose, wait, TIME_TO_LIVE).await
    }

    /// [`JobLease::acquire`] with its time to live (tests shorten it).
    pub async fn acquire_for(
        store: &Store,
        job_id: &str,
        purpose: &str,
        wait: Duration,
        ttl: Duration,
    ) -> Result<JobLease, LeaseError> {
        let holder = uuid::Uuid::new_v4().to_string();
        let deadline = Instant::now() + wait;
        loop {
            let sent = Instant::now();
            if let Some(epoch) = try_take(store, job_id, &holder, purpose, ttl).await? {
                let renewals = Arc::new(Renewals::new(sent));
                let heartbeat = tokio::spawn(renew_forever(
                    store.clone(),
                    job_id.to_owned(),
                    holder.clone(),
                    epoch,
                    ttl,
                    renewals.clone(),
                ));
                return Ok(JobLease {
                    store: store.clone(),
                    job_id: job_id.to_owned(),
                    holder,
                    epoch,
                    ttl,
                    renewals,
                    heartbeat: Some(heartbeat),
                });
            }
            if Instant::now() >= deadline {
                return Err(busy(store, job_id).await?);
            }
            tokio::time::sleep(RETRY.min(deadline.saturating_duration_since(Instant::now()))).await;
        }
    }

    /// This holder's fencing token: larger than every earlier holder's.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    /// Whether the lease may have passed to another run: no further write
    /// may go out under it. Also true, by the clock alone, once two thirds
    /// of the time to live passed since the last renewal was sent: a
    /// process paused past its lease learns it before its heartbeat runs.
    pub fn is_lost(&self) -> bool {
        self.renewals.lost.load(Ordering::Relaxed) || self.renewals.since_renewal() >= stop_after(self.ttl)
    }

    /// The fence of a commit made under this lease: the first statement of
    /// the transaction `tx`, it fails ([`LeaseError::Lost`]) unless this
    /// holder's lease is still the job's and unexpired by the database's
    /// clock, and it locks the lease's row until `tx` ends, so no other
    /// holder can take the job over before this commit is done. A paused
    /// holder that wakes after a takeover commits nothing.
    pub async fn fence_in(&self, tx: &mut sqlx::AnyConnection) -> Result<(), LeaseError> {
        if self.is_lost() {
            return Err(LeaseError::Lost);
        }
        let now = database_now_ms(self.store.backend());
        let sql = format!(
            "UPDATE job_leases SET expires_at_ms = expires_at_ms \
             WHERE job_id = $1 AND holder = $2 AND epoch = $3 AND expires_at_ms >= {now}"
        );
        let held = sqlx::query(AssertSqlSafe(sql))
            .bind(&self.job_id)
            .bind(&self.holder)
            .bind(self.epoch)
            .execute(&mut *tx)
            .await?;
        if held.rows_affected() == 1 {
            Ok(())
        } else {
            self.renewals.lost.store(true, Ordering::Relaxed);
            Err(LeaseError::Lost)
        }
    }

    /// Gives the lease up at once, so a waiting run starts now.
    pub async fn release(mut self) {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
        if let Err(e) = give_up(&self.store, &self.job_id, &self.holder, self.epoch).await {
            tracing::warn!(job = %self.job_id, error = %e, "could not release the job's lease: it expires on its own");
        }
    }
}

impl Drop for JobLease {
    fn drop(&mut self) {
        let Some(heartbeat) = self.heartbeat.take() else {
            return; // released
        };
        heartbeat.abort();
        // An early return (an error) dropped it: release it without waiting.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (store, job_id, holder, epoch) =
                (self.store.clone(), self.job_id.clone(), self.holder.clone(), self.epoch);
            runtime.spawn(async move {
                let _ = give_up(&store, &job_id, &holder, epoch).await;
            });
        }
    }
}

/// The epoch of the lease when this holder got it, `None` when another
/// holder's lease is still alive.
async fn try_take(
    store: &Store,
    job_id: &str,
    holder: &str,
    purpose: &str,
    ttl: Duration,
) -> Result<Option<i64>, LeaseError> {
    let now = database_now_ms(store.backend());
    let sql = format!(
        "INSERT INTO job_leases (job_id, holder, purpose, epoch, acquired_at_ms, expires_at_ms) \
         VALUES ($1, $2, $3, 1, {now}, {now} + $4) \
         ON CONFLICT (job_id) DO UPDATE SET holder = excluded.holder, purpose = excluded.purpose, \
         epoch = job_leases.epoch + 1, acquired_at_ms = excluded.acquired_at_ms, \
         expires_at_ms = excluded.expires_at_ms \
         WHERE job_leases.expires_at_ms < excluded.acquired_at_ms \
         RETURNING epoch"
    );
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(job_id)
        .bind(holder)
        .bind(purpose)
        .bind(millis(ttl))
        .fetch_optional(store.pool())
        .await?)
}

/// Who holds the job now, as an error for the run that wanted it.
async fn busy(store: &Store, job_id: &str) -> Result<LeaseError, LeaseError> {
    let now = database_now_ms(store.backend());
    let sql = format!("SELECT purpose, {now} - acquired_at_ms AS held_ms FROM job_leases WHERE job_id = $1");
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(job_id)
        .fetch_optional(store.pool())
        .await?;
    let (purpose, held_ms) = match row {
        Some(row) => (row.try_get::<String, _>("purpose")?, row.try_get::<i64, _>("held_ms")?),
        // Released in the meantime: the caller's next try will have it.
        None => ("another run".to_owned(), 0),
    };
    Ok(LeaseError::Busy {
        purpose,
        held_for: Duration::from_millis(u64::try_from(held_ms).unwrap_or(0)),
    })
}

/// Extends this holder's lease; `false` when it is no longer this holder's.
async fn renew(store: &Store, job_id: &str, holder: &str, epoch: i64, ttl: Duration) -> Result<bool, LeaseError> {
    let now = database_now_ms(store.backend());
    let sql = format!(
        "UPDATE job_leases SET expires_at_ms = {now} + $1 \
         WHERE job_id = $2 AND holder = $3 AND epoch = $4 AND expires_at_ms >= {now}"
    );
    let updated = sqlx::query(AssertSqlSafe(sql))
        .bind(millis(ttl))
        .bind(job_id)
        .bind(holder)
        .bind(epoch)
        .execute(store.pool())
        .await?;
    Ok(updated.rows_affected() == 1)
}

async fn give_up(store: &Store, job_id: &str, holder: &str, epoch: i64) -> Result<(), LeaseError> {
    sqlx::query("UPDATE job_leases SET expires_at_ms = 0 WHERE job_id = $1 AND holder = $2 AND epoch = $3")
        .bind(job_id)
        .bind(holder)
        .bind(epoch)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// How long after the last renewal was sent a holder stops writing: two
/// thirds of the time to live, so it stops a third before the lease can
/// expire under it.
fn stop_after(ttl: Duration) -> Duration {
    ttl * 2 / 3
}

/// The heartbeat: renews every third of the time to live. The lease counts
/// as lost once it was taken over, or when no renewal succeeded for two
/// thirds of the time to live (the database away, the process paused).
async fn renew_forever(
    store: Store,
    job_id: String,
    holder: String,
    epoch: i64,
    ttl: Duration,
    renewals: Arc<Renewals>,
) {
    loop {
        tokio::time::sleep(ttl / 3).await;
        if renewals.since_renewal() >= stop_after(ttl) {
            // Paused past the point of stopping: a renewal now could
            // extend a lease its holder already counted as lost.
            tracing::warn!(job = %job_id, "the job's lease was not renewed in time: this run stops writing");
            renewals.lost.store(true, Ordering::Relaxed);
            return;
        }
        let sent = Instant::now();
        match renew(&store, &job_id, &holder, epoch, ttl).await {
            Ok(true) => renewals.renewed(sent),
            Ok(false) => {
                tracing::warn!(job = %job_id, "the job's lease was taken over: this run stops writing");
                renewals.lost.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!(job = %job_id, error = %e, "could not renew the job's lease"),
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Store {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        // The folder must outlive the store: leak it for the test's length.
        std::mem::forget(dir);
        Store::open(&url).await.unwrap()
    }

    /// A lease on `j` whose heartbeat never runs again, as in a holder
    /// paused (SIGSTOP) or cut off from the database.
    async fn unrenewed(store: &Store, ttl: Duration) -> JobLease {
        let lease = JobLease::acquire_for(store, "j", "a cycle", Duration::ZERO, ttl)
            .await
            .unwrap();
        if let Some(heartbeat) = &lease.heartbeat {
            heartbeat.abort();
        }
        lease
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_each_new_holder_a_larger_epoch() {
        let store = store().await;
        let first = JobLease::acquire(&store, "j", "a cycle", Duration::ZERO).await.unwrap();
        let busy = JobLease::acquire(&store, "j", "an on-demand run", Duration::from_millis(250))
            .await
            .unwrap_err();
        assert!(
            busy.to_string()
                .starts_with("the job is busy: a cycle has been running it for"),
            "{busy}"
        );
        // Other jobs are free.
        let other = JobLease::acquire(&store, "k", "a cycle", Duration::ZERO).await.unwrap();
        let epoch = first.epoch();
        first.release().await;
        let second = JobLease::acquire(&store, "j", "an on-demand run", Duration::ZERO)
            .await
            .unwrap();
        assert!(second.epoch() > epoch);
        other.release().await;
        second.release().await;
    }

    #[tokio::test]
    async fn a_waiting_run_gets_the_lease_once_it_is_released() {
        let store = store().await;
        let first = JobLease::acquire(&store, "j", "a cycle", Duration::ZERO).await.unwrap();
        let waiter = {
            let store = store.clone();
            tokio::spawn(async move { JobLease::acquire(&store, "j", "a second run", Duration::from_secs(10)).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        drop(first); // released in the background
        let second = waiter.await.unwrap().unwrap();
        assert!(!second.is_lost());
        second.release().await;
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_its_holder_learns_it_lost() {
        let store = store().await;
        let ttl = Duration::from_millis(300);
        // A holder that stops renewing (paused, cut off) loses the lease.
        let first = unrenewed(&store, ttl).await;
        tokio::time::sleep(ttl * 2).await;
        let second = JobLease::acquire_for(&store, "j", "a cycle elsewhere", Duration::ZERO, ttl)
            .await
            .unwrap();
        assert!(second.epoch() > first.epoch());
        // The old holder's renewal now fails and marks it lost; its release
        // does not free the new holder's lease.
        assert!(!renew(&store, "j", &first.holder, first.epoch, ttl).await.unwrap());
        first.release().await;
        assert!(JobLease::acquire(&store, "j", "a third", Duration::ZERO).await.is_err());
        tokio::time::sleep(ttl).await;
        assert!(!second.is_lost(), "the heartbeat keeps the live holder's lease");
        second.release().await;
    }

    #[tokio::test]
    async fn a_taken_over_lease_is_reported_lost_by_the_heartbeat() {
        let store = store().await;
        let ttl = Duration::from_millis(300);
        let lease = JobLease::acquire_for(&store, "j", "a cycle", Duration::ZERO, ttl)
            .await
            .unwrap();
        // Another holder forces its way in (as after an expiry).
        sqlx::query("UPDATE job_leases SET holder = 'someone else', epoch = epoch + 1 WHERE job_id = 'j'")
            .execute(store.pool())
            .await
            .unwrap();
        tokio::time::sleep(ttl).await;
        assert!(lease.is_lost());
    }

    #[tokio::test]
    async fn a_paused_holder_counts_its_lease_lost_by_the_clock_alone() {
        let store = store().await;
        let ttl = Duration::from_millis(600);
        // Resumed after a pause, the holder learns from its clock, not
        // from its heartbeat.
        let lease = unrenewed(&store, ttl).await;
        assert!(!lease.is_lost());
        tokio::time::sleep(stop_after(ttl)).await;
        assert!(lease.is_lost());
    }

    #[tokio::test]
    async fn a_commit_is_fenced_by_the_lease_it_was_made_under() {
        let store = store().await;
        let ttl = Duration::from_millis(300);
        let first = unrenewed(&store, ttl).await;
        let mut tx = store.writer().begin().await.unwrap();
        first.fence_in(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        tokio::time::sleep(ttl * 2).await;
        let second = JobLease::acquire_for(&store, "j", "a cycle elsewhere", Duration::ZERO, ttl)
            .await
            .unwrap();
        // The old holder's fence fails even when its clock has not told it
        // (its renewals are forged as fresh here), and it then knows.
        first.renewals.renewed(Instant::now());
        let mut tx = store.writer().begin().await.unwrap();
        assert!(matches!(first.fence_in(&mut tx).await, Err(LeaseError::Lost)));
        drop(tx);
        assert!(first.is_lost());
        let mut tx = store.writer().begin().await.unwrap();
        second.fence_in(&mut tx).await.unwrap();
        tx.commit().await.unwrap();
        second.release().await;
    }
}
