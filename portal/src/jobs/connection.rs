//! The Connection tab: where the job writes (the SCIM base URL), its
//! write-only token, the SCIM compatibility mode, and "Test connection",
//! which tries the saved settings against the target. A target reached
//! through an on-premises agent (`via_agent`) also shows that agent's
//! status, read once from the agents list.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::agents::{AGENTS_PATH, AgentSummary};
use provisio_api::engine::job::{JobDefinition, JobProblem, ScimAuth, Secret, Target};
use provisio_api::jobs::MASK;
use provisio_api::jobs::connection::{ConnectionTest, test_connection_path};
use serde_json::Value;

use super::definition::problems::{FieldProblems, ProblemList, has_problem};
use super::definition::{save_document, show_failure};
use super::state::JobSignal;
use crate::api::{self, Failure};
use crate::ui::ErrorNote;

/// Where [`provisio_api::jobs::JobDetail::secrets`] names the SCIM token.
const TOKEN_FIELD: &str = "target.auth.bearer_token";

/// A definition as a JSON document carrying `token`: `None` keeps the
/// stored one (the definition holds it masked), `Some("")` clears it, any
/// other text replaces it. A [`Secret`] never serialises its value, so the
/// new token is written into the document itself.
pub(super) fn document_with_token(definition: &JobDefinition, token: Option<&str>) -> Value {
    let mut document = crate::jobs::state::definition_document(definition);
    if let (Some(token), Some(Value::Object(auth))) = (token, document.pointer_mut("/target/auth")) {
        auth.insert("bearer_token".to_owned(), Value::String(token.to_owned()));
    }
    document
}

#[component]
pub fn ConnectionTab(job: JobSignal) -> impl IntoView {
    // Read once: the form keeps its own state (and its "Saved.") across saves.
    match job.with_untracked(|j| j.definition.target.clone()) {
        Target::Scim {
            base_url,
            entra_compatible,
            soft_delete,
            ..
        } => view! { <ScimConnection job=job base_url=base_url entra_compatible=entra_compatible soft_delete=soft_delete /> }
        .into_any(),
        Target::Directory => view! {
            <h2>"Connection"</h2>
            <p>"This job writes to Provisio's own directory: there is no connection to set."</p>
        }
        .into_any(),
        other => {
            let (what, address) = match &other {
                Target::Ldap(ldap) => ("an LDAP directory", ldap.url.clone()),
                Target::Sql(sql) => ("a SQL database", sql.url.clone()),
                Target::Rest(rest) => ("a REST API", rest.base_url.clone()),
                Target::Scim { .. } | Target::Directory => ("an application", String::new()),
            };
            let agent = other
                .via_agent()
                .map(|name| view! { <AgentStatus name=name.to_owned() /> });
            view! {
                <h2>"Connection"</h2>
                <p>"This job writes to " {what} " at " <code>{address}</code>
                    ". Its connection (address, credentials, and how objects are written) is edited in the "
                    <a href="definition">"Definition"</a> " tab; credentials stay write-only."</p>
                {agent}
                <TestConnection job=job />
            }
            .into_any()
        }
    }
}

#[component]
fn ScimConnection(job: JobSignal, base_url: String, entra_compatible: bool, soft_delete: bool) -> impl IntoView {
    let base_url = RwSignal::new(base_url);
    let entra_compatible = RwSignal::new(entra_compatible);
    let soft_delete = RwSignal::new(soft_delete);
    let token = RwSignal::new(String::new());
    let clear_token = RwSignal::new(false);
    let token_set = move || job.with(|j| j.secrets.get(TOKEN_FIELD).copied().unwrap_or(false));
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problems.set(Vec::new());
        failure.set(None);
        saved.set(false);
        let mut definition = job.with_untracked(|j| j.definition.clone());
        definition.target = Target::Scim {
            base_url: base_url.get_untracked().trim().to_owned(),
            auth: ScimAuth {
                bearer_token: Some(Secret::new(MASK)),
            },
            entra_compatible: entra_compatible.get_untracked(),
            soft_delete: soft_delete.get_untracked(),
        };
        let new_token = token.get_untracked();
        let replacement = if clear_token.get_untracked() {
            Some(String::new())
        } else {
            (!new_token.is_empty()).then_some(new_token)
        };
        let document = document_with_token(&definition, replacement.as_deref());
        busy.set(true);
        spawn_local(async move {
            match save_document(job, &document).await {
                Ok(()) => {
                    token.set(String::new());
                    clear_token.set(false);
                    saved.set(true);
                }
                Err(e) => show_failure(e, problems, failure),
            }
            busy.set(false);
        });
    };

    view! {
        <h2>"Connection"</h2>
        <form class="job-form" on:submit=save>
            <label for="connection-url">"Tenant URL (SCIM base URL)"</label>
            <input id="connection-url" type="url" class="code" required autocomplete="off"
                aria-describedby="connection-url-problem"
                aria-invalid=move || problems.with(|p| has_problem(p, "target.base_url")).to_string()
                prop:value=move || base_url.get() on:input=move |e| base_url.set(event_target_value(&e)) />
            <FieldProblems problems=problems location="target.base_url" id="connection-url-problem" />

            <label for="connection-token">"Secret token"</label>
            <input id="connection-token" type="password" autocomplete="new-password"
                aria-describedby="connection-token-hint"
                placeholder=move || if token_set() { "•••••••• stored (leave empty to keep it)" } else { "none stored" }
                disabled=move || clear_token.get()
                prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e)) />
            <p class="hint" id="connection-token-hint">
                {move || if token_set() {
                    "A token is stored. It is never shown: type a new one to replace it, or leave the field empty to keep it."
                } else {
                    "No token is stored: the target is called without credentials."
                }}
            </p>
            <Show when=token_set>
                <label class="check">
                    <input type="checkbox" prop:checked=move || clear_token.get()
                        on:change=move |e| clear_token.set(event_target_checked(&e)) />
                    "Remove the stored token"
                </label>
            </Show>

            <label class="check">
                <input type="checkbox" aria-describedby="connection-entra-hint" prop:checked=move || entra_compatible.get()
                    on:change=move |e| entra_compatible.set(event_target_checked(&e)) />
                "Entra-compatible requests"
            </label>
            <p class="hint" id="connection-entra-hint">"Send the requests Microsoft Entra ID sends (many SaaS apps were built against them) instead of strictly RFC 7644 ones."</p>
            <label class="check">
                <input type="checkbox" aria-describedby="connection-soft-delete-hint" prop:checked=move || soft_delete.get()
                    on:change=move |e| soft_delete.set(event_target_checked(&e)) />
                "The application supports soft delete (active)"
            </label>
            <p class="hint" id="connection-soft-delete-hint">"When it does not, disabling an account deletes it."</p>

            <ProblemList problems=problems />
            <ErrorNote failure=failure />
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Saving…" } else { "Save" }}
                </button>
                <span class="saved-note" role="status">{move || saved.get().then_some("Saved.")}</span>
            </div>
        </form>
        <TestConnection job=job />
    }
}

/// "Reached through the on-premises agent `name`: " and its status, read
/// once from the agents list (an agent not listed never connected).
#[component]
fn AgentStatus(name: String) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let wanted = name.clone();
    let listed = LocalResource::new(move || {
        let wanted = wanted.clone();
        async move {
            let agents: Vec<AgentSummary> = api::get(AGENTS_PATH).await?;
            Ok::<_, Failure>(agents.into_iter().find(|a| a.name == wanted))
        }
    });
    let status = move || match listed.get() {
        // Inline: the line is a paragraph, so no `Loading` paragraph in it.
        None => view! { <span class="loading">"checking…"</span> }.into_any(),
        Some(Err(e)) => {
            failure.set(Some(e));
            view! { <span>"unknown"</span> }.into_any()
        }
        Some(Ok(agent)) => {
            let text = match agent {
                Some(a) if a.connected => "connected".to_owned(),
                Some(AgentSummary {
                    last_contact_at: Some(at),
                    ..
                }) => format!("not connected (last contact {})", crate::logs::format::time(&at)),
                _ => "never connected".to_owned(),
            };
            view! { <span class="agent-connection-status">{text}</span> }.into_any()
        }
    };
    view! {
        <p class="connection-agent">
            "Reached through the on-premises agent " <code>{name}</code> ": " {status} ". See "
            <a href="/agents">"Agents"</a> "."
        </p>
        <ErrorNote failure=failure />
    }
}

/// "Test connection" and how the target answered.
#[component]
fn TestConnection(job: JobSignal) -> impl IntoView {
    let result = RwSignal::new(None::<ConnectionTest>);
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let test = move |_| {
        result.set(None);
        failure.set(None);
        busy.set(true);
        let path = test_connection_path(&job.with_untracked(|j| j.id.clone()));
        spawn_local(async move {
            match api::post::<_, ConnectionTest>(&path, &serde_json::Map::new()).await {
                Ok(answer) => result.set(Some(answer)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="connection-test" aria-labelledby="connection-test-title">
            <h3 id="connection-test-title">"Test connection"</h3>
            <p class="hint">"Tries the saved address and token: save your changes first."</p>
            <button type="button" on:click=test disabled=move || busy.get()>
                {move || if busy.get() { "Testing…" } else { "Test connection" }}
            </button>
            <div class="test-result-slot" role="status">
                {move || result.get().map(|answer| view! {
                    <p class="test-result" data-ok=answer.ok.to_string()>
                        <strong>{if answer.ok { "Connection succeeded" } else { "Connection failed" }}</strong>
                        ": "{answer.message}" ("<code>{answer.base_url}</code>")"
                    </p>
                })}
            </div>
            <ErrorNote failure=failure />
        </section>
    }
}
