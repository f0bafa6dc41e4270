//! Administrators' passwords: argon2id with the argon2 crate's defaults
//! (19 MiB, 2 passes, 1 lane — OWASP's recommendation), stored as PHC
//! strings. Hashing takes tens of milliseconds, so it runs on the blocking
//! thread pool, never on the async workers.

use std::sync::LazyLock;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use provisio_api::auth::Secret;
use tokio::sync::Semaphore;

use crate::ServerError;

/// The hash of a password nobody knows (it was random and thrown away),
/// with the default parameters. Signing in as a name that does not exist
/// verifies against it, so the answer takes as long as for a real name.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$+UPdqQMNEx5lzyOxIeO+Rg$ky2x20ADw8+S/oOiZyhvyzqmMUp6AqYUZyEoQe+K+TE";

/// The PHC string of a new salted argon2id hash of `password`.
pub(crate) async fn hash(password: Secret) -> Result<String, ServerError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ServerError::Random(e.to_string()))?;
    blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(failed)?;
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(failed)
    })
    .await
}

/// Whether `password` matches the PHC string `hash`. With no hash (an
/// unknown name) it verifies against a dummy and answers `false`, taking
/// the same time. A malformed stored hash matches nothing.
pub(crate) async fn verify(password: Secret, hash: Option<String>) -> Result<bool, ServerError> {
    blocking(move || {
        let known = hash.is_some();
        let phc = hash.as_deref().unwrap_or(DUMMY_HASH);
        let matches = match PasswordHash::new(phc) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.expose().as_bytes(), &parsed)
                .is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "a stored password hash is malformed");
                false
            }
        };
        Ok(known && matches)
    })
    .await
}

/// Hashes computed at once: each takes 19 MiB and a core for tens of
/// milliseconds, so a flood of sign-ins (from many addresses, which the
/// rate limit counts apart) queues here instead of exhausting memory.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Semaphore::new(cores.clamp(2, 16))
});

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ServerError> + Send + 'static,
) -> Result<T, ServerError> {
    let _permit = HASHING.acquire().await.map_err(failed)?;
    tokio::task::spawn_blocking(work).await.map_err(failed)?
}

// Hashing with a valid salt and a password of bounded length cannot fail,
// and the blocking task only fails if it panics; ServerError has no
// internal-error variant yet, so both are reported through `Random` (the
// source of the one failure that is plausible: the salt).
fn failed(error: impl std::fmt::Display) -> ServerError {
    ServerError::Random(format!("password hashing failed: {error}"))
}

#[cfg(test)]
mod tests {
    use argon2::Params;

    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hash = hash(Secret::new("correct horse battery")).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(
            verify(Secret::new("correct horse battery"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!verify(Secret::new("correct horse batterY"), Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash(Secret::new("correct horse battery")).await.unwrap();
        let b = hash(Secret::new("correct horse battery")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn no_hash_and_malformed_hashes_match_nothing() {
        assert!(!verify(Secret::new("anything at all"), None).await.unwrap());
        assert!(!verify(Secret::new(""), Some("not a hash".into())).await.unwrap());
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(dummy.algorithm, argon2::Algorithm::Argon2id.ident());
        let params = Params::try_from(&dummy).unwrap();
        let defaults = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost(), params.output_len()),
            (defaults.m_cost(), defaults.t_cost(), defaults.p_cost(), Some(32))
        );
    }
}
