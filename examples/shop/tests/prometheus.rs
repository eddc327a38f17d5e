#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! A real Prometheus (Debian's `prometheus`) scrapes the real `shop` binary on loopback, with
//! the `METRICS_TOKEN` bearer, while the test drives requests; then the test reads back
//! through Prometheus's HTTP API (`/api/v1/query`) the request counter and the latency
//! histogram per route template, a database pool gauge and the cache-hit counter, and checks
//! that no raw path became a label.
//!
//! Needs the `prometheus` binary (`PROMETHEUS` names another): skipped without it, failing in
//! CI. A second test serves the scrape on its own `METRICS_ADDR`.

#[path = "support/http.rs"]
mod http;
#[path = "support/process.rs"]
mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use http::{Answer, exchange, free_port};
use serde_json::Value;

const TOKEN: &str = "scrape-token-0123456789abcdef";

/// The Prometheus binary, if there is one.
fn prometheus_binary() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os("PROMETHEUS") {
        return Some(PathBuf::from(named));
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("prometheus"))
            .find(|candidate| candidate.is_file())
    })
}

async fn get(addr: SocketAddr, path: &str) -> Answer {
    tokio::time::timeout(
        Duration::from_secs(10),
        exchange(addr, None, "GET", path, "", &[], None),
    )
    .await
    .unwrap_or_else(|_| panic!("GET {path}: no answer in 10s"))
    .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

/// The result vector of the instant query `query`.
async fn query(prometheus: SocketAddr, query: &str) -> Vec<Value> {
    let answer = get(
        prometheus,
        &format!("/api/v1/query?query={}", encode(query)),
    )
    .await;
    assert_eq!(answer.status, 200, "{query}: {}", answer.body);
    assert_eq!(answer.body["status"], "success", "{query}: {}", answer.body);
    answer.body["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The value of a one-sample result.
fn number(sample: &Value) -> f64 {
    sample["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no value in {sample}"))
}

/// Polls `query` (up to 60 s) until its single result satisfies `wanted`; returns it.
async fn eventually(prometheus: SocketAddr, q: &str, wanted: impl Fn(f64) -> bool) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let result = query(prometheus, q).await;
        if let [one] = result.as_slice()
            && wanted(number(one))
        {
            return number(one);
        }
        assert!(Instant::now() < deadline, "{q} never matched: {result:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn prometheus_reads_requests_latency_pool_and_cache_by_route_template() {
    let Some(binary) = prometheus_binary() else {
        assert!(
            !rustbe_core::testing::in_ci(),
            "prometheus is not installed, and CI must run this test"
        );
        #[allow(clippy::print_stderr, reason = "the skip is said")]
        {
            eprintln!(
                "SKIPPED prometheus_reads_requests_latency_pool_and_cache_by_route_template: no prometheus binary"
            );
        }
        return;
    };
    let dir = process::temp_dir("shop-prometheus");
    let (port, prometheus_port) = (free_port(), free_port());
    let shop = process::shop(&dir, port, &[("METRICS", "on"), ("METRICS_TOKEN", TOKEN)]);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    process::wait_healthy(addr, &shop).await;
    assert_eq!(
        get(addr, "/metrics").await.status,
        401,
        "the token is required"
    );

    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: shop\n    metrics_path: /metrics\n    authorization:\n      credentials: {TOKEN}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), config).expect("writes the config");
    let mut command = Command::new(&binary);
    command.current_dir(&dir).args([
        format!("--config.file={}", dir.join("prometheus.yml").display()),
        format!("--storage.tsdb.path={}", dir.join("data").display()),
        format!("--web.listen-address=127.0.0.1:{prometheus_port}"),
    ]);
    let prometheus = process::Process::spawn(command, "prometheus");
    let prometheus_addr: SocketAddr = format!("127.0.0.1:{prometheus_port}")
        .parse()
        .expect("addr");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !query_ok(prometheus_addr).await {
        assert!(
            Instant::now() < deadline,
            "prometheus did not start:\n{}",
            prometheus.output()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    eventually(prometheus_addr, r#"up{job="shop"}"#, |up| up == 1.0).await;

    // The requests: a list, one product read three times (one miss, two hits), a path no
    // route matches.
    let list = get(addr, "/api/products?limit=5").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let id = match &list.body["data"][0]["id"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for _ in 0..3 {
        let product = get(addr, &format!("/api/products/{id}")).await;
        assert_eq!(product.status, 200, "{}", product.body);
    }
    assert_eq!(get(addr, "/api/no-such-thing/1").await.status, 404);

    let one = r#"job="shop",method="GET",route="/api/products/{id}",status_class="2xx""#;
    let reads = eventually(
        prometheus_addr,
        &format!("rustbe_http_requests_total{{{one}}}"),
        |n| n >= 3.0,
    )
    .await;
    assert_eq!(reads, 3.0);
    let listed = eventually(
        prometheus_addr,
        r#"rustbe_http_requests_total{job="shop",method="GET",route="/api/products",status_class="2xx"}"#,
        |n| n >= 1.0,
    )
    .await;
    assert_eq!(listed, 1.0);
    let observed = eventually(
        prometheus_addr,
        &format!("rustbe_http_request_duration_seconds_count{{{one}}}"),
        |n| n >= 3.0,
    )
    .await;
    assert_eq!(observed, 3.0);
    let buckets = query(
        prometheus_addr,
        &format!("rustbe_http_request_duration_seconds_bucket{{{one}}}"),
    )
    .await;
    assert_eq!(buckets.len(), 15, "14 bounds and +Inf: {buckets:?}");
    let inf = buckets
        .iter()
        .find(|b| b["metric"]["le"] == "+Inf")
        .expect("the +Inf bucket");
    assert_eq!(number(inf), 3.0);
    let p99 = eventually(
        prometheus_addr,
        &format!(
            "histogram_quantile(0.99, sum by (le) (rustbe_http_request_duration_seconds_bucket{{{one}}}))"
        ),
        f64::is_finite,
    )
    .await;
    assert!(p99 > 0.0 && p99 <= 10.0, "{p99}");
    eventually(
        prometheus_addr,
        r#"rustbe_http_requests_total{job="shop",route="unmatched",status_class="4xx"}"#,
        |n| n >= 1.0,
    )
    .await;

    let pool = eventually(
        prometheus_addr,
        r#"rustbe_db_pool_connections{job="shop"}"#,
        |n| n >= 1.0,
    )
    .await;
    let max = eventually(
        prometheus_addr,
        r#"rustbe_db_pool_max_connections{job="shop"}"#,
        |n| n >= 1.0,
    )
    .await;
    assert!(pool <= max, "{pool} > {max}");
    let hits = eventually(
        prometheus_addr,
        r#"rustbe_cache_hits_total{job="shop"}"#,
        |n| n >= 2.0,
    )
    .await;
    assert!(hits >= 2.0);

    let raw = query(
        prometheus_addr,
        &format!(r#"rustbe_http_requests_total{{route=~".*{id}.*"}}"#),
    )
    .await;
    assert!(raw.is_empty(), "a raw path became a label: {raw:?}");
    drop(prometheus);
    drop(shop);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Does the query API answer yet?
async fn query_ok(prometheus: SocketAddr) -> bool {
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        exchange(
            prometheus,
            None,
            "GET",
            "/api/v1/query?query=1",
            "",
            &[],
            None,
        ),
    )
    .await;
    matches!(answer, Ok(Ok(a)) if a.status == 200)
}

/// With `METRICS_ADDR` the scrape is served on its own listener, and only there.
#[tokio::test]
async fn metrics_on_their_own_address() {
    let dir = process::temp_dir("shop-metrics-addr");
    let (port, metrics_port) = (free_port(), free_port());
    let metrics_addr = format!("127.0.0.1:{metrics_port}");
    let shop = process::shop(
        &dir,
        port,
        &[("METRICS", "on"), ("METRICS_ADDR", metrics_addr.as_str())],
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    process::wait_healthy(addr, &shop).await;
    assert_eq!(
        get(addr, "/metrics").await.status,
        404,
        "not beside the app"
    );
    let metrics: SocketAddr = metrics_addr.parse().expect("addr");
    let (status, text) = tokio::time::timeout(
        Duration::from_secs(10),
        rustbe_core::testing::http_get(metrics, "/metrics"),
    )
    .await
    .expect("an answer in 10s")
    .expect("the metrics listener answers");
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains(
            r#"rustbe_http_requests_total{method="GET",route="/health",status_class="2xx"}"#
        ),
        "{text}"
    );
    let (other, _) = rustbe_core::testing::http_get(metrics, "/api/products")
        .await
        .expect("answers");
    assert_eq!(other, 404, "only the scrape on the metrics listener");
    drop(shop);
    let _ = std::fs::remove_dir_all(&dir);
}
