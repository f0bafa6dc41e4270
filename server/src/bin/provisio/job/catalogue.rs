//! Where `provisio job check` finds the directory's attribute catalogue
//! that source attributes are checked against: built in (offline, the
//! default), or with the extension attributes of a database (`--database`)
//! or of a running server (`--server` and an admin token).

use std::time::Duration;

use clap::Args;
use provisio_api::auth::ApiError;
use provisio_api::directory::{ATTRIBUTES_PATH, AttributeCatalogue};
use provisio_engine::attributes::Catalogue;
use reqwest::header::{ACCEPT, AUTHORIZATION};

use crate::database::{DatabaseArgs, NotOpened};

#[derive(Debug, Args)]
pub struct CatalogueArgs {
    /// Also know the extension attributes of this database's directory
    /// (sqlite://PATH or postgres://…) [default: the built-in attributes only].
    #[arg(long, value_name = "URL", conflicts_with = "server")]
    pub database: Option<String>,
    /// Also know the extension attributes of this running server's
    /// directory (GET /api/v1/directory/attributes, with --token).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// An admin API token for --server (provisio token create).
    #[arg(long, env = "PROVISIO_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
}

impl CatalogueArgs {
    /// Whether the extension attributes are looked up (else only the
    /// built-in ones are known).
    pub fn online(&self) -> bool {
        self.database.is_some() || self.server.is_some()
    }

    /// The catalogue, or why it could not be read.
    pub async fn catalogue(&self) -> Result<Catalogue, String> {
        if let Some(database) = &self.database {
            let args = DatabaseArgs {
                database: database.clone(),
            };
            let store = args.open().await.map_err(|e| match e {
                NotOpened::Missing(message) | NotOpened::Failed(message) => message,
            })?;
            let extensions = store.directory().extension_attributes().await;
            store.close().await;
            let extensions = extensions.map_err(|e| format!("cannot read the extension attributes: {e}"))?;
            return Ok(Catalogue::with_extensions(extensions.into_iter().map(|spec| spec.name)));
        }
        if let Some(server) = &self.server {
            return from_server(server, self.token.as_deref().unwrap_or_default()).await;
        }
        Ok(Catalogue::builtin())
    }
}

/// The catalogue of a running server.
async fn from_server(server: &str, token: &str) -> Result<Catalogue, String> {
    if !(server.starts_with("http://") || server.starts_with("https://")) {
        return Err(format!("--server should be an http:// or https:// URL, not {server:?}"));
    }
    if token.trim().is_empty() {
        return Err("--server needs an admin API token: give --token or set PROVISIO_TOKEN".into());
    }
    let url = format!("{}{ATTRIBUTES_PATH}", server.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .user_agent(concat!("provisio/", env!("CARGO_PKG_VERSION")))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot start an HTTP client: {e}"))?;
    let response = client
        .get(&url)
        .header(AUTHORIZATION, format!("Bearer {}", token.trim()))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("cannot reach the server at {server}: {}", reqwest_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        let detail = response
            .json::<ApiError>()
            .await
            .map(|e| e.message)
            .unwrap_or_else(|_| status.to_string());
        return Err(format!(
            "the server at {server} refused GET {ATTRIBUTES_PATH} ({status}): {detail}"
        ));
    }
    let catalogue: AttributeCatalogue = response
        .json()
        .await
        .map_err(|e| format!("the server at {server} answered GET {ATTRIBUTES_PATH} with something else than the attribute catalogue: {e}"))?;
    Ok(Catalogue::with_extensions(
        catalogue.user.into_iter().filter(|a| !a.builtin).map(|a| a.name),
    ))
}

/// An error with its causes (`error sending request: … : connection refused`).
fn reqwest_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
