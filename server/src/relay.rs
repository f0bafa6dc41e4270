//! The relay between jobs and on-premises agents: operations wait here for
//! their agent's long poll, are handed out, and are settled by the agent's
//! result. An operation is settled only by a result, never by being handed
//! out: when an agent process goes away (a new session appears, or a poll
//! shows it lost a delivery), what it held is handed out again, with its
//! delivery count raised so the agent can make sure nothing is applied twice.
//!
//! The queue lives in memory: an operation only exists while a connector
//! call awaits it, and a restarted server repeats its cycle from its
//! watermark and escrows anyway, matching what an earlier attempt created.
//! When the agent polls another instance sharing the database, the
//! operation is forwarded to it through the database ([`forwarding`]).
//! The server owns the relay (not the store); agents' last contacts are
//! kept in the database ([`Contacts`]) so the portal can show them after a
//! restart.

mod contacts;
pub mod forwarding;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use provisio_api::agents::{
    AgentConnection, AgentFailure, AgentOperation, AgentOutcome, AgentPoll, AgentRequest, AgentResult, AgentWork,
    CONNECTED_WITHIN_SECONDS,
};
use tokio::sync::{Notify, oneshot};

pub(crate) use contacts::Contacts;

/// At most this many operations go out in one poll's answer.
const MAX_BATCH: usize = 64;
/// With other instances sharing the database, how long an operation waits
/// here for a poll before it is forwarded to wherever the agent polls now.
const HANDOUT_WITHIN: Duration = Duration::from_millis(500);

/// Operations waiting for, or held by, each agent.
#[derive(Debug, Default)]
pub struct Relay {
    agents: Mutex<HashMap<String, Slot>>,
    /// How operations reach agents polling other instances (none for a
    /// relay of its own, as in tests).
    forwarding: Option<forwarding::Forwarding>,
    /// Set when the server shuts down: held polls answer at once.
    closing: std::sync::atomic::AtomicBool,
}

#[derive(Debug, Default)]
struct Slot {
    /// Ids of operations to hand out, oldest first.
    queue: VecDeque<String>,
    pending: HashMap<String, Pending>,
    session: Option<Session>,
    /// Polls being held right now.
    polls: u32,
    wake: Arc<Notify>,
    /// Numbers operations in the order they were queued.
    next_seq: u64,
}

#[derive(Debug)]
struct Pending {
    seq: u64,
    operation: AgentOperation,
    connection: Arc<AgentConnection>,
    /// The session holding it, once handed out.
    held_by: Option<String>,
    reply: oneshot::Sender<AgentOutcome>,
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    version: String,
    host: String,
    /// The operations beyond the first protocol's it announced.
    supports: Vec<String>,
    since: DateTime<Utc>,
    last_contact: Instant,
    last_contact_at: DateTime<Utc>,
    /// When the contact was last written to the database.
    recorded: Option<Instant>,
}

/// An agent's contact, to keep in the database (see [`Relay::poll`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub last_contact_at: DateTime<Utc>,
    pub connected_since: DateTime<Utc>,
    pub version: String,
    pub host: String,
}

/// An agent as the relay knows it right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveAgent {
    pub name: String,
    pub connected: bool,
    pub contact: Option<Contact>,
    pub queued: u32,
    pub in_progress: u32,
}

/// Another process of the same agent has taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("another process of this agent polls with a newer session; this one is superseded")]
pub struct Superseded;

/// Why an operation got no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    /// The agent has not polled recently (when it last did, if ever).
    NotConnected { last_contact_at: Option<DateTime<Utc>> },
    /// The agent did not answer in time.
    TimedOut { handed_out: bool },
    /// The connected agent does not announce this operation (it is older):
    /// nothing was queued.
    Unsupported { operation: &'static str },
}

/// Contact is written to the database at least this often while polling.
const RECORD_EVERY: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests;

impl Relay {
    pub fn new() -> Relay {
        Relay::default()
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // A panic while holding the lock leaves plain data behind, still usable.
        self.agents.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A relay that forwards operations for agents polling other instances.
    pub fn with_forwarding(forwarding: forwarding::Forwarding) -> Relay {
        Relay {
            forwarding: Some(forwarding),
            ..Relay::default()
        }
    }

    /// Queues an operation for `agent` and waits up to `timeout` for its
    /// result: here when the agent polls this instance, else through the
    /// instance it polls. Fails at once when it has not polled recently.
    pub async fn call(
        &self,
        agent: &str,
        job: &str,
        connection: (String, Arc<AgentConnection>),
        request: AgentRequest,
        timeout: Duration,
    ) -> Result<AgentOutcome, Unanswered> {
        let (held_here, connected_here) = self
            .slots()
            .get(agent)
            .map_or((false, false), |slot| (slot.polls > 0, slot.connected()));
        // Alone, an instance queues for an agent that polled it lately, as
        // its next poll comes here. With other instances, only while the
        // agent's poll is held here: its next one may reach another.
        match &self.forwarding {
            Some(forwarding) if !held_here && (forwarding.several_instances() || !connected_here) => {
                forwarding.call(agent, job, connection, request, timeout).await
            }
            // The poll held here may be answering already, and the agent's
            // next one reach another instance: an operation no poll took
            // here soon goes there instead.
            Some(forwarding) if forwarding.several_instances() => {
                let queued = self
                    .queue_and_wait(
                        agent,
                        job,
                        connection.clone(),
                        request.clone(),
                        timeout,
                        Some(HANDOUT_WITHIN),
                    )
                    .await;
                match queued {
                    Some(answered) => answered,
                    None => forwarding.call(agent, job, connection, request, timeout).await,
                }
            }
            _ => self.call_here(agent, job, connection, request, timeout).await,
        }
    }

    /// [`Relay::call`] for an agent polling this instance.
    pub async fn call_here(
        &self,
        agent: &str,
        job: &str,
        connection: (String, Arc<AgentConnection>),
        request: AgentRequest,
        timeout: Duration,
    ) -> Result<AgentOutcome, Unanswered> {
        let answered = self
            .queue_and_wait(agent, job, connection, request, timeout, None)
            .await;
        answered.unwrap_or(Err(Unanswered::TimedOut { handed_out: false }))
    }

    /// Queues the operation here and waits for its result; `None` (and the
    /// operation withdrawn) when `handout_within` is given and no poll
    /// took it by then.
    async fn queue_and_wait(
        &self,
        agent: &str,
        job: &str,
        connection: (String, Arc<AgentConnection>),
        request: AgentRequest,
        timeout: Duration,
        handout_within: Option<Duration>,
    ) -> Option<Result<AgentOutcome, Unanswered>> {
        let id = uuid::Uuid::new_v4().to_string();
        let (reply, mut answer) = oneshot::channel();
        {
            let mut slots = self.slots();
            let slot = slots.entry(agent.to_owned()).or_default();
            if !slot.connected() {
                return Some(Err(Unanswered::NotConnected {
                    last_contact_at: slot.session.as_ref().map(|s| s.last_contact_at),
                }));
            }
            if let Some(operation) = request.requires()
                && !slot.session.as_ref().is_some_and(|s| s.supports(operation))
            {
                return Some(Err(Unanswered::Unsupported { operation }));
            }
            let (key, connection) = connection;
            slot.next_seq += 1;
            slot.pending.insert(
                id.clone(),
                Pending {
                    seq: slot.next_seq,
                    operation: AgentOperation {
                        id: id.clone(),
                        delivery: 0,
                        job: job.to_owned(),
                        connection: key,
                        request,
                    },
                    connection,
                    held_by: None,
                    reply,
                },
            );
            slot.queue.push_back(id.clone());
            slot.wake.notify_waiters();
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut early = None;
        if let Some(within) = handout_within {
            match tokio::time::timeout(within.min(timeout), &mut answer).await {
                Ok(answered) => early = Some(answered),
                Err(_) if self.withdraw(agent, &id) => return None,
                Err(_) => {}
            }
        }
        let answered = match early {
            Some(answered) => Ok(answered),
            None => tokio::time::timeout_at(deadline, answer).await,
        };
        Some(match answered {
            Ok(Ok(outcome)) => Ok(outcome),
            // The sender is only dropped by `abandon`, which this call alone makes.
            Ok(Err(_)) | Err(_) => Err(Unanswered::TimedOut {
                handed_out: self.abandon(agent, &id),
            }),
        })
    }

    /// Takes back an operation no poll has taken yet; false when one has
    /// (it stays, and its result is awaited).
    fn withdraw(&self, agent: &str, id: &str) -> bool {
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(agent) else {
            return false;
        };
        if slot.pending.get(id).is_none_or(|p| p.held_by.is_some()) {
            return false;
        }
        slot.queue.retain(|queued| queued != id);
        slot.pending.remove(id);
        true
    }

    /// Drops an operation nobody waits for any more; whether it had been
    /// handed out (and so may still be applied).
    fn abandon(&self, agent: &str, id: &str) -> bool {
        let mut slots = self.slots();
        let Some(slot) = slots.get_mut(agent) else {
            return false;
        };
        slot.queue.retain(|queued| queued != id);
        slot.pending.remove(id).is_some_and(|p| p.held_by.is_some())
    }

    /// An agent's long poll: records the contact, hands out what was lost,
    /// and answers with the operations waiting (at once, or as soon as one
    /// arrives, or empty after `hold`). The [`Contact`] is `Some` when it
    /// is due to be written to the database.
    pub async fn poll(
        &self,
        agent: &str,
        poll: &AgentPoll,
        hold: Duration,
    ) -> Result<(AgentWork, Option<Contact>), Superseded> {
        let deadline = tokio::time::Instant::now() + hold;
        let (wake, contact) = {
            let mut slots = self.slots();
            let slot = slots.entry(agent.to_owned()).or_default();
            let contact = slot.greet(agent, poll);
            slot.polls += 1;
            (slot.wake.clone(), contact)
        };
        let _polling = PollGuard { relay: self, agent };
        loop {
            let notified = wake.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut slots = self.slots();
                let slot = slots.get_mut(agent).expect("the slot outlives its polls");
                if slot.session.as_ref().is_some_and(|s| s.id != poll.session) {
                    return Err(Superseded);
                }
                let work = slot.hand_out(&poll.session);
                if !work.operations.is_empty() || self.closing.load(std::sync::atomic::Ordering::SeqCst) {
                    return Ok((work, contact));
                }
            }
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(deadline) => return Ok((AgentWork::default(), contact)),
            }
        }
    }

    /// Settles operations with the agent's results; returns how many were
    /// still waiting for one (late and repeated results are ignored).
    pub fn complete(&self, agent: &str, session: &str, results: Vec<AgentResult>) -> (u32, Option<Contact>) {
        let (accepted, contact, _) = self.settle(agent, session, results);
        (accepted, contact)
    }

    /// [`Relay::complete`], also giving back the results of operations this
    /// relay does not hold: late or repeated ones, or ones another instance
    /// handed out ([`forwarding::Forwarding::pass_on`] takes them there).
    pub fn settle(
        &self,
        agent: &str,
        session: &str,
        results: Vec<AgentResult>,
    ) -> (u32, Option<Contact>, Vec<AgentResult>) {
        let mut unknown = Vec::new();
        let mut slots = self.slots();
        let slot = slots.entry(agent.to_owned()).or_default();
        let contact = slot
            .session
            .as_mut()
            .filter(|s| s.id == session)
            .and_then(|s| s.touch(agent));
        let mut accepted = 0;
        for result in results {
            if let Some(pending) = slot.pending.remove(&result.id) {
                slot.queue.retain(|queued| *queued != result.id);
                // The caller may have given up at this very moment; the
                // result then has nobody to tell.
                if pending.reply.send(result.outcome).is_ok() {
                    accepted += 1;
                }
            } else {
                unknown.push(result);
            }
        }
        (accepted, contact, unknown)
    }

    /// The ids of the operations waiting here for each agent's result.
    pub fn awaited(&self) -> Vec<(String, HashSet<String>)> {
        self.slots()
            .iter()
            .filter(|(_, slot)| !slot.pending.is_empty())
            .map(|(agent, slot)| (agent.clone(), slot.pending.keys().cloned().collect()))
            .collect()
    }

    /// How operations reach agents polling other instances, if they can.
    pub fn forwarding(&self) -> Option<&forwarding::Forwarding> {
        self.forwarding.as_ref()
    }

    /// Answers every held poll now, and every later one at once: the
    /// server is shutting down and should not wait for them.
    pub fn close(&self) {
        self.closing.store(true, std::sync::atomic::Ordering::SeqCst);
        for slot in self.slots().values() {
            slot.wake.notify_waiters();
        }
    }

    /// The agents whose poll this instance holds right now.
    pub fn polling_agents(&self) -> Vec<String> {
        self.slots()
            .iter()
            .filter(|(_, slot)| slot.polls > 0)
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// Every agent that has polled or has operations, by name.
    pub fn live(&self) -> BTreeMap<String, LiveAgent> {
        let slots = self.slots();
        slots
            .iter()
            .map(|(name, slot)| {
                let in_progress = slot.pending.values().filter(|p| p.held_by.is_some()).count();
                let live = LiveAgent {
                    name: name.clone(),
                    connected: slot.connected(),
                    contact: slot.session.as_ref().map(|s| s.contact(name)),
                    queued: count(slot.queue.len()),
                    in_progress: count(in_progress),
                };
                (name.clone(), live)
            })
            .collect()
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Slot {
    /// Polling now, or polled within [`CONNECTED_WITHIN_SECONDS`].
    fn connected(&self) -> bool {
        self.polls > 0
            || self
                .session
                .as_ref()
                .is_some_and(|s| s.last_contact.elapsed() < Duration::from_secs(CONNECTED_WITHIN_SECONDS))
    }

    /// Takes in a poll: a new session gets back everything handed to the
    /// previous one; a known session gets back what it says it does not hold.
    fn greet(&mut self, agent: &str, poll: &AgentPoll) -> Option<Contact> {
        let same = self.session.as_ref().is_some_and(|s| s.id == poll.session);
        if same {
            let holding: HashSet<&str> = poll.working.iter().map(String::as_str).collect();
            self.take_back(|held_by, id| held_by == poll.session && !holding.contains(id));
            return self.session.as_mut().and_then(|s| s.touch(agent));
        }
        self.take_back(|_, _| true);
        let now = Utc::now();
        let session = Session {
            id: poll.session.clone(),
            version: poll.version.clone(),
            host: poll.host.clone(),
            supports: poll.supports.clone(),
            since: now,
            last_contact: Instant::now(),
            last_contact_at: now,
            recorded: Some(Instant::now()),
        };
        let contact = session.contact(agent);
        self.session = Some(session);
        // A poll of the previous session still held learns it is superseded.
        self.wake.notify_waiters();
        Some(contact)
    }

    /// Puts operations handed out (to the session and id `lost` says) back
    /// at the front of the queue, in their original order.
    fn take_back(&mut self, lost: impl Fn(&str, &str) -> bool) {
        let mut returning: Vec<&String> = self
            .pending
            .iter()
            .filter(|(id, p)| p.held_by.as_deref().is_some_and(|session| lost(session, id)))
            .map(|(id, _)| id)
            .collect();
        if returning.is_empty() {
            return;
        }
        returning.sort_by_key(|id| self.pending[*id].seq);
        let returning: Vec<String> = returning.into_iter().cloned().collect();
        for id in returning.iter().rev() {
            if let Some(pending) = self.pending.get_mut(id) {
                pending.held_by = None;
            }
            self.queue.push_front(id.clone());
        }
    }

    /// The next operations for `session`, marked as held by it. One the
    /// session does not announce (an older agent took over after it was
    /// queued) is answered `Unsupported` instead of being handed out.
    fn hand_out(&mut self, session: &str) -> AgentWork {
        let mut work = AgentWork::default();
        while work.operations.len() < MAX_BATCH {
            let Some(id) = self.queue.pop_front() else { break };
            if let Some(operation) = self.pending.get(&id).and_then(|p| p.operation.request.requires())
                && !self.session.as_ref().is_some_and(|s| s.supports(operation))
            {
                if let Some(pending) = self.pending.remove(&id) {
                    let failure = AgentFailure::Unsupported {
                        detail: format!("the agent does not announce the operation `{operation}`"),
                    };
                    let _ = pending.reply.send(AgentOutcome::Failed { failure });
                }
                continue;
            }
            let Some(pending) = self.pending.get_mut(&id) else {
                continue;
            };
            pending.held_by = Some(session.to_owned());
            pending.operation.delivery += 1;
            work.connections
                .entry(pending.operation.connection.clone())
                .or_insert_with(|| (*pending.connection).clone());
            work.operations.push(pending.operation.clone());
        }
        work
    }
}

impl Session {
    fn supports(&self, operation: &str) -> bool {
        self.supports.iter().any(|s| s == operation)
    }

    /// Records a contact now; the [`Contact`] when it is due to be written.
    fn touch(&mut self, agent: &str) -> Option<Contact> {
        self.last_contact = Instant::now();
        self.last_contact_at = Utc::now();
        if self.recorded.is_some_and(|at| at.elapsed() < RECORD_EVERY) {
            return None;
        }
        self.recorded = Some(Instant::now());
        Some(self.contact(agent))
    }

    fn contact(&self, agent: &str) -> Contact {
        Contact {
            name: agent.to_owned(),
            last_contact_at: self.last_contact_at,
            connected_since: self.since,
            version: self.version.clone(),
            host: self.host.clone(),
        }
    }
}

/// Counts a poll as held until it returns, however it returns.
struct PollGuard<'a> {
    relay: &'a Relay,
    agent: &'a str,
}

impl Drop for PollGuard<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.relay.slots().get_mut(self.agent) {
            slot.polls = slot.polls.saturating_sub(1);
            if let Some(session) = slot.session.as_mut() {
                session.last_contact = Instant::now();
                session.last_contact_at = Utc::now();
            }
        }
    }
}
