//! Cache-aside in memory and on the real Redis: get-or-load, TTL, invalidation by key and by
//! group, single flight, and a Redis that is not there.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rustbe_core::Error;
use rustbe_core::cache::{Cache, MemoryStore, RedisStore};
use rustbe_core::testing::service_url;

async fn caches(test: &str) -> Vec<(&'static str, Cache)> {
    let app = format!("rustbe-test-{}", uuid::Uuid::new_v4().simple());
    let mut caches = vec![(
        "memory",
        Cache::new(Arc::new(MemoryStore::new(1 << 20)), &app),
    )];
    if let Some(url) = service_url("TEST_REDIS_URL", test) {
        let client = rustbe_core::redis::connect(&url)
            .await
            .expect("TEST_REDIS_URL answers");
        caches.push(("redis", Cache::new(Arc::new(RedisStore::new(client)), &app)));
    }
    caches
}

/// A loader that counts its calls.
async fn counted(calls: &AtomicUsize, value: u32) -> Result<Option<u32>, Error> {
    calls.fetch_add(1, Ordering::SeqCst);
    Ok(Some(value))
}

#[tokio::test]
async fn get_or_load_ttl_and_invalidation() {
    for (backend, cache) in caches("cache get_or_load").await {
        let calls = AtomicUsize::new(0);
        let ttl = Duration::from_millis(300);
        let get = || cache.get_or_load("product", "1", ttl, || counted(&calls, 10));
        assert_eq!(get().await.ok().flatten(), Some(10), "{backend}");
        assert_eq!(get().await.ok().flatten(), Some(10), "{backend}");
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "{backend}: the second read is a hit"
        );

        cache.invalidate("product", "1").await;
        get().await.ok();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "{backend}: invalidated by key"
        );

        tokio::time::sleep(Duration::from_millis(450)).await;
        get().await.ok();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "{backend}: expired after its TTL"
        );
        let stats = cache.stats();
        assert_eq!(
            (stats.hits, stats.loads, stats.errors),
            (1, 3, 0),
            "{backend}"
        );
    }
}

#[tokio::test]
async fn invalidating_a_group_drops_every_key_in_it() {
    for (backend, cache) in caches("cache groups").await {
        let calls = AtomicUsize::new(0);
        let ttl = Duration::from_secs(60);
        for page in ["1", "2"] {
            cache
                .get_or_load_in_group("product", "lists", page, ttl, || counted(&calls, 1))
                .await
                .ok();
            cache
                .get_or_load_in_group("product", "lists", page, ttl, || counted(&calls, 1))
                .await
                .ok();
        }
        cache
            .get_or_load("product", "7", ttl, || counted(&calls, 7))
            .await
            .ok();
        assert_eq!(calls.load(Ordering::SeqCst), 3, "{backend}");
        cache.invalidate_group("product", "lists").await;
        for page in ["1", "2"] {
            cache
                .get_or_load_in_group("product", "lists", page, ttl, || counted(&calls, 1))
                .await
                .ok();
        }
        cache
            .get_or_load("product", "7", ttl, || counted(&calls, 7))
            .await
            .ok();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            5,
            "{backend}: both pages reloaded, the single row still cached"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_concurrent_misses_run_the_loader_once() {
    for (backend, cache) in caches("cache single flight").await {
        let calls = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_load("product", "hot", Duration::from_secs(60), || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            Ok(Some(42_u32))
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(
                task.await.expect("join").ok().flatten(),
                Some(42),
                "{backend}"
            );
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{backend}");
    }
}

#[tokio::test]
async fn a_dead_redis_degrades_to_the_loader_without_errors() {
    let client = rustbe_core::redis::connect("redis://127.0.0.1:1")
        .await
        .expect("a client, even to nowhere");
    let cache = Cache::new(Arc::new(RedisStore::new(client)), "dead");
    let calls = AtomicUsize::new(0);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let value = cache
            .get_or_load("product", "1", Duration::from_secs(60), || {
                counted(&calls, 5)
            })
            .await;
        assert_eq!(value.ok().flatten(), Some(5));
        let listed = cache
            .get_or_load_in_group("product", "lists", "1", Duration::from_secs(60), || {
                counted(&calls, 6)
            })
            .await;
        assert_eq!(listed.ok().flatten(), Some(6));
    }
    cache.invalidate("product", "1").await;
    cache.invalidate_group("product", "lists").await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        6,
        "every read served by the loader"
    );
    assert!(cache.stats().errors >= 6);
    assert!(cache.ping().await.is_err());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "each failure is bounded: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ready_reports_the_cache() {
    use rustbe_core::testing::TestRequest;
    let config = rustbe_core::config::Config::for_tests("cache");
    let client = rustbe_core::redis::connect("redis://127.0.0.1:1")
        .await
        .expect("client");
    let dead = Cache::new(Arc::new(RedisStore::new(client)), "dead");
    let app = rustbe_core::app::App::new(config.clone())
        .cache(dead)
        .into_router();
    let r = TestRequest::get("/ready").send(&app).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.json()["error"]["details"][0]["field"], "cache");
    let live = rustbe_core::app::App::new(config)
        .cache(Cache::memory("c", 1 << 20))
        .into_router();
    assert_eq!(TestRequest::get("/ready").send(&live).await.status(), 200);
}
