//! The shop skeleton: in-process and as the real binary.

#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rustbe_core::testing::{TestRequest, http_get};

#[tokio::test]
async fn serves_operations_routes_and_docs_in_process() {
    let config = shop::Settings::for_tests();
    let db = rustbe_core::db::connect(&config.core.database)
        .await
        .expect("sqlite in memory");
    let app = shop::app(config, db)
        .await
        .expect("the shop starts")
        .into_router();
    assert_eq!(TestRequest::get("/health").send(&app).await.status(), 200);
    assert_eq!(TestRequest::get("/ready").send(&app).await.status(), 200);
    let doc = TestRequest::get("/openapi.json").send(&app).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "shop");
    assert_eq!(TestRequest::get("/docs/").send(&app).await.status(), 200);
    assert_eq!(
        TestRequest::get("/api/unknown")
            .send(&app)
            .await
            .error_code(),
        "NOT_FOUND"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn temp_dir() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("shop-test-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn shop(vars: &[(&str, &str)], dir: &std::path::Path) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in [
        "APP_ENV",
        "DATABASE_URL",
        "JWT_SECRET",
        "JWT_REFRESH_SECRET",
        "REDIS_URL",
        "PORT",
        "HOST",
    ] {
        command.env_remove(var);
    }
    command
        .envs(vars.iter().copied())
        .spawn()
        .expect("the shop binary starts")
}

fn wait_exit(child: &mut Child, within: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    None
}

#[tokio::test]
async fn the_binary_serves_on_sqlite_with_no_setup_and_stops_cleanly_on_sigterm() {
    let dir = temp_dir();
    let port = free_port();
    let mut child = shop(&[("PORT", &port.to_string()), ("RUST_LOG", "warn")], &dir);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut health = None;
    while Instant::now() < deadline && health.is_none() {
        health = http_get(addr, "/health").await.ok();
        if health.is_none() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let (status, _) = health.expect("the shop answers /health");
    assert_eq!(status, 200);
    assert_eq!(http_get(addr, "/ready").await.map(|r| r.0).ok(), Some(200));
    assert_eq!(http_get(addr, "/docs/").await.map(|r| r.0).ok(), Some(200));
    assert!(
        dir.join("shop.db").exists(),
        "the default SQLite file is created"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let exit = wait_exit(&mut child, Duration::from_secs(10));
    assert!(
        exit.is_some_and(|s| s.success()),
        "exit 0 after SIGTERM: {exit:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn production_without_secrets_refuses_to_start_naming_the_variable() {
    let dir = temp_dir();
    let child = shop(&[("APP_ENV", "production")], &dir);
    let output = child.wait_with_output().expect("exits");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("DATABASE_URL must be set when APP_ENV=production"),
        "{stderr}"
    );

    let child = shop(
        &[
            ("APP_ENV", "production"),
            ("DATABASE_URL", "sqlite://x.db?mode=rwc"),
            ("JWT_SECRET", "too-short"),
            (
                "JWT_REFRESH_SECRET",
                "0123456789abcdef0123456789abcdef-refresh",
            ),
        ],
        &dir,
    );
    let output = child.wait_with_output().expect("exits");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("JWT_SECRET is invalid: must be at least 32 bytes long"),
        "{stderr}"
    );
    assert!(!stderr.contains("too-short"), "the secret is not printed");
    let _ = std::fs::remove_dir_all(dir);
}
