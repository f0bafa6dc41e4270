//! One log entry (`/logs/{id}`): what happened to which identity, the
//! error with its recommended action, the modified properties (old → new)
//! and the engine's steps.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use provisio_api::logs::{LogEntry, LogStatus, ModifiedAttribute, RunKind, log_path};

use super::{format, query};
use crate::api::{self, Failure, encode};
use crate::ui::{ErrorNote, Loading};

#[component]
pub fn LogEntryPage() -> impl IntoView {
    let params = use_params_map();
    let map = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // Back to the view the entry was opened from (its filters came along).
    let back = move || format!("/logs{}", query::to_string(&map.with(query::from_map)));
    let failure = RwSignal::new(None::<Failure>);
    let entry = LocalResource::new(move || {
        let path = log_path(&encode(&id()));
        async move { api::get::<LogEntry>(&path).await }
    });
    view! {
        <section class="log-entry">
            <p class="back"><a href=back>"← Back to the logs"</a></p>
            {move || match entry.get() {
                None => view! { <h1>"Log entry"</h1><Loading /> }.into_any(),
                Some(Err(e)) => {
                    failure.set(Some(e));
                    view! { <h1>"Log entry"</h1><ErrorNote failure=failure /> }.into_any()
                }
                Some(Ok(entry)) => view! { <EntryView entry=entry /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn EntryView(entry: LogEntry) -> impl IntoView {
    let status = entry.status.as_str();
    let title = format!("{} {}", entry.action, format::identity(&entry.source));
    let job_link = format!("/jobs/{}", encode(&entry.job_id));
    let cycle_link = format!("/logs?cycle={}", encode(&entry.cycle_id));
    let run = match entry.run {
        RunKind::Cycle => "Cycle",
        RunKind::OnDemand => "On-demand run",
        RunKind::Inbound => "Inbound request",
    };
    let has_error = entry.error_code.is_some() || entry.reason.is_some() || entry.recommended_action.is_some();
    view! {
        <h1>{title}" "<span class=format!("log-status {status}")>{status}</span></h1>
        {has_error.then(|| view! {
            <section class=if entry.status == LogStatus::Failure { "entry-error failure" } else { "entry-error" }
                aria-labelledby="entry-error-heading">
                <h2 id="entry-error-heading">"What went wrong"</h2>
                <dl>
                    {entry.error_code.clone().map(|code| view! { <dt>"Error code"</dt><dd class="error-code"><code>{code}</code></dd> })}
                    {entry.reason.clone().map(|reason| view! { <dt>"Reason"</dt><dd class="reason">{reason}</dd> })}
                    {entry.recommended_action.clone().map(|action| view! {
                        <dt>"Recommended action"</dt><dd class="recommended-action">{action}</dd>
                    })}
                </dl>
            </section>
        })}
        <dl class="entry-facts">
            <dt>"Time"</dt><dd>{format::time(&entry.time)}</dd>
            <dt>"Action"</dt><dd>{entry.action.as_str()}</dd>
            <dt>"Application"</dt><dd><a href=job_link>{entry.job_name.clone()}</a></dd>
            <dt>"Source identity"</dt><dd><Identity identity=entry.source.clone() /></dd>
            <dt>"Target identity"</dt><dd><Identity identity=entry.target.clone() /></dd>
            <dt>{run}" id"</dt><dd><a href=cycle_link><code>{entry.cycle_id.clone()}</code></a></dd>
            {entry.change_id.clone().map(|c| view! { <dt>"Change"</dt><dd><code>{c}</code></dd> })}
            <dt>"Duration"</dt><dd>{format::duration(entry.duration_ms)}</dd>
        </dl>
        <Modified modified=entry.modified />
        <Steps steps=entry.steps />
    }
}

#[component]
fn Identity(identity: provisio_api::logs::Identity) -> impl IntoView {
    match (identity.display, identity.id) {
        (None, None) => view! { "—" }.into_any(),
        (Some(display), Some(id)) => view! { {display}" " <code class="id">{id}</code> }.into_any(),
        (Some(text), None) => view! { {text} }.into_any(),
        (None, Some(id)) => view! { <code class="id">{id}</code> }.into_any(),
    }
}

#[component]
fn Modified(modified: Vec<ModifiedAttribute>) -> impl IntoView {
    let body = if modified.is_empty() {
        view! { <p class="hint">"No properties were modified."</p> }.into_any()
    } else {
        view! {
            <table class="modified">
                <thead><tr><th scope="col">"Property"</th><th scope="col">"Old"</th><th scope="col">"New"</th></tr></thead>
                <tbody>
                    {modified.into_iter().map(|m| view! {
                        <tr><th scope="row"><code>{m.name}</code></th><td>{format::value(&m.old)}</td>
                            <td>{format::value(&m.new)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="modified-heading">
            <h2 id="modified-heading">"Modified properties"</h2>
            {body}
        </section>
    }
}

/// The engine's steps (import, scoping, matching, action): free-form JSON,
/// so each is read for its `kind`, `status` and `description`, with the
/// rest shown as it came.
#[component]
fn Steps(steps: serde_json::Value) -> impl IntoView {
    let list = match steps {
        serde_json::Value::Array(list) => list,
        serde_json::Value::Null => Vec::new(),
        other => vec![other],
    };
    let text = |step: &serde_json::Value, key: &str| step.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    let body = if list.is_empty() {
        view! { <p class="hint">"No steps were recorded."</p> }.into_any()
    } else {
        view! {
            <ol class="steps">
                {list.into_iter().map(|step| {
                    let kind = text(&step, "kind");
                    let status = text(&step, "status");
                    let description = text(&step, "description");
                    let details = step.get("details").filter(|d| !d.is_null())
                        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default());
                    view! {
                        <li class="step">
                            <p><strong class="step-kind">{kind}</strong>" "
                                <span class=format!("step-status {status}")>{status.clone()}</span>" "
                                <span class="step-description">{description}</span></p>
                            {details.map(|d| view! {
                                <details><summary>"Details"</summary><pre class="code">{d}</pre></details>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ol>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="steps-heading">
            <h2 id="steps-heading">"Steps"</h2>
            {body}
        </section>
    }
}
