//! The expression editor: a plain textarea over a mirror layer that underlines each diagnostic's
//! span as the admin types.

use leptos::either::Either;
use leptos::prelude::*;

use super::analysis::Analysis;
use super::highlight::segments;
use super::state::PlaygroundState;

/// The textarea and its underline layer. Both share font, padding and wrapping (see
/// `.editor` in style.css); the layer's text is transparent, so only the marks show, and the
/// layer sizes the pair, so the editor grows with its content.
#[component]
pub fn ExpressionEditor(state: PlaygroundState, analysis: Memo<Analysis>) -> impl IntoView {
    let runs = move || {
        let spans = analysis.with(Analysis::marked_spans);
        state.expression.with(|text| segments(text, &spans))
    };
    let invalid = move || analysis.with(|a| !a.marked_spans().is_empty());
    view! {
        <div class="field expression-field">
            <label for="expression">"Expression"</label>
            <div class="editor">
                <div class="editor-layer" aria-hidden="true" data-testid="expression-highlight">
                    {move || {
                        runs()
                            .into_iter()
                            .map(|run| {
                                if run.marked {
                                    Either::Left(view! { <mark class="diag">{run.text}</mark> })
                                } else {
                                    Either::Right(run.text)
                                }
                            })
                            .collect_view()
                    }}
                    // Keeps a trailing line break one line tall, as it is in the textarea.
                    " "
                </div>
                <textarea
                    id="expression"
                    node_ref=state.editor
                    rows="2"
                    spellcheck="false"
                    autocomplete="off"
                    autocapitalize="off"
                    aria-describedby="diagnostics"
                    aria-invalid=move || invalid().to_string()
                    prop:value=move || state.expression.get()
                    on:input=move |ev| state.expression.set(event_target_value(&ev))
                ></textarea>
            </div>
        </div>
    }
}
