#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! The shop when its services fail, each fault a test: Redis going away (the cache degrades
//! to the database, revocation fails closed, rate limits fall back per instance) or stalling
//! (in both, the circuit breaker makes the requests after the first fail fast instead of
//! waiting out the command timeout), PostgreSQL going away (503 with `Retry-After` within the
//! acquire timeout, `/health` 200, `/ready` 503) and an exhausted pool (503 with
//! `Retry-After`); after each, the same app recovers without a restart.
//!
//! The real PostgreSQL and Redis are shared with other tests, so they are never stopped: the
//! shop talks to them through a loopback TCP proxy of this file that can cut every connection
//! and refuse new ones, stall traffic, and accept again.
//!
//! Needs `TEST_DATABASE_URL` and `TEST_REDIS_URL` (skipped without them, failing in CI).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use http::Method;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse, service_url};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const ADMIN_EMAIL: &str = "root@shop.example";
const ADMIN_PASSWORD: &str = "Admin1!password";
const PASSWORD: &str = "Correct1!horse";
/// One request, however degraded the service: longer is a hang.
const REQUEST_BUDGET: Duration = Duration::from_secs(10);
/// How long a recovery may take once a service is back (Redis reconnects with a backoff of
/// at most 2 s).
const RECOVERY_BUDGET: Duration = Duration::from_secs(15);
/// `DATABASE_ACQUIRE_TIMEOUT` of the PostgreSQL tests.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// What a 503 may take beyond the acquire timeout.
const SLACK: Duration = Duration::from_millis(1500);

// ---------------------------------------------------------------------------------------------
// A TCP proxy that can be cut, stalled and restored.
// ---------------------------------------------------------------------------------------------

/// A loopback TCP proxy in front of a shared service: `cut` drops every connection and closes
/// the port (new connections are refused), `restore` listens again on the same port, `pause`
/// holds every byte in flight until `resume`.
struct Proxy {
    addr: SocketAddr,
    upstream: String,
    paused: Arc<AtomicBool>,
    /// Set when bytes arrived while paused (something is waiting on the service).
    stalled: Arc<AtomicBool>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let proxy = Self {
            addr,
            upstream,
            paused: Arc::default(),
            stalled: Arc::default(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (up, tasks) = (self.upstream.clone(), self.tasks.clone());
        let (paused, stalled) = (self.paused.clone(), self.stalled.clone());
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (up, paused, stalled) = (up.clone(), paused.clone(), stalled.clone());
                let conn = tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(&up).await else {
                        return;
                    };
                    let (client_read, client_write) = inbound.into_split();
                    let (server_read, server_write) = outbound.into_split();
                    tokio::join!(
                        pump(client_read, server_write, &paused, &stalled),
                        pump(server_read, client_write, &paused, &stalled),
                    );
                });
                tasks.lock().expect("lock").push(conn);
            }
        });
        self.tasks.lock().expect("lock").push(accept);
    }

    /// Drops every connection and closes the port.
    fn cut(&self) {
        for task in self.tasks.lock().expect("lock").drain(..) {
            task.abort();
        }
    }

    /// Listens again on the same port.
    async fn restore(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(listener) => break listener,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => panic!("cannot listen on {} again: {err}", self.addr),
            }
        };
        self.serve(listener);
    }

    fn pause(&self) {
        self.stalled.store(false, Ordering::SeqCst);
        self.paused.store(true, Ordering::SeqCst);
    }

    fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    /// Waits until bytes are held by the paused proxy.
    async fn wait_stalled(&self) {
        let deadline = Instant::now() + REQUEST_BUDGET;
        while !self.stalled.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "nothing reached the paused proxy within {REQUEST_BUDGET:?}"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Copies `from` to `to`, holding what it read while the proxy is paused.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    paused: &AtomicBool,
    stalled: &AtomicBool,
) {
    let mut buf = vec![0_u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        while paused.load(Ordering::SeqCst) {
            stalled.store(true, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// `host:port` of a `scheme://user@host:port/path` URL (`default_port` when it has none).
fn host_port(url: &str, default_port: u16) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:{default_port}")
    }
}

/// `url` with its server replaced by the proxy's address.
fn through(url: &str, default_port: u16, proxy: &Proxy) -> String {
    let real = host_port(url, default_port);
    let host = real.rsplit_once(':').map_or(real.as_str(), |(h, _)| h);
    let authority = if url.contains(&real) {
        real.as_str()
    } else {
        host
    };
    url.replacen(authority, &proxy.addr.to_string(), 1)
}

// ---------------------------------------------------------------------------------------------
// The shop and its clients.
// ---------------------------------------------------------------------------------------------

/// The configuration of the shop under test: `overrides` on top of test settings with generous
/// limits and `TRUST_PROXY` on (each client of a test names its own address in
/// `X-Forwarded-For`, so its limiter keys in the shared Redis are fresh).
fn config(overrides: &[(&str, String)]) -> shop::Settings {
    let mut settings: Vec<(&str, String)> = vec![
        ("APP_ENV", "test".into()),
        ("ADMIN_EMAIL", ADMIN_EMAIL.into()),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("RATE_LIMIT_AUTH", "10000/1m".into()),
        ("RATE_LIMIT", "100000/1m".into()),
        ("SEED_DEMO_DATA", "false".into()),
        ("TRUST_PROXY", "true".into()),
    ];
    settings.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
    settings.extend(overrides.iter().cloned());
    shop::Settings::from_lookup(|k| {
        settings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
    })
    .expect("config")
}

async fn shop(config: shop::Settings, db: DatabaseConnection) -> Router {
    tokio::time::timeout(Duration::from_secs(60), shop::app(config, db))
        .await
        .expect("the shop starts within 60 s")
        .expect("the shop starts")
        .into_router()
}

/// One client of the shop, from an address of its own (random per run).
#[derive(Clone)]
struct Client {
    app: Router,
    ip: String,
}

impl Client {
    fn new(app: &Router) -> Self {
        let b = *uuid::Uuid::new_v4().as_bytes();
        Self {
            app: app.clone(),
            ip: format!("10.{}.{}.{}", b[0], b[1], b[2].max(1)),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> TestResponse {
        let what = format!("{method} {path}");
        let mut request = TestRequest::new(method, path).header("x-forwarded-for", &self.ip);
        if !token.is_empty() {
            request = request.bearer(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        tokio::time::timeout(REQUEST_BUDGET, request.send(&self.app))
            .await
            .unwrap_or_else(|_| panic!("{what}: no answer within {REQUEST_BUDGET:?} (a hang)"))
    }

    async fn get(&self, path: &str, token: &str) -> TestResponse {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> TestResponse {
        self.call(Method::POST, path, token, Some(body)).await
    }

    async fn patch(&self, path: &str, token: &str, body: Value) -> TestResponse {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/auth/login",
                "",
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status(), 200, "login {email}: {}", show(&r));
        data(&r, "access_token")
    }

    async fn register(&self, email: &str) -> String {
        let r = self
            .post(
                "/api/auth/register",
                "",
                json!({"email": email, "password": PASSWORD, "name": "Ada"}),
            )
            .await;
        assert_eq!(r.status(), 201, "register: {}", show(&r));
        r.json()["data"]["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A category and a product in it (price 10) created by `admin`: the product's path.
    async fn product(&self, admin: &str) -> String {
        let slug = format!("c-{}", uuid::Uuid::new_v4().simple());
        let r = self
            .post(
                "/api/categories",
                admin,
                json!({"name": "Shoes", "slug": slug}),
            )
            .await;
        assert_eq!(r.status(), 201, "category: {}", show(&r));
        let category = data(&r, "id");
        let r = self
            .post(
                "/api/products",
                admin,
                json!({"name": "Shoe", "description": "A shoe", "price": 10,
                       "category_id": category, "stock_quantity": 3, "images": []}),
            )
            .await;
        assert_eq!(r.status(), 201, "product: {}", show(&r));
        format!("/api/products/{}", data(&r, "id"))
    }

    /// Repeats `GET path` until it answers `status`, within [`RECOVERY_BUDGET`].
    async fn until(&self, path: &str, token: &str, status: u16, what: &str) -> TestResponse {
        let deadline = Instant::now() + RECOVERY_BUDGET;
        loop {
            let r = self.get(path, token).await;
            if r.status() == status {
                return r;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: GET {path} still {} after {RECOVERY_BUDGET:?}: {}",
                r.status(),
                show(&r)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn show(r: &TestResponse) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

fn data(r: &TestResponse, field: &str) -> String {
    r.json()["data"][field]
        .as_str()
        .unwrap_or_else(|| panic!("no string `data.{field}` in {}", show(r)))
        .to_owned()
}

fn price(r: &TestResponse) -> f64 {
    assert_eq!(r.status(), 200, "{}", show(r));
    r.json()["data"]["price"]
        .as_f64()
        .unwrap_or_else(|| panic!("no numeric `data.price` in {}", show(r)))
}

/// Status and error code.
fn outcome(r: &TestResponse) -> (u16, String) {
    let code = serde_json::from_slice::<Value>(r.body())
        .ok()
        .and_then(|v| v["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (r.status().as_u16(), code)
}

/// 503 `SERVICE_UNAVAILABLE` with a `Retry-After` of whole seconds (≥ 1).
fn assert_unavailable(r: &TestResponse, what: &str) {
    assert_eq!(
        outcome(r),
        (503, "SERVICE_UNAVAILABLE".into()),
        "{what}: {}",
        show(r)
    );
    let retry = r.header("retry-after");
    assert!(
        retry.is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1)),
        "{what}: 503 without a valid Retry-After ({retry:?})"
    );
}

/// The `field`s of an error's `details`.
fn failing(r: &TestResponse) -> Vec<String> {
    r.json()["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Changes a product's price in PostgreSQL directly, behind the API's (and its cache's) back.
async fn set_price(db: &TestDb, product: &str, price: f64) {
    let id = product.rsplit('/').next().unwrap_or_default();
    db.execute(&format!(
        "UPDATE products SET price = {price} WHERE id = '{id}'"
    ))
    .await;
}

// ---------------------------------------------------------------------------------------------
// The faults.
// ---------------------------------------------------------------------------------------------

/// The most the first request of a Redis outage may take: its first command waits the
/// command timeout (500 ms) and opens the circuit breaker, so the rest fail at once; the
/// remainder is slack for a loaded machine.
const REDIS_DEGRADED: Duration = Duration::from_millis(1500);

/// The most a request may take while the breaker is open: no Redis command waits, so this is
/// a generous bound on a database read, well under the 500 ms command timeout (it is a bound
/// on a fault path, not a benchmark).
const FAIL_FAST: Duration = Duration::from_millis(100);

/// `RATE_LIMIT_AUTH` of the Redis test: a burst of 3 logins per client.
const AUTH_BURST: usize = 3;

/// The scene of the Redis faults: the shop behind a proxy to Redis, an admin, a customer with
/// a live token and a logged-out one, and a product whose read is cached in Redis.
struct RedisScene {
    db: TestDb,
    proxy: Proxy,
    app: Router,
    client: Client,
    admin: String,
    email: String,
    token: String,
    revoked: String,
    product: String,
}

impl RedisScene {
    /// `None` (the test skipped, or failing in CI) without `TEST_REDIS_URL` and
    /// `TEST_DATABASE_URL`.
    async fn start(test: &str, overrides: &[(&str, String)]) -> Option<Self> {
        let redis = service_url("TEST_REDIS_URL", test)?;
        let db = TestDb::postgres(test, |_| {}).await?;
        let proxy = Proxy::start(host_port(&redis, 6379)).await;
        let mut settings = vec![("REDIS_URL", through(&redis, 6379, &proxy))];
        settings.extend(overrides.iter().cloned());
        let app = shop(config(&settings), db.db.clone()).await;
        let client = Client::new(&app);
        let admin = client.admin_token().await;
        let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
        let token = client.register(&email).await;
        let revoked = client.login(&email, PASSWORD).await;
        let r = client.post("/api/auth/logout", &revoked, json!({})).await;
        assert_eq!(r.status(), 204, "logout: {}", show(&r));
        let product = client.product(&admin).await;
        assert_eq!(price(&client.get(&product, "").await), 10.0);
        Some(Self {
            db,
            proxy,
            app,
            client,
            admin,
            email,
            token,
            revoked,
            product,
        })
    }

    /// Reads the product and times the read.
    async fn timed_read(&self) -> (TestResponse, Duration) {
        let started = Instant::now();
        let r = self.client.get(&self.product, "").await;
        (r, started.elapsed())
    }

    async fn finish(self) {
        self.proxy.cut();
        self.db.cleanup().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_outage_serves_from_the_database_and_fails_closed() {
    let Some(scene) = RedisScene::start(
        "faults_redis_outage",
        &[("RATE_LIMIT_AUTH", format!("{AUTH_BURST}/1m"))],
    )
    .await
    else {
        return;
    };
    let RedisScene {
        db,
        proxy,
        app,
        client: setup,
        admin,
        email,
        token,
        revoked,
        product,
    } = &scene;
    assert_eq!(
        outcome(&setup.get("/api/users/me", revoked).await).0,
        401,
        "the logged-out token is refused while Redis is up"
    );
    assert_eq!(setup.get("/api/users/me", token).await.status(), 200);

    // The read is cached in Redis: a change behind the API's back is not seen yet.
    set_price(db, product, 11.0).await;
    assert_eq!(
        price(&setup.get(product, "").await),
        10.0,
        "the second read comes from the Redis cache"
    );
    assert_eq!(setup.get("/ready", "").await.status(), 200);

    proxy.cut();

    // Cached reads fall back to the database: the current row, never the cached one. The
    // first Redis command of the outage (the /api limit) waits its 500 ms timeout and opens
    // the circuit breaker; the cache read and write behind it fail at once.
    let (r, first) = scene.timed_read().await;
    assert!(
        first < REDIS_DEGRADED,
        "the first read of the outage waits one Redis timeout at most: {first:?}"
    );
    assert_eq!(
        price(&r),
        11.0,
        "with Redis down the read comes from PostgreSQL"
    );
    // The breaker is open (for 1 s after that failure): the next read touches no Redis
    // command and is answered from PostgreSQL at once.
    set_price(db, product, 12.0).await;
    let (r, second) = scene.timed_read().await;
    assert_eq!(
        price(&r),
        12.0,
        "a change made while Redis is down is seen at once (nothing stale)"
    );
    eprintln!("Redis cut: first read {first:?}, second read {second:?}");
    assert!(
        second < FAIL_FAST,
        "with the breaker open a cached read does not wait on Redis: {second:?} (the first \
         took {first:?})"
    );

    // Revocation fails closed: a valid token is refused with 503, a revoked one stays refused.
    assert_unavailable(
        &setup.get("/api/users/me", token).await,
        "a valid token while revocation cannot be checked",
    );
    assert_unavailable(
        &setup.get("/api/users/me", revoked).await,
        "a revoked token while revocation cannot be checked (refused, never let through)",
    );
    assert_unavailable(
        &setup.patch(product, admin, json!({"price": 99})).await,
        "an admin write while revocation cannot be checked",
    );

    // Public routes keep working; /health is 200, /ready names the cache.
    for path in ["/api/categories", "/api/products", "/health"] {
        let r = setup.get(path, "").await;
        assert_eq!(r.status(), 200, "{path} with Redis down: {}", show(&r));
        if path.starts_with("/api") {
            assert_eq!(
                r.header("ratelimit-limit"),
                Some("100000"),
                "the /api limit still applies (per instance)"
            );
        }
    }
    let ready = setup.get("/ready", "").await;
    assert_unavailable(&ready, "/ready with Redis down");
    assert_eq!(failing(&ready), ["cache"], "{}", show(&ready));

    // The auth limit falls back to this instance's memory with the same rule: a burst of
    // AUTH_BURST, then 429 with Retry-After (neither open nor closed).
    let prober = Client::new(app);
    for attempt in 1..=AUTH_BURST {
        let r = prober
            .post(
                "/api/auth/login",
                "",
                json!({"email": email, "password": "Wrong1!password"}),
            )
            .await;
        assert_eq!(
            outcome(&r),
            (401, "INVALID_CREDENTIALS".into()),
            "login attempt {attempt} of {AUTH_BURST} with Redis down: {}",
            show(&r)
        );
        assert_eq!(
            r.header("ratelimit-limit"),
            Some(AUTH_BURST.to_string().as_str())
        );
    }
    let r = prober
        .post(
            "/api/auth/login",
            "",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        outcome(&r),
        (429, "RATE_LIMITED".into()),
        "attempt {} with Redis down: {}",
        AUTH_BURST + 1,
        show(&r)
    );
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1)),
        "429 without Retry-After"
    );

    // Redis is back: the same app recovers without a restart.
    proxy.restore().await;
    setup
        .until(
            "/api/users/me",
            token,
            200,
            "revocation after Redis is back",
        )
        .await;
    setup
        .until("/ready", "", 200, "/ready after Redis is back")
        .await;
    assert_eq!(
        outcome(&setup.get("/api/users/me", revoked).await),
        (401, "INVALID_TOKEN".into()),
        "the revoked token is still refused after the outage"
    );
    let r = setup.patch(product, admin, json!({"price": 13})).await;
    assert_eq!(
        r.status(),
        200,
        "admin write after the outage: {}",
        show(&r)
    );
    assert_eq!(price(&setup.get(product, "").await), 13.0);
    assert_eq!(
        price(&setup.get(product, "").await),
        13.0,
        "and the cache serves the new value"
    );
    // The breaker is closed again: reads are served from the Redis cache, not the database.
    set_price(db, product, 14.0).await;
    assert_eq!(
        price(&setup.get(product, "").await),
        13.0,
        "after the outage the read comes from the Redis cache again"
    );

    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_stall_fails_fast_behind_the_breaker_and_recovers() {
    let Some(scene) = RedisScene::start("faults_redis_stall", &[]).await else {
        return;
    };
    let RedisScene {
        db,
        proxy,
        client,
        token,
        revoked,
        product,
        ..
    } = &scene;

    // Redis accepts bytes and answers nothing: every command would wait its 500 ms timeout.
    proxy.pause();
    set_price(db, product, 11.0).await;
    let (r, first) = scene.timed_read().await;
    assert!(
        first < REDIS_DEGRADED,
        "the first read of the stall waits one Redis timeout at most: {first:?}"
    );
    assert_eq!(price(&r), 11.0, "read from PostgreSQL");
    let (r, second) = scene.timed_read().await;
    assert_eq!(price(&r), 11.0);
    eprintln!("Redis stalled: first read {first:?}, second read {second:?}");
    assert!(
        second < FAIL_FAST,
        "with the breaker open a cached read does not wait on Redis: {second:?} (the first \
         took {first:?})"
    );

    // Fail-fast revocation still fails closed: nobody is let through unchecked.
    for (what, token) in [("a valid token", token), ("a revoked token", revoked)] {
        assert_unavailable(
            &client.get("/api/users/me", token).await,
            &format!("{what} while Redis stalls"),
        );
    }

    // Redis answers again: a probe closes the breaker, with no restart.
    proxy.resume();
    client
        .until("/ready", "", 200, "/ready after the stall")
        .await;
    client
        .until("/api/users/me", token, 200, "revocation after the stall")
        .await;
    assert_eq!(
        outcome(&client.get("/api/users/me", revoked).await),
        (401, "INVALID_TOKEN".into()),
        "the revoked token is still refused after the stall"
    );
    // Reads come from the Redis cache again: the entry stored before the stall, so the
    // change made behind the API's back is not seen.
    assert_eq!(
        price(&client.get(product, "").await),
        10.0,
        "after the stall the read comes from the Redis cache again"
    );

    scene.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_outage_is_503_within_the_acquire_timeout_and_recovers() {
    const TEST: &str = "faults_postgres_outage";
    let Some(redis) = service_url("TEST_REDIS_URL", TEST) else {
        return;
    };
    let Some(db) = TestDb::postgres(TEST, |_| {}).await else {
        return;
    };
    let url = db.config.url.expose().to_owned();
    let proxy = Proxy::start(host_port(&url, 5432)).await;
    let proxied = through(&url, 5432, &proxy);
    let config = config(&[
        ("REDIS_URL", redis),
        ("DATABASE_URL", proxied.clone()),
        ("DATABASE_MAX_CONNECTIONS", "4".into()),
        (
            "DATABASE_ACQUIRE_TIMEOUT",
            format!("{}ms", ACQUIRE_TIMEOUT.as_millis()),
        ),
    ]);
    assert_eq!(config.core.database.acquire_timeout, ACQUIRE_TIMEOUT);
    let pool = rustbe_core::db::connect(&config.core.database)
        .await
        .expect("PostgreSQL through the proxy");
    let app = shop(config, pool.clone()).await;
    let client = Client::new(&app);
    let admin = client.admin_token().await;
    let product = client.product(&admin).await; // never read: not cached
    assert_eq!(client.get("/api/categories", "").await.status(), 200);
    assert_eq!(client.get("/ready", "").await.status(), 200);

    proxy.cut();

    for path in ["/api/categories", product.as_str(), "/api/products"] {
        let started = Instant::now();
        let r = client.get(path, "").await;
        let took = started.elapsed();
        assert_unavailable(&r, &format!("GET {path} with PostgreSQL down"));
        assert!(
            took < ACQUIRE_TIMEOUT + SLACK,
            "GET {path} answered after {took:?}, beyond the acquire timeout {ACQUIRE_TIMEOUT:?}"
        );
        let body = show(&r);
        assert!(
            !body.contains(&proxy.addr.port().to_string()) && !body.contains("postgres"),
            "no DSN or driver text in the body: {body}"
        );
    }
    let started = Instant::now();
    let r = client
        .post(
            "/api/auth/login",
            "",
            json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_unavailable(&r, "login with PostgreSQL down");
    assert!(
        started.elapsed() < ACQUIRE_TIMEOUT + SLACK,
        "{:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let health = client.get("/health", "").await;
    assert_eq!(
        health.status(),
        200,
        "/health with PostgreSQL down: {}",
        show(&health)
    );
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let ready = client.get("/ready", "").await;
    assert_unavailable(&ready, "/ready with PostgreSQL down");
    assert_eq!(failing(&ready), ["database"], "{}", show(&ready));
    assert!(
        started.elapsed() < ACQUIRE_TIMEOUT + SLACK,
        "{:?}",
        started.elapsed()
    );

    proxy.restore().await;
    client
        .until("/api/categories", "", 200, "PostgreSQL back")
        .await;
    assert_eq!(price(&client.get(&product, "").await), 10.0);
    client
        .until("/ready", "", 200, "/ready after PostgreSQL is back")
        .await;
    let r = client.patch(&product, &admin, json!({"price": 14})).await;
    assert_eq!(r.status(), 200, "a write after the outage: {}", show(&r));
    assert_eq!(price(&client.get(&product, "").await), 14.0);

    let _ = pool.close().await;
    proxy.cut();
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exhausted_pool_is_503_with_retry_after() {
    const TEST: &str = "faults_exhausted_pool";
    let Some(redis) = service_url("TEST_REDIS_URL", TEST) else {
        return;
    };
    let Some(db) = TestDb::postgres(TEST, |_| {}).await else {
        return;
    };
    let url = db.config.url.expose().to_owned();
    let proxy = Proxy::start(host_port(&url, 5432)).await;
    let config = config(&[
        ("REDIS_URL", redis),
        ("DATABASE_URL", through(&url, 5432, &proxy)),
        ("DATABASE_MAX_CONNECTIONS", "1".into()),
        (
            "DATABASE_ACQUIRE_TIMEOUT",
            format!("{}ms", ACQUIRE_TIMEOUT.as_millis()),
        ),
    ]);
    assert_eq!(config.core.database.max_connections, 1);
    let pool = rustbe_core::db::connect(&config.core.database)
        .await
        .expect("PostgreSQL through the proxy");
    let app = shop(config, pool.clone()).await;
    let client = Client::new(&app);
    let admin = client.admin_token().await;
    let product = client.product(&admin).await;
    assert_eq!(client.get("/api/categories", "").await.status(), 200);

    // The pool's only connection is taken by a request whose query the proxy holds. (sqlx pings
    // a connection as it returns to the pool: wait until that is done, so the holder gets it.)
    let idle_deadline = Instant::now() + REQUEST_BUDGET;
    while pool.get_postgres_connection_pool().num_idle() != 1 {
        assert!(
            Instant::now() < idle_deadline,
            "the pool's connection never became idle"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    proxy.pause();
    let holder = {
        let client = client.clone();
        tokio::spawn(async move { client.get("/api/categories", "").await })
    };
    proxy.wait_stalled().await;

    let started = Instant::now();
    let r = client.get("/api/categories", "").await;
    let waited = started.elapsed();
    assert_unavailable(&r, "GET /api/categories with the pool exhausted");
    assert!(
        waited >= ACQUIRE_TIMEOUT.mul_f32(0.8),
        "it waited for a connection: {waited:?}"
    );
    assert!(
        waited < ACQUIRE_TIMEOUT + SLACK,
        "and gave up at the acquire timeout {ACQUIRE_TIMEOUT:?}: {waited:?}"
    );
    assert_unavailable(
        &client.get(&product, "").await,
        "an uncached product with the pool exhausted",
    );
    assert_eq!(client.get("/health", "").await.status(), 200);

    // The held request finishes once its query goes through, and the pool serves again.
    proxy.resume();
    let held = tokio::time::timeout(REQUEST_BUDGET, holder)
        .await
        .expect("the held request finishes once resumed")
        .expect("the held request's task");
    assert_eq!(held.status(), 200, "the held request: {}", show(&held));
    assert_eq!(client.get("/api/categories", "").await.status(), 200);
    assert_eq!(price(&client.get(&product, "").await), 10.0);
    assert_eq!(client.get("/ready", "").await.status(), 200);

    let _ = pool.close().await;
    proxy.cut();
    db.cleanup().await;
}
