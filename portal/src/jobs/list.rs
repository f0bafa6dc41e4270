//! `/jobs`: every application (provisioning job) in a table, each linked to
//! its page, and the way to add one.

use leptos::prelude::*;
use provisio_api::jobs::{JOBS_PATH, JobSummary};

use crate::api::{self, Failure};
use crate::ui::{ErrorNote, Loading, short_time};

#[component]
pub fn JobsPage() -> impl IntoView {
    let jobs = LocalResource::new(|| api::get::<Vec<JobSummary>>(JOBS_PATH));
    let failure = RwSignal::new(None::<Failure>);
    view! {
        <header class="page-header">
            <h1>"Applications"</h1>
            <a class="button primary" href="/jobs/new">"New application"</a>
        </header>
        <p class="intro">"Each application is a provisioning job: where it writes, how directory users and groups map to its accounts, and when it runs."</p>
        {move || match jobs.get() {
            None => view! { <Loading /> }.into_any(),
            Some(Err(e)) => {
                failure.set(Some(e));
                view! { <ErrorNote failure=failure /> }.into_any()
            }
            Some(Ok(list)) if list.is_empty() => view! {
                <p class="empty">"No applications yet. " <a href="/jobs/new">"Add the first one"</a>"."</p>
            }.into_any(),
            Some(Ok(list)) => view! { <JobsTable jobs=list /> }.into_any(),
        }}
    }
}

#[component]
fn JobsTable(jobs: Vec<JobSummary>) -> impl IntoView {
    view! {
        <table class="jobs-table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Direction"</th>
                    <th scope="col">"Target"</th>
                    <th scope="col">"State"</th>
                    <th scope="col">"Modified"</th>
                </tr>
            </thead>
            <tbody>
                {jobs.into_iter().map(|job| {
                    let href = format!("/jobs/{}", api::encode(&job.id));
                    let direction = format!("{:?}", job.direction).to_lowercase();
                    view! {
                        <tr>
                            <td><a href=href>{job.name}</a></td>
                            <td>{direction}</td>
                            <td>{job.target_kind}</td>
                            <td><span class="state" data-state=job.state.as_str()>{job.state.as_str()}</span></td>
                            <td><time datetime=job.modified_at.clone()>{short_time(&job.modified_at)}</time></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
