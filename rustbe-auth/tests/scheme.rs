//! A token scheme other than `Bearer` (`Authorization: Token <jwt>`, as the RealWorld
//! "Conduit" API sends it), and an app's own account routes, through a whole rustbe router.

#![allow(clippy::expect_used, reason = "tests fail loudly")]

use axum::Router;
use axum::routing::{get, post};
use rustbe_auth::AuthService;
use rustbe_auth::layer::{OptionalPrincipal, RequireAuthLayer};
use rustbe_auth::password::{PasswordHasher, PasswordPolicy};
use rustbe_auth::revocation::{MemoryRevocationList, RevocationList, session_key};
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_auth::users::MemoryUserStore;
use rustbe_core::access::Principal;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::testing::{TestDb, TestRequest};
use std::sync::Arc;

struct Setup {
    router: Router,
    auth: AuthService<MemoryUserStore>,
    revocation: Arc<MemoryRevocationList>,
}

async fn setup(scheme: &str) -> Setup {
    let config = Config::for_tests("conduit");
    let db = TestDb::sqlite().await.db;
    let tokens = SeaOrmTokenStore::new(db.clone());
    tokens.create_tables().await.expect("token tables");
    let revocation = Arc::new(MemoryRevocationList::new());
    let fast = PasswordHasher::builder()
        .memory_kib(1024)
        .passes(1)
        .build()
        .expect("params");
    let auth = AuthService::builder(
        &rustbe_auth::AuthConfig::for_tests("conduit"),
        MemoryUserStore::new(),
        tokens,
    )
    .hasher(fast)
    .policy(PasswordPolicy::lengths(8, 64))
    .revocation(revocation.clone())
    .token_scheme(scheme)
    .build();
    let who = |OptionalPrincipal(caller): OptionalPrincipal| async move {
        caller.map_or_else(|| "anonymous".to_owned(), |p| p.id().to_owned())
    };
    let signup = {
        let auth = auth.clone();
        move |body: String| async move {
            let (email, password) = body.split_once(' ').expect("email password");
            let (user, _) = auth.register(email, "Ada", password).await?;
            Ok::<_, rustbe_core::Error>(auth.access_token(&user)?.token)
        }
    };
    let login = {
        let auth = auth.clone();
        move |body: String| async move {
            let (email, password) = body.split_once(' ').expect("email password");
            let (user, _) = auth.check_login(email, password).await?;
            Ok::<_, rustbe_core::Error>(auth.access_token(&user)?.token)
        }
    };
    let private = Router::new()
        .route(
            "/user",
            get(|p: Principal| async move { p.id().to_owned() }),
        )
        .route_layer(RequireAuthLayer::new());
    let api = Router::new()
        .route("/who", get(who))
        .route("/signup", post(signup))
        .route("/login", post(login))
        .merge(private)
        .layer(auth.layer());
    let router = App::new(config)
        .database(db)
        .api(api)
        .openapi(auth.security_openapi())
        .into_router();
    Setup {
        router,
        auth,
        revocation,
    }
}

#[tokio::test]
async fn the_token_scheme_is_read_challenged_and_documented() {
    let Setup {
        router,
        auth,
        revocation,
    } = setup("Token").await;
    let token = TestRequest::post("/api/signup")
        .body("ada@example.com password1")
        .send(&router)
        .await;
    assert_eq!(token.status(), 200, "{:?}", token.body());
    let token = String::from_utf8(token.body().to_vec()).expect("text");
    let with = |value: String| {
        TestRequest::get("/api/user")
            .header("authorization", &value)
            .send(&router)
    };

    let me = with(format!("Token {token}")).await;
    assert_eq!(me.status(), 200);
    let id = String::from_utf8(me.body().to_vec()).expect("text");
    assert_eq!(
        with(format!("token {token}")).await.status(),
        200,
        "case-insensitive"
    );

    // Bearer is not this app's scheme: the request is anonymous, challenged with `Token`.
    let bearer = with(format!("Bearer {token}")).await;
    assert_eq!(bearer.status(), 401);
    assert_eq!(bearer.error_code(), "UNAUTHORIZED");
    assert_eq!(bearer.header("www-authenticate"), Some("Token"));
    let forged = with("Token not.a.jwt".to_owned()).await;
    assert_eq!(forged.error_code(), "INVALID_TOKEN");
    assert_eq!(
        forged.header("www-authenticate"),
        Some(r#"Token error="invalid_token""#)
    );

    // Optional authentication: no token is anonymous, a refused token is a 401.
    let who = |value: Option<String>| {
        let mut request = TestRequest::get("/api/who");
        if let Some(value) = value {
            request = request.header("authorization", &value);
        }
        request.send(&router)
    };
    assert_eq!(who(None).await.body(), b"anonymous");
    assert_eq!(
        who(Some(format!("Token {token}"))).await.body(),
        id.as_bytes()
    );
    let refused = who(Some("Token forged".into())).await;
    assert_eq!(
        (refused.status().as_u16(), refused.error_code()),
        (401, "INVALID_TOKEN".into())
    );
    assert_eq!(
        who(Some(format!("Bearer {token}"))).await.body(),
        b"anonymous"
    );

    // Revocation works for a token without a refresh token.
    let claims = auth.issuer().verify_access(&token).expect("valid");
    revocation
        .revoke(&session_key(&claims.sid), claims.exp)
        .await
        .expect("revoked");
    assert_eq!(with(format!("Token {token}")).await.status(), 401);
    assert_eq!(who(Some(format!("Token {token}"))).await.status(), 401);

    let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    let scheme = &doc["components"]["securitySchemes"]["bearer_auth"];
    assert_eq!(scheme["type"], "apiKey");
    assert_eq!(
        (scheme["in"].as_str(), scheme["name"].as_str()),
        (Some("header"), Some("Authorization"))
    );
}

#[tokio::test]
async fn bearer_stays_the_default() {
    let Setup { router, auth, .. } = setup("Bearer").await;
    let (user, _) = auth
        .register("ada@example.com", "Ada", "password1")
        .await
        .expect("registered");
    let token = auth.access_token(&user).expect("token").token;
    let me = TestRequest::get("/api/user")
        .bearer(&token)
        .send(&router)
        .await;
    assert_eq!(me.status(), 200);
    let anonymous = TestRequest::get("/api/user").send(&router).await;
    assert_eq!(anonymous.header("www-authenticate"), Some("Bearer"));
    let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer_auth"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn an_apps_own_login_checks_like_the_auth_router() {
    let Setup { router, .. } = setup("Token").await;
    let signup = |body: &str| {
        TestRequest::post("/api/signup")
            .body(body.to_owned())
            .send(&router)
    };
    assert_eq!(signup("ada@example.com password1").await.status(), 200);
    let taken = signup("ADA@example.com password1").await;
    assert_eq!(taken.status(), 409, "emails are compared lower-cased");
    let weak = signup("bob@example.com short").await;
    assert_eq!(weak.status(), 400);
    assert_eq!(weak.json()["error"]["details"][0]["field"], "password");

    let login = |body: &str| {
        TestRequest::post("/api/login")
            .body(body.to_owned())
            .send(&router)
    };
    let ok = login("Ada@Example.com password1").await;
    assert_eq!(ok.status(), 200);
    let wrong = login("ada@example.com password2").await;
    let unknown = login("bob@example.com password1").await;
    assert_eq!(
        (wrong.status().as_u16(), wrong.error_code()),
        (401, "INVALID_CREDENTIALS".into())
    );
    let (wrong, unknown) = (wrong.json(), unknown.json());
    assert_eq!(
        wrong["error"]["message"], unknown["error"]["message"],
        "the same answer"
    );
    assert_eq!(wrong["error"]["code"], unknown["error"]["code"]);
}
