//! Who is acting in the current task: a [`Slot`] the admin API creates per
//! request (and the command line once), filled when the caller is known,
//! read by [`super::record_in`].

use std::future::Future;
use std::sync::{Arc, Mutex};

/// How the actor authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// An administrator signed in with a password (a browser session).
    Administrator,
    /// An admin API token.
    Token,
    /// The command line, working on the database directly.
    Cli,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Administrator => "administrator",
            ActorKind::Token => "token",
            ActorKind::Cli => "cli",
        }
    }
}

/// Who takes an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// The administrator's or token's name, or the operating-system user.
    pub name: String,
    /// The token's id.
    pub id: Option<String>,
    /// The client's address.
    pub address: Option<String>,
}

impl Actor {
    /// The command line run by the operating-system user (`$USER`).
    pub fn cli() -> Actor {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Actor {
            kind: ActorKind::Cli,
            name: user,
            id: None,
            address: None,
        }
    }
}

/// Where a request's actor is kept once known.
#[derive(Debug, Clone, Default)]
pub struct Slot(Arc<Mutex<Option<Actor>>>);

impl Slot {
    /// Records who is acting (the first caller the request authenticated).
    pub fn fill(&self, actor: Actor) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(actor);
        }
    }

    fn actor(&self) -> Option<Actor> {
        self.0.lock().ok().and_then(|slot| slot.clone())
    }
}

tokio::task_local! {
    static CURRENT: Slot;
}

/// Runs `work` with `slot` as the current task's actor slot.
pub async fn scope<F: Future>(slot: Slot, work: F) -> F::Output {
    CURRENT.scope(slot, work).await
}

/// Who is acting in the current task, if anyone.
pub fn acting() -> Option<Actor> {
    CURRENT.try_with(Slot::actor).ok().flatten()
}
