//! Every status of the API contract's table, and the framework's own rejections, render the
//! envelope with the right code and headers, through the whole router.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use rustbe_core::ErrorCode;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::testing::{TestRequest, TestResponse};
use serde_json::json;

#[path = "support/contract.rs"]
mod contract;

use contract::{api, test_config};

fn router(config: Config) -> Router {
    App::new(config).api(api()).into_router()
}

fn app() -> Router {
    router(test_config())
}

/// The envelope's invariants, whatever the error.
fn assert_envelope(r: &TestResponse, status: u16, code: &str) {
    assert_eq!(
        r.status().as_u16(),
        status,
        "status of {code}: {:?}",
        r.json()
    );
    assert_eq!(r.header("content-type"), Some("application/json"), "{code}");
    let json = r.json();
    assert_eq!(json["success"], false, "{json}");
    assert_eq!(json["error"]["code"], code, "{json}");
    assert!(
        json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{json}"
    );
    let id = r.header("x-request-id").unwrap_or_default();
    assert!(!id.is_empty());
    assert_eq!(
        json["error"]["request_id"], id,
        "body and header carry one id"
    );
}

#[tokio::test]
async fn every_code_renders_with_its_status_and_headers() {
    let app = app();
    for code in ErrorCode::ALL {
        let r = TestRequest::get(&format!("/api/error/{}", code.as_str()))
            .send(&app)
            .await;
        assert_envelope(&r, code.status().as_u16(), code.as_str());
        match code {
            ErrorCode::Unauthorized => assert_eq!(r.header("www-authenticate"), Some("Bearer")),
            ErrorCode::InvalidToken | ErrorCode::TokenExpired => {
                assert_eq!(
                    r.header("www-authenticate"),
                    Some(r#"Bearer error="invalid_token""#)
                );
            }
            ErrorCode::RateLimited | ErrorCode::ServiceUnavailable => {
                assert!(
                    r.header("retry-after")
                        .is_some_and(|v| v.parse::<u64>().is_ok()),
                    "{code}"
                );
            }
            _ => assert!(r.header("retry-after").is_none(), "{code}"),
        }
    }
}

#[tokio::test]
async fn bare_statuses_from_handlers_and_layers_get_the_envelope() {
    let app = app();
    for (status, code) in [
        (400, "BAD_REQUEST"),
        (401, "UNAUTHORIZED"),
        (403, "FORBIDDEN"),
        (404, "NOT_FOUND"),
        (409, "CONFLICT"),
        (412, "PRECONDITION_FAILED"),
        (422, "UNPROCESSABLE_ENTITY"),
        (429, "RATE_LIMITED"),
        (500, "INTERNAL_ERROR"),
        (503, "SERVICE_UNAVAILABLE"),
    ] {
        let r = TestRequest::get(&format!("/api/bare/{status}"))
            .send(&app)
            .await;
        assert_envelope(&r, status, code);
    }
}

#[tokio::test]
async fn unknown_routes_are_404_envelopes_everywhere() {
    let app = app();
    for path in ["/nope", "/api/nope", "/api/items/1/extra", "/api"] {
        let r = TestRequest::get(path).send(&app).await;
        assert_envelope(&r, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let r = TestRequest::new(http::Method::PUT, "/api/items/1")
        .send(&app())
        .await;
    assert_envelope(&r, 405, "METHOD_NOT_ALLOWED");
    let allow = r.header("allow").unwrap_or_default();
    assert!(allow.contains("GET") && allow.contains("DELETE"), "{allow}");
}

#[tokio::test]
async fn json_rejections() {
    let app = app();
    let malformed = TestRequest::post("/api/raw")
        .header("content-type", "application/json")
        .body("{\"a\":")
        .send(&app)
        .await;
    assert_envelope(&malformed, 400, "BAD_REQUEST");

    let no_type = TestRequest::post("/api/raw").body("{}").send(&app).await;
    assert_envelope(&no_type, 415, "UNSUPPORTED_MEDIA_TYPE");
    let text = TestRequest::post("/api/raw")
        .header("content-type", "text/plain")
        .body("{}")
        .send(&app)
        .await;
    assert_envelope(&text, 415, "UNSUPPORTED_MEDIA_TYPE");

    let big = format!("{{\"a\":\"{}\"}}", "x".repeat(2000));
    let too_large = TestRequest::post("/api/raw")
        .header("content-type", "application/json")
        .body(big.clone())
        .send(&app)
        .await;
    assert_envelope(&too_large, 413, "PAYLOAD_TOO_LARGE");

    // Without Content-Length, the limit still holds while the body streams in.
    let chunks = futures_util::stream::iter(
        big.into_bytes()
            .chunks(100)
            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
            .collect::<Vec<_>>(),
    );
    let streamed = TestRequest::post("/api/raw")
        .header("content-type", "application/json")
        .body(Body::from_stream(chunks))
        .send(&app)
        .await;
    assert_envelope(&streamed, 413, "PAYLOAD_TOO_LARGE");
}

#[tokio::test]
async fn validation_lists_every_failing_field() {
    let app = app();
    let r = TestRequest::post("/api/items")
        .json(&json!({"name": "", "price": -1, "contact": "nope"}))
        .send(&app)
        .await;
    assert_envelope(&r, 400, "VALIDATION_ERROR");
    let details = r.json()["error"]["details"].clone();
    assert_eq!(
        details,
        json!([
            {"field": "contact", "message": "must be a valid email address"},
            {"field": "name", "message": "must be between 1 and 10 characters long"},
            {"field": "price", "message": "Price must be a positive number"},
        ])
    );

    let missing = TestRequest::post("/api/items")
        .json(&json!({"name": "a", "contact": "a@b.co"}))
        .send(&app)
        .await;
    assert_envelope(&missing, 400, "VALIDATION_ERROR");
    assert_eq!(
        missing.json()["error"]["details"],
        json!([{"field": "price", "message": "is required"}])
    );

    let wrong_type = TestRequest::post("/api/items")
        .json(&json!({"name": "a", "price": "cheap", "contact": "a@b.co"}))
        .send(&app)
        .await;
    assert_envelope(&wrong_type, 400, "VALIDATION_ERROR");
    assert_eq!(wrong_type.json()["error"]["details"][0]["field"], "price");

    // A missing field, a wrong type and a broken rule: every one in the same answer.
    let all = TestRequest::post("/api/items")
        .json(&json!({"price": "cheap", "contact": "nope"}))
        .send(&app)
        .await;
    assert_envelope(&all, 400, "VALIDATION_ERROR");
    let fields: Vec<_> = all.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["contact", "name", "price"], "{}", all.json());

    let ok = TestRequest::post("/api/items")
        .json(&json!({"name": "a", "price": 2.5, "contact": "a@b.co"}))
        .send(&app)
        .await;
    assert_eq!(ok.status(), 201);
    assert_eq!(ok.header("location"), Some("/api/items/1"));
    assert_eq!(
        ok.json(),
        json!({"success": true, "data": {"id": 1, "name": "a", "price": 2.5}})
    );
}

#[tokio::test]
async fn path_query_pagination_and_sort_rejections() {
    let app = app();
    assert_envelope(
        &TestRequest::get("/api/items/abc").send(&app).await,
        400,
        "BAD_REQUEST",
    );
    assert_envelope(
        &TestRequest::get("/api/items/-1").send(&app).await,
        400,
        "BAD_REQUEST",
    );

    let query = TestRequest::get("/api/search?min_price=cheap")
        .send(&app)
        .await;
    assert_envelope(&query, 400, "BAD_REQUEST");
    assert_eq!(query.json()["error"]["details"][0]["field"], "min_price");

    let limit = TestRequest::get("/api/items?limit=101").send(&app).await;
    assert_envelope(&limit, 400, "VALIDATION_ERROR");
    assert_eq!(
        limit.json()["error"]["details"],
        json!([{"field": "limit", "message": "must be between 1 and 100"}])
    );
    assert_envelope(
        &TestRequest::get("/api/items?page=0").send(&app).await,
        400,
        "VALIDATION_ERROR",
    );
    assert_envelope(
        &TestRequest::get("/api/items?page=first").send(&app).await,
        400,
        "BAD_REQUEST",
    );

    let sort = TestRequest::get("/api/items?sort=password")
        .send(&app)
        .await;
    assert_envelope(&sort, 400, "BAD_REQUEST");
    assert_eq!(sort.json()["error"]["details"][0]["field"], "sort");
}

#[tokio::test]
async fn successes_use_the_envelope() {
    let app = app();
    let page = TestRequest::get("/api/items?page=2&sort=-price,name")
        .send(&app)
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.json(),
        json!({"success": true, "data": ["price", "name"], "pagination": {"page": 2, "limit": 20, "total": 57, "total_pages": 3}})
    );
    let deleted = TestRequest::new(http::Method::DELETE, "/api/items/1")
        .send(&app)
        .await;
    assert_eq!(deleted.status(), 204);
    assert!(deleted.body().is_empty());
    let single = TestRequest::get("/api/items/7").send(&app).await;
    assert_eq!(single.json(), json!({"success": true, "data": 7}));
}

#[tokio::test]
async fn a_panic_is_a_500_and_the_next_request_succeeds() {
    let app = app();
    let r = TestRequest::get("/api/panic").send(&app).await;
    assert_envelope(&r, 500, "INTERNAL_ERROR");
    assert_eq!(r.json()["error"]["message"], "Internal server error");
    assert!(!String::from_utf8_lossy(r.body()).contains("secret-panic-detail"));
    let next = TestRequest::get("/api/items/1").send(&app).await;
    assert_eq!(next.status(), 200);
}

#[tokio::test]
async fn a_slow_handler_times_out_with_a_503_envelope() {
    let started = std::time::Instant::now();
    let r = TestRequest::get("/api/slow").send(&app()).await;
    assert_envelope(&r, 503, "SERVICE_UNAVAILABLE");
    assert!(r.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered at the timeout, not after the handler"
    );
}

#[tokio::test]
async fn principal_and_access_rules() {
    let app = app();
    let anonymous = TestRequest::get("/api/admin").send(&app).await;
    assert_envelope(&anonymous, 401, "UNAUTHORIZED");
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    let customer = TestRequest::get("/api/admin")
        .header("x-test-user", "7:customer")
        .send(&app)
        .await;
    assert_envelope(&customer, 403, "FORBIDDEN");
    let admin = TestRequest::get("/api/admin")
        .header("x-test-user", "1:admin")
        .send(&app)
        .await;
    assert_eq!(admin.json()["data"], "welcome");
    assert_envelope(
        &TestRequest::get("/api/me").send(&app).await,
        401,
        "UNAUTHORIZED",
    );
    assert_eq!(
        TestRequest::get("/api/me")
            .header("x-test-user", "7:customer")
            .send(&app)
            .await
            .json()["data"],
        "7"
    );
}
