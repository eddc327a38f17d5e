//! [`AuthService`]: everything authentication needs (users, hashing, tokens, revocation,
//! mail, limits), built once by [`AuthServiceBuilder`] and shared by the router, the layer
//! and the app. Sessions, from login to rotation to revocation, are in [`session`].

mod builder;
pub mod session;

pub use builder::AuthServiceBuilder;

use std::sync::Arc;
use std::time::Duration;

use rustbe_core::Error;
use rustbe_core::config::Rate;

use rustbe_core::rate_limit::{RateLimitLayer, RateLimiter};

use crate::layer::{AuthLayer, Authenticator};
use crate::mail::Mailer;
use crate::password::{PasswordHasher, PasswordPolicy};
use crate::revocation::RevocationList;
use crate::store::{RefreshTokenStore, ResetTokenStore, token_hash};
use crate::token::TokenIssuer;
use crate::users::UserStore;

/// Everything authentication needs, shared by the router, the layer and the app. Cheap to
/// clone.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
/// use rustbe_core::{app::App, config::Config};
///
/// let config = Config::for_tests("shop");
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let tokens = SeaOrmTokenStore::new(db.clone());
/// tokens.create_tables().await.unwrap();
/// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).build();
/// let app = App::new(config).database(db).api(auth.router()).openapi(auth.openapi()).into_router();
/// # });
/// ```
pub struct AuthService<U> {
    pub(crate) inner: Arc<Inner<U>>,
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

pub(crate) struct Inner<U> {
    pub(crate) users: U,
    pub(crate) hasher: PasswordHasher,
    pub(crate) policy: PasswordPolicy,
    pub(crate) issuer: TokenIssuer,
    pub(crate) authenticator: Authenticator,
    pub(crate) revocation: Arc<dyn RevocationList>,
    pub(crate) refresh: Arc<dyn RefreshTokenStore>,
    pub(crate) resets: Arc<dyn ResetTokenStore>,
    pub(crate) mailer: Arc<dyn Mailer>,
    pub(crate) app_url: String,
    pub(crate) reset_ttl: Duration,
    pub(crate) rate_limit: Option<RateLimitLayer>,
    pub(crate) account_limit: Option<(Arc<dyn RateLimiter>, Rate)>,
}

impl<U: UserStore> AuthService<U> {
    /// The layer that authenticates bearer tokens, for the app's other routes.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
}
