//! One job on the overview: its state, the running cycle's progress, the
//! last cycle's counts, the objects it cannot match and its recent failures.

use leptos::prelude::*;
use provisio_api::jobs::JobState;
use provisio_api::jobs::status::{CycleProgress, JobStatus, LastCycle, RunStatus};

use super::load::JobOverview;
use super::time::readable;
use crate::api::encode;
use crate::ui::UnmatchedNote;

#[component]
pub fn JobRow(job: JobOverview) -> impl IntoView {
    let JobOverview { summary, status } = job;
    let link = format!("/jobs/{}", encode(&summary.id));
    let body = match status {
        Ok(status) => view! { <StatusView status=status /> }.into_any(),
        Err(e) => view! {
            <p class="error-note" role="alert"><strong>{e.error}</strong>": "{e.message}</p>
        }
        .into_any(),
    };
    view! {
        <li class="job-overview" data-job=summary.id.clone()>
            <h3><a href=link>{summary.name}</a></h3>
            {body}
        </li>
    }
}

#[component]
fn StatusView(status: JobStatus) -> impl IntoView {
    let (label, kind) = state_label(&status);
    let failures_link = format!("/logs?job={}&status=failure", encode(&status.id));
    let failures = status.failures_last_24h;
    view! {
        <p class="job-state-line">
            <span class=format!("run-state {kind}")>{label}</span>
            {status.quarantine.clone().map(|q| view! {
                <span class="quarantine">
                    {q.reason.unwrap_or_else(|| "no reason recorded".into())}
                    {q.next_retry_at.map(|t| format!(" Next retry {}.", readable(&t)))}
                </span>
            })}
            {(status.staged_deletes > 0).then(|| view! {
                <span class="staged">{format!("{} deletions held back", status.staged_deletes)}</span>
            })}
            {(status.escrowed > 0).then(|| view! {
                <span class="escrowed">{format!("{} objects waiting to be retried", status.escrowed)}</span>
            })}
        </p>
        {status.current_cycle.map(|cycle| view! { <Progress id=status.id.clone() cycle=cycle /> })}
        {match status.last_cycle {
            Some(last) => view! { <LastCycleView last=last /> }.into_any(),
            None => view! { <p class="hint">"No cycle has finished yet."</p> }.into_any(),
        }}
        <UnmatchedNote job_id=status.id.clone() unmatched=status.unmatched />
        <p class="failures">
            <a href=failures_link class:has-failures={failures > 0}>
                {match failures {
                    1 => "1 failure in the last 24 hours".to_owned(),
                    n => format!("{n} failures in the last 24 hours"),
                }}
            </a>
        </p>
    }
}

/// What the badge says, and its class (its colour).
fn state_label(status: &JobStatus) -> (String, &'static str) {
    if status.state == JobState::Stopped && status.current_cycle.is_none() {
        return ("Stopped".into(), "stopped");
    }
    match status.run_status {
        RunStatus::Running => ("Running".into(), "running"),
        RunStatus::Idle => ("Idle: waiting for the next cycle".into(), "idle"),
        RunStatus::Quarantined => ("Quarantined".into(), "quarantined"),
        RunStatus::WaitingForApproval => ("Waiting for deletion approval".into(), "waiting"),
        RunStatus::Disabled => ("Disabled: restart the job to resume".into(), "disabled"),
    }
}

/// The running cycle: a labelled progress bar, or a count when the total is
/// not known in advance (an incremental cycle).
#[component]
fn Progress(id: String, cycle: CycleProgress) -> impl IntoView {
    let bar = format!("progress-{id}");
    let text = if cycle.total > 0 {
        format!("{} of {} objects", cycle.done, cycle.total)
    } else {
        format!("{} objects so far", cycle.done)
    };
    view! {
        <p class="cycle-progress">
            <label for=bar.clone()>"Cycle progress"</label>
            {if cycle.total > 0 {
                view! { <progress id=bar max=cycle.total.to_string() value=cycle.done.to_string()></progress> }.into_any()
            } else {
                view! { <progress id=bar></progress> }.into_any()
            }}
            <span class="progress-text">{text}</span>
        </p>
    }
}

#[component]
fn LastCycleView(last: LastCycle) -> impl IntoView {
    let when = last
        .finished_at
        .as_deref()
        .map(|t| format!("Last cycle finished {}", readable(t)))
        .unwrap_or_else(|| "Last finished cycle".into());
    let took = last.duration_ms.map(|ms| format!(" in {:.1} s", ms as f64 / 1000.0));
    view! {
        <div class="last-cycle">
            <p>{when}{took}": "{format!("{} objects, {} failed", last.objects, last.failures)}
                {last.stopped.map(|why| view! { <span class="stopped">" Stopped early: "{why}</span> })}
            </p>
            <dl class="action-counts" aria-label="Objects per action in the last cycle">
                {last.actions.into_iter().map(|(action, count)| view! {
                    <div><dt>{action}</dt><dd>{count}</dd></div>
                }).collect_view()}
            </dl>
        </div>
    }
}
