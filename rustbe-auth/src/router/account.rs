//! What an app's own account routes need from authentication: re-checking the caller's
//! password before a sensitive change, and telling the old address that the email changed.

use rustbe_core::{Error, FieldError};

use super::AuthService;
use crate::mail::Email;
use crate::users::UserStore;

impl<U: UserStore> AuthService<U> {
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
    /// # let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).hasher(fast).build();
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
    /// let auth = AuthService::builder(&config, MemoryUserStore::new(), tokens).mailer(Arc::new(mailer.clone())).build();
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
