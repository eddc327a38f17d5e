//! The auth router: register, login, refresh, logout, forgot and reset password, me, change
//! password; generic over the app's [`UserStore`].

mod account;
mod bootstrap;
mod dto;
mod handlers;
mod openapi;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post, put};
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::config::Config;
use rustbe_core::rate_limit::{KeyBy, RateLimitLayer, RateLimitRule, RateLimiter};

pub use bootstrap::{ADMIN_ROLE, AdminBootstrap};
pub use dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, Session, TokenPair,
};

use crate::layer::{AuthLayer, Authenticator, RequireAuthLayer};
use crate::mail::{LogMailer, Mailer};
use crate::password::{PasswordHasher, PasswordPolicy};
use crate::revocation::{MemoryRevocationList, RestoringRevocationList, RevocationList};
use crate::store::{RefreshRecord, RefreshTokenStore, ResetTokenStore, token_hash};
use crate::token::TokenIssuer;
use crate::users::{Credentials, UserStore};

/// Everything authentication needs, shared by the router, the layer and the app. Cheap to
/// clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::{router::AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
/// use rustbe_core::{app::App, config::Config};
///
/// let config = Config::for_tests("shop");
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let tokens = SeaOrmTokenStore::new(db.clone());
/// tokens.create_tables().await.unwrap();
/// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).build();
/// let app = App::new(config).database(db).api(auth.router()).openapi(auth.openapi()).into_router();
/// # });
/// ```
pub struct AuthService<U> {
    inner: Arc<Inner<U>>,
}

impl<U> Clone for AuthService<U> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<U> std::fmt::Debug for AuthService<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService")
            .field("issuer", &self.inner.issuer)
            .finish_non_exhaustive()
    }
}

struct Inner<U> {
    users: U,
    hasher: PasswordHasher,
    policy: PasswordPolicy,
    issuer: TokenIssuer,
    authenticator: Authenticator,
    revocation: Arc<dyn RevocationList>,
    refresh: Arc<dyn RefreshTokenStore>,
    resets: Arc<dyn ResetTokenStore>,
    mailer: Arc<dyn Mailer>,
    app_url: String,
    reset_ttl: Duration,
    rate_limit: Option<RateLimitLayer>,
    account_limit: Option<(Arc<dyn RateLimiter>, rustbe_core::config::Rate)>,
}

/// Builds an [`AuthService`]; every part has a default but the users and the token store.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
/// # let config = rustbe_core::config::Config::for_tests("shop");
/// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
/// # tokens.create_tables().await.unwrap();
/// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
/// use std::{sync::Arc, time::Duration};
/// use rustbe_auth::{mail::MemoryMailer, password::PasswordPolicy, revocation::MemoryRevocationList};
///
/// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens)
///     .hasher(fast)
///     .policy(PasswordPolicy::default().specials(Some("!@#$%^&*+-_")))
///     .revocation(Arc::new(MemoryRevocationList::new()))
///     .mailer(Arc::new(MemoryMailer::new()))
///     .reset_ttl(Duration::from_secs(15 * 60))
///     .build();
/// assert!(format!("{:?}", auth.hasher()).contains("memory_kib: 1024"));
/// # });
/// ```
#[must_use]
pub struct AuthServiceBuilder<U> {
    users: U,
    refresh: Arc<dyn RefreshTokenStore>,
    resets: Arc<dyn ResetTokenStore>,
    issuer: TokenIssuer,
    hasher: Option<PasswordHasher>,
    policy: PasswordPolicy,
    revocation: Option<Arc<dyn RevocationList>>,
    mailer: Option<Arc<dyn Mailer>>,
    app_url: String,
    reset_ttl: Duration,
    rate_limit: Option<RateLimitLayer>,
    account_limit: Option<(Arc<dyn RateLimiter>, rustbe_core::config::Rate)>,
    scheme: String,
}

impl<U: UserStore> AuthServiceBuilder<U> {
    /// The scheme of `Authorization: <scheme> <token>` (default `Bearer`), honoured by
    /// [`AuthService::layer`], the `WWW-Authenticate` challenge of its 401s and
    /// [`AuthService::security_scheme`]. The RealWorld "Conduit" API sends `Token <jwt>`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::{MemoryUserStore, NewUser, UserStore}};
    /// # let config = rustbe_core::config::Config::for_tests("conduit");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{access::Principal, testing::TestRequest};
    ///
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).token_scheme("Token").build();
    /// # let (user, _) = auth.users().create(NewUser { email: "a@b.co".into(), name: "A".into(), password_hash: String::new() }).await.unwrap();
    /// let token = auth.access_token(&user).unwrap().token;
    /// let me = Router::new().route("/user", get(|p: Principal| async move { p.id().to_owned() })).layer(auth.layer());
    /// let ok = TestRequest::get("/user").header("authorization", &format!("Token {token}")).send(&me).await;
    /// assert_eq!(ok.body(), user.id.as_bytes());
    /// let anonymous = TestRequest::get("/user").send(&me).await;
    /// assert_eq!((anonymous.status().as_u16(), anonymous.header("www-authenticate")), (401, Some("Token")));
    /// # });
    /// ```
    pub fn token_scheme(mut self, scheme: &str) -> Self {
        scheme.clone_into(&mut self.scheme);
        self
    }

    /// The password hasher (default: [`PasswordHasher::new`]).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// let hash = auth.hasher().hash("Correct1!horse").await.unwrap();
    /// assert!(hash.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
    /// # });
    /// ```
    pub fn hasher(mut self, hasher: PasswordHasher) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// The password policy (default: the shop's rules).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_auth::password::PasswordPolicy;
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens)
    ///     .hasher(fast)
    ///     .policy(PasswordPolicy::lengths(12, 64))
    ///     .build();
    /// let body = serde_json::json!({"email": "ada@example.com", "password": "all lower case words", "name": "Ada"});
    /// assert_eq!(TestRequest::post("/auth/register").json(&body).send(&auth.router()).await.status(), 201);
    /// # });
    /// ```
    pub fn policy(mut self, policy: PasswordPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The revocation list (default: in memory; use Redis when several instances run).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use std::sync::Arc;
    /// use rustbe_auth::revocation::{MemoryRevocationList, RevocationList};
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let list = Arc::new(MemoryRevocationList::new());
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).revocation(list.clone()).build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// let pair = auth.start_session(&user).await.unwrap();
    /// let logout = TestRequest::post("/auth/logout").bearer(&pair.access_token).send(&auth.router()).await;
    /// assert_eq!(logout.status(), 204);
    /// let jti = auth.issuer().verify_access(&pair.access_token).unwrap().jti;
    /// assert!(list.is_revoked(&rustbe_auth::revocation::access_token_key(&jti)).await.unwrap());
    /// # });
    /// ```
    pub fn revocation(mut self, list: Arc<dyn RevocationList>) -> Self {
        self.revocation = Some(list);
        self
    }

    /// The mailer (default: a [`LogMailer`] that does not log bodies).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use std::sync::Arc;
    /// use rustbe_auth::mail::MemoryMailer;
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let mailer = MemoryMailer::new();
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).mailer(Arc::new(mailer.clone())).build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// let body = serde_json::json!({"email": "ada@example.com"});
    /// let r = TestRequest::post("/auth/forgot-password").json(&body).send(&auth.router()).await;
    /// assert_eq!(r.status(), 202);
    /// # for _ in 0..500 { if !mailer.sent().is_empty() { break } tokio::time::sleep(std::time::Duration::from_millis(10)).await; }
    /// assert_eq!((mailer.sent()[0].to.as_str(), mailer.sent()[0].subject.as_str()), ("ada@example.com", "Reset your password"));
    /// # });
    /// ```
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// How long a reset link works (default 1 h).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # use std::sync::Arc;
    /// # let mailer = rustbe_auth::mail::MemoryMailer::new();
    /// # use rustbe_core::testing::TestRequest;
    /// use std::time::Duration;
    ///
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens)
    ///     .hasher(fast)
    ///     .reset_ttl(Duration::from_secs(15 * 60))
    ///     .mailer(Arc::new(mailer.clone())) // a MemoryMailer
    ///     .build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// let body = serde_json::json!({"email": "ada@example.com"});
    /// TestRequest::post("/auth/forgot-password").json(&body).send(&auth.router()).await;
    /// # for _ in 0..500 { if !mailer.sent().is_empty() { break } tokio::time::sleep(std::time::Duration::from_millis(10)).await; }
    /// assert!(mailer.sent()[0].body.contains("expires in 15 minutes"));
    /// # });
    /// ```
    pub fn reset_ttl(mut self, ttl: Duration) -> Self {
        self.reset_ttl = ttl;
        self
    }

    /// The strict limit of register, login, forgot-password and reset-password
    /// (`RATE_LIMIT_AUTH` per client), counted in `limiter` under the rule name `auth`; none
    /// when `config.rate_limits` is off (`RATE_LIMITS=off`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # use rustbe_core::testing::TestRequest;
    /// # let mut config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_core::rate_limit::MemoryRateLimiter;
    /// config.rate_limit_auth = "2/15m".parse().unwrap();
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens)
    ///     .hasher(fast)
    ///     .rate_limit(&config, Arc::new(MemoryRateLimiter::new()))
    ///     .build();
    /// let router = auth.router();
    /// let body = serde_json::json!({"email": "a@b.co", "password": "nope"});
    /// for expected in [401, 401, 429] {
    ///     assert_eq!(TestRequest::post("/auth/login").json(&body).send(&router).await.status(), expected);
    /// }
    /// # });
    /// ```
    pub fn rate_limit(mut self, config: &Config, limiter: Arc<dyn RateLimiter>) -> Self {
        if !config.rate_limits {
            self.rate_limit = None;
            self.account_limit = None;
            return self;
        }
        // Per account too: an attacker with many addresses still gets RATE_LIMIT_ACCOUNT
        // guesses at one account's password (or reset mails to one inbox).
        self.account_limit = Some((limiter.clone(), config.rate_limit_account));
        let rule = RateLimitRule::new(
            "auth",
            config.rate_limit_auth,
            KeyBy::ClientIp {
                trust_proxy: config.trust_proxy,
            },
        );
        self.rate_limit = Some(RateLimitLayer::new(limiter, rule));
        self
    }

    /// The service.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// // Defaults: the OWASP hasher, an in-memory revocation list, a log mailer, 1 h reset links.
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).build();
    /// assert!(format!("{:?}", auth.hasher()).contains("memory_kib: 19456, passes: 2"));
    /// # });
    /// ```
    pub fn build(self) -> AuthService<U> {
        let list = self
            .revocation
            .unwrap_or_else(|| Arc::new(MemoryRevocationList::new()));
        // Sessions ended before a restart stay ended, whatever the list forgot.
        let window = self.issuer.access_ttl().as_secs() + self.issuer.leeway().as_secs();
        let revocation: Arc<dyn RevocationList> = Arc::new(RestoringRevocationList::new(
            list,
            self.refresh.clone(),
            window,
        ));
        AuthService {
            inner: Arc::new(Inner {
                users: self.users,
                hasher: self.hasher.unwrap_or_default(),
                policy: self.policy,
                authenticator: Authenticator::with_scheme(
                    self.issuer.clone(),
                    revocation.clone(),
                    &self.scheme,
                ),
                issuer: self.issuer,
                revocation,
                refresh: self.refresh,
                resets: self.resets,
                mailer: self
                    .mailer
                    .unwrap_or_else(|| Arc::new(LogMailer::new(false))),
                app_url: self.app_url,
                reset_ttl: self.reset_ttl,
                rate_limit: self.rate_limit,
                account_limit: self.account_limit,
            }),
        }
    }
}

impl<U: UserStore> AuthService<U> {
    /// A builder from the app's configuration (JWT secrets and lifetimes, `APP_URL`), its
    /// users and a store of refresh and reset tokens.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::password::PasswordHasher;
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// use rustbe_core::config::Config;
    ///
    /// let config = Config::for_tests("shop");
    /// let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// tokens.create_tables().await.unwrap();
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// assert_eq!(auth.issuer().access_ttl(), config.jwt.access_ttl);
    /// assert_eq!(auth.issuer().issue_refresh("7", "s1").unwrap().claims.iss, "shop");
    /// # });
    /// ```
    pub fn builder<T>(config: &Config, users: U, tokens: T) -> AuthServiceBuilder<U>
    where
        T: RefreshTokenStore + ResetTokenStore + Clone,
    {
        AuthServiceBuilder {
            users,
            refresh: Arc::new(tokens.clone()),
            resets: Arc::new(tokens),
            issuer: TokenIssuer::from_config(config),
            hasher: None,
            policy: PasswordPolicy::default(),
            revocation: None,
            mailer: None,
            app_url: config.app_url.clone(),
            reset_ttl: Duration::from_secs(3600),
            rate_limit: None,
            account_limit: None,
            scheme: crate::layer::BEARER.to_owned(),
        }
    }

    /// The layer that authenticates bearer tokens, for the app's other routes.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// use axum::{Router, routing::get};
    /// use rustbe_core::{access::Principal, testing::TestRequest};
    ///
    /// let orders = Router::new()
    ///     .route("/orders", get(|p: Principal| async move { format!("orders of {}", p.id()) }))
    ///     .layer(auth.layer());
    /// let pair = auth.start_session(&user).await.unwrap();
    /// let r = TestRequest::get("/orders").bearer(&pair.access_token).send(&orders).await;
    /// assert_eq!(r.body(), format!("orders of {}", user.id).as_bytes());
    /// # });
    /// ```
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.inner.authenticator.clone())
    }

    /// The token issuer.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// let pair = auth.start_session(&user).await.unwrap();
    /// let claims = auth.issuer().verify_access(&pair.access_token).unwrap();
    /// assert_eq!(claims.sub, user.id);
    /// assert_eq!(claims.roles, ["customer"]);
    /// # });
    /// ```
    #[must_use]
    pub fn issuer(&self) -> &TokenIssuer {
        &self.inner.issuer
    }

    /// The password hasher, for instance to seed an administrator.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// use rustbe_auth::users::{NewUser, UserStore};
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let password_hash = auth.hasher().hash("Admin1!pass").await.unwrap();
    /// let new = NewUser { email: "admin@shop.example".into(), name: "Admin".into(), password_hash };
    /// let (admin, _) = auth.users().create(new).await.unwrap();
    /// auth.users().set_role(&admin.id, "admin");
    /// let login = serde_json::json!({"email": "admin@shop.example", "password": "Admin1!pass"});
    /// let r = TestRequest::post("/auth/login").json(&login).send(&auth.router()).await;
    /// assert_eq!(r.json()["data"]["user"]["role"], "admin");
    /// # });
    /// ```
    #[must_use]
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// The user store.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// use rustbe_auth::users::UserStore;
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let body = serde_json::json!({"email": " Ada@Example.com", "password": "Correct1!horse", "name": "Ada"});
    /// let r = TestRequest::post("/auth/register").json(&body).send(&auth.router()).await;
    /// let id = r.json()["data"]["user"]["id"].as_str().unwrap().to_owned();
    /// let ada = auth.users().profile(&id).await.unwrap().unwrap();
    /// assert_eq!(ada.email, "ada@example.com", "stored trimmed and lower-cased");
    /// # });
    /// ```
    #[must_use]
    pub fn users(&self) -> &U {
        &self.inner.users
    }

    /// The routes, relative to `/api`: `/auth/*`, `/users/me`, `/users/me/password`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
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

    /// Counts one login or reset request for `email` under `RATE_LIMIT_ACCOUNT`: 429
    /// `RATE_LIMITED` with `Retry-After` past the limit. The key is a hash of the email, so the
    /// limiter's store holds no addresses; unknown emails are counted alike (the answer says
    /// nothing about whether the account exists).
    pub(crate) async fn count_account_attempt(&self, email: &str) -> Result<(), Error> {
        let Some((limiter, rate)) = &self.inner.account_limit else {
            return Ok(());
        };
        let key = format!("auth-account:{}", token_hash(email));
        let decision = match limiter.check_local(&key, *rate) {
            Some(decision) => decision,
            None => match limiter.check(&key, *rate).await {
                Ok(decision) => decision,
                // A limiter that cannot answer degrades to the per-address limit, as the
                // layer does; it never turns a login into a 500.
                Err(err) => {
                    tracing::warn!(error = %err, "per-account rate limit unavailable");
                    return Ok(());
                }
            },
        };
        if decision.allowed {
            Ok(())
        } else {
            Err(Error::rate_limited(decision.retry_after)
                .with_message("Too many attempts for this account; try again later"))
        }
    }

    /// Ends every session of `user_id` at once (an account deleted or locked by an admin):
    /// refresh tokens can no longer be spent and access tokens are refused.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::{MemoryUserStore, NewUser, UserStore}};
    /// # use rustbe_core::testing::TestRequest;
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).build();
    /// # let (user, _) = auth.users().create(NewUser { email: "a@b.co".into(), name: "A".into(), password_hash: String::new() }).await.unwrap();
    /// let pair = auth.start_session(&user).await.unwrap();
    /// auth.revoke_all_sessions(&user.id).await.unwrap();
    /// let me = TestRequest::get("/users/me").bearer(&pair.access_token).send(&auth.router()).await;
    /// assert_eq!(me.status(), 401);
    /// # });
    /// ```
    pub async fn revoke_all_sessions(&self, user_id: &str) -> Result<(), Error> {
        let sessions = self.inner.refresh.revoke_user(user_id, None).await?;
        self.refuse_access_tokens(&sessions).await
    }

    /// Ends sessions at once: their refresh tokens can no longer be spent, and every access
    /// token they issued is refused (the session stays on the revocation list for one access
    /// token lifetime plus the leeway).
    pub(crate) async fn end_sessions(&self, families: &[String]) -> Result<(), Error> {
        for family in families {
            self.inner.refresh.revoke_family(family).await?;
        }
        self.refuse_access_tokens(families).await
    }

    /// Puts sessions already revoked in the token store on the revocation list, so their
    /// access tokens are refused too.
    pub(crate) async fn refuse_access_tokens(&self, families: &[String]) -> Result<(), Error> {
        let inner = &self.inner;
        let until = crate::token::now_secs()
            + inner.issuer.access_ttl().as_secs()
            + inner.issuer.leeway().as_secs();
        for family in families {
            let key = crate::revocation::session_key(family);
            inner.revocation.revoke(&key, until).await?;
        }
        Ok(())
    }

    /// Starts a session for `user`: a new refresh-token family and a token pair.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
    /// # use rustbe_auth::users::{NewUser, UserStore};
    /// # let (user, _) = auth.users().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: String::new() }).await.unwrap();
    /// use rustbe_core::testing::TestRequest;
    ///
    /// let pair = auth.start_session(&user).await.unwrap();
    /// assert_eq!((pair.token_type, pair.expires_in), ("Bearer", 900));
    /// let body = serde_json::json!({"refresh_token": pair.refresh_token});
    /// let next = TestRequest::post("/auth/refresh").json(&body).send(&auth.router()).await;
    /// assert_eq!(next.status(), 200);
    /// # });
    /// ```
    pub async fn start_session(&self, user: &Credentials) -> Result<TokenPair, Error> {
        self.issue_pair(user, &uuid::Uuid::new_v4().simple().to_string())
            .await
    }

    async fn issue_pair(&self, user: &Credentials, family: &str) -> Result<TokenPair, Error> {
        let principal = Principal::new(user.id.clone(), user.roles.iter().cloned());
        let access = self.inner.issuer.issue_access(&principal, family)?;
        let refresh = self.inner.issuer.issue_refresh(&user.id, family)?;
        self.inner
            .refresh
            .insert(RefreshRecord {
                token_hash: token_hash(&refresh.token),
                user_id: user.id.clone(),
                family: family.to_owned(),
                expires_at: refresh.claims.exp,
            })
            .await?;
        Ok(TokenPair {
            access_token: access.token,
            refresh_token: refresh.token,
            token_type: "Bearer",
            expires_in: self.inner.issuer.access_ttl().as_secs(),
        })
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
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// let bearer = AuthService::builder(&config, MemoryUserStore::new(), tokens.clone()).build();
    /// let json = serde_json::to_value(bearer.security_scheme()).unwrap();
    /// assert_eq!((json["type"].as_str(), json["scheme"].as_str()), (Some("http"), Some("bearer")));
    /// let token = AuthService::builder(&config, MemoryUserStore::new(), tokens).token_scheme("Token").build();
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
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).token_scheme("Token").build();
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
