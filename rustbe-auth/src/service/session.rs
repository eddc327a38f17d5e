//! Sessions: started at login ([`AuthService::start_session`]), rotated at every refresh
//! (the refresh route, where a spent refresh token presented again ends its whole
//! session), and ended by logout, a password change or reset, or an admin
//! ([`AuthService::revoke_all_sessions`]). A session is a refresh-token family; ending one
//! revokes its refresh tokens in the store and puts the family on the revocation list, so its
//! access tokens are refused too.

use rustbe_core::access::Principal;
use rustbe_core::{Error, ErrorCode};

use super::AuthService;
use crate::router::TokenPair;
use crate::store::{Consumed, RefreshRecord, token_hash};
use crate::users::{Credentials, UserStore};

impl<U: UserStore> AuthService<U> {
    /// Spends `refresh_token` for a new pair in the same session. A token of another user or
    /// session, an unknown one, or one spent already is 401 `INVALID_TOKEN`; a spent one ends
    /// its session, whoever holds it (the family is compromised).
    pub(crate) async fn rotate(&self, refresh_token: &str) -> Result<TokenPair, Error> {
        let inner = &self.inner;
        let claims = inner.issuer.verify_refresh(refresh_token)?;
        match inner.refresh.consume(&token_hash(refresh_token)).await? {
            Consumed::Fresh { user_id, family }
                if user_id == claims.sub && family == claims.sid =>
            {
                let credentials = inner
                    .users
                    .credentials(&user_id)
                    .await?
                    .ok_or_else(|| Error::new(ErrorCode::InvalidToken))?;
                self.issue_pair(&credentials, &family).await
            }
            Consumed::Fresh { family, .. } | Consumed::Reused { family, .. } => {
                // A spent token presented again: whoever holds it, the session is compromised.
                self.end_sessions(std::slice::from_ref(&family)).await?;
                tracing::warn!(family, "refresh token reuse detected: session revoked");
                Err(Error::new(ErrorCode::InvalidToken)
                    .with_message("Refresh token has already been used"))
            }
            Consumed::Unknown => Err(Error::new(ErrorCode::InvalidToken)),
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
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).build();
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
    /// # let auth = AuthService::builder(&rustbe_auth::AuthConfig::for_tests("shop"), MemoryUserStore::new(), tokens).hasher(fast).build();
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
