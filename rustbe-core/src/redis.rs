//! Connecting to Redis (feature `redis`) with short timeouts and reconnection, so an outage
//! makes commands fail fast instead of hanging requests; and the [`CircuitBreaker`] every
//! rustbe type on one client shares, so that during an outage only one command per
//! [`BREAKER_COOL_DOWN`] waits for the timeout and the others fail at once.

mod breaker;

use std::time::Duration;

pub use breaker::{BREAKER_COOL_DOWN, BreakerState, CircuitBreaker, SPAN_TARGET};
pub use fred;
use fred::prelude::{Builder, Client, ClientLike, Config, ReconnectPolicy};

use crate::Error;

/// How long one command may take before it fails. A Redis that does not answer costs at most
/// this long, once per [`BREAKER_COOL_DOWN`]: the failure opens the client's
/// [`CircuitBreaker`], and until it lets a probe through the other commands fail at once.
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::redis::COMMAND_TIMEOUT;
/// assert_eq!(COMMAND_TIMEOUT, Duration::from_millis(500));
/// assert!(COMMAND_TIMEOUT < Duration::from_secs(1), "well under a client's patience");
/// ```
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// Connects to `url` (`redis://…`, `rediss://…`, cluster URLs as fred reads them).
///
/// Commands time out after [`COMMAND_TIMEOUT`]; a lost connection is re-established in the
/// background with exponential back-off (100 ms to 2 s), so the app recovers without a
/// restart. If Redis does not answer at start, the client is returned anyway (with a warning):
/// callers degrade or fail closed per request until it comes back. `RedisStore`,
/// `RedisRateLimiter` and `RedisRevocationList` built on the client (or its clones) send their
/// commands through its one [`CircuitBreaker::for_client`].
///
/// ```no_run
/// # async fn run() -> Result<(), rustbe_core::Error> {
/// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str) -> Result<Client, Error> {
    // A start-up error, never an answer: the message says what to fix.
    let config = Config::from_url(url).map_err(|e| {
        let message = format!("REDIS_URL is not a Redis URL: {}", e.details());
        Error::internal(message.clone()).with_message(message)
    })?;
    let client = Builder::from_config(config)
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(1);
            c.internal_command_timeout = Duration::from_secs(1);
            c.max_command_attempts = 1;
        })
        .with_performance_config(|p| p.default_command_timeout = COMMAND_TIMEOUT)
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2000, 2))
        .build()
        .map_err(Error::internal)?;
    client.connect();
    match tokio::time::timeout(Duration::from_secs(2), client.wait_for_connect()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "Redis is not reachable yet; retrying in the background");
        }
        Err(_) => tracing::warn!("Redis did not answer within 2s; retrying in the background"),
    }
    Ok(client)
}
