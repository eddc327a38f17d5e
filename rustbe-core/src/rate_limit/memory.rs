use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use futures_util::future::BoxFuture;

use super::{Decision, RateLimiter, gcra};
use crate::Error;
use crate::config::Rate;

const SHARDS: usize = 16;

/// GCRA state in this process: a theoretical arrival time per key, in 16 locked shards.
/// Keys whose allowance is full again are dropped as the map grows.
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
    shards: Vec<Mutex<HashMap<String, u64>>>,
}

impl Default for MemoryRateLimiter {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryRateLimiter {
    /// An empty limiter.
    #[must_use]
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Checks one request now (synchronous: no I/O is involved).
    pub fn check_now(&self, key: &str, rate: Rate) -> Decision {
        // Offset by a window so a new key's `tat` of 0 is always in the past.
        let now = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(u64::MAX)
            + u64::try_from(rate.window.as_micros()).unwrap_or(0);
        let shard = &self.shards[shard_of(key)];
        let mut map = shard
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let tat = map.get(key).copied().unwrap_or(0);
        let (decision, next) = gcra(tat, now, rate);
        if let Some(next) = next {
            if let Some(stored) = map.get_mut(key) {
                *stored = next;
            } else {
                if map.len() >= 4096 && map.len().is_power_of_two() {
                    map.retain(|_, t| *t > now);
                }
                map.insert(key.to_owned(), next);
            }
        }
        decision
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
