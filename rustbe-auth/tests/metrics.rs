//! Refused bearer tokens are counted by reason in `rustbe_auth_failures_total`, through the
//! whole `AuthLayer` router: forged (`invalid`), out of date (`expired`), revoked.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rustbe_auth::layer::{AuthLayer, Authenticator};
use rustbe_auth::revocation::{MemoryRevocationList, RevocationList, access_token_key};
use rustbe_auth::token::{Claims, TokenIssuer, TokenKind};
use rustbe_core::access::Principal;
use rustbe_core::metrics::Metrics;
use rustbe_core::testing::TestRequest;

fn counted(text: &str, reason: &str) -> u64 {
    let series = format!(r#"rustbe_auth_failures_total{{reason="{reason}"}} "#);
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn refused_tokens_are_counted_by_reason() {
    let metrics = Metrics::install().expect("the recorder installs");
    let auth_config = rustbe_auth::AuthConfig::for_tests("shop");
    let issuer = TokenIssuer::from_config(&auth_config);
    let revocation = Arc::new(MemoryRevocationList::new());
    let auth = Authenticator::new(issuer.clone(), revocation.clone());
    let app = Router::new()
        .route("/me", get(|p: Principal| async move { p.id().to_owned() }))
        .layer(AuthLayer::new(auth));
    let before = metrics.render();

    let forged = TestRequest::get("/me").bearer("forged").send(&app).await;
    assert_eq!(forged.error_code(), "INVALID_TOKEN");

    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let old = Claims {
        sub: "7".into(),
        iss: "shop".into(),
        aud: "shop".into(),
        exp: now - 3600,
        nbf: now - 7200,
        iat: now - 7200,
        jti: uuid::Uuid::new_v4().to_string(),
        typ: TokenKind::Access,
        sid: "s".into(),
        roles: vec!["customer".into()],
    };
    let expired = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &old,
        &EncodingKey::from_secret(auth_config.jwt.secret.expose().as_bytes()),
    )
    .expect("signs");
    for _ in 0..2 {
        let answer = TestRequest::get("/me").bearer(&expired).send(&app).await;
        assert_eq!(answer.error_code(), "TOKEN_EXPIRED");
    }

    let issued = issuer
        .issue_access(&Principal::new("7", ["customer"]), "s1")
        .expect("issues");
    let ok = TestRequest::get("/me")
        .bearer(&issued.token)
        .send(&app)
        .await;
    assert_eq!(ok.status(), 200);
    let claims = issued.claims;
    revocation
        .revoke(&access_token_key(&claims.jti), claims.exp)
        .await
        .expect("revokes");
    let revoked = TestRequest::get("/me")
        .bearer(&issued.token)
        .send(&app)
        .await;
    assert_eq!(revoked.error_code(), "INVALID_TOKEN");

    let after = metrics.render();
    assert_eq!(
        counted(&after, "invalid") - counted(&before, "invalid"),
        1,
        "{after}"
    );
    assert_eq!(counted(&after, "expired") - counted(&before, "expired"), 2);
    assert_eq!(counted(&after, "revoked") - counted(&before, "revoked"), 1);
}
