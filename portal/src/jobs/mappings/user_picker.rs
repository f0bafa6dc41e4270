//! Picking the directory user an expression is evaluated for: search the
//! directory, choose a user, and the user's source attributes (as the
//! server builds them) become the editor's source object.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::directory::DirectoryUser;

use crate::api::Failure;
use crate::jobs::directory_source::{self, SourceEntry};
use crate::playground::PlaygroundState;
use crate::ui::{ErrorNote, Loading};

/// How many search results to offer.
const RESULTS: usize = 8;

#[component]
pub fn UserPicker(state: PlaygroundState, picked: RwSignal<Option<SourceEntry>>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<DirectoryUser>>);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<Failure>);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        failure.set(None);
        let text = query.get_untracked();
        spawn_local(async move {
            match directory_source::search_users(&text, RESULTS).await {
                Ok(page) => results.set(Some(page.items)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let pick = move |id: String| {
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match directory_source::user(&id).await {
                Ok(entry) => {
                    state.source.set(entry.json());
                    picked.set(Some(entry));
                    results.set(None);
                    if let Some(editor) = state.editor.get_untracked() {
                        let _ = editor.focus();
                    }
                }
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let evaluated_for = move || {
        let sample = "a sample user — search the directory to pick one".to_owned();
        match picked.get() {
            Some(entry) if state.source.with(|s| *s == entry.json()) => entry.name,
            Some(_) => "the source object of a function example".to_owned(),
            None => sample,
        }
    };
    view! {
        <section class="user-picker" aria-labelledby="user-picker-heading">
            <h4 id="user-picker-heading">"Evaluate for a user"</h4>
            <form class="user-search" on:submit=search>
                <label for="mapping-user-search">"Search users"</label>
                <input id="mapping-user-search" type="search" autocomplete="off"
                    placeholder="name or mail" prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev)) />
                <button type="submit" disabled=move || busy.get()>"Search"</button>
            </form>
            <p class="hint">"Evaluated for: " <strong id="mapping-user">{evaluated_for}</strong></p>
            {move || busy.get().then(|| view! { <Loading /> })}
            <ErrorNote failure />
            {move || results.get().map(|users| {
                if users.is_empty() {
                    return view! { <p class="result-note">"No user matches."</p> }.into_any();
                }
                view! {
                    <ul class="user-results" aria-label="Matching users">
                        {users.into_iter().map(|user| {
                            let entry = SourceEntry::from_user(&user);
                            let upn = user.attributes.get("userPrincipalName")
                                .and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                            let id = user.id.clone();
                            view! {
                                <li>
                                    <button type="button" class="user-result" on:click=move |_| pick(id.clone())>
                                        {entry.name} " " <span class="hint">{upn}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            })}
        </section>
    }
}
