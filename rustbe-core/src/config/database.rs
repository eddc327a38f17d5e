//! The database section: [`DatabaseConfig`] (`DATABASE_*`), with SQLite's journal and
//! `synchronous` settings.

use std::time::Duration;

use super::vars::parse_choice;
use super::{Secret, Section, Vars};

/// The database settings.
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::Config;
/// let config = Config::from_lookup("shop", |k| (k == "DATABASE_MAX_CONNECTIONS").then(|| "25".into())).unwrap();
/// assert_eq!(config.database.max_connections, 25);
/// assert_eq!(config.database.acquire_timeout, Duration::from_secs(5));
/// assert_eq!(config.database.url.expose(), "sqlite://shop.db?mode=rwc");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…` (a secret: it may hold a password).
    pub url: Secret,
    /// Pool size (`DATABASE_MAX_CONNECTIONS`).
    pub max_connections: u32,
    /// How long a request waits for a pooled connection before a 503
    /// (`DATABASE_ACQUIRE_TIMEOUT`).
    pub acquire_timeout: Duration,
    /// SQLite's journal mode of a file database (`DATABASE_SQLITE_JOURNAL`, default `wal`).
    /// An in-memory database keeps its own (`memory`): it cannot use a write-ahead log.
    pub sqlite_journal: SqliteJournal,
    /// SQLite's `synchronous` setting (`DATABASE_SQLITE_SYNCHRONOUS`, default `normal`).
    pub sqlite_synchronous: SqliteSynchronous,
}

/// SQLite's journal mode (`PRAGMA journal_mode`), read from `DATABASE_SQLITE_JOURNAL`.
///
/// ```
/// use rustbe_core::config::SqliteJournal;
/// assert_eq!("WAL".parse::<SqliteJournal>(), Ok(SqliteJournal::Wal));
/// assert_eq!("delete".parse::<SqliteJournal>(), Ok(SqliteJournal::Delete));
/// assert!("fast".parse::<SqliteJournal>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SqliteJournal {
    /// A write-ahead log: readers do not block the writer (the default).
    #[default]
    Wal,
    /// A rollback journal deleted after each transaction (SQLite's own default).
    Delete,
    /// A rollback journal truncated after each transaction.
    Truncate,
    /// A rollback journal whose header is zeroed after each transaction.
    Persist,
}

impl std::str::FromStr for SqliteJournal {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(
            s,
            &[
                ("wal", Self::Wal),
                ("delete", Self::Delete),
                ("truncate", Self::Truncate),
                ("persist", Self::Persist),
            ],
        )
    }
}

/// SQLite's `PRAGMA synchronous`, read from `DATABASE_SQLITE_SYNCHRONOUS`.
///
/// `Normal` (the default) in WAL mode syncs the log at checkpoints only: a power loss or an
/// OS crash can lose the last committed transactions, never corrupt the database; an
/// application crash loses nothing. `Full` syncs at every commit.
///
/// ```
/// use rustbe_core::config::SqliteSynchronous;
/// assert_eq!("normal".parse::<SqliteSynchronous>(), Ok(SqliteSynchronous::Normal));
/// assert_eq!("FULL".parse::<SqliteSynchronous>(), Ok(SqliteSynchronous::Full));
/// assert!("2".parse::<SqliteSynchronous>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SqliteSynchronous {
    /// No syncs at all: an OS crash or power loss can corrupt the database.
    Off,
    /// Sync at the critical moments only (the default).
    #[default]
    Normal,
    /// Sync at every commit.
    Full,
    /// As `Full`, and the directory after a rollback journal is deleted.
    Extra,
}

impl std::str::FromStr for SqliteSynchronous {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice(
            s,
            &[
                ("off", Self::Off),
                ("normal", Self::Normal),
                ("full", Self::Full),
                ("extra", Self::Extra),
            ],
        )
    }
}

impl DatabaseConfig {
    /// Settings for `url` with the default pool (10 connections, 5 s acquire timeout) and
    /// SQLite in WAL mode with `synchronous=NORMAL`.
    ///
    /// ```
    /// use rustbe_core::config::{SqliteJournal, SqliteSynchronous};
    /// let db = rustbe_core::config::DatabaseConfig::new("sqlite::memory:");
    /// assert_eq!(db.max_connections, 10);
    /// assert_eq!(db.sqlite_journal, SqliteJournal::Wal);
    /// assert_eq!(db.sqlite_synchronous, SqliteSynchronous::Normal);
    /// ```
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: Secret::new(url),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            sqlite_journal: SqliteJournal::default(),
            sqlite_synchronous: SqliteSynchronous::default(),
        }
    }
}

impl Section for DatabaseConfig {
    /// `DATABASE_URL` (required in production; by default the SQLite file `{app}.db`),
    /// `DATABASE_MAX_CONNECTIONS`, `DATABASE_ACQUIRE_TIMEOUT`, `DATABASE_SQLITE_JOURNAL`,
    /// `DATABASE_SQLITE_SYNCHRONOUS`.
    fn read(vars: &mut Vars<'_>) -> Self {
        let url = vars
            .required("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}.db?mode=rwc", vars.app_name()));
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            vars.invalid("DATABASE_URL", "must start with sqlite: or postgres://");
        }
        Self {
            url: Secret::new(url),
            max_connections: vars.number("DATABASE_MAX_CONNECTIONS", 10, 1, 10_000),
            acquire_timeout: vars.positive("DATABASE_ACQUIRE_TIMEOUT", Duration::from_secs(5)),
            sqlite_journal: vars.parse_with(
                "DATABASE_SQLITE_JOURNAL",
                SqliteJournal::Wal,
                str::parse,
            ),
            sqlite_synchronous: vars.parse_with(
                "DATABASE_SQLITE_SYNCHRONOUS",
                SqliteSynchronous::Normal,
                str::parse,
            ),
        }
    }
}
