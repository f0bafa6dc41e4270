//! The result panel: the value the expression gives for the source object, with its type and
//! notes, or why there is none.

use leptos::prelude::*;

use super::analysis::{Analysis, Outcome, ValueView};
use super::diagnostics::headline;
use super::selection::select_span;
use super::state::PlaygroundState;

#[component]
pub fn ResultPanel(state: PlaygroundState, analysis: Memo<Analysis>) -> impl IntoView {
    let status = move || {
        analysis.with(|a| match &a.outcome {
            Outcome::Value(_) => "ok",
            Outcome::Failed(_) => "failed",
            _ => "waiting",
        })
    };
    let body = move || match analysis.with(|a| a.outcome.clone()) {
        Outcome::Value(view) => value_view(view).into_any(),
        Outcome::Failed(error) => {
            let source = state.expression.get_untracked();
            let line = headline(&error, &source);
            let help = error
                .help
                .clone()
                .map(|help| view! { <p class="diagnostic-help">"help: " {help}</p> });
            let span = error.span;
            let select = move |_| {
                state
                    .expression
                    .with_untracked(|text| select_span(state.editor, text, span))
            };
            view! {
                <p class="result-note">"The evaluation failed:"</p>
                <button type="button" class="diagnostic-jump" id="result-error" title="Select in the editor" on:click=select>
                    {line}
                </button>
                {help}
            }
            .into_any()
        }
        Outcome::NotCompiled => {
            let count = analysis.with(|a| a.diagnostics.len());
            let problems = if count == 1 {
                "problem".to_owned()
            } else {
                format!("{count} problems")
            };
            view! { <p class="result-note">"Fix the " {problems} " above to see a result."</p> }.into_any()
        }
        Outcome::InvalidSource => {
            view! { <p class="result-note">"The source object is not valid JSON; fix it below to see a result."</p> }
                .into_any()
        }
        Outcome::InvalidOptions => {
            view! { <p class="result-note">"An evaluation input below is invalid; fix it to see a result."</p> }
                .into_any()
        }
    };
    view! {
        <section id="result" class="result" data-status=status aria-labelledby="result-heading" aria-live="polite">
            <h2 id="result-heading">"Result"</h2>
            {body}
        </section>
    }
}

fn value_view(view: ValueView) -> impl IntoView {
    let ValueView {
        json,
        type_name,
        text,
        is_null,
        redacted,
        ignore_flow,
    } = view;
    view! {
        <p class="result-type">
            "Type: " <span id="result-type">{type_name}</span>
            {text.map(|text| view! { " · sent as " <code>{text}</code> })}
        </p>
        <pre id="result-value" class="result-value">{json}</pre>
        {(is_null && !ignore_flow)
            .then(|| {
                view! {
                    <p class="result-note">
                        "No value: the target attribute would not be given one (a null is never provisioned)."
                    </p>
                }
            })}
        {redacted
            .then(|| {
                view! {
                    <p class="result-note redacted">
                        "Redacted: provisioning logs show [Redact] instead of this value."
                    </p>
                }
            })}
        {ignore_flow
            .then(|| {
                view! {
                    <p class="result-note ignore-flow">
                        "IgnoreFlowIfNullOrEmpty: the attribute would not be sent to the target."
                    </p>
                }
            })}
    }
}
