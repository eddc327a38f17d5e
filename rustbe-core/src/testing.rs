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

use axum::Router;
use axum::body::Body;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use tower::ServiceExt;

use crate::config::DatabaseConfig;

/// A request to send to a router in-process.
#[derive(Debug)]
#[must_use]
pub struct TestRequest {
    request: http::request::Builder,
    body: Body,
}

impl TestRequest {
    /// A request with `method` to `uri`.
    pub fn new(method: Method, uri: &str) -> Self {
        Self {
            request: Request::builder().method(method).uri(uri),
            body: Body::empty(),
        }
    }

    /// `GET uri`.
    pub fn get(uri: &str) -> Self {
        Self::new(Method::GET, uri)
    }

    /// `POST uri`.
    pub fn post(uri: &str) -> Self {
        Self::new(Method::POST, uri)
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.request = self.request.header(name, value);
        }
        self
    }

    /// `Authorization: Bearer token`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(mut self, value: &serde_json::Value) -> Self {
        self.request = self
            .request
            .header(header::CONTENT_TYPE, "application/json");
        self.body = Body::from(value.to_string());
        self
    }

    /// A raw body (no content type is added).
    pub fn body(mut self, body: impl Into<Body>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the request through `router` and reads the whole response.
    ///
    /// # Panics
    /// If the request cannot be built or the body cannot be read: a broken test.
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
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl TestResponse {
    /// The status.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text, if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The raw body.
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON (`Null` when it is empty or not JSON).
    #[must_use]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `error.code` of an error envelope, or `""`.
    #[must_use]
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Is this running under CI (`CI` set)? There, a test that lacks a service fails instead of
/// skipping.
#[must_use]
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The value of `var`, the address of a service a test needs. When it is missing the test
/// is told to skip (`None`, with a line on stderr saying so), except under CI, where a
/// missing service is a failure: it must never pass silently there.
///
/// # Panics
/// Under CI, when `var` is not set.
#[must_use]
pub fn service_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ if in_ci() => {
            panic!("{test}: {var} is not set, and CI must test against the real service")
        }
        _ => {
            #[allow(clippy::print_stderr, reason = "the one place a skipped test says so")]
            {
                eprintln!("SKIPPED {test}: {var} is not set");
            }
            None
        }
    }
}

/// A database of its own for one test: an in-memory SQLite database, or a new PostgreSQL
/// database created from `TEST_DATABASE_URL` and dropped by [`TestDb::cleanup`].
#[derive(Debug)]
pub struct TestDb {
    /// The pool.
    pub db: DatabaseConnection,
    /// The settings it was opened with.
    pub config: DatabaseConfig,
    admin: Option<(DatabaseConnection, String)>,
}

impl TestDb {
    /// A fresh in-memory SQLite database.
    ///
    /// # Panics
    /// If SQLite cannot open in memory.
    pub async fn sqlite() -> Self {
        Self::sqlite_with(|_| {}).await
    }

    /// A fresh in-memory SQLite database with `customize` applied to its pool settings.
    ///
    /// # Panics
    /// If SQLite cannot open in memory.
    pub async fn sqlite_with(customize: impl FnOnce(&mut DatabaseConfig)) -> Self {
        let mut config = DatabaseConfig::new("sqlite::memory:");
        customize(&mut config);
        let db = crate::db::connect(&config).await.expect("in-memory SQLite");
        Self {
            db,
            config,
            admin: None,
        }
    }

    /// A fresh PostgreSQL database on the server of `TEST_DATABASE_URL`, with `customize`
    /// applied to its pool settings; `None` (skipped, said on stderr) when the variable is not
    /// set outside CI.
    ///
    /// # Panics
    /// If the server refuses to create the database.
    pub async fn postgres(test: &str, customize: impl FnOnce(&mut DatabaseConfig)) -> Option<Self> {
        let url = service_url("TEST_DATABASE_URL", test)?;
        let admin = crate::db::connect(&DatabaseConfig::new(url.clone()))
            .await
            .expect("TEST_DATABASE_URL answers");
        let name = format!("rustbe_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("CREATE DATABASE");
        let base = url.split('?').next().unwrap_or(&url);
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        let mut config = DatabaseConfig::new(format!("{server}/{name}"));
        customize(&mut config);
        let db = crate::db::connect(&config)
            .await
            .expect("the new test database");
        Some(Self {
            db,
            config,
            admin: Some((admin, name)),
        })
    }

    /// Runs one statement (schema set-up in tests).
    ///
    /// # Panics
    /// If the statement fails.
    pub async fn execute(&self, sql: &str) {
        let backend = self.db.get_database_backend();
        self.db
            .execute_raw(Statement::from_string(backend, sql))
            .await
            .expect(sql);
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn cleanup(self) {
        let _ = self.db.close_by_ref().await;
        if let Some((admin, name)) = self.admin {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = admin.close().await;
        }
    }
}

/// Sends `GET path` over a real TCP connection to `addr` (HTTP/1.1, `Connection: close`)
/// and returns the status and the raw response text. For tests of a served process.
///
/// # Errors
/// If the connection fails or the answer is not HTTP.
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
