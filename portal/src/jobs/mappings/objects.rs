//! Choosing which object mapping (users or groups) a tab edits.

use leptos::prelude::*;
use provisio_engine::job::{JobDefinition, ObjectMapping, SourceKind};

/// `Users → User`, the way the tabs name an object mapping.
pub fn object_label(object: &ObjectMapping) -> String {
    let source = match object.source {
        SourceKind::User => "Users",
        SourceKind::Group => "Groups",
    };
    let disabled = if object.enabled { "" } else { " (disabled)" };
    format!("{source} → {}{disabled}", object.target)
}

/// A select of the definition's object mappings, shown only when there are several.
#[component]
pub fn ObjectPicker(draft: RwSignal<JobDefinition>, object: RwSignal<usize>, id: &'static str) -> impl IntoView {
    let labels = move || draft.with(|d| d.objects.iter().map(object_label).collect::<Vec<_>>());
    move || {
        let labels = labels();
        match labels.len() {
            0 => view! { <p class="result-note">"The job maps no objects."</p> }.into_any(),
            1 => view! {
                <p class="object-name">"Object: " <strong>{labels.into_iter().next()}</strong></p>
            }
            .into_any(),
            _ => view! {
                <div class="field object-picker">
                    <label for=id>"Object"</label>
                    <select id=id on:change=move |ev| {
                        object.set(event_target_value(&ev).parse().unwrap_or_default())
                    }>
                        {labels
                            .into_iter()
                            .enumerate()
                            .map(|(i, label)| {
                                view! { <option value=i.to_string() selected=move || object.get() == i>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
            }
            .into_any(),
        }
    }
}
