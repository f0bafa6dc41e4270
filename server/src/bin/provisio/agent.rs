//! `provisio agent --server URL --token TOKEN`: runs the on-premises agent
//! (see [`provisio_server::agent`]) until Ctrl-C or SIGTERM, which let it
//! finish the operations in hand. Exits 1 when the server refuses it (a
//! revoked token, another process of the same agent) and 2 on bad arguments.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use provisio_api::auth::Secret;
use provisio_server::agent::{AgentConfig, DEFAULT_CONCURRENCY, run};
use tracing_subscriber::EnvFilter;

use crate::serve::ShutdownSignals;
use crate::targets::TargetArgs;

#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The Provisio server, https:// (http:// only for a server on loopback).
    #[arg(long, env = "PROVISIO_SERVER", value_name = "URL")]
    server: String,
    /// An agent token (provisio token create --scope agent --agent NAME); the agent is the one it names.
    #[arg(long, env = "PROVISIO_AGENT_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    token: String,
    /// A PEM certificate to trust for the server besides the system's (a private CA).
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Operations executed at once.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY as u16,
        value_parser = clap::value_parser!(u16).range(1..=256))]
    concurrency: u16,
    #[command(flatten)]
    targets: TargetArgs,
}

pub fn run_agent(args: AgentArgs) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let mut config = match AgentConfig::new(&args.server, Secret::new(args.token), args.ca_cert.as_deref()) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    config.concurrency = usize::from(args.concurrency);
    config.targets = args.targets.policy();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        let signals = ShutdownSignals::listen().map_err(|e| e.to_string())?;
        run(config, signals.wait()).await
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
