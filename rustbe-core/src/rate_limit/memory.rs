//! [`MemoryRateLimiter`]: GCRA in this process's memory, for one instance and tests.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use futures_util::future::BoxFuture;

use super::{Decision, RateLimiter, gcra};
use crate::Error;
use crate::config::Rate;

const SHARDS: usize = 16;

/// GCRA state in this process: a theoretical arrival time per key, an atomic updated by
/// compare-and-swap under a shared read lock (16 shards), so concurrent requests for one key
/// never wait on each other; only a new key takes a shard's write lock. Keys whose allowance
/// is full again are dropped as the map grows.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use rustbe_core::{config::Rate, rate_limit::{MemoryRateLimiter, RateLimiter}};
///
/// let limiter = MemoryRateLimiter::new();
/// let rate = Rate { count: 1, window: Duration::from_secs(60) };
/// assert!(limiter.check("ip:1", rate).await.unwrap().allowed);
/// assert!(!limiter.check("ip:1", rate).await.unwrap().allowed);
/// assert!(limiter.check("ip:2", rate).await.unwrap().allowed);
/// # });
/// ```
#[derive(Debug)]
pub struct MemoryRateLimiter {
    epoch: Instant,
    shards: Vec<RwLock<HashMap<String, AtomicU64>>>,
}

impl Default for MemoryRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRateLimiter {
    /// An empty limiter.
    ///
    /// ```
    /// let limiter = rustbe_core::rate_limit::MemoryRateLimiter::new();
    /// assert!(limiter.check_now("k", "1/1m".parse().unwrap()).allowed);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
        }
    }

    /// Checks one request now (synchronous: no I/O is involved).
    ///
    /// ```
    /// let limiter = rustbe_core::rate_limit::MemoryRateLimiter::new();
    /// let rate = "2/1m".parse().unwrap();
    /// let first = limiter.check_now("ip:1", rate);
    /// assert_eq!((first.allowed, first.remaining, first.limit), (true, 1, 2));
    /// ```
    pub fn check_now(&self, key: &str, rate: Rate) -> Decision {
        // A new key's `tat` of 0 is never in the future: `gcra` takes max(tat, now).
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX);
        let shard = &self.shards[shard_of(key)];
        {
            let map = shard
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(tat) = map.get(key) {
                return step(tat, now, rate);
            }
        }
        let mut map = shard
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !map.contains_key(key) && map.len() >= 4096 && map.len().is_power_of_two() {
            map.retain(|_, tat| tat.load(Ordering::Relaxed) > now);
        }
        let tat = map
            .entry(key.to_owned())
            .or_insert_with(|| AtomicU64::new(0));
        step(tat, now, rate)
    }
}

/// One GCRA step on a shared `tat`: retried until no other request changed it meanwhile.
fn step(tat: &AtomicU64, now: u64, rate: Rate) -> Decision {
    let mut current = tat.load(Ordering::Acquire);
    loop {
        let (decision, next) = gcra(current, now, rate);
        let Some(next) = next else { return decision };
        match tat.compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return decision,
            Err(actual) => current = actual,
        }
    }
}

fn shard_of(key: &str) -> usize {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
    usize::try_from(hash % SHARDS as u64).unwrap_or(0)
}

impl RateLimiter for MemoryRateLimiter {
    fn check<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<Decision, Error>> {
        Box::pin(async move { Ok(self.check_now(key, rate)) })
    }

    fn check_local(&self, key: &str, rate: Rate) -> Option<Decision> {
        Some(self.check_now(key, rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn threads_racing_on_one_key_get_exactly_the_limit() {
        let limiter = Arc::new(MemoryRateLimiter::new());
        let rate = Rate {
            count: 100,
            window: Duration::from_secs(3600),
        };
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let limiter = limiter.clone();
                std::thread::spawn(move || {
                    (0..500)
                        .filter(|_| limiter.check_now("k", rate).allowed)
                        .count()
                })
            })
            .collect();
        let allowed: usize = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
        assert_eq!(allowed, 100);
    }

    #[test]
    fn stale_keys_are_dropped_as_the_map_grows() {
        let limiter = MemoryRateLimiter::new();
        let rate = Rate {
            count: 1,
            window: Duration::from_micros(1),
        };
        for i in 0..70_000 {
            limiter.check_now(&format!("k{i}"), rate);
        }
        let kept: usize = limiter
            .shards
            .iter()
            .map(|s| s.read().map(|m| m.len()).unwrap_or(0))
            .sum();
        assert!(kept < 60_000, "{kept} keys kept of 70000");
    }
}
