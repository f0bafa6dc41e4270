//! `/jobs/new`: adding an application, from a blank SCIM application (a
//! name, the tenant URL and a token, with Entra's default attribute
//! mappings), from the inbound template (an HR system pushing users into
//! the directory), from an LDAP, SQL or REST template ([`targets`]) or from
//! an exported job definition (pasted or uploaded).

mod targets;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;
use provisio_api::engine::job::{JobProblem, templates};
use provisio_api::jobs::{JOBS_PATH, JobDetail};
use serde_json::Value;

use super::connection::document_with_token;
use super::definition::file;
use super::definition::problems::{FieldProblems, ProblemList, has_problem, problems_of};
use crate::api::{self, Failure};
use crate::ui::ErrorNote;

/// Sends a document to `POST /api/v1/jobs`; on 201 opens the new job's
/// `tab`, otherwise puts the problems or the failure where they belong.
fn create(
    document: Value,
    tab: &'static str,
    busy: RwSignal<bool>,
    problems: RwSignal<Vec<JobProblem>>,
    failure: RwSignal<Option<Failure>>,
    navigate: impl Fn(&str, NavigateOptions) + 'static,
) {
    problems.set(Vec::new());
    failure.set(None);
    busy.set(true);
    spawn_local(async move {
        match api::post::<_, JobDetail>(JOBS_PATH, &document).await {
            Ok(job) => navigate(
                &format!("/jobs/{}/{tab}", api::encode(&job.id)),
                NavigateOptions::default(),
            ),
            Err(e) => {
                let found = problems_of(&e);
                if found.is_empty() {
                    failure.set(Some(e));
                } else {
                    problems.set(found);
                }
                busy.set(false);
            }
        }
    });
}

#[component]
pub fn NewJobPage() -> impl IntoView {
    view! {
        <h1>"New application"</h1>
        <p class="intro">"Start from a blank SCIM application with the usual attribute mappings, from an HR system that pushes users into the directory, from an LDAP directory, a SQL database or a REST API, or import a job definition exported from another Provisio. New applications are stopped until you start them."</p>
        <div class="new-job">
            <BlankScim />
            <Inbound />
            <targets::TargetForms />
            <Import />
        </div>
    }
}

#[component]
fn BlankScim() -> impl IntoView {
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let definition = templates::scim(name.get_untracked().trim(), base_url.get_untracked().trim());
        let token = token.get_untracked();
        let document = document_with_token(&definition, (!token.is_empty()).then_some(token.as_str()));
        create(document, "connection", busy, problems, failure, navigate.clone());
    };
    view! {
        <section class="panel" aria-labelledby="blank-title">
            <h2 id="blank-title">"A SCIM application"</h2>
            <form class="job-form" on:submit=submit>
                <label for="new-name">"Name"</label>
                <input id="new-name" type="text" required maxlength="100" autocomplete="off"
                    aria-describedby="new-name-problem"
                    aria-invalid=move || problems.with(|p| has_problem(p, "name")).to_string()
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <FieldProblems problems=problems location="name" id="new-name-problem" />
                <label for="new-url">"Tenant URL (SCIM base URL)"</label>
                <input id="new-url" type="url" class="code" required autocomplete="off"
                    placeholder="https://app.example/scim/v2"
                    aria-describedby="new-url-problem"
                    aria-invalid=move || problems.with(|p| has_problem(p, "target.base_url")).to_string()
                    prop:value=move || base_url.get() on:input=move |e| base_url.set(event_target_value(&e)) />
                <FieldProblems problems=problems location="target.base_url" id="new-url-problem" />
                <label for="new-token">"Secret token"</label>
                <input id="new-token" type="password" autocomplete="new-password" aria-describedby="new-token-hint"
                    prop:value=move || token.get() on:input=move |e| token.set(event_target_value(&e)) />
                <p class="hint" id="new-token-hint">"Sent as a bearer token. Stored encrypted and never shown again."</p>
                <p class="hint">"Users are matched on userName ← userPrincipalName and groups on displayName; change the mappings afterwards on the Mappings tab."</p>
                <ProblemList problems=problems />
                <ErrorNote failure=failure />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating…" } else { "Create application" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// An inbound job from the template: a system of record uploads SCIM users
/// to it, and it writes them into the directory.
#[component]
fn Inbound() -> impl IntoView {
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let definition = templates::inbound(name.get_untracked().trim());
        let document = crate::jobs::state::definition_document(&definition);
        create(document, "inbound", busy, problems, failure, navigate.clone());
    };
    view! {
        <section class="panel" aria-labelledby="inbound-title">
            <h2 id="inbound-title">"Inbound from an HR system"</h2>
            <form class="job-form" on:submit=submit>
                <label for="inbound-name">"Name"</label>
                <input id="inbound-name" type="text" required maxlength="100" autocomplete="off"
                    aria-describedby="inbound-name-problem"
                    aria-invalid=move || problems.with(|p| has_problem(p, "name")).to_string()
                    prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
                <FieldProblems problems=problems location="name" id="inbound-name-problem" />
                <p class="hint">"Your HR system posts SCIM bulk requests to the job's API endpoint; users are matched on employeeId ← externalId, created and updated, never deleted."</p>
                <ProblemList problems=problems />
                <ErrorNote failure=failure />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating…" } else { "Create inbound application" }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn Import() -> impl IntoView {
    let navigate = use_navigate();
    let text = RwSignal::new(String::new());
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match serde_json::from_str::<Value>(&text.get_untracked()) {
            // Sent as written, so a token in the document is kept.
            Ok(document) => create(document, "connection", busy, problems, failure, navigate.clone()),
            Err(e) => {
                let place = format!("line {}, column {}", e.line(), e.column());
                failure.set(None);
                problems.set(vec![JobProblem::error(place, e.to_string())]);
            }
        }
    };
    let upload = move |event: leptos::ev::Event| {
        let input = event_target::<web_sys::HtmlInputElement>(&event);
        failure.set(None);
        spawn_local(async move {
            match file::read_chosen(&input).await {
                Ok(Some(chosen)) => {
                    text.set(chosen.text);
                    problems.set(Vec::new());
                }
                Ok(None) => {}
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="import-title">
            <h2 id="import-title">"From a job definition"</h2>
            <form class="job-form" on:submit=submit>
                <label for="import-file">"Upload a file"</label>
                <input id="import-file" type="file" accept=".json,application/json" on:change=upload />
                <label for="import-text">"Or paste the definition (JSON)"</label>
                <textarea id="import-text" class="code" rows="14" spellcheck="false" required
                    aria-invalid=move || problems.with(|p| !p.is_empty()).to_string()
                    prop:value=move || text.get() on:input=move |e| text.set(event_target_value(&e))></textarea>
                <ProblemList problems=problems />
                <ErrorNote failure=failure />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Importing…" } else { "Import application" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
