//! A running server's admin API, as the lifecycle commands call it with
//! `--server URL --token TOKEN`: JSON requests with an admin token, and
//! every refusal turned into a sentence naming the server and what to do.
//! The token never appears in a message or in `Debug` output.

use std::fmt;
use std::time::Duration;

use provisio_api::ApiError;
use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Method, Response, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::admin::Stop;

/// An API token given on the command line: kept out of `Debug` output and
/// error messages.
#[derive(Clone)]
pub struct Token(String);

impl From<String> for Token {
    fn from(token: String) -> Self {
        Token(token.trim().to_owned())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(********)")
    }
}

impl Token {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The token itself, for the `Authorization` header only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The admin API of one server, called with one admin token.
#[derive(Clone)]
pub struct Remote {
    client: reqwest::Client,
    server: String,
    token: Token,
}

impl Remote {
    pub fn new(server: &str, token: Token) -> Result<Self, Stop> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("provisio/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| Stop::Failed(format!("error: cannot start an HTTP client: {}", chain(&e))))?;
        Ok(Remote {
            client,
            server: server.trim_end_matches('/').to_owned(),
            token,
        })
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Stop> {
        self.call(Method::GET, path, None::<&()>).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, Stop> {
        self.call(Method::POST, path, Some(body)).await
    }

    /// `DELETE`, answered with no body (`204`).
    pub async fn delete(&self, path: &str) -> Result<(), Stop> {
        let response = self.send(Method::DELETE, path, None::<&()>).await?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        Err(refusal(&self.server, status, &text))
    }

    /// The server's address, as given.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// The admin token the calls carry.
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// `POST` or `PUT` of a job definition: the job, or the problems the
    /// server found in the definition (its `400` with each problem's place).
    pub async fn write_job<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Result<T, Vec<provisio_engine::job::JobProblem>>, Stop> {
        let response = self.send(method, path, Some(body)).await?;
        if response.status() == StatusCode::BAD_REQUEST {
            let text = response.text().await.unwrap_or_default();
            return match serde_json::from_str::<provisio_api::jobs::JobInvalid>(&text) {
                Ok(invalid) if !invalid.problems.is_empty() => Ok(Err(invalid.problems)),
                _ => Err(refusal(&self.server, StatusCode::BAD_REQUEST, &text)),
            };
        }
        self.read(response).await.map(Ok)
    }

    /// `GET` of a path that may name nothing: `None` on `404`.
    pub async fn find<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Stop> {
        let response = self.send(Method::GET, path, None::<&()>).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        self.read(response).await.map(Some)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, Stop> {
        let response = self.send(method, path, body).await?;
        self.read(response).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&impl Serialize>) -> Result<Response, Stop> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.server))
            .header(AUTHORIZATION, format!("Bearer {}", self.token.expose()))
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.map_err(|e| {
            Stop::Failed(format!(
                "error: cannot reach the server at {}: {} — is it running there? (Without --server and \
                 PROVISIO_SERVER, commands work on the database directly.)",
                self.server,
                chain(&e)
            ))
        })
    }

    async fn read<T: DeserializeOwned>(&self, response: Response) -> Result<T, Stop> {
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            Stop::Failed(format!(
                "error: the answer of the server at {} was cut short: {}",
                self.server,
                chain(&e)
            ))
        })?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| {
                Stop::Failed(format!(
                    "error: the answer of the server at {} is not understood ({e}): is it a Provisio server of \
                     this version?",
                    self.server
                ))
            });
        }
        Err(refusal(&self.server, status, &text))
    }
}

/// What a refusal says: the server's own words, and what to do about the
/// ones a command-line user can fix. Bad input (the server's `400`, `404`,
/// `409`) exits 2 like the database way's; the rest exit 1.
fn refusal(server: &str, status: StatusCode, text: &str) -> Stop {
    let said = match serde_json::from_str::<ApiError>(text) {
        Ok(error) => error.message,
        Err(_) => text.chars().take(300).collect::<String>().trim().to_owned(),
    };
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Stop::Failed(format!(
            "error: the server at {server} refused the token ({status}): {said} — give an admin token with \
             --token or PROVISIO_TOKEN (provisio token create --scope admin)"
        )),
        StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND | StatusCode::CONFLICT => Stop::Input(format!("error: {said}")),
        _ if said.is_empty() => Stop::Failed(format!("error: the server at {server} answered {status}")),
        _ => Stop::Failed(format!("error: the server at {server} answered {status}: {said}")),
    }
}

/// `?name=value&…` of the pairs with a value (URL-encoded), or nothing.
pub fn query(pairs: &[(&str, Option<String>)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (name, value) in pairs {
        if let Some(value) = value {
            serializer.append_pair(name, value);
            any = true;
        }
    }
    if any {
        format!("?{}", serializer.finish())
    } else {
        String::new()
    }
}

/// An error and its causes: reqwest's own message hides "connection refused".
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(stop: Stop) -> (bool, String) {
        match stop {
            Stop::Input(message) => (true, message),
            Stop::Failed(message) => (false, message),
        }
    }

    #[test]
    fn refusals_say_the_servers_words_and_what_to_do() {
        let body = r#"{"error": "not_found", "message": "no job has the id or name `acme`"}"#;
        assert_eq!(
            message(refusal("http://h:8080", StatusCode::NOT_FOUND, body)),
            (true, "error: no job has the id or name `acme`".to_owned())
        );
        let (input, text) = message(refusal("http://h:8080", StatusCode::UNAUTHORIZED, "{}"));
        assert!(!input);
        assert!(
            text.contains("http://h:8080") && text.contains("PROVISIO_TOKEN"),
            "{text}"
        );
        assert_eq!(
            message(refusal("http://h", StatusCode::BAD_GATEWAY, "proxy down")),
            (
                false,
                "error: the server at http://h answered 502 Bad Gateway: proxy down".to_owned()
            )
        );
    }

    #[test]
    fn queries_leave_out_what_is_not_given_and_encode_the_rest() {
        assert_eq!(query(&[("job", None)]), "");
        assert_eq!(
            query(&[
                ("job", Some("Acme SCIM".to_owned())),
                ("status", None),
                ("limit", Some("5".to_owned()))
            ]),
            "?job=Acme+SCIM&limit=5"
        );
    }

    #[test]
    fn the_token_is_never_shown() {
        let token = Token::from(" pvs_secret \n".to_owned());
        assert_eq!(format!("{token:?}"), "Token(********)");
        assert_eq!(token.expose(), "pvs_secret");
        assert!(Token::from("  ".to_owned()).is_empty());
    }
}
