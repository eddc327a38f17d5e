//! Helpers for testing rustbe apps (feature `testing`): call a router in-process and read the
//! envelope, and get a fresh database per test on SQLite or PostgreSQL.
//!
//! ```
//! # tokio_test_block_on(async {
//! use axum::{Router, routing::get};
//! use rustbe_core::{app::App, config::Config, response::Single, testing::TestRequest};
//!
//! let api = Router::new().route("/hello", get(|| async { Single("world") }));
//! let router = App::new(Config::for_tests("demo")).api(api).into_router();
//! let response = TestRequest::get("/api/hello").send(&router).await;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.json()["data"], "world");
//! # });
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! # }
//! ```

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

mod db;

pub use db::{TestDb, in_ci, service_url};

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// A request to send to a router in-process.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::post};
/// use rustbe_core::testing::TestRequest;
/// let router = Router::new().route("/echo", post(|body: String| async move { body }));
/// let response = TestRequest::post("/echo").body("hello").send(&router).await;
/// assert_eq!(response.body(), b"hello");
/// # });
/// ```
#[derive(Debug)]
#[must_use]
pub struct TestRequest {
    request: http::request::Builder,
    body: Body,
}

impl TestRequest {
    /// A request with `method` to `uri`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, http::{Method, StatusCode}, routing::delete};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/items/{id}", delete(|| async { StatusCode::NO_CONTENT }));
    /// let response = TestRequest::new(Method::DELETE, "/items/1").send(&router).await;
    /// assert_eq!(response.status(), StatusCode::NO_CONTENT);
    /// # });
    /// ```
    pub fn new(method: Method, uri: &str) -> Self {
        Self {
            request: Request::builder().method(method).uri(uri),
            body: Body::empty(),
        }
    }

    /// `GET uri`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/hello", get(|| async { "world" }));
    /// assert_eq!(TestRequest::get("/hello").send(&router).await.body(), b"world");
    /// # });
    /// ```
    pub fn get(uri: &str) -> Self {
        Self::new(Method::GET, uri)
    }

    /// `POST uri`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/hello", get(|| async { "world" }));
    /// assert_eq!(TestRequest::post("/hello").send(&router).await.status(), 405);
    /// # });
    /// ```
    pub fn post(uri: &str) -> Self {
        Self::new(Method::POST, uri)
    }

    /// Adds a header.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, http::HeaderMap, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/", get(|h: HeaderMap| async move { h["x-tenant"].to_str().unwrap().to_owned() }));
    /// let response = TestRequest::get("/").header("x-tenant", "acme").send(&router).await;
    /// assert_eq!(response.body(), b"acme");
    /// # });
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.request = self.request.header(name, value);
        }
        self
    }

    /// `Authorization: Bearer token`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, http::HeaderMap, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/", get(|h: HeaderMap| async move { h["authorization"].to_str().unwrap().to_owned() }));
    /// let response = TestRequest::get("/").bearer("t0k3n").send(&router).await;
    /// assert_eq!(response.body(), b"Bearer t0k3n");
    /// # });
    /// ```
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::post};
    /// use rustbe_core::{extract::Json, testing::TestRequest};
    /// let router = Router::new().route("/", post(|Json(v): Json<serde_json::Value>| async move { Json(v) }));
    /// let response = TestRequest::post("/").json(&serde_json::json!({"name": "pen"})).send(&router).await;
    /// assert_eq!(response.json()["name"], "pen");
    /// # });
    /// ```
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.request = self
            .request
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(value.to_string());
        self
    }

    /// A raw body (no content type is added).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::post};
    /// use rustbe_core::{extract::Json, testing::TestRequest};
    /// let router = Router::new().route("/", post(|Json(v): Json<serde_json::Value>| async move { Json(v) }));
    /// let response = TestRequest::post("/").body(r#"{"name": "pen"}"#).send(&router).await;
    /// assert_eq!(response.error_code(), "UNSUPPORTED_MEDIA_TYPE");
    /// # });
    /// ```
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request through `router` and reads the whole response.
    ///
    /// # Panics
    /// If the request cannot be built or the body cannot be read: a broken test.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/", get(|| async { "hi" }));
    /// let response = TestRequest::get("/").send(&router).await;
    /// assert_eq!((response.status().as_u16(), response.body()), (200, &b"hi"[..]));
    /// # });
    /// ```
    pub async fn send(self, router: &Router) -> TestResponse {
        let request = self.request.body(self.body).expect("a valid test request");
        let response = router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| match e {});
        let (parts, body) = response.into_parts();
        let bytes = body
            .collect()
            .await
            .expect("a readable response body")
            .to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: bytes.to_vec(),
        }
    }
}

/// A response read in full.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// use rustbe_core::{response::Single, testing::TestRequest};
/// let router = Router::new().route("/", get(|| async { Single("hi") }));
/// let response = TestRequest::get("/").send(&router).await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.json()["data"], "hi");
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TestResponse {
    /// The status.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::testing::TestRequest;
    /// let router = axum::Router::new();
    /// assert_eq!(TestRequest::get("/nowhere").send(&router).await.status(), http::StatusCode::NOT_FOUND);
    /// # });
    /// ```
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{response::Single, testing::TestRequest};
    /// let router = Router::new().route("/", get(|| async { Single(1) }));
    /// let response = TestRequest::get("/").send(&router).await;
    /// assert_eq!(response.headers()[http::header::CONTENT_TYPE], "application/json");
    /// # });
    /// ```
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{response::Single, testing::TestRequest};
    /// let router = Router::new().route("/", get(|| async { Single(1) }));
    /// let response = TestRequest::get("/").send(&router).await;
    /// assert_eq!(response.header("content-type"), Some("application/json"));
    /// assert_eq!(response.header("x-missing"), None);
    /// # });
    /// ```
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::testing::TestRequest;
    /// let router = Router::new().route("/", get(|| async { "plain text" }));
    /// assert_eq!(TestRequest::get("/").send(&router).await.body(), b"plain text");
    /// # });
    /// ```
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON (`Null` when it is empty or not JSON).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{response::Single, testing::TestRequest};
    /// let router = Router::new().route("/json", get(|| async { Single(7) })).route("/text", get(|| async { "seven" }));
    /// assert_eq!(TestRequest::get("/json").send(&router).await.json()["data"], 7);
    /// assert!(TestRequest::get("/text").send(&router).await.json().is_null());
    /// # });
    /// ```
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `error.code` of an error envelope, or `""`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{Error, testing::TestRequest};
    /// let router = Router::new().route("/gone", get(|| async { Error::not_found() })).route("/ok", get(|| async { "ok" }));
    /// assert_eq!(TestRequest::get("/gone").send(&router).await.error_code(), "NOT_FOUND");
    /// assert_eq!(TestRequest::get("/ok").send(&router).await.error_code(), "");
    /// # });
    /// ```
    #[must_use]
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends `GET path` over a real TCP connection to `addr` (HTTP/1.1, `Connection: close`)
/// and returns the status and the raw response text. For tests of a served process.
///
/// # Errors
/// If the connection fails or the answer is not HTTP.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, routing::get};
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// let addr = listener.local_addr().unwrap();
/// tokio::spawn(axum::serve(listener, Router::new().route("/health", get(|| async { "ok" }))).into_future());
/// let (status, text) = rustbe_core::testing::http_get(addr, "/health").await.unwrap();
/// assert_eq!(status, 200);
/// assert!(text.ends_with("\r\n\r\nok"));
/// # });
/// ```
pub async fn http_get(addr: std::net::SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut text = String::new();
    stream.read_to_string(&mut text).await?;
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {text:.80}")))?;
    Ok((status, text))
}
