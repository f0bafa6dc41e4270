//! The relay's hand-out rules, with a pretend agent polling it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use provisio_api::agents::{
    AgentConnection, AgentOperation, AgentOutcome, AgentPoll, AgentReply, AgentRequest, AgentResult,
};
use provisio_engine::job::Target;

use super::*;

const NO_WAIT: Duration = Duration::from_millis(10);

fn poll(session: &str, working: &[&str]) -> AgentPoll {
    AgentPoll {
        session: session.to_owned(),
        version: "test".into(),
        host: "here".into(),
        working: working.iter().map(|id| (*id).to_owned()).collect(),
        supports: provisio_api::agents::AGENT_OPERATIONS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    }
}

/// A poll of an agent from before `supports`.
fn old_poll(session: &str) -> AgentPoll {
    AgentPoll {
        supports: Vec::new(),
        ..poll(session, &[])
    }
}

fn find_many() -> AgentRequest {
    AgentRequest::FindMany {
        kind: provisio_engine::job::SourceKind::User,
        attribute: "uid".into(),
        values: Vec::new(),
    }
}

fn connection() -> (String, Arc<AgentConnection>) {
    let connection = AgentConnection {
        target: Target::Directory,
        secrets: BTreeMap::new(),
    };
    ("key-1".to_owned(), Arc::new(connection))
}

fn done(id: &str) -> AgentResult {
    AgentResult {
        id: id.to_owned(),
        outcome: AgentOutcome::Done {
            reply: AgentReply::Done,
        },
    }
}

/// Starts a call in the background, as a connector would make it.
fn call(relay: &Arc<Relay>, timeout: Duration) -> tokio::task::JoinHandle<Result<AgentOutcome, Unanswered>> {
    let relay = relay.clone();
    tokio::spawn(async move {
        relay
            .call("dc-1", "LDAP", connection(), AgentRequest::TestConnection, timeout)
            .await
    })
}

/// The first operation a poll of `session` gets.
async fn take(relay: &Relay, session: &str, working: &[&str]) -> AgentOperation {
    let (work, _) = relay
        .poll("dc-1", &poll(session, working), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(work.connections.contains_key("key-1"), "the connection travels with it");
    work.operations.into_iter().next().expect("an operation")
}

#[tokio::test]
async fn an_agent_that_never_polled_fails_the_call_at_once() {
    let relay = Arc::new(Relay::new());
    let outcome = call(&relay, Duration::from_secs(60)).await.unwrap();
    assert_eq!(outcome, Err(Unanswered::NotConnected { last_contact_at: None }));
}

#[tokio::test]
async fn a_result_settles_the_call_once() {
    let relay = Arc::new(Relay::new());
    let (work, contact) = relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    assert!(work.operations.is_empty());
    assert_eq!(contact.expect("a new session is recorded").host, "here");
    let pending = call(&relay, Duration::from_secs(5));
    let operation = take(&relay, "s1", &[]).await;
    assert_eq!(operation.delivery, 1);
    assert_eq!(operation.job, "LDAP");
    let (accepted, _) = relay.complete("dc-1", "s1", vec![done(&operation.id)]);
    assert_eq!(accepted, 1);
    assert!(matches!(pending.await.unwrap(), Ok(AgentOutcome::Done { .. })));
    let (again, _) = relay.complete("dc-1", "s1", vec![done(&operation.id)]);
    assert_eq!(again, 0, "a repeated result changes nothing");
}

#[tokio::test]
async fn a_new_session_gets_what_the_previous_one_held() {
    let relay = Arc::new(Relay::new());
    relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    let pending = call(&relay, Duration::from_secs(5));
    let first = take(&relay, "s1", &[]).await;
    // The agent process is killed and started again.
    let second = take(&relay, "s2", &[]).await;
    assert_eq!(second.id, first.id);
    assert_eq!(second.delivery, 2, "the agent learns it may be a repeat");
    relay.complete("dc-1", "s2", vec![done(&second.id)]);
    assert!(pending.await.unwrap().is_ok());
}

#[tokio::test]
async fn an_operation_lost_on_the_way_is_handed_out_again() {
    let relay = Arc::new(Relay::new());
    relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    let _pending = call(&relay, Duration::from_secs(5));
    let first = take(&relay, "s1", &[]).await;
    // Still working on it: nothing to hand out.
    let (work, _) = relay.poll("dc-1", &poll("s1", &[&first.id]), NO_WAIT).await.unwrap();
    assert!(work.operations.is_empty());
    // The answer that carried it never arrived: the next poll does not list it.
    let again = take(&relay, "s1", &[]).await;
    assert_eq!((again.id, again.delivery), (first.id, 2));
}

#[tokio::test]
async fn the_superseded_process_is_told_so() {
    let relay = Arc::new(Relay::new());
    relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    let old = {
        let relay = relay.clone();
        tokio::spawn(async move { relay.poll("dc-1", &poll("s1", &[]), Duration::from_secs(5)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    relay.poll("dc-1", &poll("s2", &[]), NO_WAIT).await.unwrap();
    assert_eq!(old.await.unwrap().unwrap_err(), Superseded);
}

#[tokio::test]
async fn closing_answers_held_polls_at_once() {
    let relay = Arc::new(Relay::new());
    let held = {
        let relay = relay.clone();
        tokio::spawn(async move { relay.poll("dc-1", &poll("s1", &[]), Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    relay.close();
    let answered = tokio::time::timeout(Duration::from_secs(2), held).await;
    let (work, _) = answered.expect("answered at once").unwrap().unwrap();
    assert!(work.operations.is_empty());
}

#[tokio::test]
async fn a_call_nobody_answers_times_out_and_is_withdrawn() {
    let relay = Arc::new(Relay::new());
    relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    let outcome = call(&relay, Duration::from_millis(50)).await.unwrap();
    assert_eq!(outcome, Err(Unanswered::TimedOut { handed_out: false }));
    let (work, _) = relay.poll("dc-1", &poll("s1", &[]), NO_WAIT).await.unwrap();
    assert!(work.operations.is_empty(), "a withdrawn operation is not handed out");
    let live = relay.live();
    assert!(live["dc-1"].connected);
    assert_eq!((live["dc-1"].queued, live["dc-1"].in_progress), (0, 0));
}

#[tokio::test]
async fn an_agent_that_does_not_announce_an_operation_is_never_sent_it() {
    let relay = Arc::new(Relay::new());
    let (_, _) = relay.poll("dc-1", &old_poll("old"), NO_WAIT).await.unwrap();
    let outcome = relay
        .call("dc-1", "LDAP", connection(), find_many(), Duration::from_secs(5))
        .await;
    assert_eq!(outcome, Err(Unanswered::Unsupported { operation: "find_many" }));
    assert_eq!(relay.live()["dc-1"].queued, 0, "nothing was queued");
}

#[tokio::test]
async fn an_older_agent_taking_over_answers_what_it_does_not_know_as_unsupported() {
    let relay = Arc::new(Relay::new());
    let (_, _) = relay.poll("dc-1", &poll("new", &[]), NO_WAIT).await.unwrap();
    let pending = {
        let relay = relay.clone();
        tokio::spawn(async move {
            relay
                .call("dc-1", "LDAP", connection(), find_many(), Duration::from_secs(5))
                .await
        })
    };
    // Let the call queue its operation, then an older process takes over.
    while relay.live()["dc-1"].queued == 0 {
        tokio::task::yield_now().await;
    }
    let (work, _) = relay.poll("dc-1", &old_poll("old"), NO_WAIT).await.unwrap();
    assert!(work.operations.is_empty(), "the old agent is not sent find_many");
    let Ok(AgentOutcome::Failed {
        failure: provisio_api::agents::AgentFailure::Unsupported { .. },
    }) = pending.await.unwrap()
    else {
        panic!("expected an unsupported failure")
    };
}
