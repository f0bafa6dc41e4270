//! The logs' filter form: time range, job, action, status and identity
//! text. Applying it navigates to the filtered URL, so the URL stays the
//! one source of truth (back and forward work, views can be shared).

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use provisio_api::jobs::{JOBS_PATH, JobSummary};
use provisio_api::logs::{LogAction, LogQuery, LogStatus};

use super::query::{self, from_input_time, to_input_time};
use crate::api;

#[component]
pub fn Filters(#[prop(into)] current: Signal<LogQuery>) -> impl IntoView {
    let navigate = use_navigate();
    let jobs = LocalResource::new(|| api::get::<Vec<JobSummary>>(JOBS_PATH));
    let job = RwSignal::new(String::new());
    let action = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let q = RwSignal::new(String::new());
    let since = RwSignal::new(String::new());
    let until = RwSignal::new(String::new());
    // The fields follow the URL (a new link, back or forward).
    Effect::new(move |_| {
        let c = current.get();
        job.set(c.job.unwrap_or_default());
        action.set(c.action.unwrap_or_default());
        status.set(c.status.unwrap_or_default());
        q.set(c.q.unwrap_or_default());
        since.set(c.since.as_deref().map(to_input_time).unwrap_or_default());
        until.set(c.until.as_deref().map(to_input_time).unwrap_or_default());
    });
    let some = |text: String| Some(text).filter(|t| !t.trim().is_empty());
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let filters = LogQuery {
            job: some(job.get_untracked()),
            action: some(action.get_untracked()),
            status: some(status.get_untracked()),
            q: some(q.get_untracked().trim().to_owned()),
            since: from_input_time(&since.get_untracked()),
            until: from_input_time(&until.get_untracked()),
            // Cycle and code filters come from links; they stay until cleared.
            cycle: current.get_untracked().cycle,
            code: current.get_untracked().code,
            ..LogQuery::default()
        };
        navigate(&format!("/logs{}", query::to_string(&filters)), Default::default());
    };
    let job_options = move || {
        let listed = jobs.get().and_then(Result::ok).unwrap_or_default();
        let chosen = job.get();
        listed
            .into_iter()
            .map(|j| {
                let selected = j.id == chosen;
                view! { <option value=j.id selected=selected>{j.name}</option> }
            })
            .collect_view()
    };
    view! {
        <form class="log-filters" on:submit=apply aria-label="Filters">
            <div class="field">
                <label for="log-since">"Since (UTC)"</label>
                <input id="log-since" type="datetime-local" prop:value=since
                    on:input=move |ev| since.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="log-until">"Until (UTC)"</label>
                <input id="log-until" type="datetime-local" prop:value=until
                    on:input=move |ev| until.set(event_target_value(&ev)) />
            </div>
            <div class="field">
                <label for="log-job">"Application"</label>
                <select id="log-job" prop:value=job on:change=move |ev| job.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {job_options}
                </select>
            </div>
            <div class="field">
                <label for="log-action">"Action"</label>
                <select id="log-action" prop:value=action on:change=move |ev| action.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {LogAction::ALL.iter().map(|a| view! {
                        <option value=a.as_str() selected=move || action.get() == a.as_str()>{a.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="log-status">"Status"</label>
                <select id="log-status" prop:value=status on:change=move |ev| status.set(event_target_value(&ev))>
                    <option value="">"Any"</option>
                    {LogStatus::ALL.iter().map(|s| view! {
                        <option value=s.as_str() selected=move || status.get() == s.as_str()>{s.as_str()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field grow">
                <label for="log-q">"Identity"</label>
                <input id="log-q" type="search" placeholder="id or name, source or target" prop:value=q
                    on:input=move |ev| q.set(event_target_value(&ev)) />
            </div>
            <div class="actions">
                <button type="submit">"Apply"</button>
                <a href="/logs" class="clear">"Clear filters"</a>
            </div>
            {move || current.get().cycle.map(|cycle| view! {
                <p class="cycle-filter">"Only cycle " <code>{cycle}</code></p>
            })}
            {move || current.get().code.map(|code| view! {
                <p class="code-filter">"Only entries with code " <code>{code}</code></p>
            })}
        </form>
    }
}
