//! A test app: rustbe's stack, the auth router over in-memory users and SeaORM token tables.
#![allow(
    dead_code,
    clippy::expect_used,
    reason = "shared by several test files; tests fail loudly"
)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use rustbe_auth::AuthService;
use rustbe_auth::layer::RequireRoleLayer;
use rustbe_auth::mail::MemoryMailer;
use rustbe_auth::password::PasswordHasher;
use rustbe_auth::revocation::RevocationList;
use rustbe_auth::store::SeaOrmTokenStore;
use rustbe_auth::users::MemoryUserStore;
use rustbe_core::access::Principal;
use rustbe_core::app::App;
use rustbe_core::config::Config;
use rustbe_core::response::Single;
use rustbe_core::testing::{TestDb, TestRequest, TestResponse};
use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "Correct1!horse";

pub(crate) struct TestApp {
    pub(crate) router: Router,
    pub(crate) auth: AuthService<MemoryUserStore>,
    pub(crate) mailer: MemoryMailer,
    pub(crate) config: Config,
    pub(crate) auth_config: rustbe_auth::AuthConfig,
    pub(crate) db: TestDb,
}

/// Cheap argon2 parameters: the tests check behaviour, not cost.
pub(crate) fn fast_hasher() -> PasswordHasher {
    PasswordHasher::builder()
        .memory_kib(1024)
        .passes(1)
        .build()
        .expect("valid params")
}

#[derive(Default)]
pub(crate) struct Options {
    pub(crate) db: Option<TestDb>,
    pub(crate) revocation: Option<Arc<dyn RevocationList>>,
    pub(crate) reset_ttl: Option<Duration>,
}

pub(crate) async fn app() -> TestApp {
    app_with(Options::default()).await
}

pub(crate) async fn app_with(options: Options) -> TestApp {
    let config = Config::for_tests("shop");
    let mut auth_config = rustbe_auth::AuthConfig::for_tests("shop");
    auth_config.app_url = "https://shop.example".into();
    let db = match options.db {
        Some(db) => db,
        None => TestDb::sqlite().await,
    };
    let tokens = SeaOrmTokenStore::new(db.db.clone());
    tokens.create_tables().await.expect("auth tables");
    let mailer = MemoryMailer::new();
    let mut builder = AuthService::builder(&auth_config, MemoryUserStore::new(), tokens)
        .hasher(fast_hasher())
        .mailer(Arc::new(mailer.clone()));
    if let Some(list) = options.revocation {
        builder = builder.revocation(list);
    }
    if let Some(ttl) = options.reset_ttl {
        builder = builder.reset_ttl(ttl);
    }
    let auth = builder.build();
    let admin_only = Router::new()
        .route(
            "/admin/stats",
            get(|p: Principal| async move { Single(p.id().to_owned()) }),
        )
        .route_layer(RequireRoleLayer::new(["admin"]));
    let public = Router::new().route(
        "/public",
        get(|p: Option<Principal>| async move { Single(p.map(|p| p.id().to_owned())) }),
    );
    let api = auth
        .router()
        .merge(admin_only)
        .merge(public)
        .layer(auth.layer());
    let router = App::new(config.clone())
        .database(db.db.clone())
        .api(api)
        .openapi(auth.openapi())
        .into_router();
    TestApp {
        router,
        auth,
        mailer,
        config,
        auth_config,
        db,
    }
}

impl TestApp {
    pub(crate) async fn post(&self, path: &str, body: Value) -> TestResponse {
        TestRequest::post(path).json(&body).send(&self.router).await
    }

    pub(crate) async fn get_with(&self, path: &str, token: &str) -> TestResponse {
        TestRequest::get(path)
            .bearer(token)
            .send(&self.router)
            .await
    }

    /// Registers `email` and returns (user id, access token, refresh token).
    pub(crate) async fn register(&self, email: &str) -> (String, String, String) {
        let r = self
            .post(
                "/api/auth/register",
                json!({"email": email, "password": PASSWORD, "name": "Test User"}),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.json());
        tokens(&r)
    }

    pub(crate) async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub(crate) async fn refresh(&self, refresh_token: &str) -> TestResponse {
        self.post("/api/auth/refresh", json!({"refresh_token": refresh_token}))
            .await
    }
}

/// (user id, access token, refresh token) of a session answer.
pub(crate) fn tokens(r: &TestResponse) -> (String, String, String) {
    let data = &r.json()["data"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    (
        text(&data["user"]["id"]),
        text(&data["access_token"]),
        text(&data["refresh_token"]),
    )
}

/// The error envelope's invariants and code.
pub(crate) fn assert_error(r: &TestResponse, status: u16, code: &str) {
    assert_eq!(r.status().as_u16(), status, "{}", r.json());
    assert_eq!(r.error_code(), code, "{}", r.json());
    assert_eq!(r.json()["success"], false);
}
