//! A job's credentials (`Secret`): read from a definition, never written
//! back into one. A secret field holds the secret itself, or — in a job
//! file, for `provisio job apply` to resolve — a reference to it:
//! `"${NAME}"` (an environment variable) or `secret_file: PATH` (a file's
//! content), which YAML and JSON can also write as a mapping,
//! `{ secret_file: PATH }`; the mapping reads as the string
//! `"secret_file:PATH"`, so there is one form to resolve.
//!
//! ```
//! use provisio_engine::job::Secret;
//!
//! let token: Secret = serde_json::from_str(r#"{"secret_file": "/run/secrets/acme"}"#).unwrap();
//! assert_eq!(token.expose(), "secret_file:/run/secrets/acme");
//! assert_eq!(serde_json::to_string(&token).unwrap(), r#""********""#);
//! ```

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a secret field that names a file starts with.
pub const SECRET_FILE: &str = "secret_file:";

/// A credential. It deserialises from a string (or a `secret_file`
/// mapping) and serialises as `"********"` (or not at all), so it never
/// leaves the process in a definition or a log.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the connector that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("********")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SecretVisitor)
    }
}

struct SecretVisitor;

impl<'de> Visitor<'de> for SecretVisitor {
    type Value = Secret;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (the secret, or \"${NAME}\") or a mapping `secret_file: PATH`")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Secret, E> {
        Ok(Secret(value.to_owned()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Secret, E> {
        Ok(Secret(value))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Secret, A::Error> {
        let mut path: Option<String> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key != "secret_file" {
                return Err(de::Error::unknown_field(&key, &["secret_file"]));
            }
            if path.is_some() {
                return Err(de::Error::duplicate_field("secret_file"));
            }
            path = Some(map.next_value()?);
        }
        let path = path.ok_or_else(|| de::Error::missing_field("secret_file"))?;
        Ok(Secret(format!("{SECRET_FILE}{path}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_reads_from_a_string_or_a_secret_file_mapping() {
        let read = |json: &str| serde_json::from_str::<Secret>(json).map(|s| s.expose().to_owned());
        assert_eq!(read(r#""s3cret""#).unwrap(), "s3cret");
        assert_eq!(read(r#""${ACME_TOKEN}""#).unwrap(), "${ACME_TOKEN}");
        assert_eq!(
            read(r#"{"secret_file": "token.txt"}"#).unwrap(),
            "secret_file:token.txt"
        );
        let yaml: Secret = serde_norway::from_str("secret_file: /run/secrets/acme").unwrap();
        assert_eq!(yaml.expose(), "secret_file:/run/secrets/acme");
        let err = read(r#"{"file": "x"}"#).unwrap_err().to_string();
        assert!(err.contains("unknown field `file`, expected `secret_file`"), "{err}");
        assert!(
            read("{}")
                .unwrap_err()
                .to_string()
                .contains("missing field `secret_file`")
        );
        let err = read("42").unwrap_err().to_string();
        assert!(err.contains("a string (the secret"), "{err}");
    }
}
