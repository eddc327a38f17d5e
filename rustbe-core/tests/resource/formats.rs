//! The generated routes in another format: named values and pages of `Plain::wrapped`,
//! problem-details errors, and the document describing them.

use rustbe_core::extract::{PageBy, PaginationLimits};
use rustbe_core::format::Plain;
use rustbe_core::testing::{TestDb, TestRequest};
use serde_json::json;

use super::{TestApp, as_user};

async fn wrapped(db: &sea_orm::DatabaseConnection) {
    let by_offset = PaginationLimits::new(20, 50)
        .map(|l| l.paged_by(PageBy::Offset))
        .unwrap_or_default();
    let app = TestApp::in_format(db, Plain::wrapped(), by_offset).await;
    let user = |r| as_user(r, "ada", "customer");
    let created = app
        .send(user(TestRequest::post("/api/tags")).json(&json!({"slug": "rust", "name": "Rust"})))
        .await;
    assert_eq!(created.status(), 201, "{}", created.json());
    assert_eq!(
        created.json(),
        json!({"tag": {"slug": "rust", "name": "Rust", "label": "RUST"}})
    );
    assert_eq!(created.header("location"), Some("/api/tags/rust"));
    assert!(created.header("etag").is_some());
    for slug in ["go", "zig"] {
        let r = app
            .send(user(TestRequest::post("/api/tags")).json(&json!({"slug": slug, "name": slug})))
            .await;
        assert_eq!(r.status(), 201);
    }

    let got = app.send(TestRequest::get("/api/tags/rust")).await;
    assert_eq!(got.json()["tag"]["label"], "RUST");
    // A cache-backed read renders the same.
    let again = app.send(TestRequest::get("/api/tags/rust")).await;
    assert_eq!(again.json(), got.json());

    let page = app
        .send(TestRequest::get("/api/tags?limit=2&offset=1"))
        .await;
    assert_eq!(page.status(), 200, "{}", page.json());
    assert_eq!(page.json()["tagsCount"], 3);
    let json = page.json();
    let slugs: Vec<&str> = json["tags"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["slug"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(slugs, ["rust", "zig"]);
    let empty = app.send(TestRequest::get("/api/tags?offset=50")).await;
    assert_eq!(empty.json(), json!({"tags": [], "tagsCount": 3}));
    let by_number = app.send(TestRequest::get("/api/tags?page=2")).await;
    assert_eq!(
        by_number.status(),
        400,
        "an offset API names `page` as not its own"
    );
    assert_eq!(by_number.json()["errors"][0]["field"], "page");
    let too_many = app.send(TestRequest::get("/api/tags?limit=51")).await;
    assert_eq!(too_many.status(), 400, "the configured bound applies");

    let missing = app.send(TestRequest::get("/api/tags/nope")).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(missing.json()["instance"], "/api/tags/nope");
    let invalid = app
        .send(user(TestRequest::post("/api/tags")).json(&json!({"slug": "x", "name": ""})))
        .await;
    assert_eq!(invalid.status(), 400);
    assert_eq!(invalid.json()["code"], "VALIDATION_ERROR");
    assert_eq!(invalid.json()["errors"][0]["field"], "name");

    let doc = app.send(TestRequest::get("/openapi.json")).await.json();
    let params: Vec<&str> = doc["paths"]["/api/tags"]["get"]["parameters"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        params.contains(&"offset") && !params.contains(&"page"),
        "{params:?}"
    );
    let limit = doc["paths"]["/api/tags"]["get"]["parameters"]
        .as_array()
        .and_then(|a| a.iter().find(|p| p["name"] == "limit"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(limit["schema"]["maximum"], 50, "{limit}");
    let list = &doc["paths"]["/api/tags"]["get"]["responses"];
    let schema = &list["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["required"], json!(["tags", "tagsCount"]), "{schema}");
    assert_eq!(
        schema["properties"]["tags"]["items"]["$ref"],
        "#/components/schemas/Tag"
    );
    let get = &doc["paths"]["/api/tags/{id}"]["get"]["responses"]["200"];
    assert_eq!(
        get["content"]["application/json"]["schema"]["properties"]["tag"]["$ref"],
        "#/components/schemas/Tag",
        "{get}"
    );
    assert_eq!(
        get["content"]["application/json"]["schema"].get("x-rustbe-names"),
        None,
        "the tag is gone"
    );
    let not_found = &doc["paths"]["/api/tags/{id}"]["get"]["responses"]["404"]["content"];
    assert_eq!(
        not_found["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}

#[tokio::test]
async fn generated_routes_wrapped_on_sqlite() {
    let test_db = TestDb::sqlite().await;
    wrapped(&test_db.db).await;
    test_db.cleanup().await;
}

#[tokio::test]
async fn generated_routes_wrapped_on_postgres() {
    let Some(test_db) = TestDb::postgres("generated_routes_wrapped_on_postgres", |_| {}).await
    else {
        return;
    };
    wrapped(&test_db.db).await;
    test_db.cleanup().await;
}
