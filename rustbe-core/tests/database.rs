//! Database errors through the whole router, on SQLite and (with `TEST_DATABASE_URL`)
//! PostgreSQL: unique violations, an exhausted pool, a database that goes away and comes back.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use rustbe_core::Error;
use rustbe_core::app::App;
use rustbe_core::config::{Config, DatabaseConfig};
use rustbe_core::db::Db;
use rustbe_core::extract::Json;
use rustbe_core::response::{Created, Single};
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const SCHEMA: &str = "CREATE TABLE accounts (id BIGINT PRIMARY KEY, email TEXT NOT NULL UNIQUE)";

#[derive(serde::Deserialize)]
struct NewAccount {
    id: i64,
    email: String,
}

fn api() -> Router {
    Router::new()
        .route(
            "/accounts",
            post(|Db(db): Db, Json(a): Json<NewAccount>| async move {
                let insert = Query::insert()
                    .into_table(Alias::new("accounts"))
                    .columns([Alias::new("id"), Alias::new("email")])
                    .values([a.id.into(), a.email.clone().into()])
                    .map_err(Error::internal)?
                    .to_owned();
                db.execute(&insert).await?;
                Ok::<_, Error>(Created::new(
                    format!("/api/accounts/{}", a.id),
                    json!({"id": a.id, "email": a.email}),
                ))
            }),
        )
        .route(
            "/count",
            get(|Db(db): Db| async move {
                let backend = db.get_database_backend();
                let row = db
                    .query_one_raw(Statement::from_string(
                        backend,
                        "SELECT COUNT(*) AS n FROM accounts",
                    ))
                    .await?;
                let n: i64 = row
                    .map(|r| r.try_get("", "n"))
                    .transpose()?
                    .unwrap_or_default();
                Ok::<_, Error>(Single(n))
            }),
        )
}

fn app(db: sea_orm::DatabaseConnection) -> Router {
    App::new(Config::for_tests("db"))
        .database(db)
        .api(api())
        .into_router()
}

fn assert_code(r: &TestResponse, status: u16, code: &str) {
    assert_eq!(r.status().as_u16(), status, "{}", r.json());
    assert_eq!(r.error_code(), code);
}

async fn unique_violation_is_409(test_db: &TestDb) {
    test_db.execute(SCHEMA).await;
    let app = app(test_db.db.clone());
    let first = TestRequest::post("/api/accounts")
        .json(&json!({"id": 1, "email": "a@b.co"}))
        .send(&app)
        .await;
    assert_eq!(first.status(), 201, "{}", first.json());
    let again = TestRequest::post("/api/accounts")
        .json(&json!({"id": 2, "email": "a@b.co"}))
        .send(&app)
        .await;
    assert_code(&again, 409, "DUPLICATE_ENTRY");
    let body = String::from_utf8_lossy(again.body()).to_lowercase();
    assert!(
        !body.contains("accounts") && !body.contains("constraint"),
        "no SQL in the body: {body}"
    );
    let count = TestRequest::get("/api/count").send(&app).await;
    assert_eq!(count.json()["data"], 1);
}

async fn exhausted_pool_is_503_within_the_acquire_timeout(test_db: &TestDb) {
    test_db.execute(SCHEMA).await;
    let app = app(test_db.db.clone());
    let held = test_db.db.begin().await.expect("the only connection");
    let started = Instant::now();
    let r = TestRequest::get("/api/count").send(&app).await;
    let waited = started.elapsed();
    assert_code(&r, 503, "SERVICE_UNAVAILABLE");
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1))
    );
    assert!(
        waited >= Duration::from_millis(250),
        "it waited for a connection: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(3),
        "and gave up at the acquire timeout: {waited:?}"
    );
    held.rollback().await.expect("rollback");
    assert_eq!(
        TestRequest::get("/api/count").send(&app).await.status(),
        200,
        "the pool recovers"
    );
}

fn one_connection(config: &mut DatabaseConfig) {
    config.max_connections = 1;
    config.acquire_timeout = Duration::from_millis(300);
}

#[tokio::test]
async fn sqlite_unique_violation_is_409() {
    let db = TestDb::sqlite().await;
    unique_violation_is_409(&db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn postgres_unique_violation_is_409() {
    let Some(db) = TestDb::postgres("postgres_unique_violation_is_409", |_| {}).await else {
        return;
    };
    unique_violation_is_409(&db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_exhausted_pool_is_503() {
    let db = TestDb::sqlite_with(one_connection).await;
    exhausted_pool_is_503_within_the_acquire_timeout(&db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn postgres_exhausted_pool_is_503() {
    let Some(db) = TestDb::postgres("postgres_exhausted_pool_is_503", one_connection).await else {
        return;
    };
    exhausted_pool_is_503_within_the_acquire_timeout(&db).await;
    db.cleanup().await;
}

#[tokio::test]
async fn sqlite_closed_pool_makes_ready_503_and_health_200() {
    let test_db = TestDb::sqlite().await;
    test_db.execute(SCHEMA).await;
    let app = app(test_db.db.clone());
    assert_eq!(TestRequest::get("/ready").send(&app).await.status(), 200);
    test_db.db.close_by_ref().await.expect("close");
    let ready = TestRequest::get("/ready").send(&app).await;
    assert_code(&ready, 503, "SERVICE_UNAVAILABLE");
    assert_eq!(ready.json()["error"]["details"][0]["field"], "database");
    assert_code(
        &TestRequest::get("/api/count").send(&app).await,
        503,
        "SERVICE_UNAVAILABLE",
    );
    assert_eq!(TestRequest::get("/health").send(&app).await.status(), 200);
}

/// A TCP proxy in front of PostgreSQL that can be cut and restored, to take the database
/// away from a running app without touching the shared server.
struct Proxy {
    addr: SocketAddr,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String, addr: SocketAddr) -> Self {
        let listener = TcpListener::bind(addr).await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up, list) = (upstream.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let up = up.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().expect("lock").push(conn);
            }
        });
        tasks.lock().expect("lock").push(accept);
        Self {
            addr,
            upstream,
            tasks,
        }
    }

    fn cut(&self) {
        for task in self.tasks.lock().expect("lock").drain(..) {
            task.abort();
        }
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

#[tokio::test]
async fn postgres_going_away_is_503_and_recovers_without_restart() {
    let Some(test_db) = TestDb::postgres("postgres_going_away", |_| {}).await else {
        return;
    };
    test_db.execute(SCHEMA).await;
    let real = host_port(test_db.config.url.expose());
    let proxy = Proxy::start(real.clone(), "127.0.0.1:0".parse().expect("addr")).await;
    let mut config = DatabaseConfig::new(test_db.config.url.expose().replacen(
        &real,
        &proxy.addr.to_string(),
        1,
    ));
    config.max_connections = 2;
    config.acquire_timeout = Duration::from_millis(800);
    let pool = rustbe_core::db::connect(&config)
        .await
        .expect("through the proxy");
    let app = App::new(Config::for_tests("db"))
        .database(pool.clone())
        .api(api())
        .into_router();
    assert_eq!(
        TestRequest::get("/api/count").send(&app).await.status(),
        200
    );
    assert_eq!(TestRequest::get("/ready").send(&app).await.status(), 200);

    proxy.cut();
    let started = Instant::now();
    let data = TestRequest::get("/api/count").send(&app).await;
    assert_code(&data, 503, "SERVICE_UNAVAILABLE");
    assert!(data.header("retry-after").is_some());
    assert_code(
        &TestRequest::get("/ready").send(&app).await,
        503,
        "SERVICE_UNAVAILABLE",
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(TestRequest::get("/health").send(&app).await.status(), 200);
    assert!(
        !String::from_utf8_lossy(data.body()).contains(&proxy.addr.port().to_string()),
        "no DSN in the body"
    );

    let restored = Proxy::start(proxy.upstream.clone(), proxy.addr).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut status = 0;
    while Instant::now() < deadline {
        status = TestRequest::get("/api/count")
            .send(&app)
            .await
            .status()
            .as_u16();
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        status, 200,
        "the same app recovers once the database is back"
    );
    assert_eq!(TestRequest::get("/ready").send(&app).await.status(), 200);
    restored.cut();
    let _ = pool.close().await;
    test_db.cleanup().await;
}

/// `db::limited` and `db::first` answer as `limit/offset/all` and `one` do, whether the
/// numbers are written into the SQL (SQLite) or bound (PostgreSQL).
#[allow(unreachable_pub, reason = "SeaORM's entity derives need public items")]
mod pages {
    use rustbe_core::db::{first, limited};
    use rustbe_core::testing::TestDb;
    use sea_orm::entity::prelude::*;
    use sea_orm::{QueryFilter, QueryOrder, QuerySelect};

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    async fn pages_alike(test_db: &TestDb) {
        test_db
            .execute("CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            .await;
        test_db
            .execute("INSERT INTO tags (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')")
            .await;
        let db = &test_db.db;
        let names = |rows: Vec<Model>| rows.into_iter().map(|r| r.name).collect::<Vec<_>>();
        let ordered = || Entity::find().order_by_asc(Column::Id);
        for (limit, offset, expected) in [
            (2, 0, vec!["a", "b"]),
            (2, 1, vec!["b", "c"]),
            (5, 2, vec!["c"]),
            (1, 3, vec![]),
        ] {
            let rows = limited(ordered(), limit, offset, db).await.expect("page");
            assert_eq!(names(rows), expected, "limit {limit} offset {offset}");
        }
        // The same statement again with other numbers: a cached statement is not reused
        // with the old ones.
        let rows = limited(ordered(), 1, 1, db).await.expect("page");
        assert_eq!(names(rows), ["b"]);
        let by_name = |name: &str| Entity::find().filter(Column::Name.eq(name));
        assert_eq!(
            first(by_name("c"), db).await.expect("row").map(|r| r.id),
            Some(3)
        );
        assert_eq!(first(by_name("z"), db).await.expect("no row"), None);
        // A limit the caller set is replaced, not doubled into invalid SQL.
        let rows = limited(ordered().limit(1), 2, 0, db).await.expect("page");
        assert_eq!(names(rows), ["a", "b"]);
    }

    #[tokio::test]
    async fn sqlite_pages() {
        let db = TestDb::sqlite().await;
        pages_alike(&db).await;
        db.cleanup().await;
    }

    #[tokio::test]
    async fn postgres_pages() {
        let Some(db) = TestDb::postgres("postgres_pages", |_| {}).await else {
            return;
        };
        pages_alike(&db).await;
        db.cleanup().await;
    }
}

async fn pragma(db: &sea_orm::DatabaseConnection, name: &str) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("PRAGMA {name}"),
        ))
        .await
        .expect("pragma")
        .expect("a row");
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|n| n.to_string()))
        .expect("a value")
}

#[tokio::test]
async fn sqlite_file_defaults_to_wal_and_synchronous_normal() {
    let dir = std::env::temp_dir().join(format!("rustbe-wal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("wal.db").display());
    let db = rustbe_core::db::connect(&DatabaseConfig::new(url))
        .await
        .expect("connect");
    assert_eq!(pragma(&db, "journal_mode").await, "wal");
    // 1 is NORMAL (0 OFF, 2 FULL, 3 EXTRA).
    assert_eq!(pragma(&db, "synchronous").await, "1");
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqlite_journal_and_synchronous_follow_the_config() {
    let dir = std::env::temp_dir().join(format!("rustbe-journal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("j.db").display());
    let config = Config::from_lookup("shop", |k| match k {
        "DATABASE_URL" => Some(url.clone()),
        "DATABASE_SQLITE_JOURNAL" => Some("delete".into()),
        "DATABASE_SQLITE_SYNCHRONOUS" => Some("full".into()),
        _ => None,
    })
    .expect("config");
    let db = rustbe_core::db::connect(&config.database)
        .await
        .expect("connect");
    assert_eq!(pragma(&db, "journal_mode").await, "delete");
    assert_eq!(pragma(&db, "synchronous").await, "2");
    drop(db);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqlite_memory_keeps_its_memory_journal() {
    let db = rustbe_core::db::connect(&DatabaseConfig::new("sqlite::memory:"))
        .await
        .expect("connect");
    assert_eq!(pragma(&db, "journal_mode").await, "memory");
    assert_eq!(pragma(&db, "synchronous").await, "1");
    db.execute_unprepared("CREATE TABLE t (x INTEGER)")
        .await
        .expect("the in-memory database takes writes");
}

#[test]
fn bad_sqlite_modes_are_refused_naming_the_variable() {
    for var in ["DATABASE_SQLITE_JOURNAL", "DATABASE_SQLITE_SYNCHRONOUS"] {
        let err = Config::from_lookup("shop", |k| (k == var).then(|| "sometimes".into()))
            .expect_err("refused");
        assert!(err.to_string().contains(var), "{err}");
    }
}
