//! Token input of `rustbe-auth`: access/refresh JWT verification with the real keys, the
//! `Authorization` header, and the auth routes that take a token from the client
//! (`/auth/refresh`, `/auth/logout`, `/users/me`, `/auth/reset-password`'s token hashing).
//!
//! Input: a selector byte, then the rest. Selector % 4:
//! - 0: the rest is a token as sent (`verify_access`, `verify_refresh`, `Authorization:
//!   Bearer …`, the whole header value as sent, `token_hash`);
//! - 1 / 2: the rest is `header JSON \n claims JSON` (or only claims, with an HS256 header),
//!   encoded and signed with the real access (1) or refresh (2) secret, so the claim checks
//!   behind the signature are reached;
//! - 3: as 1 and 2 (the next byte picks the secret), sent through the app: `GET /users/me`
//!   and `POST /auth/logout` with it as the bearer token, `POST /auth/refresh` with it as the
//!   refresh token.
//!
//! Asserts: verification is `Ok` only for a token of the right kind, signed with that kind's
//! secret, with `iss`/`aud` of the app, unexpired and not before its `nbf` (both within the
//! leeway); every refusal is 401 `INVALID_TOKEN` or `TOKEN_EXPIRED`; the routes answer in
//! the envelope, never a panic or a 5xx.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use rustbe_auth::AuthService;
use rustbe_auth::layer::Authenticator;
use rustbe_auth::password::PasswordHasher;
use rustbe_auth::revocation::MemoryRevocationList;
use rustbe_auth::store::{SeaOrmTokenStore, token_hash};
use rustbe_auth::token::{Claims, TokenIssuer, TokenKind};
use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::{Error, ErrorCode};
use rustbe_fuzz::{assert_envelope, send};
use sha2::Sha256;

const APP: &str = "fuzz";

struct Auth {
    runtime: tokio::runtime::Runtime,
    auth_config: rustbe_auth::AuthConfig,
    issuer: TokenIssuer,
    authenticator: Authenticator,
    router: Router,
}

fn auth() -> &'static Auth {
    static AUTH: OnceLock<Auth> = OnceLock::new();
    AUTH.get_or_init(|| {
        rustbe_fuzz::init_logs();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let config = Config::for_tests(APP);
        let auth_config = rustbe_auth::AuthConfig::for_tests(APP);
        let issuer = TokenIssuer::from_config(&auth_config);
        let authenticator =
            Authenticator::new(issuer.clone(), Arc::new(MemoryRevocationList::new()));
        let router = runtime.block_on(async {
            let db = rustbe_core::db::connect(&config.database)
                .await
                .expect("sqlite");
            let tokens = SeaOrmTokenStore::new(db.clone());
            tokens.create_tables().await.expect("tables");
            let hasher = PasswordHasher::builder()
                .memory_kib(1024)
                .passes(1)
                .build()
                .expect("hasher");
            let auth = AuthService::builder(&auth_config, MemoryUserStore::new(), tokens)
                .hasher(hasher)
                .build();
            // A real user with a real session, so forged claims can name them.
            let (user, _) = auth
                .users()
                .create(NewUser {
                    email: "ada@example.com".into(),
                    name: "Ada".into(),
                    password_hash: String::new(),
                })
                .await
                .expect("user");
            auth.start_session(&user).await.expect("session");
            let api = auth.router().layer(auth.layer());
            App::new(config).database(db).api(api).into_router()
        });
        Auth {
            runtime,
            auth_config,
            issuer,
            authenticator,
            router,
        }
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `header.claims.signature`, HS256-signed with `secret`.
fn sign(header: &[u8], claims: &[u8], secret: &str) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{input}.{signature}")
}

fn forge(rest: &[u8], kind: TokenKind) -> String {
    let a = auth();
    let secret = match kind {
        TokenKind::Access => a.auth_config.jwt.secret.expose(),
        TokenKind::Refresh => a.auth_config.jwt.refresh_secret.expose(),
    };
    match rest.iter().position(|&b| b == b'\n') {
        Some(split) => sign(&rest[..split], &rest[split + 1..], secret),
        None => sign(br#"{"alg":"HS256","typ":"JWT"}"#, rest, secret),
    }
}

fn check_refusal(token: &str, err: &Error) {
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED, "{token}: {err:?}");
    assert!(
        matches!(
            err.code(),
            ErrorCode::InvalidToken | ErrorCode::TokenExpired
        ),
        "{token}: {err:?}"
    );
}

fn check_claims(token: &str, claims: &Claims, kind: TokenKind, leeway: u64) {
    let now = now();
    assert_eq!(claims.typ, kind, "{token}");
    assert_eq!(
        (claims.iss.as_str(), claims.aud.as_str()),
        (APP, APP),
        "{token}"
    );
    assert!(
        u128::from(claims.exp) + u128::from(leeway) >= u128::from(now),
        "{token}: expired {claims:?}"
    );
    assert!(
        u128::from(claims.nbf) <= u128::from(now) + u128::from(leeway),
        "{token}: not yet valid {claims:?}"
    );
}

/// Verifies `token` as both kinds; `signed_as` is the secret it was signed with, if known.
fn verify(token: &str, signed_as: Option<TokenKind>) {
    let a = auth();
    let leeway = a.issuer.leeway().as_secs();
    for kind in [TokenKind::Access, TokenKind::Refresh] {
        let outcome = match kind {
            TokenKind::Access => a.issuer.verify_access(token),
            TokenKind::Refresh => a.issuer.verify_refresh(token),
        };
        match outcome {
            Ok(claims) => {
                assert!(
                    signed_as.is_none_or(|s| s == kind),
                    "{token}: verified as {kind:?} with the other secret"
                );
                check_claims(token, &claims, kind, leeway);
            }
            Err(err) => check_refusal(token, &err),
        }
    }
}

fn authenticate(value: HeaderValue) {
    let a = auth();
    let mut headers = HeaderMap::new();
    headers.insert("authorization", value.clone());
    let outcome = a.runtime.block_on(a.authenticator.authenticate(&headers));
    match outcome {
        Ok(None) => {}
        Ok(Some((principal, claims))) => {
            assert_eq!(principal.id(), claims.sub, "{value:?}");
            check_claims(
                &format!("{value:?}"),
                &claims,
                TokenKind::Access,
                a.issuer.leeway().as_secs(),
            );
        }
        Err(err) => check_refusal(&format!("{value:?}"), &err),
    }
}

fn through_app(token: &str) {
    let a = auth();
    let Ok(bearer) = HeaderValue::from_str(&format!("Bearer {token}")) else {
        return;
    };
    let refresh = serde_json::json!({ "refresh_token": token }).to_string();
    let requests = [
        Request::get("/api/users/me")
            .header("authorization", bearer.clone())
            .body(Body::empty()),
        Request::post("/api/auth/logout")
            .header("authorization", bearer)
            .header("content-type", "application/json")
            .body(Body::from(refresh.clone())),
        Request::post("/api/auth/refresh")
            .header("content-type", "application/json")
            .body(Body::from(refresh)),
    ];
    a.runtime.block_on(async {
        for request in requests {
            let request = request.expect("request");
            let what = format!("{} {} with {token}", request.method(), request.uri());
            let (status, json) = send(&a.router, request).await;
            assert_envelope(&what, status, &json);
            assert!(
                matches!(
                    status,
                    StatusCode::OK
                        | StatusCode::NO_CONTENT
                        | StatusCode::BAD_REQUEST
                        | StatusCode::UNAUTHORIZED
                        | StatusCode::NOT_FOUND
                ),
                "{what}: {status} {json}"
            );
        }
    });
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 4 {
        0 => {
            let token = String::from_utf8_lossy(rest);
            verify(&token, None);
            let _ = token_hash(&token);
            if let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}")) {
                authenticate(value);
            }
            if let Ok(value) = HeaderValue::from_bytes(rest) {
                authenticate(value);
            }
        }
        1 => verify(&forge(rest, TokenKind::Access), Some(TokenKind::Access)),
        2 => verify(&forge(rest, TokenKind::Refresh), Some(TokenKind::Refresh)),
        _ => {
            let Some((&kind, rest)) = rest.split_first() else {
                return;
            };
            let kind = if kind % 2 == 0 {
                TokenKind::Access
            } else {
                TokenKind::Refresh
            };
            let token = forge(rest, kind);
            verify(&token, Some(kind));
            through_app(&token);
        }
    }
});
