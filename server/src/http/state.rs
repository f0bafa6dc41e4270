//! What request handlers share: the store, the portal's files,
//! authentication, the jobs (with the key their secrets are encrypted
//! under) and this server's metrics.

use std::path::Path;

use axum::extract::FromRef;

use super::metrics::Metrics;
use crate::auth::Auth;
use crate::jobs::Jobs;
use crate::secrets::SecretBox;
use crate::store::Store;

#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) store: Store,
    pub(crate) portal: super::portal::Portal,
    pub(crate) auth: Auth,
    pub(crate) jobs: Jobs,
    pub(crate) metrics: Metrics,
}

impl AppState {
    /// `secrets` is the deployment's key (see
    /// [`SecretBox::from_environment`]); each state has its own metrics.
    pub(crate) fn new(store: Store, portal_dir: &Path, auth: Auth, secrets: SecretBox) -> Self {
        AppState {
            jobs: Jobs::new(store.clone(), secrets),
            portal: super::portal::Portal::new(portal_dir),
            metrics: Metrics::new(),
            auth,
            store,
        }
    }
}

/// What the authentication extractors (`AdminCaller`, `ScimCaller`, …) need.
impl FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Auth {
        state.auth.clone()
    }
}
