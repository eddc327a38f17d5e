//! Where cached entries live: the [`CacheStore`] trait and its in-process [`MemoryStore`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use moka::Expiry;

use crate::Error;

/// Where cached bytes live: [`MemoryStore`] in this process, `RedisStore` (feature `redis`)
/// shared by every instance. Errors mean "the store could not answer"; [`super::Cache`] turns
/// them into misses and ignored writes.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use rustbe_core::cache::{CacheStore, MemoryStore};
/// let store: &dyn CacheStore = &MemoryStore::new(1 << 20);
/// store.set("k", "v".into(), Duration::from_secs(1)).await.unwrap();
/// store.delete("k").await.unwrap();
/// assert!(store.get("k").await.unwrap().is_none());
/// assert_eq!(store.counter("g").await.unwrap(), 0);
/// # });
/// ```
pub trait CacheStore: Send + Sync + 'static {
    /// The value under `key`, if present and not expired.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, Error>>;
    /// Stores `value` under `key` for `ttl`.
    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// Removes `key`.
    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>>;
    /// Adds one to the counter at `key` (from 0) and returns the new value; counters do not
    /// expire.
    fn incr<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>>;
    /// The counter at `key` (0 when absent).
    fn counter<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>>;
}

#[derive(Clone)]
struct Entry {
    bytes: Bytes,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &String, entry: &Entry, _: Instant) -> Option<Duration> {
        Some(entry.ttl)
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(entry.ttl)
    }
}

/// An in-process store (moka), bounded by the total size of its values; the least useful
/// entries go first when it is full. Each entry expires after its own TTL.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use rustbe_core::cache::{CacheStore, MemoryStore};
///
/// let store = MemoryStore::new(1 << 20);
/// store.set("k", "v".into(), Duration::from_secs(60)).await.unwrap();
/// assert_eq!(store.get("k").await.unwrap().as_deref(), Some(&b"v"[..]));
/// assert_eq!(store.incr("gen").await.unwrap(), 1);
/// # });
/// ```
pub struct MemoryStore {
    entries: moka::future::Cache<String, Entry>,
    counters: Mutex<HashMap<String, u64>>,
}

impl MemoryStore {
    /// A store holding at most about `max_bytes` of keys and values.
    ///
    /// ```
    /// let store = rustbe_core::cache::MemoryStore::new(16 << 20);
    /// assert!(format!("{store:?}").starts_with("MemoryStore"));
    /// ```
    #[must_use]
    pub fn new(max_bytes: u64) -> Self {
        let entries = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|key: &String, entry: &Entry| {
                u32::try_from(key.len() + entry.bytes.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        Self {
            entries,
            counters: Mutex::new(HashMap::new()),
        }
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.counters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("entries", &self.entries.entry_count())
            .finish_non_exhaustive()
    }
}

impl CacheStore for MemoryStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, Error>> {
        Box::pin(async move { Ok(self.entries.get(key).await.map(|e| e.bytes)) })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        value: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.entries
                .insert(key.to_owned(), Entry { bytes: value, ttl })
                .await;
            Ok(())
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            self.entries.invalidate(key).await;
            Ok(())
        })
    }

    fn incr<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move {
            let mut counters = self.counters();
            let value = counters.entry(key.to_owned()).or_insert(0);
            *value += 1;
            Ok(*value)
        })
    }

    fn counter<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>> {
        Box::pin(async move { Ok(self.counters().get(key).copied().unwrap_or(0)) })
    }
}

#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

#[cfg(feature = "redis")]
mod redis_store {
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use fred::prelude::{Client, Expiration, KeysInterface};
    use futures_util::future::BoxFuture;

    use super::CacheStore;
    use crate::Error;
    use crate::redis::CircuitBreaker;

    /// A store in Redis, shared by every instance: `GET`, `SET … PX`, `DEL`, `INCR`, one
    /// command each, bounded by the client's command timeout (see `crate::redis::connect`)
    /// and sent through the client's [`CircuitBreaker`]: while it is open, every operation
    /// fails at once (the cache reads from the loader) instead of waiting on Redis.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), rustbe_core::Error> {
    /// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
    /// let store = rustbe_core::cache::RedisStore::new(client);
    /// # Ok(()) }
    /// ```
    #[derive(Clone)]
    pub struct RedisStore {
        client: Client,
        breaker: Arc<CircuitBreaker>,
    }

    impl RedisStore {
        /// A store over `client`.
        ///
        /// ```
        /// # async fn run() -> Result<(), rustbe_core::Error> {
        /// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
        /// let cache = rustbe_core::cache::Cache::new(std::sync::Arc::new(rustbe_core::cache::RedisStore::new(client)), "shop");
        /// # Ok(()) }
        /// ```
        #[must_use]
        pub fn new(client: Client) -> Self {
            let breaker = CircuitBreaker::for_client(&client);
            Self { client, breaker }
        }
    }

    impl std::fmt::Debug for RedisStore {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisStore")
                .field("breaker", &self.breaker.state())
                .finish_non_exhaustive()
        }
    }

    fn unavailable(err: fred::error::Error) -> Error {
        Error::service_unavailable(Duration::from_secs(1))
            .with_message("Cache unavailable")
            .with_source(err)
    }

    impl CacheStore for RedisStore {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Option<Bytes>, Error>> {
            Box::pin(async move {
                self.breaker
                    .command("GET", || self.client.get::<Option<Bytes>, _>(key))
                    .await
                    .map_err(unavailable)
            })
        }

        fn set<'a>(
            &'a self,
            key: &'a str,
            value: Bytes,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async move {
                let ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX).max(1);
                self.breaker
                    .command("SET", || {
                        self.client.set::<(), _, _>(
                            key,
                            value,
                            Some(Expiration::PX(ms)),
                            None,
                            false,
                        )
                    })
                    .await
                    .map_err(unavailable)
            })
        }

        fn delete<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async move {
                self.breaker
                    .command("DEL", || self.client.del::<(), _>(key))
                    .await
                    .map_err(unavailable)
            })
        }

        fn incr<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>> {
            Box::pin(async move {
                self.breaker
                    .command("INCR", || self.client.incr::<u64, _>(key))
                    .await
                    .map_err(unavailable)
            })
        }

        fn counter<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<u64, Error>> {
            Box::pin(async move {
                Ok(self
                    .breaker
                    .command("GET", || self.client.get::<Option<u64>, _>(key))
                    .await
                    .map_err(unavailable)?
                    .unwrap_or(0))
            })
        }
    }
}
