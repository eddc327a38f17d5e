//! What an app's own account routes need from authentication: registering and logging in
//! without the ready `/auth/*` routes (an API with its own contract), one access token for a
//! user, re-checking the caller's password before a sensitive change, and telling the old
//! address that the email changed.

use rustbe_core::rate_limit::RateLimitLayer;
use rustbe_core::{Error, ErrorCode, FieldError};
use validator::Validate as _;

use super::{AuthService, RegisterRequest};
use crate::mail::Email;
use crate::token::IssuedToken;
use crate::users::{Credentials, NewUser, UserStore};

/// Emails are compared case-insensitively: stored and looked up trimmed and lower-cased.
pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

impl<U: UserStore> AuthService<U> {
    /// Registers a user as `POST /auth/register` does, for an app's own registration route:
    /// the email trimmed and lower-cased, the name trimmed, both validated and the password
    /// checked against the policy (400 `VALIDATION_ERROR` with every broken rule, by field:
    /// `email`, `name`, `password`), hashed off the async workers, then
    /// [`UserStore::create`] (409 `DUPLICATE_ENTRY` for a taken email). No token is issued:
    /// see [`AuthService::access_token`] and [`AuthService::start_session`].
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// let (credentials, user) = auth.register(" Ada@Example.com", "Ada", "Correct1!horse").await.unwrap();
    /// assert_eq!((user.email.as_str(), credentials.id.as_str()), ("ada@example.com", user.id.as_str()));
    /// let bad = auth.register("nope", "", "short").await.unwrap_err();
    /// let fields: Vec<_> = bad.details().iter().map(|d| d.field()).collect();
    /// assert_eq!(fields[0], "email");
    /// assert!(fields.contains(&"name") && fields.contains(&"password"));
    /// let taken = auth.register("ada@example.com", "Ada", "Correct1!horse").await.unwrap_err();
    /// assert_eq!(taken.status(), 409);
    /// # });
    /// ```
    pub async fn register(
        &self,
        email: &str,
        name: &str,
        password: &str,
    ) -> Result<(Credentials, U::User), Error> {
        let inner = &self.inner;
        let body = RegisterRequest {
            email: normalize_email(email),
            name: name.trim().to_owned(),
            password: String::new(),
        };
        let mut details: Vec<FieldError> = match body.validate() {
            Ok(()) => Vec::new(),
            Err(errors) => Error::from(errors).details().to_vec(),
        };
        details.extend(
            inner
                .policy
                .broken_rules(password)
                .into_iter()
                .map(|rule| FieldError::new("password", rule)),
        );
        if !details.is_empty() {
            details.sort_by(|a, b| a.field().cmp(b.field()));
            return Err(Error::validation(details));
        }
        let password_hash = inner.hasher.hash(password).await?;
        inner
            .users
            .create(NewUser {
                email: body.email,
                name: body.name,
                password_hash,
            })
            .await
    }

    /// Checks an email and password as `POST /auth/login` does, for an app's own login route:
    /// the per-account limit (`RATE_LIMIT_ACCOUNT`, 429), then the user and the password, with
    /// the same work, status and body whether the email is unknown or the password wrong
    /// (401 `INVALID_CREDENTIALS`). No token is issued.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// auth.register("ada@example.com", "Ada", "Correct1!horse").await.unwrap();
    /// let (_, ada) = auth.check_login("ADA@example.com ", "Correct1!horse").await.unwrap();
    /// assert_eq!(ada.name, "Ada");
    /// let wrong = auth.check_login("ada@example.com", "guess").await.unwrap_err();
    /// let unknown = auth.check_login("bob@example.com", "guess").await.unwrap_err();
    /// assert_eq!((wrong.status().as_u16(), wrong.code()), (401, unknown.code()));
    /// # });
    /// ```
    pub async fn check_login(
        &self,
        email: &str,
        password: &str,
    ) -> Result<(Credentials, U::User), Error> {
        let inner = &self.inner;
        let email = normalize_email(email);
        self.count_account_attempt(&email).await?;
        let found = if password.chars().count() > inner.policy.max_len() {
            None
        } else {
            inner.users.find_by_email(&email).await?
        };
        let Some((credentials, user)) = found else {
            inner.hasher.verify_dummy(password).await?;
            return Err(Error::new(ErrorCode::InvalidCredentials));
        };
        if inner
            .hasher
            .verify(password, &credentials.password_hash)
            .await?
        {
            Ok((credentials, user))
        } else {
            Err(Error::new(ErrorCode::InvalidCredentials))
        }
    }

    /// One access token for `user`, in a session of its own, without a refresh token (and
    /// without a write to the token store): for an API whose clients hold one token until it
    /// expires (`JWT_ACCESS_TTL`), as the RealWorld "Conduit" API does. Revocation works as
    /// for any access token.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::{MemoryUserStore, NewUser, UserStore}};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).build();
    /// # let (user, _) = auth.users().create(NewUser { email: "a@b.co".into(), name: "A".into(), password_hash: String::new() }).await.unwrap();
    /// let issued = auth.access_token(&user).unwrap();
    /// let claims = auth.issuer().verify_access(&issued.token).unwrap();
    /// assert_eq!((claims.sub.as_str(), claims.roles.as_slice()), (user.id.as_str(), &["customer".to_owned()][..]));
    /// assert_ne!(auth.access_token(&user).unwrap().claims.sid, claims.sid, "a session each");
    /// # });
    /// ```
    pub fn access_token(&self, user: &Credentials) -> Result<IssuedToken, Error> {
        let principal =
            rustbe_core::access::Principal::new(user.id.clone(), user.roles.iter().cloned());
        let session = uuid::Uuid::new_v4().simple().to_string();
        self.inner.issuer.issue_access(&principal, &session)
    }

    /// The password policy, for an app's own password change.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// use rustbe_auth::password::PasswordPolicy;
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).policy(PasswordPolicy::lengths(8, 64)).build();
    /// assert!(auth.policy().check("password").is_ok());
    /// assert_eq!(auth.policy().check_field("short", "password").unwrap_err().details()[0].field(), "password");
    /// # });
    /// ```
    pub fn policy(&self) -> &crate::password::PasswordPolicy {
        &self.inner.policy
    }

    /// The strict limit of the auth routes (`RATE_LIMIT_AUTH` per client, set by
    /// [`AuthServiceBuilder::rate_limit`](super::AuthServiceBuilder::rate_limit)), for an
    /// app's own registration and login routes; `None` without it.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use std::sync::Arc;
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// use axum::{Router, routing::post};
    /// use rustbe_core::{rate_limit::MemoryRateLimiter, testing::TestRequest};
    ///
    /// let mut auth_config = rustbe_auth::AuthConfig::for_tests("shop");
    /// auth_config.rate_limit_auth = "1/15m".parse().unwrap();
    /// let auth = AuthService::builder(&auth_config, MemoryUserStore::new(), tokens)
    ///     .rate_limit(&config, Arc::new(MemoryRateLimiter::new()))
    ///     .build();
    /// let login = Router::new().route("/users/login", post(|| async { "ok" }));
    /// let login = login.route_layer(auth.strict_limit().unwrap());
    /// assert_eq!(TestRequest::post("/users/login").send(&login).await.status(), 200);
    /// assert_eq!(TestRequest::post("/users/login").send(&login).await.status(), 429);
    /// # });
    /// ```
    #[must_use]
    pub fn strict_limit(&self) -> Option<RateLimitLayer> {
        self.inner.rate_limit.clone()
    }

    /// Checks `password` against the current password of `user_id`, as a change of email
    /// needs it: `Ok(())` when it matches; 400 `VALIDATION_ERROR` on `field` when it is
    /// missing (`None`) or wrong (the same answer as a wrong `current_password` on password
    /// change, not a 401 a client would take for an expired session); 404 when there is no
    /// such user. A password longer than the policy allows is wrong without being hashed.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, password::PasswordHasher, store::SeaOrmTokenStore, users::{MemoryUserStore, NewUser, UserStore}};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// # let fast = PasswordHasher::builder().memory_kib(1024).passes(1).build().unwrap();
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
    /// let password_hash = auth.hasher().hash("Correct1!horse").await.unwrap();
    /// let new = NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash };
    /// let (ada, _) = auth.users().create(new).await.unwrap();
    /// assert!(auth.confirm_password(&ada.id, Some("Correct1!horse"), "current_password").await.is_ok());
    /// let wrong = auth.confirm_password(&ada.id, Some("guess"), "current_password").await.unwrap_err();
    /// assert_eq!((wrong.status().as_u16(), wrong.details()[0].field()), (400, "current_password"));
    /// assert_eq!(auth.confirm_password(&ada.id, None, "current_password").await.unwrap_err().status(), 400);
    /// # });
    /// ```
    pub async fn confirm_password(
        &self,
        user_id: &str,
        password: Option<&str>,
        field: &'static str,
    ) -> Result<(), Error> {
        let inner = &self.inner;
        let Some(password) = password else {
            return Err(Error::validation([FieldError::new(
                field,
                "is required to change the email",
            )]));
        };
        let credentials = inner
            .users
            .credentials(user_id)
            .await?
            .ok_or_else(Error::not_found)?;
        let ok = password.chars().count() <= inner.policy.max_len()
            && inner
                .hasher
                .verify(password, &credentials.password_hash)
                .await?;
        if ok {
            Ok(())
        } else {
            Err(Error::validation([FieldError::new(field, "is incorrect")]))
        }
    }

    /// Tells `old` by mail that the account's email became `new`, so that the owner of the old
    /// address learns of a change they did not make. Sent after the answer, in the
    /// background; a failure is logged, never shown to the caller.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # use rustbe_auth::{AuthService, store::SeaOrmTokenStore, users::MemoryUserStore};
    /// # let config = rustbe_core::config::Config::for_tests("shop");
    /// # let tokens = SeaOrmTokenStore::new(rustbe_core::db::connect(&config.database).await.unwrap());
    /// # tokens.create_tables().await.unwrap();
    /// use std::sync::Arc;
    /// use rustbe_auth::mail::MemoryMailer;
    ///
    /// let mailer = MemoryMailer::new();
    /// let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).mailer(Arc::new(mailer.clone())).build();
    /// auth.notify_email_changed("ada@example.com", "ada@new.example");
    /// # for _ in 0..500 { if !mailer.sent().is_empty() { break } tokio::time::sleep(std::time::Duration::from_millis(10)).await; }
    /// assert_eq!(mailer.sent()[0].to, "ada@example.com");
    /// assert!(mailer.sent()[0].body.contains("ada@new.example"));
    /// # });
    /// ```
    pub fn notify_email_changed(&self, old: &str, new: &str) {
        let email = Email {
            to: old.to_owned(),
            subject: "Your email address was changed".into(),
            body: format!(
                "The email address of your account was changed from {old} to {new}.\n\nIf you \
                 made this change, there is nothing to do. If you did not, someone else has access \
                 to your account: reset your password from the sign-in page and contact us."
            ),
        };
        let mailer = self.inner.mailer.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(email).await {
                tracing::warn!(error = %err, "email-change notice could not be sent");
            }
        });
    }
}
