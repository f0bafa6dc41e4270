//! The list of diagnostics under the editor; choosing one selects its span in the editor.

use leptos::prelude::*;
use provisio_engine::diagnostic::{Diagnostic, Severity};

use super::analysis::{Analysis, Outcome};
use super::selection::select_span;
use super::state::PlaygroundState;

/// `error[E0201]: unknown function `Tolower` — 1:1`
pub fn headline(diagnostic: &Diagnostic, source: &str) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let at = diagnostic.span.start_line_column(source);
    format!(
        "{severity}[{}]: {} — {}:{}",
        diagnostic.code, diagnostic.message, at.line, at.column
    )
}

/// Every problem the engine found in the expression, or a line saying there are none.
#[component]
pub fn DiagnosticList(state: PlaygroundState, analysis: Memo<Analysis>) -> impl IntoView {
    let diagnostics = move || analysis.with(|a| a.diagnostics.clone());
    let summary = move || {
        analysis.with(|a| match (a.diagnostics.len(), &a.outcome) {
            (0, Outcome::Failed(_)) => {
                "The expression is valid, but its evaluation failed (see the result).".to_owned()
            }
            (0, _) => "No problems found.".to_owned(),
            (1, _) => "1 problem:".to_owned(),
            (n, _) => format!("{n} problems:"),
        })
    };
    view! {
        <section id="diagnostics" class="diagnostics" aria-label="Problems">
            <p
                class="diagnostics-summary"
                class:clean=move || analysis.with(|a| a.marked_spans().is_empty())
                class:runtime=move || analysis.with(|a| a.diagnostics.is_empty() && !a.marked_spans().is_empty())
            >
                {summary}
            </p>
            <ul>
                {move || {
                    let source = state.expression.get_untracked();
                    diagnostics()
                        .into_iter()
                        .map(|d| view! { <DiagnosticItem state diagnostic=d source=source.clone() /> })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

/// One diagnostic: a button that selects its span, then its notes and help.
#[component]
fn DiagnosticItem(state: PlaygroundState, diagnostic: Diagnostic, source: String) -> impl IntoView {
    let line = headline(&diagnostic, &source);
    let span = diagnostic.span;
    let notes: Vec<String> = diagnostic
        .labels
        .iter()
        .map(|label| {
            let at = label.span.start_line_column(&source);
            format!("note: {} — {}:{}", label.message, at.line, at.column)
        })
        .collect();
    let help = diagnostic.help.map(|help| format!("help: {help}"));
    let select = move |_| {
        state
            .expression
            .with_untracked(|text| select_span(state.editor, text, span))
    };
    view! {
        <li class="diagnostic" data-code=diagnostic.code.as_str()>
            <button type="button" class="diagnostic-jump" title="Select in the editor" on:click=select>
                {line}
            </button>
            {notes.into_iter().map(|note| view! { <p class="diagnostic-note">{note}</p> }).collect_view()}
            {help.map(|help| view! { <p class="diagnostic-help">{help}</p> })}
        </li>
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)] // a failing test should stop loudly
mod tests {
    use provisio_engine::expr;

    use super::*;

    #[test]
    fn headlines_name_code_message_and_place() {
        let source = "Join(\",\",\n  Tolower([mail]))";
        let errors = expr::compile(source).err().unwrap_or_default();
        assert_eq!(
            headline(&errors[0], source),
            "error[E0201]: unknown function `Tolower` — 2:3"
        );
    }
}
