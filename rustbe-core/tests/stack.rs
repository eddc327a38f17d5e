//! The standard stack around every app: request ids, security headers, CORS, compression,
//! operations routes, OpenAPI and Swagger UI, graceful shutdown.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use rustbe_core::app::App;
use rustbe_core::config::{AppEnv, Config};
use rustbe_core::middleware::{API_CSP, DOCS_CSP};
use rustbe_core::response::Single;
use rustbe_core::testing::{TestDb, TestRequest, http_get};

fn api() -> Router {
    Router::new()
        .route("/hello", get(|| async { Single("world") }))
        .route("/big", get(|| async { Single("lorem ipsum ".repeat(500)) }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                Single("finished")
            }),
        )
}

fn app_with(config: Config) -> Router {
    App::new(config).api(api()).into_router()
}

fn app() -> Router {
    app_with(Config::for_tests("stack"))
}

#[tokio::test]
async fn request_ids_are_generated_echoed_and_sanitised() {
    let app = app();
    let generated = TestRequest::get("/api/hello").send(&app).await;
    let id = generated.header("x-request-id").unwrap_or_default();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()));

    let echoed = TestRequest::get("/nope")
        .header("x-request-id", "client-abc.123")
        .send(&app)
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("client-abc.123"));
    assert_eq!(echoed.json()["error"]["request_id"], "client-abc.123");

    let hostile = TestRequest::get("/nope")
        .header("x-request-id", "a\"b<script>")
        .send(&app)
        .await;
    let replaced = hostile.header("x-request-id").unwrap_or_default();
    assert_eq!(replaced.len(), 32);
    assert_eq!(hostile.json()["error"]["request_id"], replaced);
    let long = TestRequest::get("/api/hello")
        .header("x-request-id", &"a".repeat(129))
        .send(&app)
        .await;
    assert_ne!(long.header("x-request-id"), Some("a".repeat(129).as_str()));

    let a = TestRequest::get("/api/hello").send(&app).await;
    let b = TestRequest::get("/api/hello").send(&app).await;
    assert_ne!(a.header("x-request-id"), b.header("x-request-id"));
}

#[tokio::test]
async fn security_headers_on_successes_and_errors_and_hsts_only_in_production() {
    for path in ["/api/hello", "/nope", "/health"] {
        let r = TestRequest::get(path).send(&app()).await;
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("content-security-policy"), Some(API_CSP));
        assert!(r.header("strict-transport-security").is_none());
        assert!(r.header("server").is_none());
    }
    let mut config = Config::for_tests("stack");
    config.env = AppEnv::Production;
    let r = TestRequest::get("/api/hello").send(&app_with(config)).await;
    assert!(
        r.header("strict-transport-security")
            .is_some_and(|v| v.starts_with("max-age="))
    );
}

#[tokio::test]
async fn cors_allows_listed_origins_only() {
    let mut config = Config::for_tests("stack");
    config.allowed_origins = vec!["https://shop.example".into()];
    let app = app_with(config);

    let allowed = TestRequest::get("/api/hello")
        .header("origin", "https://shop.example")
        .send(&app)
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert_eq!(
        allowed.header("access-control-allow-credentials"),
        Some("true")
    );
    let vary = allowed
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    assert!(vary.to_ascii_lowercase().contains("origin"), "{vary}");

    let other = TestRequest::get("/api/hello")
        .header("origin", "https://evil.example")
        .send(&app)
        .await;
    assert!(other.header("access-control-allow-origin").is_none());

    let preflight = TestRequest::new(http::Method::OPTIONS, "/api/hello")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send(&app)
        .await;
    assert!(preflight.status().is_success());
    assert!(
        preflight
            .header("access-control-allow-methods")
            .is_some_and(|m| m.contains("PATCH"))
    );

    let mut any = Config::for_tests("stack");
    any.allowed_origins = vec!["*".into()];
    let r = TestRequest::get("/api/hello")
        .header("origin", "https://x.example")
        .send(&app_with(any))
        .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert!(
        r.header("access-control-allow-credentials").is_none(),
        "never * with credentials"
    );
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let r = TestRequest::get("/api/big")
        .header("accept-encoding", "gzip")
        .send(&app())
        .await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r.body().len() < 1000, "{} bytes", r.body().len());
    let plain = TestRequest::get("/api/big").send(&app()).await;
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(plain.json()["success"], true);
}

#[tokio::test]
async fn health_ready_openapi_and_docs() {
    let test_db = TestDb::sqlite().await;
    let app = App::new(Config::for_tests("stack"))
        .database(test_db.db.clone())
        .api(api())
        .into_router();

    let health = TestRequest::get("/health").send(&app).await;
    assert_eq!(
        health.json(),
        serde_json::json!({"success": true, "data": {"status": "ok"}})
    );
    let ready = TestRequest::get("/ready").send(&app).await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json()["data"]["status"], "ready");

    let doc = TestRequest::get("/openapi.json").send(&app).await;
    assert_eq!(doc.status(), 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "stack");
    assert!(doc["paths"]["/ready"]["get"]["responses"]["503"].is_object());
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );

    let redirect = TestRequest::get("/docs").send(&app).await;
    assert!(redirect.status().is_redirection());
    let page = TestRequest::get("/docs/").send(&app).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.header("content-security-policy"), Some(DOCS_CSP));
    let html = String::from_utf8_lossy(page.body()).to_string();
    assert!(html.contains("swagger-ui-bundle.js"), "{html:.300}");
    assert!(
        !html.contains("://unpkg") && !html.contains("cdn"),
        "assets are local"
    );
    let bundle = TestRequest::get("/docs/swagger-ui-bundle.js")
        .send(&app)
        .await;
    assert_eq!(bundle.status(), 200);
    assert!(
        bundle.body().len() > 100_000,
        "the real Swagger UI bundle is served"
    );
    let init = TestRequest::get("/docs/swagger-initializer.js")
        .send(&app)
        .await;
    assert!(String::from_utf8_lossy(init.body()).contains("/openapi.json"));
    test_db.cleanup().await;
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rustbe_core::app::serve(listener, app(), async {
        let _ = stopped.await;
    }));
    let slow = tokio::spawn(http_get(addr, "/api/slow"));
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.send(()).expect("server still running");
    let (status, text) = slow
        .await
        .expect("join")
        .expect("the in-flight request completes");
    assert_eq!(status, 200);
    assert!(text.contains("finished"));
    let result = tokio::time::timeout(Duration::from_secs(5), server).await;
    assert!(
        matches!(result, Ok(Ok(Ok(())))),
        "server exits cleanly: {result:?}"
    );
    assert!(
        http_get(addr, "/health").await.is_err(),
        "no longer accepting"
    );
}
