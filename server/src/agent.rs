//! `provisio agent`: the on-premises agent. It runs next to targets the
//! server cannot reach (an LDAP directory, a database, an internal API) and
//! only ever calls out to the server: a long poll hands it operations for
//! jobs whose target names it in `via_agent`, it executes them with the same
//! connectors the server uses, and acknowledges each with its result once
//! it is done. Nothing is kept on disk: an operation the agent took and did
//! not acknowledge (it was killed, the network failed) is handed out again,
//! and `execute` makes sure a repeat is not applied twice.
//!
//! ```no_run
//! # async fn run() -> Result<(), String> {
//! use provisio_server::agent::{AgentConfig, run};
//!
//! let config = AgentConfig::new("https://provisio.example", "pvs_…".into(), None)?;
//! run(config, std::future::pending()).await
//! # }
//! ```

mod client;
mod execute;

use std::collections::HashSet;
use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use provisio_api::agents::{AgentPoll, AgentResult, AgentResults, AgentWork};
use provisio_api::auth::Secret;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;

pub use client::{CallError, ServerClient};
pub use execute::Executor;

/// Operations executed at once, unless configured otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// How long a stopping agent waits for the operations it holds to finish.
const FINISH_WITHIN: Duration = Duration::from_secs(30);
/// The longest wait between attempts to reach an unreachable server.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What an agent needs: where the server is, its token, and how much it
/// may do at once.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub client: ServerClient,
    pub concurrency: usize,
    /// What the agent's targets may reach (`--deny-target-networks`,
    /// `--sqlite-target-dir`).
    pub targets: provisio_connectors::TargetPolicy,
    /// How the agent names its machine to the server.
    pub host: String,
}

impl AgentConfig {
    /// A configuration with the defaults; errors say which argument is wrong.
    pub fn new(server: &str, token: Secret, ca_cert: Option<&Path>) -> Result<AgentConfig, String> {
        Ok(AgentConfig {
            client: ServerClient::new(server, token, ca_cert)?,
            concurrency: DEFAULT_CONCURRENCY,
            targets: provisio_connectors::TargetPolicy::default(),
            host: host_name(),
        })
    }
}

/// The machine's name, as well as it can be told without a system call.
pub(crate) fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Polls, executes and reports until `stop` completes (then finishes what
/// it holds, for up to 30 s) or the server refuses the agent (the error).
pub async fn run(config: AgentConfig, stop: impl Future<Output = ()>) -> Result<(), String> {
    let session = uuid::Uuid::new_v4().to_string();
    let held: Arc<Mutex<HashSet<String>>> = Arc::default();
    let executor = Arc::new(Executor::new(config.targets.clone()));
    let permits = Arc::new(Semaphore::new(config.concurrency.max(1)));
    let (results, outbox) = mpsc::unbounded_channel();
    let reporter = tokio::spawn(report(config.client.clone(), session.clone(), outbox, held.clone()));
    let mut running = JoinSet::new();
    let mut backoff = Backoff::default();
    let mut connected = false;
    tracing::info!(host = %config.host, "agent starting; polling the server for operations");
    tokio::pin!(stop);
    let outcome = loop {
        let poll = AgentPoll {
            session: session.clone(),
            version: provisio_api::VERSION.to_owned(),
            host: config.host.clone(),
            working: lock(&held).iter().cloned().collect(),
            supports: provisio_api::agents::AGENT_OPERATIONS
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
        };
        let answer = tokio::select! {
            () = &mut stop => break Ok(()),
            answer = config.client.poll(&poll) => answer,
        };
        // Finished executions leave the set; their results are on the way.
        while running.try_join_next().is_some() {}
        match answer {
            Ok(work) => {
                if !connected {
                    tracing::info!("connected to the server");
                    connected = true;
                }
                backoff = Backoff::default();
                start(work, &executor, &permits, &held, &results, &mut running);
            }
            Err(CallError::Fatal(message)) => break Err(message),
            Err(CallError::Retry(message)) => {
                connected = false;
                let wait = backoff.next();
                tracing::warn!("{message}; trying again in {} s", wait.as_secs());
                tokio::select! {
                    () = &mut stop => break Ok(()),
                    () = tokio::time::sleep(wait) => {}
                }
            }
        }
    };
    if !running.is_empty() {
        tracing::info!(operations = running.len(), "finishing the operations in hand");
        let finished = tokio::time::timeout(FINISH_WITHIN, async { while running.join_next().await.is_some() {} });
        if finished.await.is_err() {
            tracing::warn!("stopping with operations unfinished: the server will hand them out again");
        }
    }
    drop(results);
    // The reporter ends once every result has been sent (or the server refused it).
    let _ = tokio::time::timeout(FINISH_WITHIN, reporter).await;
    outcome
}

/// Starts executing each operation not already in hand.
fn start(
    work: AgentWork,
    executor: &Arc<Executor>,
    permits: &Arc<Semaphore>,
    held: &Arc<Mutex<HashSet<String>>>,
    results: &mpsc::UnboundedSender<AgentResult>,
    running: &mut JoinSet<()>,
) {
    let connections = Arc::new(work.connections);
    for operation in work.operations {
        // Handed out again while still executing here: the one result settles both.
        if !lock(held).insert(operation.id.clone()) {
            continue;
        }
        let (executor, permits, results, connections) =
            (executor.clone(), permits.clone(), results.clone(), connections.clone());
        running.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else { return };
            tracing::debug!(
                job = %operation.job,
                operation = operation.request.name(),
                delivery = operation.delivery,
                "executing"
            );
            let outcome = executor
                .execute(&operation, connections.get(&operation.connection))
                .await;
            if let provisio_api::agents::AgentOutcome::Failed { failure } = &outcome {
                tracing::warn!(job = %operation.job, operation = operation.request.name(), ?failure, "operation failed");
            }
            let _ = results.send(AgentResult {
                id: operation.id,
                outcome,
            });
        });
    }
}

/// Sends results as they come, several at a time, until they are
/// acknowledged; an operation leaves `held` only then, so a poll never
/// tells the server it lost an operation whose result is on its way.
async fn report(
    client: ServerClient,
    session: String,
    mut outbox: mpsc::UnboundedReceiver<AgentResult>,
    held: Arc<Mutex<HashSet<String>>>,
) {
    let mut backoff = Backoff::default();
    while let Some(first) = outbox.recv().await {
        let mut batch = vec![first];
        while batch.len() < 256 {
            match outbox.try_recv() {
                Ok(result) => batch.push(result),
                Err(_) => break,
            }
        }
        let results = AgentResults {
            session: session.clone(),
            results: batch,
        };
        loop {
            match client.report(&results).await {
                Ok(_) => {
                    backoff = Backoff::default();
                    break;
                }
                Err(CallError::Fatal(message)) => {
                    tracing::error!("results not accepted: {message}");
                    return;
                }
                Err(CallError::Retry(message)) => {
                    let wait = backoff.next();
                    tracing::warn!("cannot send results ({message}); trying again in {} s", wait.as_secs());
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let mut held = lock(&held);
        for result in &results.results {
            held.remove(&result.id);
        }
    }
}

fn lock(held: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    held.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`].
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        Duration::from_secs(1u64 << self.failures.saturating_sub(1).min(5)).min(MAX_BACKOFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_half_a_minute() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..8).map(|_| backoff.next().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
