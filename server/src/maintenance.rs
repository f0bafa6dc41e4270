//! The server's hourly maintenance: purging users deleted past their
//! retention, pruning old provisioning log entries, audit events past the
//! audit retention, and processed inbound requests. Each round runs under a lease of its own (the job leases'
//! table, ids `maintenance:…`), so instances sharing a database never run
//! the same round at once; an instance that finds it held skips that round.
//! Failures are logged and retried on the next round. The agents are
//! watched for silence every minute, the same way (`maintenance/agent_watch.rs`).

mod agent_watch;

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::cycle::lease::{JobLease, LeaseError};
use crate::inbound::InboundRetention;
use crate::logs::LogRetention;
use crate::store::Store;

/// How often each round runs.
const EVERY: Duration = Duration::from_secs(3600);
/// The first rounds wait a little, so that start-up (and a command such as
/// `provisio token create` run right after it) has the database to itself.
const FIRST_AFTER: Duration = Duration::from_secs(5);

pub(crate) use agent_watch::spawn as watch_agents;

/// Starts the maintenance tasks; they run until aborted.
pub(crate) fn spawn(store: &Store, logs: LogRetention, inbound: InboundRetention) -> Vec<JoinHandle<()>> {
    let directory = store.directory();
    let log_store = store.logs();
    let inbound_store = store.inbound();
    let audit = crate::audit::AuditLog::new(store.clone());
    vec![
        tokio::spawn(hourly(store.clone(), "purging deleted users", move || {
            let directory = directory.clone();
            async move { directory.purge_expired().await.map(count).map_err(|e| e.to_string()) }
        })),
        tokio::spawn(hourly(store.clone(), "pruning provisioning logs", move || {
            let log_store = log_store.clone();
            async move {
                log_store
                    .prune(Utc::now() - logs.0)
                    .await
                    .map(count)
                    .map_err(|e| e.to_string())
            }
        })),
        tokio::spawn(hourly(store.clone(), "pruning the audit trail", move || {
            let audit = audit.clone();
            async move { audit.prune(Utc::now()).await.map_err(|e| e.to_string()) }
        })),
        tokio::spawn(hourly(store.clone(), "pruning inbound requests", move || {
            let inbound_store = inbound_store.clone();
            async move {
                inbound_store
                    .prune_expired(inbound, Utc::now())
                    .await
                    .map_err(|e| e.to_string())
            }
        })),
    ]
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Runs `round` every hour under the lease `maintenance:<what>`.
async fn hourly<Round, Done>(store: Store, what: &'static str, round: Round)
where
    Round: Fn() -> Done,
    Done: Future<Output = Result<u64, String>>,
{
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + FIRST_AFTER, EVERY);
    loop {
        ticks.tick().await;
        run_once(&store, what, &round).await;
    }
}

/// One round of `what`, unless another instance is running it; what it did.
async fn run_once<Round, Done>(store: &Store, what: &'static str, round: &Round) -> Option<u64>
where
    Round: Fn() -> Done,
    Done: Future<Output = Result<u64, String>>,
{
    let lease = match JobLease::acquire(store, &format!("maintenance:{what}"), what, Duration::ZERO).await {
        Ok(lease) => lease,
        Err(LeaseError::Busy { .. }) => {
            tracing::debug!(what, "another instance is doing this round");
            return None;
        }
        Err(e) => {
            tracing::warn!(what, error = %e, "could not start maintenance; retrying in an hour");
            return None;
        }
    };
    let done = round().await;
    lease.release().await;
    match done {
        Ok(0) => Some(0),
        Ok(n) => {
            tracing::info!(what, n, "maintenance done");
            Some(n)
        }
        Err(e) => {
            tracing::warn!(what, error = %e, "maintenance failed; retrying in an hour");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_round_is_skipped_while_another_instance_runs_it() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let round = || async { Ok(3) };
        let held = JobLease::acquire(&store, "maintenance:pruning", "pruning", Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(run_once(&store, "pruning", &round).await, None);
        held.release().await;
        assert_eq!(run_once(&store, "pruning", &round).await, Some(3));
        // Released after each round: the next one runs again.
        assert_eq!(run_once(&store, "pruning", &round).await, Some(3));
    }
}
