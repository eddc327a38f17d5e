//! `/metrics` through the whole router: off by default, the request series by route
//! template (never the raw path), the pool gauges and cache counters read at scrape, the
//! rate-limit counter, the bearer token, and no rate limit on the scrape itself.
//!
//! The recorder is global to the process, so every test uses routes of its own and reads
//! only the series of those routes, and an app name of its own for the pool and cache series
//! (labelled `app`); the breaker gauges are the process's, so the tests that read series at
//! scrape take turns ([`ONE_AT_A_TIME`]).

#![cfg(feature = "metrics")]
#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use rustbe_core::app::App;
use rustbe_core::cache::Cache;
use rustbe_core::config::Config;
use rustbe_core::rate_limit::MemoryRateLimiter;
use rustbe_core::response::Single;
use rustbe_core::testing::{TestDb, TestRequest};

/// Held by the tests that check series read at scrape (one app's pool and cache at a time).
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config(vars: &[(&str, &str)]) -> Config {
    named("metrics", vars)
}

/// The test configuration of the app `name`, with `vars` set.
fn named(name: &str, vars: &[(&str, &str)]) -> Config {
    Config::from_lookup(name, |key| {
        vars.iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| (*v).to_owned())
            .or_else(|| match key {
                "APP_ENV" => Some("test".into()),
                "DATABASE_URL" => Some("sqlite::memory:".into()),
                _ => None,
            })
    })
    .expect("valid test configuration")
}

/// The value of the series `name{labels}` in `text`, if it is there.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

/// The series `name` of the app `app`, as the scrape writes it.
fn of(name: &str, app: &str) -> String {
    format!(r#"{name}{{app="{app}"}}"#)
}

async fn scrape(router: &Router) -> String {
    let response = TestRequest::get("/metrics").send(router).await;
    assert_eq!(response.status(), 200, "{:?}", response.body());
    assert_eq!(
        response.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    String::from_utf8(response.body().to_vec()).expect("UTF-8")
}

#[tokio::test]
async fn off_by_default_no_route() {
    let router = App::new(config(&[])).into_router();
    let response = TestRequest::get("/metrics").send(&router).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.error_code(), "NOT_FOUND");
}

#[tokio::test]
async fn requests_by_route_template_pool_and_cache() {
    const APP: &str = "series";
    let _turn = ONE_AT_A_TIME.lock().await;
    let db = TestDb::sqlite().await;
    let cache = Cache::memory("metrics", 1 << 20);
    let api = Router::new().route(
        "/gadgets/{id}",
        get(
            |cache: Cache, axum::extract::Path(id): axum::extract::Path<String>| async move {
                let name: Option<String> = cache
                    .get_or_load("gadget", &id, Duration::from_secs(60), || async {
                        Ok(Some("Gizmo".to_owned()))
                    })
                    .await?;
                Ok::<_, rustbe_core::Error>(Single(name))
            },
        ),
    );
    let router = App::new(named(APP, &[("METRICS", "on")]))
        .database(db.db.clone())
        .cache(cache)
        .api(api)
        .into_router();
    for path in ["/api/gadgets/1", "/api/gadgets/1", "/api/gadgets/2"] {
        assert_eq!(TestRequest::get(path).send(&router).await.status(), 200);
    }
    let missing = TestRequest::get("/api/gadgets-nowhere/9")
        .send(&router)
        .await;
    assert_eq!(missing.status(), 404);
    let wrong_method = TestRequest::post("/api/gadgets/1").send(&router).await;
    assert_eq!(wrong_method.status(), 405);

    let text = scrape(&router).await;
    let ok = r#"method="GET",route="/api/gadgets/{id}",status_class="2xx""#;
    assert_eq!(
        value(&text, &format!("rustbe_http_requests_total{{{ok}}}")),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            &format!("rustbe_http_request_duration_seconds_count{{{ok}}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &text,
            &format!(r#"rustbe_http_request_duration_seconds_bucket{{{ok},le="+Inf"}}"#)
        ),
        Some(3.0)
    );
    assert!(text.contains(&format!(
        r#"rustbe_http_request_duration_seconds_bucket{{{ok},le="0.001"}}"#
    )));
    let not_allowed = r#"method="POST",route="/api/gadgets/{id}",status_class="4xx""#;
    assert_eq!(
        value(
            &text,
            &format!("rustbe_http_requests_total{{{not_allowed}}}")
        ),
        Some(1.0)
    );
    assert!(
        text.contains(r#"route="unmatched",status_class="4xx""#),
        "{text}"
    );
    assert!(
        !text.contains("/api/gadgets/1") && !text.contains("gadgets-nowhere"),
        "raw paths never become labels"
    );

    assert_eq!(value(&text, &of("rustbe_cache_hits_total", APP)), Some(1.0));
    assert_eq!(
        value(&text, &of("rustbe_cache_misses_total", APP)),
        Some(2.0)
    );
    assert_eq!(
        value(&text, &of("rustbe_cache_load_errors_total", APP)),
        Some(0.0)
    );
    let size = value(&text, &of("rustbe_db_pool_connections", APP)).expect("pool size");
    let idle = value(&text, &of("rustbe_db_pool_idle_connections", APP)).expect("idle");
    assert!(size >= 1.0 && idle <= size, "{size} {idle}");
    let acquire = value(&text, &of("rustbe_db_pool_acquire_seconds", APP)).expect("acquire");
    assert!((0.0..=1.0).contains(&acquire), "{acquire}");
    let max = db
        .db
        .get_sqlite_connection_pool()
        .options()
        .get_max_connections();
    assert_eq!(
        value(&text, &of("rustbe_db_pool_max_connections", APP)),
        Some(f64::from(max))
    );
    assert!(text.contains("# TYPE rustbe_http_request_duration_seconds histogram"));
    assert!(value(&text, "rustbe_http_requests_in_flight").is_some());
    db.cleanup().await;
}

#[tokio::test]
async fn rate_limit_rejections_counted_and_the_scrape_never_limited() {
    let api = Router::new().route("/limited-thing", get(|| async { Single("ok") }));
    let router = App::new(config(&[("METRICS", "on"), ("RATE_LIMIT", "2/1m")]))
        .rate_limiter(Arc::new(MemoryRateLimiter::new()))
        .api(api)
        .into_router();
    let statuses: Vec<u16> = futures_util::future::join_all((0..4).map(|_| async {
        TestRequest::get("/api/limited-thing")
            .send(&router)
            .await
            .status()
            .as_u16()
    }))
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        2,
        "{statuses:?}"
    );
    for _ in 0..5 {
        scrape(&router).await;
    }
    let text = scrape(&router).await;
    let limited = r#"method="GET",route="/api/limited-thing",status_class="4xx""#;
    assert_eq!(
        value(&text, &format!("rustbe_http_requests_total{{{limited}}}")),
        Some(2.0)
    );
    let rejections = value(&text, r#"rustbe_rate_limit_rejections_total{rule="api"}"#);
    assert!(rejections.is_some_and(|n| n >= 2.0), "{text}");
}

#[tokio::test]
async fn the_token_guards_the_scrape_and_the_path_moves() {
    let router = App::new(config(&[
        ("METRICS", "true"),
        ("METRICS_PATH", "/internal/prometheus"),
        ("METRICS_TOKEN", "scrape-me-0123456789"),
    ]))
    .into_router();
    let anonymous = TestRequest::get("/internal/prometheus").send(&router).await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.error_code(), "UNAUTHORIZED");
    let wrong = TestRequest::get("/internal/prometheus")
        .bearer("scrape-me-012345678")
        .send(&router)
        .await;
    assert_eq!(wrong.status(), 401);
    let right = TestRequest::get("/internal/prometheus")
        .bearer("scrape-me-0123456789")
        .send(&router)
        .await;
    assert_eq!(right.status(), 200);
    assert!(String::from_utf8_lossy(right.body()).contains("# TYPE"));
    assert_eq!(
        TestRequest::get("/metrics").send(&router).await.status(),
        404
    );
}

#[test]
fn paths_inside_api_or_over_builtin_routes_are_refused() {
    for path in ["/api/metrics", "/api", "metrics", "/health", "/"] {
        let err = Config::from_lookup("metrics", |k| (k == "METRICS_PATH").then(|| path.into()))
            .expect_err(path);
        assert!(
            err.to_string().starts_with("METRICS_PATH is invalid"),
            "{err}"
        );
    }
    let err = Config::from_lookup("metrics", |k| (k == "METRICS_ADDR").then(|| "nine".into()))
        .expect_err("not an address");
    assert!(err.to_string().starts_with("METRICS_ADDR is invalid"));
}

#[tokio::test]
async fn a_dead_redis_shows_as_an_open_breaker_and_store_errors() {
    const APP: &str = "breakers";
    let _turn = ONE_AT_A_TIME.lock().await;
    use rustbe_core::cache::RedisStore;
    let client = rustbe_core::redis::connect("redis://127.0.0.1:1")
        .await
        .expect("a client, even to nowhere");
    let cache = Cache::new(Arc::new(RedisStore::new(client)), "metrics-dead");
    let api = Router::new().route(
        "/dead-cached",
        get(|cache: Cache| async move {
            let value: Option<u8> = cache
                .get_or_load("thing", "1", Duration::from_secs(60), || async {
                    Ok(Some(1))
                })
                .await?;
            Ok::<_, rustbe_core::Error>(Single(value))
        }),
    );
    let router = App::new(named(APP, &[("METRICS", "on")]))
        .cache(cache)
        .api(api)
        .into_router();
    let answer = TestRequest::get("/api/dead-cached").send(&router).await;
    assert_eq!(answer.status(), 200, "served from the loader");
    let text = scrape(&router).await;
    assert_eq!(
        value(&text, r#"rustbe_redis_breakers{state="open"}"#),
        Some(1.0),
        "{text}"
    );
    assert!(value(&text, "rustbe_redis_breaker_opened_total").is_some_and(|n| n >= 1.0));
    assert!(value(&text, &of("rustbe_cache_store_errors_total", APP)).is_some_and(|n| n >= 1.0));
    assert_eq!(
        value(&text, &of("rustbe_cache_loads_total", APP)),
        Some(1.0)
    );
}

#[tokio::test]
async fn postgres_pool_gauges() {
    const APP: &str = "postgres";
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(db) = TestDb::postgres("metrics_pool", |c| c.max_connections = 3).await else {
        return;
    };
    let router = App::new(named(APP, &[("METRICS", "on")]))
        .database(db.db.clone())
        .into_router();
    assert_eq!(TestRequest::get("/ready").send(&router).await.status(), 200);
    let text = scrape(&router).await;
    let pool = db.db.get_postgres_connection_pool();
    assert_eq!(
        value(&text, &of("rustbe_db_pool_max_connections", APP)),
        Some(3.0)
    );
    let size = value(&text, &of("rustbe_db_pool_connections", APP)).expect("pool size");
    assert!((1.0..=3.0).contains(&size), "{size}");
    assert_eq!(size, f64::from(pool.size()));
    let idle = value(&text, &of("rustbe_db_pool_idle_connections", APP)).expect("idle");
    assert!(idle <= size);
    db.cleanup().await;
}

/// Reads `key` through `cache` (a load the first time, a hit after).
async fn read_through(cache: &Cache, key: &str) {
    let value: Option<String> = cache
        .get_or_load("gadget", key, Duration::from_secs(60), || async {
            Ok(Some(key.to_owned()))
        })
        .await
        .expect("the memory cache answers");
    assert_eq!(value.as_deref(), Some(key));
}

#[tokio::test]
async fn two_apps_of_one_process_are_told_apart_and_a_dropped_one_is_not_read() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let (one, two) = ("public_api", "admin_api");
    // Files, not memory: an in-memory SQLite pool is always one connection.
    let dir = std::env::temp_dir().join(format!("rustbe-two-apps-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let pool = |file: &str, max: u32| {
        let mut config = rustbe_core::config::DatabaseConfig::new(format!(
            "sqlite://{}?mode=rwc",
            dir.join(file).display()
        ));
        config.max_connections = max;
        async move {
            rustbe_core::db::connect(&config)
                .await
                .expect("SQLite file")
        }
    };
    let (small, large) = (pool("one.db", 2).await, pool("two.db", 7).await);
    let (one_cache, two_cache) = (Cache::memory(one, 1 << 20), Cache::memory(two, 1 << 20));
    let first = App::new(named(one, &[("METRICS", "on")]))
        .database(small.clone())
        .cache(one_cache.clone())
        .into_router();
    let second = App::new(named(two, &[("METRICS", "on")]))
        .database(large.clone())
        .cache(two_cache.clone())
        .into_router();
    for _ in 0..3 {
        read_through(&one_cache, "a").await; // one miss, then hits
    }
    read_through(&two_cache, "b").await; // a miss only

    // Either app's scrape reports both, each with its own values.
    for router in [&first, &second] {
        let text = scrape(router).await;
        assert_eq!(
            value(&text, &of("rustbe_db_pool_max_connections", one)),
            Some(2.0),
            "{text}"
        );
        assert_eq!(
            value(&text, &of("rustbe_db_pool_max_connections", two)),
            Some(7.0)
        );
        assert_eq!(value(&text, &of("rustbe_cache_hits_total", one)), Some(2.0));
        assert_eq!(
            value(&text, &of("rustbe_cache_misses_total", one)),
            Some(1.0)
        );
        assert_eq!(value(&text, &of("rustbe_cache_hits_total", two)), Some(0.0));
        assert_eq!(
            value(&text, &of("rustbe_cache_misses_total", two)),
            Some(1.0)
        );
    }

    // Once the second app is gone its cache is read no more: new reads of it never show.
    drop(second);
    read_through(&two_cache, "b").await; // a hit nobody scrapes
    let text = scrape(&first).await;
    assert_eq!(
        value(&text, &of("rustbe_cache_hits_total", two)),
        Some(0.0),
        "{text}"
    );
    read_through(&one_cache, "a").await;
    let text = scrape(&first).await;
    assert_eq!(value(&text, &of("rustbe_cache_hits_total", one)), Some(3.0));
    drop((first, small, large));
    std::fs::remove_dir_all(&dir).expect("the temporary directory");
}

#[tokio::test]
async fn an_exhausted_pool_shows_in_the_acquire_time() {
    const APP: &str = "exhausted";
    let _turn = ONE_AT_A_TIME.lock().await;
    let db = TestDb::sqlite().await; // in memory: one connection
    let router = App::new(named(APP, &[("METRICS", "on")]))
        .database(db.db.clone())
        .into_router();
    let text = scrape(&router).await;
    let free = value(&text, &of("rustbe_db_pool_acquire_seconds", APP)).expect("acquire");
    assert!(free < 0.5, "an idle connection is at hand: {free}");
    let held = db
        .db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .expect("the one connection");
    let text = scrape(&router).await;
    let waited = value(&text, &of("rustbe_db_pool_acquire_seconds", APP)).expect("acquire");
    assert!(
        waited >= 0.9,
        "the scrape waited for the held connection: {waited}"
    );
    drop(held);
}
