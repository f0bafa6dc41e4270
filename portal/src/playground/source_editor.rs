//! The source-object editor: the JSON object whose attributes the expression reads, with its
//! parse error (line and column) shown beneath it.

use leptos::prelude::*;

use super::state::PlaygroundState;

#[component]
pub fn SourceEditor(state: PlaygroundState) -> impl IntoView {
    let error = move || {
        state
            .source_object
            .with(|parsed| parsed.as_ref().err().map(|e| e.0.clone()))
    };
    view! {
        <div class="field source-field">
            <label for="source">"Source object (JSON)"</label>
            <p id="source-help" class="hint">
                "Attribute names are case-sensitive. Strings, numbers, true/false and lists of them."
            </p>
            <textarea
                id="source"
                class="code"
                rows="16"
                spellcheck="false"
                autocomplete="off"
                autocapitalize="off"
                aria-describedby="source-help source-error"
                aria-invalid=move || error().is_some().to_string()
                prop:value=move || state.source.get()
                on:input=move |ev| state.source.set(event_target_value(&ev))
            ></textarea>
            <p id="source-error" class="field-error" role="alert" hidden=move || error().is_none()>
                {move || error().map(|e| format!("Invalid JSON: {e}"))}
            </p>
        </div>
    }
}
