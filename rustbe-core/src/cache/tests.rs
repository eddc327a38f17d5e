use super::*;

use std::sync::atomic::AtomicUsize;

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
struct Product {
    id: u32,
    name: String,
    price: f64,
    tags: Vec<String>,
}

fn product() -> Product {
    Product {
        id: 7,
        name: "Shoes".into(),
        price: 59.9,
        tags: vec!["run".into()],
    }
}

#[tokio::test]
async fn values_round_trip_and_misses_are_counted() {
    let cache = Cache::memory("t", 1 << 20);
    let loaded = cache
        .get_or_load("product", "7", Duration::from_secs(60), || async {
            Ok(Some(product()))
        })
        .await;
    assert_eq!(loaded.ok().flatten(), Some(product()));
    let cached: Option<Product> = cache
        .get_or_load("product", "7", Duration::from_secs(60), || async {
            Err(Error::internal("not called"))
        })
        .await
        .ok()
        .flatten();
    assert_eq!(cached, Some(product()));
    assert_eq!(
        cache.stats(),
        CacheStats {
            hits: 1,
            misses: 1,
            errors: 0,
            loads: 1,
            load_errors: 0,
        }
    );
}

#[tokio::test]
async fn not_found_is_cached_only_when_asked() {
    let calls = AtomicUsize::new(0);
    let load = || async {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok::<Option<Product>, Error>(None)
    };
    let plain = Cache::memory("t", 1 << 20);
    let _ = plain
        .get_or_load("p", "x", Duration::from_secs(60), load)
        .await;
    let _ = plain
        .get_or_load("p", "x", Duration::from_secs(60), load)
        .await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let negative = Cache::memory("t", 1 << 20).negative_ttl(Duration::from_secs(60));
    let _ = negative
        .get_or_load("p", "x", Duration::from_secs(60), load)
        .await;
    let second = negative
        .get_or_load("p", "x", Duration::from_secs(60), load)
        .await;
    assert!(matches!(second, Ok(None)));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn loader_errors_are_returned_and_not_cached() {
    let cache = Cache::memory("t", 1 << 20);
    let failed: Result<Option<u32>, Error> = cache
        .get_or_load("p", "1", Duration::from_secs(60), || async {
            Err(Error::not_found())
        })
        .await;
    assert!(failed.is_err_and(|e| e.is_not_found()));
    let ok = cache
        .get_or_load("p", "1", Duration::from_secs(60), || async {
            Ok(Some(5_u32))
        })
        .await;
    assert_eq!(ok.ok().flatten(), Some(5));
}

#[tokio::test]
async fn a_value_of_another_shape_is_a_miss_not_an_error() {
    let cache = Cache::memory("t", 1 << 20);
    let _ = cache
        .get_or_load("p", "1", Duration::from_secs(60), || async {
            Ok(Some("text".to_owned()))
        })
        .await;
    let reloaded = cache
        .get_or_load("p", "1", Duration::from_secs(60), || async {
            Ok(Some(product()))
        })
        .await;
    assert_eq!(reloaded.ok().flatten(), Some(product()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalidation_during_a_load_keeps_its_old_value_out_of_the_cache() {
    let cache = Cache::memory("t", 1 << 20);
    let slow = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_or_load("p", "1", Duration::from_secs(60), || async {
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Ok(Some("old".to_owned()))
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    cache.invalidate("p", "1").await; // a write committed while the read was loading
    assert_eq!(
        slow.await.ok().and_then(Result::ok).flatten().as_deref(),
        Some("old")
    );
    let after = cache
        .get_or_load("p", "1", Duration::from_secs(60), || async {
            Ok(Some("new".to_owned()))
        })
        .await;
    assert_eq!(
        after.ok().flatten().as_deref(),
        Some("new"),
        "the old value was not stored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_misses_share_one_failure_instead_of_retrying_in_turn() {
    let cache = Cache::memory("t", 1 << 20);
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (cache, calls) = (cache.clone(), calls.clone());
            tokio::spawn(async move {
                cache
                    .get_or_load::<u32, _, _>("p", "down", Duration::from_secs(60), || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Err(Error::service_unavailable(Duration::from_secs(2)))
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        let result = task.await.ok().map(|r| r.map_err(|e| e.code()));
        assert_eq!(result, Some(Err(crate::ErrorCode::ServiceUnavailable)));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_abandoned_load_leaves_no_entry_behind() {
    let cache = Cache::memory("t", 1 << 20);
    let pending = {
        let cache = cache.clone();
        tokio::spawn(async move {
            cache
                .get_or_load("p", "slow", Duration::from_secs(60), || async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(Some(1_u32))
                })
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(cache.inner.flights.len(), 1);
    pending.abort();
    let _ = pending.await;
    assert_eq!(cache.inner.flights.len(), 0);
}
