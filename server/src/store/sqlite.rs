//! SQLite specifics: creating the database file and its folder on first
//! start, in write-ahead-log mode.

use std::str::FromStr;

use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};

use crate::ServerError;

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
    // and switching again would contend with a server using the file.
    if options.get_filename().is_file() {
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
}
