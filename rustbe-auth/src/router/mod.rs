//! The auth router: register, login, refresh, logout, forgot and reset password, me, change
//! password; generic over the app's [`UserStore`].

pub(crate) mod account;
mod bootstrap;
mod dto;
mod handlers;
mod openapi;

use axum::Router;
use axum::routing::{get, post, put};

/// Where they were before `service` had a module of its own.
pub use crate::service::{AuthService, AuthServiceBuilder};
pub use bootstrap::{ADMIN_ROLE, AdminBootstrap};
pub use dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, Session, TokenPair,
};

use crate::layer::RequireAuthLayer;
use crate::users::UserStore;

impl<U: UserStore> AuthService<U> {
    /// The routes, relative to `/api`: `/auth/*`, `/users/me`, `/users/me/password`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let router = auth.router();
    /// let body = serde_json::json!({"email": "ada@example.com", "password": "Correct1!horse", "name": "Ada"});
    /// assert_eq!(TestRequest::post("/auth/register").json(&body).send(&router).await.status(), 201);
    /// let login = TestRequest::post("/auth/login").json(&body).send(&router).await;
    /// let token = login.json()["data"]["access_token"].as_str().unwrap().to_owned();
    /// let me = TestRequest::get("/users/me").bearer(&token).send(&router).await;
    /// assert_eq!(me.json()["data"]["email"], "ada@example.com");
    /// assert_eq!(TestRequest::get("/users/me").send(&router).await.status(), 401);
    /// # });
    /// ```
    pub fn router(&self) -> Router {
        let private = Router::new()
            .route("/auth/logout", post(handlers::logout::<U>))
            .route("/users/me", get(handlers::me::<U>))
            .route("/users/me/password", put(handlers::change_password::<U>))
            .route_layer(RequireAuthLayer::new())
            .route_layer(self.layer());
        let mut strict = Router::new()
            .route("/auth/register", post(handlers::register::<U>))
            .route("/auth/login", post(handlers::login::<U>))
            .route(
                "/auth/forgot-password",
                post(handlers::forgot_password::<U>),
            )
            .route("/auth/reset-password", post(handlers::reset_password::<U>));
        if let Some(limit) = &self.inner.rate_limit {
            strict = strict.route_layer(limit.clone());
        }
        // Every answer here carries a token or the caller's own data: never stored by a cache.
        Router::new()
            .route("/auth/refresh", post(handlers::refresh::<U>))
            .merge(strict)
            .merge(private)
            .layer(axum::middleware::map_response(no_store))
            .with_state(self.clone())
    }
}

/// Marks a response `Cache-Control: no-store`: for answers that carry a token or personal
/// data, which no browser or shared cache may keep. Use it on an app's own account routes with
/// `axum::middleware::map_response`.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use axum::{Router, middleware::map_response, routing::get};
/// use rustbe_core::testing::TestRequest;
///
/// let private = Router::new().route("/me", get(|| async { "Ada" })).layer(map_response(rustbe_auth::router::no_store));
/// assert_eq!(TestRequest::get("/me").send(&private).await.header("cache-control"), Some("no-store"));
/// # });
/// ```
pub async fn no_store(mut response: axum::response::Response) -> axum::response::Response {
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    response
}

impl<U> AuthService<U>
where
    U: UserStore,
    U::User: utoipa::ToSchema,
{
    /// The OpenAPI document of [`AuthService::router`] (paths as served under `/api`), to merge
    /// with `App::openapi`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// let doc = auth.openapi();
    /// assert!(doc.paths.paths.contains_key("/api/auth/login"));
    /// assert!(doc.paths.paths.contains_key("/api/users/me/password"));
    /// # });
    /// ```
    #[must_use]
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        let mut doc = openapi::document::<U::User>();
        doc.merge(self.security_openapi());
        doc
    }
}

impl<U: UserStore> AuthService<U> {
    /// How a client sends its token, for the OpenAPI document: an HTTP `bearer` scheme (JWT)
    /// by default; with another [`token_scheme`](AuthServiceBuilder::token_scheme), an
    /// `apiKey` in the `Authorization` header whose description names the format
    /// (`Token <jwt>`), since OpenAPI's `http` schemes are the IANA-registered ones only.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("conduit");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// let bearer = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("conduit"), MemoryUserStore::new(), tokens.clone()).build();
    /// let json = serde_json::to_value(bearer.security_scheme()).unwrap();
    /// assert_eq!((json["type"].as_str(), json["scheme"].as_str()), (Some("http"), Some("bearer")));
    /// let token = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("conduit"), MemoryUserStore::new(), tokens).token_scheme("Token").build();
    /// let json = serde_json::to_value(token.security_scheme()).unwrap();
    /// assert_eq!((json["type"].as_str(), json["in"].as_str(), json["name"].as_str()), (Some("apiKey"), Some("header"), Some("Authorization")));
    /// assert!(json["description"].as_str().unwrap().contains("Token <jwt>"));
    /// # });
    /// ```
    #[must_use]
    pub fn security_scheme(&self) -> utoipa::openapi::security::SecurityScheme {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let scheme = self.inner.authenticator.scheme();
        if scheme.eq_ignore_ascii_case(crate::layer::BEARER) {
            return SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            );
        }
        let description = format!("`Authorization: {scheme} <jwt>`");
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "Authorization",
            &description,
        )))
    }

    /// A document holding only [`AuthService::security_scheme`], under
    /// [`BEARER_SCHEME`](rustbe_core::app::BEARER_SCHEME) (the name every secured operation
    /// of rustbe lists), for an app that serves its own account routes instead of
    /// [`AuthService::router`]: `App::openapi` lets it replace the default bearer scheme.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("conduit");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// use rustbe_core::{app::App, testing::TestRequest};
    ///
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("conduit"), MemoryUserStore::new(), tokens).token_scheme("Token").build();
    /// let router = App::new(config).openapi(auth.security_openapi()).into_router();
    /// let doc = TestRequest::get("/openapi.json").send(&router).await.json();
    /// assert_eq!(doc["components"]["securitySchemes"]["bearer_auth"]["type"], "apiKey");
    /// # });
    /// ```
    #[must_use]
    pub fn security_openapi(&self) -> utoipa::openapi::OpenApi {
        let components = utoipa::openapi::ComponentsBuilder::new()
            .security_scheme(rustbe_core::app::BEARER_SCHEME, self.security_scheme())
            .build();
        utoipa::openapi::OpenApiBuilder::new()
            .components(Some(components))
            .build()
    }
}
