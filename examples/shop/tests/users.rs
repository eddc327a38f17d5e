//! `/api/users…` of API.md: the admin's list with filters, sort and pagination; each user's
//! own account; 404 for other users' accounts; role changes by admins only.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use axum::Router;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct1!horse";

async fn shop(db: &TestDb) -> Router {
    let config = shop::Settings::from_lookup(|k| match k {
        "APP_ENV" => Some("test".into()),
        "ADMIN_EMAIL" => Some("root@shop.example".into()),
        "ADMIN_PASSWORD" => Some("Admin1!password".into()),
        "RATE_LIMIT_AUTH" => Some("1000/1m".into()),
        "RATE_LIMIT" => Some("1000/1m".into()),
        _ => None,
    })
    .expect("config");
    shop::app(config, db.db.clone())
        .await
        .expect("the shop starts")
        .into_router()
}

async fn register(app: &Router, email: &str, name: &str) -> (String, String) {
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

async fn admin_token(app: &Router) -> String {
    let r = TestRequest::post("/api/auth/login")
        .json(&json!({"email": "root@shop.example", "password": "Admin1!password"}))
        .send(app)
        .await;
    r.json()["data"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn put(app: &Router, path: &str, token: &str, body: Value) -> TestResponse {
    TestRequest::new(http::Method::PUT, path)
        .bearer(token)
        .json(&body)
        .send(app)
        .await
}

async fn get(app: &Router, path: &str, token: &str) -> TestResponse {
    TestRequest::get(path).bearer(token).send(app).await
}

fn emails(r: &TestResponse) -> Vec<String> {
    r.json()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|u| u["email"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn users(db: TestDb) {
    let app = shop(&db).await;
    let (ada, ada_token) = register(&app, "ada@example.com", "Ada Lovelace").await;
    let (grace, grace_token) = register(&app, "grace@example.com", "Grace Hopper").await;
    register(&app, "alan@example.com", "Alan Turing").await;
    let admin = admin_token(&app).await;

    // The admin's list: pagination, sort, filters.
    let all = get(&app, "/api/users?sort=email&limit=2", &admin).await;
    assert_eq!(all.status(), 200, "{}", all.json());
    assert_eq!(
        all.json()["pagination"],
        json!({"page": 1, "limit": 2, "total": 4, "total_pages": 2})
    );
    assert_eq!(emails(&all), ["ada@example.com", "alan@example.com"]);
    let second = get(&app, "/api/users?sort=email&limit=2&page=2", &admin).await;
    assert_eq!(emails(&second), ["grace@example.com", "root@shop.example"]);
    assert_eq!(
        emails(&get(&app, "/api/users?role=admin", &admin).await),
        ["root@shop.example"]
    );
    assert_eq!(
        emails(&get(&app, "/api/users?q=HOPPER", &admin).await),
        ["grace@example.com"]
    );
    assert_eq!(
        emails(&get(&app, "/api/users?q=%25", &admin).await),
        Vec::<String>::new(),
        "% is not a wildcard"
    );
    let by_name = get(&app, "/api/users?sort=-name&role=customer", &admin).await;
    assert_eq!(
        emails(&by_name),
        ["grace@example.com", "alan@example.com", "ada@example.com"]
    );
    for bad in [
        "/api/users?color=red",
        "/api/users?sort=password_hash",
        "/api/users?role=god",
    ] {
        let r = get(&app, bad, &admin).await;
        assert_eq!(r.status(), 400, "{bad}: {}", r.json());
    }
    assert_eq!(
        get(&app, "/api/users?limit=101", &admin).await.error_code(),
        "VALIDATION_ERROR"
    );
    assert_eq!(
        get(&app, "/api/users", &ada_token).await.error_code(),
        "FORBIDDEN"
    );
    assert_eq!(
        TestRequest::get("/api/users").send(&app).await.error_code(),
        "UNAUTHORIZED"
    );

    // One's own account, not another's.
    assert_eq!(
        get(&app, &format!("/api/users/{ada}"), &ada_token)
            .await
            .json()["data"]["name"],
        "Ada Lovelace"
    );
    assert_eq!(
        get(&app, &format!("/api/users/{grace}"), &ada_token)
            .await
            .error_code(),
        "NOT_FOUND"
    );
    assert_eq!(
        get(&app, &format!("/api/users/{grace}"), &admin)
            .await
            .status(),
        200
    );
    assert_eq!(
        get(&app, "/api/users/not-a-uuid", &admin)
            .await
            .error_code(),
        "BAD_REQUEST"
    );

    // Replacing: a customer cannot change a role; an admin can.
    let mine = put(
        &app,
        &format!("/api/users/{ada}"),
        &ada_token,
        json!({"email": "ADA@example.com", "name": "Ada K.", "role": "admin"}),
    )
    .await;
    assert_eq!(mine.status(), 200, "{}", mine.json());
    assert_eq!(
        (
            mine.json()["data"]["name"].clone(),
            mine.json()["data"]["role"].clone()
        ),
        (json!("Ada K."), json!("customer"))
    );
    let promoted = put(
        &app,
        &format!("/api/users/{grace}"),
        &admin,
        json!({"email": "grace@example.com", "name": "Grace", "role": "admin"}),
    )
    .await;
    assert_eq!(promoted.json()["data"]["role"], "admin");
    // A role change ends that user's sessions: Grace signs in again.
    assert_eq!(get(&app, "/api/users/me", &grace_token).await.status(), 401);
    let grace_token = TestRequest::post("/api/auth/login")
        .json(&json!({"email": "grace@example.com", "password": PASSWORD}))
        .send(&app)
        .await
        .json()["data"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let other = put(
        &app,
        &format!("/api/users/{grace}"),
        &ada_token,
        json!({"email": "x@example.com", "name": "X"}),
    )
    .await;
    assert_eq!(other.error_code(), "NOT_FOUND");
    let taken = put(
        &app,
        "/api/users/me",
        &ada_token,
        json!({"email": "grace@example.com", "name": "Ada", "current_password": PASSWORD}),
    )
    .await;
    assert_eq!(taken.error_code(), "DUPLICATE_ENTRY");
    let me = put(
        &app,
        "/api/users/me",
        &ada_token,
        json!({"email": "ada@example.com", "name": "Ada L."}),
    )
    .await;
    assert_eq!(me.json()["data"]["name"], "Ada L.");
    let incomplete = put(&app, "/api/users/me", &ada_token, json!({})).await;
    assert_eq!(
        incomplete.json()["error"]["details"]
            .as_array()
            .map(Vec::len),
        Some(2),
        "both fields named"
    );
    assert_eq!(
        get(&app, "/api/users/me", &ada_token).await.json()["data"]["name"],
        "Ada L."
    );

    // Deleting an account ends its sessions at once.
    let deleted = TestRequest::new(http::Method::DELETE, &format!("/api/users/{grace}"))
        .bearer(&grace_token)
        .send(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(get(&app, "/api/users/me", &grace_token).await.status(), 401);
    assert_eq!(
        get(&app, &format!("/api/users/{grace}"), &admin)
            .await
            .error_code(),
        "NOT_FOUND"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn users_on_sqlite() {
    users(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn users_on_postgres() {
    let Some(db) = TestDb::postgres("shop users on postgres", |_| {}).await else {
        return;
    };
    users(db).await;
}
