//! The table of an object mapping's attribute mappings, with edit, move
//! up, move down and remove for each row.

use leptos::prelude::*;
use provisio_engine::expr::{self, MappingKind};
use provisio_engine::job::{Apply, AttributeMapping, JobDefinition};
use wasm_bindgen::JsCast as _;

use super::Edit;

/// The kind column: direct, constant or expression, as the engine reads it.
fn kind(expression: &str) -> &'static str {
    match expr::compile(expression).map(|program| program.kind()) {
        Ok(MappingKind::Direct) => "direct",
        Ok(MappingKind::Constant) => "constant",
        Ok(MappingKind::Expression) => "expression",
        Err(_) => "invalid",
    }
}

/// Focuses the element with `id` once the table has been drawn again.
fn focus_later(id: String) {
    request_animation_frame(move || {
        let element = document().get_element_by_id(&id);
        if let Some(element) = element.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = element.focus();
        }
    });
}

#[component]
pub fn MappingTable(
    draft: RwSignal<JobDefinition>,
    object: RwSignal<usize>,
    editing: RwSignal<Option<Edit>>,
) -> impl IntoView {
    let rows = move || {
        draft.with(|d| {
            d.objects
                .get(object.get())
                .map(|o| o.mappings.clone())
                .unwrap_or_default()
        })
    };
    let move_row = move |from: usize, to: usize, button: &'static str| {
        let o = object.get_untracked();
        draft.update(|d| {
            if let Some(mappings) = d.objects.get_mut(o).map(|o| &mut o.mappings)
                && from < mappings.len()
                && to < mappings.len()
            {
                mappings.swap(from, to);
            }
        });
        editing.set(None);
        let last = rows().len().saturating_sub(1);
        let button = match (button, to) {
            ("up", 0) => "down",
            ("down", t) if t == last => "up",
            (b, _) => b,
        };
        focus_later(format!("mapping-{to}-{button}"));
    };
    let remove = move |index: usize| {
        let o = object.get_untracked();
        draft.update(|d| {
            if let Some(mappings) = d.objects.get_mut(o).map(|o| &mut o.mappings)
                && index < mappings.len()
            {
                mappings.remove(index);
            }
        });
        editing.set(None);
        focus_later("add-mapping".to_owned());
    };
    view! {
        <table class="mappings-table" id="mappings-table">
            <thead>
                <tr>
                    <th scope="col">"Target attribute"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Source or expression"</th>
                    <th scope="col">"Apply"</th>
                    <th scope="col">"Default"</th>
                    <th scope="col">"Matching"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    let rows = rows();
                    let count = rows.len();
                    if count == 0 {
                        return view! { <tr><td colspan="7" class="empty">"No attribute mappings yet."</td></tr> }
                            .into_any();
                    }
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, m)| view! { <Row i count mapping=m object editing move_row remove /> })
                        .collect_view()
                        .into_any()
                }}
            </tbody>
        </table>
    }
}

#[component]
fn Row(
    i: usize,
    count: usize,
    mapping: AttributeMapping,
    object: RwSignal<usize>,
    editing: RwSignal<Option<Edit>>,
    move_row: impl Fn(usize, usize, &'static str) + Copy + 'static,
    remove: impl Fn(usize) + Copy + 'static,
) -> impl IntoView {
    let kind = kind(&mapping.expression);
    let source = match kind {
        "direct" => mapping
            .expression
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        _ => mapping.expression.clone(),
    };
    let apply = match mapping.apply {
        Apply::Always => "always",
        Apply::OnCreate => "on create",
    };
    let target = mapping.target.clone();
    let is_editing = move || editing.get().is_some_and(|e| e.index == Some(i));
    view! {
        <tr class:editing=is_editing data-target=mapping.target.clone()>
            <td><code>{mapping.target.clone()}</code></td>
            <td class="kind">{kind}</td>
            <td><code class="expression">{source}</code></td>
            <td>{apply}</td>
            <td>{mapping.default.clone().unwrap_or_default()}</td>
            <td>{mapping.match_precedence.map(|p| format!("precedence {p}")).unwrap_or_default()}</td>
            <td class="row-actions">
                <button type="button" id=format!("mapping-{i}-edit")
                    aria-label=format!("Edit {target}")
                    on:click=move |_| editing.set(Some(Edit { object: object.get_untracked(), index: Some(i) }))>
                    "Edit"
                </button>
                <button type="button" id=format!("mapping-{i}-up") disabled={i == 0}
                    aria-label=format!("Move {target} up") on:click=move |_| move_row(i, i.saturating_sub(1), "up")>
                    "↑"
                </button>
                <button type="button" id=format!("mapping-{i}-down") disabled={i + 1 >= count}
                    aria-label=format!("Move {target} down") on:click=move |_| move_row(i, i + 1, "down")>
                    "↓"
                </button>
                <button type="button" id=format!("mapping-{i}-remove")
                    aria-label=format!("Remove {target}") on:click=move |_| remove(i)>
                    "Remove"
                </button>
            </td>
        </tr>
    }
}
