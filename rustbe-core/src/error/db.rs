//! Database errors as API errors: constraint violations as 409s, a missing row as 404, an
//! unreachable database or exhausted pool as 503, anything else as a 500 keeping its cause.

use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

use super::{Error, ErrorCode};

/// How long a client is told to wait after the database was unavailable.
const DB_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Maps database errors honestly:
///
/// | database error | API error |
/// |---|---|
/// | unique violation (PostgreSQL `23505`, SQLite `2067`/`1555`) | 409 `DUPLICATE_ENTRY` |
/// | foreign key violation | 409 `CONFLICT` |
/// | record not found | 404 `NOT_FOUND` |
/// | pool timed out or closed, connection refused or lost, server shutting down, SQLite busy | 503 `SERVICE_UNAVAILABLE` with `Retry-After` |
/// | anything else | 500 `INTERNAL_ERROR`, the cause logged, never sent |
///
/// ```
/// use sea_orm::{ConnAcquireErr, DbErr};
/// use rustbe_core::{Error, ErrorCode};
///
/// let err = Error::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
/// assert_eq!(err.code(), ErrorCode::ServiceUnavailable);
/// assert!(err.headers().contains_key("retry-after"));
///
/// let err = Error::from(DbErr::RecordNotFound("product".into()));
/// assert!(err.is_not_found());
/// ```
impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                return Error::new(ErrorCode::DuplicateEntry).with_source(err);
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                return Error::conflict("A referenced resource does not exist or is still in use")
                    .with_source(err);
            }
            _ if is_sqlite_foreign_key(&err) => {
                return Error::conflict("A referenced resource does not exist or is still in use")
                    .with_source(err);
            }
            _ => {}
        }
        match &err {
            DbErr::RecordNotFound(_) | DbErr::RecordNotUpdated => Error::not_found(),
            DbErr::ConnectionAcquire(
                ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed,
            ) => unavailable(err),
            DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime)
                if is_unavailable(runtime) =>
            {
                unavailable(err)
            }
            _ => Error::internal(err),
        }
    }
}

/// SQLite reports a `RESTRICT`ed delete of a referenced row as code 1811
/// (`SQLITE_CONSTRAINT_TRIGGER`) with "FOREIGN KEY constraint failed", which SeaORM does not
/// classify (it knows only 787).
fn is_sqlite_foreign_key(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    match e.as_ref() {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some("787" | "1811"))
                && db.message().contains("FOREIGN KEY constraint failed")
        }
        _ => false,
    }
}

fn unavailable(err: DbErr) -> Error {
    Error::service_unavailable(DB_RETRY_AFTER)
        .with_message("Database temporarily unavailable")
        .with_source(err)
}

fn is_unavailable(err: &RuntimeErr) -> bool {
    let RuntimeErr::SqlxError(err) = err else {
        return false;
    };
    match err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // PostgreSQL class 08 (connection exception), 53 (insufficient resources),
            // 57P01..57P03 (shutting down, cannot connect now); SQLite 5/6 (busy, locked).
            code.starts_with("08")
                || code.starts_with("53")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03" | "5" | "6")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn sqlx_err(e: sqlx::Error) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(e))
    }

    #[test]
    fn connection_failures_are_unavailable() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for err in [
            DbErr::Conn(sqlx_err(sqlx::Error::Io(refused))),
            DbErr::Query(sqlx_err(sqlx::Error::PoolTimedOut)),
            DbErr::Exec(sqlx_err(sqlx::Error::PoolClosed)),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        ] {
            let mapped = Error::from(err);
            assert_eq!(mapped.code(), ErrorCode::ServiceUnavailable, "{mapped:?}");
            assert_eq!(mapped.headers()["retry-after"], "2");
        }
    }

    #[test]
    fn other_errors_are_internal_and_keep_their_cause() {
        let mapped = Error::from(DbErr::Custom("boom".into()));
        assert_eq!(mapped.code(), ErrorCode::InternalError);
        assert_eq!(mapped.message(), "Internal server error");
        assert!(std::error::Error::source(&mapped).is_some());
        let mapped = Error::from(DbErr::Query(sqlx_err(sqlx::Error::RowNotFound)));
        assert_eq!(mapped.code(), ErrorCode::InternalError);
    }

    #[test]
    fn not_found_and_not_updated_are_404() {
        assert!(Error::from(DbErr::RecordNotFound("x".into())).is_not_found());
        assert!(Error::from(DbErr::RecordNotUpdated).is_not_found());
    }
}
