//! Authentication: administrators sign in to the portal with a password
//! and get an HttpOnly, SameSite=Strict session cookie (state-changing
//! requests also carry the session's CSRF token); programs send API tokens
//! as `Authorization: Bearer`. `Auth` holds the store and the sign-in
//! rate limiter; the extractors in `extract` guard every admin, SCIM and
//! inbound endpoint; `routes` signs in and out and manages
//! administrators and tokens.
//!
//! Neither passwords, session ids nor tokens are ever logged: the wire types
//! carry them in [`Secret`], whose `Debug` prints `***`, and the database
//! holds only their hashes.

mod admins;
mod bootstrap;
pub(crate) mod extract;
pub(crate) mod failure;
pub(crate) mod forwarded;
#[cfg(test)]
mod http_tests;
pub(crate) mod password;
mod rate_limit;
pub(crate) mod routes;
mod session;
mod sessions;
pub(crate) mod token;
mod tokens;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use provisio_api::auth::Secret;

use crate::ServerError;
use crate::store::Store;

pub use admins::Admins;
pub(crate) use sessions::Sessions;
pub(crate) use tokens::purge as purge_job_tokens;
pub use tokens::{TokenCreateError, Tokens};

// The router, the OpenAPI document and later issues use these; until the
// router is wired only tests do.
#[allow(unused_imports)]
pub(crate) use bootstrap::bootstrap_admin;
#[allow(unused_imports)]
pub(crate) use extract::{AdminCaller, ClientIp, InboundCaller, ScimCaller, SessionCaller, Via};
#[allow(unused_imports)]
pub(crate) use failure::{Failure, ScimAuthFailure};
pub use forwarded::TrustedProxies;
pub(crate) use rate_limit::Limit;
#[allow(unused_imports)]
pub(crate) use routes::{SecuritySchemes, routes};

/// How sessions, cookies and the sign-in rate limit behave.
#[derive(Debug, Clone)]
pub(crate) struct AuthOptions {
    /// A session ends after this long without a request (default 30 minutes).
    pub session_idle: Duration,
    /// A session ends this long after sign-in however active (default 12 hours).
    pub session_max: Duration,
    /// Mark the session cookie `Secure` (sent over HTTPS only). Off by
    /// default because the default listen address is plain HTTP on
    /// loopback, where browsers would otherwise drop the cookie; turn it on
    /// whenever the portal is reached over HTTPS (e.g. behind a proxy).
    pub secure_cookies: bool,
    /// Failed sign-ins allowed per client IP and name (default 5 per 15 minutes).
    pub sign_in_limit: Limit,
    /// Failed sign-ins per client IP, any name, after which only a right
    /// password is let in (default 20 per 15 minutes).
    pub sign_in_limit_per_ip: Limit,
    /// How many sign-in counters are kept at most (the least recently used
    /// makes room for a new one).
    pub sign_in_counters: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
    /// Where the time comes from: the system clock except in tests.
    pub clock: Clock,
    /// How many instances share the database (kept up to date by the
    /// scheduler): each counts sign-ins in its own memory, so each allows
    /// its share of the limits and the deployment as a whole about the
    /// limits themselves.
    pub instances: Arc<AtomicUsize>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        const FIFTEEN_MINUTES: Duration = Duration::from_secs(15 * 60);
        AuthOptions {
            session_idle: Duration::from_secs(30 * 60),
            session_max: Duration::from_secs(12 * 60 * 60),
            secure_cookies: false,
            sign_in_limit: Limit::new(5, FIFTEEN_MINUTES),
            sign_in_limit_per_ip: Limit::new(20, FIFTEEN_MINUTES),
            sign_in_counters: rate_limit::DEFAULT_CAPACITY,
            trusted_proxies: TrustedProxies::default(),
            clock: Clock::system(),
            instances: Arc::new(AtomicUsize::new(1)),
        }
    }
}

/// The current time, as a parameter so tests can move it.
#[derive(Clone)]
pub(crate) struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    pub(crate) fn system() -> Self {
        Clock(Arc::new(Utc::now))
    }

    /// A clock that reads `now`.
    #[cfg(test)]
    pub(crate) fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Authentication's shared state: cheap to clone. Build one per server and
/// reach it from handlers through `FromRef`.
#[derive(Clone)]
pub(crate) struct Auth(Arc<Inner>);

struct Inner {
    store: Store,
    options: AuthOptions,
    limiter: rate_limit::SignInLimiter,
}

impl Auth {
    pub(crate) fn new(store: Store, options: AuthOptions) -> Self {
        let limiter = rate_limit::SignInLimiter::new(
            options.sign_in_limit,
            options.sign_in_limit_per_ip,
            options.sign_in_counters,
        )
        .shared_by(options.instances.clone());
        Auth(Arc::new(Inner {
            store,
            options,
            limiter,
        }))
    }

    pub(crate) fn store(&self) -> &Store {
        &self.0.store
    }

    pub(crate) fn options(&self) -> &AuthOptions {
        &self.0.options
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.0.options.clock.now()
    }

    fn limiter(&self) -> &rate_limit::SignInLimiter {
        &self.0.limiter
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("options", &self.0.options)
            .finish_non_exhaustive()
    }
}

/// 32 random bytes from the operating system as 43 characters of unpadded
/// base64url: session ids, CSRF tokens and the body of API tokens.
pub(crate) fn random_secret() -> Result<Secret, ServerError> {
    random_text::<32>().map(Secret::from)
}

/// `N` random bytes as unpadded base64url.
pub(crate) fn random_text<const N: usize>() -> Result<String, ServerError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ServerError::Random(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// `time + duration`, or the end of time when that overflows.
pub(crate) fn later(time: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(duration)
        .ok()
        .and_then(|delta| time.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `time - duration`, or the start of time when that overflows.
pub(crate) fn earlier(time: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(duration)
        .ok()
        .and_then(|delta| time.checked_sub_signed(delta))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
pub(crate) mod testing {
    //! A manual clock and an [`Auth`] over an in-memory database.

    use std::sync::Mutex;

    use super::*;

    /// A clock tests move by hand.
    #[derive(Clone)]
    pub(crate) struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

    impl ManualClock {
        pub(crate) fn new() -> Self {
            let start = DateTime::parse_from_rfc3339("2026-11-26T09:30:00Z").unwrap().to_utc();
            ManualClock(Arc::new(Mutex::new(start)))
        }

        pub(crate) fn advance(&self, by: Duration) {
            let mut now = self.0.lock().unwrap();
            *now = later(*now, by);
        }

        pub(crate) fn clock(&self) -> Clock {
            let time = self.0.clone();
            Clock::from_fn(move || *time.lock().unwrap())
        }
    }

    /// Default options on a manual clock, over a fresh in-memory database.
    pub(crate) async fn auth() -> (Auth, ManualClock) {
        auth_with(AuthOptions::default()).await
    }

    /// `options` on a manual clock, over a fresh in-memory database.
    pub(crate) async fn auth_with(options: AuthOptions) -> (Auth, ManualClock) {
        let clock = ManualClock::new();
        let options = AuthOptions {
            clock: clock.clock(),
            ..options
        };
        (Auth::new(Store::open("sqlite::memory:").await.unwrap(), options), clock)
    }

    /// Creates an inbound job named `name` (inbound tokens name one); its
    /// id. Written directly: authentication sits below the jobs module.
    pub(crate) async fn inbound_job(store: &Store, name: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let definition = serde_json::to_string(&provisio_engine::job::templates::inbound(name)).unwrap();
        let now = crate::store::db_time(Utc::now());
        sqlx::query(
            "INSERT INTO jobs (id, name, name_key, direction, target_kind, definition, secrets, state, \
             state_changed_at, restart_requested_at, version, created_at, modified_at) \
             VALUES ($1, $2, $3, 'inbound', 'directory', $4, NULL, 'stopped', $5, NULL, 1, $5, $5)",
        )
        .bind(&id)
        .bind(name)
        .bind(name.trim().to_lowercase())
        .bind(definition)
        .bind(now)
        .execute(store.pool())
        .await
        .unwrap();
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_secrets_are_43_url_safe_characters_and_differ() {
        let (a, b) = (random_secret().unwrap(), random_secret().unwrap());
        assert_eq!(a.expose().len(), 43);
        assert!(
            a.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a, b);
    }

    #[test]
    fn time_arithmetic_saturates() {
        let now = Utc::now();
        assert_eq!(later(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(earlier(now, Duration::MAX), DateTime::<Utc>::MIN_UTC);
        assert_eq!(later(now, Duration::from_secs(60)) - now, TimeDelta::seconds(60));
    }

    #[test]
    fn debug_shows_options_but_no_store_internals() {
        let text = format!("{:?}", AuthOptions::default());
        assert!(text.contains("secure_cookies: false"), "{text}");
    }
}
