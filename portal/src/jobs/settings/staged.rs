//! Deletes the accidental-deletion guard holds: the list
//! (`GET …/staged-deletes`, users then groups) and "Allow deletes"
//! (`POST …/allow-deletes`) with what it did.

use leptos::prelude::*;
use leptos::task::spawn_local;
use provisio_api::jobs::approval::{AllowDeletesResult, StagedDeletesPage, allow_deletes_path, staged_deletes_path};

use crate::api::{self, Failure};
use crate::jobs::state::JobSignal;
use crate::ui::short_time;
use crate::ui::{ErrorNote, Loading};

/// How many of each kind the list shows; the total says how many there are.
const SHOWN: u32 = 100;

#[component]
pub fn StagedDeletes(
    job: JobSignal,
    total: u64,
    changed: RwSignal<u32>,
    allowed: RwSignal<Option<AllowDeletesResult>>,
) -> impl IntoView {
    let id = job.with_untracked(|j| j.id.clone());
    let list_id = id.clone();
    let held = LocalResource::new(move || {
        let base = staged_deletes_path(&list_id);
        async move {
            let users = api::get::<StagedDeletesPage>(&format!("{base}?kind=user&limit={SHOWN}")).await?;
            let groups = api::get::<StagedDeletesPage>(&format!("{base}?kind=group&limit={SHOWN}")).await?;
            Ok::<_, Failure>(users.items.into_iter().chain(groups.items).collect::<Vec<_>>())
        }
    });
    let list_failure = RwSignal::new(None::<Failure>);
    let failure = RwSignal::new(None::<Failure>);
    let busy = RwSignal::new(false);
    let allow = move |_| {
        failure.set(None);
        allowed.set(None);
        busy.set(true);
        let path = allow_deletes_path(&id);
        spawn_local(async move {
            match api::post::<_, AllowDeletesResult>(&path, &serde_json::Map::new()).await {
                Ok(done) => allowed.set(Some(done)),
                Err(e) => failure.set(Some(e)),
            }
            busy.set(false);
            changed.update(|n| *n += 1);
        });
    };
    view! {
        <section class="staged-deletes" aria-labelledby="staged-title">
            <h3 id="staged-title">{format!("Deletes held for approval: {total}")}</h3>
            <p class="hint">"A cycle wanted to disable or delete more accounts than the deletion threshold allows. Check the list; allowing carries them out (an account back in scope meanwhile is updated instead)."</p>
            {move || match held.get() {
                None => view! { <Loading /> }.into_any(),
                Some(Err(e)) => {
                    list_failure.set(Some(e));
                    view! { <ErrorNote failure=list_failure /> }.into_any()
                }
                Some(Ok(items)) => view! {
                    <table>
                        <thead><tr>
                            <th scope="col">"Type"</th><th scope="col">"Action"</th>
                            <th scope="col">"Target id"</th><th scope="col">"Directory object"</th><th scope="col">"Held since"</th>
                        </tr></thead>
                        <tbody>
                            {items.into_iter().map(|item| view! {
                                <tr>
                                    <td>{item.object_type}</td><td>{item.action}</td>
                                    <td><code>{item.target_id}</code></td>
                                    <td>{item.source_id.unwrap_or_else(|| "(gone)".to_owned())}</td>
                                    <td>{short_time(&item.staged_at)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
            <button type="button" class="danger" on:click=allow disabled=move || busy.get()>
                {move || if busy.get() { "Allowing…" } else { "Allow deletes" }}
            </button>
            <ErrorNote failure=failure />
        </section>
    }
}

/// What allowing the held deletes did, with the run in the logs.
#[component]
pub fn AllowResult(done: AllowDeletesResult) -> impl IntoView {
    let actions = done
        .actions
        .iter()
        .map(|(a, n)| format!("{a} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <p class="allow-result">
            {format!("Allowed: carried out {} objects ({actions}); {} failed.", done.objects, done.failures)}
            " "<a href=format!("/logs?cycle={}", api::encode(&done.run_id))>"See the run in the logs"</a>
        </p>
    }
}
