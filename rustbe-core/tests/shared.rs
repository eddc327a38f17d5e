//! `Shared`: in memory without `REDIS_URL`, in Redis with it (when `TEST_REDIS_URL` is set,
//! always under CI), where two instances of an app share their rate-limit counts and their
//! cached values; `CACHE=off` disables the cache either way.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::time::Duration;

use rustbe_core::app::Shared;
use rustbe_core::config::{Config, Rate, Secret};

fn config(app: &str, redis: Option<&str>, cache: bool) -> Config {
    let mut config = Config::for_tests(app);
    config.redis_url = redis.map(Secret::new);
    config.cache = cache;
    config
}

/// Reads `key` through the shared cache: `Some(loaded)` when the loader ran.
async fn read(shared: &Shared, key: &str) -> (String, bool) {
    let ran = std::sync::atomic::AtomicBool::new(false);
    let value: Option<String> = shared
        .cache()
        .get_or_load("shared", key, Duration::from_secs(60), || async {
            ran.store(true, std::sync::atomic::Ordering::Relaxed);
            Ok(Some(format!("value of {key}")))
        })
        .await
        .expect("the cache answers");
    (value.expect("loaded"), ran.into_inner())
}

#[tokio::test]
async fn in_memory_without_redis_url() {
    let shared = Shared::connect(&config("shared_memory", None, true))
        .await
        .expect("memory needs nothing");
    assert!(!shared.is_redis());
    let rate: Rate = "1/1m".parse().expect("a rate");
    let first = shared.limiter().check_local("k", rate);
    assert!(
        first.is_some_and(|d| d.allowed),
        "in memory: decided at once"
    );
    assert!(
        shared
            .limiter()
            .check_local("k", rate)
            .is_some_and(|d| !d.allowed)
    );
    assert_eq!(read(&shared, "a").await, ("value of a".to_owned(), true));
    assert_eq!(
        read(&shared, "a").await,
        ("value of a".to_owned(), false),
        "cached"
    );
}

#[tokio::test]
async fn cache_off_disables_the_cache() {
    let shared = Shared::connect(&config("shared_off", None, false))
        .await
        .expect("memory");
    assert!(!shared.cache().is_enabled());
    assert!(
        read(&shared, "a").await.1 && read(&shared, "a").await.1,
        "every read loads"
    );
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn a_redis_url_that_is_not_one_is_an_error() {
    let err = Shared::connect(&config("shared_bad", Some("not a url at all"), true))
        .await
        .expect_err("not a Redis URL");
    assert!(
        err.to_string().contains("REDIS_URL is not a Redis URL"),
        "the start-up error says what to fix: {err}"
    );
}

#[cfg(not(feature = "redis"))]
#[tokio::test]
async fn a_redis_url_without_the_feature_is_an_error() {
    let err = Shared::connect(&config(
        "shared_no_feature",
        Some("redis://127.0.0.1"),
        true,
    ))
    .await
    .expect_err("no Redis in this build");
    assert!(
        err.to_string().contains("without its `redis` feature"),
        "{err}"
    );
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn two_instances_share_their_counts_and_their_cache_through_redis() {
    let Some(url) = rustbe_core::testing::service_url("TEST_REDIS_URL", "shared_redis") else {
        return;
    };
    // A fresh name: keys of earlier runs do not count.
    let app = format!("shared_{}", uuid::Uuid::new_v4().simple());
    let one = Shared::connect(&config(&app, Some(&url), true))
        .await
        .expect("Redis");
    let two = Shared::connect(&config(&app, Some(&url), true))
        .await
        .expect("Redis");
    assert!(one.is_redis() && one.redis().is_some());
    let rate: Rate = "1/1m".parse().expect("a rate");
    assert!(
        one.limiter().check_local("k", rate).is_none(),
        "Redis is asked"
    );
    assert!(
        one.limiter()
            .check("k", rate)
            .await
            .expect("decided")
            .allowed
    );
    let second = two.limiter().check("k", rate).await.expect("decided");
    assert!(
        !second.allowed,
        "the other instance counted the first request"
    );
    assert_eq!(read(&one, "b").await, ("value of b".to_owned(), true));
    assert_eq!(
        read(&two, "b").await,
        ("value of b".to_owned(), false),
        "the other instance's cached value"
    );
}
