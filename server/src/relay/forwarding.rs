//! The relay across instances: when a job's agent polls another instance
//! sharing the database, the instance running the job queues the operation
//! in `relay_operations` (encrypted: it carries the target's secrets), the
//! instance holding the agent's poll takes it ([`serve_forever`]), hands it
//! to the agent through its own relay and writes the outcome back, and the
//! queuing instance reads it. The guarantees stay those of the relay: an
//! operation is settled only by the agent's result, and one nobody took or
//! answered in time is reported so (taken or not), for the cycle to escrow.
//! An agent counts as connected elsewhere while its stored contact
//! ([`Contacts`]) is recent. Results the agent posts to an instance that
//! did not hand the operation out (its calls go through a load balancer)
//! are passed on the same way (`relay_results`) to the instance that did.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use provisio_api::agents::{AgentConnection, AgentOutcome, AgentRequest, AgentResult, CONNECTED_WITHIN_SECONDS};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::{AssertSqlSafe, Row as _};
use tokio::sync::watch;

use super::{Contacts, Relay, Unanswered};
use crate::ServerError;
use crate::events::Events;
use crate::secrets::SecretBox;
use crate::store::notify::RELAY_CHANNEL;
use crate::store::{Store, database_now_ms, notify_in};

/// How often queued operations and their outcomes are looked for without
/// an announcement (`crate::events::listen_forever` wakes the lookers
/// earlier on PostgreSQL).
const LOOK_EVERY: Duration = Duration::from_millis(250);
/// Operations taken per look, per agent.
const TAKE_AT_ONCE: i64 = 64;
/// What each sealed value's encryption is bound to: an operation's payload,
/// its answer, and a passed-on result.
const PAYLOAD: &[u8] = b"relay_operations.payload";
const ANSWER: &[u8] = b"relay_operations.outcome";
const RESULT: &[u8] = b"relay_results.outcome";
/// Results nobody settled are deleted after this long.
const FORGET_RESULTS_AFTER_MS: i64 = 10 * 60 * 1000;

/// What one instance needs to forward operations and serve forwarded ones.
#[derive(Debug, Clone)]
pub struct Forwarding {
    store: Store,
    secrets: SecretBox,
    /// This instance's id (who took an operation).
    instance: String,
    /// Announcements of operations forwarded or answered.
    moved: watch::Receiver<u64>,
    /// Where this instance announces them to its own waiters (SQLite has
    /// no `NOTIFY`; on PostgreSQL it saves waiting for the round trip).
    events: Events,
    /// How many instances are live (kept by the scheduler).
    instances: Arc<AtomicUsize>,
}

/// An operation as it travels between instances (encrypted as a whole).
#[derive(Serialize, Deserialize)]
struct Payload {
    job: String,
    key: String,
    connection: AgentConnection,
    request: AgentRequest,
    timeout_ms: u64,
}

/// What the serving instance answers.
#[derive(Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
enum Answer {
    Outcome { outcome: AgentOutcome },
    NotConnected,
    TimedOut { handed_out: bool },
    Unsupported,
}

impl Forwarding {
    /// Forwarding for the instance `instance` (its id), `instances` the
    /// number of live instances as its scheduler last saw it.
    pub fn new(
        store: &Store,
        secrets: SecretBox,
        instance: &str,
        instances: Arc<AtomicUsize>,
        events: &Events,
    ) -> Forwarding {
        Forwarding {
            store: store.clone(),
            secrets,
            instance: instance.to_owned(),
            moved: events.relay(),
            events: events.clone(),
            instances,
        }
    }

    /// Whether other instances share the database (at the last look).
    pub(super) fn several_instances(&self) -> bool {
        self.instances.load(Ordering::Relaxed) > 1
    }

    /// `value` as JSON encrypted with the deployment's key (operations carry
    /// the target's secrets, answers and results the target's data).
    fn seal(&self, value: &impl Serialize, context: &[u8]) -> Result<String, ServerError> {
        let json = serde_json::to_string(value).map_err(|e| ServerError::Corrupt(e.to_string()))?;
        self.secrets
            .encrypt(&json, context)
            .map_err(|e| ServerError::Corrupt(e.to_string()))
    }

    /// What [`Forwarding::seal`] sealed.
    fn open<T: DeserializeOwned>(&self, sealed: &str, context: &[u8]) -> Result<T, ServerError> {
        let json = self
            .secrets
            .decrypt(sealed, context)
            .map_err(|e| ServerError::Corrupt(e.to_string()))?;
        serde_json::from_str(&json).map_err(|e| ServerError::Corrupt(e.to_string()))
    }

    /// Waits for an announcement that an operation moved, or [`LOOK_EVERY`].
    async fn next_look(moved: &mut watch::Receiver<u64>) {
        tokio::select! {
            _ = moved.changed() => {}
            () = tokio::time::sleep(LOOK_EVERY) => {}
        }
    }

    /// Tells this and the other instances an operation moved (`about`: its
    /// agent or id).
    async fn announce(&self, about: &str) {
        self.events.relay_moved();
        let announced = async {
            let mut connection = self.store.pool().acquire().await?;
            notify_in(&mut connection, self.store.backend(), RELAY_CHANNEL, about).await
        };
        if let Err(e) = announced.await {
            tracing::debug!(error = %e, "could not announce a forwarded operation; it is found by polling");
        }
    }

    /// Queues the operation for the instance holding `agent`'s poll and
    /// waits up to `timeout` for its outcome. `NotConnected` at once when
    /// no instance has heard from the agent recently.
    pub(super) async fn call(
        &self,
        agent: &str,
        job: &str,
        (key, connection): (String, Arc<AgentConnection>),
        request: AgentRequest,
        timeout: Duration,
    ) -> Result<AgentOutcome, Unanswered> {
        let last_contact = self.last_contact(agent).await;
        let recent = last_contact.is_some_and(|at| {
            (Utc::now() - at).to_std().unwrap_or_default() < Duration::from_secs(CONNECTED_WITHIN_SECONDS)
        });
        if !recent {
            return Err(Unanswered::NotConnected {
                last_contact_at: last_contact,
            });
        }
        let requires = request.requires();
        let payload = Payload {
            job: job.to_owned(),
            key,
            connection: (*connection).clone(),
            request,
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        };
        let id = uuid::Uuid::now_v7().to_string();
        if let Err(e) = self.queue(&id, agent, &payload).await {
            tracing::warn!(agent, error = %e, "could not forward an operation to the agent's instance");
            return Err(Unanswered::TimedOut { handed_out: false });
        }
        self.announce(agent).await;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut moved = self.moved.clone();
        moved.borrow_and_update();
        loop {
            Self::next_look(&mut moved).await;
            match self.answer(&id).await {
                Ok(Some(answer)) => {
                    self.forget(&id).await;
                    return match answer {
                        Answer::Outcome { outcome } => Ok(outcome),
                        Answer::NotConnected => Err(Unanswered::NotConnected {
                            last_contact_at: last_contact,
                        }),
                        Answer::TimedOut { handed_out } => Err(Unanswered::TimedOut { handed_out }),
                        Answer::Unsupported => Err(Unanswered::Unsupported {
                            operation: requires.unwrap_or("this operation"),
                        }),
                    };
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(agent, error = %e, "could not read a forwarded operation's outcome"),
            }
            if tokio::time::Instant::now() >= deadline {
                let handed_out = self.taken(&id).await;
                self.forget(&id).await;
                return Err(Unanswered::TimedOut { handed_out });
            }
        }
    }

    async fn last_contact(&self, agent: &str) -> Option<chrono::DateTime<Utc>> {
        let contacts = Contacts::new(&self.store).all().await.ok()?;
        contacts
            .into_iter()
            .find(|c| c.name == agent)
            .map(|c| c.last_contact_at)
    }

    async fn queue(&self, id: &str, agent: &str, payload: &Payload) -> Result<(), ServerError> {
        let sealed = self.seal(payload, PAYLOAD)?;
        let now = database_now_ms(self.store.backend());
        let sql = format!(
            "INSERT INTO relay_operations (id, agent, payload, state, created_ms) VALUES ($1, $2, $3, 'queued', {now})"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .bind(agent)
            .bind(sealed)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }

    async fn answer(&self, id: &str) -> Result<Option<Answer>, ServerError> {
        let outcome: Option<Option<String>> =
            sqlx::query_scalar("SELECT outcome FROM relay_operations WHERE id = $1 AND state = 'done'")
                .bind(id)
                .fetch_optional(self.store.pool())
                .await?;
        outcome.flatten().map(|sealed| self.open(&sealed, ANSWER)).transpose()
    }

    /// Whether another instance took the operation (and so may have handed it out).
    async fn taken(&self, id: &str) -> bool {
        sqlx::query_scalar::<_, String>("SELECT state FROM relay_operations WHERE id = $1")
            .bind(id)
            .fetch_optional(self.store.pool())
            .await
            .ok()
            .flatten()
            .is_some_and(|state| state != "queued")
    }

    async fn forget(&self, id: &str) {
        let _ = sqlx::query("DELETE FROM relay_operations WHERE id = $1")
            .bind(id)
            .execute(self.store.pool())
            .await;
    }

    /// Takes up to a batch of the operations queued for `agent`; each is
    /// taken by one instance only (a compare-and-set on its state).
    async fn take(&self, agent: &str) -> Result<Vec<(String, Payload)>, ServerError> {
        let rows = sqlx::query(
            "SELECT id, payload FROM relay_operations WHERE agent = $1 AND state = 'queued' \
             ORDER BY created_ms, id LIMIT $2",
        )
        .bind(agent)
        .bind(TAKE_AT_ONCE)
        .fetch_all(self.store.pool())
        .await?;
        let mut taken = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let won = sqlx::query(
                "UPDATE relay_operations SET state = 'taken', taken_by = $2 WHERE id = $1 AND state = 'queued'",
            )
            .bind(&id)
            .bind(&self.instance)
            .execute(self.store.pool())
            .await?;
            if won.rows_affected() != 1 {
                continue;
            }
            let sealed: String = row.try_get("payload")?;
            match self.open(&sealed, PAYLOAD) {
                Ok(payload) => taken.push((id, payload)),
                Err(e) => {
                    tracing::warn!(agent, error = %e, "a forwarded operation could not be read; answered as timed out");
                    self.settle(&id, &Answer::TimedOut { handed_out: false }).await;
                }
            }
        }
        Ok(taken)
    }

    /// Queues a taken operation again, for whichever instance holds the
    /// agent's poll next.
    async fn put_back(&self, id: &str, agent: &str) {
        let put = sqlx::query(
            "UPDATE relay_operations SET state = 'queued', taken_by = NULL WHERE id = $1 AND state = 'taken'",
        )
        .bind(id)
        .execute(self.store.pool())
        .await;
        match put {
            Ok(_) => self.announce(agent).await,
            Err(e) => tracing::warn!(agent, error = %e, "could not queue a forwarded operation again; it times out"),
        }
    }

    async fn settle(&self, id: &str, answer: &Answer) {
        let done = async {
            let sealed = self.seal(answer, ANSWER)?;
            sqlx::query("UPDATE relay_operations SET state = 'done', outcome = $2 WHERE id = $1")
                .bind(id)
                .bind(sealed)
                .execute(self.store.pool())
                .await?;
            Ok::<_, ServerError>(())
        };
        match done.await {
            Ok(_) => self.announce(id).await,
            Err(e) => tracing::warn!(error = %e, "could not write a forwarded operation's outcome"),
        }
    }

    /// Keeps results of operations this instance did not hand out for the
    /// instance that did ([`serve_forever`] settles them there).
    pub async fn pass_on(&self, agent: &str, results: Vec<AgentResult>) {
        for result in results {
            let kept = async {
                let sealed = self.seal(&result.outcome, RESULT)?;
                let now = database_now_ms(self.store.backend());
                let sql = format!(
                    "INSERT INTO relay_results (id, agent, outcome, created_ms) VALUES ($1, $2, $3, {now}) \
                     ON CONFLICT (id) DO NOTHING"
                );
                sqlx::query(AssertSqlSafe(sql))
                    .bind(&result.id)
                    .bind(agent)
                    .bind(sealed)
                    .execute(self.store.pool())
                    .await?;
                Ok::<_, ServerError>(())
            };
            if let Err(e) = kept.await {
                tracing::warn!(agent, error = %e, "could not pass an agent's result on; the operation is handed out again");
            }
        }
        self.announce(agent).await;
    }

    /// Settles, in `relay`, the operations it awaits whose results reached
    /// another instance.
    async fn settle_passed_on(&self, relay: &Relay) -> Result<(), ServerError> {
        for (agent, awaited) in relay.awaited() {
            let rows = sqlx::query("SELECT id, outcome FROM relay_results WHERE agent = $1")
                .bind(&agent)
                .fetch_all(self.store.pool())
                .await?;
            for row in rows {
                let id: String = row.try_get("id")?;
                if !awaited.contains(&id) {
                    continue;
                }
                let sealed: String = row.try_get("outcome")?;
                match self.open(&sealed, RESULT) {
                    Ok(outcome) => {
                        relay.complete(
                            &agent,
                            "",
                            vec![AgentResult {
                                id: id.clone(),
                                outcome,
                            }],
                        );
                    }
                    Err(e) => tracing::warn!(agent, error = %e, "a passed-on result could not be read"),
                }
                sqlx::query("DELETE FROM relay_results WHERE id = $1")
                    .bind(&id)
                    .execute(self.store.pool())
                    .await?;
            }
        }
        Ok(())
    }

    /// Deletes the passed-on results nobody settled in time (late or
    /// repeated ones, or their instance stopped).
    async fn forget_old_results(&self) -> Result<(), ServerError> {
        let now = database_now_ms(self.store.backend());
        let sql = format!("DELETE FROM relay_results WHERE created_ms < {now} - $1");
        sqlx::query(AssertSqlSafe(sql))
            .bind(FORGET_RESULTS_AFTER_MS)
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}

/// Takes the operations queued for `agent` and hands them to `relay`, whose
/// poll from the agent is starting or held: each answered in
/// `relay_operations` when the agent's result comes.
pub async fn serve_queued(relay: &Arc<Relay>, forwarding: &Forwarding, agent: &str) {
    match forwarding.take(agent).await {
        Ok(taken) => {
            for (id, payload) in taken {
                let (relay, forwarding, agent) = (relay.clone(), forwarding.clone(), agent.to_owned());
                tokio::spawn(async move {
                    let timeout = Duration::from_millis(payload.timeout_ms);
                    let connection = (payload.key, Arc::new(payload.connection));
                    // The poll may be answering already: an operation no
                    // poll took here soon goes back for the next one, wherever.
                    let queued = relay
                        .queue_and_wait(
                            &agent,
                            &payload.job,
                            connection,
                            payload.request,
                            timeout,
                            Some(super::HANDOUT_WITHIN),
                        )
                        .await;
                    let answer = match queued {
                        None => return forwarding.put_back(&id, &agent).await,
                        Some(Ok(outcome)) => Answer::Outcome { outcome },
                        Some(Err(Unanswered::NotConnected { .. })) => Answer::NotConnected,
                        Some(Err(Unanswered::TimedOut { handed_out })) => Answer::TimedOut { handed_out },
                        Some(Err(Unanswered::Unsupported { .. })) => Answer::Unsupported,
                    };
                    forwarding.settle(&id, &answer).await;
                });
            }
        }
        Err(e) => tracing::warn!(agent, error = %e, "could not take forwarded operations"),
    }
}

/// Serves the operations other instances forwarded to the agents polling
/// this one, and settles the operations handed out here whose results
/// reached another instance, until the task is aborted.
pub async fn serve_forever(relay: Arc<Relay>, forwarding: Forwarding) {
    let mut moved = forwarding.moved.clone();
    let mut forgotten = tokio::time::Instant::now();
    loop {
        for agent in relay.polling_agents() {
            serve_queued(&relay, &forwarding, &agent).await;
        }
        if let Err(e) = forwarding.settle_passed_on(&relay).await {
            tracing::warn!(error = %e, "could not settle results passed on by other instances");
        }
        if forgotten.elapsed() >= Duration::from_secs(60) {
            forgotten = tokio::time::Instant::now();
            if let Err(e) = forwarding.forget_old_results().await {
                tracing::warn!(error = %e, "could not delete old passed-on results");
            }
        }
        Forwarding::next_look(&mut moved).await;
    }
}
