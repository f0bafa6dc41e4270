//! The overview (`/`): every job's state, its last cycle and recent
//! activity, refreshed every few seconds while a cycle runs.

mod activity;
mod job_row;
mod load;
pub(crate) mod time;

use leptos::prelude::*;
use leptos::task::spawn_local;

use self::activity::ActivityChart;
use self::job_row::JobRow;
use self::load::JobOverview;
use crate::api::Failure;
use crate::ui::{ErrorNote, Loading};

/// How often the page asks again while any job's cycle runs.
const REFRESH_MS: u64 = 3000;
/// Refreshes between two reloads of the activity chart.
const CHART_EVERY: u32 = 20;

#[component]
pub fn Overview() -> impl IntoView {
    // The last answer stays on screen while the next one loads, so a
    // refresh never flashes "Loading…".
    let jobs = RwSignal::new(None::<Vec<JobOverview>>);
    let failure = RwSignal::new(None::<Failure>);
    // Bumped to reload the chart: now and then while cycles run, and when one ends.
    let refreshed = RwSignal::new(0u32);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));

    let load = move || {
        spawn_local(async move {
            let answer = load::jobs().await;
            if !alive.get_value() {
                return;
            }
            match answer {
                Ok(list) => {
                    failure.set(None);
                    let was_running =
                        jobs.with_untracked(|j| j.as_ref().is_some_and(|j| j.iter().any(JobOverview::is_running)));
                    let running = list.iter().any(JobOverview::is_running);
                    jobs.set(Some(list));
                    // A cycle just ended: its entries belong in the chart now.
                    if was_running && !running {
                        refreshed.update(|n| *n += 1);
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
        })
    };
    load();
    // One timer for the page's life; it asks again only while a cycle runs.
    // The chart costs up to 48 requests, so it follows only every
    // CHART_EVERY-th refresh (about a minute).
    let ticks = StoredValue::new(0u32);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let running = jobs.with_untracked(|j| j.as_ref().is_some_and(|j| j.iter().any(JobOverview::is_running)));
            if running {
                ticks.update_value(|t| *t += 1);
                if ticks.get_value().is_multiple_of(CHART_EVERY) {
                    refreshed.update(|n| *n += 1);
                }
                load();
            }
        },
        std::time::Duration::from_millis(REFRESH_MS),
    ) {
        on_cleanup(move || handle.clear());
    }

    view! {
        <section class="overview">
            <h1>"Overview"</h1>
            <ErrorNote failure=failure />
            <h2 id="jobs-heading">"Applications"</h2>
            {move || match jobs.get() {
                None if failure.with(Option::is_none) => view! { <Loading /> }.into_any(),
                None => ().into_any(),
                Some(list) if list.is_empty() => view! {
                    <p class="empty">"No applications yet. " <a href="/jobs/new">"Add one"</a>"."</p>
                }.into_any(),
                Some(list) => view! {
                    <ul class="job-overviews" aria-labelledby="jobs-heading">
                        {list.into_iter().map(|job| view! { <JobRow job=job /> }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <ActivityChart refreshed=refreshed />
        </section>
    }
}
