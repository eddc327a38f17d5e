//! rustbe-core: the runtime every rustbe app needs.
//!
//! - one error type, [`Error`], and one JSON envelope for every answer ([`envelope`]);
//! - responses in that envelope or any other wire format ([`response`], [`format`](mod@format));
//! - extractors whose rejections render it ([`extract`]);
//! - who is calling and what they may do ([`access`]);
//! - configuration from the environment ([`config`]) and the database pool ([`db`]);
//! - the app builder with the standard middleware stack, `/health`, `/ready`, OpenAPI and
//!   Swagger UI ([`app`], [`middleware`], [`request_id`]).
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use rustbe_core::{app::App, config::Config, db, response::Single};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let config = Config::from_env("hello")?;
//!     let pool = db::connect(&config.database).await?;
//!     let api = Router::new().route("/hello", get(|| async { Single("world") }));
//!     App::new(config).database(pool).api(api).serve().await?;
//!     Ok(())
//! }
//! ```
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `macros` | yes | re-exports the `#[derive(Resource)]` macro of `rustbe-macros` |
//! | `metrics` | no | [`metrics`]: Prometheus series of requests, pool, cache, limits, auth; `/metrics` with `METRICS=on` |
//! | `otel` | no | traces exported over OTLP/HTTP with `OTEL_EXPORTER_OTLP_ENDPOINT`; W3C `traceparent` honoured |
//! | `redis` | no | [`redis`]: a Redis client (fred) with short timeouts and reconnection |
//! | `testing` | no | [`testing`]: in-process requests, per-test databases |
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod app;
pub mod cache;
pub mod config;
pub mod db;
pub mod decimal;
pub mod envelope;
mod error;
pub mod extract;
pub mod format;
pub mod hex;
#[cfg(feature = "metrics")]
pub mod metrics;
pub mod middleware;
pub mod openapi;
#[cfg(feature = "otel")]
pub mod otel;
pub mod rate_limit;
#[cfg(feature = "redis")]
pub mod redis;
pub mod request_id;
pub mod resource;
pub mod response;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{Error, ErrorCode, FieldError, Result};
pub use resource::Resource;
#[cfg(feature = "macros")]
pub use rustbe_macros::Resource;

/// The guides of `docs/`, included so that their code compiles as doctests.
pub mod guide {
    #[doc = include_str!("../../docs/errors.md")]
    pub mod errors {}
    #[doc = include_str!("../../docs/extractors.md")]
    pub mod extractors {}
    #[doc = include_str!("../../docs/app.md")]
    pub mod app {}
    #[doc = include_str!("../../docs/cache-and-rate-limits.md")]
    pub mod cache_and_rate_limits {}
    #[cfg(feature = "macros")]
    #[doc = include_str!("../../docs/resource.md")]
    pub mod resource {}
    #[cfg(all(feature = "metrics", feature = "otel"))]
    #[doc = include_str!("../../docs/observability.md")]
    pub mod observability {}
    #[doc = include_str!("../../docs/benchmarks.md")]
    pub mod benchmarks {}
    #[doc = include_str!("../../docs/reliability.md")]
    pub mod reliability {}
    #[cfg(all(feature = "macros", feature = "testing"))]
    #[doc = include_str!("../../docs/formats.md")]
    pub mod formats {}
}

/// Paths used by generated code, so that a user needs no dependency of their own on the
/// crates rustbe builds on. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use axum;
    pub use http;
    pub use sea_orm;
    pub use serde;
    pub use serde_json;
    pub use utoipa;
    pub use validator;
}
