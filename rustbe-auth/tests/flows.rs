//! The auth endpoints of the API contract, through the whole router.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

mod common;

use std::time::{Duration, Instant};

use common::{PASSWORD, app, app_with, assert_error, tokens};
use rustbe_core::testing::TestRequest;
use serde_json::json;

#[tokio::test]
async fn register_answers_the_session_and_ignores_role_escalation() {
    let app = app().await;
    let r = app
        .post(
            "/api/auth/register",
            json!({"email": "  Ada@Example.COM ", "password": PASSWORD, "name": "Ada", "role": "admin", "id": "x"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.json());
    let data = r.json()["data"].clone();
    assert_eq!(data["user"]["email"], "ada@example.com");
    assert_eq!(
        data["user"]["role"], "customer",
        "role from the body is ignored"
    );
    assert_ne!(data["user"]["id"], "x");
    assert_eq!(data["token_type"], "Bearer");
    assert_eq!(data["expires_in"], 900);
    assert!(
        data["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert!(
        data["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        !r.json().to_string().contains("argon2"),
        "no hash in the answer"
    );
    let id = data["user"]["id"].as_str().unwrap_or_default();
    assert_eq!(
        r.header("location"),
        Some(format!("/api/users/{id}").as_str())
    );

    let (_, access, _) = tokens(&r);
    let admin = app.get_with("/api/admin/stats", &access).await;
    assert_error(&admin, 403, "FORBIDDEN");
}

#[tokio::test]
async fn register_rejects_taken_emails_case_insensitively() {
    let app = app().await;
    app.register("ada@example.com").await;
    let r = app
        .post(
            "/api/auth/register",
            json!({"email": "ADA@example.com", "password": PASSWORD, "name": "Ada"}),
        )
        .await;
    assert_error(&r, 409, "DUPLICATE_ENTRY");
}

#[tokio::test]
async fn register_lists_every_broken_rule_at_once() {
    let app = app().await;
    let r = app
        .post(
            "/api/auth/register",
            json!({"email": "not-an-email", "password": "short", "name": ""}),
        )
        .await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    let details = r.json()["error"]["details"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let of = |field: &str| details.iter().filter(|d| d["field"] == field).count();
    assert_eq!(of("email"), 1);
    assert_eq!(of("name"), 1);
    assert_eq!(of("password"), 4, "{details:?}");
    let too_long = format!("Aa1!{}", "x".repeat(200));
    let r = app
        .post(
            "/api/auth/register",
            json!({"email": "a@b.co", "password": too_long, "name": "A"}),
        )
        .await;
    assert_eq!(
        r.json()["error"]["details"][0]["message"],
        "must be at most 128 characters long"
    );
    let missing = app
        .post(
            "/api/auth/register",
            json!({"email": "a@b.co", "name": "A"}),
        )
        .await;
    assert_error(&missing, 400, "VALIDATION_ERROR");
    assert_eq!(missing.json()["error"]["details"][0]["field"], "password");
}

#[tokio::test]
async fn login_is_the_same_for_unknown_emails_and_wrong_passwords() {
    let app = app().await;
    app.register("ada@example.com").await;
    let ok = app.login("ADA@example.com", PASSWORD).await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json()["data"]["user"]["email"], "ada@example.com");

    let mut wrong_times = Vec::new();
    let mut unknown_times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let wrong = app.login("ada@example.com", "Wrong1!password").await;
        wrong_times.push(started.elapsed());
        let started = Instant::now();
        let unknown = app.login("nobody@example.com", "Wrong1!password").await;
        unknown_times.push(started.elapsed());
        assert_error(&wrong, 401, "INVALID_CREDENTIALS");
        assert_error(&unknown, 401, "INVALID_CREDENTIALS");
        let strip = |r: &rustbe_core::testing::TestResponse| {
            let mut json = r.json();
            json["error"]["request_id"] = json!(null);
            json
        };
        assert_eq!(strip(&wrong), strip(&unknown), "identical bodies");
    }
    wrong_times.sort();
    unknown_times.sort();
    let (wrong, unknown) = (wrong_times[2], unknown_times[2]);
    // Both paths run one argon2 verify; without the dummy hash the unknown path would be ~100x faster.
    assert!(
        unknown * 3 >= wrong,
        "unknown email answered much faster: {unknown:?} vs {wrong:?}"
    );
}

#[tokio::test]
async fn me_needs_a_token_and_shows_no_hash() {
    let app = app().await;
    let (id, access, _) = app.register("ada@example.com").await;
    let me = app.get_with("/api/users/me", &access).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json()["data"]["id"], id.as_str());
    assert!(me.json()["data"].get("password_hash").is_none());
    let anonymous = TestRequest::get("/api/users/me").send(&app.router).await;
    assert_error(&anonymous, 401, "UNAUTHORIZED");
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_token_revokes_the_whole_session() {
    let app = app().await;
    let (_, _, first) = app.register("ada@example.com").await;
    let rotated = app.refresh(&first).await;
    assert_eq!(rotated.status(), 200, "{}", rotated.json());
    let second = rotated.json()["data"]["refresh_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let access = rotated.json()["data"]["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_ne!(second, first);
    assert_eq!(app.get_with("/api/users/me", &access).await.status(), 200);

    let replay = app.refresh(&first).await;
    assert_error(&replay, 401, "INVALID_TOKEN");
    let newest = app.refresh(&second).await;
    assert_error(&newest, 401, "INVALID_TOKEN");
}

#[tokio::test]
async fn parallel_refreshes_with_one_token_let_at_most_one_through() {
    let app = app().await;
    let (_, _, refresh) = app.register("ada@example.com").await;
    let attempts: Vec<_> = (0..8).map(|_| app.refresh(&refresh)).collect();
    let results = futures_util::future::join_all(attempts).await;
    let through = results.iter().filter(|r| r.status() == 200).count();
    assert!(through <= 1, "{through} refreshes succeeded");
    assert!(
        results
            .iter()
            .all(|r| r.status() == 200 || r.status() == 401)
    );
}

#[tokio::test]
async fn access_and_refresh_tokens_are_not_interchangeable() {
    let app = app().await;
    let (_, access, refresh) = app.register("ada@example.com").await;
    assert_error(
        &app.get_with("/api/users/me", &refresh).await,
        401,
        "INVALID_TOKEN",
    );
    assert_error(&app.refresh(&access).await, 401, "INVALID_TOKEN");
}

#[tokio::test]
async fn logout_kills_the_access_and_refresh_tokens_at_once() {
    let app = app().await;
    let (_, access, refresh) = app.register("ada@example.com").await;
    let other = app.login("ada@example.com", PASSWORD).await;
    let (_, other_access, other_refresh) = tokens(&other);

    let out = TestRequest::post("/api/auth/logout")
        .bearer(&access)
        .send(&app.router)
        .await;
    assert_eq!(out.status(), 204);
    assert!(out.body().is_empty());
    assert_error(
        &app.get_with("/api/users/me", &access).await,
        401,
        "INVALID_TOKEN",
    );
    assert_error(&app.refresh(&refresh).await, 401, "INVALID_TOKEN");
    assert_eq!(
        app.get_with("/api/users/me", &other_access).await.status(),
        200,
        "other sessions live on"
    );

    // With a body naming another session's refresh token, that one dies too.
    let out = TestRequest::post("/api/auth/logout")
        .bearer(&other_access)
        .json(&json!({"refresh_token": other_refresh}))
        .send(&app.router)
        .await;
    assert_eq!(out.status(), 204);
    assert_error(&app.refresh(&other_refresh).await, 401, "INVALID_TOKEN");
    assert_error(
        &TestRequest::post("/api/auth/logout")
            .send(&app.router)
            .await,
        401,
        "UNAUTHORIZED",
    );
}

#[tokio::test]
async fn a_stale_token_does_not_block_public_routes_but_protected_ones_say_why() {
    let app = app().await;
    let (_, access, refresh) = app.register("ada@example.com").await;
    TestRequest::post("/api/auth/logout")
        .bearer(&access)
        .send(&app.router)
        .await;
    let (_, fresh_access, fresh_refresh) = tokens(&app.login("ada@example.com", PASSWORD).await);
    // A client that keeps sending its revoked token can still refresh and use public routes.
    let r = TestRequest::post("/api/auth/refresh")
        .bearer(&access)
        .json(&json!({"refresh_token": fresh_refresh}))
        .send(&app.router)
        .await;
    assert_eq!(r.status(), 200, "{}", r.json());
    let public = app.get_with("/api/public", &access).await;
    assert_eq!(
        public.json()["data"],
        serde_json::Value::Null,
        "served anonymously"
    );
    assert_eq!(
        app.get_with("/api/public", &fresh_access).await.status(),
        200
    );
    assert_error(
        &app.get_with("/api/admin/stats", &access).await,
        401,
        "INVALID_TOKEN",
    );
    let _ = refresh;
}

#[tokio::test]
async fn roles_come_from_the_store_and_guard_routes() {
    let app = app().await;
    let (id, customer_access, _) = app.register("ada@example.com").await;
    assert_error(
        &TestRequest::get("/api/admin/stats").send(&app.router).await,
        401,
        "UNAUTHORIZED",
    );
    assert_error(
        &app.get_with("/api/admin/stats", &customer_access).await,
        403,
        "FORBIDDEN",
    );
    app.auth.users().set_role(&id, "admin");
    let (_, admin_access, _) = tokens(&app.login("ada@example.com", PASSWORD).await);
    let r = app.get_with("/api/admin/stats", &admin_access).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json()["data"], id.as_str());
}

#[tokio::test]
async fn change_password_revokes_the_other_sessions_only() {
    let app = app().await;
    let (_, access, refresh) = app.register("ada@example.com").await;
    let (_, _, other_refresh) = tokens(&app.login("ada@example.com", PASSWORD).await);
    let change = |current: &str, new: &str| {
        TestRequest::new(http::Method::PUT, "/api/users/me/password")
            .bearer(&access)
            .json(&json!({"current_password": current, "new_password": new}))
    };
    let wrong = change("Nope1!nope", "Another1!pass")
        .send(&app.router)
        .await;
    assert_error(&wrong, 400, "VALIDATION_ERROR");
    assert_eq!(
        wrong.json()["error"]["details"][0]["field"],
        "current_password"
    );
    let weak = change(PASSWORD, "weak").send(&app.router).await;
    assert_error(&weak, 400, "VALIDATION_ERROR");
    assert_eq!(weak.json()["error"]["details"][0]["field"], "password");

    assert_eq!(
        change(PASSWORD, "Another1!pass")
            .send(&app.router)
            .await
            .status(),
        204
    );
    assert_error(&app.refresh(&other_refresh).await, 401, "INVALID_TOKEN");
    assert_eq!(
        app.refresh(&refresh).await.status(),
        200,
        "this session lives on"
    );
    assert_error(
        &app.login("ada@example.com", PASSWORD).await,
        401,
        "INVALID_CREDENTIALS",
    );
    assert_eq!(
        app.login("ada@example.com", "Another1!pass").await.status(),
        200
    );
}

async fn wait_for_mail(
    mailer: &rustbe_auth::mail::MemoryMailer,
    count: usize,
) -> Vec<rustbe_auth::mail::Email> {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let sent = mailer.sent();
        if sent.len() >= count {
            return sent;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    mailer.sent()
}

fn token_of(link_mail: &rustbe_auth::mail::Email) -> String {
    let start = link_mail.body.find("token=").map_or(0, |i| i + 6);
    link_mail.body[start..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn forgot_password_answers_alike_and_mails_known_addresses_only() {
    let app = app().await;
    app.register("ada@example.com").await;
    let known = TestRequest::post("/api/auth/forgot-password")
        .header("host", "evil.example")
        .json(&json!({"email": "ADA@example.com"}))
        .send(&app.router)
        .await;
    let unknown = app
        .post(
            "/api/auth/forgot-password",
            json!({"email": "nobody@example.com"}),
        )
        .await;
    assert_eq!(known.status(), 202);
    assert_eq!(unknown.status(), 202);
    assert_eq!(known.json(), unknown.json());
    let sent = wait_for_mail(&app.mailer, 1).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        app.mailer.sent().len(),
        1,
        "no mail for the unknown address"
    );
    assert_eq!(sent[0].to, "ada@example.com");
    assert!(
        sent[0]
            .body
            .contains("https://shop.example/reset-password?token="),
        "{}",
        sent[0].body
    );
    assert!(!sent[0].body.contains("evil.example"));
    let bad = app
        .post("/api/auth/forgot-password", json!({"email": "nope"}))
        .await;
    assert_error(&bad, 400, "VALIDATION_ERROR");
}

#[tokio::test]
async fn a_reset_token_works_once_and_revokes_every_session() {
    let app = app().await;
    let (_, _, refresh) = app.register("ada@example.com").await;
    app.post(
        "/api/auth/forgot-password",
        json!({"email": "ada@example.com"}),
    )
    .await;
    let token = token_of(&wait_for_mail(&app.mailer, 1).await[0]);
    assert!(token.len() >= 40, "{token}");

    let weak = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "weak"}),
        )
        .await;
    assert_error(&weak, 400, "VALIDATION_ERROR");
    let reset = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "Brand1!new"}),
        )
        .await;
    assert_eq!(
        reset.status(),
        204,
        "a weak attempt did not spend the token: {}",
        reset.json()
    );
    assert_error(&app.refresh(&refresh).await, 401, "INVALID_TOKEN");
    assert_eq!(
        app.login("ada@example.com", "Brand1!new").await.status(),
        200
    );
    let again = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "Other1!pass"}),
        )
        .await;
    assert_error(&again, 400, "VALIDATION_ERROR");
    assert_eq!(again.json()["error"]["details"][0]["field"], "token");
}

#[tokio::test]
async fn an_expired_reset_token_does_not_work() {
    let app = app_with(common::Options {
        reset_ttl: Some(Duration::ZERO),
        ..Default::default()
    })
    .await;
    app.register("ada@example.com").await;
    app.post(
        "/api/auth/forgot-password",
        json!({"email": "ada@example.com"}),
    )
    .await;
    let token = token_of(&wait_for_mail(&app.mailer, 1).await[0]);
    let r = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "Brand1!new"}),
        )
        .await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        200,
        "password unchanged"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_auth_route_and_they_exist() {
    let app = app().await;
    let doc = TestRequest::get("/openapi.json")
        .send(&app.router)
        .await
        .json();
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let mut checked = 0;
    for (path, item) in &paths {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, op) in item.as_object().cloned().unwrap_or_default() {
            let method =
                http::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let r = TestRequest::new(method.clone(), path)
                .send(&app.router)
                .await;
            assert!(
                r.status() != 404 && r.status() != 405,
                "{method} {path} is documented but not routed"
            );
            let secured = op.get("security").is_some();
            assert_eq!(
                secured,
                r.status() == 401 && r.error_code() == "UNAUTHORIZED",
                "{method} {path}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
    assert!(doc["components"]["schemas"]["MemoryUser"].is_object());
    assert_eq!(
        doc["paths"]["/api/auth/login"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/LoginRequest"
    );
}

#[tokio::test]
async fn a_token_inserted_while_its_session_is_revoked_is_dead_on_arrival() {
    use rustbe_auth::store::{Consumed, RefreshRecord, RefreshTokenStore, SeaOrmTokenStore};
    let app = app().await;
    let store = SeaOrmTokenStore::new(app.db.db.clone());
    let record = |hash: &str| RefreshRecord {
        token_hash: hash.into(),
        user_id: "7".into(),
        family: "f".into(),
        expires_at: u64::MAX / 2,
    };
    store.insert(record("r1")).await.expect("insert");
    // A refresh spends r1 …
    assert!(matches!(
        store.consume("r1").await,
        Ok(Consumed::Fresh { .. })
    ));
    // … a password reset revokes the user's sessions before the refresh stores r2 …
    assert_eq!(store.revoke_user("7", None).await.expect("revoke"), ["f"]);
    store.insert(record("r2")).await.expect("insert");
    // … and r2 can never be spent.
    assert!(matches!(
        store.consume("r2").await,
        Ok(Consumed::Reused { .. })
    ));
}

#[tokio::test]
async fn every_access_token_of_a_revoked_session_stops_at_once() {
    let app = app().await;
    let (_, first_access, first_refresh) = app.register("ada@example.com").await;
    let rotated = app.refresh(&first_refresh).await;
    let (_, second_access, _) = tokens(&rotated);
    assert_eq!(
        app.get_with("/api/users/me", &second_access).await.status(),
        200
    );
    // Replaying the spent refresh token revokes the session: both of its access tokens die.
    assert_error(&app.refresh(&first_refresh).await, 401, "INVALID_TOKEN");
    assert_error(
        &app.get_with("/api/users/me", &first_access).await,
        401,
        "INVALID_TOKEN",
    );
    assert_error(
        &app.get_with("/api/users/me", &second_access).await,
        401,
        "INVALID_TOKEN",
    );

    // A password change ends the other sessions' access tokens too, not this one's.
    let (_, phone, _) = tokens(&app.login("ada@example.com", PASSWORD).await);
    let (_, laptop, _) = tokens(&app.login("ada@example.com", PASSWORD).await);
    let change = TestRequest::new(http::Method::PUT, "/api/users/me/password")
        .bearer(&laptop)
        .json(&json!({"current_password": PASSWORD, "new_password": "Another1!pass"}))
        .send(&app.router)
        .await;
    assert_eq!(change.status(), 204);
    assert_error(
        &app.get_with("/api/users/me", &phone).await,
        401,
        "INVALID_TOKEN",
    );
    assert_eq!(app.get_with("/api/users/me", &laptop).await.status(), 200);

    // A reset ends every session.
    app.post(
        "/api/auth/forgot-password",
        json!({"email": "ada@example.com"}),
    )
    .await;
    let token = token_of(&wait_for_mail(&app.mailer, 1).await[0]);
    let reset = app
        .post(
            "/api/auth/reset-password",
            json!({"token": token, "password": "Brand1!new"}),
        )
        .await;
    assert_eq!(reset.status(), 204);
    assert_error(
        &app.get_with("/api/users/me", &laptop).await,
        401,
        "INVALID_TOKEN",
    );
}

#[tokio::test]
async fn a_body_missing_several_fields_names_each_of_them() {
    let app = app().await;
    let r = app.post("/api/auth/register", json!({})).await;
    assert_error(&r, 400, "VALIDATION_ERROR");
    let fields: Vec<_> = r.json()["error"]["details"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            format!(
                "{}: {}",
                d["field"].as_str().unwrap_or(""),
                d["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            "email: is required",
            "name: is required",
            "password: is required"
        ]
    );
    let typed = app
        .post("/api/auth/login", json!({"email": 7, "password": ["x"]}))
        .await;
    assert_error(&typed, 400, "VALIDATION_ERROR");
    assert_eq!(
        typed.json()["error"]["details"].as_array().map(Vec::len),
        Some(2)
    );
}
