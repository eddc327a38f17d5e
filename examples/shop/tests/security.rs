#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! Issue 14, second pass, through HTTP: the admin bootstrap never promotes an account someone
//! registered; a role change ends the user's sessions; an email change needs the password and
//! tells the old address; answers with tokens or personal data are `no-store`. Runs on SQLite,
//! then on PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set.

mod common;
#[path = "support/smtp.rs"]
mod smtp;

use axum::Router;
use common::{
    ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, admin_token, get, on_every_backend, outcome, post, put,
};
use rustbe_core::testing::{TestDb, TestResponse};
use serde_json::json;
use smtp::{smtp_sink, wait_for_mail};

/// Test settings with fixed secrets (two apps over one database share tokens), Redis when
/// given, and `extra` on top.
fn config(redis: Option<&str>, extra: &[(&str, String)]) -> shop::Settings {
    let mut settings: Vec<(&str, String)> = vec![
        ("APP_ENV", "test".into()),
        (
            "JWT_SECRET",
            "security-test-access-secret-0123456789abcdef".into(),
        ),
        (
            "JWT_REFRESH_SECRET",
            "security-test-refresh-secret-0123456789abcdef".into(),
        ),
        ("RATE_LIMIT_AUTH", "10000/1m".into()),
        ("RATE_LIMIT", "100000/1m".into()),
        ("SEED_DEMO_DATA", "false".into()),
    ];
    if let Some(redis) = redis {
        settings.push(("REDIS_URL", redis.to_owned()));
    }
    settings.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    settings.extend(extra.iter().cloned());
    shop::Settings::from_lookup(|k| {
        settings
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
    })
    .expect("config")
}

async fn app(db: &TestDb, config: shop::Settings) -> Result<Router, rustbe_core::Error> {
    Ok(shop::app(config, db.db.clone()).await?.into_router())
}

/// The error of a start that must fail.
fn refused(started: Result<Router, rustbe_core::Error>, why: &str) -> rustbe_core::Error {
    match started {
        Ok(_) => panic!("the shop started: {why}"),
        Err(err) => err,
    }
}

fn admin_vars(email: &str, password: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ADMIN_EMAIL", email.into()),
        ("ADMIN_PASSWORD", password.into()),
    ]
}

async fn login(app: &Router, email: &str, password: &str) -> TestResponse {
    post(
        app,
        "/api/auth/login",
        "",
        json!({"email": email, "password": password}),
    )
    .await
}

fn data(r: &TestResponse, field: &str) -> String {
    r.json()["data"][field]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn unique(name: &str) -> String {
    format!("{name}-{}@shop.example", uuid::Uuid::new_v4().simple())
}

// ---------------------------------------------------------------------------------------------
// Finding 1: ADMIN_EMAIL never promotes an account that someone registered.

async fn admin_email_of_a_registered_account_refuses_to_start(db: TestDb, redis: Option<String>) {
    let redis = redis.as_deref();
    // The shop runs without ADMIN_EMAIL; an attacker registers the address the operator will
    // name later, with a password of their own.
    let running = app(&db, config(redis, &[])).await.expect("the shop starts");
    let boss = unique("boss");
    let attacker_password = "Attacker1!pass";
    let r = post(
        &running,
        "/api/auth/register",
        "",
        json!({"email": boss, "password": attacker_password, "name": "Boss"}),
    )
    .await;
    assert_eq!(r.status(), 201, "{}", r.json());

    // The operator restarts it with ADMIN_EMAIL set to that address: it refuses to start,
    // naming the conflict, and the account stays a customer with no admin password.
    let operator_password = "Operator1!pass";
    let started = app(
        &db,
        config(redis, &admin_vars(&boss.to_uppercase(), operator_password)),
    )
    .await;
    let err = refused(started, "an existing non-admin account is a conflict");
    assert_eq!(err.status(), 409, "{err}");
    assert!(err.message().contains("ADMIN_EMAIL"), "{err}");
    assert!(err.message().contains(&boss), "{err}");
    let attacker = login(&running, &boss, attacker_password).await;
    assert_eq!(
        attacker.json()["data"]["user"]["role"],
        "customer",
        "{}",
        attacker.json()
    );
    let users = get(&running, "/api/users", &data(&attacker, "access_token")).await;
    assert_eq!(outcome(&users), (403, "FORBIDDEN".into()));
    assert_eq!(
        outcome(&login(&running, &boss, operator_password).await),
        (401, "INVALID_CREDENTIALS".into()),
        "the operator's password was not applied"
    );

    // An address nobody has: the admin is created with the operator's password, once; a
    // restart leaves it as it is.
    let root = unique("root");
    for _ in 0..2 {
        let started = app(&db, config(redis, &admin_vars(&root, operator_password)))
            .await
            .expect("the shop starts");
        let admin = login(&started, &root, operator_password).await;
        assert_eq!(
            admin.json()["data"]["user"]["role"],
            "admin",
            "{}",
            admin.json()
        );
        let users = get(&started, "/api/users", &data(&admin, "access_token")).await;
        assert_eq!(users.status(), 200, "{}", users.json());
    }
    // A weak ADMIN_PASSWORD is refused rather than given to an admin.
    let weak = app(&db, config(redis, &admin_vars(&unique("weak"), "password"))).await;
    let err = refused(weak, "a weak admin password is refused");
    assert!(err.message().contains("ADMIN_PASSWORD"), "{err}");
    db.cleanup().await;
}

#[tokio::test]
async fn admin_email_of_a_registered_account_is_never_promoted() {
    on_every_backend(
        "admin_email_of_a_registered_account_is_never_promoted",
        admin_email_of_a_registered_account_refuses_to_start,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Finding 2: a role change ends that user's sessions at once, on every instance.

async fn role_change_ends_sessions(db: TestDb, redis: Option<String>) {
    let redis = redis.as_deref();
    let settings = config(redis, &admin_vars(ADMIN_EMAIL, ADMIN_PASSWORD));
    let a = app(&db, settings.clone()).await.expect("instance A");
    // A second instance over the same database (and Redis, when given) sees the revocation.
    let b = app(&db, settings).await.expect("instance B");
    let admin = admin_token(&a).await;
    let grace_email = unique("grace");
    let (grace, customer_token) = common::register(&a, &grace_email, "Grace").await;
    let user_path = format!("/api/users/{grace}");
    let role = |role: &str| json!({"email": grace_email, "name": "Grace", "role": role});

    let promoted = put(&a, &user_path, &admin, role("admin")).await;
    assert_eq!(
        promoted.json()["data"]["role"],
        "admin",
        "{}",
        promoted.json()
    );
    assert_eq!(
        get(&a, "/api/users/me", &customer_token).await.status(),
        401,
        "the customer token ended"
    );

    let session = login(&a, &grace_email, PASSWORD).await;
    let (grace_admin, refresh) = (
        data(&session, "access_token"),
        data(&session, "refresh_token"),
    );
    assert_eq!(get(&b, "/api/users", &grace_admin).await.status(), 200);

    // The same role again is no change: the session lives on.
    assert_eq!(
        put(&a, &user_path, &admin, role("admin")).await.status(),
        200
    );
    assert_eq!(get(&b, "/api/users", &grace_admin).await.status(), 200);

    // Demoted: the admin token stops working on both instances at once, and the refresh token
    // cannot buy a new one.
    let demoted = put(&a, &user_path, &admin, role("customer")).await;
    assert_eq!(
        demoted.json()["data"]["role"],
        "customer",
        "{}",
        demoted.json()
    );
    // Without Redis each process has its own revocation list (one instance is all that runs).
    let instances = if redis.is_some() {
        vec![&a, &b]
    } else {
        vec![&a]
    };
    for (n, instance) in instances.into_iter().enumerate() {
        let r = get(instance, "/api/users", &grace_admin).await;
        assert_eq!(
            outcome(&r),
            (401, "INVALID_TOKEN".into()),
            "instance {n}: {}",
            r.json()
        );
    }
    let refreshed = post(
        &b,
        "/api/auth/refresh",
        "",
        json!({"refresh_token": refresh}),
    )
    .await;
    assert_eq!(refreshed.status(), 401, "{}", refreshed.json());
    let again = login(&b, &grace_email, PASSWORD).await;
    assert_eq!(again.json()["data"]["user"]["role"], "customer");
    assert_eq!(
        get(&a, "/api/users", &data(&again, "access_token"))
            .await
            .status(),
        403
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_role_change_ends_the_users_sessions_on_every_instance() {
    on_every_backend(
        "a_role_change_ends_the_users_sessions_on_every_instance",
        role_change_ends_sessions,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Finding 3: changing one's email needs the current password, and the old address is told.

async fn email_change_needs_password(db: TestDb, redis: Option<String>) {
    let (smtp_port, inbox) = smtp_sink().await;
    let mut extra = admin_vars(ADMIN_EMAIL, ADMIN_PASSWORD);
    extra.extend([
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", smtp_port.to_string()),
        ("SMTP_TLS", "none".to_owned()),
    ]);
    let shop = app(&db, config(redis.as_deref(), &extra))
        .await
        .expect("the shop starts");
    let admin = admin_token(&shop).await;
    let old = unique("ada");
    let (ada, token) = common::register(&shop, &old, "Ada").await;
    let new = unique("ada-new");
    let change = |password: Option<&str>| {
        let mut body = json!({"email": new, "name": "Ada"});
        if let Some(password) = password {
            body["current_password"] = json!(password);
        }
        body
    };
    for path in ["/api/users/me".to_owned(), format!("/api/users/{ada}")] {
        for (password, why) in [
            (None, "no password"),
            (Some("Wrong1!password"), "a wrong password"),
        ] {
            let r = put(&shop, &path, &token, change(password)).await;
            assert_eq!(
                outcome(&r),
                (400, "VALIDATION_ERROR".into()),
                "{path}, {why}: {}",
                r.json()
            );
            assert_eq!(
                common::detail_fields(&r),
                ["current_password"],
                "{path}, {why}"
            );
        }
    }
    assert_eq!(
        get(&shop, "/api/users/me", &token).await.json()["data"]["email"],
        old.as_str(),
        "unchanged"
    );
    // The same address in other letters is no change, and needs no password.
    let same = put(
        &shop,
        "/api/users/me",
        &token,
        json!({"email": old.to_uppercase(), "name": "Ada L."}),
    )
    .await;
    assert_eq!(same.json()["data"]["name"], "Ada L.", "{}", same.json());

    let changed = put(&shop, "/api/users/me", &token, change(Some(PASSWORD))).await;
    assert_eq!(changed.status(), 200, "{}", changed.json());
    assert_eq!(changed.json()["data"]["email"], new.as_str());
    let mail = wait_for_mail(&inbox, 1).await;
    assert_eq!(
        mail[0].rcpt,
        std::slice::from_ref(&old),
        "the old address is told"
    );
    assert!(mail[0].text().contains(&new), "{}", mail[0].text());

    // An admin changing another user's email gives no password of theirs; the old address is
    // told all the same.
    let third = unique("ada-third");
    let by_admin = put(
        &shop,
        &format!("/api/users/{ada}"),
        &admin,
        json!({"email": third, "name": "Ada"}),
    )
    .await;
    assert_eq!(
        by_admin.json()["data"]["email"],
        third.as_str(),
        "{}",
        by_admin.json()
    );
    let mail = wait_for_mail(&inbox, 2).await;
    assert_eq!(mail[1].rcpt, std::slice::from_ref(&new));
    db.cleanup().await;
}

#[tokio::test]
async fn an_email_change_needs_the_current_password_and_tells_the_old_address() {
    on_every_backend(
        "an_email_change_needs_the_current_password_and_tells_the_old_address",
        email_change_needs_password,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Finding 8: answers with a token or personal data are never cached.

#[tokio::test]
async fn answers_with_tokens_or_personal_data_are_no_store() {
    let db = TestDb::sqlite().await;
    let shop = app(&db, config(None, &admin_vars(ADMIN_EMAIL, ADMIN_PASSWORD)))
        .await
        .expect("the shop starts");
    let email = unique("ada");
    let body = json!({"email": email, "password": PASSWORD, "name": "Ada"});
    let registered = post(&shop, "/api/auth/register", "", body.clone()).await;
    let logged_in = login(&shop, &email, PASSWORD).await;
    let token = data(&logged_in, "access_token");
    let id = registered.json()["data"]["user"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refreshed = post(
        &shop,
        "/api/auth/refresh",
        "",
        json!({"refresh_token": data(&logged_in, "refresh_token")}),
    )
    .await;
    let admin = admin_token(&shop).await;
    let answers = [
        ("register", registered),
        ("login", logged_in),
        ("refresh", refreshed),
        (
            "failed login",
            login(&shop, &email, "Wrong1!password").await,
        ),
        ("GET /users/me", get(&shop, "/api/users/me", &token).await),
        (
            "PUT /users/me",
            put(
                &shop,
                "/api/users/me",
                &token,
                json!({"email": email, "name": "Ada L."}),
            )
            .await,
        ),
        (
            "GET /users/{id}",
            get(&shop, &format!("/api/users/{id}"), &token).await,
        ),
        ("GET /users", get(&shop, "/api/users", &admin).await),
    ];
    for (what, r) in &answers {
        assert!(
            r.status().is_success() || what.starts_with("failed"),
            "{what}: {}",
            r.status()
        );
        assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
    }
    db.cleanup().await;
}

// ---------------------------------------------------------------------------------------------
// Finding 9: forgot-password trims the email like login and register.

#[tokio::test]
async fn forgot_password_trims_the_email_like_login_and_register() {
    let db = TestDb::sqlite().await;
    let (smtp_port, inbox) = smtp_sink().await;
    let extra = [
        ("SMTP_HOST", "127.0.0.1".to_owned()),
        ("SMTP_PORT", smtp_port.to_string()),
        ("SMTP_TLS", "none".to_owned()),
    ];
    let shop = app(&db, config(None, &extra))
        .await
        .expect("the shop starts");
    let email = unique("ada");
    common::register(&shop, &format!("  {}  ", email.to_uppercase()), "Ada").await;
    assert_eq!(
        login(&shop, &format!(" {email} "), PASSWORD).await.status(),
        200
    );
    let r = post(
        &shop,
        "/api/auth/forgot-password",
        "",
        json!({"email": format!("  {}\t", email.to_uppercase())}),
    )
    .await;
    assert_eq!(r.status(), 202, "{}", r.json());
    let mail = wait_for_mail(&inbox, 1).await;
    assert_eq!(mail[0].rcpt, std::slice::from_ref(&email));
    db.cleanup().await;
}

// ---------------------------------------------------------------------------------------------
// Finding 9: login and forgot-password are limited per account, whatever the client address.

#[tokio::test]
async fn login_and_forgot_password_are_limited_per_account_across_addresses() {
    let db = TestDb::sqlite().await;
    let extra = [
        ("RATE_LIMIT_ACCOUNT", "3/1m".to_owned()),
        ("TRUST_PROXY", "true".to_owned()),
    ];
    let shop = app(&db, config(None, &extra))
        .await
        .expect("the shop starts");
    let email = unique("ada");
    common::register(&shop, &email, "Ada").await;
    let from = |n: u32, path: &str, body: serde_json::Value| {
        rustbe_core::testing::TestRequest::post(path)
            .header("x-forwarded-for", &format!("198.51.100.{n}"))
            .json(&body)
    };
    let guess = json!({"email": email, "password": "Wrong1!password"});
    let mut statuses = Vec::new();
    for n in 0..4 {
        statuses.push(
            from(n, "/api/auth/login", guess.clone())
                .send(&shop)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        statuses,
        [401, 401, 401, 429],
        "four addresses, one account"
    );
    let limited = from(
        9,
        "/api/auth/login",
        json!({"email": email.to_uppercase(), "password": PASSWORD}),
    )
    .send(&shop)
    .await;
    assert_eq!(
        outcome(&limited),
        (429, "RATE_LIMITED".into()),
        "the right password too, in any case"
    );
    assert!(limited.header("retry-after").is_some());
    let other = unique("bob");
    common::register(&shop, &other, "Bob").await;
    assert_eq!(
        login(&shop, &other, PASSWORD).await.status(),
        200,
        "another account is not limited"
    );

    let reset = json!({"email": other});
    let mut statuses = Vec::new();
    for n in 10..14 {
        statuses.push(
            from(n, "/api/auth/forgot-password", reset.clone())
                .send(&shop)
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(
        statuses,
        [202, 202, 429, 429],
        "the login above counted for Bob too"
    );
    db.cleanup().await;
}
