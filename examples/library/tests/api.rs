//! The library API through its whole router, on in-memory SQLite and, when
//! `TEST_DATABASE_URL` is set (always under CI), on a PostgreSQL database of its own.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use rustbe_auth::AuthConfig;
use rustbe_core::config::{Config, Secret};
use rustbe_core::testing::{TestDb, TestRequest};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

const ADMIN: (&str, &str) = ("admin@library.example", "Admin1!password");

/// The app as `main` builds it, with the first admin from the configuration.
async fn router(db: DatabaseConnection) -> axum::Router {
    let mut auth_config = AuthConfig::for_tests("library");
    auth_config.admin = Some((ADMIN.0.into(), Secret::new(ADMIN.1)));
    library::app(Config::for_tests("library"), auth_config, db)
        .await
        .expect("the app starts")
        .into_router()
}

/// A bearer token: registers `email` (a customer), or logs the admin in.
async fn token(router: &axum::Router, email: &str) -> String {
    let response = if email == ADMIN.0 {
        let login = json!({"email": ADMIN.0, "password": ADMIN.1});
        TestRequest::post("/api/auth/login")
            .json(&login)
            .send(router)
            .await
    } else {
        let account = json!({"email": email, "password": "Correct1!horse", "name": "Reader"});
        TestRequest::post("/api/auth/register")
            .json(&account)
            .send(router)
            .await
    };
    assert!(
        response.status().is_success(),
        "{email}: {:?}",
        response.json()
    );
    response.json()["data"]["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

async fn catalogue(db: DatabaseConnection) {
    let router = router(db).await;
    let admin = token(&router, ADMIN.0).await;
    let reader = token(&router, "reader@library.example").await;

    let author = json!({"name": "Ursula K. Le Guin"});
    let anonymous = TestRequest::post("/api/authors")
        .json(&author)
        .send(&router)
        .await;
    assert_eq!(anonymous.status(), 401);
    let customer = TestRequest::post("/api/authors")
        .bearer(&reader)
        .json(&author)
        .send(&router)
        .await;
    assert_eq!(
        (customer.status().as_u16(), customer.error_code()),
        (403, "FORBIDDEN".into())
    );

    let created = TestRequest::post("/api/authors")
        .bearer(&admin)
        .json(&author)
        .send(&router)
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.json());
    let author_id = created.json()["data"]["id"]
        .as_i64()
        .expect("an integer key");

    for (title, year) in [
        ("A Wizard of Earthsea", 1968),
        ("The Dispossessed", 1974),
        ("Lavinia", 2008),
    ] {
        let book = json!({"author_id": author_id, "title": title, "year": year});
        let created = TestRequest::post("/api/books")
            .bearer(&admin)
            .json(&book)
            .send(&router)
            .await;
        assert_eq!(created.status(), 201, "{:?}", created.json());
    }
    let book = json!({"author_id": author_id, "title": "Tehanu", "year": 1990});
    let refused = TestRequest::post("/api/books")
        .bearer(&reader)
        .json(&book)
        .send(&router)
        .await;
    assert_eq!(refused.status(), 403);

    let uri = format!("/api/authors/{author_id}/books?min_year=1960&max_year=1999&sort=-year");
    let list = TestRequest::get(&uri).send(&router).await;
    assert_eq!(list.status(), 200, "{:?}", list.json());
    let page = list.json();
    let titles: Vec<&str> = page["data"]
        .as_array()
        .expect("a page")
        .iter()
        .filter_map(|b| b["title"].as_str())
        .collect();
    assert_eq!(titles, ["The Dispossessed", "A Wizard of Earthsea"]);
    assert_eq!(list.json()["pagination"]["total"], 2);

    let search = TestRequest::get("/api/books?q=wizard").send(&router).await;
    assert_eq!(search.json()["pagination"]["total"], 1);
    let unknown = TestRequest::get("/api/authors/9999/books")
        .send(&router)
        .await;
    assert_eq!(unknown.status(), 404, "a missing author has no books");
    let bad = TestRequest::get("/api/books?colour=red")
        .send(&router)
        .await;
    assert_eq!(bad.status(), 400, "unknown filters are refused");
}

async fn loans(db: DatabaseConnection) {
    let router = router(db).await;
    let admin = token(&router, ADMIN.0).await;
    let ada = token(&router, "ada@library.example").await;
    let bob = token(&router, "bob@library.example").await;

    let author = TestRequest::post("/api/authors")
        .bearer(&admin)
        .json(&json!({"name": "Ada"}))
        .send(&router)
        .await;
    let author_id = author.json()["data"]["id"].clone();
    let book = json!({"author_id": author_id, "title": "Notes", "year": 1843});
    let book = TestRequest::post("/api/books")
        .bearer(&admin)
        .json(&book)
        .send(&router)
        .await;
    let book_id = book.json()["data"]["id"].as_i64().expect("a book");

    let loan = TestRequest::post("/api/loans")
        .bearer(&ada)
        .json(&json!({"book_id": book_id}))
        .send(&router)
        .await;
    assert_eq!(loan.status(), 201, "{:?}", loan.json());
    let loan: Value = loan.json()["data"].clone();
    assert!(
        loan["user_id"].is_string(),
        "the owner is set from the caller: {loan}"
    );

    let mine = TestRequest::get(&format!("/api/loans?book_id={book_id}"))
        .bearer(&ada)
        .send(&router)
        .await;
    assert_eq!(mine.json()["pagination"]["total"], 1);
    let theirs = TestRequest::get("/api/loans")
        .bearer(&bob)
        .send(&router)
        .await;
    assert_eq!(
        theirs.json()["pagination"]["total"],
        0,
        "another caller's loans are not listed"
    );
    let uri = format!("/api/loans/{}", loan["id"]);
    assert_eq!(
        TestRequest::get(&uri)
            .bearer(&bob)
            .send(&router)
            .await
            .status(),
        404
    );
    assert_eq!(
        TestRequest::get(&uri)
            .bearer(&ada)
            .send(&router)
            .await
            .status(),
        200
    );
    assert_eq!(
        TestRequest::get("/api/loans")
            .send(&router)
            .await
            .error_code(),
        "UNAUTHORIZED"
    );
}

async fn documented(db: DatabaseConnection) {
    let router = router(db).await;
    let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    for path in [
        "/api/authors",
        "/api/authors/{author_id}/books",
        "/api/books/{id}",
        "/api/loans",
        "/api/auth/login",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is in /openapi.json");
    }
    let docs = TestRequest::get("/docs/").send(&router).await;
    assert_eq!(docs.status(), 200, "Swagger UI is served at /docs/");
}

#[tokio::test]
async fn catalogue_on_sqlite() {
    catalogue(TestDb::sqlite().await.db).await;
}

#[tokio::test]
async fn loans_on_sqlite() {
    loans(TestDb::sqlite().await.db).await;
}

#[tokio::test]
async fn documented_on_sqlite() {
    documented(TestDb::sqlite().await.db).await;
}

#[tokio::test]
async fn catalogue_on_postgres() {
    let Some(test_db) = TestDb::postgres("library_catalogue", |_| {}).await else {
        return;
    };
    catalogue(test_db.db.clone()).await;
    test_db.cleanup().await;
}

#[tokio::test]
async fn loans_on_postgres() {
    let Some(test_db) = TestDb::postgres("library_loans", |_| {}).await else {
        return;
    };
    loans(test_db.db.clone()).await;
    test_db.cleanup().await;
}
