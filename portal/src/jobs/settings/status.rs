//! The job's status (`GET …/status`): where its cycles stand, quarantine,
//! the running cycle's progress and the last cycle's figures. Read again
//! every few seconds while the tab is open, and after each action.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::jobs::status::{JobStatus, LastCycle, RunStatus, job_status_path};

use provisio_api::jobs::approval::AllowDeletesResult;

use super::staged::{AllowResult, StagedDeletes};
use crate::api::{self, Failure};
use crate::jobs::state::JobSignal;
use crate::ui::{ErrorNote, Loading};
use crate::ui::{UnmatchedNote, short_time};

/// How often the status is read again while shown.
const POLL: std::time::Duration = std::time::Duration::from_secs(5);

#[component]
pub fn StatusPanel(job: JobSignal, changed: RwSignal<u32>) -> impl IntoView {
    let status = RwSignal::new(None::<JobStatus>);
    let failure = RwSignal::new(None::<Failure>);
    let load = move || {
        let path = job_status_path(&job.with_untracked(|j| j.id.clone()));
        spawn_local(async move {
            match api::get::<JobStatus>(&path).await {
                Ok(read) => {
                    failure.set(None);
                    // Only a change re-renders, so polling leaves focus where it is.
                    if status.with_untracked(|s| s.as_ref() != Some(&read)) {
                        status.set(Some(read));
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    Effect::new(move |_| {
        changed.track();
        load();
    });
    if let Ok(handle) = set_interval_with_handle(load, POLL) {
        on_cleanup(move || handle.clear());
    }
    let held = Memo::new(move |_| status.with(|s| s.as_ref().map_or(0, |s| s.staged_deletes)));
    let allowed = RwSignal::new(None::<AllowDeletesResult>);
    view! {
        <section class="panel job-status" aria-labelledby="status-title">
            <h2 id="status-title">"Status"</h2>
            <ErrorNote failure=failure />
            {move || match status.get() {
                None if failure.with(Option::is_none) => view! { <Loading /> }.into_any(),
                None => ().into_any(),
                Some(read) => view! { <StatusView status=read /> }.into_any(),
            }}
            {move || {
                let total = held.get();
                (total > 0).then(|| view! { <StagedDeletes job=job total=total changed=changed allowed=allowed /> })
            }}
            <div role="status">{move || allowed.get().map(|done| view! { <AllowResult done=done /> })}</div>
        </section>
    }
}

/// `waiting_for_approval` → `waiting for approval`.
fn run_status_text(status: RunStatus) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

#[component]
fn StatusView(status: JobStatus) -> impl IntoView {
    let run_status = run_status_text(status.run_status);
    let run_status_attr = run_status.clone();
    view! {
        <dl class="facts">
            <dt>"State"</dt>
            <dd class="status-state">{status.state.as_str()}</dd>
            <dt>"Cycles"</dt>
            <dd class="status-run" data-status=run_status_attr>{run_status}</dd>
            <dt>"Initial cycle"</dt>
            <dd>{if status.initial_cycle_done { "done" } else { "not yet done" }}</dd>
            <dt>"Held in escrow"</dt>
            <dd>{status.escrowed}" objects to retry"</dd>
            <dt>"Failures (24 hours)"</dt>
            <dd>
                {status.failures_last_24h}" "
                {(status.failures_last_24h > 0).then(|| view! {
                    <a href=format!("/logs?job={}&status=failure", api::encode(&status.id))>"see the logs"</a>
                })}
            </dd>
            {status.held_by.map(|holder| view! {
                <dt>"Runs on"</dt>
                <dd class="status-holder" title=format!("instance {}", holder.instance)>
                    {format!("{} ({})", holder.host, holder.listen)}
                </dd>
            })}
        </dl>
        <UnmatchedNote job_id=status.id.clone() unmatched=status.unmatched />
        {status.quarantine.map(|q| view! {
            <div class="quarantine" role="alert">
                <p><strong>"Quarantined"</strong>
                    {q.since.map(|t| format!(" since {}", short_time(&t)))}
                    {q.next_retry_at.map(|t| format!("; next try {}", short_time(&t)))}
                </p>
                <p>{q.reason.unwrap_or_else(|| "no reason recorded".to_owned())}</p>
            </div>
        })}
        {status.current_cycle.map(|c| {
            let text = if c.total > 0 { format!("{} of {} objects", c.done, c.total) } else { format!("{} objects so far", c.done) };
            view! {
                <div class="current-cycle">
                    <label for="cycle-progress">"Cycle under way"</label>
                    <progress id="cycle-progress" max=c.total.max(1) value=c.done.min(c.total.max(1))>{text.clone()}</progress>
                    <span>{text}</span>
                </div>
            }
        })}
        {status.last_cycle.map(|last| view! { <LastCycleView last=last /> })}
    }
}

#[component]
fn LastCycleView(last: LastCycle) -> impl IntoView {
    let actions = if last.actions.is_empty() {
        "none".to_owned()
    } else {
        last.actions
            .iter()
            .map(|(action, n)| format!("{action} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    view! {
        <h3>"Last cycle"</h3>
        <dl class="facts last-cycle">
            <dt>"Finished"</dt>
            <dd>{last.finished_at.as_deref().map_or_else(|| "—".to_owned(), short_time)}
                {last.duration_ms.map(|ms| format!(" in {:.1} s", ms as f64 / 1000.0))}</dd>
            <dt>"Objects"</dt>
            <dd>{last.objects}{(last.retried > 0).then(|| format!(" ({} retried from escrow)", last.retried))}</dd>
            <dt>"Actions"</dt>
            <dd class="last-actions">{actions}</dd>
            <dt>"Failures"</dt>
            <dd>{last.failures}</dd>
            {last.stopped.map(|why| view! { <dt>"Stopped early"</dt><dd>{why}</dd> })}
        </dl>
    }
}
