use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderMap, header};
use rustbe_core::access::Principal;

use super::auth::rechallenge;
use super::verified::{Verified, VerifiedTokens};
use super::*;
use crate::revocation::MemoryRevocationList;
use crate::token::TokenKind;
use crate::token::{Claims, TokenIssuer, now_secs};

fn verified(token: &str, exp: u64, nbf: u64) -> Arc<Verified> {
    Arc::new(Verified::new(token, claims(exp, nbf)))
}

fn claims(exp: u64, nbf: u64) -> Claims {
    Claims {
        sub: "7".into(),
        iss: "shop".into(),
        aud: "shop".into(),
        exp,
        nbf,
        iat: nbf,
        jti: "j".into(),
        typ: TokenKind::Access,
        sid: "s".into(),
        roles: vec!["customer".into()],
    }
}

#[test]
fn a_verified_token_is_reused_only_while_current_and_only_for_the_same_bytes() {
    let verified = VerifiedTokens::default();
    verified.insert(self::verified("head.body.sig", 100, 50));
    let found = verified.get(b"head.body.sig", 100, 5).expect("current");
    assert_eq!(found.principal.id(), "7");
    assert_eq!(found.keys, ["jti:j", "sid:s"]);
    assert!(
        verified.get(b"head.body.sig", 105, 5).is_some(),
        "within the leeway"
    );
    assert!(
        verified.get(b"head.body.sig", 106, 5).is_none(),
        "expired: verify again"
    );
    assert!(
        verified.get(b"head.body.sig", 44, 5).is_none(),
        "not yet valid"
    );
    assert!(
        verified.get(b"head.other.sig", 100, 5).is_none(),
        "another token"
    );
    assert!(verified.get(b"head.body.other", 100, 5).is_none());
    assert!(
        verified.get(b"x.head.body.sig", 100, 5).is_none(),
        "the same last 8 bytes (the same slot), another token"
    );
    assert!(VerifiedTokens::key(b"a.b") != VerifiedTokens::key(b"a.c"));
    assert_eq!(VerifiedTokens::key(b""), 0, "a short token is a key too");
}

#[test]
fn a_challenge_names_the_scheme_and_keeps_its_parameters() {
    let challenged = |value: &'static str| {
        let mut response = Response::new(Body::empty());
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            http::HeaderValue::from_static(value),
        );
        rechallenge(&mut response, "Token");
        response.headers()[header::WWW_AUTHENTICATE].clone()
    };
    assert_eq!(challenged("Bearer"), "Token");
    assert_eq!(
        challenged(r#"Bearer error="invalid_token""#),
        r#"Token error="invalid_token""#
    );
    assert_eq!(
        challenged("Basic realm=\"x\""),
        "Basic realm=\"x\"",
        "not ours"
    );
    let mut bare = Response::new(Body::empty());
    rechallenge(&mut bare, "Token");
    assert!(bare.headers().get(header::WWW_AUTHENTICATE).is_none());
}

#[test]
fn a_full_map_is_emptied_not_grown() {
    let verified = VerifiedTokens::default();
    for n in 0..=VerifiedTokens::MAX {
        verified.insert(self::verified(&format!("h.b.{n}"), 100, 0));
    }
    assert_eq!(verified.len(), 1, "the insert after MAX started over");
}

#[tokio::test]
async fn a_token_is_verified_once_then_served_from_the_cache() {
    let issuer = TokenIssuer::from_config(&crate::AuthConfig::for_tests("shop"));
    let token = issuer
        .issue_access(&Principal::new("7", ["customer"]), "s1")
        .expect("token")
        .token;
    let auth = Authenticator::new(issuer, Arc::new(MemoryRevocationList::new()));
    let mut headers = HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().expect("header"),
    );
    let first = auth
        .authenticate(&headers)
        .await
        .expect("ok")
        .expect("caller");
    let cached = auth.inner.verified.get(
        token.as_bytes(),
        now_secs(),
        auth.inner.issuer.leeway().as_secs(),
    );
    assert!(cached.is_some(), "the verified token is kept");
    let second = auth
        .authenticate(&headers)
        .await
        .expect("ok")
        .expect("caller");
    assert_eq!(first.0, second.0);
    assert!(
        Arc::ptr_eq(&first.1.0, &second.1.0),
        "the second request reuses the claims"
    );
}
