//! SQLite specifics: creating the database file and its folder on first
//! start, in write-ahead-log mode; the settings of every connection; the
//! writer's own pool.

use std::str::FromStr;

use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor as _};

use crate::ServerError;

/// How long a statement waits for another connection's write lock before
/// it fails with "database is locked": writers on the writer pool queue
/// without it; this covers the rarer writes on the general pool.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Each connection's page cache, in KiB (SQLite's default is 2 MiB): a
/// directory of a hundred thousand users and its change log no longer fit
/// in the default, and every miss is a read of the file.
const CACHE_KIB: u32 = 16 * 1024;

/// What all of SQLite's memory in this process (every connection's page
/// cache, statements, sorts) is kept under: caches give pages back as it
/// nears this, so a pool of eleven connections over a directory of a
/// million users holds what it holds over a hundred thousand, not eleven
/// full caches. SQLite's limit is per process, the same for every
/// connection that sets it.
const HEAP_LIMIT_BYTES: u64 = 32 * 1024 * 1024;

/// Settings for every new SQLite connection (PostgreSQL's are left alone):
/// in WAL mode `synchronous=NORMAL` commits without an fsync (the WAL is
/// synced at checkpoints; the file is never corrupted, a power cut may lose
/// the latest commits), so a commit costs microseconds, not a disk flush.
/// Writes that make a promise use [`super::Store::durably`].
pub(super) async fn tune(connection: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if connection.backend_name() != "SQLite" {
        return Ok(());
    }
    connection
        .execute(sqlx::AssertSqlSafe(format!(
            "PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = {}; PRAGMA cache_size = -{}; \
             PRAGMA soft_heap_limit = {}",
            BUSY_TIMEOUT.as_millis(),
            CACHE_KIB,
            HEAP_LIMIT_BYTES
        )))
        .await?;
    Ok(())
}

/// The writer's pool for a SQLite file: one connection, kept open, so that
/// the hot write paths take turns in order rather than racing for the
/// file's lock and sleeping in SQLite's busy handler. Connections are not
/// pinged before each use: a SQLite connection is a file in this process,
/// which no network drops, and the ping is a round trip to the
/// connection's thread that every statement would wait for.
pub(super) async fn writer_pool(url: &str) -> Result<AnyPool, ServerError> {
    Ok(AnyPoolOptions::new()
        .test_before_acquire(false)
        .max_connections(1)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .after_connect(|connection, _| Box::pin(tune(connection)))
        .connect(url)
        .await?)
}

/// Whether the URL names a private in-memory database rather than a file.
pub(super) fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// The file a SQLite URL names (`None` for in-memory databases and other
/// backends): the database SQLite targets must never be.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    if !url.starts_with("sqlite:") || is_in_memory(url) {
        return None;
    }
    SqliteConnectOptions::from_str(url)
        .ok()
        .map(|options| options.get_filename().to_path_buf())
}

/// Creates the file's folder and the file itself when missing, and switches
/// it to WAL mode, which SQLite remembers in the file for every later
/// connection (readers then never block the writer).
pub(super) async fn prepare_file(url: &str) -> Result<(), ServerError> {
    let options = SqliteConnectOptions::from_str(url)?;
    // WAL mode is kept in the file: an existing database already has it,
    // and switching again would contend with a server using the file. A
    // file that is no database is said so now: the pool would retry the
    // connection settings' failure until its time-out.
    if options.get_filename().is_file() {
        let mut connection = options.connect().await?;
        connection.execute("PRAGMA schema_version").await?;
        sqlx::Connection::close(connection).await?;
        return Ok(());
    }
    if let Some(folder) = options.get_filename().parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|error| {
            let path = std::path::absolute(folder).unwrap_or_else(|_| folder.to_path_buf());
            ServerError::DataDir {
                reason: super::connect::folder_problem(&path, &error),
                path,
            }
        })?;
    }
    let connection = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .connect()
        .await?;
    sqlx::Connection::close(connection).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_in_memory_urls() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://?mode=memory"));
        assert!(!is_in_memory("sqlite://data/provisio.db"));
        assert_eq!(
            sqlite_file("sqlite://data/provisio.db?mode=rwc"),
            Some(std::path::PathBuf::from("data/provisio.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://h/db"), None);
    }

    #[tokio::test]
    async fn creates_the_folder_and_a_wal_mode_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/p.db");
        prepare_file(&format!("sqlite://{}", file.display())).await.unwrap();
        assert!(file.is_file());
        let mut conn = SqliteConnectOptions::new().filename(&file).connect().await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[tokio::test]
    async fn every_connection_commits_without_a_flush_and_waits_for_locks() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = crate::store::Store::open(&url).await.unwrap();
        for pool in [store.pool(), store.writer()] {
            let mut connection = pool.acquire().await.unwrap();
            let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
            assert_eq!(synchronous, 1, "NORMAL");
            let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
            assert_eq!(busy, 30_000);
            let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
            assert_eq!(cache, -16_384, "16 MiB, in KiB");
            let limit: i64 = sqlx::query_scalar("PRAGMA soft_heap_limit")
                .fetch_one(&mut *connection)
                .await
                .unwrap();
            assert_eq!(limit, 32 * 1024 * 1024, "all connections' memory together");
        }
        assert_eq!(store.writer().options().get_max_connections(), 1);
    }

    #[tokio::test]
    async fn a_durable_write_is_flushed_and_the_connection_set_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("p.db").display());
        let store = crate::store::Store::open(&url).await.unwrap();
        let during: i64 = store
            .durably(async |connection| {
                Ok(sqlx::query_scalar("PRAGMA synchronous")
                    .fetch_one(&mut *connection)
                    .await?)
            })
            .await
            .unwrap();
        assert_eq!(during, 2, "FULL while the promise is written");
        let after: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(store.writer())
            .await
            .unwrap();
        assert_eq!(after, 1, "NORMAL again");
    }
}
