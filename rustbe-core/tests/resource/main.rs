//! `#[derive(Resource)]` through HTTP: the generated routes of four resources on SQLite and
//! (with `TEST_DATABASE_URL`) PostgreSQL, through the whole app stack.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod cursor;
#[allow(
    missing_docs,
    unreachable_pub,
    reason = "SeaORM entities are public by convention"
)]
mod entities;
mod formats;
mod hooks;
mod money;
mod owners;
mod products;
mod read_hook;
mod scoped;
mod spec;

use axum::Router;
use http::Method;
use rustbe_core::access::Principal;
use rustbe_core::app::App;
use rustbe_core::cache::Cache;
use rustbe_core::config::Config;
use rustbe_core::resource::router;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Schema};
use serde_json::Value;

use entities::{board, entry, item, memo, note, product, tag};

/// The app under test: the four resources under `/api`, a stand-in authentication layer
/// (`X-Test-User: id:role`) and an in-process cache.
pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) db: DatabaseConnection,
    pub(crate) cache: Cache,
}

impl TestApp {
    pub(crate) async fn new(db: &DatabaseConnection) -> Self {
        Self::in_format(
            db,
            rustbe_core::format::Envelope,
            rustbe_core::extract::PaginationLimits::default(),
        )
        .await
    }

    /// The app answering in `format`.
    pub(crate) async fn in_format(
        db: &DatabaseConnection,
        format: impl rustbe_core::format::Format,
        limits: rustbe_core::extract::PaginationLimits,
    ) -> Self {
        create_tables(db).await;
        let api = Router::new()
            .merge(router::<product::Model>())
            .merge(router::<note::Model>())
            .merge(router::<tag::Model>())
            .merge(router::<entry::Model>())
            .merge(router::<item::Model>())
            .merge(router::<memo::Model>())
            .merge(router::<board::Model>())
            .layer(axum::middleware::from_fn(
                |mut req: axum::extract::Request, next: axum::middleware::Next| async move {
                    let user = req
                        .headers()
                        .get("x-test-user")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    if let Some((id, role)) = user.as_deref().and_then(|u| u.split_once(':')) {
                        req.extensions_mut().insert(Principal::new(id, [role]));
                    }
                    next.run(req).await
                },
            ));
        let cache = Cache::memory("resource-tests", 1 << 20);
        let router = App::new(Config::for_tests("resource-tests"))
            .format(format)
            .pagination(limits)
            .openapi(rustbe_core::resource::openapi::<tag::Model>("/api"))
            .database(db.clone())
            .cache(cache.clone())
            .api(api)
            .into_router();
        Self {
            router,
            db: db.clone(),
            cache,
        }
    }

    pub(crate) async fn send(&self, request: TestRequest) -> TestResponse {
        request.send(&self.router).await
    }

    pub(crate) async fn sql(&self, sql: &str) {
        let backend = self.db.get_database_backend();
        self.db
            .execute_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .expect(sql);
    }

    pub(crate) async fn count(&self, sql: &str) -> i64 {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .expect(sql)
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("a count")
    }
}

async fn create_tables(db: &DatabaseConnection) {
    let schema = Schema::new(db.get_database_backend());
    fn entity<E: EntityTrait>(schema: &Schema, e: E) -> sea_orm::sea_query::TableCreateStatement {
        schema.create_table_from_entity(e)
    }
    for statement in [
        entity(&schema, product::Entity),
        entity(&schema, note::Entity),
        entity(&schema, tag::Entity),
        entity(&schema, entry::Entity),
        entity(&schema, item::Entity),
        entity(&schema, memo::Entity),
        entity(&schema, board::Entity),
    ] {
        db.execute(&statement).await.expect("create table");
    }
    db.execute_unprepared("CREATE TABLE audit (what TEXT NOT NULL, who TEXT NOT NULL)")
        .await
        .expect("audit table");
    // What the boards' read hook reads.
    db.execute_unprepared("CREATE TABLE pins (board_id INTEGER NOT NULL, text TEXT NOT NULL)")
        .await
        .expect("pins table");
    // The parent table of the notes' nested route.
    db.execute_unprepared("CREATE TABLE users (id TEXT PRIMARY KEY)")
        .await
        .expect("users table");
    db.execute_unprepared("INSERT INTO users (id) VALUES ('ada'), ('bob')")
        .await
        .expect("users");
}

/// A request as `user` with `role`.
pub(crate) fn as_user(request: TestRequest, user: &str, role: &str) -> TestRequest {
    request.header("x-test-user", &format!("{user}:{role}"))
}

pub(crate) fn admin(request: TestRequest) -> TestRequest {
    as_user(request, "root", "admin")
}

pub(crate) fn put(uri: &str) -> TestRequest {
    TestRequest::new(Method::PUT, uri)
}

pub(crate) fn patch(uri: &str) -> TestRequest {
    TestRequest::new(Method::PATCH, uri)
}

pub(crate) fn delete(uri: &str) -> TestRequest {
    TestRequest::new(Method::DELETE, uri)
}

/// Status and error code, for readable assertions.
pub(crate) fn outcome(response: &TestResponse) -> (u16, String) {
    let code = if response.body().is_empty() {
        String::new()
    } else {
        response.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (response.status().as_u16(), code)
}

/// The `field`s of the `details` of an error.
pub(crate) fn detail_fields(response: &TestResponse) -> Vec<String> {
    response.json()["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The values of `field` in a list response's `data`.
pub(crate) fn column(response: &TestResponse, field: &str) -> Vec<Value> {
    response.json()["data"]
        .as_array()
        .map(|rows| rows.iter().map(|r| r[field].clone()).collect())
        .unwrap_or_default()
}

async fn every_group(db: &DatabaseConnection) {
    let app = TestApp::new(db).await;
    products::run(&app).await;
    owners::run(&app).await;
    hooks::run(&app).await;
    cursor::run(&app).await;
    money::run(&app).await;
    scoped::run(&app).await;
    read_hook::run(&app).await;
}

#[tokio::test]
async fn generated_routes_on_sqlite() {
    let test_db = TestDb::sqlite().await;
    every_group(&test_db.db).await;
    test_db.cleanup().await;
}

#[tokio::test]
async fn generated_routes_on_postgres() {
    let Some(test_db) = TestDb::postgres("generated_routes_on_postgres", |_| {}).await else {
        return;
    };
    every_group(&test_db.db).await;
    test_db.cleanup().await;
}

/// Conditional writes (a read, then the write, in one transaction) running side by side on a
/// SQLite file: each must wait for the write lock, never fail at once with `SQLITE_BUSY`
/// ("database is locked", a 503) because its read snapshot went stale while another wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conditional_writes_on_a_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("rustbe-busy-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.join("busy.db").display());
    let mut config = rustbe_core::config::DatabaseConfig::new(url.as_str());
    config.max_connections = 8;
    let db = rustbe_core::db::connect(&config)
        .await
        .expect("SQLite file");
    let app = std::sync::Arc::new(TestApp::new(&db).await);
    let mut uris = Vec::new();
    for i in 0..8 {
        let body = serde_json::json!({
            "name": format!("Item {i}"), "price": 1.0, "category": "hats", "stock": 1, "sku": format!("S-{i}"),
        });
        let r = app
            .send(admin(TestRequest::post("/api/products")).json(&body))
            .await;
        assert_eq!(r.status(), 201, "{}", r.json());
        uris.push(format!(
            "/api/products/{}",
            r.json()["data"]["id"].as_str().expect("id")
        ));
    }
    for round in 0..10 {
        let writes = uris.iter().map(|uri| {
            let (app, uri) = (app.clone(), uri.clone());
            tokio::spawn(async move {
                let patch = admin(patch(&uri)).header("if-match", "*");
                let r = app
                    .send(patch.json(&serde_json::json!({"stock": round})))
                    .await;
                (r.status().as_u16(), r.body().to_vec())
            })
        });
        for write in futures_util::future::join_all(writes).await {
            let (status, body) = write.expect("task");
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        }
    }
    db.close().await.expect("close");
    let _ = std::fs::remove_dir_all(&dir);
}
