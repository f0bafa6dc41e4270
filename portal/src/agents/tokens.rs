//! Each agent's tokens (never the tokens themselves), grouped by agent,
//! each unrevoked one revocable: the agent using it is refused at once.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::auth::{TokenSummary, token_path};

use super::Agents;
use crate::api::{self, Failure};
use crate::tokens::TokenTable;
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn AgentTokens(agents: Agents) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let revoke = move |id: String| {
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = api::delete(&token_path(&api::encode(&id))).await {
                failure.set(Some(e));
            }
            agents.load();
            busy.set(false);
        });
    };
    view! {
        <section class="panel agent-tokens" aria-labelledby="agent-tokens-title">
            <h2 id="agent-tokens-title">"Agent tokens"</h2>
            <p class="hint">"Give each agent process its own token, so one can be revoked alone."</p>
            <ErrorNote failure=failure />
            {move || match agents.tokens.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"No agent tokens yet."</p> }.into_any(),
                Some(list) => by_agent(list).into_iter().map(|(agent, list)| {
                    let heading = format!("agent-tokens-{agent}");
                    view! {
                        <h3 id=heading.clone()>{agent}</h3>
                        <div role="group" aria-labelledby=heading>
                            <TokenTable list refused="The agent using it is refused at once."
                                busy=busy revoke=Callback::new(revoke) />
                        </div>
                    }
                }).collect_view().into_any(),
            }}
        </section>
    }
}

/// The tokens by the agent they authenticate, agents in name order.
fn by_agent(tokens: Vec<TokenSummary>) -> BTreeMap<String, Vec<TokenSummary>> {
    let mut groups: BTreeMap<String, Vec<TokenSummary>> = BTreeMap::new();
    for token in tokens {
        groups
            .entry(token.agent.clone().unwrap_or_default())
            .or_default()
            .push(token);
    }
    groups
}
