//! Small pieces every page uses: an error shown where it belongs, a
//! loading line, a pager, a read-only field with a Copy button, and times
//! as tables show them.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use provisio_api::jobs::status::Unmatched;

use crate::api::{Failure, encode};

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

/// Writes `text` to the clipboard. Through `Reflect`, because the portal's
/// web-sys build leaves out the Clipboard API (a feature for one call).
fn copy(text: &str) -> bool {
    let clipboard = js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| js_sys::Reflect::get(&navigator, &"clipboard".into()));
    let Ok(clipboard) = clipboard else { return false };
    let write = js_sys::Reflect::get(&clipboard, &"writeText".into());
    match write.ok().and_then(|w| w.dyn_into::<js_sys::Function>().ok()) {
        Some(write) => write.call1(&clipboard, &text.into()).is_ok(),
        None => false,
    }
}

/// Selects a focused field's text, so it can be copied by hand too.
fn select_all(event: &leptos::ev::FocusEvent) {
    event_target::<web_sys::HtmlInputElement>(event).select();
}

/// A read-only field with a Copy button and a status saying it was copied.
#[component]
pub fn CopyField(id: &'static str, label: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(None::<&'static str>);
    let text = value.clone();
    view! {
        <label for=id>{label}</label>
        <div class="copy-field">
            <input id=id type="text" class="code" readonly prop:value=value
                on:focus=move |e| select_all(&e) />
            <button type="button" on:click=move |_| {
                copied.set(Some(if copy(&text) { "Copied." } else { "Select the text and copy it." }))
            }>"Copy"</button>
            <span class="saved-note" role="status">{move || copied.get()}</span>
        </div>
    }
}

/// `2026-11-26T09:30:00.000Z` → `2026-11-26 09:30` (UTC), short enough for a table.
pub fn short_time(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(time) => time.format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// A job's objects that could not be matched for want of a value, as a
/// warning with a link to their log entries (code `ImportSkipped`); nothing
/// when there are none.
#[component]
pub fn UnmatchedNote(job_id: String, unmatched: Vec<Unmatched>) -> impl IntoView {
    let logs = format!("/logs?job={}&code=ImportSkipped", encode(&job_id));
    (!unmatched.is_empty()).then(|| {
        view! {
            <ul class="unmatched-note" aria-label="Objects that could not be matched">
                {unmatched.into_iter().map(|group| view! {
                    <li>{group.message}" "<a href=logs.clone()>"see the log entries"</a></li>
                }).collect_view()}
            </ul>
        }
    })
}
