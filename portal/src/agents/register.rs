//! Registering an agent: its name, checked as the server checks it, makes
//! an agent token, shown this once with the command that runs the agent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::auth::{TOKENS_PATH, TokenCreateRequest, TokenCreated, TokenScope};

use crate::api::{self, Failure};
use crate::ui::{CopyField, ErrorNote};

/// The form; `on_created` is told of each new token.
#[component]
pub fn Register(on_created: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<Failure>);
    let created = RwSignal::new(None::<TokenCreated>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        created.set(None);
        let request = TokenCreateRequest {
            name: None,
            scope: TokenScope::Agent,
            job: None,
            agent: Some(name.get_untracked().trim().to_owned()),
            expires_in: None,
        };
        problem.set(request.check().err());
        if problem.get_untracked().is_some() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::post::<_, TokenCreated>(TOKENS_PATH, &request).await {
                Ok(token) => {
                    created.set(Some(token));
                    name.set(String::new());
                    on_created.run(());
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    view! {
        <section class="panel agent-register" aria-labelledby="register-title">
            <h2 id="register-title">"Register an agent"</h2>
            <form class="job-form" on:submit=submit novalidate>
                <label for="agent-name">"Agent name"</label>
                <input id="agent-name" type="text" required maxlength="100" autocomplete="off"
                    aria-describedby="agent-name-hint agent-name-problem"
                    aria-invalid=move || problem.with(Option::is_some).to_string()
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <p class="hint" id="agent-name-hint">"The name jobs use in their target's "<code>"via_agent"</code>", e.g. datacenter-1."</p>
                <p class="field-error" id="agent-name-problem" role="alert" hidden=move || problem.with(Option::is_none)>
                    {move || problem.get()}
                </p>
                <div class="actions">
                    <button type="submit" class="primary" id="create-agent-token" disabled=move || busy.get()>"Create token"</button>
                </div>
            </form>
            {move || created.get().map(|token| {
                let command = format!("provisio agent --server {origin} --token {}", token.token.expose());
                view! {
                    <div class="new-token job-form" role="status">
                        <p class="warning"><strong>"Copy this token now: it will not be shown again."</strong></p>
                        <CopyField id="new-agent-token" label="Token" value=token.token.expose().to_owned() />
                        <CopyField id="new-agent-command" label="Run the agent with" value=command />
                    </div>
                }
            })}
            <ErrorNote failure=failure />
        </section>
    }
}
