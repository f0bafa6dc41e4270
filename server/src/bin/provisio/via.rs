//! Where the lifecycle commands (`job apply|start|stop|restart|status`, `logs`,
//! `directory user …`) do their work: through a running server's admin API
//! (`--server URL --token TOKEN`, or `PROVISIO_SERVER` and
//! `PROVISIO_TOKEN`), else on the database directly (`--database`, or
//! `PROVISIO_DATABASE`, which must exist: only `provisio serve` creates
//! one). Each says on stderr which server or database it uses; giving both
//! is refused rather than one of them silently ignored.

use std::future::Future;
use std::process::ExitCode;

use clap::Args;
use provisio_server::ServerConfig;
use provisio_server::store::Store;

use crate::admin::Stop;
use crate::database::{DatabaseArgs, NotOpened};
use crate::inputs::fail;
use crate::remote::{Remote, Token};

#[derive(Debug, Clone, Args)]
pub struct Via {
    /// Work through the running server at this URL (its admin API, with --token) instead of on the
    /// database directly.
    #[arg(long, env = "PROVISIO_SERVER", value_name = "URL")]
    server: Option<String>,
    /// An admin API token for --server (provisio token create --scope admin).
    #[arg(long, env = "PROVISIO_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    token: Option<Token>,
    /// Without --server: the database to work on, sqlite://PATH (only `provisio serve` creates it) or
    /// postgres://USER:PASSWORD@HOST/DB [default: sqlite://data/provisio.db].
    #[arg(long, env = "PROVISIO_DATABASE", hide_env_values = true, value_name = "URL")]
    database: Option<String>,
}

/// The server or the database a command works on.
#[derive(Clone)]
pub enum Backend {
    Server(Remote),
    Database(Store),
}

/// Which way, before anything is opened or called.
#[derive(Debug)]
enum Way {
    Server { url: String, token: Option<Token> },
    Database(String),
}

impl Via {
    fn way(&self) -> Result<Way, Stop> {
        match (&self.server, &self.database) {
            (Some(server), Some(database)) => Err(Stop::Input(format!(
                "error: both a server ({server}) and a database ({}) are given: give --server (or \
                 PROVISIO_SERVER) to work through a running server, or --database (or PROVISIO_DATABASE) to \
                 work on the database directly, not both",
                provisio_server::store::describe(database)
            ))),
            (Some(server), None) => {
                if !(server.starts_with("http://") || server.starts_with("https://")) {
                    return Err(Stop::Input(format!(
                        "error: --server should be an http:// or https:// URL, not {server:?}"
                    )));
                }
                Ok(Way::Server {
                    url: server.clone(),
                    token: self.token.clone().filter(|t| !t.is_empty()),
                })
            }
            (None, _) => Ok(Way::Database(self.database_url())),
        }
    }

    /// The database the database way works on (given, or the default).
    pub fn database_url(&self) -> String {
        self.database
            .clone()
            .unwrap_or_else(|| ServerConfig::DEFAULT_DATABASE_URL.to_owned())
    }

    /// Opens the database or readies the server's API, saying which on stderr.
    pub async fn connect(&self) -> Result<Backend, Stop> {
        match self.way()? {
            Way::Server { url, token } => {
                let Some(token) = token else {
                    return Err(Stop::Input(format!(
                        "error: --server {url} needs an admin API token: give --token or set PROVISIO_TOKEN \
                         (provisio token create --scope admin)"
                    )));
                };
                eprintln!("provisio: using the server {url}");
                Ok(Backend::Server(Remote::new(&url, token)?))
            }
            Way::Database(database) => {
                let store = DatabaseArgs { database }.open().await.map_err(|e| match e {
                    NotOpened::Missing(message) => Stop::Input(format!(
                        "error: {message}; or work through the running server with --server URL --token TOKEN"
                    )),
                    NotOpened::Failed(message) => Stop::Failed(format!("error: {message}")),
                })?;
                Ok(Backend::Database(store))
            }
        }
    }
}

/// Runs `work` on the server or database `via` names and prints what it
/// returns on stdout: exit 0, or 2 for bad input and 1 for a failure, with
/// the message on stderr.
pub fn run<F, Fut>(via: &Via, work: F) -> ExitCode
where
    F: FnOnce(Backend) -> Fut,
    Fut: Future<Output = Result<String, Stop>>,
{
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Stop::Failed(format!("error: cannot start the async runtime: {e}")))
        .and_then(|runtime| {
            runtime.block_on(async {
                let backend = via.connect().await?;
                // On the database, the command line is the actor the audit
                // trail names; through a server, the server names the token.
                let slot = provisio_server::audit::Slot::default();
                slot.fill(provisio_server::audit::Actor::cli());
                let outcome = provisio_server::audit::scope(slot, work(backend.clone())).await;
                if let Backend::Database(store) = backend {
                    store.close().await;
                }
                outcome
            })
        });
    finish(outcome)
}

/// Prints an outcome and gives its exit code.
pub fn finish(outcome: Result<String, Stop>) -> ExitCode {
    match outcome {
        Ok(stdout) => {
            print!("{stdout}");
            ExitCode::SUCCESS
        }
        Err(Stop::Input(message)) => fail(&message),
        Err(Stop::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        via: Via,
    }

    fn way(args: &[&str]) -> Result<Way, String> {
        let cli = Cli::try_parse_from(std::iter::once("x").chain(args.iter().copied())).map_err(|e| e.to_string())?;
        cli.via.way().map_err(|stop| match stop {
            Stop::Input(message) | Stop::Failed(message) => message,
        })
    }

    #[test]
    fn the_server_when_given_else_the_database() {
        let database = |args: &[&str]| match way(args).unwrap() {
            Way::Database(url) => url,
            Way::Server { url, .. } => panic!("the database way, not {url}"),
        };
        assert_eq!(database(&[]), ServerConfig::DEFAULT_DATABASE_URL);
        assert_eq!(database(&["--database", "sqlite:///srv/p.db"]), "sqlite:///srv/p.db");
        let Way::Server { url, token } = way(&["--server", "http://h:8080", "--token", "pvs_x"]).unwrap() else {
            panic!("the server way")
        };
        assert_eq!((url.as_str(), token.unwrap().expose()), ("http://h:8080", "pvs_x"));
        let both = way(&["--server", "http://h", "--database", "sqlite://x.db"]).unwrap_err();
        assert!(both.contains("not both"), "{both}");
        let bad = way(&["--server", "h:8080"]).unwrap_err();
        assert!(bad.contains("http://"), "{bad}");
    }
}
