//! On-premises agents (`/agents`): each agent with its state, its jobs and
//! its queue, read again every few seconds; registering one (a token and
//! the command that runs it); and each agent's tokens, revocable.

mod register;
mod table;
mod tokens;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::agents::{AGENTS_PATH, AgentSummary};
use provisio_api::auth::{TOKENS_PATH, TokenScope, TokenSummary};

use self::register::Register;
use self::table::AgentTable;
use self::tokens::AgentTokens;
use crate::api::{self, Failure};
use crate::overview::time::now;
use crate::ui::{ErrorNote, Loading};

/// How often the agents are read again while the page is shown.
const POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// What the page shows, read together and shared by its parts.
#[derive(Clone, Copy)]
struct Agents {
    list: RwSignal<Option<Vec<AgentSummary>>>,
    /// Every agent token, revoked ones too.
    tokens: RwSignal<Option<Vec<TokenSummary>>>,
    failure: RwSignal<Option<Failure>>,
    /// The browser's clock at the last reading, for "12 s ago".
    now: RwSignal<chrono::DateTime<chrono::Utc>>,
}

impl Agents {
    /// Reads the agents and their tokens again; only a change re-renders,
    /// so polling leaves focus where it is.
    fn load(self) {
        spawn_local(async move {
            let read = async {
                let list: Vec<AgentSummary> = api::get(AGENTS_PATH).await?;
                let tokens: Vec<TokenSummary> = api::get(TOKENS_PATH).await?;
                Ok::<_, Failure>((list, tokens))
            };
            match read.await {
                Ok((list, tokens)) => {
                    let tokens: Vec<TokenSummary> =
                        tokens.into_iter().filter(|t| t.scope == TokenScope::Agent).collect();
                    self.failure.set(None);
                    self.now.set(now());
                    if self.list.with_untracked(|l| l.as_ref() != Some(&list)) {
                        self.list.set(Some(list));
                    }
                    if self.tokens.with_untracked(|t| t.as_ref() != Some(&tokens)) {
                        self.tokens.set(Some(tokens));
                    }
                }
                Err(e) => self.failure.set(Some(e)),
            }
        });
    }
}

#[component]
pub fn AgentsPage() -> impl IntoView {
    let agents = Agents {
        list: RwSignal::new(None),
        tokens: RwSignal::new(None),
        failure: RwSignal::new(None),
        now: RwSignal::new(now()),
    };
    agents.load();
    if let Ok(handle) = set_interval_with_handle(move || agents.load(), POLL) {
        on_cleanup(move || handle.clear());
    }
    view! {
        <header class="page-header">
            <h1>"Agents"</h1>
        </header>
        <p class="intro">"An agent runs next to systems the server cannot reach, such as an LDAP directory inside your network. It calls the server for work, so nothing needs to reach in."</p>
        <ErrorNote failure=agents.failure />
        {move || match agents.list.get() {
            None => view! { <Loading /> }.into_any(),
            Some(list) if list.is_empty() => view! {
                <p class="empty agents-empty">"No agents yet. Register one below, then run "
                    <code>"provisio agent --server URL --token TOKEN"</code>
                    " next to the systems it reaches, and set "<code>"\"via_agent\": \"NAME\""</code>
                    " in a job's target."</p>
            }.into_any(),
            Some(list) => view! { <AgentTable list now=agents.now /> }.into_any(),
        }}
        <Register on_created=Callback::new(move |()| agents.load()) />
        <AgentTokens agents />
    }
}
