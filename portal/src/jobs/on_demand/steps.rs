//! An on-demand run as the server answers it ([`OnDemandResult`]): each step
//! of the decision (import, scoping with every clause, matching with its
//! queries and candidates, the action with each attribute old → new), then
//! the result.

use leptos::prelude::*;
use provisio_api::jobs::OnDemandResult;
use provisio_engine::mapping::MappingFailure;
use provisio_engine::plan::{Decision, Status, Step, StepDetails};
use provisio_engine::scope::FilterOutcome;
use provisio_engine::value::Value;
use serde::Serialize;

use crate::api;

/// A value as the steps show it: JSON (text in quotes), or `(none)`.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_json().to_string(),
    }
}

/// A wire enum's name as the answer spells it (`import`, `success`, `active`…).
fn name_of(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[component]
pub fn Outcome(answer: OnDemandResult) -> impl IntoView {
    let steps = answer.decision.steps.clone();
    let decision = answer.decision.clone();
    view! {
        <section class="on-demand-outcome" aria-labelledby="on-demand-steps-title">
            <h3 id="on-demand-steps-title">"Steps"</h3>
            <ol class="on-demand-steps">
                {steps.into_iter().map(|step| view! { <StepView step=step decision=decision.clone() /> }).collect_view()}
            </ol>
            <ResultView answer=answer />
        </section>
    }
}

#[component]
fn StepView(step: Step, decision: Decision) -> impl IntoView {
    let kind = name_of(&step.kind);
    let status = name_of(&step.status);
    let body = match step.details {
        StepDetails::Import {
            id,
            lifecycle,
            attributes,
        } => import(
            id,
            &name_of(&lifecycle),
            serde_json::to_string_pretty(&*attributes).ok(),
        )
        .into_any(),
        StepDetails::Scoping { ref filters, .. } => {
            let summary = title(&step.details.scoping_summary().unwrap_or_default());
            scoping(summary, filters.clone()).into_any()
        }
        StepDetails::Matching {
            linked,
            queries,
            matched,
            candidates,
        } => {
            let queries = queries
                .into_iter()
                .map(|q| {
                    view! { <li>{format!("Attempt {}: ", q.precedence)}<code>{format!("{} eq {}", q.target, shown(&q.value))}</code></li> }
                })
                .collect_view();
            let candidates: Vec<String> = candidates.into_iter().map(|c| c.id).collect();
            view! {
                {linked.map(|id| view! { <p>"Linked to "<code>{id}</code></p> })}
                <ul class="queries">{queries}</ul>
                {matched.map(|m| view! { <p>"Matched "<code>{m.id}</code></p> })}
                {(!candidates.is_empty()).then(|| view! { <p>"Candidates: "<code>{candidates.join(", ")}</code></p> })}
            }
            .into_any()
        }
        StepDetails::Action { failures, .. } => action(&decision, failures).into_any(),
    };
    let (heading, status_attr, status_text) = (title(&kind), status.clone(), status.clone());
    view! {
        <li class="on-demand-step" data-kind=kind data-status=status>
            <h4>
                {heading}
                " "<span class="on-demand-step-status" data-status=status_attr>{status_text}</span>
            </h4>
            <p class="step-description">{step.description.into_owned()}</p>
            {body}
        </li>
    }
}

fn import(id: Option<String>, lifecycle: &str, attributes: Option<String>) -> impl IntoView + use<> {
    view! {
        <p>"Source object "<code>{id.unwrap_or_default()}</code>" ("{lifecycle.replace('_', " ")}")"</p>
        {attributes.map(|text| view! {
            <details><summary>"Attributes read"</summary><pre class="code">{text}</pre></details>
        })}
    }
}

fn scoping(summary: String, filters: Vec<FilterOutcome>) -> impl IntoView + use<> {
    let filters = filters
        .into_iter()
        .map(|filter| {
            let clauses = filter
                .clauses
                .into_iter()
                .map(|clause| {
                    let value = clause
                        .value
                        .as_ref()
                        .and_then(|v| serde_json::to_string(v).ok())
                        .map(|v| format!(" {v}"))
                        .unwrap_or_default();
                    let held = clause.matched;
                    let explanation = (!clause.explanation.is_empty()).then_some(clause.explanation);
                    view! {
                        <li class="clause" data-matched=held.to_string()>
                            <code>{format!("{} {}{value}", clause.attribute, clause.operator)}</code>
                            {format!(": {} (the value is {})", if held { "holds" } else { "does not hold" }, shown(&clause.actual))}
                            {explanation.map(|e| view! { <span class="hint">" — "{e}</span> })}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <li>
                    {format!("Filter \"{}\": {}", filter.name, if filter.matched { "matched" } else { "did not match" })}
                    <ul>{clauses}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <p>{summary}</p>
        <ul class="filters">{filters}</ul>
    }
}

fn action(decision: &Decision, failures: Vec<MappingFailure>) -> impl IntoView + use<> {
    let failures = failures
        .into_iter()
        .map(|f| view! { <li><code>{format!("{} = {}", f.target, f.expression)}</code>": "{f.diagnostic.message}</li> })
        .collect_view();
    let reason = decision.reason.as_ref().map(|r| r.message.clone());
    let has_changes = !decision.changes.is_empty();
    let changes = decision
        .changes
        .iter()
        .map(|change| {
            view! {
                <tr>
                    <th scope="row"><code>{change.path.to_string()}</code></th>
                    <td><code>{shown(&change.old)}</code></td>
                    <td><code>{shown(&change.new)}</code></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p>"Action: "<strong class="decision-action">{name_of(&decision.action)}</strong></p>
        {reason.map(|r| view! { <p>{r}</p> })}
        {has_changes.then(|| view! {
            <table class="attribute-changes">
                <thead><tr><th scope="col">"Attribute"</th><th scope="col">"Old"</th><th scope="col">"New"</th></tr></thead>
                <tbody>{changes}</tbody>
            </table>
        })}
        <ul class="failures">{failures}</ul>
    }
}

#[component]
fn ResultView(answer: OnDemandResult) -> impl IntoView {
    let OnDemandResult {
        decision,
        applied,
        log_entry,
        ..
    } = answer;
    let failed = applied.error.is_some() || decision.status == Status::Failure;
    let verdict = if failed {
        "failed"
    } else if applied.done {
        "done"
    } else {
        "nothing done"
    };
    let code = applied
        .error_code
        .filter(|code| !code.is_empty())
        .unwrap_or_else(|| "Error".to_owned());
    let entry = log_entry.id;
    view! {
        <div class="on-demand-result" role="status" data-status=if failed { "failed" } else { "ok" }>
            <h3>"Result"</h3>
            <p><strong>{format!("{} — {verdict}", name_of(&decision.action))}</strong>": "{applied.summary}</p>
            {applied.target_id.map(|id| view! { <p>"Target object "<code>{id}</code></p> })}
            {applied.error.map(|e| view! { <p class="error-note">{code}": "{e}</p> })}
            {log_entry.recommended_action.map(|a| view! { <p>"What to do: "{a}</p> })}
            {(!entry.is_empty()).then(|| view! { <p><a href=format!("/logs/{}", api::encode(&entry))>"Open the log entry"</a></p> })}
        </div>
    }
}
