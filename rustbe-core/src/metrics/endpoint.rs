//! The scrape endpoint: the gauges read at scrape time (database pool, cache counters, Redis
//! breakers), then the Prometheus text of every series.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, header};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use sha2::{Digest, Sha256};

use super::{
    CACHE_HITS, CACHE_LOAD_ERRORS, CACHE_LOADS, CACHE_MISSES, CACHE_STORE_ERRORS, DB_POOL_IDLE,
    DB_POOL_MAX, DB_POOL_SIZE, Metrics,
};
use crate::Error;
use crate::cache::Cache;

/// What the scrape handler reads.
#[derive(Clone)]
pub(crate) struct MetricsEndpoint {
    pub(crate) metrics: Metrics,
    pub(crate) db: Option<DatabaseConnection>,
    pub(crate) cache: Option<Cache>,
    /// SHA-256 of `METRICS_TOKEN`: the comparison is of digests, so its time says nothing
    /// about the token.
    pub(crate) token: Option<Arc<[u8; 32]>>,
}

impl MetricsEndpoint {
    /// The digest `token` is compared by.
    pub(crate) fn digest(token: &str) -> Arc<[u8; 32]> {
        Arc::new(Sha256::digest(token.as_bytes()).into())
    }
}

/// `GET path` serving the scrape.
pub(crate) fn metrics_router(path: &str, endpoint: MetricsEndpoint) -> Router {
    Router::new().route(path, get(scrape)).with_state(endpoint)
}

async fn scrape(State(endpoint): State<MetricsEndpoint>, headers: HeaderMap) -> Response {
    if let Some(expected) = &endpoint.token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|token| MetricsEndpoint::digest(token.trim()));
        if given.as_deref() != Some(&**expected) {
            return Error::unauthorized()
                .with_message("This endpoint needs the metrics bearer token")
                .into_response();
        }
    }
    if let Some(db) = &endpoint.db {
        pool_gauges(db);
    }
    if let Some(cache) = &endpoint.cache {
        let stats = cache.stats();
        ::metrics::counter!(CACHE_HITS).absolute(stats.hits);
        ::metrics::counter!(CACHE_MISSES).absolute(stats.misses);
        ::metrics::counter!(CACHE_LOADS).absolute(stats.loads);
        ::metrics::counter!(CACHE_LOAD_ERRORS).absolute(stats.load_errors);
        ::metrics::counter!(CACHE_STORE_ERRORS).absolute(stats.errors);
    }
    #[cfg(feature = "redis")]
    breaker_gauges();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        endpoint.metrics.render(),
    )
        .into_response()
}

/// Size, idle count and maximum of the sqlx pool behind `db`.
fn pool_gauges(db: &DatabaseConnection) {
    // On the variant, not the backend: a mock connection may claim to be Postgres, and the
    // pool getters panic on anything but their own pool.
    let (size, idle, max) = match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            let pool = db.get_postgres_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            let pool = db.get_sqlite_connection_pool();
            (
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            )
        }
        _ => return,
    };
    ::metrics::gauge!(DB_POOL_SIZE).set(f64::from(size));
    ::metrics::gauge!(DB_POOL_IDLE).set(idle as f64);
    ::metrics::gauge!(DB_POOL_MAX).set(f64::from(max));
}

/// How many Redis circuit breakers are closed, open and half-open.
#[cfg(feature = "redis")]
fn breaker_gauges() {
    use crate::redis::{BreakerState, CircuitBreaker};
    let states = CircuitBreaker::client_states();
    let count = |wanted: BreakerState| states.iter().filter(|s| **s == wanted).count() as f64;
    for (state, label) in [
        (BreakerState::Closed, "closed"),
        (BreakerState::Open, "open"),
        (BreakerState::HalfOpen, "half_open"),
    ] {
        ::metrics::gauge!(super::REDIS_BREAKERS, "state" => label).set(count(state));
    }
}
