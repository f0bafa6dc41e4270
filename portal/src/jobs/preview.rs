//! The job's preview tab: a dry run of the next cycle, planned in the
//! browser by the engine over the directory's users (and groups, when the
//! job maps them), as an initial cycle against an empty application.

mod plan;
mod tables;

use leptos::prelude::*;
use provisio_api::jobs::{Assignment, PrincipalType, job_assignments_path};
use provisio_engine::job::SourceKind;
use provisio_engine::plan::{CompiledJob, Entitlements, RoleAssignment};

use crate::api::Failure;

use super::directory_source::{self, Loaded};
use super::state::JobSignal;
use crate::ui::{ErrorNote, Loading};
use plan::{KindPlan, plan_kind};
use tables::{CountsTable, DecisionTable};

/// The job's assignments as the engine reads them, once fetched (none are
/// fetched for a job that reads none).
fn assignments_of(job: JobSignal) -> RwSignal<Option<Result<Vec<RoleAssignment>, Failure>>> {
    let loaded = RwSignal::new(None);
    let (id, needed) = job.with_untracked(|j| (j.id.clone(), Entitlements::needed_by(&j.definition)));
    if !needed {
        loaded.set(Some(Ok(Vec::new())));
        return loaded;
    }
    leptos::task::spawn_local(async move {
        let fetched: Result<Vec<Assignment>, Failure> = crate::api::get(&job_assignments_path(&id)).await;
        let roles = fetched.map(|list| {
            list.into_iter()
                .map(|a| RoleAssignment {
                    kind: match a.kind {
                        PrincipalType::User => SourceKind::User,
                        PrincipalType::Group => SourceKind::Group,
                    },
                    id: a.id,
                    role: a.role,
                })
                .collect()
        });
        loaded.set(Some(roles));
    });
    loaded
}

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
    let assignments = assignments_of(job);
    let plans = Memo::new(move |_| -> Option<Result<Vec<KindPlan>, String>> {
        let loaded: Vec<(SourceKind, Loaded)> = kinds.iter().map(|(kind, l)| (*kind, l.get())).collect();
        let domain = domain.get()?;
        let assignments = match assignments.get()? {
            Ok(assignments) => assignments,
            Err(e) => return Some(Err(e.message)),
        };
        compiled.with(|c| {
            let job = c.as_ref().ok()?;
            let entitlements = Entitlements::new(&job.definition, assignments);
            let mut plans = Vec::new();
            for (kind, loaded) in loaded {
                match loaded? {
                    Ok(entries) => plans.push(plan_kind(job, kind, &entries, &entitlements, domain.as_deref())),
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
                 application would do. The job's assignments and app roles count as in a cycle. Nothing is sent \
                 anywhere."
            </p>
            <ErrorNote failure />
            {body}
        </div>
    }
}
