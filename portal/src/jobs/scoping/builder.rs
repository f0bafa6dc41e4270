//! The filter builder: filters (any may hold), each a list of clauses (all
//! must hold) of attribute, operator and value, with each clause's problem
//! shown beside it.

use leptos::prelude::*;
use provisio_engine::scope::{ClauseProblem, Operator};

use super::draft::{ClauseRow, FilterRow};

/// Where a row sits in its list, or `usize::MAX` once removed.
fn position<T>(rows: &[T], key: impl Fn(&T) -> bool) -> usize {
    rows.iter().position(key).unwrap_or(usize::MAX)
}

#[component]
pub fn FilterBuilder(
    rows: RwSignal<Vec<FilterRow>>,
    #[prop(into)] problems: Signal<Vec<ClauseProblem>>,
) -> impl IntoView {
    let add = move |_| rows.update(|r| r.push(FilterRow::empty(r.len() + 1)));
    view! {
        <div class="filter-builder">
            {move || rows.with(Vec::is_empty).then(|| view! {
                <p class="result-note" id="no-filters">"No scoping filters: every object is in scope."</p>
            })}
            <For each=move || rows.get() key=|row| row.key let:row>
                <FilterView row rows problems />
            </For>
            <button type="button" id="add-filter" on:click=add>"Add filter (or)"</button>
        </div>
    }
}

#[component]
fn FilterView(row: FilterRow, rows: RwSignal<Vec<FilterRow>>, problems: Signal<Vec<ClauseProblem>>) -> impl IntoView {
    let index = Memo::new(move |_| rows.with(|r| position(r, |f| f.key == row.key)));
    let name_id = format!("filter-{}-name", row.key);
    let remove = move |_| rows.update(|r| r.retain(|f| f.key != row.key));
    let add_clause = move |_| row.clauses.update(|c| c.push(ClauseRow::empty()));
    view! {
        <fieldset class="scope-filter">
            <legend>{move || format!("Filter {}", index.get() + 1)} " — holds when every clause holds"</legend>
            <div class="field filter-name">
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id autocomplete="off" prop:value=move || row.name.get()
                    on:input=move |ev| row.name.set(event_target_value(&ev)) />
            </div>
            <table class="clauses">
                <thead>
                    <tr>
                        <th scope="col">"Attribute"</th>
                        <th scope="col">"Operator"</th>
                        <th scope="col">"Value"</th>
                        <th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || row.clauses.get() key=|clause| clause.key let:clause>
                        <ClauseView clause filter=row index problems />
                    </For>
                </tbody>
            </table>
            <div class="filter-actions">
                <button type="button" class="add-clause" on:click=add_clause>"Add clause (and)"</button>
                <button type="button" class="remove-filter" on:click=remove>"Remove filter"</button>
            </div>
        </fieldset>
    }
}

#[component]
fn ClauseView(
    clause: ClauseRow,
    filter: FilterRow,
    index: Memo<usize>,
    problems: Signal<Vec<ClauseProblem>>,
) -> impl IntoView {
    let at = Memo::new(move |_| filter.clauses.with(|c| position(c, |x| x.key == clause.key)));
    let problem = move |field: &'static str| {
        let (f, c) = (index.get(), at.get());
        problems.with(|list| {
            list.iter()
                .filter(|p| p.filter == f && p.clause == c && (field.is_empty() || p.field == field))
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    let id = |field: &str| format!("clause-{}-{field}", clause.key);
    let (attribute_id, operator_id, value_id, error_id) = (id("attribute"), id("operator"), id("value"), id("error"));
    let unary = move || clause.operator.get().is_unary();
    let remove = move |_| filter.clauses.update(|c| c.retain(|x| x.key != clause.key));
    view! {
        <tr class="clause" class:invalid=move || !problem("").is_empty()>
            <td>
                <label class="sr-only" for=attribute_id.clone()>"Attribute"</label>
                <input id=attribute_id class="clause-attribute" autocomplete="off" spellcheck="false"
                    placeholder="e.g. department" aria-describedby=error_id.clone()
                    aria-invalid=move || (!problem("attribute").is_empty()).to_string()
                    prop:value=move || clause.attribute.get()
                    on:input=move |ev| clause.attribute.set(event_target_value(&ev)) />
            </td>
            <td>
                <label class="sr-only" for=operator_id.clone()>"Operator"</label>
                <select id=operator_id class="clause-operator" on:change=move |ev| {
                    if let Ok(op) = event_target_value(&ev).parse::<Operator>() {
                        clause.operator.set(op);
                    }
                }>
                    {Operator::ALL.into_iter().map(|op| view! {
                        <option value=op.name() selected=move || clause.operator.get() == op>{op.name()}</option>
                    }).collect_view()}
                </select>
            </td>
            <td>
                <label class="sr-only" for=value_id.clone()>"Value"</label>
                <input id=value_id class="clause-value" autocomplete="off" spellcheck="false"
                    aria-describedby=error_id.clone() disabled=unary
                    placeholder=move || if unary() { "no value" } else if clause.operator.get().takes_list() {
                        "values, separated by commas" } else { "" }
                    aria-invalid=move || (!problem("value").is_empty()).to_string()
                    prop:value=move || clause.value.get()
                    on:input=move |ev| clause.value.set(event_target_value(&ev)) />
            </td>
            <td>
                <button type="button" class="remove-clause" aria-label="Remove this clause" on:click=remove>"Remove"</button>
            </td>
        </tr>
        <tr class="clause-problem" hidden=move || problem("").is_empty()>
            <td colspan="4" id=error_id class="field-error" role="alert">{move || problem("")}</td>
        </tr>
    }
}
