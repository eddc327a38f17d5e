//! [`PasswordHasher`]: argon2id on a small pool of threads of its own, never on an async worker.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Params;
use rustbe_core::Error;
use tokio::sync::{OnceCell, oneshot};

use super::worker::{Worker, hashing_thread};

/// argon2id with the OWASP minimum: 19 MiB of memory, 2 passes, 1 lane.
const OWASP_MEMORY_KIB: u32 = 19 * 1024;
const OWASP_PASSES: u32 = 2;

/// Hashes and verifies passwords with argon2id (PHC strings, a fresh random salt per hash).
///
/// The work runs on a small pool of threads of its own (`concurrency`, default one per core),
/// never on the async workers, and those threads run at the lowest priority
/// (`SCHED_BATCH`, nice 10 on Linux): hashing yields the CPU to the rest of the app, so
/// a login flood can neither starve other requests nor use more than `concurrency × 19 MiB`:
/// each thread allocates its argon2 memory once and works in it for every hash it computes,
/// so the allocator never sees the 19 MiB blocks come and go (glibc kept up to three of them
/// per thread arena when they did: 240 MiB after a login flood, against 80 now).
/// Up to `max_waiting` hashes queue for a thread; beyond that, the answer is a 503 with
/// `Retry-After` rather than an ever-growing queue.
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
    max_waiting: usize,
    jobs: SyncSender<Job>,
    dummy: OnceCell<String>,
}

pub(super) type Job = Box<dyn FnOnce(&mut Worker) + Send>;

/// Jobs of every hasher of the process that wait for a thread (queued, not started).
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// One more job waiting (`queued`), or one fewer; the count in `rustbe_password_hash_queue`
/// (feature `metrics`).
fn waiting(queued: bool) {
    let now = if queued {
        WAITING.fetch_add(1, Ordering::Relaxed) + 1
    } else {
        WAITING.fetch_sub(1, Ordering::Relaxed).saturating_sub(1)
    };
    #[cfg(feature = "metrics")]
    rustbe_core::metrics::record::password_hash_queue(now);
    #[cfg(not(feature = "metrics"))]
    let _ = now;
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
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::password::PasswordHasher;
    ///
    /// let hasher = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// assert!(hasher.hash("pw").await.unwrap().starts_with("$argon2id$v=19$m=1024,"));
    /// assert!(PasswordHasher::builder().memory_kib(4).build().is_err(), "argon2 needs 8 KiB");
    /// # });
    /// ```
    pub fn memory_kib(mut self, kib: u32) -> Self {
        self.memory_kib = kib;
        self
    }

    /// Passes over memory.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::password::PasswordHasher;
    ///
    /// let hasher = PasswordHasher::builder().memory_kib(1024).passes(3).build().unwrap();
    /// assert!(hasher.hash("pw").await.unwrap().starts_with("$argon2id$v=19$m=1024,t=3,p=1$"));
    /// assert!(PasswordHasher::builder().passes(0).build().is_err());
    /// # });
    /// ```
    pub fn passes(mut self, passes: u32) -> Self {
        self.passes = passes;
        self
    }

    /// Hashes allowed to run at once (at least one).
    ///
    /// ```
    /// use rustbe_auth::password::PasswordHasher;
    ///
    /// assert_eq!(PasswordHasher::builder().concurrency(2).build().unwrap().concurrency(), 2);
    /// assert_eq!(PasswordHasher::builder().concurrency(0).build().unwrap().concurrency(), 1);
    /// ```
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Callers allowed to wait for a permit before the hasher answers 503.
    ///
    /// ```
    /// let hasher = rustbe_auth::password::PasswordHasher::builder().max_waiting(16).build().unwrap();
    /// assert!(format!("{hasher:?}").contains("max_waiting: 16"));
    /// ```
    pub fn max_waiting(mut self, n: usize) -> Self {
        self.max_waiting = n;
        self
    }

    /// The hasher; an error if the argon2 parameters are out of range.
    ///
    /// ```
    /// use rustbe_auth::password::PasswordHasher;
    ///
    /// let hasher = PasswordHasher::builder().memory_kib(1024).passes(1).concurrency(2).build().unwrap();
    /// assert_eq!(hasher.concurrency(), 2);
    /// let err = PasswordHasher::builder().memory_kib(1).build().unwrap_err();
    /// assert_eq!(err.status(), 500);
    /// ```
    pub fn build(self) -> Result<PasswordHasher, Error> {
        let params = Params::new(self.memory_kib, self.passes, 1, None)
            .map_err(|e| Error::internal(e.to_string()))?;
        let (jobs, queue) = sync_channel::<Job>(self.max_waiting);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..self.concurrency {
            let (queue, params) = (queue.clone(), params.clone());
            std::thread::Builder::new()
                .name(format!("rustbe-argon2-{n}"))
                .spawn(move || hashing_thread(&queue, params))
                .map_err(Error::internal)?;
        }
        Ok(PasswordHasher {
            inner: Arc::new(Inner {
                params,
                capacity: self.concurrency,
                max_waiting: self.max_waiting,
                jobs,
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
    ///
    /// ```
    /// let hasher = rustbe_auth::password::PasswordHasher::new();
    /// let cores = std::thread::available_parallelism().map_or(1, usize::from);
    /// assert_eq!(hasher.concurrency(), cores);
    /// assert!(format!("{hasher:?}").contains("memory_kib: 19456, passes: 2"));
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::builder()
            .build()
            .unwrap_or_else(|_| unreachable!("the OWASP parameters are valid"))
    }

    /// A builder starting from the defaults of [`PasswordHasher::new`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::password::PasswordHasher;
    ///
    /// let builder = PasswordHasher::builder();
    /// assert!(format!("{builder:?}").contains("memory_kib: 19456, passes: 2"));
    /// // Cheap parameters for tests: they check behaviour, not cost.
    /// let fast = builder.memory_kib(1024).passes(1).build().unwrap();
    /// assert!(fast.verify("pw", &fast.hash("pw").await.unwrap()).await.unwrap());
    /// # });
    /// ```
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
    ///
    /// ```
    /// let hasher = rustbe_auth::password::PasswordHasher::builder().concurrency(3).build().unwrap();
    /// assert_eq!(hasher.concurrency(), 3);
    /// ```
    #[must_use]
    pub fn concurrency(&self) -> usize {
        self.inner.capacity
    }

    /// Hashes `password` into a PHC string.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let hasher = rustbe_auth::password::PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// let a = hasher.hash("Correct1!horse").await.unwrap();
    /// let b = hasher.hash("Correct1!horse").await.unwrap();
    /// assert!(a.starts_with("$argon2id$"));
    /// assert_ne!(a, b, "a fresh salt per hash");
    /// assert!(hasher.verify("Correct1!horse", &b).await.unwrap());
    /// # });
    /// ```
    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move |worker| worker.hash(password.as_bytes()))
            .await
    }

    /// Checks `password` against a PHC string. A hash that cannot be parsed is an error, not
    /// a mismatch.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let hasher = rustbe_auth::password::PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// let hash = hasher.hash("Correct1!horse").await.unwrap();
    /// assert!(hasher.verify("Correct1!horse", &hash).await.unwrap());
    /// assert!(!hasher.verify("correct1!horse", &hash).await.unwrap());
    /// assert_eq!(hasher.verify("Correct1!horse", "not-a-phc-string").await.unwrap_err().status(), 500);
    /// # });
    /// ```
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, Error> {
        let (password, phc) = (password.to_owned(), phc.to_owned());
        self.run(move |worker| worker.verify(password.as_bytes(), &phc))
            .await
    }

    /// Spends the time of one verify against a hash of nothing, so that "no such user" takes
    /// as long as "wrong password".
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let hasher = rustbe_auth::password::PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// let stored: Option<String> = None; // no user with this email
    /// match stored {
    ///     Some(hash) => assert!(!hasher.verify("guess", &hash).await.unwrap()),
    ///     None => assert!(hasher.verify_dummy("guess").await.is_ok()),
    /// }
    /// # });
    /// ```
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
        work: impl FnOnce(&mut Worker) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let (done, result) = oneshot::channel();
        // Counted as waiting before it is sent, so that a thread taking it at once never
        // takes the count below zero.
        waiting(true);
        let job: Job = Box::new(move |argon| {
            waiting(false);
            let _ = done.send(work(argon));
        });
        match self.inner.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                waiting(false);
                return Err(Error::service_unavailable(Duration::from_secs(1))
                    .with_message("Too many password checks at once"));
            }
            Err(TrySendError::Disconnected(_)) => {
                waiting(false);
                return Err(Error::internal("the hashing threads are gone"));
            }
        }
        result
            .await
            .map_err(|_| Error::internal("a hashing thread stopped"))?
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
    use argon2::password_hash::rand_core::OsRng;
    use argon2::password_hash::{PasswordHash, SaltString};
    use argon2::{Algorithm, Argon2, Version};

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

    /// The PHC string argon2's own API makes for `password` with `params`.
    fn reference_hash(password: &str, params: Params) -> String {
        use argon2::password_hash::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_reference_both_ways() {
        use argon2::password_hash::PasswordVerifier as _;
        let hasher = PasswordHasher::builder()
            .memory_kib(1024)
            .passes(1)
            .concurrency(1)
            .build()
            .unwrap();
        // Ours, checked by argon2's verifier.
        let ours = hasher.hash("Correct1!horse").await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        let reference = Argon2::default();
        assert!(
            reference
                .verify_password(b"Correct1!horse", &parsed)
                .is_ok()
        );
        assert!(reference.verify_password(b"wrong", &parsed).is_err());
        // argon2's, checked by ours: the same, a smaller and a larger memory than the pool's
        // (the larger one in a buffer of its own), and other passes.
        for (memory, passes) in [(1024, 1), (512, 1), (2048, 2), (1024, 3)] {
            let theirs = reference_hash(
                "Correct1!horse",
                Params::new(memory, passes, 1, None).unwrap(),
            );
            assert!(
                hasher.verify("Correct1!horse", &theirs).await.unwrap(),
                "m={memory} t={passes}"
            );
            assert!(
                !hasher.verify("Correct1!horsf", &theirs).await.unwrap(),
                "m={memory} t={passes}"
            );
        }
        // The reused memory carries nothing from one hash to the next.
        let again = reference_hash("Correct1!horse", Params::new(1024, 1, 1, None).unwrap());
        assert!(hasher.verify("Correct1!horse", &again).await.unwrap());
    }

    #[tokio::test]
    async fn a_hash_without_its_output_or_of_another_algorithm_is_an_error_or_a_mismatch() {
        let hasher = PasswordHasher::builder()
            .memory_kib(1024)
            .passes(1)
            .build()
            .unwrap();
        let no_output = "$argon2id$v=19$m=1024,t=1,p=1$c29tZXNhbHRzb21lc2FsdA";
        assert_eq!(
            hasher.verify("pw", no_output).await.unwrap_err().status(),
            500
        );
        let argon2i = {
            use argon2::password_hash::PasswordHasher as _;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::new(
                Algorithm::Argon2i,
                Version::V0x13,
                Params::new(1024, 1, 1, None).unwrap(),
            )
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string()
        };
        assert!(
            hasher.verify("pw", &argon2i).await.unwrap(),
            "argon2i hashes still verify"
        );
        assert!(!hasher.verify("px", &argon2i).await.unwrap());
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

    /// Jobs waiting for the one thread are counted (process-wide, so other tests' hashes
    /// only add to it), and shown in `rustbe_password_hash_queue` once metrics are on.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiting_jobs_are_counted_and_reported() {
        let metrics = rustbe_core::metrics::Metrics::install().unwrap();
        let hasher = PasswordHasher::builder()
            .memory_kib(1024)
            .passes(1)
            .concurrency(1)
            .max_waiting(8)
            .build()
            .unwrap();
        // The thread is held by a job that waits for `release`.
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel::<()>();
        let blocker = {
            let hasher = hasher.clone();
            tokio::spawn(async move {
                hasher
                    .run(move |_| {
                        let _ = started_tx.send(());
                        let _ = held.recv();
                        Ok(())
                    })
                    .await
            })
        };
        started.await.unwrap();
        let queued: Vec<_> = (0..2)
            .map(|_| {
                let h = hasher.clone();
                tokio::spawn(async move { h.hash("x").await })
            })
            .collect();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while WAITING.load(Ordering::Relaxed) < 2 {
            assert!(std::time::Instant::now() < deadline, "the two never queued");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let gauge = metrics.render().lines().find_map(|l| {
            l.strip_prefix("rustbe_password_hash_queue ")?
                .parse::<f64>()
                .ok()
        });
        assert!(gauge.is_some_and(|n| n >= 2.0), "{gauge:?}");
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        for task in queued {
            assert!(task.await.unwrap().unwrap().starts_with("$argon2id$"));
        }
    }
}
