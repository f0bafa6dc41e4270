//! The preview's tables: counts per action for each kind of object, and
//! the first decisions with the attributes they would write.

use leptos::prelude::*;
use provisio_engine::job::SourceKind;
use provisio_engine::plan::{Action, Decision};

use super::plan::KindPlan;

/// How many decisions the table shows.
const SHOWN: usize = 50;

fn noun(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::User => "Users",
        SourceKind::Group => "Groups",
    }
}

fn action(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Disable => "disable",
        Action::Delete => "delete",
        Action::StagedDelete => "held for approval",
        Action::Skip => "skip",
    }
}

#[component]
pub fn CountsTable(plans: Vec<KindPlan>) -> impl IntoView {
    let held = plans.iter().any(|p| p.plan.threshold_exceeded);
    view! {
        <table class="preview-counts" id="preview-counts">
            <caption>"What the cycle would do"</caption>
            <thead>
                <tr>
                    <th scope="col">"Objects"</th>
                    <th scope="col">"Create"</th>
                    <th scope="col">"Update"</th>
                    <th scope="col">"Disable"</th>
                    <th scope="col">"Delete"</th>
                    <th scope="col">"Held for approval"</th>
                    <th scope="col">"Skip"</th>
                    <th scope="col">"Failed"</th>
                </tr>
            </thead>
            <tbody>
                {plans.into_iter().map(|p| {
                    let c = p.plan.counts;
                    view! {
                        <tr data-kind=noun(p.kind).to_lowercase()>
                            <th scope="row">{noun(p.kind)}</th>
                            <td class="count-create">{c.create}</td>
                            <td class="count-update">{c.update}</td>
                            <td class="count-disable">{c.disable}</td>
                            <td class="count-delete">{c.delete}</td>
                            <td class="count-staged">{c.staged_delete}</td>
                            <td class="count-skip">{c.skip}</td>
                            <td class="count-failed">{c.failed}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {held.then(|| view! {
            <p class="result-note">"More deletions than the job's deletion threshold: they would be held for approval."</p>
        })}
    }
}

#[component]
pub fn DecisionTable(plans: Vec<KindPlan>) -> impl IntoView {
    let mut rows: Vec<(String, Decision)> = plans
        .iter()
        .flat_map(|p| {
            p.plan.decisions.iter().map(|d| {
                let id = d.source_id.clone().unwrap_or_default();
                (p.names.get(&id).cloned().unwrap_or(id), d.clone())
            })
        })
        .collect();
    let total = rows.len();
    // Changes first, then what would be skipped; otherwise in directory order.
    rows.sort_by_key(|(_, d)| d.is_noop());
    rows.truncate(SHOWN);
    view! {
        <table class="preview-decisions" id="preview-decisions">
            <caption>{format!("The first {} of {total} decisions, changes first", rows.len())}</caption>
            <thead>
                <tr>
                    <th scope="col">"Object"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Why"</th>
                    <th scope="col">"Attributes written"</th>
                </tr>
            </thead>
            <tbody>
                {rows.into_iter().map(|(name, d)| view! { <DecisionRow name decision=d /> }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn DecisionRow(name: String, decision: Decision) -> impl IntoView {
    let reason = match (&decision.reason, decision.action) {
        (Some(reason), _) => reason.message.clone(),
        (None, Action::Create) => "in scope, and no account was found in the application".to_owned(),
        (None, _) => String::new(),
    };
    view! {
        <tr class=format!("decision action-{}", action(decision.action).replace(' ', "-"))>
            <td>{name}</td>
            <td>{action(decision.action)}</td>
            <td>{reason}</td>
            <td>
                <dl class="changes">
                    {decision.changes.iter().map(|c| {
                        let value = serde_json::to_string(&c.new).unwrap_or_default();
                        view! { <dt><code>{c.path.to_string()}</code></dt> <dd><code>{value}</code></dd> }
                    }).collect_view()}
                </dl>
            </td>
        </tr>
    }
}
