//! `/health` (the process is alive) and `/ready` (its dependencies answer).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::response::Single;
use crate::{Error, FieldError};

/// A dependency `/ready` checks: the database (always, when the app has one), a cache, a
/// mail relay …
///
/// ```
/// use std::{future::Future, pin::Pin};
/// use rustbe_core::app::ReadinessCheck;
///
/// struct AlwaysReady;
/// impl ReadinessCheck for AlwaysReady {
///     fn name(&self) -> &str { "always" }
///     fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
///         Box::pin(async { Ok(()) })
///     }
/// }
/// ```
pub trait ReadinessCheck: Send + Sync + 'static {
    /// The name shown in the report (`database`, `cache` …).
    fn name(&self) -> &str;
    /// `Ok` when the dependency answers; otherwise why not (shown to the caller of `/ready`,
    /// so it must not contain secrets).
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

pub(crate) struct DatabaseCheck(pub(crate) DatabaseConnection);

impl ReadinessCheck for DatabaseCheck {
    fn name(&self) -> &str {
        "database"
    }

    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move { self.0.ping().await.map_err(|_| "unreachable".to_owned()) })
    }
}

pub(crate) struct CacheCheck(pub(crate) crate::cache::Cache);

impl ReadinessCheck for CacheCheck {
    fn name(&self) -> &str {
        "cache"
    }

    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move { self.0.ping().await.map_err(|_| "unreachable".to_owned()) })
    }
}

#[derive(Clone)]
pub(crate) struct Readiness {
    pub(crate) checks: Arc<[Arc<dyn ReadinessCheck>]>,
    pub(crate) timeout: Duration,
}

/// The body of `/health` and `/ready`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Status {
    /// `ok` or `ready`.
    status: &'static str,
}

/// The process is alive.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The process is alive", body = crate::envelope::Data<Status>)))]
pub(crate) async fn health() -> Single<Status> {
    Single(Status { status: "ok" })
}

/// Every dependency answers.
#[utoipa::path(get, path = "/ready", tag = "operations",
    responses(
        (status = 200, description = "Every dependency answers", body = crate::envelope::Data<Status>),
        (status = 503, description = "A dependency does not answer; `details` names it", body = crate::envelope::ErrorEnvelope),
    ))]
pub(crate) async fn ready(State(readiness): State<Readiness>) -> Response {
    let results = futures_util::future::join_all(readiness.checks.iter().map(|check| async {
        let outcome = tokio::time::timeout(readiness.timeout, check.check()).await;
        match outcome {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(FieldError::new(check.name().to_owned(), why)),
            Err(_) => Some(FieldError::new(check.name().to_owned(), "timed out")),
        }
    }))
    .await;
    let failures: Vec<FieldError> = results.into_iter().flatten().collect();
    if failures.is_empty() {
        Single(Status { status: "ready" }).into_response()
    } else {
        Error::service_unavailable(Duration::from_secs(5))
            .with_message("Not ready")
            .with_details(failures)
            .into_response()
    }
}
