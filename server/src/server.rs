//! Starting and stopping the server: open the store, bind the listener,
//! serve in a background task until asked to shut down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{self, AppState, HttpLimits};
use crate::store::Store;
use crate::{ServerConfig, ServerError};

/// How long shutdown waits for requests in flight before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A server about to start: its configuration and start-up options.
#[derive(Debug, Clone)]
pub struct Server {
    config: ServerConfig,
    demo: bool,
    secret_key_file: Option<std::path::PathBuf>,
    secure_cookies: bool,
    log_retention: crate::logs::LogRetention,
    targets: provisio_connectors::TargetPolicy,
    inbound_retention: crate::inbound::InboundRetention,
    inbound_queue: crate::inbound::QueueLimit,
    limits: HttpLimits,
    trusted_proxies: crate::auth::TrustedProxies,
    scheduler: crate::cycle::scheduler::SchedulerOptions,
}

impl Server {
    /// Starts a server with the configuration and no demo data.
    pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
        Server::new(config).launch().await
    }

    pub fn new(config: ServerConfig) -> Self {
        Server {
            config,
            demo: false,
            secret_key_file: None,
            secure_cookies: false,
            log_retention: crate::logs::LogRetention::DEFAULT,
            targets: provisio_connectors::TargetPolicy::default(),
            inbound_retention: crate::inbound::InboundRetention::DEFAULT,
            inbound_queue: crate::inbound::QueueLimit::DEFAULT,
            limits: HttpLimits::default(),
            trusted_proxies: crate::auth::TrustedProxies::default(),
            scheduler: crate::cycle::scheduler::SchedulerOptions::default(),
        }
    }

    /// What jobs' targets may reach: denied networks, the folder of SQLite
    /// targets (`provisio serve --deny-target-networks`, `--sqlite-target-dir`).
    /// The server's own SQLite database is never a target, whatever is set.
    pub fn with_target_policy(mut self, policy: provisio_connectors::TargetPolicy) -> Self {
        self.targets = policy;
        self
    }

    /// Seed the demo organisation on start (`provisio serve --demo`).
    pub fn with_demo_data(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }

    /// Where the key that encrypts job secrets is kept when
    /// `PROVISIO_SECRET_KEY` is unset (default: `secret.key` beside the
    /// SQLite database, `data/secret.key` with PostgreSQL).
    pub fn with_secret_key_file(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.secret_key_file = path;
        self
    }

    /// Mark session cookies `Secure`: required when the portal is reached
    /// over HTTPS (a TLS-terminating proxy), impossible over plain HTTP.
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// How long provisioning log entries are kept (default 30 days).
    pub fn with_log_retention(mut self, retention: crate::logs::LogRetention) -> Self {
        self.log_retention = retention;
        self
    }

    /// How long processed inbound requests are kept (default 30 days).
    pub fn with_inbound_retention(mut self, retention: crate::inbound::InboundRetention) -> Self {
        self.inbound_retention = retention;
        self
    }

    /// How many requests an inbound job may have waiting to be processed
    /// (default 100); uploads beyond are answered 429.
    pub fn with_inbound_queue_limit(mut self, limit: crate::inbound::QueueLimit) -> Self {
        self.inbound_queue = limit;
        self
    }

    /// How long clients may take and how many may be connected at once.
    pub fn with_http_limits(mut self, limits: HttpLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The reverse proxies whose `X-Forwarded-For` names the client (for
    /// the sign-in rate limit and the logs); none by default.
    pub fn with_trusted_proxies(mut self, proxies: crate::auth::TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// How the scheduler paces itself (how often it looks at the jobs, how
    /// long a realtime job lets a burst of changes settle); the defaults
    /// unless set, as `provisio serve` runs it.
    pub fn with_scheduler_options(mut self, options: crate::cycle::scheduler::SchedulerOptions) -> Self {
        self.scheduler = options;
        self
    }

    /// Opens and migrates the database, binds the address and starts serving
    /// in the background. Returns once the server accepts connections.
    pub async fn launch(self) -> Result<RunningServer, ServerError> {
        let Server {
            config,
            demo,
            secret_key_file,
            secure_cookies,
            log_retention,
            mut targets,
            inbound_retention,
            inbound_queue,
            limits,
            trusted_proxies,
            scheduler,
        } = self;
        targets.own_database = crate::store::sqlite_file(&config.database_url);
        // The database first: one that cannot be used is reported as such,
        // and leaves no key file behind.
        let store = Store::open(&config.database_url).await?;
        let secrets = crate::secrets::SecretBox::from_environment(&config.database_url, secret_key_file.as_deref())?;
        let notice = crate::auth::bootstrap_admin(&store, demo).await?;
        if demo {
            crate::demo::seed(&store).await?;
        }
        let bind_error = |error| ServerError::Bind {
            addr: config.listen,
            error,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let instance = crate::cycle::instances::Instance::register(&store, &addr.to_string()).await?;
        let options = crate::auth::AuthOptions {
            secure_cookies,
            trusted_proxies,
            instances: instance.live_count(),
            ..crate::auth::AuthOptions::default()
        };
        let auth = crate::auth::Auth::new(store.clone(), options);
        // What running work waits for: the server's, not the store's.
        let events = crate::events::Events::new(store.directory().latest_change().await.unwrap_or(0));
        let forwarding = crate::relay::forwarding::Forwarding::new(
            &store,
            secrets.clone(),
            instance.id(),
            instance.live_count(),
            &events,
        );
        let relay = std::sync::Arc::new(crate::relay::Relay::with_forwarding(forwarding.clone()));
        let jobs = crate::jobs::Jobs::new(store.clone(), secrets)
            .with_reach(crate::jobs::Reach {
                policy: targets,
                relay: relay.clone(),
            })
            .with_purges(vec![
                crate::inbound::requests::purge,
                crate::auth::purge_job_tokens,
                crate::cycle::state::purge,
                crate::cycle::ownership::purge,
            ]);
        let alerts = jobs.alerts();
        let scheduler_jobs = jobs.clone();
        let served_jobs = jobs.clone();
        let state = AppState {
            inbound_queue,
            instance: Some(instance.clone()),
            ..AppState::new(store.clone(), &config.portal_dir, auth, jobs, events.clone())
        };
        if !state.portal.is_built() {
            tracing::warn!(
                portal = %config.portal_dir.display(),
                "the portal is not built: `/` answers 503 until it is (run `cargo xtask run`)"
            );
        }
        let app = http::router(state, &limits);
        // Housekeeping, stopped with the server.
        let mut housekeeping = crate::maintenance::spawn(&store, log_retention, inbound_retention);
        housekeeping.extend([
            // Agents silent past the threshold (Settings → Notifications).
            crate::maintenance::watch_agents(&store, alerts),
            // Operations other instances forward to the agents polling this one.
            tokio::spawn(crate::relay::forwarding::serve_forever(relay, forwarding)),
            tokio::spawn(crate::events::follow_directory(
                store.clone(),
                events.clone(),
                crate::events::follow_every(store.backend()),
            )),
            tokio::spawn(crate::events::listen_forever(
                config.database_url.clone(),
                events.clone(),
            )),
            // The provisioning cycles of the running jobs.
            tokio::spawn(crate::cycle::scheduler::run_forever(
                store.clone(),
                scheduler_jobs,
                events,
                instance.clone(),
                scheduler,
            )),
        ]);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            http::serve(listener, app, limits, async {
                // A dropped sender also stops the server.
                let _ = stopped.await;
            })
            .await
        });
        tracing::info!(url = %format!("http://{addr}"), "listening");
        Ok(RunningServer {
            addr,
            store,
            jobs: served_jobs,
            instance,
            notice,
            housekeeping,
            stop,
            task,
        })
    }
}

/// A server serving in the background.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    store: Store,
    jobs: crate::jobs::Jobs,
    instance: crate::cycle::instances::Instance,
    notice: Option<String>,
    housekeeping: Vec<JoinHandle<()>>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// What the operator must know about this start, once: how to sign in
    /// when no administrator exists yet, or the demo administrator's
    /// generated password.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDRESS:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The server's jobs: their key, and how it reaches their targets (its
    /// target policy and its relay to on-premises agents).
    pub fn jobs(&self) -> &crate::jobs::Jobs {
        &self.jobs
    }

    /// This server's registration among the instances sharing its database.
    pub fn instance(&self) -> &crate::cycle::instances::Instance {
        &self.instance
    }

    /// Stops accepting connections, lets requests in flight finish (for up
    /// to ten seconds) and closes the database.
    pub async fn shutdown(self) {
        for task in &self.housekeeping {
            task.abort();
        }
        let _ = self.stop.send(());
        // Agents' long polls would otherwise hold the shutdown for their whole wait.
        self.jobs.reach().relay.close();
        let mut task = self.task;
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => tracing::error!(error = %e, "the HTTP server stopped with an error"),
            Ok(Err(e)) => tracing::error!(error = %e, "the HTTP server task failed"),
            Err(_) => {
                tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; stopping anyway");
                task.abort();
            }
        }
        // Its jobs go to the other instances now, not when its heartbeat expires.
        self.instance.deregister().await;
        self.store.close().await;
        tracing::info!("stopped");
    }
}
