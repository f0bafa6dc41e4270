//! `/api/v1/agent/*`, the two calls an on-premises agent makes (an agent
//! token): the long poll for operations and the acknowledgement of their
//! results; and `/api/v1/agents`, the agents an administrator sees, with
//! their last contact. See [`crate::relay`] for how operations travel.

use crate::auth::Tokens;
use std::collections::BTreeMap;
use std::time::Duration;

use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use chrono::SecondsFormat;
use provisio_api::ApiError;
use provisio_api::agents::{
    AGENT_POLL_PATH, AGENT_RESULTS_PATH, AGENTS_PATH, AgentPoll, AgentResults, AgentSummary, AgentWork,
    POLL_HOLD_SECONDS, ResultsAccepted,
};
use provisio_api::auth::TokenScope;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::Failure;
use super::extract::Body;
use super::{AdminErrors, AppState};
use crate::auth::extract::{AdminCaller, AgentCaller};
use crate::relay::{Contact, Contacts};

/// Results carry whole objects; a batch of them stays well below this.
const MAX_RESULTS_BYTES: usize = 32 * 1024 * 1024;

pub(super) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(poll))
        .routes(routes!(results))
        .layer(DefaultBodyLimit::max(MAX_RESULTS_BYTES))
        .merge(OpenApiRouter::new().routes(routes!(list_agents)))
}

/// An agent's long poll: answers the operations waiting for the agent as
/// soon as there are any, or none after about 20 seconds. A poll with a new
/// `session` (the agent restarted) hands out again what the previous
/// session held; operations the session does not list in `working` were
/// lost on their way and are handed out again too.
#[utoipa::path(
    post,
    path = AGENT_POLL_PATH,
    tag = "agents",
    request_body = AgentPoll,
    responses(
        (status = 200, description = "Operations to execute (possibly none).", body = AgentWork),
        (status = 400, description = "Not a poll.", body = ApiError),
        (status = 401, description = "No bearer token, or not a valid one.", body = ApiError),
        (status = 403, description = "Not an agent token.", body = ApiError),
        (status = 409, description = "Another process of this agent took over.", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn poll(
    caller: AgentCaller,
    State(state): State<AppState>,
    Body(poll): Body<AgentPoll>,
) -> Result<Json<AgentWork>, Failure> {
    if poll.session.trim().is_empty() {
        return Err(Failure::invalid("session: name the agent process's session"));
    }
    let hold = Duration::from_secs(POLL_HOLD_SECONDS);
    // What other instances queued for the agent while its poll was elsewhere.
    if let Some(forwarding) = state.relay.forwarding() {
        crate::relay::forwarding::serve_queued(&state.relay, forwarding, &caller.agent).await;
    }
    let (work, contact) = state
        .relay
        .poll(&caller.agent, &poll, hold)
        .await
        .map_err(|superseded| Failure::conflict(superseded.to_string()))?;
    record(&state, contact).await;
    if !work.operations.is_empty() {
        tracing::debug!(agent = %caller.agent, operations = work.operations.len(), "operations handed to the agent");
    }
    Ok(Json(work))
}

/// Acknowledges completed operations with their outcomes. Results of
/// operations already settled (sent twice, or after the job gave up) are
/// ignored, so an agent may always send again what it is unsure arrived.
#[utoipa::path(
    post,
    path = AGENT_RESULTS_PATH,
    tag = "agents",
    request_body = AgentResults,
    responses(
        (status = 200, description = "Recorded.", body = ResultsAccepted),
        (status = 400, description = "Not a list of results.", body = ApiError),
        (status = 401, description = "No bearer token, or not a valid one.", body = ApiError),
        (status = 403, description = "Not an agent token.", body = ApiError),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn results(
    caller: AgentCaller,
    State(state): State<AppState>,
    Body(results): Body<AgentResults>,
) -> Result<Json<ResultsAccepted>, Failure> {
    let (accepted, contact, unknown) = state.relay.settle(&caller.agent, &results.session, results.results);
    // Operations another instance handed out (the agent's calls go through
    // a load balancer): that instance settles them.
    if !unknown.is_empty()
        && let Some(forwarding) = state.relay.forwarding()
    {
        forwarding.pass_on(&caller.agent, unknown).await;
    }
    record(&state, contact).await;
    Ok(Json(ResultsAccepted { accepted }))
}

/// The contact is worth keeping, not worth failing an agent's call over.
async fn record(state: &AppState, contact: Option<Contact>) {
    if let Some(contact) = contact
        && let Err(error) = Contacts::new(&state.store).record(&contact).await
    {
        tracing::warn!(agent = %contact.name, %error, "could not store the agent's last contact");
    }
}

/// Every agent the server knows of: those with tokens, those jobs route
/// through, and those that have polled, with whether each is connected,
/// its last contact, and the operations waiting for it.
#[utoipa::path(
    get,
    path = AGENTS_PATH,
    tag = "agents",
    responses(
        (status = 200, description = "The agents, by name.", body = Vec<AgentSummary>),
        AdminErrors,
    ),
    security(("session_cookie" = []), ("bearer" = [])),
)]
pub(crate) async fn list_agents(
    _caller: AdminCaller,
    State(state): State<AppState>,
) -> Result<Json<Vec<AgentSummary>>, Failure> {
    let mut agents: BTreeMap<String, AgentSummary> = BTreeMap::new();
    let stored = Contacts::new(&state.store)
        .all()
        .await
        .map_err(|e| Failure::internal(&e))?;
    let live = state.relay.live();
    for contact in stored.iter().chain(live.values().filter_map(|l| l.contact.as_ref())) {
        show_contact(summary(&mut agents, &contact.name), contact);
    }
    for agent in live.values() {
        let summary = summary(&mut agents, &agent.name);
        summary.connected = agent.connected;
        summary.operations_queued = agent.queued;
        summary.operations_in_progress = agent.in_progress;
    }
    let tokens = Tokens::new(&state.store)
        .list()
        .await
        .map_err(|e| Failure::internal(&e))?;
    for token in tokens
        .iter()
        .filter(|t| t.scope == TokenScope::Agent && t.revoked_at.is_none())
    {
        if let Some(name) = &token.agent {
            summary(&mut agents, name).tokens += 1;
        }
    }
    for job in state.jobs.list().await? {
        if !["ldap", "sql", "rest"].contains(&job.target_kind.as_str()) {
            continue;
        }
        let definition = state.jobs.get(&job.id).await?.definition;
        if let Some(name) = definition.target.via_agent() {
            summary(&mut agents, name).jobs.push(definition.name.clone());
        }
    }
    Ok(Json(agents.into_values().collect()))
}

/// The agent's summary, new and empty the first time it is named.
fn summary<'a>(agents: &'a mut BTreeMap<String, AgentSummary>, name: &str) -> &'a mut AgentSummary {
    agents.entry(name.to_owned()).or_insert_with(|| AgentSummary {
        name: name.to_owned(),
        connected: false,
        last_contact_at: None,
        connected_since: None,
        version: None,
        host: None,
        operations_queued: 0,
        operations_in_progress: 0,
        jobs: Vec::new(),
        tokens: 0,
    })
}

/// A later contact (the live one comes after the stored one) wins.
fn show_contact(summary: &mut AgentSummary, contact: &Contact) {
    let at = contact.last_contact_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    if summary.last_contact_at.as_ref().is_some_and(|seen| *seen > at) {
        return;
    }
    summary.last_contact_at = Some(at);
    summary.connected_since = Some(contact.connected_since.to_rfc3339_opts(SecondsFormat::Secs, true));
    summary.version = Some(contact.version.clone());
    summary.host = Some(contact.host.clone());
}
