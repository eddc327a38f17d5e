//! Forged and out-of-date access tokens are refused with 401 through the whole router.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

mod common;

use base64::Engine as _;
use common::{app, assert_error};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustbe_auth::token::{Claims, TokenKind};
use serde_json::json;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn claims(sub: &str) -> Claims {
    let now = now();
    Claims {
        sub: sub.into(),
        iss: "shop".into(),
        aud: "shop".into(),
        exp: now + 600,
        nbf: now,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        typ: TokenKind::Access,
        sid: "s".into(),
        roles: vec!["admin".into()],
    }
}

fn sign(claims: &Claims, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode")
}

fn b64(value: &serde_json::Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn forged_and_stale_tokens_are_refused() {
    let app = app().await;
    let (id, _, _) = app.register("ada@example.com").await;
    let secret = app.auth_config.jwt.secret.expose().to_owned();
    let good = sign(&claims(&id), &secret);
    assert_eq!(
        app.get_with("/api/users/me", &good).await.status(),
        200,
        "the forging kit signs valid tokens"
    );

    let payload = serde_json::to_value(claims(&id)).expect("claims");
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&payload)
    );
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut tampered_claims = claims(&id);
    tampered_claims.sub = "someone-else".into();
    parts[1] = b64(&serde_json::to_value(&tampered_claims).expect("claims"));
    let tampered = parts.join(".");
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(&id),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode");
    let wrong_secret = sign(&claims(&id), "some-other-secret-that-is-long-enough-0123");
    let refresh_secret = sign(&claims(&id), app.auth_config.jwt.refresh_secret.expose());
    let mut not_yet = claims(&id);
    not_yet.nbf = now() + 3600;
    let mut wrong_iss = claims(&id);
    wrong_iss.iss = "elsewhere".into();
    let mut wrong_aud = claims(&id);
    wrong_aud.aud = "elsewhere".into();
    let mut refresh_typ = claims(&id);
    refresh_typ.typ = TokenKind::Refresh;
    let mut no_iss = serde_json::to_value(claims(&id)).expect("claims");
    no_iss.as_object_mut().map(|o| o.remove("iss"));
    let no_iss = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &no_iss,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("encode");

    for (name, token) in [
        ("alg none", none),
        ("tampered payload", tampered),
        ("HS512", hs512),
        ("wrong secret", wrong_secret),
        ("signed with the refresh secret", refresh_secret),
        ("not yet valid", sign(&not_yet, &secret)),
        ("wrong iss", sign(&wrong_iss, &secret)),
        ("wrong aud", sign(&wrong_aud, &secret)),
        ("refresh type", sign(&refresh_typ, &secret)),
        ("no iss", no_iss),
        ("garbage", "not.a.jwt".to_owned()),
    ] {
        let r = app.get_with("/api/users/me", &token).await;
        assert_eq!(r.status(), 401, "{name}: {}", r.json());
        assert_eq!(r.error_code(), "INVALID_TOKEN", "{name}");
        assert_eq!(
            r.header("www-authenticate"),
            Some(r#"Bearer error="invalid_token""#),
            "{name}"
        );
    }
}

#[tokio::test]
async fn expiry_honours_the_leeway_then_says_token_expired() {
    let app = app().await;
    let (id, _, _) = app.register("ada@example.com").await;
    let secret = app.auth_config.jwt.secret.expose().to_owned();
    let leeway = app.auth_config.jwt.leeway.as_secs();
    let mut within = claims(&id);
    within.exp = now() - leeway / 2;
    assert_eq!(
        app.get_with("/api/users/me", &sign(&within, &secret))
            .await
            .status(),
        200,
        "inside the leeway"
    );
    let mut expired = claims(&id);
    expired.exp = now() - leeway - 30;
    let r = app
        .get_with("/api/users/me", &sign(&expired, &secret))
        .await;
    assert_error(&r, 401, "TOKEN_EXPIRED");
}

#[test]
fn secrets_never_show_in_debug() {
    let config = rustbe_auth::AuthConfig::for_tests("shop");
    let issuer = rustbe_auth::token::TokenIssuer::from_config(&config);
    let debug = format!("{issuer:?} {config:?}");
    assert!(!debug.contains(config.jwt.secret.expose()));
    assert!(!debug.contains(config.jwt.refresh_secret.expose()));
}
