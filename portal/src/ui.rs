//! Small pieces every page uses: an error shown where it belongs, a
//! loading line, and a pager.

use leptos::prelude::*;

use crate::api::Failure;

/// A request's failure, read out to screen readers as it appears.
#[component]
pub fn ErrorNote(failure: RwSignal<Option<Failure>>) -> impl IntoView {
    move || {
        failure.get().map(|f| {
            view! {
                <p class="error-note" role="alert">
                    <strong>{f.error.clone()}</strong>": "{f.message.clone()}
                </p>
            }
        })
    }
}

/// "Loading…", announced politely.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}

/// Previous / next for offset paging: `offset` moves by `limit` within `total`.
#[component]
pub fn Pager(offset: RwSignal<usize>, limit: usize, #[prop(into)] total: Signal<usize>) -> impl IntoView {
    let at_end = move || offset.get() + limit >= total.get();
    view! {
        <nav class="pager" aria-label="Pages">
            <button type="button" disabled=move || offset.get() == 0
                on:click=move |_| offset.update(|o| *o = o.saturating_sub(limit))>"Previous"</button>
            <span>{move || {
                let total = total.get();
                if total == 0 {
                    "none".to_owned()
                } else {
                    format!("{}–{} of {}", offset.get() + 1, (offset.get() + limit).min(total), total)
                }
            }}</span>
            <button type="button" disabled=at_end
                on:click=move |_| offset.update(|o| *o += limit)>"Next"</button>
        </nav>
    }
}
