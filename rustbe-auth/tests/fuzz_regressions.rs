//! Inputs found by the fuzz targets (`fuzz/`, `scripts/fuzz-targets.sh`), kept as tests of
//! the behaviour they broke.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

mod common;

use common::app;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustbe_auth::token::{Claims, TokenKind};
use rustbe_core::testing::TestRequest;

/// `fuzz/fuzz_targets/token.rs`: logging out with a validly signed access token whose `exp` is
/// `u64::MAX` overflowed `exp + leeway` (a panic, so a 500, where overflow is checked; a
/// revocation that ended at once, so a token still accepted after logout, where it wraps).
/// The revocation lasts as long as the token: to the end of time.
#[tokio::test]
async fn logout_with_a_token_that_never_expires() {
    let app = app().await;
    let (id, _, _) = app.register("ada@example.com").await;
    let claims = Claims {
        sub: id,
        iss: "shop".into(),
        aud: "shop".into(),
        exp: u64::MAX,
        nbf: 0,
        iat: 0,
        jti: "forever".into(),
        typ: TokenKind::Access,
        sid: "s-forever".into(),
        roles: vec!["customer".into()],
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(app.auth_config.jwt.secret.expose().as_bytes()),
    )
    .expect("encode");
    assert_eq!(app.get_with("/api/users/me", &token).await.status(), 200);

    let r = TestRequest::post("/api/auth/logout")
        .bearer(&token)
        .send(&app.router)
        .await;
    assert_eq!(r.status(), 204, "{}", r.json());
    let r = app.get_with("/api/users/me", &token).await;
    assert_eq!(r.status(), 401, "revoked after logout: {}", r.json());
}
