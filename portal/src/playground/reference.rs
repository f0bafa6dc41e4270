//! The function reference: every built-in function with its signature, behaviour and a worked
//! example that can be inserted into the editor.

use leptos::prelude::*;
use provisio_engine::expr::functions::Param;
use provisio_engine::expr::{FUNCTIONS, FunctionInfo};

use super::selection::insert_at_cursor;
use super::state::PlaygroundState;

/// Whether a function matches the filter text, ignoring case: anywhere in its name, or at the
/// start of a word of its summary ("date" finds `CDate` and "…a date/time string…", not
/// "Updates").
pub fn matches(info: &FunctionInfo, filter: &str) -> bool {
    let filter = filter.trim().to_lowercase();
    if filter.is_empty() || info.name.to_lowercase().contains(&filter) {
        return true;
    }
    let summary = info.summary.to_lowercase();
    if filter.contains(char::is_whitespace) {
        return summary.contains(&filter);
    }
    summary
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word.starts_with(&filter))
}

/// `numChars (integer)`, the way the reference lists parameters.
fn describe(param: &Param) -> String {
    let ty = serde_json::to_value(param.ty)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default();
    format!("{} ({ty})", param.name)
}

/// The example's source object, pretty-printed for the source editor.
fn pretty_source(info: &FunctionInfo) -> String {
    serde_json::from_str::<serde_json::Value>(info.example_source)
        .and_then(|value| serde_json::to_string_pretty(&value))
        .unwrap_or_else(|_| info.example_source.to_owned())
}

#[component]
pub fn FunctionReference(state: PlaygroundState) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let shown = move || filter.with(|f| FUNCTIONS.iter().filter(|info| matches(info, f)).count());
    let count = move || match shown() {
        n if n == FUNCTIONS.len() => format!("{n} functions"),
        n => format!("{n} of {} functions", FUNCTIONS.len()),
    };
    view! {
        <aside id="function-reference" class="reference" aria-labelledby="reference-heading">
            <h2 id="reference-heading">"Functions"</h2>
            <div class="reference-filter">
                <label for="function-filter">"Filter"</label>
                <input
                    id="function-filter"
                    type="search"
                    placeholder="name or description"
                    autocomplete="off"
                    aria-describedby="function-count"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
                <span id="function-count" class="hint" aria-live="polite">{count}</span>
            </div>
            <div class="reference-list">
                {FUNCTIONS
                    .iter()
                    .map(|info| {
                        let hidden = move || filter.with(|f| !matches(info, f));
                        view! { <FunctionCard state info hidden=Signal::derive(hidden) /> }
                    })
                    .collect_view()}
            </div>
        </aside>
    }
}

#[component]
fn FunctionCard(state: PlaygroundState, info: &'static FunctionInfo, hidden: Signal<bool>) -> impl IntoView {
    let params = (!info.params.is_empty()).then(|| info.params.iter().map(describe).collect::<Vec<_>>().join(", "));
    let has_source = info.example_source.trim() != "{}";
    let insert = move |_| insert_at_cursor(state.editor, state.expression, info.example);
    let try_it = move |_| {
        state.source.set(pretty_source(info));
        state.expression.set(String::new());
        insert_at_cursor(state.editor, state.expression, info.example);
    };
    view! {
        <article class="function" data-function=info.name hidden=move || hidden.get()>
            <h3>
                <code>{info.signature()}</code>
            </h3>
            <p class="function-summary">{info.summary}</p>
            <dl>
                {params.map(|params| view! { <dt>"Parameters"</dt> <dd>{params}</dd> })}
                <dt>"Returns"</dt>
                <dd>{info.returns}</dd>
                <dt>"Null"</dt>
                <dd>{info.null_behaviour}</dd>
            </dl>
            <div class="example">
                <pre class="example-expression"><code>{info.example}</code></pre>
                {has_source.then(|| view! { <p class="example-source">"with " <code>{info.example_source}</code></p> })}
                <p class="example-result">
                    {match info.example_result {
                        Some(result) => view! { "gives " <code>{result}</code> }.into_any(),
                        None => view! { "gives a value that depends on the time or chance" }.into_any(),
                    }}
                </p>
                <div class="example-actions">
                    <button
                        type="button"
                        class="insert"
                        data-testid="insert-example"
                        aria-label=format!("Insert the {} example into the expression", info.name)
                        on:click=insert
                    >
                        "Insert"
                    </button>
                    {has_source
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="try"
                                    aria-label=format!(
                                        "Try with its source: the {} example, replacing the expression and the source object",
                                        info.name,
                                    )
                                    title="Replaces the expression and the source object with this example's"
                                    on:click=try_it
                                >
                                    "Try with its source"
                                </button>
                            }
                        })}
                </div>
            </div>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_matches_names_and_summary_words_ignoring_case() {
        let shown = |filter: &str| -> Vec<&str> {
            FUNCTIONS
                .iter()
                .filter(|f| matches(f, filter))
                .map(|f| f.name)
                .collect()
        };
        assert_eq!(shown("").len(), FUNCTIONS.len());
        assert_eq!(shown(" TOLOWER "), ["ToLower"]);
        assert!(shown("date").contains(&"FormatDateTime"));
        assert!(
            !shown("date").contains(&"AppRoleAssignmentsComplex"),
            "{:?}",
            shown("date")
        );
        assert!(shown("zzz").is_empty());
    }

    #[test]
    fn parameters_show_their_types() {
        let left = FUNCTIONS
            .iter()
            .find(|f| f.name == "Left")
            .map(|f| f.params.iter().map(describe).collect());
        assert_eq!(
            left,
            Some(vec!["string (string)".to_owned(), "numChars (integer)".to_owned()])
        );
    }
}
