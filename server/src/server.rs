//! Starting and stopping the server: open the store, bind the listener,
//! serve in a background task until asked to shut down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::http::{self, AppState};
use crate::store::Store;
use crate::{ServerConfig, ServerError};

/// How long shutdown waits for requests in flight before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A server about to start: its configuration and start-up options.
#[derive(Debug, Clone)]
pub struct Server {
    config: ServerConfig,
    demo: bool,
}

impl Server {
    /// Starts a server with the configuration and no demo data.
    pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
        Server::new(config).launch().await
    }

    pub fn new(config: ServerConfig) -> Self {
        Server { config, demo: false }
    }

    /// Seed the demo organisation on start (`provisio serve --demo`).
    pub fn with_demo_data(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }

    /// Opens and migrates the database, binds the address and starts serving
    /// in the background. Returns once the server accepts connections.
    pub async fn launch(self) -> Result<RunningServer, ServerError> {
        let Server { config, demo } = self;
        let store = Store::open(&config.database_url).await?;
        if demo {
            store.seed_demo().await?;
        }
        let bind_error = |source| ServerError::Bind {
            addr: config.listen,
            source,
        };
        let listener = TcpListener::bind(config.listen).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let state = AppState::new(store.clone(), &config.portal_dir);
        if !state.portal.is_built() {
            tracing::warn!(
                portal = %config.portal_dir.display(),
                "the portal is not built: `/` answers 503 until it is (run `cargo xtask run`)"
            );
        }
        let app = http::router(state);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    // A dropped sender also stops the server.
                    let _ = stopped.await;
                })
                .await
        });
        tracing::info!(url = %format!("http://{addr}"), "listening");
        Ok(RunningServer {
            addr,
            store,
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
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
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

    /// Stops accepting connections, lets requests in flight finish (for up
    /// to ten seconds) and closes the database.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
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
        self.store.close().await;
        tracing::info!("stopped");
    }
}
