//! The server's database: connecting (SQLite by default, PostgreSQL for
//! several instances sharing one database), the embedded migrations, and
//! one module per kind of data.
//!
//! Queries are portable SQL with `$1`-style placeholders, which both SQLite
//! and PostgreSQL accept, run through sqlx's `Any` driver.

mod backfills;
mod connect;
pub mod notify;
mod settings;
mod sqlite;
mod statements;
mod time;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

use crate::ServerError;

pub(crate) use notify::notify_in;
pub use settings::{DEFAULT_DOMAIN, INSTANCE_ID};
pub use sqlite::sqlite_file;
pub(crate) use statements::{PARAMETERS_PER_STATEMENT, placeholders, rows_per_statement};
pub(crate) use time::database_now_ms;
pub use time::{db_time, parse_db_time};

/// `server/migrations/`, compiled into the binary and applied on every
/// start; applying them again is a no-op.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The database kinds a URL may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names: `sqlite:` or `postgres(ql)://`.
    pub fn of(url: &str) -> Result<Backend, ServerError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(ServerError::DatabaseUrl {
                url: url.to_owned(),
                reason: "expected sqlite://PATH or postgres://USER@HOST/DATABASE".to_owned(),
            })
        }
    }
}

/// How long `/healthz` waits for the database.
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

/// A connection pool to a migrated database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where the hot write paths (cycles, provisioning logs, the directory,
    /// inbound requests) write: on a SQLite file, a pool of one connection,
    /// so writers queue in order instead of busy-sleeping on the file's
    /// lock; elsewhere the pool itself.
    writer: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to a database that exists, for the commands that work on
    /// the server's database: a SQLite file that is not there is
    /// [`ServerError::NoDatabase`] with its absolute path, never created.
    pub async fn open_existing(url: &str) -> Result<Store, ServerError> {
        if Backend::of(url)? == Backend::Sqlite
            && let Some(file) = sqlite::sqlite_file(url)
            && !file.is_file()
        {
            return Err(ServerError::NoDatabase {
                path: std::path::absolute(&file).unwrap_or(file),
            });
        }
        Store::open(url).await
    }

    /// Connects, creating a SQLite file (and its folder) on first start in
    /// WAL mode, applies the migrations and records the instance id. A
    /// database that cannot be used is [`ServerError::Unavailable`], naming
    /// it and saying what to do; a PostgreSQL server that refuses the
    /// connection is reported at once, one that does not answer within
    /// seconds.
    pub async fn open(url: &str) -> Result<Store, ServerError> {
        Store::connect(url).await.map_err(|error| connect::explain(url, error))
    }

    async fn connect(url: &str) -> Result<Store, ServerError> {
        let backend = Backend::of(url)?;
        sqlx::any::install_default_drivers();
        if backend == Backend::Postgres {
            connect::first_connection(url).await?;
        }
        let mut options = AnyPoolOptions::new().after_connect(|connection, _| Box::pin(sqlite::tune(connection)));
        let mut separate_writer = false;
        if backend == Backend::Sqlite {
            // See `sqlite::writer_pool`: a ping per acquire is a wasted turn.
            options = options.test_before_acquire(false);
            if sqlite::is_in_memory(url) {
                // Every new connection to `sqlite::memory:` would open a
                // fresh, empty database: keep exactly one, forever.
                options = options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None);
            } else {
                sqlite::prepare_file(url).await?;
                separate_writer = true;
            }
        }
        let pool = options.connect(url).await?;
        MIGRATOR.run(&pool).await?;
        let writer = if separate_writer {
            sqlite::writer_pool(url).await?
        } else {
            pool.clone()
        };
        let store = Store { pool, writer, backend };
        store.backfill().await?;
        store.ensure_instance_id().await?;
        tracing::info!(backend = ?backend, "database ready");
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool the hot write paths use (see [`Store`]'s `writer`). A
    /// caller holding one of its connections must not ask it for another.
    pub(crate) fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// Runs `work` (which begins and commits its own transaction) on the
    /// writer, with that commit on disk when this returns: for the writes a
    /// promise is made on (an inbound request answered 202). SQLite's other
    /// commits reach the disk at the next checkpoint (`synchronous=NORMAL`,
    /// see `store/sqlite.rs`): a power cut may lose the last ones, never
    /// corrupt the file.
    pub(crate) async fn durably<T>(
        &self,
        work: impl AsyncFnOnce(&mut sqlx::AnyConnection) -> Result<T, ServerError>,
    ) -> Result<T, ServerError> {
        let mut connection = self.writer.acquire().await?;
        let sqlite = self.backend == Backend::Sqlite;
        if sqlite {
            sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut *connection)
                .await?;
        }
        let result = work(&mut connection).await;
        if sqlite {
            sqlx::query("PRAGMA synchronous = NORMAL")
                .execute(&mut *connection)
                .await?;
        }
        result
    }

    /// Whether the database answers (within 2 seconds) and holds
    /// exactly the migrations this release brings; if not, why.
    pub async fn ready(&self) -> Result<(), String> {
        let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
        let applied = tokio::time::timeout(
            READY_WITHIN,
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool),
        )
        .await;
        match applied {
            Err(_) => Err(format!(
                "the database did not answer within {} s",
                READY_WITHIN.as_secs()
            )),
            Ok(Err(e)) => Err(format!("the database cannot be used: {e}")),
            Ok(Ok(version)) if version > latest => Err(format!(
                "the database was migrated by a newer release (migration {version}; this release knows up to {latest}): upgrade this instance"
            )),
            Ok(Ok(version)) if version < latest => Err(format!(
                "the database lacks this release's migrations (it has up to {version}, this release needs {latest}): restart the instance to apply them"
            )),
            Ok(Ok(_)) => Ok(()),
        }
    }

    /// Waits for queries in flight and closes every connection.
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// Which database a URL names, as commands say it: a SQLite file's
/// absolute path, or PostgreSQL's host, port and database (never the
/// password).
pub fn describe(url: &str) -> String {
    if let Some(file) = sqlite::sqlite_file(url) {
        return std::path::absolute(&file).unwrap_or(file).display().to_string();
    }
    if sqlite::is_in_memory(url) {
        return "an in-memory SQLite database".to_owned();
    }
    match connect::PgPlace::of(url) {
        Some(place) if url.starts_with("postgres") => format!(
            "PostgreSQL database `{}` on {}:{}",
            place.database, place.host, place.port
        ),
        _ => url.split('@').next_back().unwrap_or(url).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::of("sqlite://data/p.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::of("postgresql://u@h/db").unwrap(), Backend::Postgres);
        assert!(matches!(
            Backend::of("mysql://h/db"),
            Err(ServerError::DatabaseUrl { .. })
        ));
    }

    #[test]
    fn databases_are_described_without_passwords() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            describe("sqlite://data/p.db"),
            cwd.join("data/p.db").display().to_string()
        );
        assert_eq!(describe("sqlite:///var/lib/p.db?mode=rwc"), "/var/lib/p.db");
        assert_eq!(
            describe("postgres://provisio:s3cret@db.corp:6432/prov"),
            "PostgreSQL database `prov` on db.corp:6432"
        );
        assert!(!describe("postgresql://u:pw@h/d").contains("pw"));
    }

    #[tokio::test]
    async fn an_existing_database_is_opened_and_a_missing_one_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("absent/provisio.db");
        let url = format!("sqlite://{}", file.display());
        let error = Store::open_existing(&url).await.unwrap_err();
        assert!(
            matches!(error, ServerError::NoDatabase { ref path } if *path == file),
            "{error}"
        );
        assert!(!file.exists() && !file.parent().unwrap().exists(), "nothing created");
        Store::open(&url).await.unwrap().close().await;
        Store::open_existing(&url).await.unwrap().close().await;
    }

    #[tokio::test]
    async fn an_in_memory_database_keeps_its_data_across_queries() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        store.set_setting("k", "v").await.unwrap();
        for _ in 0..3 {
            assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v"));
        }
    }
}
