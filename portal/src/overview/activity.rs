//! The provisioning activity chart: log entries per hour over the last 24
//! hours (all, and failures), counted by the server in one request
//! (`/api/v1/logs/activity`), drawn as inline SVG with a table as its text
//! alternative.

use chrono::{DateTime, Duration, DurationRound, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::logs::{LOGS_ACTIVITY_PATH, LogActivity, LogStatus};

use super::time::{now, rfc3339};
use crate::api::{self, Failure, encode};
use crate::ui::{ErrorNote, Loading};

const HOURS: usize = 24;
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 140.0;

/// One hour's entries.
#[derive(Debug, Clone, PartialEq)]
struct Hour {
    start: DateTime<Utc>,
    total: usize,
    failures: usize,
}

/// The last 24 hours, whole hours, the current one last: one request.
async fn load() -> Result<Vec<Hour>, Failure> {
    let this_hour = now().duration_trunc(Duration::hours(1)).unwrap_or_else(|_| now());
    let since = this_hour - Duration::hours(HOURS as i64 - 1);
    let until = this_hour + Duration::hours(1);
    let path = format!(
        "{LOGS_ACTIVITY_PATH}?since={}&until={}",
        encode(&rfc3339(since)),
        encode(&rfc3339(until))
    );
    let activity: LogActivity = api::get(&path).await?;
    Ok(activity
        .hours
        .into_iter()
        .map(|hour| Hour {
            start: DateTime::parse_from_rfc3339(&hour.start).map_or(since, |t| t.with_timezone(&Utc)),
            total: usize::try_from(hour.total).unwrap_or(usize::MAX),
            failures: usize::try_from(hour.by_status.get(&LogStatus::Failure).copied().unwrap_or_default())
                .unwrap_or(usize::MAX),
        })
        .collect())
}

/// The chart; reloads whenever `refreshed` changes.
#[component]
pub fn ActivityChart(refreshed: RwSignal<u32>) -> impl IntoView {
    let hours = RwSignal::new(None::<Vec<Hour>>);
    let failure = RwSignal::new(None::<Failure>);
    let alive = StoredValue::new(true);
    on_cleanup(move || alive.set_value(false));
    Effect::new(move |_| {
        refreshed.track();
        spawn_local(async move {
            let answer = load().await;
            if !alive.get_value() {
                return;
            }
            match answer {
                Ok(list) => {
                    failure.set(None);
                    hours.set(Some(list));
                }
                Err(e) => failure.set(Some(e)),
            }
        });
    });
    view! {
        <section class="activity" aria-labelledby="activity-heading">
            <h2 id="activity-heading">"Provisioning activity, last 24 hours"</h2>
            <ErrorNote failure=failure />
            {move || match hours.get() {
                None if failure.with(Option::is_none) => view! { <Loading /> }.into_any(),
                None => ().into_any(),
                Some(list) => view! { <Chart hours=list /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn Chart(hours: Vec<Hour>) -> impl IntoView {
    let total: usize = hours.iter().map(|h| h.total).sum();
    let failures: usize = hours.iter().map(|h| h.failures).sum();
    let peak = hours.iter().map(|h| h.total).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / HOURS as f64;
    let summary = format!("{total} log entries in the last 24 hours, {failures} of them failures.");
    let bars = hours
        .iter()
        .enumerate()
        .map(|(n, hour)| {
            let x = n as f64 * slot + 2.0;
            let w = slot - 4.0;
            let h = hour.total as f64 / peak * HEIGHT;
            let f = hour.failures as f64 / peak * HEIGHT;
            let label = format!(
                "{}: {} entries, {} failures",
                hour.start.format("%H:00"),
                hour.total,
                hour.failures
            );
            view! {
                <g>
                    <title>{label}</title>
                    <rect class="bar" x=x y=HEIGHT - h width=w height=h></rect>
                    <rect class="bar-failures" x=x y=HEIGHT - f width=w height=f></rect>
                </g>
            }
        })
        .collect_view();
    let ticks = hours
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 6 == 0)
        .map(|(n, hour)| {
            let x = n as f64 * slot + 2.0;
            view! { <text x=x y=HEIGHT + 14.0>{hour.start.format("%H:00").to_string()}</text> }
        })
        .collect_view();
    let rows = hours
        .into_iter()
        .map(|hour| {
            view! {
                <tr>
                    <th scope="row">{hour.start.format("%Y-%m-%d %H:00").to_string()}</th>
                    <td>{hour.total}</td>
                    <td>{hour.failures}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="activity-summary">{summary.clone()}</p>
        <svg class="activity-chart" viewBox=format!("0 0 {WIDTH} {}", HEIGHT + 20.0) role="img" aria-label=summary>
            <line class="axis" x1="0" y1=HEIGHT x2=WIDTH y2=HEIGHT></line>
            {bars}
            {ticks}
        </svg>
        <p class="legend"><span class="key all"></span>" all entries "<span class="key failed"></span>" failures (UTC hours)"</p>
        <details class="activity-table">
            <summary>"Show as a table"</summary>
            <table>
                <thead><tr><th scope="col">"Hour (UTC)"</th><th scope="col">"Entries"</th><th scope="col">"Failures"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </details>
    }
}
