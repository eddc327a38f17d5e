//! [`Shared`]: where the state that an app's instances must agree on lives (the rate limit's
//! counts, the cache), in Redis when `REDIS_URL` is set and in the process otherwise.

use std::sync::Arc;

use crate::Error;
use crate::cache::Cache;
use crate::config::Config;
use crate::rate_limit::{MemoryRateLimiter, RateLimiter};

use super::App;

/// The in-process cache's size when there is no Redis: 64 MiB.
///
/// ```
/// assert_eq!(rustbe_core::app::MEMORY_CACHE_BYTES, 64 << 20);
/// ```
pub const MEMORY_CACHE_BYTES: u64 = 64 << 20;

/// The rate limiter and the cache an app's configuration asks for, and the Redis client
/// behind them: with `REDIS_URL` (feature `redis`) both are in Redis, so that several
/// instances share the counts and the cached rows; without it they are in this process
/// ([`MemoryRateLimiter`], a [`Cache::memory`] of [`MEMORY_CACHE_BYTES`]). `CACHE=off`
/// gives a disabled cache either way. Keys are prefixed with the app's name. rustbe-auth's
/// `AuthServiceBuilder::shared` puts its revocation list and its limits in the same place.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::{app::{App, Shared}, config::Config};
/// let config = Config::for_tests("shop"); // no REDIS_URL: in memory
/// let shared = Shared::connect(&config).await.unwrap();
/// assert!(!shared.is_redis());
/// let app = App::new(config).shared(&shared); // its cache and its rate limiter
/// # });
/// ```
#[derive(Clone)]
pub struct Shared {
    #[cfg(feature = "redis")]
    redis: Option<crate::redis::fred::prelude::Client>,
    limiter: Arc<dyn RateLimiter>,
    cache: Cache,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Shared");
        #[cfg(feature = "redis")]
        debug.field("redis", &self.redis.is_some());
        debug.finish_non_exhaustive()
    }
}

impl Shared {
    /// Connects to `REDIS_URL` when `config` has one (feature `redis`; without the feature
    /// the URL is refused rather than ignored), or keeps everything in memory.
    ///
    /// A Redis that does not answer yet is not an error: the client reconnects in the
    /// background, and the cache and the limiter degrade per request until it answers
    /// ([`redis::connect`](crate::redis::connect)).
    ///
    /// # Errors
    /// When `REDIS_URL` is not a Redis URL, or is set in a build without the `redis` feature.
    ///
    /// See [`Shared`] for an example.
    pub async fn connect(config: &Config) -> Result<Self, Error> {
        let app = config.app_name.as_str();
        #[cfg(feature = "redis")]
        if let Some(url) = &config.redis_url {
            let client = crate::redis::connect(url.expose()).await?;
            let store = Arc::new(crate::cache::RedisStore::new(client.clone()));
            return Ok(Self {
                limiter: Arc::new(crate::rate_limit::RedisRateLimiter::new(
                    client.clone(),
                    app,
                )),
                cache: cached(config, Cache::new(store, app)),
                redis: Some(client),
            });
        }
        #[cfg(not(feature = "redis"))]
        if config.redis_url.is_some() {
            let message = "REDIS_URL is set, but rustbe-core was built without its `redis` feature";
            return Err(Error::internal(message).with_message(message));
        }
        Ok(Self {
            #[cfg(feature = "redis")]
            redis: None,
            limiter: Arc::new(MemoryRateLimiter::new()),
            cache: cached(config, Cache::memory(app, MEMORY_CACHE_BYTES)),
        })
    }

    /// The Redis client, when `REDIS_URL` was set (for the app's own shared state).
    ///
    /// See [`Shared`] for an example.
    #[cfg(feature = "redis")]
    #[must_use]
    pub fn redis(&self) -> Option<&crate::redis::fred::prelude::Client> {
        self.redis.as_ref()
    }

    /// Whether the state is in Redis (`REDIS_URL` was set), rather than in this process.
    ///
    /// See [`Shared`] for an example.
    #[must_use]
    pub fn is_redis(&self) -> bool {
        #[cfg(feature = "redis")]
        return self.redis.is_some();
        #[cfg(not(feature = "redis"))]
        false
    }

    /// The rate limiter.
    ///
    /// See [`Shared`] for an example.
    #[must_use]
    pub fn limiter(&self) -> Arc<dyn RateLimiter> {
        self.limiter.clone()
    }

    /// The cache.
    ///
    /// See [`Shared`] for an example.
    #[must_use]
    pub fn cache(&self) -> Cache {
        self.cache.clone()
    }
}

/// `cache`, or a disabled cache under `CACHE=off`.
fn cached(config: &Config, cache: Cache) -> Cache {
    if config.cache {
        cache
    } else {
        Cache::disabled(&config.app_name)
    }
}

impl App {
    /// Uses `shared`'s cache ([`App::cache`]) and rate limiter ([`App::rate_limiter`]).
    ///
    /// See [`Shared`] for an example.
    pub fn shared(self, shared: &Shared) -> Self {
        self.cache(shared.cache()).rate_limiter(shared.limiter())
    }
}
