//! The administrator named by `ADMIN_EMAIL` / `ADMIN_PASSWORD`, created at start.

use crate::config::AuthConfig;
use rustbe_core::{Error, ErrorCode};
use validator::ValidateEmail as _;

use super::AuthService;
use crate::users::{NewUser, UserStore};

/// The role the admin bootstrap gives the account it creates.
///
/// ```
/// assert_eq!(rustbe_auth::router::ADMIN_ROLE, "admin");
/// ```
pub const ADMIN_ROLE: &str = "admin";

/// What [`AuthService::bootstrap_admin`] did.
///
/// ```
/// use rustbe_auth::router::AdminBootstrap;
/// assert_ne!(AdminBootstrap::Created, AdminBootstrap::AlreadyAdmin);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdminBootstrap {
    /// `ADMIN_EMAIL` and `ADMIN_PASSWORD` are not set: nothing to do.
    NotConfigured,
    /// No account had the email: an administrator was created with `ADMIN_PASSWORD`.
    Created,
    /// The account exists and is an administrator already: left as it is (its password may
    /// have been changed since; `ADMIN_PASSWORD` is not applied again).
    AlreadyAdmin,
}

impl<U: UserStore> AuthService<U> {
    /// Creates the administrator `config.admin` names (`ADMIN_EMAIL`, `ADMIN_PASSWORD`) if no
    /// account has that email; call it once at start.
    ///
    /// An existing account is **never promoted**: anyone may have registered that email with a
    /// password of their own, so an account that exists without the [`ADMIN_ROLE`] is an
    /// error (409 `CONFLICT` naming `ADMIN_EMAIL`) and the app should refuse to start. An
    /// account that is an administrator already is left alone. `ADMIN_PASSWORD` must pass the
    /// password policy (400 `VALIDATION_ERROR` naming it otherwise), and `ADMIN_EMAIL` must be
    /// an email address. The account is created with its role in one write
    /// ([`UserStore::create_with_role`]); two instances starting at once create it once.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore};
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// use rustbe_auth::{router::AdminBootstrap, users::{MemoryUserStore, NewUser, UserStore}};
    /// use rustbe_auth::AuthConfig;
    ///
    /// let config = AuthConfig::from_lookup("shop", |key| match key {
    ///     "APP_ENV" => Some("test".into()),
    ///     "DATABASE_URL" => Some("sqlite::memory:".into()),
    ///     "ADMIN_EMAIL" => Some("Root@Shop.Example".into()),
    ///     "ADMIN_PASSWORD" => Some("Admin1!password".into()),
    ///     _ => None,
    /// }).unwrap();
    /// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// let tokens = SeaOrmTokenStore::new(db);
    /// tokens.create_tables().await.unwrap();
    /// let users = MemoryUserStore::new();
    /// let auth = AuthService::builder(&config, users.clone(), tokens.clone()).hasher(fast.clone()).build();
    /// assert_eq!(auth.bootstrap_admin(&config).await.unwrap(), AdminBootstrap::Created);
    /// assert_eq!(auth.bootstrap_admin(&config).await.unwrap(), AdminBootstrap::AlreadyAdmin);
    /// let (root, _) = users.find_by_email("root@shop.example").await.unwrap().unwrap();
    /// assert_eq!(root.roles, ["admin"]);
    ///
    /// // Someone registered the email first: it is not promoted, and start-up stops.
    /// let squatted = MemoryUserStore::new();
    /// squatted.create(NewUser { email: "root@shop.example".into(), name: "Mallory".into(), password_hash: "h".into() }).await.unwrap();
    /// let auth = AuthService::builder(&config, squatted.clone(), tokens).hasher(fast).build();
    /// let err = auth.bootstrap_admin(&config).await.unwrap_err();
    /// assert_eq!(err.status(), 409);
    /// assert!(err.message().contains("ADMIN_EMAIL"));
    /// assert_eq!(squatted.find_by_email("root@shop.example").await.unwrap().unwrap().0.roles, ["customer"]);
    /// # });
    /// ```
    pub async fn bootstrap_admin(&self, config: &AuthConfig) -> Result<AdminBootstrap, Error> {
        let Some((email, password)) = &config.admin else {
            return Ok(AdminBootstrap::NotConfigured);
        };
        let inner = &self.inner;
        let email = email.trim().to_lowercase();
        if !email.validate_email() {
            return Err(Error::new(ErrorCode::ValidationError)
                .with_message("ADMIN_EMAIL is not a valid email address"));
        }
        let broken = inner.policy.broken_rules(password.expose());
        if !broken.is_empty() {
            return Err(Error::new(ErrorCode::ValidationError).with_message(format!(
                "ADMIN_PASSWORD breaks the password policy: {}",
                broken.join(", ")
            )));
        }
        if let Some(existing) = self.existing_admin(&email).await? {
            return Ok(existing);
        }
        let password_hash = inner.hasher.hash(password.expose()).await?;
        let created = inner
            .users
            .create_with_role(
                NewUser {
                    email: email.clone(),
                    name: "Administrator".into(),
                    password_hash,
                },
                ADMIN_ROLE,
            )
            .await;
        match created {
            Ok(_) => {
                tracing::info!(%email, "administrator created from ADMIN_EMAIL");
                Ok(AdminBootstrap::Created)
            }
            // Another instance created it between the look-up and the insert: look again.
            Err(err) if err.code() == ErrorCode::DuplicateEntry => {
                self.existing_admin(&email).await?.ok_or(err)
            }
            Err(err) => Err(err),
        }
    }

    /// `Some(AlreadyAdmin)` when `email` is an administrator, an error when it is another
    /// account, `None` when nobody has it.
    async fn existing_admin(&self, email: &str) -> Result<Option<AdminBootstrap>, Error> {
        let Some((credentials, _)) = self.inner.users.find_by_email(email).await? else {
            return Ok(None);
        };
        if credentials.roles.iter().any(|role| role == ADMIN_ROLE) {
            return Ok(Some(AdminBootstrap::AlreadyAdmin));
        }
        tracing::error!(
            %email,
            "ADMIN_EMAIL belongs to an existing account that is not an administrator: not promoted"
        );
        Err(Error::new(ErrorCode::Conflict).with_message(format!(
            "ADMIN_EMAIL {email} belongs to an existing account that is not an administrator; it is \
             not promoted, since whoever registered it chose its password. Choose another \
             ADMIN_EMAIL, or make that account an administrator yourself once you know who owns it"
        )))
    }
}
