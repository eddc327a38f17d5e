//! The shop's account endpoints of API.md, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use axum::Router;
use rustbe_core::testing::{TestDb, TestRequest};
use serde_json::json;

const PASSWORD: &str = "Correct1!horse";

async fn router(db: sea_orm::DatabaseConnection, admin: bool) -> Router {
    let mut config = shop::Settings::for_tests();
    config.auth.rate_limit_auth = "1000/1m".parse().expect("rate");
    if admin {
        config = shop::Settings::from_lookup(|k| match k {
            "APP_ENV" => Some("test".into()),
            "ADMIN_EMAIL" => Some("Root@Shop.Example".into()),
            "ADMIN_PASSWORD" => Some("Admin1!password".into()),
            "RATE_LIMIT_AUTH" => Some("1000/1m".into()),
            _ => None,
        })
        .expect("config");
    }
    shop::app(config, db)
        .await
        .expect("the shop starts")
        .into_router()
}

async fn accounts(db: TestDb) {
    let app = router(db.db.clone(), true).await;
    let register = TestRequest::post("/api/auth/register")
        .json(&json!({"email": "Ada@Example.com", "password": PASSWORD, "name": "Ada", "role": "admin"}))
        .send(&app)
        .await;
    assert_eq!(register.status(), 201, "{}", register.json());
    let user = register.json()["data"]["user"].clone();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["role"], "customer");
    assert!(
        user["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') || t.contains("+00:00")),
        "{user}"
    );
    assert!(user.get("password_hash").is_none());

    let taken = TestRequest::post("/api/auth/register")
        .json(&json!({"email": "ADA@example.com", "password": PASSWORD, "name": "Ada"}))
        .send(&app)
        .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(taken.error_code(), "DUPLICATE_ENTRY");

    let login = TestRequest::post("/api/auth/login")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send(&app)
        .await;
    assert_eq!(login.status(), 200);
    let token = login.json()["data"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let me = TestRequest::get("/api/users/me")
        .bearer(&token)
        .send(&app)
        .await;
    assert_eq!(me.json()["data"]["id"], user["id"]);
    assert!(
        me.header("ratelimit-limit").is_some(),
        "/api is rate limited"
    );

    let admin = TestRequest::post("/api/auth/login")
        .json(&json!({"email": "root@shop.example", "password": "Admin1!password"}))
        .send(&app)
        .await;
    assert_eq!(
        admin.json()["data"]["user"]["role"],
        "admin",
        "ADMIN_EMAIL created an admin"
    );

    let doc = TestRequest::get("/openapi.json").send(&app).await.json();
    assert!(doc["paths"]["/api/auth/register"]["post"].is_object());
    assert!(doc["components"]["schemas"]["User"]["properties"]["created_at"].is_object());
    db.cleanup().await;
}

#[tokio::test]
async fn accounts_on_sqlite() {
    accounts(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn accounts_on_postgres() {
    let Some(db) = TestDb::postgres("shop accounts on postgres", |_| {}).await else {
        return;
    };
    accounts(db).await;
}

#[tokio::test]
async fn migrations_run_up_down_and_up_again() {
    use sea_orm_migration::MigratorTrait;
    let db = TestDb::sqlite().await;
    shop::migration::Migrator::up(&db.db, None)
        .await
        .expect("up");
    shop::migration::Migrator::down(&db.db, None)
        .await
        .expect("down");
    shop::migration::Migrator::up(&db.db, None)
        .await
        .expect("up again");
    db.cleanup().await;
}
