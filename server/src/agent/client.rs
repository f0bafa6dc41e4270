//! The agent's two calls to the server, over HTTPS (plain HTTP only to a
//! loopback server), and what a failed call means: try again later, or stop
//! because the server will never accept this agent as it is.

use std::path::Path;
use std::time::Duration;

use provisio_api::ApiError;
use provisio_api::agents::{
    AGENT_POLL_PATH, AGENT_RESULTS_PATH, AgentPoll, AgentResults, AgentWork, POLL_HOLD_SECONDS, ResultsAccepted,
};
use provisio_api::auth::Secret;
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a call to the server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// The server could not be reached or failed: call again later.
    #[error("{0}")]
    Retry(String),
    /// The server refuses this agent (token revoked, another process took
    /// over, a different protocol): calling again changes nothing.
    #[error("{0}")]
    Fatal(String),
}

/// An HTTP client bound to one server and one agent token.
#[derive(Debug, Clone)]
pub struct ServerClient {
    http: reqwest::Client,
    base: reqwest::Url,
    token: Secret,
}

impl ServerClient {
    /// Checks the address (HTTPS, or HTTP to loopback only, since the token
    /// and the targets' secrets travel on it) and builds the client, trusting
    /// `ca_cert` (PEM) besides the system's roots.
    pub fn new(server: &str, token: Secret, ca_cert: Option<&Path>) -> Result<ServerClient, String> {
        let base = reqwest::Url::parse(server).map_err(|e| format!("--server `{server}` is not a URL: {e}"))?;
        match base.scheme() {
            "https" => {}
            "http" if is_loopback(&base) => {}
            "http" => {
                return Err(format!(
                    "--server `{server}`: plain HTTP would carry the agent token and the targets' credentials in \
                     clear; use https:// (plain http:// is accepted for a server on loopback only)"
                ));
            }
            other => return Err(format!("--server `{server}`: expected https://, not {other}://")),
        }
        if !token.expose().starts_with(crate::auth::token::TOKEN_PREFIX) {
            return Err(format!(
                "--token: not a Provisio token (they start with `{}`): create one with \
                 `provisio token create --scope agent --agent NAME`",
                crate::auth::token::TOKEN_PREFIX
            ));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            // A held poll answers after POLL_HOLD_SECONDS: allow for that and a slow network.
            .timeout(Duration::from_secs(POLL_HOLD_SECONDS + 20))
            .user_agent(concat!("provisio-agent/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_cert {
            let pem = std::fs::read(path).map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
            let certificates = provisio_connectors::pem::certificates(&pem)
                .map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
            for certificate in certificates {
                let certificate = reqwest::Certificate::from_der(&certificate)
                    .map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder.build().map_err(|e| format!("cannot set up HTTPS: {e}"))?;
        Ok(ServerClient { http, base, token })
    }

    /// The long poll: operations, or none after the server's hold.
    pub async fn poll(&self, poll: &AgentPoll) -> Result<AgentWork, CallError> {
        self.post(AGENT_POLL_PATH, poll).await
    }

    /// Acknowledges completed operations.
    pub async fn report(&self, results: &AgentResults) -> Result<ResultsAccepted, CallError> {
        self.post(AGENT_RESULTS_PATH, results).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, CallError> {
        let url = self
            .base
            .join(path)
            .map_err(|e| CallError::Fatal(format!("cannot build the URL of {path}: {e}")))?;
        let response = self
            .http
            .post(url)
            .bearer_auth(self.token.expose())
            .json(body)
            .send()
            .await
            .map_err(|e| CallError::Retry(format!("cannot reach the server: {}", describe(&e))))?;
        let status = response.status();
        if status.is_success() {
            return response
                .json()
                .await
                .map_err(|e| CallError::Retry(format!("unreadable answer from the server: {e}")));
        }
        let message = match response.json::<ApiError>().await {
            Ok(error) => error.message,
            Err(_) => format!("HTTP {status}"),
        };
        Err(match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                CallError::Fatal(format!("the server refused the agent token: {message}"))
            }
            StatusCode::CONFLICT => CallError::Fatal(format!("the server stopped this agent process: {message}")),
            StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
                CallError::Fatal(format!(
                    "the server does not understand this agent (is it a Provisio server of the same version?): {message}"
                ))
            }
            _ => CallError::Retry(format!("the server answered HTTP {status}: {message}")),
        })
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// reqwest's error with its causes, which say what actually went wrong.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(server: &str) -> Result<ServerClient, String> {
        ServerClient::new(server, Secret::new("pvs_abc"), None)
    }

    #[test]
    fn only_https_leaves_the_machine() {
        assert!(client("https://provisio.example").is_ok());
        assert!(client("http://127.0.0.1:8080").is_ok());
        assert!(client("http://localhost:8080").is_ok());
        assert!(client("http://[::1]:8080").is_ok());
        let clear = client("http://provisio.example").unwrap_err();
        assert!(clear.contains("plain HTTP"), "{clear}");
        assert!(
            client("ftp://provisio.example")
                .unwrap_err()
                .contains("expected https://")
        );
        assert!(client("not a url").unwrap_err().contains("not a URL"));
    }

    #[test]
    fn a_ca_certificate_must_be_a_readable_pem_file() {
        let missing = ServerClient::new(
            "https://p.example",
            Secret::new("pvs_abc"),
            Some(Path::new("/nonexistent/ca.pem")),
        )
        .unwrap_err();
        assert!(missing.starts_with("--ca-cert /nonexistent/ca.pem:"), "{missing}");
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("ca.pem");
        std::fs::write(&garbage, "not a certificate").unwrap();
        let error = ServerClient::new("https://p.example", Secret::new("pvs_abc"), Some(&garbage)).unwrap_err();
        assert!(error.contains("no -----BEGIN CERTIFICATE----- block"), "{error}");
    }

    #[test]
    fn tokens_are_checked_before_any_call() {
        let error = ServerClient::new("https://p.example", Secret::new("secret"), None).unwrap_err();
        assert!(error.contains("not a Provisio token"), "{error}");
        assert!(!error.contains("secret`"));
    }
}
