//! Announcements to the other instances sharing a PostgreSQL database:
//! `pg_notify` inside the announcing transaction, so listeners hear of a
//! write only once it is committed (and never of one rolled back). SQLite
//! serves one process: there the announcement is a no-op, and the server
//! follows its own writes in memory and by polling (the server's `events` module).

use super::Backend;

/// A directory write committed; the payload is its last change's number.
pub const DIRECTORY_CHANNEL: &str = "provisio_directory";
/// An inbound request was stored; the payload is its job's id.
pub const UPLOADS_CHANNEL: &str = "provisio_uploads";
/// An agent operation was forwarded or answered between instances.
pub const RELAY_CHANNEL: &str = "provisio_relay";

/// Announces `payload` on `channel` when the transaction on `connection`
/// commits (PostgreSQL only).
pub(crate) async fn notify_in(
    connection: &mut sqlx::AnyConnection,
    backend: Backend,
    channel: &str,
    payload: &str,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(channel)
            .bind(payload)
            .execute(connection)
            .await?;
    }
    Ok(())
}
