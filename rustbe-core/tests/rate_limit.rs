//! Rate limits through the whole router, in memory and on the real Redis.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::connect_info::MockConnectInfo;
use axum::routing::get;
use rustbe_core::app::App;
use rustbe_core::config::{Config, Rate};
use rustbe_core::rate_limit::{MemoryRateLimiter, RateLimiter, RedisRateLimiter};
use rustbe_core::response::Single;
use rustbe_core::testing::{TestRequest, service_url};

fn app(limiter: Arc<dyn RateLimiter>, count: u32, trust_proxy: bool, peer: &str) -> Router {
    let mut config = Config::for_tests("limits");
    config.rate_limit = Rate {
        count,
        window: Duration::from_secs(60),
    };
    config.trust_proxy = trust_proxy;
    let api = Router::new().route("/ping", get(|| async { Single("pong") }));
    let peer: SocketAddr = peer.parse().expect("addr");
    App::new(config)
        .rate_limiter(limiter)
        .api(api)
        .into_router()
        .layer(MockConnectInfo(peer))
}

async fn redis_limiter(test: &str, prefix: &str) -> Option<Arc<dyn RateLimiter>> {
    let url = service_url("TEST_REDIS_URL", test)?;
    let client = rustbe_core::redis::connect(&url)
        .await
        .expect("TEST_REDIS_URL answers");
    Some(Arc::new(RedisRateLimiter::new(client, prefix)))
}

/// Sends `n` requests at once and counts the 200s.
async fn burst(app: &Router, n: usize) -> (usize, Vec<rustbe_core::testing::TestResponse>) {
    let requests = (0..n).map(|_| TestRequest::get("/api/ping").send(app));
    let responses = futures_util::future::join_all(requests).await;
    (
        responses.iter().filter(|r| r.status() == 200).count(),
        responses,
    )
}

async fn exactly_n_of_3n(limiter: Arc<dyn RateLimiter>, backend: &str) {
    let app = app(limiter, 10, false, "192.0.2.1:4000");
    let (ok, responses) = burst(&app, 30).await;
    assert_eq!(ok, 10, "{backend}");
    let refused = responses
        .iter()
        .find(|r| r.status() == 429)
        .expect("some refused");
    assert_eq!(refused.error_code(), "RATE_LIMITED");
    assert!(
        refused
            .header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|s| (1..=6).contains(&s))
    );
    assert_eq!(refused.header("ratelimit-limit"), Some("10"));
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    let allowed = responses
        .iter()
        .find(|r| r.status() == 200)
        .expect("some allowed");
    assert_eq!(allowed.header("ratelimit-limit"), Some("10"));
    assert!(allowed.header("ratelimit-reset").is_some());
    // Outside /api, nothing is limited.
    assert_eq!(TestRequest::get("/health").send(&app).await.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_n_of_3n_concurrent_requests_pass_in_memory() {
    exactly_n_of_3n(Arc::new(MemoryRateLimiter::new()), "memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_n_of_3n_concurrent_requests_pass_in_redis() {
    let prefix = format!("rustbe-test-{}", uuid::Uuid::new_v4().simple());
    let Some(limiter) = redis_limiter("rate limit in redis", &prefix).await else {
        return;
    };
    exactly_n_of_3n(limiter, "redis").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_share_one_limit() {
    let prefix = format!("rustbe-test-{}", uuid::Uuid::new_v4().simple());
    let Some(one) = redis_limiter("shared rate limit", &prefix).await else {
        return;
    };
    let Some(two) = redis_limiter("shared rate limit", &prefix).await else {
        return;
    };
    let (one, two) = (
        app(one, 10, false, "192.0.2.1:4000"),
        app(two, 10, false, "192.0.2.1:5000"),
    );
    let (a, b) = tokio::join!(burst(&one, 15), burst(&two, 15));
    assert_eq!(
        a.0 + b.0,
        10,
        "one limit across both instances: {} + {}",
        a.0,
        b.0
    );
}

#[tokio::test]
async fn a_spoofed_forwarded_for_does_not_reset_the_limit_unless_the_proxy_is_trusted() {
    let untrusted = app(
        Arc::new(MemoryRateLimiter::new()),
        3,
        false,
        "192.0.2.9:4000",
    );
    let mut passed = 0;
    for i in 0..9 {
        let r = TestRequest::get("/api/ping")
            .header("x-forwarded-for", &format!("198.51.100.{i}"))
            .send(&untrusted)
            .await;
        passed += usize::from(r.status() == 200);
    }
    assert_eq!(passed, 3, "every request counted against the peer address");

    let trusted = app(Arc::new(MemoryRateLimiter::new()), 3, true, "10.0.0.1:4000");
    let mut passed = 0;
    for i in 0..9 {
        // The client may prepend anything; the proxy's own entry (the last) names the client.
        let r = TestRequest::get("/api/ping")
            .header(
                "x-forwarded-for",
                &format!("6.6.6.{i}, 198.51.100.{}", i % 3),
            )
            .send(&trusted)
            .await;
        passed += usize::from(r.status() == 200);
    }
    assert_eq!(
        passed, 9,
        "three clients behind the proxy, three requests each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_redis_falls_back_to_limiting_per_instance() {
    let client = rustbe_core::redis::connect("redis://127.0.0.1:1")
        .await
        .expect("a client, even to nowhere");
    let limiter: Arc<dyn RateLimiter> = Arc::new(RedisRateLimiter::new(client, "dead"));
    let app = app(limiter, 5, false, "192.0.2.1:4000");
    let (ok, _) = burst(&app, 15).await;
    assert_eq!(ok, 5, "still limited while Redis is away");
}

#[tokio::test]
async fn a_stricter_inner_rule_keeps_its_own_headers() {
    use rustbe_core::rate_limit::{KeyBy, RateLimitLayer, RateLimitRule};
    let limiter: Arc<dyn RateLimiter> = Arc::new(MemoryRateLimiter::new());
    let strict = RateLimitRule::new(
        "login",
        Rate {
            count: 2,
            window: Duration::from_secs(60),
        },
        KeyBy::ClientIp { trust_proxy: false },
    );
    let api = Router::new()
        .route("/login", get(|| async { Single("ok") }))
        .route_layer(RateLimitLayer::new(limiter.clone(), strict));
    let mut config = Config::for_tests("limits");
    config.rate_limit = Rate {
        count: 100,
        window: Duration::from_secs(60),
    };
    let peer: SocketAddr = "192.0.2.1:4000".parse().expect("addr");
    let app = App::new(config)
        .rate_limiter(limiter)
        .api(api)
        .into_router()
        .layer(MockConnectInfo(peer));
    let first = TestRequest::get("/api/login").send(&app).await;
    assert_eq!(
        (
            first.header("ratelimit-limit"),
            first.header("ratelimit-remaining")
        ),
        (Some("2"), Some("1"))
    );
    TestRequest::get("/api/login").send(&app).await;
    let refused = TestRequest::get("/api/login").send(&app).await;
    assert_eq!(refused.status(), 429);
    assert_eq!(
        (
            refused.header("ratelimit-limit"),
            refused.header("ratelimit-remaining")
        ),
        (Some("2"), Some("0"))
    );
}

#[tokio::test]
async fn rate_limits_off_lets_everything_through_without_headers() {
    let mut config = Config::for_tests("limits");
    config.rate_limit = Rate {
        count: 1,
        window: Duration::from_secs(60),
    };
    config.rate_limits = false;
    let api = Router::new().route("/ping", get(|| async { Single("pong") }));
    let peer: SocketAddr = "192.0.2.9:4000".parse().expect("addr");
    let app = App::new(config)
        .rate_limiter(Arc::new(MemoryRateLimiter::new()))
        .api(api)
        .into_router()
        .layer(MockConnectInfo(peer));
    for _ in 0..3 {
        let response = TestRequest::get("/api/ping").send(&app).await;
        assert_eq!(response.status(), 200, "a limit of 1 is not applied");
        assert_eq!(response.header("ratelimit-limit"), None);
    }
}

/// The statuses of `GET /api/ping` from each `X-Forwarded-For` address, in order.
async fn from_each(app: &Router, addresses: &[&str]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for address in addresses {
        let r = TestRequest::get("/api/ping")
            .header("x-forwarded-for", address)
            .send(app)
            .await;
        statuses.push(r.status().as_u16());
    }
    statuses
}

#[tokio::test]
async fn spellings_of_one_ipv4_address_and_one_ipv6_64_share_a_bucket() {
    let app = app(
        Arc::new(MemoryRateLimiter::new()),
        2,
        true,
        "192.0.2.250:4000",
    );
    assert_eq!(
        from_each(
            &app,
            &["198.51.100.7", "::ffff:198.51.100.7", "::ffff:c633:6407"]
        )
        .await,
        [200, 200, 429],
        "an IPv4-mapped spelling is the same client"
    );
    assert_eq!(
        from_each(
            &app,
            &[
                "2001:db8:1:2::1",
                "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
                "[2001:db8:1:2::9]:443"
            ]
        )
        .await,
        [200, 200, 429],
        "one /64 is one client"
    );
    assert_eq!(
        from_each(&app, &["2001:db8:1:3::1"]).await,
        [200],
        "the next /64 is another"
    );
}
