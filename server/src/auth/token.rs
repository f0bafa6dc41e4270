//! API tokens: `pvs_` and 43 characters of base64url (32 random bytes),
//! shown once when created; the database keeps only their SHA-256.
//!
//! A fast, unsalted hash is right for these, unlike for passwords: a token
//! carries 256 bits from the operating system's random generator, so there
//! is no dictionary to try and no way to brute-force the hash — salting
//! and slow hashing only help low-entropy secrets chosen by people. An
//! unsalted hash also lets a request's token be found by an indexed lookup
//! of its hash, without hashing once per stored token on every request.

use super::Tokens;
use std::fmt;

use chrono::{DateTime, Utc};
use provisio_api::auth::{Secret, TokenScope};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::Auth;
use crate::ServerError;

/// What every Provisio API token starts with, so secret scanners and people
/// can recognise one.
pub(crate) const TOKEN_PREFIX: &str = "pvs_";
/// The length of a token: the prefix and 43 characters.
const TOKEN_LEN: usize = TOKEN_PREFIX.len() + 43;
/// `last_used_at` is written at most this often per token, so tokens do
/// not cost a database write on every request.
const LAST_USED_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// A new random token.
pub(crate) fn generate() -> Result<Secret, ServerError> {
    Ok(Secret::new(format!("{TOKEN_PREFIX}{}", super::random_text::<32>()?)))
}

/// The hex SHA-256 of a token (or a session id): what the database keeps.
pub(crate) fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `text` has a token's shape; anything else is refused without
/// asking the database.
pub(crate) fn well_formed(text: &str) -> bool {
    text.len() == TOKEN_LEN
        && text.starts_with(TOKEN_PREFIX)
        && text
            .bytes()
            .skip(TOKEN_PREFIX.len())
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Compares two hashes in constant time.
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// An active (not revoked) token that authenticated a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenCaller {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) scope: TokenScope,
    pub(crate) job: Option<String>,
    pub(crate) agent: Option<String>,
}

/// Why a presented bearer token authenticates nothing, as the caller is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenRefused {
    /// Not a token, not one of ours, or revoked: the caller learns no more.
    Unknown,
    /// A real token past its expiry (RFC 3339).
    Expired { at: String },
}

impl fmt::Display for TokenRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenRefused::Unknown => f.write_str("the bearer token is not valid or was revoked"),
            TokenRefused::Expired { at } => write!(f, "the bearer token expired at {at}: create a new one"),
        }
    }
}

impl Auth {
    /// The active, unexpired token `presented` is, or why it is refused;
    /// notes when it was used.
    pub(crate) async fn bearer_token(&self, presented: &str) -> Result<Result<TokenCaller, TokenRefused>, ServerError> {
        if !well_formed(presented) {
            return Ok(Err(TokenRefused::Unknown));
        }
        let presented_hash = hash(presented);
        let Some(row) = Tokens::new(self.store()).active_by_hash(&presented_hash).await? else {
            return Ok(Err(TokenRefused::Unknown));
        };
        // The lookup already matched the hash; comparing again in constant
        // time costs nothing and does not rely on how the database compares.
        if !constant_time_eq(&row.token_hash, &presented_hash) {
            return Ok(Err(TokenRefused::Unknown));
        }
        let now = self.now();
        if let Some(expires_at) = row.expires_at.filter(|at| *at <= now) {
            tracing::info!(token = %row.id, name = %row.name, "an expired API token was refused");
            return Ok(Err(TokenRefused::Expired {
                at: expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }));
        }
        if stale(row.last_used_at, now) {
            Tokens::new(self.store()).mark_used(&row.id, now).await?;
        }
        Ok(Ok(TokenCaller {
            id: row.id,
            name: row.name,
            scope: row.scope,
            job: row.job,
            agent: row.agent,
        }))
    }
}

fn stale(last_used: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    last_used.is_none_or(|last| now - last >= LAST_USED_RESOLUTION)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use provisio_api::auth::TokenCreateRequest;

    use super::*;
    use crate::auth::testing::{auth, inbound_job};

    fn request(scope: TokenScope, job: Option<&str>) -> TokenCreateRequest {
        TokenCreateRequest {
            name: Some("test".into()),
            scope,
            job: job.map(str::to_owned),
            agent: None,
            expires_in: None,
        }
    }

    #[test]
    fn tokens_have_the_prefix_and_43_characters() {
        let token = generate().unwrap();
        assert!(well_formed(token.expose()), "{}", token.expose());
        assert_eq!(token.expose().len(), 47);
        assert_ne!(generate().unwrap(), token);
    }

    #[test]
    fn malformed_tokens() {
        let good = generate().unwrap().expose().to_owned();
        assert!(!well_formed(&good.replacen("pvs_", "pvx_", 1)));
        assert!(!well_formed(&good[..46]));
        assert!(!well_formed(&format!("{good}A")));
        assert!(!well_formed(&format!("pvs_{}", "+".repeat(43))));
        assert!(well_formed(&format!("pvs_{}", "-_aZ9".repeat(9).get(..43).unwrap())));
        assert!(!well_formed(""));
    }

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(constant_time_eq(&hash("abc"), &hash("abc")));
        assert!(!constant_time_eq(&hash("abc"), &hash("abd")));
    }

    #[tokio::test]
    async fn a_token_authenticates_until_revoked() {
        let (auth, _) = auth().await;
        let created = Tokens::new(auth.store())
            .create(&request(TokenScope::Scim, None))
            .await
            .unwrap();
        let caller = auth.bearer_token(created.token.expose()).await.unwrap().unwrap();
        assert_eq!(
            caller,
            TokenCaller {
                id: created.summary.id.clone(),
                name: "test".into(),
                scope: TokenScope::Scim,
                job: None,
                agent: None,
            }
        );
        assert_eq!(
            auth.bearer_token(generate().unwrap().expose()).await.unwrap(),
            Err(TokenRefused::Unknown)
        );
        Tokens::new(auth.store())
            .revoke(&created.summary.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            auth.bearer_token(created.token.expose()).await.unwrap(),
            Err(TokenRefused::Unknown)
        );
    }

    #[tokio::test]
    async fn a_token_with_a_lifetime_authenticates_until_it_ends() {
        let (auth, clock) = auth().await;
        // The store dates tokens by the system clock; the manual clock is set past it.
        let created = Tokens::new(auth.store())
            .create(&TokenCreateRequest {
                expires_in: Some("90m".into()),
                ..request(TokenScope::Admin, None)
            })
            .await
            .unwrap();
        let expires_at = created.summary.expires_at.clone().unwrap();
        let expires = DateTime::parse_from_rfc3339(&expires_at).unwrap().to_utc();
        let minutes = (expires - Utc::now()).num_minutes();
        assert!((88..=90).contains(&minutes), "{expires_at}");
        let at = |time: DateTime<Utc>| {
            let clock = clock.clone();
            async move {
                let now = clock.clock().now();
                clock.advance((time - now).to_std().unwrap());
            }
        };
        at(expires - chrono::TimeDelta::seconds(1)).await;
        assert!(auth.bearer_token(created.token.expose()).await.unwrap().is_ok());
        at(expires).await;
        let refused = auth.bearer_token(created.token.expose()).await.unwrap().unwrap_err();
        assert!(matches!(refused, TokenRefused::Expired { .. }));
        assert!(refused.to_string().contains("expired at 20"), "{refused}");
    }

    #[tokio::test]
    async fn last_used_is_written_at_most_once_a_minute() {
        let (auth, clock) = auth().await;
        let job = inbound_job(auth.store(), "Workday").await;
        let created = Tokens::new(auth.store())
            .create(&request(TokenScope::Inbound, Some("workday")))
            .await
            .unwrap();
        let last_used = || async { Tokens::new(auth.store()).list().await.unwrap()[0].last_used_at.clone() };
        assert_eq!(last_used().await, None);
        let caller = auth.bearer_token(created.token.expose()).await.unwrap().unwrap();
        assert_eq!(caller.job, Some(job), "bound to the job's id");
        let first = last_used().await.unwrap();
        assert_eq!(first, "2026-11-26T09:30:00.000000Z");
        clock.advance(Duration::from_secs(59));
        auth.bearer_token(created.token.expose()).await.unwrap().unwrap();
        assert_eq!(last_used().await.unwrap(), first);
        clock.advance(Duration::from_secs(1));
        auth.bearer_token(created.token.expose()).await.unwrap().unwrap();
        assert_eq!(last_used().await.unwrap(), "2026-11-26T09:31:00.000000Z");
    }
}
