//! [`AuthServiceBuilder`]: an [`AuthService`] from the auth configuration, its users and token
//! store, with every other part defaulted (hasher, policy, revocation, mail, limits, scheme).

use std::sync::Arc;
use std::time::Duration;

use rustbe_core::app::Shared;
use rustbe_core::config::{Config, Rate};
use rustbe_core::rate_limit::{KeyBy, RateLimitLayer, RateLimitRule, RateLimiter};

use super::{AuthService, Inner};
use crate::config::AuthConfig;
use crate::layer::Authenticator;
use crate::mail::{LogMailer, Mailer};
use crate::password::{PasswordHasher, PasswordPolicy};
use crate::revocation::{MemoryRevocationList, RestoringRevocationList, RevocationList};
use crate::store::{RefreshTokenStore, ResetTokenStore};
use crate::token::TokenIssuer;
use crate::users::UserStore;

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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// assert_eq!(auth.issuer().access_ttl(), rustbe_auth::AuthConfig::for_tests("shop").jwt.access_ttl);
    /// assert_eq!(auth.issuer().issue_refresh("7", "s1").unwrap().claims.iss, "shop");
    /// # });
    /// ```
    pub fn builder<T>(config: &AuthConfig, users: U, tokens: T) -> AuthServiceBuilder<U>
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
            limits: (config.rate_limit_auth, config.rate_limit_account),
            scheme: crate::layer::BEARER.to_owned(),
        }
    }
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
/// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens)
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
    account_limit: Option<(Arc<dyn RateLimiter>, Rate)>,
    /// `RATE_LIMIT_AUTH` and `RATE_LIMIT_ACCOUNT`, applied by [`Self::rate_limit`].
    limits: (Rate, Rate),
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("conduit"), MemoryUserStore::new(), tokens).token_scheme("Token").build();
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens)
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).revocation(list.clone()).build();
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).mailer(Arc::new(mailer.clone())).build();
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens)
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

    /// Keeps the revocation list and the auth limits where `shared` keeps the app's state:
    /// with Redis (`REDIS_URL`), a `RedisRevocationList` (so a logout holds on every
    /// instance) and [`rate_limit`](Self::rate_limit) counting in Redis; otherwise both in
    /// this process. `config` is the one `shared` was made from (`RATE_LIMITS`,
    /// `TRUST_PROXY`, the key prefix).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthConfig, AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_core::{app::{App, Shared}, config::Config};
    /// let config = Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// let shared = Shared::connect(&config).await.unwrap(); // Redis with REDIS_URL
    /// let auth = AuthService::builder(&AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens)
    ///     .hasher(fast)
    ///     .shared(&config, &shared)
    ///     .build();
    /// let app = App::new(config).shared(&shared).api(auth.router().layer(auth.layer()));
    /// # });
    /// ```
    pub fn shared(mut self, config: &Config, shared: &Shared) -> Self {
        #[cfg(feature = "redis")]
        if let Some(client) = shared.redis() {
            let list =
                crate::revocation::RedisRevocationList::new(client.clone(), &config.app_name);
            self = self.revocation(Arc::new(list));
        }
        // Without the feature the list stays in the process (the default): said loudly when
        // the rest of the state is in Redis, for a logout then holds on one instance only.
        #[cfg(not(feature = "redis"))]
        if shared.is_redis() {
            tracing::warn!(
                "REDIS_URL is set, but rustbe-auth was built without its `redis` feature: revoked tokens are revoked on this instance only"
            );
        }
        self.rate_limit(config, shared.limiter())
    }

    /// The strict limits of register, login, forgot-password and reset-password: the auth
    /// configuration's `RATE_LIMIT_AUTH` per client and `RATE_LIMIT_ACCOUNT` per email,
    /// counted in `limiter` under the rule name `auth`, clients told apart as
    /// `config.trust_proxy` says; none when `config.rate_limits` is off (`RATE_LIMITS=off`).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{AuthConfig, AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # use rustbe_core::testing::TestRequest;
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_core::rate_limit::MemoryRateLimiter;
    /// let mut auth_config = AuthConfig::for_tests("shop");
    /// auth_config.rate_limit_auth = "2/15m".parse().unwrap();
    /// let auth = AuthService::builder(&auth_config, MemoryUserStore::new(), tokens)
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
        let (per_client, per_account) = self.limits;
        self.account_limit = Some((limiter.clone(), per_account));
        let rule = RateLimitRule::new(
            "auth",
            per_client,
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
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).build();
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
