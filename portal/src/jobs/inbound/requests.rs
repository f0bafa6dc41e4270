//! The job's recent bulk requests, read again every few seconds while the
//! tab is open, and the records of the one selected with their outcomes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::inbound::{RecordResult, RecordStatus, RequestState, RequestStatus, RequestSummary};
use provisio_api::inbound::{request_path, requests_path};

use crate::api::{self, Failure};
use crate::jobs::state::JobSignal;
use crate::ui::short_time;
use crate::ui::{ErrorNote, Loading};

/// How many requests the list shows.
const RECENT: usize = 20;
/// How often the list is read again while shown.
const POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// A wire enum's lowercase name (`done`, `failure`…).
fn name_of(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[component]
pub fn Requests(job: JobSignal) -> impl IntoView {
    let requests = RwSignal::new(None::<Vec<RequestSummary>>);
    let failure = RwSignal::new(None::<Failure>);
    let selected = RwSignal::new(None::<String>);
    // Kept here: the records below are made afresh whenever their request changes.
    let failures_only = RwSignal::new(false);
    let load = move || {
        let path = format!(
            "{}?limit={RECENT}",
            requests_path(&job.with_untracked(|j| j.id.clone()))
        );
        spawn_local(async move {
            match api::get::<Vec<RequestSummary>>(&path).await {
                Ok(read) => {
                    failure.set(None);
                    // Only a change re-renders, so polling leaves focus where it is.
                    if requests.with_untracked(|r| r.as_ref() != Some(&read)) {
                        requests.set(Some(read));
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    load();
    if let Ok(handle) = set_interval_with_handle(load, POLL) {
        on_cleanup(move || handle.clear());
    }
    // The selected request as the list last read it: its records are read
    // again whenever that changes (records processed meanwhile).
    let current = Memo::new(move |_| {
        let id = selected.get()?;
        requests.with(|r| r.as_ref()?.iter().find(|s| s.id == id).cloned())
    });
    view! {
        <section class="panel inbound-requests" aria-labelledby="requests-title">
            <h2 id="requests-title">"Recent requests"</h2>
            <ErrorNote failure=failure />
            {move || match requests.get() {
                None => view! { <Loading /> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="empty">"No requests received yet."</p> }.into_any(),
                Some(list) => view! { <RequestTable list selected /> }.into_any(),
            }}
            {move || current.get().map(|summary| view! { <Records job summary failures_only /> })}
        </section>
    }
}

#[component]
fn RequestTable(list: Vec<RequestSummary>, selected: RwSignal<Option<String>>) -> impl IntoView {
    view! {
        <table class="jobs-table requests-table">
            <thead><tr>
                <th scope="col">"Received"</th><th scope="col">"State"</th><th scope="col">"Operations"</th>
                <th scope="col">"Succeeded"</th><th scope="col">"Failed"</th>
                <th scope="col">"Skipped"</th><th scope="col">"Pending"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|r| {
                    let id = r.id.clone();
                    let is_selected = Memo::new(move |_| selected.with(|s| s.as_deref() == Some(id.as_str())));
                    let pick = r.id.clone();
                    view! {
                        <tr class:selected=is_selected data-state=name_of(r.state)>
                            <td><button type="button" class="link-button request-open" aria-pressed=move || is_selected.get().to_string()
                                on:click=move |_| selected.set(Some(pick.clone()))>{short_time(&r.received_at)}</button></td>
                            <td class="request-state">{name_of(r.state)}</td>
                            <td>{r.operations}</td>
                            <td class="request-succeeded">{r.succeeded}</td>
                            <td>{r.failed}</td>
                            <td>{r.skipped}</td>
                            <td>{r.pending}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// One request's records, read when selected and whenever its summary changes.
#[component]
fn Records(job: JobSignal, summary: RequestSummary, failures_only: RwSignal<bool>) -> impl IntoView {
    let path = request_path(&job.with_untracked(|j| j.id.clone()), &summary.id);
    let loaded = LocalResource::new(move || {
        let path = path.clone();
        async move { api::get::<RequestStatus>(&path).await }
    });
    let failure = RwSignal::new(None::<Failure>);
    let pending = summary.state != RequestState::Done;
    view! {
        <section class="request-records" aria-labelledby="records-title">
            <h3 id="records-title">{format!("Records of the request received {}", short_time(&summary.received_at))}</h3>
            {pending.then(|| view! { <p class="hint">"Records are processed while the job runs."</p> })}
            <label class="check">
                <input type="checkbox" id="failures-only" prop:checked=move || failures_only.get()
                    on:change=move |e| failures_only.set(event_target_checked(&e)) />
                "Failures only"
            </label>
            {move || match loaded.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => {
                    failure.set(Some(e));
                    view! { <ErrorNote failure=failure /> }.into_any()
                }
                Some(Ok(status)) => {
                    let records: Vec<RecordResult> = status.records.into_iter()
                        .filter(|r| !failures_only.get() || r.status == RecordStatus::Failure)
                        .collect();
                    view! { <RecordTable records /> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn RecordTable(records: Vec<RecordResult>) -> impl IntoView {
    if records.is_empty() {
        return view! { <p class="empty">"No records to show."</p> }.into_any();
    }
    view! {
        <table class="jobs-table records-table">
            <thead><tr>
                <th scope="col">"#"</th><th scope="col">"bulkId"</th><th scope="col">"externalId"</th>
                <th scope="col">"Status"</th><th scope="col">"Action"</th><th scope="col">"Error"</th>
                <th scope="col">"Log"</th>
            </tr></thead>
            <tbody>
                {records.into_iter().map(|r| {
                    let status = name_of(r.status);
                    let status_attr = status.clone();
                    let error = match (r.error_code, r.error) {
                        (Some(code), Some(text)) => format!("{code}: {text}"),
                        (code, text) => code.or(text).unwrap_or_default(),
                    };
                    view! {
                        <tr>
                            <td>{r.index}</td>
                            <td><code>{r.bulk_id.unwrap_or_default()}</code></td>
                            <td><code>{r.external_id.unwrap_or_default()}</code></td>
                            <td class="record-status" data-status=status_attr>{status}</td>
                            <td>{r.action.unwrap_or_default()}</td>
                            <td class="record-error">{error}</td>
                            <td>{r.log_id.map(|id| view! {
                                <a href=format!("/logs/{}", api::encode(&id))>"View log"</a>
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
