//! Encryption at rest of the credentials jobs hold (target bearer tokens
//! and whatever secret fields come later): AES-256-GCM under one key per
//! deployment, each value with a fresh random nonce and bound to the row it
//! belongs to (the associated data), so a ciphertext copied into another
//! row does not decrypt.
//!
//! The key comes from `PROVISIO_SECRET_KEY` (the base64 of 32 bytes) or,
//! when that is unset, from a key file generated on first start (mode 0600):
//! `secret.key` next to the SQLite database, or the path given. With
//! PostgreSQL and no path, the file is `data/secret.key`; several instances
//! sharing one PostgreSQL database must all have the same key, so set
//! `PROVISIO_SECRET_KEY` on every one of them.
//!
//! Stored values read `v1:<base64 nonce>:<base64 ciphertext and tag>`.
//! Neither the key nor a decrypted value is ever printed: `Debug` shows only
//! the key's fingerprint (the first bytes of its SHA-256), which is enough to
//! tell two instances' keys apart.
//!
//! ```
//! use provisio_server::secrets::SecretBox;
//!
//! let secrets = SecretBox::from_key([7; 32]);
//! let stored = secrets.encrypt("s3cret", b"job 1").unwrap();
//! assert!(stored.starts_with("v1:") && !stored.contains("s3cret"));
//! assert_eq!(secrets.decrypt(&stored, b"job 1").unwrap(), "s3cret");
//! assert!(secrets.decrypt(&stored, b"job 2").is_err());
//! ```

use std::fmt;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// The environment variable holding the key: the base64 of 32 random bytes
/// (`openssl rand -base64 32`).
pub const SECRET_KEY_ENV: &str = "PROVISIO_SECRET_KEY";
/// The key file's name next to the SQLite database.
pub const KEY_FILE_NAME: &str = "secret.key";
/// Where the key file goes when the database is not a SQLite file.
pub const DEFAULT_KEY_FILE: &str = "data/secret.key";

const VERSION: &str = "v1";
const NONCE_BYTES: usize = 12;

/// Encrypts and decrypts stored secrets under the deployment's key. Cheap
/// to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Arc<Aes256Gcm>,
    fingerprint: String,
}

/// Why the key could not be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SecretKeyError {
    /// `PROVISIO_SECRET_KEY` or the key file holds something other than the
    /// base64 of 32 bytes.
    #[error(
        "{origin} is not a secret key: expected the base64 of 32 bytes (e.g. `openssl rand -base64 32`), {problem}"
    )]
    Malformed { origin: String, problem: String },
    /// The key file could not be read or created.
    #[error("cannot {action} the secret key file {}: {source}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
    /// A command that uses the server's key found none: it never makes one,
    /// since a key of its own would encrypt what the server cannot read.
    #[error(
        "no secret key file at {}: commands other than `provisio serve` use the server's key; name it with \
         --secret-key-file (it lies beside the server's SQLite database) or set {SECRET_KEY_ENV}",
        path.display()
    )]
    Missing { path: PathBuf },
}

/// Why a value could not be encrypted or decrypted. Never holds the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Not `v1:<nonce>:<ciphertext>`: the stored text was damaged.
    #[error("a stored secret is malformed ({0})")]
    Malformed(&'static str),
    /// The authentication tag does not match: another key (did
    /// `PROVISIO_SECRET_KEY` or the key file change?), another row, or
    /// tampering.
    #[error(
        "a stored secret cannot be decrypted with the key {fingerprint}: it was encrypted with another key \
         (did {SECRET_KEY_ENV} or the key file change?) or has been altered"
    )]
    WrongKey { fingerprint: String },
    #[error("encrypting a secret failed")]
    Encrypt,
    #[error("the operating system's random generator failed: {0}")]
    Random(String),
}

impl SecretBox {
    pub fn from_key(key: [u8; 32]) -> SecretBox {
        let fingerprint = Sha256::digest(key).iter().take(4).map(|b| format!("{b:02x}")).collect();
        SecretBox {
            cipher: Arc::new(Aes256Gcm::new(&key.into())),
            fingerprint,
        }
    }

    /// A key given as base64 (standard or URL-safe, padded or not).
    pub fn from_base64(text: &str, origin: &str) -> Result<SecretBox, SecretKeyError> {
        let malformed = |problem: String| SecretKeyError::Malformed {
            origin: origin.to_owned(),
            problem,
        };
        let text = text.trim();
        let bytes = [
            &STANDARD,
            &URL_SAFE,
            &URL_SAFE_NO_PAD,
            &base64::engine::general_purpose::STANDARD_NO_PAD,
        ]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| malformed("but it is not base64".to_owned()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|bytes: Vec<u8>| malformed(format!("but it decodes to {} bytes", bytes.len())))?;
        Ok(SecretBox::from_key(key))
    }

    /// A new random key that lives only in memory (tests, in-memory databases).
    pub fn ephemeral() -> Result<SecretBox, SecretKeyError> {
        Ok(SecretBox::from_key(random_key()?))
    }

    /// The deployment's key: `PROVISIO_SECRET_KEY` when set, else the key
    /// file (see [`SecretBox::resolve`]).
    pub fn from_environment(database_url: &str, key_file: Option<&Path>) -> Result<SecretBox, SecretKeyError> {
        let env_key = std::env::var(SECRET_KEY_ENV).ok();
        SecretBox::resolve(env_key.as_deref(), database_url, key_file)
    }

    /// The key from `env_key` (the value of `PROVISIO_SECRET_KEY`) when it
    /// is set and not empty; else read from `key_file`, or from
    /// [`key_file_for`] the database, generating the file on first use. An
    /// in-memory SQLite database with neither gets a key as short-lived as
    /// its data.
    pub fn resolve(
        env_key: Option<&str>,
        database_url: &str,
        key_file: Option<&Path>,
    ) -> Result<SecretBox, SecretKeyError> {
        if let Some(text) = env_key.filter(|text| !text.trim().is_empty()) {
            return SecretBox::from_base64(text, SECRET_KEY_ENV);
        }
        match key_file.map(Path::to_path_buf).or_else(|| key_file_for(database_url)) {
            Some(path) => SecretBox::from_key_file(&path),
            None => {
                tracing::warn!(
                    "the database is in memory: job secrets are encrypted with a key that lives as long as the process"
                );
                SecretBox::ephemeral()
            }
        }
    }

    /// The key a command other than `provisio serve` uses: the server's,
    /// from `PROVISIO_SECRET_KEY` or the key file (as [`SecretBox::resolve`]
    /// finds it), never a new one: a missing file is
    /// [`SecretKeyError::Missing`].
    pub fn existing(database_url: &str, key_file: Option<&Path>) -> Result<SecretBox, SecretKeyError> {
        let env_key = std::env::var(SECRET_KEY_ENV).ok();
        if env_key.as_deref().is_some_and(|text| !text.trim().is_empty()) {
            return SecretBox::resolve(env_key.as_deref(), database_url, key_file);
        }
        match key_file.map(Path::to_path_buf).or_else(|| key_file_for(database_url)) {
            Some(path) if !path.exists() => Err(SecretKeyError::Missing {
                path: std::path::absolute(&path).unwrap_or(path),
            }),
            _ => SecretBox::resolve(None, database_url, key_file),
        }
    }

    /// Reads the key file, or creates it with a new random key (mode 0600,
    /// its folder too) when it does not exist.
    pub fn from_key_file(path: &Path) -> Result<SecretBox, SecretKeyError> {
        let file_error = |action, source| SecretKeyError::File {
            action,
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_readable_by_others(path);
                return SecretBox::from_base64(&text, &format!("the key file {}", path.display()));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(file_error("read", e)),
        }
        if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|e| file_error("create the folder of", e))?;
        }
        let key = random_key()?;
        match create_private(path) {
            Ok(mut file) => {
                let text = format!("{}\n", STANDARD.encode(key));
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .map_err(|e| file_error("write", e))?;
                let secrets = SecretBox::from_key(key);
                tracing::info!(path = %path.display(), key = %secrets.fingerprint, "generated the secret key file: back it up with the database");
                Ok(secrets)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => SecretBox::from_key_file(path),
            Err(e) => Err(file_error("create", e)),
        }
    }

    /// The first 4 bytes of the key's SHA-256, in hex: names the key in
    /// logs and errors without revealing it.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// `v1:<nonce>:<ciphertext>`; `context` (e.g. the row's id) must be
    /// given again to decrypt.
    pub fn encrypt(&self, plaintext: &str, context: &[u8]) -> Result<String, SecretError> {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).map_err(|e| SecretError::Random(e.to_string()))?;
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context,
        };
        let ciphertext = self
            .cipher
            .encrypt(&Nonce::from(nonce), payload)
            .map_err(|_| SecretError::Encrypt)?;
        Ok(format!(
            "{VERSION}:{}:{}",
            STANDARD.encode(nonce),
            STANDARD.encode(ciphertext)
        ))
    }

    pub fn decrypt(&self, stored: &str, context: &[u8]) -> Result<String, SecretError> {
        let mut parts = stored.split(':');
        let (Some(version), Some(nonce), Some(ciphertext), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SecretError::Malformed("expected v1:<nonce>:<ciphertext>"));
        };
        if version != VERSION {
            return Err(SecretError::Malformed("unknown format version"));
        }
        let nonce: [u8; NONCE_BYTES] = STANDARD
            .decode(nonce)
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(SecretError::Malformed("the nonce is not 12 bytes of base64"))?;
        let ciphertext = STANDARD
            .decode(ciphertext)
            .map_err(|_| SecretError::Malformed("the ciphertext is not base64"))?;
        let payload = Payload {
            msg: &ciphertext,
            aad: context,
        };
        let plaintext = self
            .cipher
            .decrypt(&Nonce::from(nonce), payload)
            .map_err(|_| SecretError::WrongKey {
                fingerprint: self.fingerprint.clone(),
            })?;
        String::from_utf8(plaintext).map_err(|_| SecretError::Malformed("the plaintext is not UTF-8"))
    }
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretBox")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Where the key file of a database lives when no path is configured:
/// `secret.key` beside a SQLite file, [`DEFAULT_KEY_FILE`] for PostgreSQL,
/// none for an in-memory SQLite database.
pub fn key_file_for(database_url: &str) -> Option<PathBuf> {
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        return Some(PathBuf::from(DEFAULT_KEY_FILE));
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || database_url.contains("mode=memory") {
        return None;
    }
    let folder = Path::new(path).parent().unwrap_or(Path::new(""));
    Some(folder.join(KEY_FILE_NAME))
}

fn random_key() -> Result<[u8; 32], SecretKeyError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| SecretKeyError::Random(e.to_string()))?;
    Ok(key)
}

#[cfg(unix)]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(metadata) = std::fs::metadata(path) {
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), mode = %format!("{:o}", mode & 0o777), "the secret key file is readable by others: chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_each_encryption_differs() {
        let secrets = SecretBox::from_key([1; 32]);
        let a = secrets.encrypt("pvs_token é", b"row").unwrap();
        let b = secrets.encrypt("pvs_token é", b"row").unwrap();
        assert_ne!(a, b, "fresh nonce each time");
        assert_eq!(secrets.decrypt(&a, b"row").unwrap(), "pvs_token é");
        assert_eq!(secrets.decrypt(&b, b"row").unwrap(), "pvs_token é");
        assert!(a.starts_with("v1:") && a.split(':').count() == 3, "{a}");
    }

    #[test]
    fn another_key_another_row_or_tampering_fail_cleanly() {
        let secrets = SecretBox::from_key([1; 32]);
        let stored = secrets.encrypt("value", b"job-1").unwrap();
        let other = SecretBox::from_key([2; 32]);
        let err = other.decrypt(&stored, b"job-1").unwrap_err();
        assert!(matches!(err, SecretError::WrongKey { .. }));
        assert!(err.to_string().contains(other.fingerprint()), "{err}");
        assert!(matches!(
            secrets.decrypt(&stored, b"job-2"),
            Err(SecretError::WrongKey { .. })
        ));
        let mut tampered = stored.clone();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert!(secrets.decrypt(&tampered, b"job-1").is_err());
        for bad in ["", "v1:abc", "v2:AAAA:AAAA", "v1:AAAA:AAAA", "v1:!!:AA:BB"] {
            assert!(
                matches!(secrets.decrypt(bad, b"job-1"), Err(SecretError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_come_as_base64_of_32_bytes() {
        let key = STANDARD.encode([9u8; 32]);
        let a = SecretBox::from_base64(&key, "test").unwrap();
        let b = SecretBox::from_base64(&URL_SAFE_NO_PAD.encode([9u8; 32]), "test").unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let short = SecretBox::from_base64(&STANDARD.encode([9u8; 16]), SECRET_KEY_ENV).unwrap_err();
        assert!(short.to_string().contains("decodes to 16 bytes"), "{short}");
        assert!(
            short.to_string().starts_with("PROVISIO_SECRET_KEY is not a secret key"),
            "{short}"
        );
        assert!(SecretBox::from_base64("not base64 at all!", "test").is_err());
    }

    #[test]
    fn debug_shows_a_fingerprint_never_the_key() {
        let key = [0xAB; 32];
        let text = format!("{:?}", SecretBox::from_key(key));
        assert!(text.starts_with("SecretBox { fingerprint: \""), "{text}");
        assert!(
            !text.contains(&STANDARD.encode(key)) && !text.contains("abababab"),
            "{text}"
        );
    }

    #[test]
    fn the_key_file_sits_beside_a_sqlite_file() {
        assert_eq!(
            key_file_for("sqlite://data/provisio.db"),
            Some(PathBuf::from("data/secret.key"))
        );
        assert_eq!(
            key_file_for("sqlite:///var/lib/p/p.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/p/secret.key"))
        );
        assert_eq!(key_file_for("sqlite://p.db"), Some(PathBuf::from("secret.key")));
        assert_eq!(key_file_for("sqlite::memory:"), None);
        assert_eq!(key_file_for("postgres://u@h/db"), Some(PathBuf::from(DEFAULT_KEY_FILE)));
    }

    #[test]
    fn the_key_file_is_generated_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("db/provisio.db").display());
        let first = SecretBox::resolve(None, &url, None).unwrap();
        let path = dir.path().join("db/secret.key");
        assert!(path.is_file());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let stored = first.encrypt("x", b"c").unwrap();
        let again = SecretBox::resolve(Some(""), &url, None).unwrap();
        assert_eq!(again.decrypt(&stored, b"c").unwrap(), "x");
        let configured = dir.path().join("elsewhere/k");
        let other = SecretBox::resolve(None, &url, Some(&configured)).unwrap();
        assert!(configured.is_file());
        assert_ne!(other.fingerprint(), first.fingerprint());
    }

    #[test]
    fn the_environment_wins_over_the_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("provisio.db").display());
        let env = STANDARD.encode([5u8; 32]);
        let secrets = SecretBox::resolve(Some(&env), &url, None).unwrap();
        assert_eq!(secrets.fingerprint(), SecretBox::from_key([5; 32]).fingerprint());
        assert!(
            !dir.path().join(KEY_FILE_NAME).exists(),
            "no key file when the key is given"
        );
        let err = SecretBox::resolve(Some("short"), &url, None).unwrap_err();
        assert!(matches!(err, SecretKeyError::Malformed { .. }));
    }

    #[test]
    fn a_damaged_key_file_is_an_error_not_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        std::fs::write(&path, "garbage").unwrap();
        let err = SecretBox::from_key_file(&path).unwrap_err();
        assert!(err.to_string().contains("the key file"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "garbage");
    }
}
