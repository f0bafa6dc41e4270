//! `provisio serve`: runs the server until Ctrl-C or SIGTERM.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use provisio_server::inbound::{InboundRetention, QueueLimit};
use provisio_server::{HttpLimits, Server, ServerConfig, ServerError, TrustedProxies};
use tracing_subscriber::EnvFilter;

use crate::database::DatabaseArgs;
use crate::targets::TargetArgs;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PROVISIO_LISTEN", default_value_t = ServerConfig::DEFAULT_LISTEN)]
    listen: SocketAddr,
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    targets: TargetArgs,
    /// Folder of the built portal (Trunk's dist/), served at `/`.
    #[arg(long, env = "PROVISIO_PORTAL_DIR", default_value = ServerConfig::DEFAULT_PORTAL_DIR)]
    portal: PathBuf,
    /// Where the key that encrypts job secrets is kept when PROVISIO_SECRET_KEY is unset
    /// (default: secret.key beside the SQLite file; data/secret.key with PostgreSQL).
    #[arg(long, env = "PROVISIO_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// Mark session cookies Secure: set this when the portal is reached over HTTPS.
    #[arg(long, env = "PROVISIO_SECURE_COOKIES")]
    secure_cookies: bool,
    /// How many days provisioning log entries are kept.
    #[arg(long, env = "PROVISIO_LOG_RETENTION_DAYS", default_value_t = 30)]
    log_retention_days: u32,
    /// How many days processed inbound requests (and what became of their records) are kept.
    #[arg(long, env = "PROVISIO_INBOUND_RETENTION_DAYS", default_value_t = 30, value_name = "DAYS",
          value_parser = clap::value_parser!(u32).range(1..))]
    inbound_retention_days: u32,
    /// How many requests an inbound job may have waiting to be processed; uploads beyond are
    /// answered 429 with Retry-After.
    #[arg(long, env = "PROVISIO_INBOUND_QUEUE_LIMIT", default_value_t = 100, value_name = "REQUESTS",
          value_parser = clap::value_parser!(u32).range(1..))]
    inbound_queue_limit: u32,
    /// Reverse proxies whose X-Forwarded-For header names the client, as comma-separated
    /// address ranges (10.0.0.0/8,::1): the right-most forwarded address not itself a trusted
    /// proxy is the client. Without it, the connection's address is.
    #[arg(long, env = "PROVISIO_TRUSTED_PROXIES", value_name = "CIDRS", default_value = "")]
    trusted_proxies: TrustedProxies,
    /// Seconds a connection may take to send a request's head, counted from its opening or
    /// from its previous answer: slow and idle connections are closed after it.
    #[arg(long, env = "PROVISIO_HEADER_TIMEOUT_SECS", value_name = "SECONDS",
        default_value_t = HttpLimits::DEFAULT_HEADER_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    header_timeout_secs: u64,
    /// Seconds within which a request, its body included, must be answered (else 408).
    #[arg(long, env = "PROVISIO_REQUEST_TIMEOUT_SECS", value_name = "SECONDS",
        default_value_t = HttpLimits::DEFAULT_REQUEST_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..=86_400))]
    request_timeout_secs: u64,
    /// Connections served at once; further clients wait until one closes.
    #[arg(long, env = "PROVISIO_MAX_CONNECTIONS", value_name = "COUNT",
        default_value_t = HttpLimits::DEFAULT_MAX_CONNECTIONS as u64,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Seed demo data where nothing is set yet: the default domain contoso.com, and a directory of
    /// about 300 people in 8 departments and 5 countries with managers and groups when it is empty.
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
    // One line for the operator: each cause said once.
    runtime
        .block_on(serve(args))
        .map_err(|error| anyhow::anyhow!(once_each(&error)))
}

/// An error and its causes on one line, each said once: a cause whose
/// text the line already holds (many errors repeat their cause in their
/// own message) is left out.
fn once_each(error: &anyhow::Error) -> String {
    let mut line = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !line.contains(&cause) {
            line.push_str(": ");
            line.push_str(&cause);
        }
    }
    line
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = ServerConfig {
        listen: args.listen,
        database_url: args.database.database,
        portal_dir: args.portal,
    };
    let signals = ShutdownSignals::listen()?;
    let running = Server::new(config)
        .with_demo_data(args.demo)
        .with_secret_key_file(args.secret_key_file)
        .with_secure_cookies(args.secure_cookies)
        .with_log_retention(provisio_server::logs::LogRetention::days(args.log_retention_days))
        .with_target_policy(args.targets.policy())
        .with_inbound_retention(InboundRetention::days(args.inbound_retention_days))
        .with_inbound_queue_limit(QueueLimit::requests(args.inbound_queue_limit))
        .with_trusted_proxies(args.trusted_proxies)
        .with_http_limits(HttpLimits {
            header_timeout: Duration::from_secs(args.header_timeout_secs),
            request_timeout: Duration::from_secs(args.request_timeout_secs),
            // The range above keeps it well within usize.
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
        })
        .launch()
        .await
        .map_err(|error| anyhow::anyhow!("cannot start the server: {}", start_failure(&error)))?;
    // Whoever started the server may have stopped reading its output
    // (a closed pipe): that must not stop the server.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Provisio is running at {}/ (Ctrl-C stops it)", running.base_url());
    if let Some(notice) = running.notice() {
        let _ = writeln!(out, "{notice}");
    }
    let _ = out.flush();
    signals.wait().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

/// Why the server did not start, with what the operator can do about it
/// when that is a flag of this command.
fn start_failure(error: &ServerError) -> String {
    match error {
        ServerError::Bind { addr, error: cause } => {
            // The next port on the same interface, as an example that parses.
            let other = SocketAddr::new(addr.ip(), addr.port().checked_add(1).unwrap_or(8081));
            if cause.kind() == std::io::ErrorKind::AddrInUse {
                format!(
                    "{addr} is already in use: another program (perhaps another Provisio) listens there; stop it \
                     or choose another address with --listen or PROVISIO_LISTEN (e.g. --listen {other})"
                )
            } else {
                format!("{error}: choose another address with --listen or PROVISIO_LISTEN (e.g. --listen {other})")
            }
        }
        other => other.to_string(),
    }
}

/// Ctrl-C and SIGTERM (what service managers send), listened for from the
/// moment this is made: made before the "running" line is printed, a
/// signal sent as soon as that line appears still stops the server
/// gracefully instead of killing it.
pub(crate) struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    pub(crate) fn listen() -> anyhow::Result<ShutdownSignals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignals {
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?,
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
            })
        }
        #[cfg(not(unix))]
        Ok(ShutdownSignals {})
    }

    /// Resolves on the first of the signals.
    pub(crate) async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn parse(args: &[&str]) -> Result<ServeArgs, String> {
        let argv = ["serve"].iter().chain(args);
        Cli::try_parse_from(argv)
            .map(|cli| cli.serve)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn an_address_in_use_is_named_with_the_flag_that_changes_it() {
        let in_use = |addr: &str| ServerError::Bind {
            addr: addr.parse().unwrap(),
            error: std::io::ErrorKind::AddrInUse.into(),
        };
        assert_eq!(
            start_failure(&in_use("127.0.0.1:8080")),
            "127.0.0.1:8080 is already in use: another program (perhaps another Provisio) listens there; stop it \
             or choose another address with --listen or PROVISIO_LISTEN (e.g. --listen 127.0.0.1:8081)"
        );
        assert!(start_failure(&in_use("[::1]:8080")).ends_with("(e.g. --listen [::1]:8081)"));
        let denied = ServerError::Bind {
            addr: "0.0.0.0:80".parse().unwrap(),
            error: std::io::ErrorKind::PermissionDenied.into(),
        };
        let text = start_failure(&denied);
        assert!(
            text.starts_with("cannot listen on 0.0.0.0:80: permission denied: choose another"),
            "{text}"
        );
    }

    #[test]
    fn causes_already_said_are_not_repeated() {
        let io = std::io::Error::other("Permission denied");
        let error = anyhow::Error::new(io).context("cannot create data/secret.key: Permission denied");
        assert_eq!(once_each(&error), "cannot create data/secret.key: Permission denied");
        let error = anyhow::Error::new(std::io::Error::other("disk full")).context("cannot write");
        assert_eq!(once_each(&error), "cannot write: disk full");
    }

    #[test]
    fn inbound_retention_and_queue_limit_flags() {
        let args = parse(&[]).unwrap();
        assert_eq!((args.inbound_retention_days, args.inbound_queue_limit), (30, 100));
        let args = parse(&["--inbound-retention-days", "7", "--inbound-queue-limit", "5"]).unwrap();
        assert_eq!((args.inbound_retention_days, args.inbound_queue_limit), (7, 5));
        for flag in ["--inbound-retention-days", "--inbound-queue-limit"] {
            let refused = parse(&[flag, "0"]).unwrap_err();
            assert!(refused.contains(flag), "{refused}");
        }
    }
}
