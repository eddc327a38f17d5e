//! A database of its own per test ([`TestDb`]: in-memory SQLite, or a fresh PostgreSQL
//! database from `TEST_DATABASE_URL`), and how a test learns which services it was given.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::config::DatabaseConfig;

/// Is this running under CI (`CI` set)? There, a test that lacks a service fails instead of
/// skipping.
///
/// ```
/// let ci = std::env::var("CI").unwrap_or_default();
/// assert_eq!(rustbe_core::testing::in_ci(), !matches!(ci.as_str(), "" | "false" | "0"));
/// ```
#[must_use]
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The value of `var`, the address of a service a test needs. When it is missing the test
/// is told to skip (`None`, with a line on stderr saying so), except under CI, where a
/// missing service is a failure: it must never pass silently there.
///
/// # Panics
/// Under CI, when `var` is not set.
///
/// ```
/// use rustbe_core::testing::{in_ci, service_url};
/// if !in_ci() {
///     // Prints "SKIPPED doc_example: RUSTBE_UNSET_SERVICE_URL is not set" to stderr.
///     assert_eq!(service_url("RUSTBE_UNSET_SERVICE_URL", "doc_example"), None);
/// }
/// ```
#[must_use]
pub fn service_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => {
            panic!("{test}: {var} is not set, and CI must test against the real service")
        }
        _ => {
            #[allow(clippy::print_stderr, reason = "the one place a skipped test says so")]
            {
                eprintln!("SKIPPED {test}: {var} is not set");
            }
            None
        }
    }
}

/// A database of its own for one test: an in-memory SQLite database, or a new PostgreSQL
/// database created from `TEST_DATABASE_URL` and dropped by [`TestDb::cleanup`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestDb;
/// let test_db = TestDb::sqlite().await;
/// test_db.execute("CREATE TABLE products (id INTEGER PRIMARY KEY)").await;
/// assert_eq!(test_db.config.url.expose(), "sqlite::memory:");
/// test_db.cleanup().await;
/// # });
/// ```
#[derive(Debug)]
pub struct TestDb {
    /// The pool.
    pub db: DatabaseConnection,
    /// The settings it was opened with.
    pub config: DatabaseConfig,
    admin: Option<(DatabaseConnection, String)>,
}

impl TestDb {
    /// A fresh in-memory SQLite database.
    ///
    /// # Panics
    /// If SQLite cannot open in memory.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let test_db = rustbe_core::testing::TestDb::sqlite().await;
    /// assert!(test_db.db.ping().await.is_ok());
    /// # });
    /// ```
    pub async fn sqlite() -> Self {
        Self::sqlite_with(|_| {}).await
    }

    /// A fresh in-memory SQLite database with `customize` applied to its pool settings.
    ///
    /// # Panics
    /// If SQLite cannot open in memory.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// use rustbe_core::testing::TestDb;
    /// let test_db = TestDb::sqlite_with(|c| c.acquire_timeout = Duration::from_secs(1)).await;
    /// assert_eq!(test_db.config.acquire_timeout, Duration::from_secs(1));
    /// # });
    /// ```
    pub async fn sqlite_with(customize: impl FnOnce(&mut DatabaseConfig)) -> Self {
        let mut config = DatabaseConfig::new("sqlite::memory:");
        customize(&mut config);
        let db = crate::db::connect(&config).await.expect("in-memory SQLite");
        Self {
            db,
            config,
            admin: None,
        }
    }

    /// A fresh PostgreSQL database on the server of `TEST_DATABASE_URL`, with `customize`
    /// applied to its pool settings; `None` (skipped, said on stderr) when the variable is not
    /// set outside CI.
    ///
    /// # Panics
    /// If the server refuses to create the database.
    ///
    /// ```no_run
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::testing::TestDb;
    /// let Some(test_db) = TestDb::postgres("orders_test", |c| c.max_connections = 2).await else {
    ///     return; // TEST_DATABASE_URL is not set: skipped
    /// };
    /// assert!(test_db.config.url.expose().contains("/rustbe_test_"));
    /// test_db.cleanup().await;
    /// # });
    /// ```
    pub async fn postgres(test: &str, customize: impl FnOnce(&mut DatabaseConfig)) -> Option<Self> {
        let url = service_url("TEST_DATABASE_URL", test)?;
        let admin = crate::db::connect(&DatabaseConfig::new(url.clone()))
            .await
            .expect("TEST_DATABASE_URL answers");
        let name = format!("rustbe_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        let base = url.split('?').next().unwrap_or(&url);
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let mut config = DatabaseConfig::new(format!("{server}/{name}"));
        customize(&mut config);
        let db = crate::db::connect(&config)
            .await
            .expect("the new test database");
        Some(Self {
            db,
            config,
            admin: Some((admin, name)),
        })
    }

    /// Runs one statement (schema set-up in tests).
    ///
    /// # Panics
    /// If the statement fails.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use sea_orm::{ConnectionTrait, DbBackend, Statement};
    /// let test_db = rustbe_core::testing::TestDb::sqlite().await;
    /// test_db.execute("CREATE TABLE t (n INTEGER)").await;
    /// test_db.execute("INSERT INTO t VALUES (1), (2)").await;
    /// let count = Statement::from_string(DbBackend::Sqlite, "SELECT COUNT(*) AS c FROM t");
    /// let row = test_db.db.query_one_raw(count).await.unwrap().unwrap();
    /// assert_eq!(row.try_get::<i64>("", "c").unwrap(), 2);
    /// # });
    /// ```
    pub async fn execute(&self, sql: &str) {
        let backend = self.db.get_database_backend();
        self.db
            .execute_raw(Statement::from_string(backend, sql))
            .await
            .expect(sql);
    }

    /// Closes the pool and drops the PostgreSQL database.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let test_db = rustbe_core::testing::TestDb::sqlite().await;
    /// let pool = test_db.db.clone();
    /// test_db.cleanup().await;
    /// assert!(pool.ping().await.is_err());
    /// # });
    /// ```
    pub async fn cleanup(self) {
        let _ = self.db.close_by_ref().await;
        if let Some((admin, name)) = self.admin {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}
