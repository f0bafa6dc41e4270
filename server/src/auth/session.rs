//! Signing in and browser sessions. A session id is 32 random bytes in an
//! HttpOnly, SameSite=Strict cookie; the database keeps its SHA-256. Each
//! session has a random CSRF token, handed to the portal in the session's
//! JSON, which state-changing requests send back in `X-CSRF-Token`.
//!
//! A session ends after `session_idle` without requests or `session_max`
//! after sign-in. Activity is written at most once a minute (so the idle
//! end may come up to a minute early); an expired session is refused and
//! deleted when next presented, and every sign-in sweeps the others.

use super::{Admins, Sessions};
use std::net::IpAddr;
use std::time::Duration;

use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use provisio_api::auth::{SESSION_COOKIE, Secret, SessionInfo};

use super::rate_limit::Attempt;
use super::{Auth, earlier, later, password, random_secret, token};
use crate::ServerError;

/// Activity is written at most this often per session.
const TOUCH_RESOLUTION: TimeDelta = TimeDelta::minutes(1);

/// How a sign-in went.
#[derive(Debug)]
pub(crate) enum SignIn {
    /// Signed in: set `cookie`, answer `info`.
    Ok { cookie: Secret, info: SessionInfo },
    /// Wrong name or password (the caller cannot tell which).
    Refused,
    /// Too many failures from this client: try again after the wait.
    Limited { retry_after: Duration },
}

/// A live session presented with a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ActiveSession {
    pub(crate) id_hash: String,
    pub(crate) admin_id: String,
    pub(crate) admin: String,
    pub(crate) csrf_token: Secret,
    pub(crate) created_at: DateTime<Utc>,
}

impl Auth {
    /// Checks the password of `name` (unless the name has failed too often
    /// from `ip`, see [`super::rate_limit`]) and on success starts a session.
    pub(crate) async fn sign_in(&self, ip: IpAddr, name: &str, password: &Secret) -> Result<SignIn, ServerError> {
        let now = self.now();
        let credentials = Admins::new(self.store()).credentials(name).await?;
        let known = credentials.is_some();
        let attempt = self.limiter().attempt(ip, name, known, now);
        let (hash, over_limit) = match attempt {
            Attempt::Refused { retry_after } => {
                tracing::warn!(%ip, "sign-in refused: too many failures of this name from this address");
                return Ok(SignIn::Limited { retry_after });
            }
            Attempt::Go => (credentials.as_ref().map(|c| c.password_hash.clone()), None),
            // Checked all the same (against the dummy when the name may not
            // succeed), so the answer takes as long whichever names exist.
            Attempt::AddressOverLimit {
                retry_after,
                may_succeed,
            } => (
                credentials
                    .as_ref()
                    .filter(|_| may_succeed)
                    .map(|c| c.password_hash.clone()),
                Some(retry_after),
            ),
        };
        let matches = password::verify(password.clone(), hash).await?;
        let Some(admin) = credentials.filter(|_| matches) else {
            if let Some(retry_after) = over_limit {
                tracing::warn!(%ip, "sign-in refused: too many failures from this address");
                return Ok(SignIn::Limited { retry_after });
            }
            if known {
                tracing::warn!(%ip, admin = %name, "sign-in failed: wrong password");
            } else {
                tracing::warn!(%ip, "sign-in failed: unknown name");
            }
            return Ok(SignIn::Refused);
        };
        self.limiter().succeeded(ip, name, attempt, now);
        let options = self.options();
        let swept = Sessions::new(self.store())
            .delete_expired(earlier(now, options.session_idle), earlier(now, options.session_max))
            .await?;
        if swept > 0 {
            tracing::debug!(sessions = swept, "expired sessions deleted");
        }
        let cookie = random_secret()?;
        let csrf_token = random_secret()?;
        let id_hash = token::hash(cookie.expose());
        Sessions::new(self.store())
            .create(&id_hash, &admin.id, &csrf_token, now)
            .await?;
        Admins::new(self.store()).record_sign_in(&admin.id, now).await?;
        tracing::info!(%ip, admin = %admin.name, "signed in");
        let session = ActiveSession {
            id_hash,
            admin_id: admin.id,
            admin: admin.name,
            csrf_token,
            created_at: now,
        };
        let info = self.session_info(&session);
        Ok(SignIn::Ok { cookie, info })
    }

    /// The live session the cookie value names, if any; notes the activity.
    /// An expired session is deleted.
    pub(crate) async fn session(&self, cookie: &str) -> Result<Option<ActiveSession>, ServerError> {
        if cookie.is_empty() || cookie.len() > 64 {
            return Ok(None);
        }
        let id_hash = token::hash(cookie);
        let Some(row) = Sessions::new(self.store()).get(&id_hash).await? else {
            return Ok(None);
        };
        let now = self.now();
        let options = self.options();
        if now >= later(row.last_seen_at, options.session_idle) || now >= later(row.created_at, options.session_max) {
            Sessions::new(self.store()).delete(&id_hash).await?;
            tracing::debug!(admin = %row.admin_name, "expired session refused");
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_RESOLUTION {
            Sessions::new(self.store()).touch(&id_hash, now).await?;
        }
        Ok(Some(ActiveSession {
            id_hash,
            admin_id: row.admin_id,
            admin: row.admin_name,
            csrf_token: row.csrf_token,
            created_at: row.created_at,
        }))
    }

    /// Ends the session.
    pub(crate) async fn sign_out(&self, session: &ActiveSession) -> Result<(), ServerError> {
        Sessions::new(self.store()).delete(&session.id_hash).await?;
        tracing::info!(admin = %session.admin, "signed out");
        Ok(())
    }

    /// What the portal learns about its session.
    pub(crate) fn session_info(&self, session: &ActiveSession) -> SessionInfo {
        let options = self.options();
        SessionInfo {
            name: session.admin.clone(),
            csrf_token: session.csrf_token.clone(),
            expires_at: later(session.created_at, options.session_max).to_rfc3339_opts(SecondsFormat::Micros, true),
            idle_timeout_seconds: options.session_idle.as_secs(),
        }
    }

    /// The `Set-Cookie` value that stores a new session's id.
    pub(crate) fn session_cookie(&self, id: &Secret) -> String {
        self.cookie(id.expose().to_owned()).to_string()
    }

    /// The `Set-Cookie` value that makes the browser forget the session.
    pub(crate) fn removal_cookie(&self) -> String {
        let mut cookie = self.cookie(String::new());
        cookie.make_removal();
        cookie.to_string()
    }

    fn cookie(&self, value: String) -> Cookie<'static> {
        Cookie::build((SESSION_COOKIE, value))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path("/")
            .secure(self.options().secure_cookies)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::auth::testing::auth;

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const MINUTE: Duration = Duration::from_secs(60);

    async fn signed_in(auth: &Auth) -> (Secret, SessionInfo) {
        match auth
            .sign_in(IP, "alice", &Secret::new("correct horse battery"))
            .await
            .unwrap()
        {
            SignIn::Ok { cookie, info } => (cookie, info),
            other => panic!("{other:?}"),
        }
    }

    async fn with_alice() -> (Auth, crate::auth::testing::ManualClock) {
        let (auth, clock) = auth().await;
        Admins::new(auth.store())
            .create("alice", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        (auth, clock)
    }

    #[tokio::test]
    async fn signing_in_starts_a_session_the_cookie_finds() {
        let (auth, _) = with_alice().await;
        let (cookie, info) = signed_in(&auth).await;
        assert_eq!(info.name, "alice");
        assert_eq!(info.expires_at, "2026-11-26T21:30:00.000000Z");
        assert_eq!(info.idle_timeout_seconds, 1800);
        let session = auth.session(cookie.expose()).await.unwrap().unwrap();
        assert_eq!(session.admin, "alice");
        assert_eq!(session.csrf_token, info.csrf_token);
        assert_ne!(session.csrf_token, cookie);
        assert_eq!(auth.session(random_secret().unwrap().expose()).await.unwrap(), None);
        assert_eq!(
            Admins::new(auth.store()).list().await.unwrap()[0]
                .last_sign_in_at
                .as_deref(),
            Some("2026-11-26T09:30:00.000000Z")
        );
        auth.sign_out(&session).await.unwrap();
        assert_eq!(auth.session(cookie.expose()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn wrong_passwords_and_unknown_names_are_refused_alike() {
        let (auth, _) = with_alice().await;
        for (name, password) in [
            ("alice", "wrong horse battery"),
            ("mallory", "correct horse battery"),
            ("alice", ""),
            ("alice", &"x".repeat(5000)),
        ] {
            let outcome = auth.sign_in(IP, name, &Secret::new(password)).await.unwrap();
            assert!(matches!(outcome, SignIn::Refused), "{name}: {outcome:?}");
        }
    }

    #[tokio::test]
    async fn repeated_failures_are_limited() {
        let (auth, clock) = with_alice().await;
        for _ in 0..5 {
            let outcome = auth
                .sign_in(IP, "alice", &Secret::new("wrong horse battery"))
                .await
                .unwrap();
            assert!(matches!(outcome, SignIn::Refused));
        }
        let outcome = auth
            .sign_in(IP, "alice", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        assert!(
            matches!(outcome, SignIn::Limited { retry_after } if retry_after == 15 * MINUTE),
            "{outcome:?}"
        );
        let elsewhere = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
        let outcome = auth
            .sign_in(elsewhere, "alice", &Secret::new("correct horse battery"))
            .await
            .unwrap();
        assert!(matches!(outcome, SignIn::Ok { .. }));
        clock.advance(15 * MINUTE);
        signed_in(&auth).await;
    }

    #[tokio::test]
    async fn concurrent_guesses_cannot_outrun_the_limit() {
        let (auth, _) = with_alice().await;
        let wrong = Secret::new("wrong horse battery");
        let guesses = (0..20).map(|_| auth.sign_in(IP, "alice", &wrong));
        let outcomes = futures_util::future::join_all(guesses).await;
        let refused = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Ok(SignIn::Refused)))
            .count();
        assert_eq!(refused, 5, "{outcomes:?}");
    }

    #[tokio::test]
    async fn an_idle_session_ends_and_activity_keeps_one_alive() {
        let (auth, clock) = with_alice().await;
        let (active, _) = signed_in(&auth).await;
        let (idle, _) = signed_in(&auth).await;
        for _ in 0..3 {
            clock.advance(20 * MINUTE);
            assert!(auth.session(active.expose()).await.unwrap().is_some());
        }
        assert!(
            Sessions::new(auth.store())
                .get(&token::hash(idle.expose()))
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(auth.session(idle.expose()).await.unwrap(), None);
        let deleted = Sessions::new(auth.store())
            .get(&token::hash(idle.expose()))
            .await
            .unwrap();
        assert_eq!(deleted, None, "the expired session was deleted");
    }

    #[tokio::test]
    async fn a_session_ends_after_its_maximum_however_active() {
        let (auth, clock) = with_alice().await;
        let (cookie, _) = signed_in(&auth).await;
        for _ in 0..35 {
            clock.advance(20 * MINUTE);
            assert!(auth.session(cookie.expose()).await.unwrap().is_some());
        }
        clock.advance(20 * MINUTE);
        assert_eq!(auth.session(cookie.expose()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn cookies_are_http_only_strict_and_secure_when_asked() {
        let (auth, _) = with_alice().await;
        let cookie = auth.session_cookie(&Secret::new("abc"));
        assert_eq!(cookie, "provisio_session=abc; HttpOnly; SameSite=Strict; Path=/");
        assert!(auth.removal_cookie().contains("Max-Age=0"), "{}", auth.removal_cookie());
        let secure = Auth::new(
            auth.store().clone(),
            crate::auth::AuthOptions {
                secure_cookies: true,
                ..Default::default()
            },
        );
        assert!(secure.session_cookie(&Secret::new("abc")).contains("; Secure"));
    }
}
