//! Connecting the database: one pool, sized and bounded by configuration.

use std::time::Duration;

use axum::extract::FromRequestParts;
use http::request::Parts;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QuerySelect, QueryTrait, Select,
};

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};

use crate::Error;
use crate::config::{self, DatabaseConfig, SqliteJournal};

/// Opens the pool described by `config`.
///
/// - the pool holds at most `max_connections`; a request that waits longer than
///   `acquire_timeout` for one gets a 503 (see [`Error`]'s `From<DbErr>`);
/// - connections are not pinged before every use, only when they sat idle for a minute;
/// - statements are not logged at `info` (turn on `sqlx=debug` to see them);
/// - SQLite runs with foreign keys on and a busy timeout, so concurrent readers and a
///   writer do not fail at once; a file database journals as `sqlite_journal` says (WAL by
///   default) with `synchronous` as `sqlite_synchronous` says (`NORMAL` by default: in WAL
///   mode a commit is not synced, so a power loss can lose the last transactions but never
///   corrupts the file). An in-memory database cannot use WAL and keeps its `memory`
///   journal.
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
        .sqlx_logging(false);
    let memory = is_sqlite_memory(url);
    let (journal, synchronous) = sqlite_modes(config);
    options.map_sqlx_sqlite_opts(move |opts| {
        let opts = opts
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .synchronous(synchronous);
        if memory {
            opts.journal_mode(SqliteJournalMode::Memory)
        } else {
            opts.journal_mode(journal)
        }
    });
    if memory {
        // Every connection to `:memory:` is a database of its own: keep one, forever.
        options
            .max_connections(1)
            .idle_timeout(None::<Duration>)
            .max_lifetime(None::<Duration>);
    }
    Database::connect(options).await.map_err(Error::from)
}

/// Whether `url` names an in-memory SQLite database (which has no file for a WAL).
fn is_sqlite_memory(url: &str) -> bool {
    url.starts_with("sqlite:")
        && (url.starts_with("sqlite::memory:")
            || url.contains(":memory:")
            || url.contains("mode=memory"))
}

fn sqlite_modes(config: &DatabaseConfig) -> (SqliteJournalMode, SqliteSynchronous) {
    let journal = match config.sqlite_journal {
        SqliteJournal::Delete => SqliteJournalMode::Delete,
        SqliteJournal::Truncate => SqliteJournalMode::Truncate,
        SqliteJournal::Persist => SqliteJournalMode::Persist,
        _ => SqliteJournalMode::Wal,
    };
    let synchronous = match config.sqlite_synchronous {
        config::SqliteSynchronous::Off => SqliteSynchronous::Off,
        config::SqliteSynchronous::Full => SqliteSynchronous::Full,
        config::SqliteSynchronous::Extra => SqliteSynchronous::Extra,
        _ => SqliteSynchronous::Normal,
    };
    (journal, synchronous)
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

/// At most `limit` rows of `select` after skipping `offset`, as `select.limit(limit)
/// .offset(offset).all(db)` answers, in a statement SQLite can keep prepared.
///
/// SQLite plans a statement anew whenever a value bound to its `LIMIT` or `OFFSET` changes
/// (the planner reads those values, so binding one expires the statement): with the bound
/// `LIMIT ?` that SeaORM writes, every read re-parsed and re-planned its SQL, a tenth of the
/// instructions of a list request (measured with callgrind, `docs/benchmarks.md`). On SQLite
/// the two numbers are therefore written into the SQL (they are integers, never text from
/// the request), so one page size is one cached statement; other backends bind them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::db::limited;
/// use sea_orm::{EntityTrait, QueryOrder, entity::prelude::*};
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "tags")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32, pub name: String }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let test_db = rustbe_core::testing::TestDb::sqlite().await;
/// test_db.execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").await;
/// test_db.execute("INSERT INTO tags (name) VALUES ('a'), ('b'), ('c')").await;
/// let rows = limited(Entity::find().order_by_asc(Column::Id), 2, 1, &test_db.db).await.unwrap();
/// assert_eq!(rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["b", "c"]);
/// # });
/// ```
///
/// # Errors
/// The database's.
pub async fn limited<E, C>(
    mut select: Select<E>,
    limit: u64,
    offset: u64,
    db: &C,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let backend = db.get_database_backend();
    if backend != DbBackend::Sqlite {
        let select = select.limit(limit);
        let select = if offset == 0 {
            select
        } else {
            select.offset(offset)
        };
        return select.all(db).await;
    }
    QueryTrait::query(&mut select).reset_limit().reset_offset();
    let mut statement = select.build(backend);
    statement.sql = if offset == 0 {
        format!("{} LIMIT {limit}", statement.sql)
    } else {
        format!("{} LIMIT {limit} OFFSET {offset}", statement.sql)
    };
    E::find().from_raw_sql(statement).all(db).await
}

/// The first row of `select`, as `select.one(db)` answers, in a statement SQLite can keep
/// prepared (see [`limited`]).
///
/// # Errors
/// The database's.
pub async fn first<E, C>(select: Select<E>, db: &C) -> Result<Option<E::Model>, DbErr>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    Ok(limited(select, 1, 0, db).await?.into_iter().next())
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
