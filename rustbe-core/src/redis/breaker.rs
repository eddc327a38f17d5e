//! A circuit breaker in front of Redis, so that an outage costs one command timeout per
//! cool-down instead of one per command.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use fred::error::{Error as RedisError, ErrorKind};
use fred::prelude::{Client, ClientLike};

/// How long the breaker stays open after a failure before it lets one probe through.
///
/// ```
/// use rustbe_core::redis::{BREAKER_COOL_DOWN, COMMAND_TIMEOUT};
/// assert_eq!(BREAKER_COOL_DOWN, std::time::Duration::from_secs(1));
/// assert!(BREAKER_COOL_DOWN > COMMAND_TIMEOUT, "a probe ends before the next may start");
/// ```
pub const BREAKER_COOL_DOWN: Duration = Duration::from_secs(1);

/// The target of the span of each Redis command ([`CircuitBreaker::command`]).
///
/// ```
/// assert_eq!(rustbe_core::redis::SPAN_TARGET, "rustbe::redis");
/// ```
pub const SPAN_TARGET: &str = "rustbe::redis";

/// The text of the error a call gets while the breaker is open (kind `Canceled`).
const OPEN: &str =
    "Redis failed a moment ago; failing fast until it answers (circuit breaker open)";

/// `state` when commands go through.
const CLOSED: u64 = 0;
/// Bit 0 of `state`: the deadline is that of a probe in flight (half-open).
const PROBING: u64 = 1;

/// Where a [`CircuitBreaker`] stands.
///
/// ```
/// use rustbe_core::redis::{BreakerState, CircuitBreaker};
/// let breaker = CircuitBreaker::new(std::time::Duration::from_secs(1));
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BreakerState {
    /// Commands go to Redis.
    Closed,
    /// A command failed less than a cool-down ago: commands fail at once.
    Open,
    /// One probe is on its way to Redis; other commands fail at once until it ends (or, if it
    /// is abandoned, until a cool-down has passed and the next command probes).
    HalfOpen,
}

/// Closed → open → half-open → closed, lock-free.
///
/// - **Closed**: every command goes to Redis. One that fails for want of Redis (a timeout, a
///   lost or refused connection, a cluster without a route) opens the breaker; an error Redis
///   itself sends (a wrong type, an unknown script) is an answer and changes nothing.
/// - **Open** for the cool-down: commands fail at once with a `Canceled` error, without
///   touching Redis (fred keeps reconnecting in the background).
/// - **Half-open**: after the cool-down the next command is let through as a probe, and the
///   others still fail at once. Its success closes the breaker, its failure opens it for
///   another cool-down. A probe abandoned half-way (its request dropped) leaves nothing stuck:
///   a cool-down later the next command probes.
///
/// The whole state is one `AtomicU64` (closed, or a deadline in milliseconds with a probe
/// bit): the closed path is one atomic load, and nothing is allocated per command.
/// [`CircuitBreaker::for_client`] gives every user of one client the same breaker, so the
/// cache, the rate limiter and the revocation list stop waiting on Redis together.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use rustbe_core::redis::fred::error::{Error, ErrorKind};
/// use rustbe_core::redis::{BreakerState, CircuitBreaker};
///
/// let breaker = CircuitBreaker::new(Duration::from_secs(1));
/// let timeout = breaker.call(|| async { Err::<(), _>(Error::new(ErrorKind::Timeout, "slow")) }).await;
/// assert!(timeout.is_err());
/// assert_eq!(breaker.state(), BreakerState::Open);
/// // Open: the command is not run, the answer is an error at once.
/// let fast = breaker.call(|| async { Ok::<_, Error>(()) }).await;
/// assert_eq!(fast.unwrap_err().kind(), &ErrorKind::Canceled);
/// # });
/// ```
pub struct CircuitBreaker {
    /// The origin of the breaker's clock.
    epoch: Instant,
    /// The cool-down in milliseconds, at least 1.
    cool_down: u64,
    /// [`CLOSED`], or `deadline << 1 | probing`: until `deadline` (milliseconds since
    /// `epoch`) commands fail at once; [`PROBING`] when a probe was let through at
    /// `deadline - cool_down`.
    state: AtomicU64,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("state", &self.state())
            .field("cool_down", &Duration::from_millis(self.cool_down))
            .finish()
    }
}

/// Every breaker handed out by [`CircuitBreaker::for_client`], by client id; looked up when a
/// store or limiter is built, never per command.
static BY_CLIENT: Mutex<Vec<(String, Weak<CircuitBreaker>)>> = Mutex::new(Vec::new());

impl CircuitBreaker {
    /// A closed breaker that stays open `cool_down` (at least 1 ms) after each failure.
    ///
    /// ```
    /// let breaker = rustbe_core::redis::CircuitBreaker::new(std::time::Duration::from_millis(250));
    /// assert!(format!("{breaker:?}").contains("Closed"));
    /// ```
    #[must_use]
    pub fn new(cool_down: Duration) -> Self {
        Self {
            epoch: Instant::now(),
            cool_down: u64::try_from(cool_down.as_millis())
                .unwrap_or(u64::MAX >> 2)
                .clamp(1, u64::MAX >> 2),
            state: AtomicU64::new(CLOSED),
        }
    }

    /// The breaker of `client` and of all its clones (they share one connection), with a
    /// cool-down of [`BREAKER_COOL_DOWN`]: made on first use, then shared by every rustbe
    /// type built on that client (`RedisStore`, `RedisRateLimiter`, `RedisRevocationList`) for
    /// as long as one of them lives.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustbe_core::redis::CircuitBreaker;
    /// use rustbe_core::redis::fred::prelude::Builder;
    ///
    /// let client = Builder::default_centralized().build().unwrap(); // not connected
    /// let breaker = CircuitBreaker::for_client(&client);
    /// assert!(Arc::ptr_eq(&breaker, &CircuitBreaker::for_client(&client.clone())));
    /// let other = Builder::default_centralized().build().unwrap();
    /// assert!(!Arc::ptr_eq(&breaker, &CircuitBreaker::for_client(&other)));
    /// ```
    #[must_use]
    pub fn for_client(client: &Client) -> Arc<Self> {
        let mut all = BY_CLIENT.lock().unwrap_or_else(PoisonError::into_inner);
        all.retain(|(_, breaker)| breaker.strong_count() > 0);
        let id = client.id();
        if let Some(breaker) = all
            .iter()
            .find(|(of, _)| of == id)
            .and_then(|(_, breaker)| breaker.upgrade())
        {
            return breaker;
        }
        let breaker = Arc::new(Self::new(BREAKER_COOL_DOWN));
        all.push((id.to_owned(), Arc::downgrade(&breaker)));
        breaker
    }

    /// The state of every breaker [`CircuitBreaker::for_client`] handed out that still lives
    /// (read when metrics are scraped).
    #[cfg(feature = "metrics")]
    pub(crate) fn client_states() -> Vec<BreakerState> {
        let all = BY_CLIENT.lock().unwrap_or_else(PoisonError::into_inner);
        all.iter()
            .filter_map(|(_, breaker)| breaker.upgrade())
            .map(|breaker| breaker.state())
            .collect()
    }

    /// Runs `command` unless the breaker is open, and learns from its outcome. While open,
    /// `command` is not called and the answer is at once an error of kind `Canceled`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::redis::CircuitBreaker;
    /// use rustbe_core::redis::fred::error::{Error, ErrorKind};
    ///
    /// let breaker = CircuitBreaker::new(std::time::Duration::from_secs(1));
    /// // An error Redis sends is an answer: the breaker stays closed.
    /// let wrong_type = Error::new(ErrorKind::InvalidArgument, "WRONGTYPE");
    /// assert!(breaker.call(|| async { Err::<(), _>(wrong_type) }).await.is_err());
    /// assert_eq!(breaker.call(|| async { Ok::<_, Error>(7) }).await.unwrap(), 7);
    /// # });
    /// ```
    pub async fn call<T, F, Fut>(&self, command: F) -> Result<T, RedisError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        if !self.admit() {
            return Err(RedisError::new(ErrorKind::Canceled, OPEN));
        }
        let outcome = command().await;
        match &outcome {
            Err(err) if is_outage(err) => self.failed_at(self.now(), err),
            _ => self.succeeded(),
        }
        outcome
    }

    /// [`call`](Self::call) inside a span for the Redis command `name` (`GET`, `EVALSHA` …),
    /// so that exported traces show each Redis command beside the request's SQL: the span is
    /// `redis` at `debug` level with the target [`SPAN_TARGET`], `otel.name` = `name`,
    /// `db.system` = `redis` and `db.operation` = `name`, and trace export enables it
    /// ([`otel::EXPORT_FILTER`](crate::otel)); with the log's default `info` filter it is
    /// never made.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_core::redis::CircuitBreaker;
    /// use rustbe_core::redis::fred::error::Error;
    ///
    /// let breaker = CircuitBreaker::new(std::time::Duration::from_secs(1));
    /// assert_eq!(breaker.command("GET", || async { Ok::<_, Error>(7) }).await.unwrap(), 7);
    /// # });
    /// ```
    pub async fn command<T, F, Fut>(&self, name: &'static str, command: F) -> Result<T, RedisError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        let span = tracing::debug_span!(
            target: SPAN_TARGET,
            "redis",
            otel.name = name,
            otel.kind = "client",
            db.system = "redis",
            db.operation = name,
        );
        tracing::Instrument::instrument(self.call(command), span).await
    }

    /// Where the breaker stands now.
    ///
    /// ```
    /// use rustbe_core::redis::{BreakerState, CircuitBreaker};
    /// assert_eq!(CircuitBreaker::new(std::time::Duration::from_secs(1)).state(), BreakerState::Closed);
    /// ```
    #[must_use]
    pub fn state(&self) -> BreakerState {
        self.state_at(self.now())
    }

    /// Milliseconds since `epoch`.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX >> 2)
    }

    fn state_at(&self, now: u64) -> BreakerState {
        match self.state.load(Ordering::Acquire) {
            CLOSED => BreakerState::Closed,
            s if s & PROBING != 0 && now < s >> 1 => BreakerState::HalfOpen,
            s if now < s >> 1 => BreakerState::Open,
            // The cool-down (or an abandoned probe's) is over: the next command probes.
            _ => BreakerState::HalfOpen,
        }
    }

    /// May a command go to Redis now?
    fn admit(&self) -> bool {
        self.state.load(Ordering::Acquire) == CLOSED || self.admit_at(self.now())
    }

    /// May a command go to Redis at `now`? The first one after a deadline is the probe.
    fn admit_at(&self, now: u64) -> bool {
        let mut current = self.state.load(Ordering::Acquire);
        loop {
            if current == CLOSED {
                return true;
            }
            if now < current >> 1 {
                return false;
            }
            let probe = (now.saturating_add(self.cool_down) << 1) | PROBING;
            match self.state.compare_exchange_weak(
                current,
                probe,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return true,
                Err(seen) => current = seen,
            }
        }
    }

    /// Redis answered: close (one line in the log if it was not closed).
    fn succeeded(&self) {
        if self.state.load(Ordering::Relaxed) != CLOSED
            && self.state.swap(CLOSED, Ordering::AcqRel) != CLOSED
        {
            tracing::info!("Redis answers again; circuit breaker closed");
        }
    }

    /// Redis did not answer at `now`: open for a cool-down from `now` (one warning per
    /// outage: when the breaker was closed).
    fn failed_at(&self, now: u64, err: &RedisError) {
        let open = now.saturating_add(self.cool_down) << 1;
        if self.state.swap(open, Ordering::AcqRel) == CLOSED {
            #[cfg(feature = "metrics")]
            crate::metrics::record::breaker_opened();
            tracing::warn!(
                error = %err,
                cool_down_ms = self.cool_down,
                "Redis did not answer; circuit breaker open: Redis commands fail at once, one \
                 probe per cool-down, until it answers"
            );
        }
    }
}

/// Did `err` come from Redis being unreachable or too slow (rather than from its answer)?
fn is_outage(err: &RedisError) -> bool {
    matches!(
        err.kind(),
        ErrorKind::Timeout
            | ErrorKind::IO
            | ErrorKind::Canceled
            | ErrorKind::Routing
            | ErrorKind::Cluster
            | ErrorKind::Backpressure
            | ErrorKind::Sentinel
    )
}

#[cfg(test)]
mod tests;
