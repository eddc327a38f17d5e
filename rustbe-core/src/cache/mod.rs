//! Cache-aside: read through a cache, load from the database on a miss, invalidate on write.
//!
//! [`Cache`] is the helper handlers use; it sits on a [`CacheStore`]: [`MemoryStore`] in this
//! process, or `RedisStore` (feature `redis`) shared by every instance. A store that cannot
//! answer never fails a request: reads fall through to the loader and writes are skipped, with
//! one warning per outage and one line when it recovers.

mod flight;
mod store;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

#[cfg(feature = "redis")]
pub use store::RedisStore;
pub use store::{CacheStore, MemoryStore};

use crate::Error;
use flight::{Flight, Flights};

/// Hit, miss and error counts since the cache was made, for metrics.
///
/// ```
/// let stats = rustbe_core::cache::Cache::memory("shop", 1 << 20).stats();
/// assert_eq!(stats, rustbe_core::cache::CacheStats::default());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CacheStats {
    /// Reads answered by the cache.
    pub hits: u64,
    /// Reads that ran the loader (or joined a load already running).
    pub misses: u64,
    /// Store operations that failed (the request was served anyway).
    pub errors: u64,
    /// Loader runs.
    pub loads: u64,
    /// Loader runs that failed (the error went to the caller; nothing was stored).
    pub load_errors: u64,
}

#[derive(Default)]
struct Counters {
    hits: AtomicU64,
    misses: AtomicU64,
    errors: AtomicU64,
    loads: AtomicU64,
    load_errors: AtomicU64,
}

struct Inner {
    store: Arc<dyn CacheStore>,
    prefix: String,
    negative_ttl: Option<Duration>,
    counters: Counters,
    degraded: AtomicBool,
    flights: Flights,
    /// `false` for [`Cache::disabled`]: every read is the loader's.
    enabled: bool,
}

/// The cache-aside helper. Cheap to clone.
///
/// - [`Cache::get_or_load`]: the cached value, or the loader's, stored for `ttl`;
///   concurrent misses of one key in this process run the loader once (single flight);
/// - [`Cache::invalidate`] removes one key; [`Cache::invalidate_group`] makes every key of a
///   group (say, every list of a resource) unreachable at once by bumping the group's
///   generation (no `KEYS`, no `FLUSHDB`);
/// - "not found" is cached too when [`Cache::negative_ttl`] is set;
/// - values are MessagePack, keys `{app}:{namespace}:{key}`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use rustbe_core::cache::Cache;
///
/// let cache = Cache::memory("shop", 16 << 20);
/// let load = || async { Ok::<_, rustbe_core::Error>(Some("Running Shoes".to_owned())) };
/// let name = cache.get_or_load("product", "42", Duration::from_secs(3600), load).await.unwrap();
/// assert_eq!(name.as_deref(), Some("Running Shoes"));
/// let again: Option<String> = cache.get_or_load("product", "42", Duration::from_secs(3600), || async {
///     unreachable!("served from the cache")
/// }).await.unwrap();
/// assert_eq!(cache.stats().hits, 1);
/// cache.invalidate("product", "42").await;
/// # });
/// ```
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("prefix", &self.inner.prefix)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// A cache over `store`, with keys under `app:`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustbe_core::cache::{Cache, MemoryStore};
    /// let cache = Cache::new(Arc::new(MemoryStore::new(1 << 20)), "shop");
    /// assert_eq!(cache.stats().loads, 0);
    /// ```
    #[must_use]
    pub fn new(store: Arc<dyn CacheStore>, app: &str) -> Self {
        Self::build(store, app.to_owned(), None)
    }

    fn build(store: Arc<dyn CacheStore>, prefix: String, negative_ttl: Option<Duration>) -> Self {
        Self::build_with(store, prefix, negative_ttl, true)
    }

    fn build_with(
        store: Arc<dyn CacheStore>,
        prefix: String,
        negative_ttl: Option<Duration>,
        enabled: bool,
    ) -> Self {
        let inner = Inner {
            store,
            prefix,
            negative_ttl,
            counters: Counters::default(),
            degraded: AtomicBool::new(false),
            flights: Flights::default(),
            enabled,
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    /// An in-process cache of at most about `max_bytes`.
    ///
    /// ```
    /// let cache = rustbe_core::cache::Cache::memory("shop", 64 << 20);
    /// assert!(format!("{cache:?}").contains("shop"));
    /// ```
    #[must_use]
    pub fn memory(app: &str, max_bytes: u64) -> Self {
        Self::new(Arc::new(MemoryStore::new(max_bytes)), app)
    }

    /// A cache that keeps nothing (`CACHE=off`): every read runs its loader, invalidations do
    /// nothing. Handlers that take a [`Cache`] work unchanged; use it to rule the cache out
    /// when chasing a stale answer, or to measure the uncached path.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::disabled("shop");
    /// for n in [1_u8, 2] {
    ///     let got = cache.get_or_load("p", "1", Duration::from_secs(60), || async move { Ok(Some(n)) }).await.unwrap();
    ///     assert_eq!(got, Some(n), "never served from the cache");
    /// }
    /// assert_eq!((cache.stats().hits, cache.stats().loads), (0, 2));
    /// assert!(!cache.is_enabled());
    /// # });
    /// ```
    #[must_use]
    pub fn disabled(app: &str) -> Self {
        Self::build_with(Arc::new(MemoryStore::new(0)), app.to_owned(), None, false)
    }

    /// `false` for [`Cache::disabled`].
    ///
    /// ```
    /// assert!(rustbe_core::cache::Cache::memory("shop", 1 << 20).is_enabled());
    /// ```
    #[must_use]
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled
    }

    /// Also caches "not found" (a loader's `None`) for `ttl`, so a flood of requests for a
    /// missing row reaches the database once per `ttl`.
    ///
    /// ```
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20).negative_ttl(std::time::Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn negative_ttl(self, ttl: Duration) -> Self {
        Self::build_with(
            self.inner.store.clone(),
            self.inner.prefix.clone(),
            Some(ttl),
            self.inner.enabled,
        )
    }

    /// Counts since the cache was made.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20);
    /// cache.get_or_load("p", "1", Duration::from_secs(60), || async { Ok(Some(1_u8)) }).await.unwrap();
    /// cache.get_or_load("p", "1", Duration::from_secs(60), || async { Ok(Some(1_u8)) }).await.unwrap();
    /// assert_eq!((cache.stats().hits, cache.stats().misses, cache.stats().loads), (1, 1, 1));
    /// # });
    /// ```
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        let c = &self.inner.counters;
        CacheStats {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            errors: c.errors.load(Ordering::Relaxed),
            loads: c.loads.load(Ordering::Relaxed),
            load_errors: c.load_errors.load(Ordering::Relaxed),
        }
    }

    /// The cached value of `namespace`/`key`, or else the loader's, stored for `ttl`.
    /// Loader errors are returned and nothing is stored.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20);
    /// let missing: Option<String> = cache.get_or_load("product", "404", Duration::from_secs(60), || async { Ok(None) }).await.unwrap();
    /// assert!(missing.is_none());
    /// # });
    /// ```
    pub async fn get_or_load<T, F, Fut>(
        &self,
        namespace: &str,
        key: &str,
        ttl: Duration,
        load: F,
    ) -> Result<Option<T>, Error>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        if !self.inner.enabled {
            return self.bypass(load).await;
        }
        let full = format!("{}:{namespace}:{key}", self.inner.prefix);
        self.read_through(&full, ttl, load).await
    }

    /// The loader's answer, for a disabled cache.
    async fn bypass<T, F, Fut>(&self, load: F) -> Result<Option<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        self.inner.counters.misses.fetch_add(1, Ordering::Relaxed);
        self.inner.counters.loads.fetch_add(1, Ordering::Relaxed);
        self.counted(load().await)
    }

    /// `outcome` of a loader, counted in `load_errors` when it failed.
    fn counted<T>(&self, outcome: Result<T, Error>) -> Result<T, Error> {
        if outcome.is_err() {
            self.inner
                .counters
                .load_errors
                .fetch_add(1, Ordering::Relaxed);
        }
        outcome
    }

    /// Like [`Cache::get_or_load`] for a key of `group` (e.g. a page of a list), so that
    /// [`Cache::invalidate_group`] drops it with the rest of the group. Costs one more store
    /// read (the group's generation).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20);
    /// let page = || async { Ok(Some(vec!["Shoes".to_owned()])) };
    /// let first = cache.get_or_load_in_group("product", "lists", "page=1", Duration::from_secs(60), page).await.unwrap();
    /// assert_eq!(first.unwrap(), ["Shoes"]);
    /// # });
    /// ```
    pub async fn get_or_load_in_group<T, F, Fut>(
        &self,
        namespace: &str,
        group: &str,
        key: &str,
        ttl: Duration,
        load: F,
    ) -> Result<Option<T>, Error>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        if !self.inner.enabled {
            return self.bypass(load).await;
        }
        let generation_key = self.generation_key(namespace, group);
        let generation = match self.inner.store.counter(&generation_key).await {
            Ok(generation) => {
                self.ok();
                generation
            }
            // Without the generation, a cached entry might be stale: load, store nothing.
            Err(err) => {
                self.failed("read a group generation", &err);
                self.inner.counters.misses.fetch_add(1, Ordering::Relaxed);
                self.inner.counters.loads.fetch_add(1, Ordering::Relaxed);
                return self.counted(load().await);
            }
        };
        let full = format!(
            "{}:{namespace}:{group}@{generation}:{key}",
            self.inner.prefix
        );
        self.read_through(&full, ttl, load).await
    }

    /// Removes `namespace`/`key` (call it after every write to the row). A load of that key
    /// already running in this process will not store its (possibly older) value, and reads
    /// from now on start a fresh load.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20);
    /// cache.get_or_load("product", "7", Duration::from_secs(60), || async { Ok(Some(1_u8)) }).await.unwrap();
    /// cache.invalidate("product", "7").await;
    /// let reloaded = cache.get_or_load("product", "7", Duration::from_secs(60), || async { Ok(Some(2_u8)) }).await.unwrap();
    /// assert_eq!(reloaded, Some(2));
    /// # });
    /// ```
    pub async fn invalidate(&self, namespace: &str, key: &str) {
        if !self.inner.enabled {
            return;
        }
        let full = format!("{}:{namespace}:{key}", self.inner.prefix);
        self.inner.flights.invalidate(&full);
        match self.inner.store.delete(&full).await {
            Ok(()) => self.ok(),
            Err(err) => self.failed("invalidate a key", &err),
        }
    }

    /// Makes every key of `group` unreachable (they expire on their own).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use std::time::Duration;
    /// let cache = rustbe_core::cache::Cache::memory("shop", 1 << 20);
    /// let ttl = Duration::from_secs(60);
    /// cache.get_or_load_in_group("product", "lists", "1", ttl, || async { Ok(Some(1_u8)) }).await.unwrap();
    /// cache.invalidate_group("product", "lists").await;
    /// let again = cache.get_or_load_in_group("product", "lists", "1", ttl, || async { Ok(Some(2_u8)) }).await.unwrap();
    /// assert_eq!(again, Some(2));
    /// # });
    /// ```
    pub async fn invalidate_group(&self, namespace: &str, group: &str) {
        if !self.inner.enabled {
            return;
        }
        match self
            .inner
            .store
            .incr(&self.generation_key(namespace, group))
            .await
        {
            Ok(_) => self.ok(),
            Err(err) => self.failed("invalidate a group", &err),
        }
    }

    /// Asks the store for a key, to tell whether it answers (`/ready`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// assert!(rustbe_core::cache::Cache::memory("shop", 1 << 20).ping().await.is_ok());
    /// # });
    /// ```
    pub async fn ping(&self) -> Result<(), Error> {
        self.inner
            .store
            .get(&format!("{}:ping", self.inner.prefix))
            .await
            .map(|_| ())
    }

    fn generation_key(&self, namespace: &str, group: &str) -> String {
        format!("{}:gen:{namespace}:{group}", self.inner.prefix)
    }

    async fn read_through<T, F, Fut>(
        &self,
        full: &str,
        ttl: Duration,
        load: F,
    ) -> Result<Option<T>, Error>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let inner = &self.inner;
        match inner.store.get(full).await {
            Ok(Some(bytes)) => {
                self.ok();
                if let Some(value) = decode::<T>(&bytes) {
                    inner.counters.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(value);
                }
            }
            Ok(None) => self.ok(),
            Err(err) => self.failed("read", &err),
        }
        inner.counters.misses.fetch_add(1, Ordering::Relaxed);
        let flight = inner.flights.join(full);
        // The leader keeps its own error (with its cause, for the log); waiters get its code
        // and message instead of running the load again one after another.
        let mut own_error = None;
        let outcome = flight
            .outcome
            .get_or_init(|| async {
                inner.counters.loads.fetch_add(1, Ordering::Relaxed);
                match self.load_and_store(full, ttl, &flight, load).await {
                    Ok(bytes) => Ok(bytes),
                    Err(err) => {
                        let shared = (err.code(), err.message().to_owned());
                        own_error = Some(err);
                        Err(shared)
                    }
                }
            })
            .await
            .clone();
        if let Some(err) = own_error {
            return Err(err);
        }
        let bytes = outcome.map_err(|(code, message)| Error::new(code).with_message(message))?;
        decode::<T>(&bytes)
            .ok_or_else(|| Error::internal("a cached value does not decode as its type"))
    }

    async fn load_and_store<T, F, Fut>(
        &self,
        full: &str,
        ttl: Duration,
        flight: &Flight,
        load: F,
    ) -> Result<Bytes, Error>
    where
        T: Serialize,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let inner = &self.inner;
        let value = self.counted(load().await)?;
        let bytes = Bytes::from(rmp_serde::to_vec_named(&value).map_err(Error::internal)?);
        let store_ttl = if value.is_some() {
            Some(ttl)
        } else {
            inner.negative_ttl
        };
        if let Some(store_ttl) = store_ttl
            && !flight.is_stale()
        {
            match inner.store.set(full, bytes.clone(), store_ttl).await {
                Ok(()) => self.ok(),
                Err(err) => self.failed("write", &err),
            }
            // An invalidation that landed while storing: take the value back out.
            if flight.is_stale() {
                let _ = inner.store.delete(full).await;
            }
        }
        Ok(bytes)
    }

    fn ok(&self) {
        if self.inner.degraded.load(Ordering::Relaxed)
            && self.inner.degraded.swap(false, Ordering::Relaxed)
        {
            tracing::info!(cache = %self.inner.prefix, "cache recovered");
        }
    }

    fn failed(&self, what: &str, err: &Error) {
        self.inner.counters.errors.fetch_add(1, Ordering::Relaxed);
        if !self.inner.degraded.swap(true, Ordering::Relaxed) {
            let cause = std::error::Error::source(err)
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::warn!(cache = %self.inner.prefix, "cache unavailable (could not {what}: {cause}); serving from the database until it is back");
        }
    }
}

/// The app's cache, as an extractor (put into every request by `App::cache`).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Cache {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Cache>().cloned().ok_or_else(|| {
            Error::internal("no cache: the route is not served by an App with a cache")
        })
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<Option<T>> {
    rmp_serde::from_slice(bytes).ok()
}

#[cfg(test)]
mod tests;
