#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! Two real `shop` processes on one PostgreSQL database and one Redis: revocation, the auth
//! rate limit and the product cache are shared, so neither instance trusts a revoked token,
//! lets a client past the shared budget, or serves a product stale after the other wrote it.
//!
//! Needs `TEST_DATABASE_URL` and `TEST_REDIS_URL` (skipped without them, failing in CI).

#[path = "support/http.rs"]
mod http;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use http::{Answer, exchange, free_port};
use rustbe_core::testing::{TestDb, http_get, service_url};
use serde_json::{Value, json};

const TEST: &str = "two_instances_share_revocation_rate_limits_and_cache";
const ADMIN_EMAIL: &str = "root@shop.example";
const ADMIN_PASSWORD: &str = "Admin1!password";
const PASSWORD: &str = "Correct1!horse";
/// The JWT secrets both processes share (40 bytes each, different from each other).
const ACCESS_SECRET: &str = "instances-access-secret-0123456789abcdef";
const REFRESH_SECRET: &str = "instances-refresh-secret-0123456789abcde";
/// The whole test, processes included, must finish within this.
const TEST_BUDGET: Duration = Duration::from_secs(180);
/// One HTTP exchange (a login hashes a password: a few hundred ms at most).
const REQUEST_BUDGET: Duration = Duration::from_secs(15);
/// `RATE_LIMIT_AUTH` for both processes, and what it means for GCRA: a burst of 5, then one
/// more request every 60 s / 5 = 12 s.
const AUTH_LIMIT: &str = "5/1m";
const AUTH_BURST: usize = 5;
const AUTH_INTERVAL: Duration = Duration::from_secs(12);

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client over a loopback TCP connection from a chosen source address.
// ---------------------------------------------------------------------------------------------

/// A client of the shop: the instance it talks to and the loopback address it connects from.
/// The rate limits count per client address (`TRUST_PROXY` is off), and Linux routes all of
/// 127.0.0.0/8 to the loopback interface, so each role in this test gets an address of its
/// own, random per run: its limiter keys in the shared Redis (`shop:rl:auth:ip:…`) are fresh.
#[derive(Debug, Clone, Copy)]
struct Client {
    to: SocketAddr,
    from: IpAddr,
}

impl Client {
    async fn send(
        &self,
        method: &str,
        path: &str,
        token: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let what = format!("{method} {path} on {} from {}", self.to, self.from);
        tokio::time::timeout(
            REQUEST_BUDGET,
            exchange(self.to, Some(self.from), method, path, token, headers, body),
        )
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {REQUEST_BUDGET:?}"))
        .unwrap_or_else(|err| panic!("{what}: {err}"))
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.send("GET", path, token, &[], None).await
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        self.send("POST", path, token, &[], Some(body)).await
    }
}

// ---------------------------------------------------------------------------------------------
// The shop processes.
// ---------------------------------------------------------------------------------------------

/// A running `shop` binary; killed if the test ends without stopping it.
struct Shop {
    name: &'static str,
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Shop {
    /// Starts the binary with exactly `vars` (nothing inherited) and waits for `/health`.
    async fn start(name: &'static str, vars: &[(&str, &str)], dir: &Path) -> Self {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_shop"))
            .current_dir(dir)
            .env_clear()
            .envs(vars.iter().copied())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .spawn()
            .expect("the shop binary starts");
        let mut shop = Self {
            name,
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        // Both processes migrate the shared database at start; the caller starts the second
        // only once the first answers, so the migrations never race.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = shop.child.try_wait() {
                panic!("shop {name} exited at start ({status}):\n{}", shop.log());
            }
            if let Ok(Ok((200, _))) =
                tokio::time::timeout(Duration::from_secs(2), http_get(shop.addr, "/health")).await
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "shop {name} did not answer /health within 60 s:\n{}",
                shop.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let ready = tokio::time::timeout(Duration::from_secs(5), http_get(shop.addr, "/ready"))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|(status, _)| status);
        assert_eq!(
            ready,
            Some(200),
            "shop {name}: database and Redis reachable:\n{}",
            shop.log()
        );
        shop
    }

    fn client(&self, from: IpAddr) -> Client {
        Client {
            to: self.addr,
            from,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, then the exit status (`None`: still running after `within`, then killed).
    fn terminate(&mut self, within: Duration) -> Option<ExitStatus> {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success(), "SIGTERM to shop {}", self.name);
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A random loopback address 127.x.y.z (x, y, z in 1..=254), other than those in `taken`.
fn random_loopback(taken: &[IpAddr]) -> IpAddr {
    loop {
        let b = uuid::Uuid::new_v4().into_bytes();
        let part = |i: usize| 1 + b[i] % 254;
        let ip = IpAddr::V4(Ipv4Addr::new(127, part(0), part(1), part(2)));
        if !taken.contains(&ip) {
            return ip;
        }
    }
}

fn unique() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

// ---------------------------------------------------------------------------------------------
// The test.
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_revocation_rate_limits_and_cache() {
    let Some(redis) = service_url("TEST_REDIS_URL", TEST) else {
        return;
    };
    let Some(db) = TestDb::postgres(TEST, |_| {}).await else {
        return;
    };
    let database_url = db.config.url.expose().to_owned();
    // The body runs as a task so that a failure or a timeout still drops the database.
    let task = tokio::spawn(run(database_url, redis));
    let abort = task.abort_handle();
    let outcome = tokio::time::timeout(TEST_BUDGET, task).await;
    if outcome.is_err() {
        abort.abort(); // the task's drop kills both processes
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    db.cleanup().await;
    match outcome {
        Err(_) => panic!("{TEST} did not finish within {TEST_BUDGET:?}"),
        Ok(Err(err)) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Ok(Err(err)) => panic!("{TEST}: {err}"),
        Ok(Ok(())) => {}
    }
}

async fn run(database_url: String, redis: String) {
    let dir = std::env::temp_dir().join(format!("shop-instances-{}", unique()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let vars = [
        ("APP_ENV", "test"),
        ("DATABASE_URL", database_url.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("JWT_SECRET", ACCESS_SECRET),
        ("JWT_REFRESH_SECRET", REFRESH_SECRET),
        ("ADMIN_EMAIL", ADMIN_EMAIL),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("SEED_DEMO_DATA", "false"),
        ("RATE_LIMIT_AUTH", AUTH_LIMIT),
        ("RATE_LIMIT", "1000/1m"),
        ("RUST_LOG", "warn"),
    ];
    let mut a = Shop::start("A", &vars, &dir).await;
    let mut b = Shop::start("B", &vars, &dir).await;

    // Two client addresses, random per run. Redis is shared with other runs and its keys are
    // prefixed with the app name only, so nothing here relies on an empty Redis: identities
    // (emails, slugs) are random, and each address starts with a fresh auth budget.
    // - `user_ip`: the sessions, the admin and the catalogue; it makes exactly 2 auth-limited
    //   calls (one register, one admin login), well inside the budget of 5.
    // - `limit_ip`: only the rate-limit part; it makes no other request, so its budget is
    //   exactly 5 when that part starts, whatever the other parts did.
    let user_ip = random_loopback(&[]);
    let limit_ip = random_loopback(&[user_ip]);

    revoked_on_one_instance_is_refused_by_the_other(a.client(user_ip), b.client(user_ip)).await;
    the_auth_limit_is_one_budget_for_both(a.client(limit_ip), b.client(limit_ip)).await;
    a_write_on_one_is_never_served_stale_by_the_other(a.client(user_ip), b.client(user_ip)).await;

    for shop in [&mut a, &mut b] {
        let exit = shop.terminate(Duration::from_secs(15));
        assert!(
            exit.is_some_and(|s| s.success()),
            "shop {} exits 0 after SIGTERM: {exit:?}\n{}",
            shop.name,
            shop.log()
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Register on A; B accepts the token; logout on A; B refuses the access and the refresh token.
async fn revoked_on_one_instance_is_refused_by_the_other(a: Client, b: Client) {
    let email = format!("inst-{}@shop.example", unique());
    let registered = a
        .post(
            "/api/auth/register",
            "",
            &json!({"email": email, "password": PASSWORD, "name": "Two Instances"}),
        )
        .await;
    assert_eq!(registered.status, 201, "register on A: {}", registered.body);
    let access = registered.data("access_token");
    let refresh = registered.data("refresh_token");

    let me = b.get("/api/users/me", &access).await;
    assert_eq!(me.status, 200, "a token from A works on B: {}", me.body);
    assert_eq!(me.body["data"]["email"], json!(email));

    let logout = a
        .post(
            "/api/auth/logout",
            &access,
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(logout.status, 204, "logout on A: {}", logout.body);

    let me = b.get("/api/users/me", &access).await;
    assert_eq!(
        me.outcome(),
        (401, "INVALID_TOKEN"),
        "an access token revoked on A is refused by B: {}",
        me.body
    );
    let again = b
        .post("/api/auth/refresh", "", &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(
        again.outcome(),
        (401, "INVALID_TOKEN"),
        "a refresh token revoked on A is refused by B: {}",
        again.body
    );
    // And A, where the logout happened, agrees.
    assert_eq!(
        a.get("/api/users/me", &access).await.outcome(),
        (401, "INVALID_TOKEN")
    );
}

/// Ten login attempts from one fresh client address, alternating A and B: exactly the first
/// five pass the limiter, the rest are 429, so both instances draw on one budget of 5 (two
/// per-instance budgets would let all ten through).
///
/// Why the count is exact: the auth rule (`rustbe-auth` `AuthServiceBuilder::rate_limit`)
/// limits register, login, forgot- and reset-password, keyed `auth:ip:{peer address}` with
/// `TRUST_PROXY` off, in Redis under `shop:rl:`. `limit_ip` is random per run and used for
/// nothing else, so its key is new. The limiter is GCRA: from a new key a burst of 5 passes,
/// and the next allowance comes one interval (60 s / 5 = 12 s) after the first request. The
/// requests are sequential and all sent well within 12 s (asserted), so no allowance is
/// refilled in between: exactly 5 pass, and each answer's `RateLimit-Remaining` counts down
/// across both instances. (The `/api` rule, 1000/1m, counts the same requests under another
/// key and never interferes.)
async fn the_auth_limit_is_one_budget_for_both(a: Client, b: Client) {
    let body = json!({
        "email": format!("nobody-{}@shop.example", unique()),
        "password": "Wrong1!password",
    });
    let started = Instant::now();
    let mut passed = 0;
    for attempt in 0..2 * AUTH_BURST {
        let (name, instance) = if attempt % 2 == 0 { ("A", a) } else { ("B", b) };
        let r = instance.post("/api/auth/login", "", &body).await;
        if attempt < AUTH_BURST {
            assert_eq!(
                r.outcome(),
                (401, "INVALID_CREDENTIALS"),
                "attempt {} on {name} is within the shared budget: {}",
                attempt + 1,
                r.body
            );
            let remaining = (AUTH_BURST - 1 - attempt).to_string();
            assert_eq!(
                r.header("ratelimit-remaining"),
                Some(remaining.as_str()),
                "attempt {} on {name}: the shared budget counts down across instances",
                attempt + 1
            );
            passed += 1;
        } else {
            assert_eq!(
                r.outcome(),
                (429, "RATE_LIMITED"),
                "attempt {} on {name} is over the shared budget of {AUTH_BURST}: {}",
                attempt + 1,
                r.body
            );
            let retry_after: u64 = r
                .header("retry-after")
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("429 with numeric Retry-After: {:?}", r.headers));
            assert!(
                (1..=AUTH_INTERVAL.as_secs()).contains(&retry_after),
                "Retry-After {retry_after} s is at most one interval"
            );
            assert_eq!(r.header("ratelimit-remaining"), Some("0"));
        }
    }
    assert_eq!(passed, AUTH_BURST);
    let elapsed = started.elapsed();
    assert!(
        elapsed < AUTH_INTERVAL,
        "the attempts took {elapsed:?}; past {AUTH_INTERVAL:?} the limiter refills one and the count is no longer exact"
    );
}

/// As admin, create a product on A; read it on B (cached in Redis); change it on one
/// instance and read it at once on the other, alternating: never stale, ETag always new.
async fn a_write_on_one_is_never_served_stale_by_the_other(a: Client, b: Client) {
    let login = a
        .post(
            "/api/auth/login",
            "",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(login.status, 200, "admin login on A: {}", login.body);
    let admin = login.data("access_token");
    let slug = format!("inst-{}", unique());
    let category = a
        .post(
            "/api/categories",
            &admin,
            &json!({"name": "Instances", "slug": slug}),
        )
        .await;
    assert_eq!(category.status, 201, "category on A: {}", category.body);
    let product = a
        .post(
            "/api/products",
            &admin,
            &json!({
                "name": "Shared Kettle",
                "description": "Boils on every instance",
                "price": 10.0,
                "category_id": category.data("id"),
                "stock_quantity": 3,
                "images": ["https://cdn.example/kettle.jpg"],
            }),
        )
        .await;
    assert_eq!(product.status, 201, "product on A: {}", product.body);
    let path = format!("/api/products/{}", product.data("id"));

    let first = b.get(&path, "").await;
    assert_eq!(first.status, 200, "product on B: {}", first.body);
    assert_eq!(first.price(), 10.0);
    let mut etag = first.header("etag").expect("ETag").to_owned();

    let prices = [12.5, 7.25, 99.99, 10.0, 42.0, 0.5];
    for (round, price) in prices.into_iter().enumerate() {
        let (writer, reader, names) = if round % 2 == 0 {
            (a, b, "A→B")
        } else {
            (b, a, "B→A")
        };
        // The reader has it cached: a second read answers the same representation.
        let cached = reader.get(&path, "").await;
        assert_eq!(cached.status, 200);
        assert_eq!(
            cached.header("etag"),
            Some(etag.as_str()),
            "round {round} ({names}): both instances serve the current ETag before the write"
        );
        let not_modified = reader
            .send("GET", &path, "", &[("If-None-Match", &etag)], None)
            .await;
        assert_eq!(not_modified.status, 304, "round {round}: If-None-Match");

        let patched = writer
            .send(
                "PATCH",
                &path,
                &admin,
                &[("If-Match", &etag)],
                Some(&json!({"price": price})),
            )
            .await;
        assert_eq!(
            patched.status, 200,
            "round {round} ({names}): PATCH with the ETag read on the other instance: {}",
            patched.body
        );

        let fresh = reader.get(&path, "").await;
        assert_eq!(fresh.status, 200, "{}", fresh.body);
        assert_eq!(
            fresh.price(),
            price,
            "round {round} ({names}): the other instance shows the new price at once"
        );
        let new_etag = fresh.header("etag").expect("ETag").to_owned();
        assert_ne!(
            new_etag, etag,
            "round {round} ({names}): the ETag changed with the price"
        );
        // The writer agrees, and the old ETag is now stale on either instance.
        let own = writer.get(&path, "").await;
        assert_eq!(own.header("etag"), Some(new_etag.as_str()));
        assert_eq!(own.price(), price);
        let stale = reader
            .send(
                "PATCH",
                &path,
                &admin,
                &[("If-Match", &etag)],
                Some(&json!({"stock_quantity": 4})),
            )
            .await;
        assert_eq!(
            stale.outcome(),
            (412, "PRECONDITION_FAILED"),
            "round {round} ({names}): a stale If-Match is refused: {}",
            stale.body
        );
        etag = new_etag;
    }
}
