//! Database errors as [`ConnectorError`]s: a unique violation is a
//! conflict, a constraint or type error the target refusing the row (with
//! the database's message), a refused password a credential failure, and a
//! lost or unreachable server a transient failure to retry.

use sqlx::error::ErrorKind;

use crate::ConnectorError;

pub(super) fn from_sqlx(error: sqlx::Error) -> ConnectorError {
    match error {
        sqlx::Error::Database(db) => {
            let detail = db.message().to_owned();
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            match db.kind() {
                ErrorKind::UniqueViolation => ConnectorError::Conflict {
                    scim_type: None,
                    detail,
                },
                ErrorKind::NotNullViolation | ErrorKind::CheckViolation | ErrorKind::ForeignKeyViolation => {
                    rejected(detail)
                }
                _ => from_code(&code, detail),
            }
        }
        sqlx::Error::Configuration(e) => ConnectorError::Invalid {
            detail: format!("the database URL is not usable: {e}"),
        },
        sqlx::Error::ColumnDecode { index, source } => ConnectorError::Invalid {
            detail: format!("cannot read the column {index}: {source}"),
        },
        other => ConnectorError::Transient {
            detail: other.to_string(),
        },
    }
}

/// By SQLSTATE (PostgreSQL) or result code (SQLite).
fn from_code(code: &str, detail: String) -> ConnectorError {
    match code {
        // invalid_authorization_specification, invalid_password
        "28000" | "28P01" => ConnectorError::InvalidCredentials { status: 401 },
        // invalid_catalog_name (no such database); SQLITE_CANTOPEN
        "3D000" | "14" => ConnectorError::Invalid {
            detail: format!("cannot open the database: {detail}"),
        },
        // SQLITE_BUSY, SQLITE_LOCKED
        "5" | "6" => ConnectorError::Transient { detail },
        // connection exceptions, serialization failures and deadlocks,
        // insufficient resources, operator intervention, system errors
        c if ["08", "40", "53", "57", "58"].iter().any(|class| c.starts_with(class)) => {
            ConnectorError::Transient { detail }
        }
        _ => rejected(detail),
    }
}

fn rejected(detail: String) -> ConnectorError {
    ConnectorError::Rejected {
        status: 400,
        scim_type: None,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_say_what_the_cycle_does() {
        assert_eq!(
            from_code("28P01", "password authentication failed".into()),
            ConnectorError::InvalidCredentials { status: 401 }
        );
        assert!(from_code("08006", "gone".into()).is_retryable());
        assert!(from_code("5", "database is locked".into()).is_retryable());
        assert!(matches!(
            from_code("22P02", "invalid input syntax for type boolean".into()),
            ConnectorError::Rejected { status: 400, .. }
        ));
        assert!(matches!(
            from_code("3D000", "no db".into()),
            ConnectorError::Invalid { .. }
        ));
    }
}
