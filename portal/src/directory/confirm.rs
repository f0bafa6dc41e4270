//! A destructive action asked twice, in place: the first press shows the
//! question with "Yes" (focused) and "Cancel"; Escape or Cancel go back.

use leptos::html;
use leptos::prelude::*;

#[component]
pub fn ConfirmButton(
    /// The button's text, e.g. "Delete user".
    label: &'static str,
    /// The question, e.g. "Delete Ada Lovelace? It can be restored."
    #[prop(into)]
    question: Signal<String>,
    /// What "Yes" says, e.g. "Yes, delete".
    confirm: &'static str,
    #[prop(into)] busy: Signal<bool>,
    on_confirm: Callback<()>,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let yes = NodeRef::<html::Button>::new();
    let first = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if asking.get()
            && let Some(button) = yes.get()
        {
            let _ = button.focus();
        }
    });
    let back = move || {
        asking.set(false);
        if let Some(button) = first.get_untracked() {
            let _ = button.focus();
        }
    };
    view! {
        <span class="confirm">
            <button type="button" class="danger" node_ref=first hidden=move || asking.get()
                disabled=move || busy.get() on:click=move |_| asking.set(true)>{label}</button>
            <span class="confirm-question" role="group" aria-label=label hidden=move || !asking.get()
                on:keydown=move |e| if e.key() == "Escape" { back() }>
                <span>{move || question.get()}</span>
                <button type="button" class="danger" node_ref=yes disabled=move || busy.get()
                    on:click=move |_| {
                        asking.set(false);
                        on_confirm.run(());
                    }>{confirm}</button>
                <button type="button" on:click=move |_| back()>"Cancel"</button>
            </span>
        </span>
    }
}
