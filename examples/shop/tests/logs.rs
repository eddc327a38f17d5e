#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! The real `shop` binary at the most verbose log level (`RUST_LOG=trace`, JSON lines) never
//! writes a secret: no password, access or refresh token, reset token, JWT secret or
//! `Authorization` value reaches its stdout or stderr, across every Auth row of API.md,
//! `GET /api/users/me` and `PUT /api/users/me/password`, driven over real HTTP/1.1 with the
//! reset mail really sent to an SMTP sink on loopback.

#[path = "support/smtp.rs"]
mod smtp;

#[path = "support/http.rs"]
mod http;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http::{Answer, free_port};
use serde_json::{Value, json};

const EMAIL: &str = "leak.check@example.com";
const PASSWORD: &str = "Zq7!PlumRegisterSecret";
const WRONG_PASSWORD: &str = "Wr0ng!GuessedSecret";
const CHANGED_PASSWORD: &str = "Xk4#ChangedSecretPw";
const RESET_PASSWORD: &str = "Rt9$ResetSecretPassw";
const ADMIN_EMAIL: &str = "root.admin@example.com";
const ADMIN_PASSWORD: &str = "Adm1n!BootstrapSecret";
/// 40 bytes each, distinct.
const JWT_SECRET: &str = "access-secret-0123456789-abcdefghijklmno";
const JWT_REFRESH_SECRET: &str = "refresh-secret-0123456789-abcdefghijklmn";

/// Every step (connect, request, read, mail) gives up after this long.
const STEP: Duration = Duration::from_secs(10);

/// Waits for the first mail and returns the token of its reset link.
async fn reset_token_from_mail(inbox: &smtp::Inbox) -> String {
    let mail = smtp::wait_for_mail(inbox, 1).await.remove(0);
    let token = mail.reset_token();
    assert!(
        token.len() >= 20,
        "a reset token: {token:?} in\n{}",
        mail.data
    );
    token
}

/// `method path` on the server, as `bearer` when given; panics with the step on failure.
async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Answer {
    request(addr, method, path, bearer, body.as_ref())
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<Answer> {
    let exchange = http::exchange(
        addr,
        None,
        method,
        path,
        bearer.unwrap_or_default(),
        &[],
        body,
    );
    tokio::time::timeout(STEP, exchange)
        .await
        .map_err(|_| std::io::Error::other(format!("{method} {path}: no answer in {STEP:?}")))?
}

/// The `(access_token, refresh_token)` of a register, login or refresh answer.
fn tokens(r: &Answer) -> (String, String) {
    let data = &r.json()["data"];
    let access = data["access_token"].as_str().expect("access_token");
    let refresh = data["refresh_token"].as_str().expect("refresh_token");
    (access.to_owned(), refresh.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The binary.

fn temp_dir() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("shop-logs-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Reads a pipe to its end on a thread of its own.
fn drain(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<String> {
    let mut pipe = pipe.expect("a piped stream");
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
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
    let _ = child.wait();
    None
}

/// Notes a token pair among the secrets and hands it back.
fn keep(
    secrets: &mut Vec<(&'static str, String)>,
    what: &'static str,
    (access, refresh): (String, String),
) -> (String, String) {
    secrets.push((what, access.clone()));
    secrets.push((what, refresh.clone()));
    (access, refresh)
}

/// Kills the server if the test panics before it is stopped.
struct Guard(Option<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_trace_log_of_every_auth_flow_holds_no_secret() {
    let dir = temp_dir();
    let port = free_port();
    let (smtp_port, inbox) = smtp::smtp_sink().await;
    let database = format!(
        "sqlite://{}?mode=rwc",
        dir.join("logs.db").to_str().expect("a UTF-8 temp path")
    );
    let mut command = Command::new(env!("CARGO_BIN_EXE_shop"));
    command
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "REDIS_URL",
        "SMTP_USER",
        "SMTP_PASS",
        "ALLOWED_ORIGINS",
        "TRUST_PROXY",
    ] {
        command.env_remove(var);
    }
    let smtp_port = smtp_port.to_string();
    let port_text = port.to_string();
    command.envs([
        ("APP_ENV", "development"),
        ("HOST", "127.0.0.1"),
        ("PORT", port_text.as_str()),
        ("DATABASE_URL", database.as_str()),
        ("LOG_FORMAT", "json"),
        ("RUST_LOG", "trace"),
        ("SEED_DEMO_DATA", "false"),
        ("ADMIN_EMAIL", ADMIN_EMAIL),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD),
        ("JWT_SECRET", JWT_SECRET),
        ("JWT_REFRESH_SECRET", JWT_REFRESH_SECRET),
        ("SMTP_HOST", "127.0.0.1"),
        ("SMTP_PORT", smtp_port.as_str()),
        ("SMTP_TLS", "none"),
        ("SMTP_FROM", "shop@example.com"),
        ("APP_URL", "http://localhost:8080"),
        ("RATE_LIMIT", "100000/1m"),
        ("RATE_LIMIT_AUTH", "10000/1m"),
    ]);
    let mut child = command.spawn().expect("the shop binary starts");
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let mut guard = Guard(Some(child));
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match request(addr, "GET", "/health", None, None).await {
            Ok(r) if r.status == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!(
                "the shop does not answer /health: {:?}",
                other.map(|r| r.body)
            ),
        }
    }

    let mut secrets: Vec<(&'static str, String)> = vec![
        ("the registration password", PASSWORD.into()),
        ("a wrong password", WRONG_PASSWORD.into()),
        ("the changed password", CHANGED_PASSWORD.into()),
        ("the reset password", RESET_PASSWORD.into()),
        ("ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
        ("JWT_SECRET", JWT_SECRET.into()),
        ("JWT_REFRESH_SECRET", JWT_REFRESH_SECRET.into()),
    ];

    let registered = call(
        addr,
        "POST",
        "/api/auth/register",
        None,
        Some(json!({"email": EMAIL, "password": PASSWORD, "name": "Leak Check"})),
    )
    .await
    .expect(201, "register");
    keep(&mut secrets, "the register tokens", tokens(&registered));

    call(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": EMAIL, "password": WRONG_PASSWORD})),
    )
    .await
    .expect(401, "login with a wrong password");
    let login = call(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": EMAIL, "password": PASSWORD})),
    )
    .await
    .expect(200, "login");
    let (access, refresh) = keep(&mut secrets, "the login tokens", tokens(&login));

    let me = call(addr, "GET", "/api/users/me", Some(&access), None)
        .await
        .expect(200, "GET /api/users/me");
    assert_eq!(me.json()["data"]["email"], EMAIL);

    call(
        addr,
        "PUT",
        "/api/users/me/password",
        Some(&access),
        Some(json!({"current_password": PASSWORD, "new_password": CHANGED_PASSWORD})),
    )
    .await
    .expect(204, "PUT /api/users/me/password");

    let refreshed = call(
        addr,
        "POST",
        "/api/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .expect(200, "refresh");
    let (access, refresh) = keep(&mut secrets, "the refreshed tokens", tokens(&refreshed));

    call(
        addr,
        "POST",
        "/api/auth/logout",
        Some(&access),
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .expect(204, "logout");
    // The revoked access token is refused, and the refusal is logged too.
    call(addr, "GET", "/api/users/me", Some(&access), None)
        .await
        .expect(401, "GET /api/users/me after logout");

    call(
        addr,
        "POST",
        "/api/auth/forgot-password",
        None,
        Some(json!({"email": EMAIL})),
    )
    .await
    .expect(202, "forgot-password");
    let reset_token = reset_token_from_mail(&inbox).await;
    secrets.push(("the reset token", reset_token.clone()));
    call(
        addr,
        "POST",
        "/api/auth/reset-password",
        None,
        Some(json!({"token": reset_token, "password": RESET_PASSWORD})),
    )
    .await
    .expect(204, "reset-password");
    let after_reset = call(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": EMAIL, "password": RESET_PASSWORD})),
    )
    .await
    .expect(200, "login with the reset password");
    keep(
        &mut secrets,
        "the tokens after the reset",
        tokens(&after_reset),
    );

    let admin = call(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
    )
    .await
    .expect(200, "admin login");
    assert_eq!(admin.json()["data"]["user"]["role"], "admin");
    let (admin_access, _) = keep(&mut secrets, "the admin tokens", tokens(&admin));
    call(
        addr,
        "POST",
        "/api/categories",
        Some(&admin_access),
        Some(json!({"name": "Leak Checks", "slug": "leak-checks"})),
    )
    .await
    .expect(201, "create a category as admin");

    // Stop the server and read everything it wrote.
    let mut child = guard.0.take().expect("the server runs");
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let exit = wait_exit(&mut child, Duration::from_secs(15));
    let stdout = stdout.join().expect("stdout reader");
    let stderr = stderr.join().expect("stderr reader");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        exit.is_some_and(|s| s.success()),
        "exit 0 after SIGTERM: {exit:?}\nstderr:\n{stderr}"
    );

    // The log is really there: JSON lines of the requests above, with their request ids.
    let output = format!("{stdout}\n{stderr}");
    assert!(
        output.lines().filter(|l| !l.trim().is_empty()).count() > 20,
        "a trace log of some length:\n{output}"
    );
    assert!(
        output
            .lines()
            .any(|l| l.trim_start().starts_with('{') && l.contains("request_id")),
        "JSON log lines with a request id:\n{output}"
    );
    for path in [
        "/api/auth/login",
        "/api/users/me",
        "/api/auth/reset-password",
    ] {
        assert!(
            output.contains(&format!("\"{path}\"")),
            "the request to {path} is logged:\n{output}"
        );
    }

    // …and holds no secret.
    let mut leaks = Vec::new();
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is distinctive: {secret:?}");
        for line in output.lines().filter(|l| l.contains(secret.as_str())) {
            leaks.push(format!("{what} ({secret}) in: {line}"));
        }
    }
    for line in output.lines() {
        let lower = line.to_ascii_lowercase();
        if line.contains("eyJ") {
            leaks.push(format!("a JWT fragment `eyJ` in: {line}"));
        }
        if let Some(at) = lower.find("bearer ")
            && line[at + 7..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            leaks.push(format!("a `Bearer <token>` in: {line}"));
        }
        if lower.contains("authorization") {
            leaks.push(format!("an authorization header in: {line}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "{} secret(s) in the shop's output:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}
