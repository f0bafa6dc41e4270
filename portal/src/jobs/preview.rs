//! The job's preview tab: a dry run of the next cycle, planned in the
//! browser by the engine over the directory's users (and groups, when the
//! job maps them), as an initial cycle against an empty application.

mod plan;
mod tables;

use leptos::prelude::*;
use provisio_engine::job::SourceKind;
use provisio_engine::plan::CompiledJob;

use super::directory_source::{self, Loaded};
use super::state::JobSignal;
use crate::ui::{ErrorNote, Loading};
use plan::{KindPlan, plan_kind};
use tables::{CountsTable, DecisionTable};

#[component]
pub fn PreviewTab(job: JobSignal) -> impl IntoView {
    let compiled = Memo::new_with_compare(
        move |_| job.with(|j| CompiledJob::compile(j.definition.clone())),
        // Compiled jobs do not compare; the definition they come from did.
        |_, _| true,
    );
    let maps =
        |kind: SourceKind| job.with_untracked(|j| j.definition.objects.iter().any(|o| o.source == kind && o.enabled));
    let kinds: Vec<(SourceKind, RwSignal<Loaded>)> = [SourceKind::User, SourceKind::Group]
        .into_iter()
        .filter(|kind| maps(*kind))
        .map(|kind| (kind, directory_source::fetch_all(move || kind)))
        .collect();
    let domain = super::eval_inputs::default_domain();
    let plans = Memo::new(move |_| -> Option<Result<Vec<KindPlan>, String>> {
        let loaded: Vec<(SourceKind, Loaded)> = kinds.iter().map(|(kind, l)| (*kind, l.get())).collect();
        let domain = domain.get()?;
        compiled.with(|c| {
            let job = c.as_ref().ok()?;
            let mut plans = Vec::new();
            for (kind, loaded) in loaded {
                match loaded? {
                    Ok(entries) => plans.push(plan_kind(job, kind, &entries, domain.as_deref())),
                    Err(e) => return Some(Err(e.message)),
                }
            }
            Some(Ok(plans))
        })
    });
    let failure = RwSignal::new(None);
    let body = move || {
        let problems: Option<Vec<String>> =
            compiled.with(|c| c.as_ref().err().map(|p| p.iter().map(ToString::to_string).collect()));
        if let Some(problems) = problems {
            return view! {
                <p class="result-note">"The saved definition has problems, so the engine cannot plan a cycle:"</p>
                <ul class="problems">{problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            }
            .into_any();
        }
        match plans.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(message)) => {
                failure.set(Some(crate::api::Failure {
                    status: 0,
                    error: "directory".into(),
                    message,
                    body: None,
                }));
                ().into_any()
            }
            Some(Ok(plans)) if plans.is_empty() => {
                view! { <p class="result-note">"The job has no enabled object mapping: a cycle would do nothing."</p> }
                    .into_any()
            }
            Some(Ok(plans)) => view! {
                <CountsTable plans=plans.clone() />
                <DecisionTable plans />
            }
            .into_any(),
        }
    };
    view! {
        <div class="job-editor preview-tab">
            <h2>"Preview of the next cycle"</h2>
            <p class="preview-notice" id="preview-notice">
                "A dry run, computed in your browser by the provisioning engine from the saved definition and the \
                 directory. The browser cannot see what the application holds, so every object is treated as not \
                 yet linked and not found in the application: this is what an initial cycle against an empty \
                 application would do. Nothing is sent anywhere."
            </p>
            <ErrorNote failure />
            {body}
        </div>
    }
}
