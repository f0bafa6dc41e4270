//! Wire types of sign-in, sessions, administrators and API tokens, the
//! paths they travel on, the error body every admin endpoint answers with,
//! and the checks the portal and the server both run on names and passwords.
//!
//! ```
//! use provisio_api::auth::{SignInRequest, Secret, check_password, SESSION_PATH};
//!
//! let request = SignInRequest { name: "admin".into(), password: Secret::new("correct horse battery") };
//! assert!(check_password(&request.password).is_ok());
//! assert_eq!(format!("{request:?}"), r#"SignInRequest { name: "admin", password: Secret("***") }"#);
//! assert_eq!(SESSION_PATH, "/api/v1/session");
//! ```

mod lifetime;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use lifetime::{MAX_LIFETIME_DAYS, parse_lifetime};

/// `POST` signs in ([`SignInRequest`] → [`SessionInfo`]), `GET` answers the
/// current session's [`SessionInfo`], `DELETE` signs out.
pub const SESSION_PATH: &str = "/api/v1/session";
/// `GET` lists [`AdminSummary`]s, `POST` creates one from an [`AdminCreateRequest`].
pub const ADMINS_PATH: &str = "/api/v1/admins";
/// `DELETE` removes the administrator `{name}` (see [`admin_path`]).
pub const ADMIN_PATH: &str = "/api/v1/admins/{name}";
/// `GET` lists [`TokenSummary`]s, `POST` creates a token from a [`TokenCreateRequest`].
pub const TOKENS_PATH: &str = "/api/v1/tokens";
/// `DELETE` revokes the API token `{id}` (see [`token_path`]).
pub const TOKEN_PATH: &str = "/api/v1/tokens/{id}";

/// The HttpOnly cookie that carries a browser session's id.
pub const SESSION_COOKIE: &str = "provisio_session";
/// The header a session's state-changing requests (anything but GET, HEAD
/// and OPTIONS) carry [`SessionInfo::csrf_token`] in.
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// The shortest password an administrator may have, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in characters (bounds the hashing work).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// The longest administrator name, in characters.
pub const MAX_ADMIN_NAME_CHARS: usize = 64;
/// The longest API token name or job name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;

/// [`ADMIN_PATH`] for one administrator (valid names need no escaping).
pub fn admin_path(name: &str) -> String {
    format!("{ADMINS_PATH}/{name}")
}

/// [`TOKEN_PATH`] for one token id.
pub fn token_path(id: &str) -> String {
    format!("{TOKENS_PATH}/{id}")
}

/// A password, token or other credential: plain text on the wire, but
/// `Debug` prints `Secret("***")` so logging a request never leaks it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Secret(text.into())
    }

    /// The secret text, for the few places that must use it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(\"***\")")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret(text.to_owned())
    }
}

/// The body of `POST /api/v1/session`: an administrator's name and password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub name: String,
    pub password: Secret,
}

/// A signed-in browser session: who it belongs to, the CSRF token its
/// state-changing requests must send in [`CSRF_HEADER`], and when it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The administrator's name.
    pub name: String,
    /// Send it back in the `X-CSRF-Token` header; keep it in memory only.
    pub csrf_token: Secret,
    /// When the session ends however active it is (RFC 3339, UTC).
    pub expires_at: String,
    /// The session also ends after this many seconds without a request.
    pub idle_timeout_seconds: u64,
}

/// An administrator as the admin API lists them (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminSummary {
    pub name: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The last successful sign-in (RFC 3339, UTC), if any.
    pub last_sign_in_at: Option<String>,
}

/// The body of `POST /api/v1/admins`: a new administrator's name and
/// password (see [`check_admin_name`] and [`check_password`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminCreateRequest {
    pub name: String,
    pub password: Secret,
}

/// What an API token may call: `admin` the admin API (`/api/v1`), `scim`
/// the SCIM service provider (`/scim/v2`), `inbound` one inbound
/// provisioning job's upload endpoint, `agent` the poll and results
/// endpoints of one on-premises agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TokenScope {
    Admin,
    Scim,
    Inbound,
    Agent,
}

impl TokenScope {
    pub const ALL: [TokenScope; 4] = [
        TokenScope::Admin,
        TokenScope::Scim,
        TokenScope::Inbound,
        TokenScope::Agent,
    ];

    /// The scope's name on the wire, in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Admin => "admin",
            TokenScope::Scim => "scim",
            TokenScope::Inbound => "inbound",
            TokenScope::Agent => "agent",
        }
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TokenScope {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        TokenScope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == text)
            .ok_or_else(|| format!("unknown token scope `{text}` (expected admin, scim, inbound or agent)"))
    }
}

/// The body of `POST /api/v1/tokens`: the new token's scope, an optional
/// name (default: the scope and creation date), for `inbound` tokens only
/// the job it may upload to, for `agent` tokens only the agent it
/// authenticates (by default the token's name), and optionally how long it
/// lives. See [`TokenCreateRequest::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreateRequest {
    #[serde(default)]
    pub name: Option<String>,
    pub scope: TokenScope,
    #[serde(default)]
    pub job: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// How long the token lives from its creation: a whole number and `m`
    /// (minutes), `h` (hours), `d` (days) or `w` (weeks), e.g. `30d`; at
    /// most ten years. Without it, the token lives until revoked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(example = "30d"))]
    pub expires_in: Option<String>,
}

impl TokenCreateRequest {
    /// The first problem with the request, if any: a blank or overlong name,
    /// job or agent, an inbound token without a job, an agent token without
    /// an agent, a job or agent on another scope, or a lifetime that is not one.
    pub fn check(&self) -> Result<(), String> {
        if let Some(name) = &self.name {
            check_label("token name", name)?;
        }
        if let Some(lifetime) = &self.expires_in {
            parse_lifetime(lifetime).map_err(|e| format!("expires_in: {e}"))?;
        }
        match (self.scope, &self.job) {
            (TokenScope::Inbound, Some(job)) => check_label("job name", job)?,
            (TokenScope::Inbound, None) => return Err("an inbound token needs the job it may upload to".to_owned()),
            (scope, Some(_)) => return Err(format!("only inbound tokens name a job, not {scope} tokens")),
            (_, None) => {}
        }
        match (self.scope, self.agent_name()) {
            (TokenScope::Agent, Some(agent)) => check_label("agent name", agent),
            (TokenScope::Agent, None) => Err("an agent token needs the name of the agent it authenticates".to_owned()),
            (scope, Some(_)) => Err(format!("only agent tokens name an agent, not {scope} tokens")),
            (_, None) => Ok(()),
        }
    }

    /// When a token created `now` from this request expires, if it does.
    pub fn expires_at(&self, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, String> {
        self.expires_in
            .as_deref()
            .map(|lifetime| {
                let lifetime = parse_lifetime(lifetime).map_err(|e| format!("expires_in: {e}"))?;
                now.checked_add_signed(lifetime).ok_or_else(|| {
                    format!(
                        "expires_in: `{}` ends after the end of time",
                        self.expires_in.as_deref().unwrap_or_default()
                    )
                })
            })
            .transpose()
    }

    /// The agent an `agent` token authenticates: `agent`, or else the
    /// token's name. `None` for other scopes (unless `agent` is set).
    pub fn agent_name(&self) -> Option<&str> {
        match (self.scope, &self.agent, &self.name) {
            (_, Some(agent), _) => Some(agent),
            (TokenScope::Agent, None, Some(name)) => Some(name),
            _ => None,
        }
    }
}

/// An API token as the admin API lists it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenSummary {
    /// The token's id (a UUID), which `DELETE /api/v1/tokens/{id}` revokes.
    pub id: String,
    pub name: String,
    pub scope: TokenScope,
    /// The inbound job an `inbound` token may upload to.
    pub job: Option<String>,
    /// The on-premises agent an `agent` token authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// Roughly when it was last used (updated at most once a minute).
    pub last_used_at: Option<String>,
    /// When it was revoked; a revoked token authenticates nothing.
    pub revoked_at: Option<String>,
    /// When it expires (RFC 3339, UTC), if it does; an expired token
    /// authenticates nothing.
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl TokenSummary {
    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .as_deref()
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .is_some_and(|at| at <= now)
    }

    /// Whether it is active, revoked or expired, with when, for listings:
    /// `"active"`, `"expired 2026-12-01 …"`, `"revoked 2026-11-30 …"`, the
    /// times as `time` writes them (a revoked token is shown revoked,
    /// whether or not it has expired since).
    pub fn status(&self, now: DateTime<Utc>, time: impl Fn(&str) -> String) -> String {
        match (&self.revoked_at, &self.expires_at) {
            (Some(revoked), _) => format!("revoked {}", time(revoked)),
            (None, Some(expires)) if self.expired(now) => format!("expired {}", time(expires)),
            (None, _) => "active".to_owned(),
        }
    }
}

/// The answer to `POST /api/v1/tokens`: the token's summary and the token
/// itself, shown this once (only a hash of it is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenCreated {
    #[serde(flatten)]
    pub summary: TokenSummary,
    /// `pvs_` and 43 characters; send it as `Authorization: Bearer TOKEN`.
    pub token: Secret,
}

/// The body of every admin API error: a stable code such as
/// `unauthenticated`, `csrf`, `forbidden`, `rate_limited`, `invalid`,
/// `not_found`, `conflict` or `internal`, and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
    pub message: String,
}

impl ApiError {
    pub fn new(error: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            error: error.into(),
            message: message.into(),
        }
    }
}

/// Whether `name` may name an administrator: 1 to 64 ASCII letters, digits,
/// `.`, `_`, `-` or `@`, starting with a letter or digit.
pub fn check_admin_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@');
    if name.is_empty() {
        Err("the administrator name is empty".to_owned())
    } else if name.chars().count() > MAX_ADMIN_NAME_CHARS {
        Err(format!(
            "the administrator name is longer than {MAX_ADMIN_NAME_CHARS} characters"
        ))
    } else if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) || !name.chars().all(allowed) {
        Err(format!(
            "`{name}` is not a valid administrator name: use letters, digits, `.`, `_`, `-` or `@`, \
             starting with a letter or digit"
        ))
    } else {
        Ok(())
    }
}

/// Whether `password` is long enough (at least 12 characters) and not
/// absurdly long (at most 1024).
pub fn check_password(password: &Secret) -> Result<(), String> {
    let chars = password.expose().chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Err(format!(
            "the password is too short: use at least {MIN_PASSWORD_CHARS} characters"
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Err(format!(
            "the password is too long: use at most {MAX_PASSWORD_CHARS} characters"
        ))
    } else {
        Ok(())
    }
}

/// A token or job name: not blank, at most 100 characters, no control characters.
fn check_label(what: &str, text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        Err(format!("the {what} is empty"))
    } else if text.chars().count() > MAX_TOKEN_NAME_CHARS {
        Err(format!("the {what} is longer than {MAX_TOKEN_NAME_CHARS} characters"))
    } else if text.chars().any(char::is_control) {
        Err(format!("the {what} contains control characters"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[track_caller]
    fn name_ok(name: &str) {
        assert_eq!(check_admin_name(name), Ok(()), "{name:?}");
    }

    #[track_caller]
    fn name_err(name: &str, contains: &str) {
        let message = check_admin_name(name).unwrap_err();
        assert!(message.contains(contains), "{name:?}: {message}");
    }

    #[track_caller]
    fn token_request(scope: TokenScope, name: Option<&str>, job: Option<&str>) -> Result<(), String> {
        TokenCreateRequest {
            name: name.map(str::to_owned),
            scope,
            job: job.map(str::to_owned),
            agent: None,
            expires_in: None,
        }
        .check()
    }

    fn agent_token_request(scope: TokenScope, agent: Option<&str>) -> Result<(), String> {
        TokenCreateRequest {
            name: None,
            scope,
            job: None,
            agent: agent.map(str::to_owned),
            expires_in: None,
        }
        .check()
    }

    #[test]
    fn admin_names() {
        name_ok("admin");
        name_ok("alice.smith@contoso.com");
        name_ok("ops_2-b");
        name_ok(&"a".repeat(64));
        name_err("", "empty");
        name_err(&"a".repeat(65), "longer than 64");
        name_err("alice smith", "not a valid");
        name_err(".hidden", "not a valid");
        name_err("élodie", "not a valid");
        name_err("a/b", "not a valid");
    }

    #[test]
    fn passwords_need_twelve_characters_counted_not_bytes() {
        assert!(check_password(&Secret::new("a".repeat(12))).is_ok());
        assert!(check_password(&Secret::new("é".repeat(12))).is_ok());
        assert!(
            check_password(&Secret::new("a".repeat(11)))
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            check_password(&Secret::new("é".repeat(11)))
                .unwrap_err()
                .contains("at least 12")
        );
        assert!(
            check_password(&Secret::new("a".repeat(1025)))
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn token_requests() {
        assert_eq!(token_request(TokenScope::Admin, None, None), Ok(()));
        assert_eq!(token_request(TokenScope::Scim, Some("Okta"), None), Ok(()));
        assert_eq!(token_request(TokenScope::Inbound, None, Some("workday")), Ok(()));
        assert!(
            token_request(TokenScope::Inbound, None, None)
                .unwrap_err()
                .contains("needs the job")
        );
        assert!(
            token_request(TokenScope::Scim, None, Some("x"))
                .unwrap_err()
                .contains("not scim tokens")
        );
        assert!(
            token_request(TokenScope::Admin, Some(" "), None)
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            token_request(TokenScope::Inbound, None, Some("a\nb"))
                .unwrap_err()
                .contains("control")
        );
        let long = "x".repeat(101);
        assert!(
            token_request(TokenScope::Admin, Some(&long), None)
                .unwrap_err()
                .contains("longer")
        );
    }

    #[test]
    fn agent_tokens_name_their_agent_and_only_they_do() {
        assert_eq!(agent_token_request(TokenScope::Agent, Some("datacenter-1")), Ok(()));
        let missing = agent_token_request(TokenScope::Agent, None).unwrap_err();
        assert!(missing.contains("needs the name of the agent"), "{missing}");
        let misplaced = agent_token_request(TokenScope::Admin, Some("datacenter-1")).unwrap_err();
        assert!(misplaced.contains("not admin tokens"), "{misplaced}");
        assert!(
            agent_token_request(TokenScope::Agent, Some(" "))
                .unwrap_err()
                .contains("empty")
        );
        let named = TokenCreateRequest {
            name: Some("datacenter-1".into()),
            scope: TokenScope::Agent,
            job: None,
            agent: None,
            expires_in: None,
        };
        assert_eq!((named.check(), named.agent_name()), (Ok(()), Some("datacenter-1")));
        assert_eq!("agent".parse::<TokenScope>(), Ok(TokenScope::Agent));
    }

    #[test]
    fn scopes_round_trip_through_text_and_json() {
        for scope in TokenScope::ALL {
            assert_eq!(scope.as_str().parse::<TokenScope>(), Ok(scope));
            assert_eq!(serde_json::to_value(scope).unwrap(), json!(scope.as_str()));
        }
        assert!(
            "Admin"
                .parse::<TokenScope>()
                .unwrap_err()
                .contains("unknown token scope")
        );
    }

    #[test]
    fn secrets_are_plain_strings_on_the_wire_but_never_debug_printed() {
        let request: SignInRequest =
            serde_json::from_value(json!({"name": "admin", "password": "hunter2hunter2"})).unwrap();
        assert_eq!(request.password.expose(), "hunter2hunter2");
        assert!(!format!("{request:?}").contains("hunter2"));
        let created = TokenCreated {
            summary: TokenSummary {
                id: "0b8e".into(),
                name: "Okta".into(),
                scope: TokenScope::Scim,
                job: None,
                agent: None,
                created_at: "2026-11-26T09:30:00.000000Z".into(),
                last_used_at: None,
                revoked_at: None,
                expires_at: None,
            },
            token: Secret::new("pvs_SECRET"),
        };
        assert!(!format!("{created:?}").contains("SECRET"));
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            json!({
                "id": "0b8e", "name": "Okta", "scope": "scim", "job": null,
                "created_at": "2026-11-26T09:30:00.000000Z", "last_used_at": null, "revoked_at": null,
                "expires_at": null, "token": "pvs_SECRET"
            })
        );
        let back: TokenCreated = serde_json::from_value(serde_json::to_value(&created).unwrap()).unwrap();
        assert_eq!(back, created);
    }

    #[test]
    fn a_token_request_may_give_a_lifetime() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T09:30:00Z").unwrap().to_utc();
        let request: TokenCreateRequest =
            serde_json::from_value(json!({"scope": "admin", "expires_in": "12h"})).unwrap();
        assert_eq!(request.check(), Ok(()));
        assert_eq!(
            request.expires_at(now),
            Ok(Some(
                DateTime::parse_from_rfc3339("2026-11-26T21:30:00Z").unwrap().to_utc()
            ))
        );
        let forever: TokenCreateRequest = serde_json::from_value(json!({"scope": "admin"})).unwrap();
        assert_eq!(forever.expires_at(now), Ok(None));
        let bad: TokenCreateRequest =
            serde_json::from_value(json!({"scope": "admin", "expires_in": "tomorrow"})).unwrap();
        let message = bad.check().unwrap_err();
        assert!(
            message.starts_with("expires_in: `tomorrow` is not a lifetime"),
            "{message}"
        );
        assert_eq!(bad.expires_at(now).unwrap_err(), message);
    }

    #[test]
    fn token_status_says_active_expired_or_revoked() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T09:30:00Z").unwrap().to_utc();
        let token = |revoked: Option<&str>, expires: Option<&str>| TokenSummary {
            id: "t".into(),
            name: "ci".into(),
            scope: TokenScope::Admin,
            job: None,
            agent: None,
            created_at: "2026-11-01T00:00:00.000000Z".into(),
            last_used_at: None,
            revoked_at: revoked.map(str::to_owned),
            expires_at: expires.map(str::to_owned),
        };
        let same = |time: &str| time.to_owned();
        assert_eq!(token(None, None).status(now, same), "active");
        let later = "2026-12-01T00:00:00.000000Z";
        let earlier = "2026-11-26T09:29:59.000000Z";
        assert_eq!(token(None, Some(later)).status(now, same), "active");
        assert_eq!(
            token(None, Some(earlier)).status(now, same),
            format!("expired {earlier}")
        );
        assert!(token(None, Some(earlier)).expired(now) && !token(None, Some(later)).expired(now));
        assert_eq!(
            token(Some("2026-11-20T00:00:00.000000Z"), Some(earlier)).status(now, same),
            "revoked 2026-11-20T00:00:00.000000Z"
        );
    }

    #[test]
    fn optional_token_request_fields_may_be_left_out() {
        let request: TokenCreateRequest = serde_json::from_value(json!({"scope": "admin"})).unwrap();
        assert_eq!(
            request,
            TokenCreateRequest {
                name: None,
                scope: TokenScope::Admin,
                job: None,
                agent: None,
                expires_in: None,
            }
        );
    }

    #[test]
    fn session_info_and_errors_are_plain_json() {
        let info = SessionInfo {
            name: "admin".into(),
            csrf_token: Secret::new("c5rf"),
            expires_at: "2026-11-26T21:30:00.000000Z".into(),
            idle_timeout_seconds: 1800,
        };
        assert_eq!(
            serde_json::to_value(&info).unwrap(),
            json!({"name": "admin", "csrf_token": "c5rf", "expires_at": "2026-11-26T21:30:00.000000Z", "idle_timeout_seconds": 1800})
        );
        assert_eq!(
            serde_json::to_value(ApiError::new("csrf", "missing X-CSRF-Token")).unwrap(),
            json!({"error": "csrf", "message": "missing X-CSRF-Token"})
        );
    }

    #[test]
    fn paths() {
        assert_eq!(admin_path("alice"), "/api/v1/admins/alice");
        assert_eq!(token_path("0b8e"), "/api/v1/tokens/0b8e");
        assert!(ADMIN_PATH.starts_with(ADMINS_PATH) && TOKEN_PATH.starts_with(TOKENS_PATH));
    }
}
