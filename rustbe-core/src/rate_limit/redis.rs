//! [`RedisRateLimiter`]: GCRA in one Lua script on Redis's clock, one limit shared by every
//! instance.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fred::prelude::Client;
use fred::types::scripts::Script;
use futures_util::future::BoxFuture;

use super::{Decision, MemoryRateLimiter, RateLimiter};
use crate::Error;
use crate::config::Rate;
use crate::redis::CircuitBreaker;

/// GCRA in one Lua script: read the key's theoretical arrival time, decide, write it back,
/// all inside Redis, with Redis's own clock, so every instance shares one limit and
/// concurrent requests cannot slip past it.
const GCRA_LUA: &str = r"
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
if new_tat > now + window then
  return {0, new_tat - now - window, 0, tat - now}
end
redis.call('SET', KEYS[1], new_tat, 'PX', math.ceil((new_tat - now) / 1000))
return {1, 0, math.floor((now + window - new_tat) / interval), new_tat - now}
";

/// Rate limits in Redis, shared by every instance (keys `{prefix}:rl:{key}`).
///
/// **When Redis cannot answer**, the limiter falls back to an in-process
/// [`MemoryRateLimiter`]: limits keep applying, per instance, until Redis is back (one warning
/// per outage). It neither lets everything through nor refuses everything. The script runs
/// through the client's [`CircuitBreaker`], so while Redis is down a decision costs no Redis
/// wait (only the probe once per cool-down does).
///
/// ```no_run
/// # async fn run() -> Result<(), rustbe_core::Error> {
/// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
/// let limiter = rustbe_core::rate_limit::RedisRateLimiter::new(client, "shop");
/// # Ok(()) }
/// ```
pub struct RedisRateLimiter {
    client: Client,
    breaker: Arc<CircuitBreaker>,
    script: Script,
    prefix: String,
    fallback: MemoryRateLimiter,
    degraded: AtomicBool,
}

impl std::fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisRateLimiter {
    /// A limiter over `client` with keys under `prefix:rl:`.
    ///
    /// ```
    /// # async fn run() -> Result<(), rustbe_core::Error> {
    /// use rustbe_core::rate_limit::{RateLimiter, RedisRateLimiter};
    /// let client = rustbe_core::redis::connect("redis://127.0.0.1:6379").await?;
    /// let limiter = RedisRateLimiter::new(client, "shop");
    /// let decision = limiter.check("api:ip:203.0.113.7", "100/15m".parse().unwrap()).await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn new(client: Client, prefix: &str) -> Self {
        Self {
            breaker: CircuitBreaker::for_client(&client),
            client,
            script: Script::from_lua(GCRA_LUA),
            prefix: format!("{prefix}:rl:"),
            fallback: MemoryRateLimiter::new(),
            degraded: AtomicBool::new(false),
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn check<'a>(&'a self, key: &'a str, rate: Rate) -> BoxFuture<'a, Result<Decision, Error>> {
        Box::pin(async move {
            let (window, interval) = super::micros(rate);
            let reply: Result<Vec<i64>, _> = self
                .breaker
                .command("EVALSHA", || {
                    self.script.evalsha_with_reload(
                        &self.client,
                        format!("{}{key}", self.prefix),
                        vec![interval.to_string(), window.to_string()],
                    )
                })
                .await;
            match reply {
                Ok(values) if values.len() == 4 => {
                    if self.degraded.swap(false, Ordering::Relaxed) {
                        tracing::info!("rate limiting is shared through Redis again");
                    }
                    let micros = |v: i64| Duration::from_micros(u64::try_from(v).unwrap_or(0));
                    Ok(Decision {
                        allowed: values[0] == 1,
                        limit: rate.count,
                        remaining: u32::try_from(values[2]).unwrap_or(0),
                        retry_after: micros(values[1]),
                        reset: micros(values[3]),
                    })
                }
                other => {
                    if !self.degraded.swap(true, Ordering::Relaxed) {
                        let why = other
                            .err()
                            .map_or_else(|| "an unexpected reply".to_owned(), |e| e.to_string());
                        tracing::warn!(
                            "Redis rate limiting unavailable ({why}); limiting per instance until it is back"
                        );
                    }
                    Ok(self.fallback.check_now(key, rate))
                }
            }
        })
    }
}
