//! Who is calling: extractors that authenticate a request before its
//! handler runs, for any router state that [`Auth`] can be taken from.
//!
//! - [`AdminCaller`]: the admin API. An `admin` token as `Authorization:
//!   Bearer`, or a session cookie (then requests other than GET, HEAD and
//!   OPTIONS must carry the session's CSRF token in `X-CSRF-Token`).
//! - [`SessionCaller`]: a session cookie only (signing out, the session's info).
//! - [`ScimCaller`]: the SCIM service provider; a `scim` or `admin` token.
//! - [`InboundCaller`]: inbound provisioning; an `inbound` token, whose job
//!   the handler compares with the route's.
//!
//! A request with an `Authorization` header is judged by it alone, so an
//! invalid token is refused even next to a valid cookie.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum_extra::extract::cookie::CookieJar;
use provisio_api::auth::{CSRF_HEADER, SESSION_COOKIE, Secret, TokenScope};

use super::failure::{Failure, ScimAuthFailure};
use super::session::ActiveSession;
use super::token::constant_time_eq;
use super::{Auth, token};
use crate::ServerError;

/// How an [`AdminCaller`] authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Via {
    /// A browser session; `csrf_verified` when the request carried the
    /// session's CSRF token (always, for state-changing methods).
    Session { csrf_verified: bool },
    /// An `admin` API token.
    Token { token_id: String },
}

/// An authenticated caller of the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdminCaller {
    /// The administrator's name, or the token's name.
    pub(crate) admin: String,
    pub(crate) via: Via,
}

impl AdminCaller {
    /// The caller as the audit trail names it.
    fn actor(&self, address: IpAddr) -> crate::audit::Actor {
        let (kind, id) = match &self.via {
            Via::Session { .. } => (crate::audit::ActorKind::Administrator, None),
            Via::Token { token_id } => (crate::audit::ActorKind::Token, Some(token_id.clone())),
        };
        crate::audit::Actor {
            kind,
            name: self.admin.clone(),
            id,
            address: Some(address.to_string()),
        }
    }

    /// Whether this is the administrator `name` signed in with a password
    /// (a token whose name happens to be `name` is not).
    pub(crate) fn is_admin(&self, name: &str) -> bool {
        matches!(self.via, Via::Session { .. }) && self.admin == name
    }
}

/// A caller with a live browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionCaller {
    pub(crate) session: ActiveSession,
    pub(crate) csrf_verified: bool,
}

/// An authenticated SCIM client: a `scim` or `admin` token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScimCaller {
    pub(crate) token_id: String,
    /// The token's name, for logs.
    pub(crate) name: String,
}

/// An authenticated inbound provisioning client: an `inbound` token and the
/// one job it may upload to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InboundCaller {
    pub(crate) token_id: String,
    /// The job's id (tokens are bound to it, not to its name).
    pub(crate) job: String,
}

/// An authenticated on-premises agent: an `agent` token and the agent it
/// authenticates. Admin tokens do not stand in for it: an agent's token
/// holds no other power, and an admin token never travels to a data centre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AgentCaller {
    pub(crate) agent: String,
}

/// The client's IP address: the connection's peer (from the request's
/// `ConnectInfo<SocketAddr>`, which the server adds; without it every
/// client counts as `0.0.0.0`), or behind one of the trusted proxies the
/// address its `X-Forwarded-For` names (see [`super::forwarded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
        let auth = Auth::from_ref(state);
        Ok(ClientIp(auth.options().trusted_proxies.client(peer, &parts.headers)))
    }
}

impl<S> FromRequestParts<S> for SessionCaller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Err(Failure::unauthenticated(
                "sign in first, or send Authorization: Bearer with an admin token",
            ));
        };
        let Some(session) = auth.session(cookie.value()).await? else {
            return Err(Failure::unauthenticated("the session has ended: sign in again"));
        };
        let csrf_verified = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|sent| constant_time_eq(sent, session.csrf_token.expose()));
        if !csrf_verified && !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Err(Failure::csrf(format!(
                "missing or wrong {CSRF_HEADER} header: send the csrf_token of the session"
            )));
        }
        Ok(SessionCaller { session, csrf_verified })
    }
}

impl<S> FromRequestParts<S> for AdminCaller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = if bearer(&parts.headers).is_none() {
            let caller = SessionCaller::from_request_parts(parts, state).await?;
            AdminCaller {
                admin: caller.session.admin,
                via: Via::Session {
                    csrf_verified: caller.csrf_verified,
                },
            }
        } else {
            token_caller::<_, Failure>(
                &Auth::from_ref(state),
                &parts.headers,
                "an admin",
                |token| match token.scope {
                    TokenScope::Admin => Ok(AdminCaller {
                        admin: token.name,
                        via: Via::Token { token_id: token.id },
                    }),
                    scope => Err(format!("a {scope} token cannot call the admin API: use an admin token")),
                },
            )
            .await?
        };
        if let Some(slot) = parts.extensions.get::<crate::audit::Slot>().cloned() {
            let Ok(ClientIp(address)) = ClientIp::from_request_parts(parts, state).await;
            slot.fill(caller.actor(address));
        }
        Ok(caller)
    }
}

impl<S> FromRequestParts<S> for ScimCaller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ScimAuthFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        token_caller(&Auth::from_ref(state), &parts.headers, "a scim", |token| {
            match token.scope {
                TokenScope::Scim | TokenScope::Admin => Ok(ScimCaller {
                    token_id: token.id,
                    name: token.name,
                }),
                scope => Err(format!("a {scope} token cannot call the SCIM API: use a scim token")),
            }
        })
        .await
    }
}

impl<S> FromRequestParts<S> for InboundCaller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    // SCIM errors: the callers are SCIM clients of the bulk upload.
    type Rejection = ScimAuthFailure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        token_caller(&Auth::from_ref(state), &parts.headers, "an inbound", |token| {
            match (token.scope, token.job) {
                (TokenScope::Inbound, Some(job)) => Ok(InboundCaller {
                    token_id: token.id,
                    job,
                }),
                (scope, _) => Err(format!(
                    "uploading inbound records takes an inbound token, not a token of scope `{scope}`"
                )),
            }
        })
        .await
    }
}

impl<S> FromRequestParts<S> for AgentCaller
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        token_caller(&Auth::from_ref(state), &parts.headers, "an agent", |token| {
            match (token.scope, token.agent) {
                (TokenScope::Agent, Some(agent)) => Ok(AgentCaller { agent }),
                (scope, _) => Err(format!(
                    "only an agent token can poll for agent operations, not a token of scope `{scope}`"
                )),
            }
        })
        .await
    }
}

/// How a route refuses a caller, in its own error shape (the admin API's,
/// or SCIM's): 401 for credentials missing or not valid, 403 for a valid
/// token of another scope.
trait Refusal: From<ServerError> {
    fn unauthenticated(message: String) -> Self;
    fn forbidden(message: String) -> Self;
}

impl Refusal for Failure {
    fn unauthenticated(message: String) -> Self {
        Failure::unauthenticated(message)
    }

    fn forbidden(message: String) -> Self {
        Failure::forbidden(message)
    }
}

impl Refusal for ScimAuthFailure {
    fn unauthenticated(message: String) -> Self {
        ScimAuthFailure::unauthenticated(message)
    }

    fn forbidden(message: String) -> Self {
        ScimAuthFailure::forbidden(message)
    }
}

/// The caller of a route that takes a bearer token: the presented token
/// (`kind` names the one expected, for the message when there is none),
/// checked, then `admit`ted by its scope (`Err` says why not).
async fn token_caller<T, R: Refusal>(
    auth: &Auth,
    headers: &HeaderMap,
    kind: &str,
    admit: impl FnOnce(super::token::TokenCaller) -> Result<T, String>,
) -> Result<T, R> {
    let presented = bearer(headers)
        .unwrap_or_else(|| Err(format!("send Authorization: Bearer with {kind} token")))
        .map_err(R::unauthenticated)?;
    match auth.bearer_token(presented.expose()).await? {
        Ok(token) => admit(token).map_err(R::forbidden),
        Err(refused) => Err(R::unauthenticated(refused.to_string())),
    }
}

/// Whether the request presents valid credentials of any kind, whatever
/// they may call: an active API token, or else a live session. `Ok(Err)`
/// says what is wrong, as the extractors would. Used to refuse a request
/// before its body is read; the handler's extractor still judges the scope.
pub(crate) async fn check_credentials(auth: &Auth, headers: &HeaderMap) -> Result<Result<(), String>, ServerError> {
    if let Some(presented) = bearer(headers) {
        let presented = match presented {
            Ok(presented) => presented,
            Err(message) => return Ok(Err(message)),
        };
        return Ok(auth
            .bearer_token(presented.expose())
            .await?
            .map(|_| ())
            .map_err(|refused| refused.to_string()));
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(Err(
            "send credentials before a body: Authorization: Bearer with an API token, or a session cookie".to_owned(),
        ));
    };
    Ok(match auth.session(cookie.value()).await? {
        Some(_) => Ok(()),
        None => Err("the session has ended: sign in again".to_owned()),
    })
}

/// The bearer token of the `Authorization` header: `None` without the
/// header, an error message when it is not `Bearer TOKEN`.
fn bearer(headers: &HeaderMap) -> Option<Result<Secret, String>> {
    let value = headers.get(AUTHORIZATION)?;
    let parsed = value
        .to_str()
        .ok()
        .and_then(|text| text.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, credentials)| credentials.trim())
        .filter(|credentials| !credentials.is_empty());
    Some(match parsed {
        Some(credentials) => Ok(Secret::new(credentials)),
        None => Err(format!(
            "expected `Authorization: Bearer TOKEN` (a token starts with `{}`)",
            token::TOKEN_PREFIX
        )),
    })
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn bearer_tokens_are_read_from_the_authorization_header() {
        assert_eq!(bearer(&HeaderMap::new()), None);
        assert_eq!(bearer(&headers("Bearer pvs_abc")), Some(Ok(Secret::new("pvs_abc"))));
        assert_eq!(bearer(&headers("bearer  pvs_abc ")), Some(Ok(Secret::new("pvs_abc"))));
        for bad in ["Basic YWRtaW46cGFzcw==", "Bearer", "Bearer ", "pvs_abc"] {
            let message = bearer(&headers(bad)).unwrap().unwrap_err();
            assert!(message.contains("Authorization: Bearer"), "{bad}: {message}");
        }
    }

    #[test]
    fn only_a_password_session_is_the_administrator_itself() {
        let session = AdminCaller {
            admin: "alice".into(),
            via: Via::Session { csrf_verified: true },
        };
        let token = AdminCaller {
            admin: "alice".into(),
            via: Via::Token { token_id: "t".into() },
        };
        assert!(session.is_admin("alice"));
        assert!(!session.is_admin("bob"));
        assert!(!token.is_admin("alice"));
    }
}
