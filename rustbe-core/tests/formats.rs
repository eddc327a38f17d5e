//! The other formats through the whole router: RFC 9457 problem details for every status of
//! the API contract's table and for the framework's own rejections, plain and wrapped
//! successes, offset pages, a format per router, and the OpenAPI document that follows.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::extract::{PageBy, Pagination, PaginationLimits, Path};
use rustbe_core::format::{
    ErrorFormat, ErrorView, Format, FormatLayer, Names, PageKind, Paging, Plain, Problem, Reply,
};
use rustbe_core::response::{Created, Page, Single};
use rustbe_core::testing::{TestRequest, TestResponse};
use rustbe_core::{Error, ErrorCode};
use serde_json::{Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema};

#[path = "support/contract.rs"]
mod contract;

/// The contract's routes plus named answers.
fn api() -> Router {
    contract::api()
        .route(
            "/named/items",
            get(|p: Pagination| async move {
                Page::new(vec![json!({"id": 1}), json!({"id": 2})], p, 57).named("items")
            })
            .post(|| async { Created::new("/api/named/items/3", json!({"id": 3})).named("item") }),
        )
        .route(
            "/named/items/{id}",
            get(|Path(id): Path<u32>| async move { Single::named("item", json!({"id": id})) }),
        )
}

fn app(format: impl Format) -> Router {
    App::new(contract::test_config())
        .format(format)
        .pagination(PaginationLimits::default().paged_by(PageBy::Offset))
        .api(api())
        .into_router()
}

/// RFC 9457's members, whatever the error.
fn assert_problem(r: &TestResponse, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "{code}: {:?}", r.json());
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "{code}"
    );
    let json = r.json();
    assert_eq!(json["type"], "about:blank", "{json}");
    assert_eq!(json["status"], status, "{json}");
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    assert_eq!(json["title"].as_str(), reason, "{json}");
    assert!(
        json["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{json}"
    );
    assert_eq!(json["code"], code, "{json}");
    let id = r.header("x-request-id").unwrap_or_default();
    assert!(!id.is_empty());
    assert_eq!(json["request_id"], id, "{json}");
    assert!(json.get("success").is_none(), "no envelope: {json}");
    json
}

#[tokio::test]
async fn every_code_is_a_problem_with_its_status_headers_and_instance() {
    let app = app(Problem::new());
    for code in ErrorCode::ALL {
        let path = format!("/api/error/{}", code.as_str());
        let r = TestRequest::get(&path).send(&app).await;
        let json = assert_problem(&r, code.status().as_u16(), code.as_str());
        assert_eq!(json["instance"], path.as_str());
        assert!(json.get("errors").is_none(), "no fields, no member: {json}");
        match code {
            ErrorCode::Unauthorized => assert_eq!(r.header("www-authenticate"), Some("Bearer")),
            ErrorCode::RateLimited | ErrorCode::ServiceUnavailable => {
                assert!(r.header("retry-after").is_some(), "{code}");
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn framework_rejections_are_problems() {
    let app = app(Problem::new());
    for path in ["/nope", "/api/nope", "/api/items/1/extra"] {
        let r = TestRequest::get(path).send(&app).await;
        assert_eq!(assert_problem(&r, 404, "NOT_FOUND")["instance"], path);
    }
    let r = TestRequest::new(http::Method::PUT, "/api/items/1")
        .send(&app)
        .await;
    assert_problem(&r, 405, "METHOD_NOT_ALLOWED");
    assert!(r.header("allow").is_some_and(|a| a.contains("DELETE")));

    let big = TestRequest::post("/api/raw")
        .json(&json!({"pad": "x".repeat(4096)}))
        .send(&app)
        .await;
    assert_problem(&big, 413, "PAYLOAD_TOO_LARGE");

    let text = TestRequest::post("/api/raw")
        .header("content-type", "text/plain")
        .body(Body::from("{}"))
        .send(&app)
        .await;
    assert_problem(&text, 415, "UNSUPPORTED_MEDIA_TYPE");

    let malformed = TestRequest::post("/api/raw")
        .header("content-type", "application/json")
        .body(Body::from("{nope"))
        .send(&app)
        .await;
    assert_problem(&malformed, 400, "BAD_REQUEST");

    let slow = TestRequest::get("/api/slow").send(&app).await;
    assert_problem(&slow, 503, "SERVICE_UNAVAILABLE");

    let panic = TestRequest::get("/api/panic").send(&app).await;
    let json = assert_problem(&panic, 500, "INTERNAL_ERROR");
    assert!(!json.to_string().contains("secret-panic-detail"));

    for (status, code) in [
        (409, "CONFLICT"),
        (422, "UNPROCESSABLE_ENTITY"),
        (429, "RATE_LIMITED"),
    ] {
        let r = TestRequest::get(&format!("/api/bare/{status}"))
            .send(&app)
            .await;
        assert_problem(&r, status, code);
    }
}

#[tokio::test]
async fn validation_problems_list_every_field() {
    let app = app(Problem::new());
    let r = TestRequest::post("/api/items")
        .json(&json!({"name": "", "price": -1, "contact": "nope"}))
        .send(&app)
        .await;
    let json = assert_problem(&r, 400, "VALIDATION_ERROR");
    let fields: Vec<&str> = json["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["contact", "name", "price"], "{json}");
    let bad_page = TestRequest::get("/api/items?offset=-1&limit=x")
        .send(&app)
        .await;
    let json = assert_problem(&bad_page, 400, "BAD_REQUEST");
    assert_eq!(json["errors"].as_array().map(Vec::len), Some(2), "{json}");
}

#[tokio::test]
async fn plain_values_and_pages() {
    let bare = app(Plain::bare());
    let page = TestRequest::get("/api/items?limit=5").send(&bare).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.json(), json!(["name"]));
    assert_eq!(page.header("x-total-count"), Some("57"));
    let one = TestRequest::get("/api/named/items/4").send(&bare).await;
    assert_eq!(one.json(), json!({"id": 4}), "bare ignores names");

    let wrapped = app(Plain::wrapped());
    let page = TestRequest::get("/api/named/items?offset=10&limit=2")
        .send(&wrapped)
        .await;
    assert_eq!(
        page.json(),
        json!({"items": [{"id": 1}, {"id": 2}], "itemsCount": 57})
    );
    assert_eq!(page.header("x-total-count"), None);
    let one = TestRequest::get("/api/named/items/4").send(&wrapped).await;
    assert_eq!(one.json(), json!({"item": {"id": 4}}));
    let created = TestRequest::post("/api/named/items").send(&wrapped).await;
    assert_eq!(created.status(), 201);
    assert_eq!(created.header("location"), Some("/api/named/items/3"));
    assert_eq!(created.json(), json!({"item": {"id": 3}}));
    let unnamed = TestRequest::get("/api/items/4").send(&wrapped).await;
    assert_eq!(unnamed.json(), json!(4), "no names: bare");
    let missing = TestRequest::get("/api/error/NOT_FOUND")
        .send(&wrapped)
        .await;
    assert_problem(&missing, 404, "NOT_FOUND");
}

#[tokio::test]
async fn the_envelope_ignores_names_and_reports_offsets() {
    let app = App::new(contract::test_config())
        .pagination(PaginationLimits::default().paged_by(PageBy::Offset))
        .api(api())
        .into_router();
    let one = TestRequest::get("/api/named/items/4").send(&app).await;
    assert_eq!(one.json(), json!({"success": true, "data": {"id": 4}}));
    let page = TestRequest::get("/api/named/items?offset=10&limit=4")
        .send(&app)
        .await;
    assert_eq!(
        page.json()["pagination"],
        json!({"page": 3, "limit": 4, "total": 57, "total_pages": 15, "offset": 10})
    );
    let both = TestRequest::get("/api/named/items?offset=1&page=1")
        .send(&app)
        .await;
    assert_eq!(both.status(), 400);
    assert_eq!(both.json()["error"]["details"][0]["field"], "page");
    let by_number = App::new(contract::test_config()).api(api()).into_router();
    let offset = TestRequest::get("/api/named/items?offset=1")
        .send(&by_number)
        .await;
    assert_eq!(offset.status(), 400, "pages by number by default");
    assert_eq!(
        offset.json()["error"]["message"],
        "This API pages by `page`, not `offset`"
    );
}

/// An app's own format: Conduit's `{"errors": {"body": […]}}` with 422 for bad input.
struct BodyErrors;

impl ErrorFormat for BodyErrors {
    fn status(&self, code: ErrorCode) -> http::StatusCode {
        match code {
            ErrorCode::ValidationError | ErrorCode::BadRequest => {
                http::StatusCode::UNPROCESSABLE_ENTITY
            }
            other => other.status(),
        }
    }

    fn render(&self, error: &ErrorView<'_>, out: &mut Reply) {
        let body: Vec<String> = if error.details().is_empty() {
            vec![error.message().to_owned()]
        } else {
            error
                .details()
                .iter()
                .map(|d| format!("{} {}", d.field(), d.message()))
                .collect()
        };
        out.push_json(&json!({"errors": {"body": body}}));
    }

    fn schema(&self) -> (&'static str, RefOr<Schema>) {
        ("GenericError", ObjectBuilder::new().into())
    }
}

#[tokio::test]
async fn an_app_format_renders_errors_and_remaps_statuses() {
    let app = app(Plain::wrapped().with_errors(BodyErrors));
    let r = TestRequest::post("/api/items")
        .json(&json!({"name": "", "price": 1, "contact": "a@b.co"}))
        .send(&app)
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json()["errors"]["body"][0],
        "name must be between 1 and 10 characters long",
        "{:?}",
        r.json()
    );
    let missing = TestRequest::get("/api/nope").send(&app).await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.json(),
        json!({"errors": {"body": ["No route matches this path"]}})
    );
    let teapot = TestRequest::get("/api/bare/418").send(&app).await;
    assert_eq!(teapot.status(), 418, "a status no code names keeps its own");
}

#[tokio::test]
async fn a_router_may_answer_in_its_own_format() {
    let legacy = Router::new()
        .route(
            "/thing",
            get(|| async { Err::<Single<()>, _>(Error::forbidden()) }),
        )
        .layer(FormatLayer::new(Problem::new()));
    let app = App::new(Config::for_tests("formats"))
        .api(contract::api().nest("/v2", legacy))
        .into_router();
    let r = TestRequest::get("/api/v2/thing").send(&app).await;
    assert_problem(&r, 403, "FORBIDDEN");
    let r = TestRequest::post("/api/v2/thing").send(&app).await;
    assert_problem(&r, 405, "METHOD_NOT_ALLOWED");
    let r = TestRequest::get("/api/error/FORBIDDEN").send(&app).await;
    assert_eq!(
        r.json()["error"]["code"],
        "FORBIDDEN",
        "the rest keeps the envelope"
    );
}

#[tokio::test]
async fn a_router_may_keep_the_envelope_in_an_app_of_another_format() {
    let legacy = Router::new()
        .route(
            "/thing",
            get(|| async { Err::<Single<()>, _>(Error::forbidden()) }),
        )
        .layer(FormatLayer::new(rustbe_core::format::Envelope));
    let app = App::new(Config::for_tests("formats"))
        .format(Problem::new())
        .api(Router::new().nest("/v1", legacy))
        .into_router();
    let r = TestRequest::get("/api/v1/thing").send(&app).await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["error"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn the_document_follows_the_format() {
    let doc = TestRequest::get("/openapi.json")
        .send(&app(Problem::new()))
        .await
        .json();
    let ready = &doc["paths"]["/ready"]["get"]["responses"];
    assert!(
        ready["503"]["content"]["application/json"].is_null(),
        "{ready}"
    );
    assert_eq!(
        ready["503"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    assert!(doc["components"]["schemas"]["Problem"]["properties"]["instance"].is_object());
    let ok = &ready["200"]["content"]["application/json"]["schema"];
    assert!(
        ok["properties"].get("success").is_none(),
        "no envelope: {ok}"
    );

    let doc = TestRequest::get("/openapi.json")
        .send(&app(Plain::wrapped().with_errors(BodyErrors)))
        .await
        .json();
    assert!(doc["components"]["schemas"]["GenericError"].is_object());
    let envelope = TestRequest::get("/openapi.json")
        .send(&App::new(Config::for_tests("formats")).into_router())
        .await
        .json();
    let ready = &envelope["paths"]["/ready"]["get"]["responses"];
    assert_eq!(
        ready["503"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorEnvelope"
    );
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct Item {
    id: u32,
}

/// Items, documented with rustbe's own response and parameter types.
#[utoipa::path(get, path = "/api/documented", params(Pagination),
    responses(Page<Item>, rustbe_core::openapi::Unavailable))]
#[allow(dead_code)]
async fn documented(page: Pagination) -> Page<Item> {
    Page::new(vec![Item { id: 1 }], page, 1)
}

/// A handler's `#[utoipa::path]` in rustbe's types is rewritten like the derive's: the page in
/// the format's shape, the error in its media type, and only the app's paging parameter.
#[tokio::test]
async fn a_documented_handler_follows_the_format_and_the_paging() {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(documented), components(schemas(Item)))]
    struct Doc;
    let router = App::new(contract::test_config())
        .format(Plain::bare())
        .pagination(PaginationLimits::default().paged_by(PageBy::Offset))
        .openapi(<Doc as utoipa::OpenApi>::openapi())
        .into_router();
    let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    let op = &doc["paths"]["/api/documented"]["get"];
    let names: Vec<&str> = op["parameters"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["limit", "offset"], "{op}");
    let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["type"], "array", "a bare page is its array: {ok}");
    assert_eq!(ok["items"]["$ref"], "#/components/schemas/Item");
    let total = &op["responses"]["200"]["headers"]["X-Total-Count"];
    assert_eq!(
        total["schema"]["type"], "integer",
        "the total is documented: {op}"
    );
    assert_eq!(
        op["responses"]["503"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
}

#[test]
fn a_custom_page_shape() {
    let mut out = Reply::default();
    let meta = rustbe_core::envelope::PageMeta::new(1, 2, 3);
    Plain::wrapped().count_suffix("_total").page(
        Names::many_only("rows"),
        "[1,2]",
        Paging::Page(&meta),
        &mut out,
    );
    assert_eq!(out.body(), r#"{"rows":[1,2],"rows_total":3}"#);
    let schema = Plain::wrapped().count_suffix("_total").page_schema(
        Names::many_only("rows"),
        ObjectBuilder::new().into(),
        PageKind::Page,
    );
    let json = serde_json::to_value(schema).unwrap_or_default();
    assert_eq!(json["required"], json!(["rows", "rows_total"]));
}
