//! The auth router: register, login, refresh, logout, forgot and reset password, me, change
//! password; generic over the app's [`UserStore`].

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

pub use dto::{
    Accepted, ChangePasswordRequest, ForgotPasswordRequest, LoginRequest, LogoutRequest,
    RefreshRequest, RegisterRequest, ResetPasswordRequest, Session, TokenPair,
};

use crate::layer::{AuthLayer, Authenticator, RequireAuthLayer};
use crate::mail::{LogMailer, Mailer};
use crate::password::{PasswordHasher, PasswordPolicy};
use crate::revocation::{MemoryRevocationList, RevocationList};
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
}

/// Builds an [`AuthService`]; every part has a default but the users and the token store.
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
}

impl<U: UserStore> AuthServiceBuilder<U> {
    /// The password hasher (default: [`PasswordHasher::new`]).
    pub fn hasher(mut self, hasher: PasswordHasher) -> Self {
        self.hasher = Some(hasher);
        self
    }

    /// The password policy (default: the shop's rules).
    pub fn policy(mut self, policy: PasswordPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The revocation list (default: in memory; use Redis when several instances run).
    pub fn revocation(mut self, list: Arc<dyn RevocationList>) -> Self {
        self.revocation = Some(list);
        self
    }

    /// The mailer (default: a [`LogMailer`] that does not log bodies).
    pub fn mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// How long a reset link works (default 1 h).
    pub fn reset_ttl(mut self, ttl: Duration) -> Self {
        self.reset_ttl = ttl;
        self
    }

    /// The service.
    pub fn build(self) -> AuthService<U> {
        let revocation = self
            .revocation
            .unwrap_or_else(|| Arc::new(MemoryRevocationList::new()));
        AuthService {
            inner: Arc::new(Inner {
                users: self.users,
                hasher: self.hasher.unwrap_or_default(),
                policy: self.policy,
                authenticator: Authenticator::new(self.issuer.clone(), revocation.clone()),
                issuer: self.issuer,
                revocation,
                refresh: self.refresh,
                resets: self.resets,
                mailer: self
                    .mailer
                    .unwrap_or_else(|| Arc::new(LogMailer::new(false))),
                app_url: self.app_url,
                reset_ttl: self.reset_ttl,
            }),
        }
    }
}

impl<U: UserStore> AuthService<U> {
    /// A builder from the app's configuration (JWT secrets and lifetimes, `APP_URL`), its
    /// users and a store of refresh and reset tokens.
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
        }
    }

    /// The layer that authenticates bearer tokens, for the app's other routes.
    pub fn layer(&self) -> AuthLayer {
        AuthLayer::new(self.inner.authenticator.clone())
    }

    /// The token issuer.
    #[must_use]
    pub fn issuer(&self) -> &TokenIssuer {
        &self.inner.issuer
    }

    /// The password hasher.
    #[must_use]
    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    /// The user store.
    #[must_use]
    pub fn users(&self) -> &U {
        &self.inner.users
    }

    /// The routes, relative to `/api`: `/auth/*`, `/users/me`, `/users/me/password`.
    pub fn router(&self) -> Router {
        let private = Router::new()
            .route("/auth/logout", post(handlers::logout::<U>))
            .route("/users/me", get(handlers::me::<U>))
            .route("/users/me/password", put(handlers::change_password::<U>))
            .route_layer(RequireAuthLayer::new())
            .route_layer(self.layer());
        Router::new()
            .route("/auth/register", post(handlers::register::<U>))
            .route("/auth/login", post(handlers::login::<U>))
            .route("/auth/refresh", post(handlers::refresh::<U>))
            .route(
                "/auth/forgot-password",
                post(handlers::forgot_password::<U>),
            )
            .route("/auth/reset-password", post(handlers::reset_password::<U>))
            .merge(private)
            .with_state(self.clone())
    }

    /// Starts a session for `user`: a new refresh-token family and a token pair.
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

impl<U> AuthService<U>
where
    U: UserStore,
    U::User: utoipa::ToSchema,
{
    /// The OpenAPI document of [`AuthService::router`] (paths as served under `/api`), to merge
    /// with `App::openapi`.
    #[must_use]
    pub fn openapi(&self) -> utoipa::openapi::OpenApi {
        openapi::document::<U::User>()
    }
}
