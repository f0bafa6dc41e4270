//! What request handlers share: the store, the portal's files,
//! authentication, the jobs (with the key their secrets are encrypted
//! under), this server's metrics and the inbound jobs' rate limits and
//! queue limit.

use std::path::Path;
use std::sync::Arc;

use axum::extract::FromRef;

use super::metrics::Metrics;
use crate::auth::Auth;
use crate::directory::Directory;
use crate::inbound::QueueLimit;
use crate::inbound::rate::RateLimiter;
use crate::jobs::Jobs;
use crate::store::Store;

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) store: Store,
    /// The store's directory, one for every request, so its attribute
    /// catalogue is read once rather than per request.
    pub(crate) directory: Directory,
    pub(crate) portal: super::portal::Portal,
    pub(crate) auth: Auth,
    pub(crate) jobs: Jobs,
    pub(crate) metrics: Metrics,
    /// Each inbound job's bulk uploads per second.
    pub(crate) inbound_rate: Arc<RateLimiter>,
    /// How many requests an inbound job may have waiting.
    pub(crate) inbound_queue: QueueLimit,
    /// The on-premises agents' operations (the jobs' relay).
    pub(crate) relay: Arc<crate::relay::Relay>,
    /// What running work waits for (uploads stored here are announced).
    pub(crate) events: crate::events::Events,
    /// This server's registration among the instances sharing the
    /// database (`None` in tests of the routes alone).
    pub(crate) instance: Option<crate::cycle::instances::Instance>,
}

impl AppState {
    /// `jobs` carries the deployment's key (see
    /// [`crate::secrets::SecretBox::from_environment`]) and target policy;
    /// each state has its own metrics.
    pub(crate) fn new(store: Store, portal_dir: &Path, auth: Auth, jobs: Jobs, events: crate::events::Events) -> Self {
        AppState {
            portal: super::portal::Portal::new(portal_dir),
            metrics: Metrics::new(),
            inbound_rate: Arc::new(RateLimiter::new(&store)),
            inbound_queue: QueueLimit::DEFAULT,
            relay: jobs.reach().relay.clone(),
            events,
            instance: None,
            auth,
            directory: store.directory(),
            store,
            jobs,
        }
    }
}

/// What the authentication extractors (`AdminCaller`, `ScimCaller`, …) need.
impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}

/// What the SCIM service (`crate::scim::routes`) reads and writes.
impl FromRef<AppState> for Directory {
    fn from_ref(state: &AppState) -> Directory {
        state.directory.clone()
    }
}
