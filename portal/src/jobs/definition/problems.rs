//! A job definition's problems as the server lists them (`400` with a
//! [`JobInvalid`] body): the whole list with places, and the ones of one
//! field to show beside it. Shared by every form that saves a definition.

use leptos::prelude::*;
use provisio_api::engine::Severity;
use provisio_api::engine::job::JobProblem;
use provisio_api::jobs::JobInvalid;

use crate::api::Failure;

/// The problems in a failure's body; empty when it is another failure.
pub fn problems_of(failure: &Failure) -> Vec<JobProblem> {
    failure
        .body
        .clone()
        .and_then(|body| serde_json::from_value::<JobInvalid>(body).ok())
        .map(|invalid| invalid.problems)
        .unwrap_or_default()
}

/// The problems at `location` or inside it (`schedule` covers
/// `schedule.interval_seconds`).
fn at<'a>(problems: &'a [JobProblem], location: &'a str) -> impl Iterator<Item = &'a JobProblem> {
    problems.iter().filter(move |p| {
        p.location == location
            || p.location
                .strip_prefix(location)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    })
}

/// Whether a field has an error, for `aria-invalid`.
pub fn has_problem(problems: &[JobProblem], location: &str) -> bool {
    at(problems, location).any(|p| p.severity == Severity::Error)
}

/// The problems of one field, under it; `id` is what the field's
/// `aria-describedby` names. The element stays, hidden and empty, when
/// there are none: a description that points at a missing id is one that
/// checkers (and some screen readers) cannot resolve.
#[component]
pub fn FieldProblems(problems: RwSignal<Vec<JobProblem>>, location: &'static str, id: &'static str) -> impl IntoView {
    let messages = move || {
        problems.with(|all| {
            at(all, location)
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    view! {
        <p class="field-error" id=id hidden=move || messages().is_empty()>{messages}</p>
    }
}

/// Every problem, each with its place in the document and, for an
/// expression, its diagnostics over the expression's text.
#[component]
pub fn ProblemList(problems: RwSignal<Vec<JobProblem>>) -> impl IntoView {
    move || {
        problems.with(|all| {
            (!all.is_empty()).then(|| {
                let errors = all.iter().filter(|p| p.severity == Severity::Error).count();
                view! {
                    <section class="job-problems" role="alert" aria-label="Problems in the definition">
                        <p class="job-problems-summary">{summary(errors, all.len() - errors)}</p>
                        <ul>{all.iter().map(problem).collect_view()}</ul>
                    </section>
                }
            })
        })
    }
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (errors, warnings) {
        (0, w) => format!("The definition has {}.", plural(w, "warning")),
        (e, 0) => format!("The definition has {}; nothing was saved.", plural(e, "error")),
        (e, w) => format!(
            "The definition has {} and {}; nothing was saved.",
            plural(e, "error"),
            plural(w, "warning")
        ),
    }
}

fn problem(p: &JobProblem) -> impl IntoView + use<> {
    let severity = if p.severity == Severity::Error {
        "error"
    } else {
        "warning"
    };
    let location = if p.location.is_empty() {
        "(the document)".to_owned()
    } else {
        p.location.clone()
    };
    let source = p.source.clone().unwrap_or_default();
    let diagnostics = p
        .diagnostics
        .iter()
        .map(|d| {
            let (before, marked, after) = split(&source, d.span.start, d.span.end);
            view! {
                <div class="problem-diagnostic">
                    <pre class="code"><code>{before}<mark>{marked}</mark>{after}</code></pre>
                    {(d.message != p.message).then(|| view! { <p>{d.message.clone()}</p> })}
                    {d.help.clone().map(|help| view! { <p class="diagnostic-help">{help}</p> })}
                </div>
            }
        })
        .collect_view();
    view! {
        <li class="problem" data-severity=severity>
            <code class="problem-location">{location}</code>
            " "<span class="problem-severity">{severity}</span>": "
            <span class="problem-message">{p.message.clone()}</span>
            {diagnostics}
        </li>
    }
}

/// The text before, inside and after a byte span (the whole text before
/// when the span does not fall on character boundaries).
fn split(text: &str, start: usize, end: usize) -> (String, String, String) {
    match (text.get(..start), text.get(start..end), text.get(end..)) {
        (Some(a), Some(b), Some(c)) => (a.to_owned(), b.to_owned(), c.to_owned()),
        _ => (text.to_owned(), String::new(), String::new()),
    }
}
