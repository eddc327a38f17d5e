//! Prometheus metrics (feature `metrics`) through the [`metrics`](facade) facade.
//!
//! [`Metrics::install`] puts a Prometheus recorder in place for the process; from then on the
//! app's series are recorded and [`App`](crate::app::App) serves them at `METRICS_PATH` (or
//! on `METRICS_ADDR`) when `METRICS=on`. With `METRICS` off nothing is installed: no layer,
//! no recorder, and the few counters of the library (rate limit, auth, breaker) are one
//! relaxed atomic load each.
//!
//! | series | type | labels |
//! |---|---|---|
//! | [`HTTP_REQUESTS`] | counter | `method`, `route`, `status_class` |
//! | [`HTTP_DURATION`] | histogram | `method`, `route`, `status_class` |
//! | [`HTTP_IN_FLIGHT`] | gauge | |
//! | [`DB_POOL_SIZE`], [`DB_POOL_IDLE`], [`DB_POOL_MAX`], [`DB_POOL_ACQUIRE`] | gauge | `app` |
//! | [`CACHE_HITS`], [`CACHE_MISSES`], [`CACHE_LOADS`], [`CACHE_LOAD_ERRORS`], [`CACHE_STORE_ERRORS`] | counter | `app` |
//! | [`RATE_LIMITED`] | counter | `rule` |
//! | [`AUTH_FAILURES`] | counter | `reason`: `expired`, `invalid`, `revoked` |
//! | [`PASSWORD_HASH_QUEUE`] | gauge | |
//! | [`REDIS_BREAKERS`] | gauge | `state`: `closed`, `open`, `half_open` |
//! | [`REDIS_BREAKER_OPENED`] | counter | |
//!
//! `route` is the route template (`/api/products/{id}`), never the path a client sent, so
//! the number of series is bounded by the app's routes; requests no route matches are
//! [`UNMATCHED_ROUTE`]. `app` is the name of the app whose pool or cache it is
//! ([`Config::app_name`](crate::config::Config)): a scrape reports every app of the process.
//!
//! ```
//! use rustbe_core::metrics::{Metrics, facade};
//! let metrics = Metrics::install().unwrap();
//! facade::counter!("shop_orders_placed_total").increment(1);
//! assert!(metrics.render().contains("shop_orders_placed_total 1"));
//! ```

mod endpoint;
mod http;
#[doc(hidden)]
pub mod record;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use ::metrics as facade;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub(crate) use endpoint::{MetricsEndpoint, metrics_router};
pub use http::{HttpMetrics, HttpMetricsLayer, ResponseFuture};

/// Requests answered: counter by `method`, `route` and `status_class` (`2xx` …).
///
/// ```
/// assert_eq!(rustbe_core::metrics::HTTP_REQUESTS, "rustbe_http_requests_total");
/// ```
pub const HTTP_REQUESTS: &str = "rustbe_http_requests_total";
/// Time to the response head, in seconds: histogram by `method`, `route`, `status_class`.
///
/// ```
/// assert_eq!(rustbe_core::metrics::HTTP_DURATION, "rustbe_http_request_duration_seconds");
/// ```
pub const HTTP_DURATION: &str = "rustbe_http_request_duration_seconds";
/// Requests being served now: gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::HTTP_IN_FLIGHT, "rustbe_http_requests_in_flight");
/// ```
pub const HTTP_IN_FLIGHT: &str = "rustbe_http_requests_in_flight";
/// Connections the database pool holds (busy and idle): gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::DB_POOL_SIZE, "rustbe_db_pool_connections");
/// ```
pub const DB_POOL_SIZE: &str = "rustbe_db_pool_connections";
/// Idle connections of the database pool: gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::DB_POOL_IDLE, "rustbe_db_pool_idle_connections");
/// ```
pub const DB_POOL_IDLE: &str = "rustbe_db_pool_idle_connections";
/// The most connections the pool may open (`DATABASE_MAX_CONNECTIONS`): gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::DB_POOL_MAX, "rustbe_db_pool_max_connections");
/// ```
pub const DB_POOL_MAX: &str = "rustbe_db_pool_max_connections";
/// How long a connection took to acquire at the last scrape, in seconds (capped at 1 s): the
/// wait a statement would have had then, for a pool whose queue grows: gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::DB_POOL_ACQUIRE, "rustbe_db_pool_acquire_seconds");
/// ```
pub const DB_POOL_ACQUIRE: &str = "rustbe_db_pool_acquire_seconds";
/// Reads the cache answered: counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::CACHE_HITS, "rustbe_cache_hits_total");
/// ```
pub const CACHE_HITS: &str = "rustbe_cache_hits_total";
/// Reads that went to the loader: counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::CACHE_MISSES, "rustbe_cache_misses_total");
/// ```
pub const CACHE_MISSES: &str = "rustbe_cache_misses_total";
/// Loader runs (concurrent misses of one key share one): counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::CACHE_LOADS, "rustbe_cache_loads_total");
/// ```
pub const CACHE_LOADS: &str = "rustbe_cache_loads_total";
/// Loader runs that failed: counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::CACHE_LOAD_ERRORS, "rustbe_cache_load_errors_total");
/// ```
pub const CACHE_LOAD_ERRORS: &str = "rustbe_cache_load_errors_total";
/// Cache store operations that failed (served from the database anyway): counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::CACHE_STORE_ERRORS, "rustbe_cache_store_errors_total");
/// ```
pub const CACHE_STORE_ERRORS: &str = "rustbe_cache_store_errors_total";
/// Requests refused with 429: counter by `rule` (`api`, `auth` …).
///
/// ```
/// assert_eq!(rustbe_core::metrics::RATE_LIMITED, "rustbe_rate_limit_rejections_total");
/// ```
pub const RATE_LIMITED: &str = "rustbe_rate_limit_rejections_total";
/// Bearer tokens refused: counter by `reason` (`expired`, `invalid`, `revoked`).
///
/// ```
/// assert_eq!(rustbe_core::metrics::AUTH_FAILURES, "rustbe_auth_failures_total");
/// ```
pub const AUTH_FAILURES: &str = "rustbe_auth_failures_total";
/// Password hashes and checks waiting for a hashing thread of rustbe-auth (every hasher of
/// the process): gauge. Near its `max_waiting`, logins are about to get 503s.
///
/// ```
/// assert_eq!(rustbe_core::metrics::PASSWORD_HASH_QUEUE, "rustbe_password_hash_queue");
/// ```
pub const PASSWORD_HASH_QUEUE: &str = "rustbe_password_hash_queue";
/// Redis circuit breakers in each `state` (`closed`, `open`, `half_open`): gauge.
///
/// ```
/// assert_eq!(rustbe_core::metrics::REDIS_BREAKERS, "rustbe_redis_breakers");
/// ```
pub const REDIS_BREAKERS: &str = "rustbe_redis_breakers";
/// Times a Redis circuit breaker opened (the start of an outage): counter.
///
/// ```
/// assert_eq!(rustbe_core::metrics::REDIS_BREAKER_OPENED, "rustbe_redis_breaker_opened_total");
/// ```
pub const REDIS_BREAKER_OPENED: &str = "rustbe_redis_breaker_opened_total";
/// The `route` of requests no route matched.
///
/// ```
/// assert_eq!(rustbe_core::metrics::UNMATCHED_ROUTE, "unmatched");
/// ```
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Bucket bounds of [`HTTP_DURATION`], in seconds: 1 ms to 10 s.
///
/// ```
/// use rustbe_core::metrics::DURATION_BUCKETS;
/// assert_eq!((DURATION_BUCKETS[0], DURATION_BUCKETS[13]), (0.001, 10.0));
/// assert!(DURATION_BUCKETS.windows(2).all(|w| w[0] < w[1]));
/// ```
pub const DURATION_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Set once a recorder of ours is installed: the library's counters check it first, so that
/// without metrics they cost one relaxed load and build no key.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// The process's recorder, installed by the first [`Metrics::install`].
static INSTALLED: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();

/// Is a recorder of ours installed (are metrics being recorded)?
///
/// ```
/// rustbe_core::metrics::Metrics::install().unwrap();
/// assert!(rustbe_core::metrics::is_enabled());
/// ```
#[must_use]
#[inline]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Why metrics could not be installed.
///
/// ```
/// let err = rustbe_core::metrics::MetricsError::AlreadyInstalled;
/// assert!(err.to_string().contains("another metrics recorder"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MetricsError {
    /// The process has a recorder that is not rustbe's.
    #[error("another metrics recorder is installed in this process")]
    AlreadyInstalled,
    /// The exporter refused its settings.
    #[error("the Prometheus exporter could not be built: {0}")]
    Build(String),
}

/// The process's Prometheus recorder: what renders the scrape.
///
/// ```
/// use rustbe_core::metrics::{Metrics, facade};
/// let metrics = Metrics::install().unwrap();
/// facade::gauge!("shop_queue_depth").set(3.0);
/// assert!(metrics.render().contains("shop_queue_depth 3"));
/// ```
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Installs the Prometheus recorder for the process (once: later calls return the same
    /// recorder), with [`DURATION_BUCKETS`] for [`HTTP_DURATION`].
    ///
    /// # Errors
    ///
    /// [`MetricsError::AlreadyInstalled`] when another recorder was installed first.
    ///
    /// ```
    /// use rustbe_core::metrics::Metrics;
    /// let first = Metrics::install().unwrap();
    /// let again = Metrics::install().unwrap();
    /// assert_eq!(first.render().is_empty(), again.render().is_empty());
    /// ```
    pub fn install() -> Result<Self, MetricsError> {
        INSTALLED
            .get_or_init(|| {
                let handle = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), &DURATION_BUCKETS)
                    .map_err(|e| MetricsError::Build(e.to_string()))?
                    .install_recorder()
                    .map_err(|e| match e {
                        metrics_exporter_prometheus::BuildError::FailedToSetGlobalRecorder(_) => {
                            MetricsError::AlreadyInstalled
                        }
                        other => MetricsError::Build(other.to_string()),
                    })?;
                describe();
                ENABLED.store(true, Ordering::Relaxed);
                Ok(handle)
            })
            .clone()
            .map(|handle| Self { handle })
    }

    /// The Prometheus text format of every series.
    ///
    /// ```
    /// let metrics = rustbe_core::metrics::Metrics::install().unwrap();
    /// rustbe_core::metrics::facade::counter!("doc_render_total").increment(2);
    /// assert!(metrics.render().contains("doc_render_total 2"));
    /// ```
    #[must_use]
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drains histogram samples into their buckets every `period`, so memory stays flat
    /// between scrapes (a scrape does it too). Needs a Tokio runtime; the task ends with it.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let metrics = rustbe_core::metrics::Metrics::install().unwrap();
    /// let task = metrics.spawn_upkeep(std::time::Duration::from_secs(5));
    /// task.abort();
    /// # });
    /// ```
    pub fn spawn_upkeep(&self, period: Duration) -> tokio::task::JoinHandle<()> {
        let handle = self.handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        })
    }
}

/// The help lines of rustbe's series.
fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route template and status class"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time from request to response head, by method, route template and status class"
    );
    describe_gauge!(HTTP_IN_FLIGHT, "HTTP requests being served");
    describe_gauge!(DB_POOL_SIZE, "Connections held by the database pool");
    describe_gauge!(DB_POOL_IDLE, "Idle connections of the database pool");
    describe_gauge!(DB_POOL_MAX, "Most connections the database pool may open");
    describe_gauge!(
        DB_POOL_ACQUIRE,
        Unit::Seconds,
        "Time a database connection took to acquire at the last scrape (capped at 1 s)"
    );
    describe_counter!(CACHE_HITS, "Cache reads answered by the cache");
    describe_counter!(CACHE_MISSES, "Cache reads that went to the loader");
    describe_counter!(CACHE_LOADS, "Cache loader runs");
    describe_counter!(CACHE_LOAD_ERRORS, "Cache loader runs that failed");
    describe_counter!(
        CACHE_STORE_ERRORS,
        "Cache store operations that failed (served from the database)"
    );
    describe_counter!(RATE_LIMITED, "Requests refused by a rate limit, by rule");
    describe_counter!(AUTH_FAILURES, "Bearer tokens refused, by reason");
    describe_gauge!(
        PASSWORD_HASH_QUEUE,
        "Password hashes and checks waiting for a hashing thread"
    );
    describe_gauge!(REDIS_BREAKERS, "Redis circuit breakers in each state");
    describe_counter!(REDIS_BREAKER_OPENED, "Times a Redis circuit breaker opened");
}
