//! `provisio serve`: runs the server until Ctrl-C or SIGTERM.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;
use provisio_server::{Server, ServerConfig};
use tracing_subscriber::EnvFilter;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PROVISIO_LISTEN", default_value_t = ServerConfig::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Database URL: sqlite://PATH (created on first start) or postgres://USER:PASSWORD@HOST/DB.
    #[arg(long, env = "PROVISIO_DATABASE", default_value = ServerConfig::DEFAULT_DATABASE_URL)]
    database: String,
    /// Folder of the built portal (Trunk's dist/), served at `/`.
    #[arg(long, env = "PROVISIO_PORTAL_DIR", default_value = ServerConfig::DEFAULT_PORTAL_DIR)]
    portal: PathBuf,
    /// Seed demo data (default domain contoso.com) where nothing is set yet.
    #[arg(long)]
    demo: bool,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = ServerConfig {
        listen: args.listen,
        database_url: args.database,
        portal_dir: args.portal,
    };
    let running = Server::new(config)
        .with_demo_data(args.demo)
        .launch()
        .await
        .context("cannot start the server")?;
    println!("Provisio is running at {}/ (Ctrl-C stops it)", running.base_url());
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

/// Resolves on Ctrl-C, or on SIGTERM (what service managers send).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
