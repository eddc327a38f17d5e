#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! Issue 14 against the real binary: a slow client is cut by the header-read timeout; a token
//! whose session ended stays refused after a restart (SQLite, then PostgreSQL when
//! `TEST_DATABASE_URL` is set, both with the in-memory revocation list); `SEED_DEMO_DATA=true`
//! with `APP_ENV=production` is refused; `APP_ENV=test` never serves with the fixed test
//! secrets. Bounded: one or two processes, a few seconds each.

#[path = "support/http.rs"]
mod http;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http::{exchange, free_port};
use rustbe_core::access::Principal;
use rustbe_core::testing::{TestDb, http_get};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const ACCESS_SECRET: &str = "serving-test-access-secret-0123456789abcdef";
const REFRESH_SECRET: &str = "serving-test-refresh-secret-0123456789abcdef";

struct Shop {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Shop {
    /// The binary in `dir` with only `vars` (and `HOST`/`PORT`), once it answers `/health`.
    async fn start(vars: &[(&str, &str)], dir: &Path) -> Self {
        let port = free_port();
        let log = dir.join(format!("shop-{port}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_shop"))
            .current_dir(dir)
            .env_clear()
            .envs(vars.iter().copied())
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::fs::File::create(&log).expect("log")))
            .stderr(Stdio::null())
            .spawn()
            .expect("the shop binary starts");
        let mut shop = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = shop.child.try_wait() {
                panic!("the shop exited at start ({status}):\n{}", shop.log());
            }
            if let Ok(Ok((200, _))) =
                tokio::time::timeout(Duration::from_secs(2), http_get(shop.addr, "/health")).await
            {
                return shop;
            }
            assert!(
                Instant::now() < deadline,
                "no /health within 60 s:\n{}",
                shop.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> http::Answer {
        exchange(self.addr, None, method, path, token, &[], body.as_ref())
            .await
            .unwrap_or_else(|err| panic!("{method} {path}: {err}\n{}", self.log()))
    }

    /// Stops it with SIGTERM and waits for it to exit.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the shop did not stop within 10 s:\n{}", self.log());
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

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("shop-serving-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs the binary with `vars` to its exit (killed after 20 s: a shop that serves instead of
/// refusing fails the test); returns whether it succeeded and its output.
fn run_to_exit(vars: &[(&str, &str)], dir: &Path) -> (bool, String) {
    let log = dir.join("exit.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_shop"))
        .current_dir(dir)
        .env_clear()
        .envs(vars.iter().copied())
        .env("PORT", free_port().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::fs::File::create(&log).expect("log")))
        .stderr(Stdio::from(
            std::fs::File::options()
                .append(true)
                .open(&log)
                .expect("log"),
        ))
        .spawn()
        .expect("the shop binary starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(status.is_some(), "still running after 20 s:\n{output}");
    (status.is_some_and(|s| s.success()), output)
}

// ---------------------------------------------------------------------------------------------
// Finding 4: slowloris against the binary.

#[tokio::test]
async fn the_binary_cuts_a_client_that_sends_its_headers_slowly() {
    let dir = temp_dir();
    let shop = Shop::start(
        &[
            ("APP_ENV", "test"),
            ("HEADER_READ_TIMEOUT", "1s"),
            ("IDLE_TIMEOUT", "5s"),
            ("RUST_LOG", "warn"),
        ],
        &dir,
    )
    .await;
    let mut slow = tokio::net::TcpStream::connect(shop.addr)
        .await
        .expect("connect");
    let started = Instant::now();
    slow.write_all(b"GET /health HTTP/1.1\r\nhost: shop\r\n")
        .await
        .expect("write");
    let mut buf = [0_u8; 256];
    let mut cut = None;
    for n in 0..20 {
        match tokio::time::timeout(Duration::from_millis(250), slow.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => {
                cut = Some(started.elapsed());
                break;
            }
            Ok(Ok(_)) => panic!("an answer to a head that never ended"),
            Err(_) => {}
        }
        if slow
            .write_all(format!("x-slow-{n}: 1\r\n").as_bytes())
            .await
            .is_err()
        {
            cut = Some(started.elapsed());
            break;
        }
    }
    let cut = cut.expect("cut within 5 s");
    assert!(
        cut >= Duration::from_millis(950) && cut < Duration::from_millis(2000),
        "{cut:?}"
    );
    // Meanwhile and afterwards, normal requests are served.
    assert_eq!(shop.call("GET", "/health", "", None).await.status, 200);
    shop.stop();
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Finding 5: a logged-out token stays refused after a restart without Redis.

async fn logged_out_token_stays_refused(database_url: &str, dir: &Path) {
    let vars = [
        ("APP_ENV", "test"),
        ("DATABASE_URL", database_url),
        ("JWT_SECRET", ACCESS_SECRET),
        ("JWT_REFRESH_SECRET", REFRESH_SECRET),
        ("SEED_DEMO_DATA", "false"),
        ("RUST_LOG", "warn"),
    ];
    let shop = Shop::start(&vars, dir).await;
    let email = format!("ada-{}@example.com", uuid::Uuid::new_v4().simple());
    let body = json!({"email": email, "password": "Correct1!horse", "name": "Ada"});
    let registered = shop
        .call("POST", "/api/auth/register", "", Some(body.clone()))
        .await
        .expect(201, "register");
    let ended = registered.data("access_token");
    let kept = shop
        .call("POST", "/api/auth/login", "", Some(body))
        .await
        .expect(200, "login")
        .data("access_token");
    assert_eq!(
        shop.call("POST", "/api/auth/logout", &ended, None)
            .await
            .status,
        204
    );
    assert_eq!(
        shop.call("GET", "/api/users/me", &ended, None)
            .await
            .outcome(),
        (401, "INVALID_TOKEN")
    );
    shop.stop();

    let restarted = Shop::start(&vars, dir).await;
    let r = restarted.call("GET", "/api/users/me", &ended, None).await;
    assert_eq!(
        r.outcome(),
        (401, "INVALID_TOKEN"),
        "the logged-out token after a restart: {}",
        r.json()
    );
    let r = restarted.call("GET", "/api/users/me", &kept, None).await;
    assert_eq!(r.status, 200, "the other session lives on: {}", r.json());
    restarted.stop();
}

#[tokio::test]
async fn a_logged_out_token_stays_refused_after_a_restart_without_redis() {
    let dir = temp_dir();
    logged_out_token_stays_refused("sqlite://shop.db?mode=rwc", &dir).await;
    let test = "a_logged_out_token_stays_refused_after_a_restart_without_redis";
    if let Some(db) = TestDb::postgres(test, |_| {}).await {
        let url = db.config.url.expose().to_owned();
        logged_out_token_stays_refused(&url, &dir).await;
        db.cleanup().await;
    }
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Findings 6 and 7: configuration the binary refuses or repairs.

#[test]
fn demo_data_in_production_is_refused_naming_the_variable() {
    let dir = temp_dir();
    let (ok, stderr) = run_to_exit(
        &[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "sqlite://prod.db?mode=rwc"),
            ("JWT_SECRET", ACCESS_SECRET),
            ("JWT_REFRESH_SECRET", REFRESH_SECRET),
            ("SEED_DEMO_DATA", "true"),
        ],
        &dir,
    );
    assert!(!ok, "{stderr}");
    assert!(stderr.contains("SEED_DEMO_DATA is invalid"), "{stderr}");
    assert!(
        !dir.join("prod.db").exists(),
        "refused before touching the database"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn app_env_test_never_serves_with_the_fixed_test_secrets() {
    let dir = temp_dir();
    let shop = Shop::start(&[("APP_ENV", "test"), ("RUST_LOG", "warn")], &dir).await;
    // An admin token signed with the secrets `Config::for_tests` uses (they are in the source).
    let issuer = rustbe_auth::token::TokenIssuer::from_config(&rustbe_auth::AuthConfig::for_tests(
        shop::APP_NAME,
    ));
    let forged = issuer
        .issue_access(
            &Principal::new(uuid::Uuid::new_v4().to_string(), ["admin"]),
            "forged",
        )
        .expect("token")
        .token;
    let r = shop.call("GET", "/api/users", &forged, None).await;
    assert_eq!(r.outcome(), (401, "INVALID_TOKEN"), "{}", r.json());
    assert!(
        shop.log()
            .contains("JWT_SECRET is not set, so this process signs tokens with a random secret"),
        "{}",
        shop.log()
    );
    shop.stop();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_low_entropy_jwt_secret_is_refused_in_production_naming_the_variable() {
    let dir = temp_dir();
    let weak = "a".repeat(40);
    let (ok, output) = run_to_exit(
        &[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "sqlite://prod.db?mode=rwc"),
            ("JWT_SECRET", ACCESS_SECRET),
            ("JWT_REFRESH_SECRET", &weak),
        ],
        &dir,
    );
    assert!(!ok, "{output}");
    assert!(
        output.contains("JWT_REFRESH_SECRET is invalid: has too little entropy"),
        "{output}"
    );
    assert!(!output.contains(&weak), "the secret is not printed");
    let _ = std::fs::remove_dir_all(dir);
}
