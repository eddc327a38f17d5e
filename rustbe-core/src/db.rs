//! Connecting the database: one pool, sized and bounded by configuration.

use std::time::Duration;

use axum::extract::FromRequestParts;
use http::request::Parts;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};

use crate::Error;
use crate::config::DatabaseConfig;

/// Opens the pool described by `config`.
///
/// - the pool holds at most `max_connections`; a request that waits longer than
///   `acquire_timeout` for one gets a 503 (see [`Error`]'s `From<DbErr>`);
/// - connections are not pinged before every use, only when they sat idle for a minute;
/// - statements are not logged at `info` (turn on `sqlx=debug` to see them);
/// - SQLite runs with foreign keys on, WAL journaling and a busy timeout, so concurrent
///   readers and a writer do not fail at once.
///
/// ```no_run
/// # async fn run() -> Result<(), rustbe_core::Error> {
/// use rustbe_core::config::DatabaseConfig;
/// let db = rustbe_core::db::connect(&DatabaseConfig::new("sqlite::memory:")).await?;
/// # Ok(()) }
/// ```
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, Error> {
    let url = config.url.expose();
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(config.max_connections)
        .min_connections(0)
        .acquire_timeout(config.acquire_timeout)
        .connect_timeout(config.acquire_timeout)
        .idle_timeout(Duration::from_secs(600))
        .test_before_acquire_if_idle_for(Duration::from_secs(60))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.foreign_keys(true)
                .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
        });
    if url.starts_with("sqlite::memory:") || url.contains("mode=memory") {
        // Every connection to `:memory:` is a database of its own: keep one, forever.
        options
            .max_connections(1)
            .idle_timeout(None::<Duration>)
            .max_lifetime(None::<Duration>);
    }
    Database::connect(options).await.map_err(Error::from)
}

/// The name of the backend, for logs and the readiness report.
///
/// ```
/// assert_eq!(rustbe_core::db::backend_name(sea_orm::DbBackend::Postgres), "postgres");
/// ```
#[must_use]
pub fn backend_name(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "other",
    }
}

/// The app's database pool, as an extractor. The app builder puts the pool into every
/// request; a handler behind it takes `Db` instead of threading state by hand.
///
/// ```
/// use rustbe_core::db::Db;
/// use sea_orm::ConnectionTrait;
///
/// async fn backend(Db(db): Db) -> String {
///     format!("{:?}", db.get_database_backend())
/// }
/// ```
#[derive(Debug, Clone)]
pub struct Db(pub DatabaseConnection);

impl<S: Send + Sync> FromRequestParts<S> for Db {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<DatabaseConnection>()
            .cloned()
            .map(Db)
            .ok_or_else(|| {
                Error::internal("no database: the route is not served by an App with a database")
            })
    }
}
