//! The form pieces the notification settings repeat, each one component so
//! the portal carries its code once: a labelled input, a checkbox, a text
//! area, and whether a secret is set.

use leptos::prelude::*;

/// A labelled `<input>` of `kind` (`text`, `number`, `url`, `password`) bound to `value`.
#[component]
pub fn Field(
    #[prop(into)] id: String,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: &'static str,
) -> impl IntoView {
    view! {
        <label for=id.clone()>{label}</label>
        <input id=id type=kind placeholder=hint autocomplete="off" prop:value=move || value.get()
            on:input=move |e| value.set(event_target_value(&e)) />
    }
}

/// A checkbox with its label, bound to `value`.
#[component]
pub fn Check(#[prop(into)] id: String, label: &'static str, value: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check"><input id=id type="checkbox" prop:checked=move || value.get()
            on:change=move |e| value.set(event_target_checked(&e)) />{label}</label>
    }
}

/// A labelled `<textarea>` bound to `value`.
#[component]
pub fn Area(id: &'static str, label: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <textarea id=id rows="3" prop:value=move || value.get()
            on:input=move |e| value.set(event_target_value(&e))></textarea>
    }
}

/// "(set)" or "(not set)" beside a secret's field.
#[component]
pub fn SecretState(#[prop(into)] id: String, set: RwSignal<bool>) -> impl IntoView {
    view! { <span class="secret-state" id=id>{move || if set.get() { "(set)" } else { "(not set)" }}</span> }
}
