//! The Inbound tab of an inbound job: where a system of record uploads
//! (the endpoint, its limits and a curl example), the job's inbound tokens,
//! and the requests it has received with each record's outcome.

mod requests;
mod tokens;

use leptos::prelude::*;
use provisio_api::inbound::{DEFAULT_MAX_OPERATIONS, DEFAULT_REQUESTS_PER_SECOND, SCIM_JSON, bulk_upload_path};

use super::state::JobSignal;
use crate::ui::CopyField;

#[component]
pub fn InboundTab(job: JobSignal) -> impl IntoView {
    view! {
        <div class="inbound">
            <Endpoint job=job />
            <tokens::Tokens job=job />
            <requests::Requests job=job />
        </div>
    }
}

/// The upload URL, the limits and a curl example.
#[component]
fn Endpoint(job: JobSignal) -> impl IntoView {
    let (id, settings) = job.with_untracked(|j| (j.id.clone(), j.definition.inbound));
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let url = format!("{origin}{}", bulk_upload_path(&id));
    let (max_operations, per_second) = settings.map_or((DEFAULT_MAX_OPERATIONS, DEFAULT_REQUESTS_PER_SECOND), |s| {
        (s.max_operations, s.requests_per_second)
    });
    let curl = format!(
        "curl -X POST '{url}' \\\n  -H \"Authorization: Bearer $TOKEN\" \\\n  -H 'Content-Type: {SCIM_JSON}' \\\n  --data @bulk.json"
    );
    view! {
        <section class="panel" aria-labelledby="endpoint-title">
            <h2 id="endpoint-title">"Provisioning API endpoint"</h2>
            <p class="hint">"Your HR system posts SCIM bulk requests of users here with an inbound token of this job. Requests are stored and processed while the job runs."</p>
            <div class="job-form">
                <CopyField id="inbound-endpoint" label="Endpoint URL" value=url />
            </div>
            <dl class="facts inbound-limits">
                <dt>"Operations per request"</dt><dd>{max_operations}</dd>
                <dt>"Requests per second"</dt><dd>{per_second}</dd>
            </dl>
            <h3>"Example"</h3>
            <pre class="curl-example" tabindex="0" aria-label="curl example"><code>{curl}</code></pre>
        </section>
    }
}
