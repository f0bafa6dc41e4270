//! The live scope preview: the engine, in the browser, evaluates the filters
//! being edited over every directory object of the mapping's kind — how
//! many are in scope and which — and explains each clause for one object.

use std::sync::Arc;

use leptos::prelude::*;
use provisio_engine::scope::{ClauseProblem, CompiledScope, ScopeContext, ScopeOutcome};

use crate::jobs::directory_source::{Loaded, SourceEntry};
use crate::ui::{ErrorNote, Loading};

/// How many in-scope names to list.
const NAMES: usize = 10;

#[component]
pub fn ScopePreview(
    loaded: RwSignal<Loaded>,
    scope: Memo<Result<CompiledScope, Vec<ClauseProblem>>>,
    /// "users" or "groups".
    #[prop(into)]
    noun: Signal<&'static str>,
    /// A note about the job's scope mode, when it narrows the preview.
    #[prop(into)]
    note: Signal<Option<String>>,
) -> impl IntoView {
    let ctx = ScopeContext::new(crate::playground::browser_now());
    let in_scope = Memo::new(move |_| {
        let entries = loaded.with(|l| l.as_ref().and_then(|r| r.as_ref().ok()).cloned())?;
        let indexes = scope.with(|s| {
            s.as_ref().ok().map(|scope| {
                (0..entries.len())
                    .filter(|i| entries.get(*i).is_some_and(|e| scope.is_in_scope(&e.object, &ctx)))
                    .collect::<Vec<_>>()
            })
        })?;
        Some((entries, indexes))
    });
    let failure = RwSignal::new(None);
    let summary = move || {
        if let Some(Err(e)) = loaded.get() {
            failure.set(Some(e));
            return None;
        }
        Some(match (loaded.with(Option::is_some), scope.with(Result::is_ok), in_scope.get()) {
            (false, _, _) => view! { <Loading /> }.into_any(),
            (_, false, _) => view! {
                <p id="scope-count" class="result-note">"Fix the problems in the filters to see who is in scope."</p>
            }
            .into_any(),
            (_, _, None) => view! { <Loading /> }.into_any(),
            (_, _, Some((entries, indexes))) => {
                let names: Vec<String> = indexes.iter().take(NAMES).filter_map(|i| entries.get(*i)).map(|e| e.name.clone()).collect();
                let more = indexes.len().saturating_sub(names.len());
                view! {
                    <p id="scope-count" class="scope-count">
                        <strong>{indexes.len()}</strong> " of " {entries.len()} " " {noun.get()} " in scope"
                    </p>
                    <ul class="scope-names" aria-label="In scope">
                        {names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                        {(more > 0).then(|| view! { <li class="hint">{format!("and {more} more")}</li> })}
                    </ul>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="scope-preview" aria-labelledby="scope-preview-heading" aria-live="polite">
            <h3 id="scope-preview-heading">"Who is in scope"</h3>
            <p class="hint">"Computed in your browser by the provisioning engine over the directory, as you edit."</p>
            {move || note.get().map(|n| view! { <p class="result-note">{n}</p> })}
            <ErrorNote failure />
            {summary}
            <Explain loaded scope ctx noun />
        </section>
    }
}

/// Each filter's and clause's outcome for one chosen object.
#[component]
fn Explain(
    loaded: RwSignal<Loaded>,
    scope: Memo<Result<CompiledScope, Vec<ClauseProblem>>>,
    ctx: ScopeContext,
    noun: Signal<&'static str>,
) -> impl IntoView {
    let chosen = RwSignal::new(String::new());
    let entries = move || loaded.with(|l| l.as_ref().and_then(|r| r.as_ref().ok()).cloned());
    let outcome = move || -> Option<(SourceEntry, ScopeOutcome)> {
        let entries: Arc<Vec<SourceEntry>> = entries()?;
        let entry = chosen.with(|id| entries.iter().find(|e| e.id == *id).cloned())?;
        let outcome = scope.with(|s| s.as_ref().ok().map(|s| s.evaluate(&entry.object, &ctx)))?;
        Some((entry, outcome))
    };
    view! {
        {move || entries().map(|entries| {
            let mut options: Vec<(String, String)> = entries.iter().map(|e| (e.name.clone(), e.id.clone())).collect();
            options.sort();
            view! {
                <div class="field explain-picker">
                    <label for="scope-explain">{move || format!("Explain for one of the {}", noun.get())}</label>
                    <select id="scope-explain" on:change=move |ev| chosen.set(event_target_value(&ev))>
                        <option value="" selected=move || chosen.with(String::is_empty)>"— choose —"</option>
                        {options.into_iter().map(|(name, id)| view! { <option value=id>{name}</option> }).collect_view()}
                    </select>
                </div>
            }
        })}
        {move || outcome().map(|(entry, outcome)| view! {
            <div class="scope-explanation" id="scope-explanation">
                <p>
                    <strong>{entry.name}</strong>
                    {if outcome.in_scope { " is in scope" } else { " is not in scope" }}
                    {outcome.filters.is_empty().then_some(" (there are no filters)")}
                </p>
                <ol>
                    {outcome.filters.into_iter().map(|filter| view! {
                        <li class:matched=filter.matched>
                            {filter.name} {if filter.matched { " holds" } else { " does not hold" }}
                            <ul>
                                {filter.clauses.into_iter().map(|clause| {
                                    let actual = serde_json::to_string(&clause.actual).unwrap_or_default();
                                    view! {
                                        <li class="clause-outcome" class:matched=clause.matched>
                                            <span class="mark">{if clause.matched { "✓ " } else { "✗ " }}</span>
                                            {clause.explanation}
                                            <span class="hint">" (value: " <code>{actual}</code> ")"</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </li>
                    }).collect_view()}
                </ol>
            </div>
        })}
    }
}
