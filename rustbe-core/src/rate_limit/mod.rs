//! Rate limiting with GCRA (the generic cell rate algorithm): at most `count` requests per
//! `window` per key, with bursts of up to `count`, decided atomically per request in memory
//! ([`MemoryRateLimiter`]) or in Redis with one Lua script (`RedisRateLimiter`, feature
//! `redis`), and applied by [`RateLimitLayer`].

mod client;
mod layer;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod rule;

use std::time::Duration;

use futures_util::future::BoxFuture;

pub use client::{client_bucket, client_ip};
pub use layer::{RateLimit, RateLimitLayer, ResponseFuture};
pub use memory::MemoryRateLimiter;
#[cfg(feature = "redis")]
pub use redis::RedisRateLimiter;
pub use rule::{KeyBy, RateLimitRule};

use crate::Error;
use crate::config::Rate;

/// The verdict on one request.
///
/// ```
/// use rustbe_core::rate_limit::MemoryRateLimiter;
/// let limiter = MemoryRateLimiter::new();
/// let rate = "1/1m".parse().unwrap();
/// limiter.check_now("k", rate);
/// let refused = limiter.check_now("k", rate);
/// assert!(!refused.allowed && refused.retry_after.as_secs() >= 59);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Let through?
    pub allowed: bool,
    /// The rule's `count`.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// When refused, how long until one more request would be allowed.
    pub retry_after: Duration,
    /// How long until the key is back to a full allowance.
    pub reset: Duration,
}

/// Decides whether one more request under `key` fits `rate`, and records it if so. One call
/// is one atomic step: concurrent requests cannot slip past the limit.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::rate_limit::{MemoryRateLimiter, RateLimiter};
/// let limiter: std::sync::Arc<dyn RateLimiter> = std::sync::Arc::new(MemoryRateLimiter::new());
/// assert!(limiter.check("k", "3/1s".parse().unwrap()).await.unwrap().allowed);
/// # });
/// ```
pub trait RateLimiter: Send + Sync + 'static {
    /// Checks and counts one request.
    fn check<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<Decision, Error>>;

    /// The same, answered at once when no I/O is needed (an in-process limiter); `None`
    /// means "ask [`RateLimiter::check`]". Lets the layer skip a future on the hot path.
    fn check_local(&self, key: &str, rate: Rate) -> Option<Decision> {
        let _ = (key, rate);
        None
    }
}

/// A rate's window and emission interval (window ÷ count, at least 1), in microseconds: the
/// parameters of GCRA, the same for every backend.
pub(crate) fn micros(rate: Rate) -> (u64, u64) {
    let window = u64::try_from(rate.window.as_micros()).unwrap_or(u64::MAX);
    (window, (window / u64::from(rate.count.max(1))).max(1))
}

/// The GCRA step, in microseconds. `tat` is the stored theoretical arrival time (0 when the
/// key is new); returns the decision and the new `tat` to store when allowed.
///
/// ```
/// use std::time::Duration;
/// use rustbe_core::config::Rate;
/// use rustbe_core::rate_limit::gcra;
///
/// let rate = Rate { count: 2, window: Duration::from_secs(1) };
/// let (first, tat) = gcra(0, 10_000_000, rate);
/// let (second, tat) = gcra(tat.unwrap(), 10_000_000, rate);
/// let (third, none) = gcra(tat.unwrap(), 10_000_000, rate);
/// assert!(first.allowed && second.allowed && !third.allowed);
/// assert_eq!((first.remaining, second.remaining), (1, 0));
/// assert_eq!(third.retry_after, Duration::from_millis(500));
/// assert!(none.is_none());
/// ```
#[must_use]
pub fn gcra(tat: u64, now: u64, rate: Rate) -> (Decision, Option<u64>) {
    let (window, interval) = micros(rate);
    let tat = tat.max(now);
    let new_tat = tat.saturating_add(interval);
    let horizon = now.saturating_add(window);
    if new_tat > horizon {
        let decision = Decision {
            allowed: false,
            limit: rate.count,
            remaining: 0,
            retry_after: Duration::from_micros(new_tat - horizon),
            reset: Duration::from_micros(tat - now),
        };
        return (decision, None);
    }
    let remaining = u32::try_from((horizon - new_tat) / interval).unwrap_or(u32::MAX);
    let decision = Decision {
        allowed: true,
        limit: rate.count,
        remaining,
        retry_after: Duration::ZERO,
        reset: Duration::from_micros(new_tat - now),
    };
    (decision, Some(new_tat))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_count_per_window_then_one_per_interval() {
        let rate = Rate {
            count: 5,
            window: Duration::from_secs(10),
        };
        let mut tat = 0;
        let now = 1_000_000_000;
        let allowed = (0..15)
            .filter(|_| {
                let (d, next) = gcra(tat, now, rate);
                if let Some(next) = next {
                    tat = next;
                }
                d.allowed
            })
            .count();
        assert_eq!(allowed, 5);
        // One interval later (2 s), exactly one more.
        let later = now + 2_000_000;
        let (d, next) = gcra(tat, later, rate);
        assert!(d.allowed);
        assert!(!gcra(next.unwrap_or(tat), later, rate).0.allowed);
        // A whole window later, the full allowance is back.
        let (d, _) = gcra(tat, now + 20_000_000, rate);
        assert_eq!(d.remaining, 4);
    }
}
