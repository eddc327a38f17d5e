use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rustbe_core::Error;
use tokio::sync::{OnceCell, Semaphore};

/// argon2id with the OWASP minimum: 19 MiB of memory, 2 passes, 1 lane.
const OWASP_MEMORY_KIB: u32 = 19 * 1024;
const OWASP_PASSES: u32 = 2;

/// Hashes and verifies passwords with argon2id (PHC strings, a fresh random salt per hash).
///
/// The work runs on tokio's blocking pool, never on the async workers, and at most
/// `concurrency` hashes run at once (default: one per core), so a login flood can neither
/// starve other requests nor use more than `concurrency × 19 MiB`. Callers beyond the
/// permits wait; beyond `max_waiting` of them, the answer is a 503 with `Retry-After` rather
/// than an ever-growing queue.
///
/// Cheap to clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::password::PasswordHasher;
///
/// let hasher = PasswordHasher::new();
/// let hash = hasher.hash("Correct1!horse").await.unwrap();
/// assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
/// assert!(hasher.verify("Correct1!horse", &hash).await.unwrap());
/// assert!(!hasher.verify("wrong", &hash).await.unwrap());
/// # });
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Params,
    capacity: usize,
    permits: Semaphore,
    waiting: AtomicUsize,
    max_waiting: usize,
    dummy: OnceCell<String>,
}

/// Builds a [`PasswordHasher`] with other parameters than the defaults.
///
/// ```
/// let hasher = rustbe_auth::password::PasswordHasher::builder().concurrency(4).max_waiting(256).build().unwrap();
/// assert_eq!(hasher.concurrency(), 4);
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct PasswordHasherBuilder {
    memory_kib: u32,
    passes: u32,
    concurrency: usize,
    max_waiting: usize,
}

impl PasswordHasherBuilder {
    /// Memory per hash in KiB (at least the OWASP 19 MiB is advised).
    pub fn memory_kib(mut self, kib: u32) -> Self {
        self.memory_kib = kib;
        self
    }

    /// Passes over memory.
    pub fn passes(mut self, passes: u32) -> Self {
        self.passes = passes;
        self
    }

    /// Hashes allowed to run at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Callers allowed to wait for a permit before the hasher answers 503.
    pub fn max_waiting(mut self, n: usize) -> Self {
        self.max_waiting = n;
        self
    }

    /// The hasher; an error if the argon2 parameters are out of range.
    pub fn build(self) -> Result<PasswordHasher, Error> {
        let params = Params::new(self.memory_kib, self.passes, 1, None)
            .map_err(|e| Error::internal(e.to_string()))?;
        Ok(PasswordHasher {
            inner: Arc::new(Inner {
                params,
                capacity: self.concurrency,
                permits: Semaphore::new(self.concurrency),
                waiting: AtomicUsize::new(0),
                max_waiting: self.max_waiting,
                dummy: OnceCell::new(),
            }),
        })
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// OWASP parameters, one concurrent hash per core, 64 waiting callers per core.
    #[must_use]
    pub fn new() -> Self {
        Self::builder()
            .build()
            .unwrap_or_else(|_| unreachable!("the OWASP parameters are valid"))
    }

    /// A builder starting from the defaults of [`PasswordHasher::new`].
    pub fn builder() -> PasswordHasherBuilder {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        PasswordHasherBuilder {
            memory_kib: OWASP_MEMORY_KIB,
            passes: OWASP_PASSES,
            concurrency: cores,
            max_waiting: cores * 64,
        }
    }

    /// How many hashes may run at once.
    #[must_use]
    pub fn concurrency(&self) -> usize {
        self.inner.capacity
    }

    /// Hashes `password` into a PHC string.
    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move |argon| {
            let salt = SaltString::generate(&mut OsRng);
            argon
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| Error::internal(e.to_string()))
        })
        .await
    }

    /// Checks `password` against a PHC string. A hash that cannot be parsed is an error, not
    /// a mismatch.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, Error> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.run(move |argon| {
            let parsed = PasswordHash::new(&phc)
                .map_err(|e| Error::internal(format!("stored password hash: {e}")))?;
            Ok(argon.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await
    }

    /// Spends the time of one verify against a hash of nothing, so that "no such user" takes
    /// as long as "wrong password".
    pub async fn verify_dummy(&self, password: &str) -> Result<(), Error> {
        let dummy = self
            .inner
            .dummy
            .get_or_try_init(|| async { self.hash(&uuid::Uuid::new_v4().to_string()).await })
            .await?
            .clone();
        self.verify(password, &dummy).await.map(|_| ())
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Argon2<'static>) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let inner = &self.inner;
        if inner.waiting.fetch_add(1, Ordering::AcqRel)
            >= inner.max_waiting + inner.permits.available_permits()
        {
            inner.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Error::service_unavailable(Duration::from_secs(1))
                .with_message("Too many password checks at once"));
        }
        let permit = inner.permits.acquire().await;
        inner.waiting.fetch_sub(1, Ordering::AcqRel);
        let permit = permit.map_err(Error::internal)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, inner.params.clone());
        let result = tokio::task::spawn_blocking(move || work(&argon))
            .await
            .map_err(Error::internal)?;
        drop(permit);
        result
    }
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("memory_kib", &self.inner.params.m_cost())
            .field("passes", &self.inner.params.t_cost())
            .field("max_waiting", &self.inner.max_waiting)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn salts_are_unique_and_garbage_hashes_are_errors() {
        let hasher = PasswordHasher::builder()
            .memory_kib(1024)
            .passes(1)
            .build()
            .unwrap();
        let a = hasher.hash("same").await.unwrap();
        let b = hasher.hash("same").await.unwrap();
        assert_ne!(a, b);
        assert!(hasher.verify("same", "not-a-phc-string").await.is_err());
        hasher.verify_dummy("anything").await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flood_beyond_the_queue_is_refused_not_queued() {
        let hasher = PasswordHasher::builder()
            .concurrency(1)
            .max_waiting(2)
            .build()
            .unwrap();
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash("x").await })
            })
            .collect();
        let mut ok = 0;
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => ok += 1,
                Err(e) => {
                    assert_eq!(e.status(), 503);
                    refused += 1;
                }
            }
        }
        assert!(ok >= 1 && refused >= 1, "ok {ok}, refused {refused}");
        assert!(
            ok <= 6,
            "at most the permit plus the queue got through at once: {ok}"
        );
    }
}
