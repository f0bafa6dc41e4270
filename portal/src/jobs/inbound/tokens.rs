//! The job's inbound tokens: listed (never the token itself), created (the
//! token shown this once) and revoked after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::auth::{TOKENS_PATH, TokenCreateRequest, TokenCreated, TokenScope, TokenSummary, token_path};

use crate::api::{self, Failure};
use crate::jobs::state::JobSignal;
use crate::tokens::TokenTable;
use crate::ui::{CopyField, ErrorNote, Loading};

/// The tokens that may upload to the job: the server binds an inbound token
/// to its job and lists it with the job's current name.
async fn job_tokens(name: &str) -> Result<Vec<TokenSummary>, Failure> {
    let all: Vec<TokenSummary> = api::get(TOKENS_PATH).await?;
    Ok(all
        .into_iter()
        .filter(|t| t.scope == TokenScope::Inbound && t.job.as_deref() == Some(name))
        .collect())
}

#[component]
pub fn Tokens(job: JobSignal) -> impl IntoView {
    let tokens = RwSignal::new(None::<Vec<TokenSummary>>);
    let failure = RwSignal::new(None::<Failure>);
    let created = RwSignal::new(None::<TokenCreated>);
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let load = move || {
        let job_name = job.with_untracked(|j| j.definition.name.clone());
        spawn_local(async move {
            match job_tokens(&job_name).await {
                Ok(list) => tokens.set(Some(list)),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    load();
    let create = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        failure.set(None);
        created.set(None);
        busy.set(true);
        let label = name.get_untracked().trim().to_owned();
        let request = TokenCreateRequest {
            name: (!label.is_empty()).then_some(label),
            scope: TokenScope::Inbound,
            job: Some(job.with_untracked(|j| j.definition.name.clone())),
            agent: None,
            expires_in: None,
        };
        spawn_local(async move {
            match api::post::<_, TokenCreated>(TOKENS_PATH, &request).await {
                Ok(token) => {
                    created.set(Some(token));
                    name.set(String::new());
                    load();
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let revoke = move |id: String| {
        failure.set(None);
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = api::delete(&token_path(&api::encode(&id))).await {
                failure.set(Some(e));
            }
            load();
            busy.set(false);
        });
    };
    view! {
        <section class="panel inbound-tokens" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"Tokens"</h2>
            <p class="hint">"An inbound token may only upload to this job. Give each system its own, so one can be revoked alone."</p>
            {move || match tokens.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"No tokens yet."</p> }.into_any(),
                Some(list) => view! {
                    <TokenTable list refused="Uploads with it are refused at once."
                        busy=busy revoke=Callback::new(revoke) />
                }.into_any(),
            }}
            <form class="job-form" on:submit=create>
                <label for="token-name">"New token's name (optional)"</label>
                <input id="token-name" type="text" maxlength="100" autocomplete="off"
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <div class="actions">
                    <button type="submit" class="primary" id="create-token" disabled=move || busy.get()>"Create token"</button>
                </div>
            </form>
            {move || created.get().map(|token| view! {
                <div class="new-token job-form" role="status">
                    <p class="warning"><strong>"Copy this token now: it will not be shown again."</strong></p>
                    <CopyField id="new-token-value" label="Token" value=token.token.expose().to_owned() />
                </div>
            })}
            <ErrorNote failure=failure />
        </section>
    }
}
