//! Database errors as an operator reads them: the database's own message
//! without PostgreSQL's "at line N" (a line of PostgreSQL's C source, no
//! use to anyone running Provisio), operating-system errors without their
//! "(os error N)", and each text once (sqlx's errors repeat their cause in
//! their own message).

use sqlx::migrate::MigrateError;
use sqlx::postgres::PgDatabaseError;

/// A sqlx error in words: what the database said (with PostgreSQL's
/// detail and hint when it gives them), or what failed on the way to it.
pub(crate) fn database_text(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(database) => {
            let mut text = database.message().to_owned();
            if let Some(postgres) = database.try_downcast_ref::<PgDatabaseError>() {
                for more in [postgres.detail(), postgres.hint()].into_iter().flatten() {
                    text.push_str(". ");
                    text.push_str(more.trim_end_matches('.'));
                }
            }
            text
        }
        sqlx::Error::Io(error) => io_text(error),
        sqlx::Error::Tls(error) => format!("TLS failed: {error}"),
        sqlx::Error::Configuration(error) => format!("the URL is not valid: {error}"),
        sqlx::Error::Migrate(error) => migrate_text(error),
        other => other.to_string(),
    }
}

/// A migration error in words; the failed statement's error through
/// [`database_text`].
pub(crate) fn migrate_text(error: &MigrateError) -> String {
    match error {
        MigrateError::Execute(error) => database_text(error),
        MigrateError::ExecuteMigration(error, version) => {
            format!("migration {version}: {}", database_text(error))
        }
        other => other.to_string(),
    }
}

/// An I/O error without the "(os error N)" the standard library appends.
pub(crate) fn io_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_error_numbers_are_left_out() {
        assert_eq!(io_text(&std::io::Error::from_raw_os_error(111)), "Connection refused");
        assert_eq!(io_text(&std::io::Error::other("plain words")), "plain words");
    }

    #[test]
    fn sqlx_errors_say_their_cause_once() {
        let io = sqlx::Error::Io(std::io::Error::from_raw_os_error(111));
        assert_eq!(database_text(&io), "Connection refused");
        let migrate = MigrateError::Execute(sqlx::Error::Io(std::io::Error::from_raw_os_error(13)));
        assert_eq!(migrate_text(&migrate), "Permission denied");
        assert_eq!(
            database_text(&sqlx::Error::PoolTimedOut),
            "pool timed out while waiting for an open connection"
        );
    }
}
