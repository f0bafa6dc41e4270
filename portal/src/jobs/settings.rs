//! The Settings tab: when the job runs (schedule, realtime), the
//! accidental-deletion guard, start / stop / restart, and the job's status
//! with any deletes it holds for approval.

mod staged;
mod status;

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::engine::job::{JobProblem, MIN_INTERVAL_SECONDS};
use provisio_api::jobs::{JobDetail, JobState, job_restart_path, job_start_path, job_stop_path};

use super::definition::problems::{FieldProblems, ProblemList, has_problem};
use super::definition::show_failure;
use super::state::{self, JobSignal};
use crate::api::{self, Failure};
use crate::ui::ErrorNote;

#[component]
pub fn SettingsTab(job: JobSignal) -> impl IntoView {
    // Bumped after start, stop, restart or allowing deletes: the status reloads.
    let changed = RwSignal::new(0u32);
    view! {
        <div class="settings">
            <RunControls job=job changed=changed />
            <status::StatusPanel job=job changed=changed />
            <ScheduleForm job=job />
        </div>
    }
}

/// Start, stop and restart.
#[component]
fn RunControls(job: JobSignal, changed: RwSignal<u32>) -> impl IntoView {
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let act = move |path_of: fn(&str) -> String| {
        failure.set(None);
        busy.set(true);
        let path = job.with_untracked(|j| path_of(&j.id));
        spawn_local(async move {
            match api::post::<_, JobDetail>(&path, &serde_json::Map::new()).await {
                Ok(detail) => {
                    job.set(detail);
                    changed.update(|n| *n += 1);
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let running = move || job.with(|j| j.state == JobState::Running);
    view! {
        <section class="panel run-controls" aria-labelledby="run-title">
            <h2 id="run-title">"Provisioning"</h2>
            <p>"The job is "<strong class="job-run-state">{move || job.with(|j| j.state.as_str())}</strong>"."</p>
            <div class="actions">
                <button type="button" class="primary" disabled=move || busy.get() || running()
                    on:click=move |_| act(job_start_path)>"Start"</button>
                <button type="button" disabled=move || busy.get() || !running()
                    on:click=move |_| act(job_stop_path)>"Stop"</button>
                <button type="button" disabled=move || busy.get()
                    on:click=move |_| act(job_restart_path)>"Restart"</button>
            </div>
            <p class="hint">"Restart forgets the job's progress and runs an initial cycle, checking every user and group again."</p>
            <ErrorNote failure=failure />
        </section>
    }
}

/// The schedule and the deletion settings, saved into the definition.
#[component]
fn ScheduleForm(job: JobSignal) -> impl IntoView {
    let definition = job.get_untracked().definition;
    let interval = RwSignal::new(definition.schedule.interval_seconds.to_string());
    let realtime = RwSignal::new(definition.schedule.realtime);
    let guard = RwSignal::new(definition.deletion_threshold.is_some());
    let threshold = RwSignal::new(
        definition
            .deletion_threshold
            .unwrap_or(provisio_api::engine::job::DEFAULT_DELETION_THRESHOLD)
            .to_string(),
    );
    let skip_out_of_scope = RwSignal::new(definition.skip_out_of_scope_deletions);
    let problems = RwSignal::new(Vec::<JobProblem>::new());
    let failure = RwSignal::new(None::<Failure>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        problems.set(Vec::new());
        failure.set(None);
        saved.set(false);
        let mut local = Vec::new();
        let interval_seconds = interval.get_untracked().trim().parse::<u64>();
        if interval_seconds.is_err() {
            local.push(JobProblem::error(
                "schedule.interval_seconds",
                "a whole number of seconds",
            ));
        }
        let deletion_threshold = threshold.get_untracked().trim().parse::<u32>();
        if guard.get_untracked() && deletion_threshold.is_err() {
            local.push(JobProblem::error("deletion_threshold", "a whole number of deletions"));
        }
        let (Ok(interval_seconds), true) = (interval_seconds, local.is_empty()) else {
            problems.set(local);
            return;
        };
        let mut definition = job.with_untracked(|j| j.definition.clone());
        definition.schedule.interval_seconds = interval_seconds;
        definition.schedule.realtime = realtime.get_untracked();
        definition.deletion_threshold = guard.get_untracked().then(|| deletion_threshold.unwrap_or_default());
        definition.skip_out_of_scope_deletions = skip_out_of_scope.get_untracked();
        busy.set(true);
        spawn_local(async move {
            match state::save_definition(job, definition).await {
                Ok(()) => saved.set(true),
                Err(e) => show_failure(e, problems, failure),
            }
            busy.set(false);
        });
    };

    view! {
        <section class="panel" aria-labelledby="schedule-title">
            <h2 id="schedule-title">"Schedule and deletions"</h2>
            <form class="job-form" on:submit=save>
                <label for="settings-interval">"Interval between cycles (seconds)"</label>
                <input id="settings-interval" type="number" min=MIN_INTERVAL_SECONDS step="1" required
                    aria-describedby="settings-interval-problem settings-interval-hint"
                    aria-invalid=move || problems.with(|p| has_problem(p, "schedule.interval_seconds")).to_string()
                    prop:value=move || interval.get() on:input=move |e| interval.set(event_target_value(&e)) />
                <FieldProblems problems=problems location="schedule.interval_seconds" id="settings-interval-problem" />
                <p class="hint" id="settings-interval-hint">{format!("At least {MIN_INTERVAL_SECONDS}; Entra's default is 2400 (40 minutes).")}</p>
                <label class="check">
                    <input type="checkbox" prop:checked=move || realtime.get()
                        on:change=move |e| realtime.set(event_target_checked(&e)) />
                    "Realtime: start a cycle within seconds of a directory change"
                </label>
                <label class="check">
                    <input type="checkbox" prop:checked=move || guard.get()
                        on:change=move |e| guard.set(event_target_checked(&e)) />
                    "Prevent accidental deletions"
                </label>
                <label for="settings-threshold">"Deletion threshold (disables and deletes per cycle)"</label>
                <input id="settings-threshold" type="number" min="0" step="1" disabled=move || !guard.get()
                    aria-describedby="settings-threshold-problem settings-threshold-hint"
                    aria-invalid=move || problems.with(|p| has_problem(p, "deletion_threshold")).to_string()
                    prop:value=move || threshold.get() on:input=move |e| threshold.set(event_target_value(&e)) />
                <FieldProblems problems=problems location="deletion_threshold" id="settings-threshold-problem" />
                <p class="hint" id="settings-threshold-hint">"More than this in one cycle are held for approval instead of carried out."</p>
                <label class="check">
                    <input type="checkbox" prop:checked=move || skip_out_of_scope.get()
                        on:change=move |e| skip_out_of_scope.set(event_target_checked(&e)) />
                    "Leave accounts that fall out of scope alone (skip out-of-scope deletions)"
                </label>
                <ProblemList problems=problems />
                <ErrorNote failure=failure />
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save" }}
                    </button>
                    <span class="saved-note" role="status">{move || saved.get().then_some("Saved.")}</span>
                </div>
            </form>
        </section>
    }
}
