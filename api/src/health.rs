//! `GET /healthz`: the readiness answer load balancers and tests poll.

use serde::{Deserialize, Serialize};

/// Where the server answers with [`Health`].
pub const HEALTH_PATH: &str = "/healthz";

/// Whether the server is ready to serve, and which release it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    /// The server's release version, e.g. `0.1.0`.
    pub version: String,
    /// Why the server is not ready (with [`HealthStatus::Unavailable`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The server's state as `/healthz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum HealthStatus {
    /// Serving requests: its database answers and has its migrations.
    Ok,
    /// Up, but not ready: its database does not answer, or was migrated
    /// by another release (answered with HTTP 503).
    Unavailable,
}

impl Health {
    /// The answer of a server that is up.
    pub fn ok() -> Self {
        Health {
            status: HealthStatus::Ok,
            version: crate::VERSION.to_owned(),
            problem: None,
        }
    }

    /// The answer of a server that is up but not ready, saying why.
    pub fn unavailable(problem: impl Into<String>) -> Self {
        Health {
            status: HealthStatus::Unavailable,
            version: crate::VERSION.to_owned(),
            problem: Some(problem.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_plain_json() {
        let json = serde_json::to_value(Health::ok()).unwrap();
        assert_eq!(json, serde_json::json!({ "status": "ok", "version": crate::VERSION }));
    }

    #[test]
    fn round_trips() {
        let health: Health = serde_json::from_str(r#"{"status":"ok","version":"9.9.9"}"#).unwrap();
        assert_eq!(health.status, HealthStatus::Ok);
        assert_eq!(health.version, "9.9.9");
    }
}
