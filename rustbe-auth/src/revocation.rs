//! Revoked access tokens, keyed by `jti` and kept until the token would have expired.
//!
//! In memory for one process ([`MemoryRevocationList`]), in Redis for several
//! ([`RedisRevocationList`], feature `redis`). A store that cannot answer fails closed: the
//! request is refused with a 503, never let through.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use rustbe_core::Error;

use crate::store::RefreshTokenStore;
use crate::token::now_secs;

/// The key under which one access token (its `jti`) is revoked.
///
/// ```
/// assert_eq!(rustbe_auth::revocation::access_token_key("abc"), "jti:abc");
/// ```
#[must_use]
pub fn access_token_key(jti: &str) -> String {
    format!("jti:{jti}")
}

/// The key under which a whole session (its `sid`: every access token it issued) is revoked.
///
/// ```
/// assert_eq!(rustbe_auth::revocation::session_key("s1"), "sid:s1");
/// ```
#[must_use]
pub fn session_key(sid: &str) -> String {
    format!("sid:{sid}")
}

/// A list of revoked token ids.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
/// let list = MemoryRevocationList::new();
/// list.revoke("jti-1", u64::MAX).await.unwrap();
/// assert!(list.is_revoked("jti-1").await.unwrap());
/// assert!(!list.is_revoked("jti-2").await.unwrap());
/// # });
/// ```
pub trait RevocationList: Send + Sync + 'static {
    /// Revokes `jti` until `expires_at` (seconds since the epoch).
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: u64) -> BoxFuture<'a, Result<(), Error>>;
    /// Is `jti` revoked? An error when the store cannot tell (the caller refuses the request).
    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, Error>>;
    /// The answer of [`RevocationList::is_any_revoked`] when the list has it at hand without
    /// waiting (an in-memory list), so a request can be let through with no future to box;
    /// `None` (the default) when it must be asked.
    ///
    /// ```
    /// use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
    /// let list = MemoryRevocationList::new();
    /// assert_eq!(list.is_any_revoked_now(&["jti:a".to_owned()]).map(Result::ok), Some(Some(false)));
    /// ```
    fn is_any_revoked_now(&self, keys: &[String]) -> Option<Result<bool, Error>> {
        let _ = keys;
        None
    }
    /// Is any of `keys` revoked? One round trip where the store allows it.
    fn is_any_revoked<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            for key in keys {
                if self.is_revoked(key).await? {
                    return Ok(true);
                }
            }
            Ok(false)
        })
    }
}

/// Revocations in this process's memory; expired entries are dropped as new ones arrive.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
///
/// let list = MemoryRevocationList::new();
/// list.revoke("live", u64::MAX).await.unwrap();
/// list.revoke("long-expired", 1).await.unwrap(); // the token expired in 1970
/// assert!(list.is_revoked("live").await.unwrap());
/// assert!(!list.is_revoked("long-expired").await.unwrap());
/// # });
/// ```
#[derive(Debug, Default)]
pub struct MemoryRevocationList {
    entries: Mutex<HashMap<String, u64>>,
}

impl MemoryRevocationList {
    /// An empty list.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
    ///
    /// let list = MemoryRevocationList::new();
    /// assert!(!list.is_revoked("any-jti").await.unwrap());
    /// # });
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl RevocationList for MemoryRevocationList {
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: u64) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let now = now_secs();
            let mut entries = self.lock();
            if entries.len() >= 1024 && entries.len().is_power_of_two() {
                entries.retain(|_, until| *until > now);
            }
            entries.insert(jti.to_owned(), expires_at);
            Ok(())
        })
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move { Ok(self.revoked_now(&[jti])) })
    }

    fn is_any_revoked_now(&self, keys: &[String]) -> Option<Result<bool, Error>> {
        Some(Ok(self.revoked_now(keys)))
    }

    fn is_any_revoked<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move { Ok(self.revoked_now(keys)) })
    }
}

impl MemoryRevocationList {
    fn revoked_now<K: AsRef<str>>(&self, keys: &[K]) -> bool {
        let now = now_secs();
        let entries = self.lock();
        keys.iter()
            .any(|key| entries.get(key.as_ref()).is_some_and(|until| *until > now))
    }
}

/// A revocation list that, before it first answers, puts back the sessions the token store
/// says were ended within the last access-token lifetime (plus the leeway): a process that
/// restarts with an in-memory list (or a Redis that lost its keys) still refuses the access
/// tokens of sessions ended before. The store is read once, on the first check; until it has
/// answered, no token is let through (a failure is a 503, retried on the next request). After
/// that, checks cost what the wrapped list costs.
pub(crate) struct RestoringRevocationList {
    list: Arc<dyn RevocationList>,
    store: Arc<dyn RefreshTokenStore>,
    window: u64,
    restored: tokio::sync::OnceCell<()>,
}

impl RestoringRevocationList {
    /// `list`, restored from `store` with sessions ended within `window` seconds.
    pub(crate) fn new(
        list: Arc<dyn RevocationList>,
        store: Arc<dyn RefreshTokenStore>,
        window: u64,
    ) -> Self {
        Self {
            list,
            store,
            window,
            restored: tokio::sync::OnceCell::new(),
        }
    }

    async fn restore(&self) -> Result<(), Error> {
        self.restored
            .get_or_try_init(|| async {
                let since = now_secs().saturating_sub(self.window);
                let ended = self.store.ended_sessions(since).await?;
                for (family, revoked_at) in &ended {
                    let until = revoked_at.saturating_add(self.window);
                    self.list.revoke(&session_key(family), until).await?;
                }
                if !ended.is_empty() {
                    tracing::info!(
                        sessions = ended.len(),
                        "sessions ended before the start put back on the revocation list"
                    );
                }
                Ok::<(), Error>(())
            })
            .await?;
        Ok(())
    }
}

impl RevocationList for RestoringRevocationList {
    fn revoke<'a>(&'a self, jti: &'a str, expires_at: u64) -> BoxFuture<'a, Result<(), Error>> {
        self.list.revoke(jti, expires_at)
    }

    fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            self.restore().await?;
            self.list.is_revoked(jti).await
        })
    }

    fn is_any_revoked_now(&self, keys: &[String]) -> Option<Result<bool, Error>> {
        if self.restored.initialized() {
            self.list.is_any_revoked_now(keys)
        } else {
            None
        }
    }

    fn is_any_revoked<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            self.restore().await?;
            self.list.is_any_revoked(keys).await
        })
    }
}

#[cfg(feature = "redis")]
pub use redis::RedisRevocationList;

#[cfg(feature = "redis")]
mod redis {
    use std::sync::Arc;
    use std::time::Duration;

    use futures_util::future::BoxFuture;
    use rustbe_core::Error;
    use rustbe_core::redis::CircuitBreaker;
    use rustbe_core::redis::fred::prelude::{Client, Expiration, KeysInterface};

    use super::RevocationList;
    use crate::token::now_secs;

    /// Revocations in Redis, shared by every instance: `SET {prefix}:revoked:{jti} 1 EX ttl`,
    /// checked with `EXISTS`. When Redis does not answer (down, or slower than the client's
    /// command timeout), [`RevocationList::is_revoked`] is an error and the request is refused
    /// with a 503: revocation fails closed. Commands go through the client's
    /// [`CircuitBreaker`]: while it is open the check fails closed at once, without waiting
    /// for Redis (a revoked token is refused all the same).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), rustbe_core::Error> {
    /// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
    /// let list = rustbe_auth::revocation::RedisRevocationList::new(client, "shop");
    /// # Ok(()) }
    /// ```
    #[derive(Clone)]
    pub struct RedisRevocationList {
        client: Client,
        breaker: Arc<CircuitBreaker>,
        prefix: String,
    }

    impl RedisRevocationList {
        /// A list in `client`'s Redis, with keys under `prefix:revoked:`.
        ///
        /// ```no_run
        /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        /// use rustbe_auth::revocation::{RedisRevocationList, RevocationList};
        ///
        /// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await.unwrap();
        /// let list = RedisRevocationList::new(client, "shop"); // keys: shop:revoked:{jti}
        /// # let in_15_minutes = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 900;
        /// list.revoke("jti-1", in_15_minutes).await.unwrap();
        /// assert!(list.is_revoked("jti-1").await.unwrap());
        /// # });
        /// ```
        #[must_use]
        pub fn new(client: Client, prefix: &str) -> Self {
            Self {
                breaker: CircuitBreaker::for_client(&client),
                client,
                prefix: format!("{prefix}:revoked:"),
            }
        }
    }

    impl std::fmt::Debug for RedisRevocationList {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("RedisRevocationList")
                .field("prefix", &self.prefix)
                .finish_non_exhaustive()
        }
    }

    fn unavailable(err: rustbe_core::redis::fred::error::Error) -> Error {
        Error::service_unavailable(Duration::from_secs(2))
            .with_message("Token revocation store unavailable")
            .with_source(err)
    }

    impl RevocationList for RedisRevocationList {
        fn revoke<'a>(&'a self, jti: &'a str, expires_at: u64) -> BoxFuture<'a, Result<(), Error>> {
            Box::pin(async move {
                let ttl = expires_at.saturating_sub(now_secs()).max(1);
                let ttl = i64::try_from(ttl).unwrap_or(i64::MAX);
                self.breaker
                    .command("SET", || {
                        self.client.set::<(), _, _>(
                            format!("{}{jti}", self.prefix),
                            1,
                            Some(Expiration::EX(ttl)),
                            None,
                            false,
                        )
                    })
                    .await
                    .map_err(unavailable)
            })
        }

        fn is_revoked<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, Error>> {
            Box::pin(async move {
                let n: u32 = self
                    .breaker
                    .command("EXISTS", || {
                        self.client.exists(format!("{}{jti}", self.prefix))
                    })
                    .await
                    .map_err(unavailable)?;
                Ok(n > 0)
            })
        }

        fn is_any_revoked<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<bool, Error>> {
            Box::pin(async move {
                let keys: Vec<String> =
                    keys.iter().map(|k| format!("{}{k}", self.prefix)).collect();
                let n: u32 = self
                    .breaker
                    .command("EXISTS", || self.client.exists(keys))
                    .await
                    .map_err(unavailable)?;
                Ok(n > 0)
            })
        }
    }
}
