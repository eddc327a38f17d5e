//! The real services: refresh tokens on PostgreSQL, revocation in Redis (shared by two
//! instances, failing closed), mail over a real SMTP conversation.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Options, PASSWORD, app_with, assert_error, tokens};
use rustbe_auth::mail::{Email, Mailer, SmtpMailer};
use rustbe_auth::revocation::{RedisRevocationList, RevocationList};
use rustbe_core::config::Config;
use rustbe_core::testing::{TestDb, TestRequest, service_url};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn refresh_rotation_and_reuse_detection_on_postgres() {
    let Some(db) = TestDb::postgres("refresh_rotation_on_postgres", |_| {}).await else {
        return;
    };
    let app = app_with(Options {
        db: Some(db),
        ..Default::default()
    })
    .await;
    let (_, _, first) = app.register("ada@example.com").await;
    let second = app.refresh(&first).await;
    assert_eq!(second.status(), 200, "{}", second.json());
    let second = second.json()["data"]["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let racing: Vec<_> = (0..6).map(|_| app.refresh(&second)).collect();
    let results = futures_util::future::join_all(racing).await;
    assert!(results.iter().filter(|r| r.status() == 200).count() <= 1);
    assert_error(&app.refresh(&first).await, 401, "INVALID_TOKEN");
    let (_, access, refresh) = tokens(&app.login("ada@example.com", PASSWORD).await);
    assert_eq!(
        TestRequest::post("/api/auth/logout")
            .bearer(&access)
            .send(&app.router)
            .await
            .status(),
        204
    );
    assert_error(&app.refresh(&refresh).await, 401, "INVALID_TOKEN");
    app.db.cleanup().await;
}

async fn redis() -> Option<rustbe_core::redis::fred::prelude::Client> {
    let url = service_url("TEST_REDIS_URL", "redis revocation")?;
    Some(
        rustbe_core::redis::connect(&url)
            .await
            .expect("TEST_REDIS_URL answers"),
    )
}

#[tokio::test]
async fn redis_revocation_is_shared_by_two_instances() {
    let Some(client) = redis().await else { return };
    let prefix = format!("rustbe-test-{}", uuid::Uuid::new_v4().simple());
    let list = RedisRevocationList::new(client.clone(), &prefix);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    list.revoke("direct", now + 60).await.expect("revoke");
    assert!(list.is_revoked("direct").await.expect("answers"));
    assert!(!list.is_revoked("other").await.expect("answers"));
    let ttl: i64 = rustbe_core::redis::fred::prelude::KeysInterface::ttl(
        &client,
        format!("{prefix}:revoked:direct"),
    )
    .await
    .expect("ttl");
    assert!(
        (1..=60).contains(&ttl),
        "kept until the token would expire: {ttl}"
    );

    // Two app instances, each with its own memory, sharing one Redis: a logout on one is
    // seen by the other at once.
    let one = app_with(Options {
        revocation: Some(Arc::new(RedisRevocationList::new(client.clone(), &prefix))),
        ..Default::default()
    })
    .await;
    let two = app_with(Options {
        revocation: Some(Arc::new(RedisRevocationList::new(client.clone(), &prefix))),
        ..Default::default()
    })
    .await;
    let (id, access, _) = one.register("ada@example.com").await;
    assert_eq!(
        two.get_with("/api/public", &access).await.json()["data"],
        id.as_str(),
        "two accepts one's token"
    );
    assert_error(
        &two.get_with("/api/admin/stats", &access).await,
        403,
        "FORBIDDEN",
    );
    assert_eq!(
        TestRequest::post("/api/auth/logout")
            .bearer(&access)
            .send(&one.router)
            .await
            .status(),
        204
    );
    assert_error(
        &one.get_with("/api/users/me", &access).await,
        401,
        "INVALID_TOKEN",
    );
    assert_error(
        &two.get_with("/api/admin/stats", &access).await,
        401,
        "INVALID_TOKEN",
    );
    assert_eq!(
        two.get_with("/api/public", &access).await.json()["data"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn revocation_fails_closed_when_redis_is_unreachable() {
    let dead = rustbe_core::redis::connect("redis://127.0.0.1:1")
        .await
        .expect("a client, even to nowhere");
    let list: Arc<dyn RevocationList> = Arc::new(RedisRevocationList::new(dead, "dead"));
    let started = Instant::now();
    let err = list.is_revoked("x").await.expect_err("cannot answer");
    assert_eq!(err.status(), 503);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "fails fast: {:?}",
        started.elapsed()
    );

    let app = app_with(Options {
        revocation: Some(list),
        ..Default::default()
    })
    .await;
    let (_, access, _) = app.register("ada@example.com").await;
    let protected = app.get_with("/api/users/me", &access).await;
    assert_error(&protected, 503, "SERVICE_UNAVAILABLE");
    assert!(protected.header("retry-after").is_some());
    assert_eq!(
        app.get_with("/api/public", &access).await.status(),
        200,
        "public routes still serve"
    );
}

/// A minimal SMTP server on loopback that accepts one message and hands back its DATA.
async fn smtp_sink() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write
            .write_all(b"220 sink.test ESMTP\r\n")
            .await
            .expect("greet");
        let mut data = String::new();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    write
                        .write_all(b"250 2.0.0 queued\r\n")
                        .await
                        .expect("queued");
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let verb = line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250-sink.test\r\n250 8BITMIME\r\n",
                "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.1.0 ok\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go ahead\r\n"
                }
                "QUIT" => {
                    let _ = write.write_all(b"221 bye\r\n").await;
                    break;
                }
                _ => b"502 unknown\r\n",
            };
            write.write_all(reply).await.expect("reply");
        }
        data
    });
    (port, task)
}

#[tokio::test]
async fn a_real_smtp_conversation_delivers_the_reset_mail() {
    let (port, sink) = smtp_sink().await;
    let (config, auth_config) =
        Config::from_lookup_with::<rustbe_auth::AuthConfig>("shop", |k| match k {
            "SMTP_HOST" => Some("127.0.0.1".into()),
            "SMTP_PORT" => Some(port.to_string()),
            "SMTP_TLS" => Some("none".into()),
            "SMTP_FROM" => Some("Shop <no-reply@shop.example>".into()),
            "APP_URL" => Some("https://shop.example".into()),
            _ => None,
        })
        .expect("config");
    let smtp =
        SmtpMailer::new(auth_config.smtp.as_ref().expect("smtp configured")).expect("mailer");
    let sent = Arc::new(Mutex::new(Vec::<Email>::new()));

    struct Recording(SmtpMailer, Arc<Mutex<Vec<Email>>>);
    impl Mailer for Recording {
        fn send(
            &self,
            email: Email,
        ) -> futures_util::future::BoxFuture<'_, Result<(), rustbe_core::Error>> {
            Box::pin(async move {
                let result = self.0.send(email.clone()).await;
                self.1.lock().expect("lock").push(email);
                result
            })
        }
    }

    let db = TestDb::sqlite().await;
    let tokens_store = rustbe_auth::store::SeaOrmTokenStore::new(db.db.clone());
    tokens_store.create_tables().await.expect("tables");
    let auth = rustbe_auth::AuthService::builder(
        &auth_config,
        rustbe_auth::users::MemoryUserStore::new(),
        tokens_store,
    )
    .hasher(common::fast_hasher())
    .mailer(Arc::new(Recording(smtp, sent.clone())))
    .build();
    let router = rustbe_core::app::App::new(config)
        .api(auth.router())
        .into_router();
    let r = TestRequest::post("/api/auth/register")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}))
        .send(&router)
        .await;
    assert_eq!(r.status(), 201);
    let r = TestRequest::post("/api/auth/forgot-password")
        .json(&json!({"email": "ada@example.com"}))
        .send(&router)
        .await;
    assert_eq!(r.status(), 202);
    let data = tokio::time::timeout(Duration::from_secs(10), sink)
        .await
        .expect("mail within 10s")
        .expect("sink");
    assert!(data.contains("To: ada@example.com"), "{data}");
    assert!(data.contains("Subject: Reset your password"), "{data}");
    assert!(
        data.contains("https://shop.example/reset-password?token="),
        "{data}"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while sent.lock().expect("lock").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        sent.lock().expect("lock").len(),
        1,
        "the mailer reported success"
    );
}
