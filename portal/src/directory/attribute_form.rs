//! Every attribute of a user or group as a form built from the catalogue:
//! a checkbox for booleans, a number for integers, a date and time for
//! instants, one line per value for multi-valued ones. Saving sends only
//! what was changed; once the server has it, the edits are dropped.

use std::collections::BTreeMap;

use leptos::prelude::*;
use provisio_api::directory::{AttributeDefinition, AttributeKind};
use serde_json::{Map, Value};

use super::values::{from_text, to_text};
use super::{Action, ActionNote};

#[component]
pub fn AttributeForm(
    /// The form's id; each input is `attr-<name>`.
    id: &'static str,
    /// The attributes to show, in order.
    definitions: Vec<AttributeDefinition>,
    /// The object's current attributes, as the server has them.
    #[prop(into)]
    values: Signal<Map<String, Value>>,
    /// Whether the object can be changed (deleted objects cannot).
    #[prop(into)]
    editable: Signal<bool>,
    action: Action,
    /// Called with the changed attributes only (`null` clears one).
    on_save: Callback<Map<String, Value>>,
) -> impl IntoView {
    let edits = RwSignal::new(BTreeMap::<String, String>::new());
    let definitions = StoredValue::new(definitions);
    let original =
        move |definition: &AttributeDefinition| values.with(|v| to_text(definition, v.get(&definition.name)));
    // When the server's values change (saved, or changed by another button),
    // edits that now match them are done.
    Effect::new(move |_| {
        let current: BTreeMap<String, String> =
            definitions.with_value(|defs| defs.iter().map(|d| (d.name.clone(), original(d))).collect());
        edits.update(|edits| edits.retain(|name, text| current.get(name) != Some(text)));
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let mut changed = Map::new();
        let mut problems = Vec::new();
        definitions.with_value(|defs| {
            edits.with_untracked(|edits| {
                for definition in defs {
                    let Some(text) = edits.get(&definition.name) else {
                        continue;
                    };
                    if *text == original(definition) {
                        continue;
                    }
                    match from_text(definition, text) {
                        Ok(value) => {
                            changed.insert(definition.name.clone(), value);
                        }
                        Err(problem) => problems.push(format!("{}: {problem}", definition.name)),
                    }
                }
            })
        });
        if !problems.is_empty() {
            action.refuse(problems.join("; "));
        } else if changed.is_empty() {
            action.refuse("nothing was changed".into());
        } else {
            on_save.run(changed);
        }
    };
    let fields = definitions.with_value(|defs| {
        defs.iter()
            .map(|definition| field(definition.clone(), edits, original, editable))
            .collect_view()
    });
    let changes = move || edits.with(BTreeMap::len);
    view! {
        <form id=id class="attribute-form" on:submit=submit aria-label="Attributes">
            <div class="field-grid">{fields}</div>
            <div class="actions">
                <button type="submit" class="primary" disabled=move || action.busy.get() || !editable.get()>
                    {move || if action.busy.get() { "Saving…" } else { "Save changes" }}
                </button>
                <button type="button" disabled=move || changes() == 0 on:click=move |_| edits.set(BTreeMap::new())>
                    "Undo changes"
                </button>
                <span class="hint">{move || match changes() {
                    0 => String::new(),
                    1 => "1 attribute changed".to_owned(),
                    n => format!("{n} attributes changed"),
                }}</span>
            </div>
            <ActionNote action />
        </form>
    }
}

/// One attribute's label and input.
fn field(
    definition: AttributeDefinition,
    edits: RwSignal<BTreeMap<String, String>>,
    original: impl Fn(&AttributeDefinition) -> String + Copy + Send + Sync + 'static,
    editable: Signal<bool>,
) -> impl IntoView {
    let input_id = format!("attr-{}", definition.name);
    let name = definition.name.clone();
    let definition = StoredValue::new(definition);
    let text = move || {
        edits
            .with(|e| e.get(&name).cloned())
            .unwrap_or_else(|| definition.with_value(|d| original(d)))
    };
    let set = move |value: String| {
        definition.with_value(|d| {
            edits.update(|e| {
                e.insert(d.name.clone(), value);
            })
        })
    };
    let changed = move || definition.with_value(|d| edits.with(|e| e.get(&d.name).is_some_and(|t| *t != original(d))));
    let (kind, multi, label, description) =
        definition.with_value(|d| (d.kind, d.multi_valued, d.name.clone(), d.description.clone()));
    let hint = match (kind, multi) {
        (_, true) => "One value per line.".to_owned(),
        (AttributeKind::DateTime, _) => "Date and time in UTC.".to_owned(),
        (AttributeKind::Reference, _) => "The id of a user.".to_owned(),
        _ => description,
    };
    let hint_id = format!("{input_id}-hint");
    let described = (!hint.is_empty()).then(|| hint_id.clone());
    let input = match (kind, multi) {
        (_, true) => view! {
            <textarea id=input_id.clone() rows="2" aria-describedby=described disabled=move || !editable.get()
                prop:value=text on:input=move |e| set(event_target_value(&e))></textarea>
        }
        .into_any(),
        (AttributeKind::Boolean, _) => view! {
            <input id=input_id.clone() type="checkbox" disabled=move || !editable.get()
                prop:checked=move || text() == "true"
                on:change=move |e| set(event_target_checked(&e).to_string()) />
        }
        .into_any(),
        (kind, _) => {
            let (kind, step) = match kind {
                AttributeKind::Integer => ("number", Some("1")),
                AttributeKind::DateTime => ("datetime-local", Some("1")),
                _ => ("text", None),
            };
            view! {
                <input id=input_id.clone() type=kind step=step autocomplete="off" aria-describedby=described
                    disabled=move || !editable.get()
                    prop:value=text on:input=move |e| set(event_target_value(&e)) />
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:changed=changed class:check=kind == AttributeKind::Boolean && !multi>
            <label for=input_id>{label}</label>
            {input}
            {(!hint.is_empty()).then(|| view! { <p id=hint_id class="hint">{hint}</p> })}
        </div>
    }
}
