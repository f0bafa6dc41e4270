//! An on-demand run as the server answers it: each step of the decision
//! (import, scoping with every clause, matching with its queries and
//! candidates, the action with each attribute old → new), then the result.
//!
//! The decision is the engine's, which only serialises, so the answer is
//! read as JSON; a field the server leaves out shows as nothing.

use leptos::prelude::*;
use serde_json::Value;

use crate::api;

/// A value as the steps show it: JSON (text in quotes), or `(none)`.
fn shown(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn yes(value: &Value, key: &str) -> &'static str {
    if value.get(key).and_then(Value::as_bool).unwrap_or(false) {
        "yes"
    } else {
        "no"
    }
}

fn title(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[component]
pub fn Outcome(answer: Value) -> impl IntoView {
    let decision = answer.get("decision").cloned().unwrap_or(Value::Null);
    let steps = list(&decision, "steps").to_vec();
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
fn StepView(step: Value, decision: Value) -> impl IntoView {
    let kind = str_of(&step, "kind").to_owned();
    let status = str_of(&step, "status").to_owned();
    let details = step.get("details").cloned().unwrap_or(Value::Null);
    let body = match kind.as_str() {
        "import" => import(&details).into_any(),
        "scoping" => scoping(&details).into_any(),
        "matching" => matching(&details).into_any(),
        "action" => action(&details, &decision).into_any(),
        _ => ().into_any(),
    };
    let (heading, status_attr, status_text) = (title(&kind), status.clone(), status.clone());
    view! {
        <li class="on-demand-step" data-kind=kind data-status=status>
            <h4>
                {heading}
                " "<span class="on-demand-step-status" data-status=status_attr>{status_text}</span>
            </h4>
            <p class="step-description">{str_of(&step, "description").to_owned()}</p>
            {body}
        </li>
    }
}

fn import(details: &Value) -> impl IntoView + use<> {
    let attributes = details
        .get("attributes")
        .map(|a| serde_json::to_string_pretty(a).unwrap_or_default());
    view! {
        <p>"Source object "<code>{str_of(details, "id").to_owned()}</code>" ("{str_of(details, "lifecycle").replace('_', " ")}")"</p>
        {attributes.map(|text| view! {
            <details><summary>"Attributes read"</summary><pre class="code">{text}</pre></details>
        })}
    }
}

fn scoping(details: &Value) -> impl IntoView + use<> {
    let filters = list(details, "filters")
        .iter()
        .map(|filter| {
            let clauses = list(filter, "clauses")
                .iter()
                .map(|clause| {
                    let value = clause.get("value").filter(|v| !v.is_null()).map(|v| format!(" {v}")).unwrap_or_default();
                    let held = clause.get("matched").and_then(Value::as_bool).unwrap_or(false);
                    view! {
                        <li class="clause" data-matched=held.to_string()>
                            <code>{format!("{} {}{value}", str_of(clause, "attribute"), str_of(clause, "operator"))}</code>
                            {format!(": {} (the value is {})", if held { "holds" } else { "does not hold" }, shown(clause.get("actual").unwrap_or(&Value::Null)))}
                            {(!str_of(clause, "explanation").is_empty()).then(|| view! { <span class="hint">" — "{str_of(clause, "explanation").to_owned()}</span> })}
                        </li>
                    }
                })
                .collect_view();
            let matched = filter.get("matched").and_then(Value::as_bool).unwrap_or(false);
            view! {
                <li>
                    {format!("Filter \"{}\": {}", str_of(filter, "name"), if matched { "matched" } else { "did not match" })}
                    <ul>{clauses}</ul>
                </li>
            }
        })
        .collect_view();
    view! {
        <p>{format!(
            "Scope {}; assigned: {}; active in the source: {}; passed the scoping filters: {}",
            str_of(details, "scope"),
            yes(details, "assigned"),
            yes(details, "active_in_source"),
            yes(details, "passed_scoping_filters"),
        )}</p>
        <ul class="filters">{filters}</ul>
    }
}

fn matching(details: &Value) -> impl IntoView + use<> {
    let linked = details.get("linked").and_then(Value::as_str).map(str::to_owned);
    let queries = list(details, "queries")
        .iter()
        .map(|q| {
            let precedence = q.get("precedence").map(shown).unwrap_or_default();
            let value = shown(q.get("value").unwrap_or(&Value::Null));
            view! { <li>{format!("Attempt {precedence}: ")}<code>{format!("{} eq {value}", str_of(q, "target"))}</code></li> }
        })
        .collect_view();
    let matched = details.get("matched").map(|m| str_of(m, "id").to_owned());
    let candidates: Vec<String> = list(details, "candidates")
        .iter()
        .map(|c| str_of(c, "id").to_owned())
        .collect();
    view! {
        {linked.map(|id| view! { <p>"Linked to "<code>{id}</code></p> })}
        <ul class="queries">{queries}</ul>
        {matched.map(|id| view! { <p>"Matched "<code>{id}</code></p> })}
        {(!candidates.is_empty()).then(|| view! { <p>"Candidates: "<code>{candidates.join(", ")}</code></p> })}
    }
}

fn action(details: &Value, decision: &Value) -> impl IntoView + use<> {
    let reason = decision.get("reason").map(|r| str_of(r, "message").to_owned());
    let changes = list(decision, "changes")
        .iter()
        .map(|change| {
            view! {
                <tr>
                    <th scope="row"><code>{str_of(change, "path").to_owned()}</code></th>
                    <td><code>{shown(change.get("old").unwrap_or(&Value::Null))}</code></td>
                    <td><code>{shown(change.get("new").unwrap_or(&Value::Null))}</code></td>
                </tr>
            }
        })
        .collect_view();
    let has_changes = !list(decision, "changes").is_empty();
    let failures = list(details, "failures")
        .iter()
        .map(|f| {
            let message = f.get("diagnostic").map(|d| str_of(d, "message").to_owned()).unwrap_or_default();
            view! { <li><code>{format!("{} = {}", str_of(f, "target"), str_of(f, "expression"))}</code>": "{message}</li> }
        })
        .collect_view();
    view! {
        <p>"Action: "<strong class="decision-action">{str_of(decision, "action").to_owned()}</strong></p>
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
fn ResultView(answer: Value) -> impl IntoView {
    let applied = answer.get("applied").cloned().unwrap_or(Value::Null);
    let decision = answer.get("decision").cloned().unwrap_or(Value::Null);
    let log_entry = answer.get("log_entry").cloned().unwrap_or(Value::Null);
    let error = applied.get("error").and_then(Value::as_str).map(str::to_owned);
    let failed = error.is_some() || str_of(&decision, "status") == "failure";
    let done = applied.get("done").and_then(Value::as_bool).unwrap_or(false);
    let verdict = if failed {
        "failed"
    } else if done {
        "done"
    } else {
        "nothing done"
    };
    let code = str_of(&applied, "error_code").to_owned();
    let target = applied.get("target_id").and_then(Value::as_str).map(str::to_owned);
    let advice = log_entry
        .get("recommended_action")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let entry = str_of(&log_entry, "id").to_owned();
    view! {
        <div class="on-demand-result" role="status" data-status=if failed { "failed" } else { "ok" }>
            <h3>"Result"</h3>
            <p><strong>{format!("{} — {verdict}", str_of(&decision, "action"))}</strong>": "{str_of(&applied, "summary").to_owned()}</p>
            {target.map(|id| view! { <p>"Target object "<code>{id}</code></p> })}
            {error.map(|e| view! { <p class="error-note">{if code.is_empty() { "Error".to_owned() } else { code }}": "{e}</p> })}
            {advice.map(|a| view! { <p>"What to do: "{a}</p> })}
            {(!entry.is_empty()).then(|| view! { <p><a href=format!("/logs/{}", api::encode(&entry))>"Open the log entry"</a></p> })}
        </div>
    }
}
