//! The agents in a table: state in words, last contact relative to now
//! (the exact time in its tooltip), where each runs, its jobs and its queue.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use provisio_api::agents::AgentSummary;

use crate::api;
use crate::logs::format::time;

#[component]
pub fn AgentTable(list: Vec<AgentSummary>, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    view! {
        <table class="jobs-table agents-table">
            <thead><tr>
                <th scope="col">"Name"</th><th scope="col">"Status"</th><th scope="col">"Last contact"</th>
                <th scope="col">"Host"</th><th scope="col">"Version"</th><th scope="col">"Jobs"</th>
                <th scope="col">"Operations"</th><th scope="col">"Tokens"</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|agent| view! { <AgentRow agent now /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn AgentRow(agent: AgentSummary, now: RwSignal<DateTime<Utc>>) -> impl IntoView {
    let status = match (agent.connected, &agent.last_contact_at) {
        (true, _) => "Connected",
        (false, Some(_)) => "Disconnected",
        (false, None) => "Never connected",
    };
    let last = agent.last_contact_at.clone();
    let since = agent
        .connected_since
        .as_deref()
        .map(|t| format!("Connected since {}", time(t)));
    let dash = || "—".to_owned();
    let name = agent.name.clone();
    view! {
        <tr data-agent=agent.name>
            <th scope="row">{name}</th>
            <td class="agent-status" data-connected=agent.connected.to_string() title=since>{status}</td>
            <td class="agent-last-contact">{last.map_or_else(
                || view! { "never" }.into_any(),
                |at| {
                    let (exact, datetime) = (time(&at), at.clone());
                    view! { <time datetime=datetime title=exact>{move || ago(&at, now.get())}</time> }.into_any()
                },
            )}</td>
            <td>{agent.host.unwrap_or_else(dash)}</td>
            <td>{agent.version.unwrap_or_else(dash)}</td>
            <td class="agent-jobs">{if agent.jobs.is_empty() {
                view! { "none" }.into_any()
            } else {
                view! {
                    <ul>
                        {agent.jobs.into_iter().map(|job| {
                            let href = format!("/jobs/{}", api::encode(&job));
                            view! { <li><a href=href>{job}</a></li> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}</td>
            <td class="agent-operations">{format!(
                "{} queued / {} in progress", agent.operations_queued, agent.operations_in_progress
            )}</td>
            <td class="agent-tokens">{agent.tokens}</td>
        </tr>
    }
}

/// How long before `now` the RFC 3339 time `at` was: `12 s ago`,
/// `3 min ago`, `2 h ago`, `4 d ago`; the text itself if it is not a time.
fn ago(at: &str, now: DateTime<Utc>) -> String {
    let Ok(at) = DateTime::parse_from_rfc3339(at) else {
        return at.to_owned();
    };
    let seconds = (now - at.with_timezone(&Utc)).num_seconds().max(0);
    match seconds {
        0..60 => format!("{seconds} s ago"),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} d ago", seconds / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::ago;

    fn ago_at(at: &str, now: &str, expected: &str) {
        let now = now.parse().unwrap_or_default();
        assert_eq!(ago(at, now), expected, "{at} before {now}");
    }

    #[test]
    fn contact_reads_relative_to_now() {
        ago_at("2026-11-27T10:00:00Z", "2026-11-27T10:00:12Z", "12 s ago");
        ago_at("2026-11-27T10:00:00.500Z", "2026-11-27T10:00:00Z", "0 s ago");
        ago_at("2026-11-27T10:00:00Z", "2026-11-27T10:03:59Z", "3 min ago");
        ago_at("2026-11-27T08:00:00Z", "2026-11-27T10:30:00Z", "2 h ago");
        ago_at("2026-11-23T10:00:00Z", "2026-11-27T10:00:00Z", "4 d ago");
        ago_at("yesterday", "2026-11-27T10:00:00Z", "yesterday");
    }
}
