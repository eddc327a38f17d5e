//! The scrape endpoint: the gauges read at scrape time (database pool, cache counters, Redis
//! breakers), then the Prometheus text of every series.
//!
//! The recorder is the process's, so a scrape reports the pool and cache of every live app of
//! the process, each under its `app` label ([`Config::app_name`](crate::config::Config)):
//! two apps in one process (a public and an admin API, or the tests of a crate) are told
//! apart, instead of each scrape overwriting the other app's values with its own.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, HeaderValue, header};
use sea_orm::{DatabaseConnection, DatabaseConnectionType};
use sha2::{Digest, Sha256};

use super::{
    CACHE_HITS, CACHE_LOAD_ERRORS, CACHE_LOADS, CACHE_MISSES, CACHE_STORE_ERRORS, DB_POOL_ACQUIRE,
    DB_POOL_IDLE, DB_POOL_MAX, DB_POOL_SIZE, Metrics,
};
use crate::Error;
use crate::cache::Cache;

/// What one app's scrapes read: its pool and its cache, under its name.
struct Source {
    app: String,
    db: Option<DatabaseConnection>,
    cache: Option<Cache>,
}

/// The sources of every app with metrics on, weakly: an app that is dropped (its router and
/// its scrape route with it) stops being read, and its pool is not kept open by this list.
static SOURCES: Mutex<Vec<Weak<Source>>> = Mutex::new(Vec::new());

/// The live sources, in the order their apps were built; the dropped ones are forgotten.
fn live_sources() -> Vec<Arc<Source>> {
    let mut sources = SOURCES.lock().unwrap_or_else(PoisonError::into_inner);
    sources.retain(|source| source.strong_count() > 0);
    sources.iter().filter_map(Weak::upgrade).collect()
}

/// What the scrape handler reads.
#[derive(Clone)]
pub(crate) struct MetricsEndpoint {
    metrics: Metrics,
    /// This app's pool and cache; its entry in [`SOURCES`] lives as long as this does.
    _source: Arc<Source>,
    /// SHA-256 of `METRICS_TOKEN`: the comparison is of digests, so its time says nothing
    /// about the token.
    token: Option<Arc<[u8; 32]>>,
}

impl MetricsEndpoint {
    /// The scrape of the app `app`, whose `db` and `cache` are read at each scrape of any
    /// app of the process; `token` is `METRICS_TOKEN`.
    pub(crate) fn new(
        metrics: Metrics,
        app: &str,
        db: Option<DatabaseConnection>,
        cache: Option<Cache>,
        token: Option<&str>,
    ) -> Self {
        let source = Arc::new(Source {
            app: app.to_owned(),
            db,
            cache,
        });
        SOURCES
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Arc::downgrade(&source));
        Self {
            metrics,
            _source: source,
            token: token.map(Self::digest),
        }
    }

    /// The digest `token` is compared by.
    fn digest(token: &str) -> Arc<[u8; 32]> {
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
    for source in live_sources() {
        let app = [("app", source.app.clone())];
        if let Some(db) = &source.db {
            pool_gauges(db, &app).await;
        }
        if let Some(cache) = &source.cache {
            let stats = cache.stats();
            ::metrics::counter!(CACHE_HITS, &app).absolute(stats.hits);
            ::metrics::counter!(CACHE_MISSES, &app).absolute(stats.misses);
            ::metrics::counter!(CACHE_LOADS, &app).absolute(stats.loads);
            ::metrics::counter!(CACHE_LOAD_ERRORS, &app).absolute(stats.load_errors);
            ::metrics::counter!(CACHE_STORE_ERRORS, &app).absolute(stats.errors);
        }
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

/// The longest a scrape waits for a connection to time its acquisition.
const ACQUIRE_PROBE: Duration = Duration::from_secs(1);

/// How long a connection takes to acquire now, then the size, idle count and maximum of the
/// sqlx pool behind `db`, labelled `app`.
async fn pool_gauges(db: &DatabaseConnection, app: &[(&'static str, String); 1]) {
    // On the variant, not the backend: a mock connection may claim to be Postgres, and the
    // pool getters panic on anything but their own pool.
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
            pool_series(db.get_postgres_connection_pool(), app).await;
        }
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
            pool_series(db.get_sqlite_connection_pool(), app).await;
        }
        _ => {}
    }
}

async fn pool_series<DB: sea_orm::sqlx::Database>(
    pool: &sea_orm::sqlx::Pool<DB>,
    app: &[(&'static str, String); 1],
) {
    // What a request's statement would wait for a connection now (the pool's queue, or the
    // opening of a connection), capped at `ACQUIRE_PROBE`; the connection goes straight back.
    // First, so that the sizes below count a connection it may have opened.
    let started = Instant::now();
    drop(tokio::time::timeout(ACQUIRE_PROBE, pool.acquire()).await);
    ::metrics::gauge!(DB_POOL_ACQUIRE, app).set(started.elapsed().as_secs_f64());
    let (size, idle, max) = (
        pool.size(),
        pool.num_idle(),
        pool.options().get_max_connections(),
    );
    ::metrics::gauge!(DB_POOL_SIZE, app).set(f64::from(size));
    ::metrics::gauge!(DB_POOL_IDLE, app).set(idle as f64);
    ::metrics::gauge!(DB_POOL_MAX, app).set(f64::from(max));
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
