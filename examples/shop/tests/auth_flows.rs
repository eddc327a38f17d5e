#![allow(clippy::expect_used, clippy::panic, reason = "tests fail loudly")]
//! The Auth rows of API.md and `GET`/`PUT /api/users/me`, `PUT /api/users/me/password`,
//! through HTTP: sessions, refresh-token rotation and reuse detection, logout, the reset mail
//! (caught by a small SMTP sink on loopback) and password changes. Runs on SQLite, then on
//! PostgreSQL + Redis when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set.

mod common;
#[path = "support/smtp.rs"]
mod smtp;

use smtp::{smtp_sink, wait_for_mail};

use std::time::Duration;

use axum::Router;
use common::{get, on_every_backend, outcome, post, put, shop};
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use serde_json::{Value, json};

const PASSWORD: &str = "Correct1!horse";
const NEW_PASSWORD: &str = "Brand1!newpass";

// ---------------------------------------------------------------------------------------------
// The app and its sessions.

/// The shop delivering mail to the sink on `smtp_port`.
async fn shop_with_mail(db: &TestDb, redis: Option<&str>, smtp_port: u16) -> Router {
    let redis = redis.map(str::to_owned);
    let port = smtp_port.to_string();
    let config = shop::Settings::from_lookup(|k| match k {
        "APP_ENV" => Some("test".into()),
        "RATE_LIMIT_AUTH" => Some("10000/1m".into()),
        "RATE_LIMIT" => Some("100000/1m".into()),
        "SEED_DEMO_DATA" => Some("false".into()),
        "REDIS_URL" => redis.clone(),
        "SMTP_HOST" => Some("127.0.0.1".into()),
        "SMTP_PORT" => Some(port.clone()),
        "SMTP_TLS" => Some("none".into()),
        "SMTP_FROM" => Some("shop@example.com".into()),
        "APP_URL" => Some("http://localhost:8080".into()),
        _ => None,
    })
    .expect("config");
    shop::app(config, db.db.clone())
        .await
        .expect("the shop starts")
        .into_router()
}

/// The response text, for assertion messages (a 204 has no JSON).
fn text(r: &TestResponse) -> String {
    String::from_utf8_lossy(r.body()).into_owned()
}

/// Asserts status and error code, and the envelope around them.
#[track_caller]
fn assert_error(r: &TestResponse, status: u16, code: &str) {
    assert_eq!(outcome(r), (status, code.to_owned()), "{}", text(r));
    let body = r.json();
    assert_eq!(body["success"], false, "{body}");
    assert!(
        body["error"]["request_id"]
            .as_str()
            .is_some_and(|id| Some(id) == r.header("x-request-id")),
        "request_id is the X-Request-Id: {body}"
    );
}

/// Asserts a 204 with no body.
#[track_caller]
fn assert_no_content(r: &TestResponse) {
    assert_eq!(r.status(), 204, "{}", text(r));
    assert!(r.body().is_empty(), "{}", text(r));
}

/// The `(field, message)` pairs of an error's `details`, sorted.
fn details(r: &TestResponse) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = r.json()["error"]["details"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|e| {
                    let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
                    (s(&e["field"]), s(&e["message"]))
                })
                .collect()
        })
        .unwrap_or_default();
    pairs.sort();
    pairs
}

/// `field` paired with each of `messages`, sorted.
fn on_field(field: &str, messages: &[&str]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = messages
        .iter()
        .map(|m| (field.to_owned(), (*m).to_owned()))
        .collect();
    pairs.sort();
    pairs
}

/// A session answer (register, login): checks its shape and returns
/// (user id, access token, refresh token).
#[track_caller]
fn session(r: &TestResponse, status: u16, email: &str) -> (String, String, String) {
    assert_eq!(r.status(), status, "{}", text(r));
    let data = r.json()["data"].clone();
    let user = &data["user"];
    assert_eq!(user["email"], email, "{data}");
    assert_user_shape(user);
    let (access, refresh) = token_pair(&data);
    (
        user["id"].as_str().unwrap_or_default().to_owned(),
        access,
        refresh,
    )
}

/// A user object: the API's fields, never a password hash.
#[track_caller]
fn assert_user_shape(user: &Value) {
    let object = user
        .as_object()
        .unwrap_or_else(|| panic!("user object: {user}"));
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["created_at", "email", "id", "name", "role", "updated_at"],
        "{user}"
    );
    assert!(
        !user.to_string().contains("$argon2"),
        "no hash anywhere: {user}"
    );
}

/// Checks a token pair's shape and returns (access token, refresh token).
#[track_caller]
fn token_pair(data: &Value) -> (String, String) {
    assert_eq!(data["token_type"], "Bearer", "{data}");
    assert_eq!(
        data["expires_in"], 900,
        "JWT_ACCESS_TTL defaults to 15m: {data}"
    );
    let token = |field: &str| {
        data[field]
            .as_str()
            .filter(|t| t.split('.').count() == 3)
            .unwrap_or_else(|| panic!("{field} is a JWT: {data}"))
            .to_owned()
    };
    let (access, refresh) = (token("access_token"), token("refresh_token"));
    assert_ne!(access, refresh);
    (access, refresh)
}

async fn register(app: &Router, email: &str, name: &str) -> TestResponse {
    post(
        app,
        "/api/auth/register",
        "",
        json!({"email": email, "password": PASSWORD, "name": name}),
    )
    .await
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

async fn refresh(app: &Router, refresh_token: &str) -> TestResponse {
    post(
        app,
        "/api/auth/refresh",
        "",
        json!({"refresh_token": refresh_token}),
    )
    .await
}

/// A new session of a registered user: (access token, refresh token).
async fn sign_in(app: &Router, email: &str, password: &str) -> (String, String) {
    let (_, access, refresh) = session(&login(app, email, password).await, 200, email);
    (access, refresh)
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/register

#[tokio::test]
async fn register_answers_a_session_and_checks_its_input() {
    on_every_backend("auth_flows_register", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;

        let r = post(
            &app,
            "/api/auth/register",
            "",
            json!({"email": "  Ada@Example.com ", "password": PASSWORD, "name": "Ada", "role": "admin"}),
        )
        .await;
        let (id, access, _) = session(&r, 201, "ada@example.com");
        let body = r.json();
        assert_eq!(body["success"], true, "{body}");
        assert_eq!(body["data"]["user"]["name"], "Ada");
        assert_eq!(body["data"]["user"]["role"], "customer", "role from the body is ignored");
        assert_eq!(r.header("location"), Some(format!("/api/users/{id}").as_str()));
        assert!(r.header("content-type").is_some_and(|c| c.starts_with("application/json")));

        let me = get(&app, "/api/users/me", &access).await;
        assert_eq!(me.status(), 200, "{}", text(&me));
        assert_eq!(me.json()["data"]["id"], id.as_str());
        assert_eq!(me.json()["data"]["role"], "customer");

        // The same email in another case is taken.
        let taken = register(&app, "ADA@example.COM", "Another Ada").await;
        assert_error(&taken, 409, "DUPLICATE_ENTRY");

        // Every broken password rule is listed under `password`. The letters asked for are
        // ASCII, as the document's patterns `[A-Z]` and `[a-z]` say (schemathesis found the
        // server accepting `Ä` where the document refused it).
        let long = format!("Aa1!{}", "x".repeat(125));
        let cases: [(&str, &[&str]); 4] = [
            (
                "short",
                &[
                    "must be at least 8 characters long",
                    "must contain an upper-case letter",
                    "must contain a digit",
                    "must contain one of !@#$%^&*",
                ],
            ),
            (
                "",
                &[
                    "must be at least 8 characters long",
                    "must contain an upper-case letter",
                    "must contain a lower-case letter",
                    "must contain a digit",
                    "must contain one of !@#$%^&*",
                ],
            ),
            (
                "ÄÖÜäöü1!",
                &[
                    "must contain an upper-case letter",
                    "must contain a lower-case letter",
                ],
            ),
            (&long, &["must be at most 128 characters long"]),
        ];
        for (password, broken) in cases {
            let weak = post(
                &app,
                "/api/auth/register",
                "",
                json!({"email": "bob@example.com", "password": password, "name": "Bob"}),
            )
            .await;
            assert_error(&weak, 400, "VALIDATION_ERROR");
            assert_eq!(details(&weak), on_field("password", broken), "{password:?}");
        }
        let max = format!("Aa1!{}", "x".repeat(124));
        let ok = post(
            &app,
            "/api/auth/register",
            "",
            json!({"email": "max@example.com", "password": max, "name": "Max"}),
        )
        .await;
        session(&ok, 201, "max@example.com");

        // Every failing field at once.
        let all = post(
            &app,
            "/api/auth/register",
            "",
            json!({"email": "not-an-email", "password": "alllowercase1!", "name": ""}),
        )
        .await;
        assert_error(&all, 400, "VALIDATION_ERROR");
        let fields: Vec<String> = details(&all).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["email", "name", "password"], "{}", all.json());

        // Nothing was created by the refused attempts.
        assert_error(
            &login(&app, "bob@example.com", "short").await,
            401,
            "INVALID_CREDENTIALS",
        );
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/login

#[tokio::test]
async fn login_answers_a_session_and_one_body_for_every_failure() {
    on_every_backend("auth_flows_login", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let (id, _, _) = session(
            &register(&app, "ada@example.com", "Ada").await,
            201,
            "ada@example.com",
        );

        let ok = login(&app, "ADA@Example.com", PASSWORD).await;
        let (login_id, access, _) = session(&ok, 200, "ada@example.com");
        assert_eq!(login_id, id);
        assert_eq!(ok.json()["success"], true);
        assert_eq!(get(&app, "/api/users/me", &access).await.status(), 200);

        let wrong = login(&app, "ada@example.com", "Wrong1!password").await;
        let unknown = login(&app, "nobody@example.com", PASSWORD).await;
        assert_error(&wrong, 401, "INVALID_CREDENTIALS");
        assert_error(&unknown, 401, "INVALID_CREDENTIALS");
        let without_request_id = |r: &TestResponse| {
            let mut body = r.json();
            if let Some(error) = body["error"].as_object_mut() {
                error.remove("request_id");
            }
            body
        };
        assert_eq!(without_request_id(&wrong), without_request_id(&unknown));
        assert_ne!(
            wrong.json()["error"]["request_id"],
            unknown.json()["error"]["request_id"]
        );
        assert_eq!(
            wrong.header("www-authenticate"),
            unknown.header("www-authenticate")
        );
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/refresh

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    on_every_backend("auth_flows_refresh", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        register(&app, "ada@example.com", "Ada").await;
        let (access1, refresh1) = sign_in(&app, "ada@example.com", PASSWORD).await;
        let (other_access, other_refresh) = sign_in(&app, "ada@example.com", PASSWORD).await;

        let r = refresh(&app, &refresh1).await;
        assert_eq!(r.status(), 200, "{}", text(&r));
        assert_eq!(r.json()["success"], true);
        let data = r.json()["data"].clone();
        let (access2, refresh2) = token_pair(&data);
        assert_ne!(access2, access1);
        assert_ne!(refresh2, refresh1);
        assert_eq!(get(&app, "/api/users/me", &access2).await.status(), 200);

        // The spent token is refused, and presenting it ends the whole session: the newest
        // refresh token of the family stops working too.
        let spent = refresh(&app, &refresh1).await;
        assert_error(&spent, 401, "INVALID_TOKEN");
        assert_error(&refresh(&app, &refresh2).await, 401, "INVALID_TOKEN");

        // Another session of the same user is untouched.
        assert_eq!(
            get(&app, "/api/users/me", &other_access).await.status(),
            200
        );
        let other = refresh(&app, &other_refresh).await;
        assert_eq!(other.status(), 200, "{}", text(&other));

        // Not a refresh token at all.
        assert_error(&refresh(&app, "garbage").await, 401, "INVALID_TOKEN");
        assert_error(&refresh(&app, &other_access).await, 401, "INVALID_TOKEN");
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/logout

#[tokio::test]
async fn logout_ends_the_access_and_the_refresh_token_at_once() {
    on_every_backend("auth_flows_logout", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        register(&app, "ada@example.com", "Ada").await;
        let (access, refresh_token) = sign_in(&app, "ada@example.com", PASSWORD).await;
        let (kept_access, kept_refresh) = sign_in(&app, "ada@example.com", PASSWORD).await;

        let out = post(
            &app,
            "/api/auth/logout",
            &access,
            json!({"refresh_token": refresh_token}),
        )
        .await;
        assert_no_content(&out);
        assert_error(
            &get(&app, "/api/users/me", &access).await,
            401,
            "INVALID_TOKEN",
        );
        assert_error(&refresh(&app, &refresh_token).await, 401, "INVALID_TOKEN");
        let again = post(&app, "/api/auth/logout", &access, json!({})).await;
        assert_error(&again, 401, "INVALID_TOKEN");

        // The body is optional: the session of the access token ends with it.
        let (bare_access, bare_refresh) = sign_in(&app, "ada@example.com", PASSWORD).await;
        let bare = TestRequest::post("/api/auth/logout")
            .bearer(&bare_access)
            .send(&app)
            .await;
        assert_no_content(&bare);
        assert_error(
            &get(&app, "/api/users/me", &bare_access).await,
            401,
            "INVALID_TOKEN",
        );
        assert_error(&refresh(&app, &bare_refresh).await, 401, "INVALID_TOKEN");

        // Other sessions go on.
        assert_eq!(get(&app, "/api/users/me", &kept_access).await.status(), 200);
        assert_eq!(refresh(&app, &kept_refresh).await.status(), 200);

        // Only a user may log out.
        let anonymous = post(&app, "/api/auth/logout", "", json!({})).await;
        assert_error(&anonymous, 401, "UNAUTHORIZED");
        assert!(
            anonymous
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")),
            "{:?}",
            anonymous.headers()
        );
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// POST /api/auth/forgot-password, POST /api/auth/reset-password

#[tokio::test]
async fn forgot_and_reset_password_by_mail() {
    on_every_backend("auth_flows_reset", |db: TestDb, redis| async move {
        let (port, inbox) = smtp_sink().await;
        let app = shop_with_mail(&db, redis.as_deref(), port).await;
        let (_, _, registered_refresh) = session(
            &register(&app, "ada@example.com", "Ada").await,
            201,
            "ada@example.com",
        );
        let (_, login_refresh) = sign_in(&app, "ada@example.com", PASSWORD).await;

        let unknown = post(
            &app,
            "/api/auth/forgot-password",
            "",
            json!({"email": "nobody@example.com"}),
        )
        .await;
        let known = post(
            &app,
            "/api/auth/forgot-password",
            "",
            json!({"email": "ADA@example.com"}),
        )
        .await;
        assert_eq!(known.status(), 202, "{}", text(&known));
        assert_eq!(unknown.status(), 202, "{}", text(&unknown));
        assert_eq!(known.json(), unknown.json(), "the same answer either way");
        assert_eq!(known.json()["success"], true);

        let mails = wait_for_mail(&inbox, 1).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            inbox.lock().expect("inbox").len(),
            1,
            "no mail for the unknown address"
        );
        let mail = &mails[0];
        assert_eq!(mail.rcpt, ["ada@example.com"], "{mail:#?}");
        assert!(
            mail.data.contains("Subject: Reset your password"),
            "{}",
            mail.data
        );
        let token = mail.reset_token();
        assert_eq!(token.len(), 43, "32 random bytes, base64url: {token}");

        // A weak password is refused without spending the token.
        let weak = post(
            &app,
            "/api/auth/reset-password",
            "",
            json!({"token": token, "password": "weakpass"}),
        )
        .await;
        assert_error(&weak, 400, "VALIDATION_ERROR");
        assert!(
            details(&weak).iter().all(|(field, _)| field == "password")
                && !details(&weak).is_empty(),
            "{}",
            weak.json()
        );

        let reset = post(
            &app,
            "/api/auth/reset-password",
            "",
            json!({"token": token, "password": NEW_PASSWORD}),
        )
        .await;
        assert_no_content(&reset);

        // Once only.
        let again = post(
            &app,
            "/api/auth/reset-password",
            "",
            json!({"token": token, "password": "Other1!password"}),
        )
        .await;
        assert_error(&again, 400, "VALIDATION_ERROR");
        assert_eq!(
            details(&again)
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>(),
            ["token"]
        );
        let forged = post(
            &app,
            "/api/auth/reset-password",
            "",
            json!({"token": "A".repeat(43), "password": "Other1!password"}),
        )
        .await;
        assert_error(&forged, 400, "VALIDATION_ERROR");

        // The new password works, the old one does not, and earlier sessions are over.
        assert_error(
            &login(&app, "ada@example.com", PASSWORD).await,
            401,
            "INVALID_CREDENTIALS",
        );
        assert_error(
            &login(&app, "ada@example.com", "Other1!password").await,
            401,
            "INVALID_CREDENTIALS",
        );
        let (access, _) = sign_in(&app, "ada@example.com", NEW_PASSWORD).await;
        assert_eq!(get(&app, "/api/users/me", &access).await.status(), 200);
        assert_error(
            &refresh(&app, &registered_refresh).await,
            401,
            "INVALID_TOKEN",
        );
        assert_error(&refresh(&app, &login_refresh).await, 401, "INVALID_TOKEN");

        // A malformed email is a validation error, not a silent 202.
        let bad = post(
            &app,
            "/api/auth/forgot-password",
            "",
            json!({"email": "nope"}),
        )
        .await;
        assert_error(&bad, 400, "VALIDATION_ERROR");
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// GET /api/users/me, PUT /api/users/me

#[tokio::test]
async fn users_me_shows_and_replaces_the_own_account() {
    on_every_backend("auth_flows_users_me", |db: TestDb, redis| async move {
        let app = shop(&db, redis.as_deref()).await;
        let (id, access, _) = session(
            &register(&app, "ada@example.com", "Ada").await,
            201,
            "ada@example.com",
        );
        register(&app, "bob@example.com", "Bob").await;

        let me = get(&app, "/api/users/me", &access).await;
        assert_eq!(me.status(), 200, "{}", text(&me));
        let user = me.json()["data"].clone();
        assert_user_shape(&user);
        assert_eq!(user["id"], id.as_str());
        assert_eq!(user["email"], "ada@example.com");
        assert_eq!(user["name"], "Ada");

        let anonymous = get(&app, "/api/users/me", "").await;
        assert_error(&anonymous, 401, "UNAUTHORIZED");
        assert!(
            anonymous
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")),
            "{:?}",
            anonymous.headers()
        );
        assert_error(
            &get(&app, "/api/users/me", "not.a.jwt").await,
            401,
            "INVALID_TOKEN",
        );

        let replaced = put(
            &app,
            "/api/users/me",
            &access,
            json!({"name": "Ada Lovelace", "email": "Ada.Lovelace@Example.com", "role": "admin", "current_password": PASSWORD}),
        )
        .await;
        assert_eq!(replaced.status(), 200, "{}", text(&replaced));
        let user = replaced.json()["data"].clone();
        assert_user_shape(&user);
        assert_eq!(user["id"], id.as_str());
        assert_eq!(user["name"], "Ada Lovelace");
        assert_eq!(user["email"], "ada.lovelace@example.com");
        assert_eq!(
            user["role"], "customer",
            "a customer cannot make herself admin"
        );
        let me = get(&app, "/api/users/me", &access).await;
        assert_eq!(me.json()["data"]["email"], "ada.lovelace@example.com");
        sign_in(&app, "ada.lovelace@example.com", PASSWORD).await;

        let bad = put(
            &app,
            "/api/users/me",
            &access,
            json!({"name": "Ada", "email": "not-an-email"}),
        )
        .await;
        assert_error(&bad, 400, "VALIDATION_ERROR");
        assert_eq!(
            details(&bad),
            on_field("email", &["must be a valid email address"])
        );
        let both = put(
            &app,
            "/api/users/me",
            &access,
            json!({"name": "", "email": "nope"}),
        )
        .await;
        assert_error(&both, 400, "VALIDATION_ERROR");
        let fields: Vec<String> = details(&both).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["email", "name"], "{}", both.json());
        let missing = put(
            &app,
            "/api/users/me",
            &access,
            json!({"email": "ada@example.com"}),
        )
        .await;
        assert_error(&missing, 400, "VALIDATION_ERROR");
        let fields: Vec<String> = details(&missing).into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name"], "{}", missing.json());

        let taken = put(
            &app,
            "/api/users/me",
            &access,
            json!({"name": "Ada", "email": "BOB@example.com", "current_password": PASSWORD}),
        )
        .await;
        assert_error(&taken, 409, "DUPLICATE_ENTRY");

        let anonymous = put(
            &app,
            "/api/users/me",
            "",
            json!({"name": "X", "email": "x@example.com"}),
        )
        .await;
        assert_error(&anonymous, 401, "UNAUTHORIZED");
        let me = get(&app, "/api/users/me", &access).await;
        assert_eq!(
            me.json()["data"]["name"],
            "Ada Lovelace",
            "refused changes changed nothing"
        );
        db.cleanup().await;
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// PUT /api/users/me/password

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    on_every_backend(
        "auth_flows_change_password",
        |db: TestDb, redis| async move {
            let app = shop(&db, redis.as_deref()).await;
            register(&app, "ada@example.com", "Ada").await;
            let (access, refresh_token) = sign_in(&app, "ada@example.com", PASSWORD).await;
            let (other_access, other_refresh) = sign_in(&app, "ada@example.com", PASSWORD).await;

            let wrong = put(
                &app,
                "/api/users/me/password",
                &access,
                json!({"current_password": "Wrong1!password", "new_password": NEW_PASSWORD}),
            )
            .await;
            assert_error(&wrong, 400, "VALIDATION_ERROR");
            assert_eq!(
                details(&wrong),
                on_field("current_password", &["is incorrect"])
            );

            let weak = put(
                &app,
                "/api/users/me/password",
                &access,
                json!({"current_password": PASSWORD, "new_password": "weak"}),
            )
            .await;
            assert_error(&weak, 400, "VALIDATION_ERROR");
            assert_eq!(
                details(&weak),
                on_field(
                    "password",
                    &[
                        "must be at least 8 characters long",
                        "must contain an upper-case letter",
                        "must contain a digit",
                        "must contain one of !@#$%^&*",
                    ],
                )
            );

            let anonymous = put(
                &app,
                "/api/users/me/password",
                "",
                json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
            )
            .await;
            assert_error(&anonymous, 401, "UNAUTHORIZED");
            // None of the refusals changed the password.
            sign_in(&app, "ada@example.com", PASSWORD).await;

            let changed = put(
                &app,
                "/api/users/me/password",
                &access,
                json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
            )
            .await;
            assert_no_content(&changed);

            // The other sessions are over; this one goes on.
            assert_error(&refresh(&app, &other_refresh).await, 401, "INVALID_TOKEN");
            assert_error(
                &get(&app, "/api/users/me", &other_access).await,
                401,
                "INVALID_TOKEN",
            );
            assert_eq!(get(&app, "/api/users/me", &access).await.status(), 200);
            let rotated = refresh(&app, &refresh_token).await;
            assert_eq!(rotated.status(), 200, "{}", text(&rotated));
            let (rotated_access, _) = token_pair(&rotated.json()["data"]);
            assert_eq!(
                get(&app, "/api/users/me", &rotated_access).await.status(),
                200
            );

            assert_error(
                &login(&app, "ada@example.com", PASSWORD).await,
                401,
                "INVALID_CREDENTIALS",
            );
            sign_in(&app, "ada@example.com", NEW_PASSWORD).await;
            db.cleanup().await;
        },
    )
    .await;
}
