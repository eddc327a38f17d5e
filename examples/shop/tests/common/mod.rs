//! What the shop's integration tests share: the app on a fresh database (SQLite, or
//! PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set), accounts, tokens
//! and request helpers.

#![allow(dead_code, reason = "each test file uses a part")]

use axum::Router;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "Correct1!horse";
pub(crate) const ADMIN_EMAIL: &str = "root@shop.example";
pub(crate) const ADMIN_PASSWORD: &str = "Admin1!password";

/// The shop over `db`, with an admin account, generous rate limits, and Redis for the cache,
/// limits and revocation when `redis` is given.
pub(crate) async fn shop(db: &TestDb, redis: Option<&str>) -> Router {
    shop_named(db, redis, shop::APP_NAME).await
}

/// The shop as [`shop`] makes it, under the app name `name`: its cache keys in Redis are its
/// own, so that the writes of tests running beside it do not drop what it cached.
pub(crate) async fn shop_named(db: &TestDb, redis: Option<&str>, name: &str) -> Router {
    let redis = redis.map(str::to_owned);
    let config = shop::Settings::from_lookup(|k| match k {
        "APP_ENV" => Some("test".into()),
        "ADMIN_EMAIL" => Some(ADMIN_EMAIL.into()),
        "ADMIN_PASSWORD" => Some(ADMIN_PASSWORD.into()),
        "RATE_LIMIT_AUTH" => Some("10000/1m".into()),
        "RATE_LIMIT" => Some("100000/1m".into()),
        "SEED_DEMO_DATA" => Some("false".into()),
        "REDIS_URL" => redis.clone(),
        _ => None,
    })
    .expect("config");
    let mut config = config;
    config.core.app_name = name.to_owned();
    shop::app(config, db.db.clone())
        .await
        .expect("the shop starts")
        .into_router()
}

/// Registers `email` and returns its user id and access token.
pub(crate) async fn register(app: &Router, email: &str, name: &str) -> (String, String) {
    let r = TestRequest::post("/api/auth/register")
        .json(&json!({"email": email, "password": PASSWORD, "name": name}))
        .send(app)
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    let data = r.json()["data"].clone();
    (
        data["user"]["id"].as_str().unwrap_or_default().to_owned(),
        data["access_token"].as_str().unwrap_or_default().to_owned(),
    )
}

/// The admin's access token.
pub(crate) async fn admin_token(app: &Router) -> String {
    let r = TestRequest::post("/api/auth/login")
        .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send(app)
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    r.json()["data"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// `method path` with `token` (empty: anonymous) and an optional JSON body.
pub(crate) async fn call(
    app: &Router,
    method: http::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut request = TestRequest::new(method, path);
    if !token.is_empty() {
        request = request.bearer(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send(app).await
}

pub(crate) async fn get(app: &Router, path: &str, token: &str) -> TestResponse {
    call(app, http::Method::GET, path, token, None).await
}

pub(crate) async fn post(app: &Router, path: &str, token: &str, body: Value) -> TestResponse {
    call(app, http::Method::POST, path, token, Some(body)).await
}

pub(crate) async fn put(app: &Router, path: &str, token: &str, body: Value) -> TestResponse {
    call(app, http::Method::PUT, path, token, Some(body)).await
}

pub(crate) async fn patch(app: &Router, path: &str, token: &str, body: Value) -> TestResponse {
    call(app, http::Method::PATCH, path, token, Some(body)).await
}

pub(crate) async fn delete(app: &Router, path: &str, token: &str) -> TestResponse {
    call(app, http::Method::DELETE, path, token, None).await
}

/// Status and error code.
pub(crate) fn outcome(r: &TestResponse) -> (u16, String) {
    let code = if r.body().is_empty() {
        String::new()
    } else {
        r.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    (r.status().as_u16(), code)
}

/// The sorted `field`s of an error's `details`.
pub(crate) fn detail_fields(r: &TestResponse) -> Vec<String> {
    let mut fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default();
    fields.sort();
    fields
}

/// The values of `field` in a list's `data`.
pub(crate) fn column(r: &TestResponse, field: &str) -> Vec<Value> {
    r.json()["data"]
        .as_array()
        .map(|rows| rows.iter().map(|row| row[field].clone()).collect())
        .unwrap_or_default()
}

/// Runs `body` on SQLite, then on PostgreSQL + Redis when the services are given (a missing
/// service is said on stderr, and fails in CI).
pub(crate) async fn on_every_backend<F, Fut>(test: &str, body: F)
where
    F: Fn(TestDb, Option<String>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    body(TestDb::sqlite().await, None).await;
    let redis = rustbe_core::testing::service_url("TEST_REDIS_URL", test);
    if let Some(pg) = TestDb::postgres(test, |_| {}).await {
        body(pg, redis).await;
    }
}
