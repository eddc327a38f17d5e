//! Where refresh tokens and password-reset tokens live. Only SHA-256 hashes of tokens are
//! stored, so a leaked table grants nothing.

mod entity;
mod sea;

use futures_util::future::BoxFuture;
use rustbe_core::Error;
use sha2::{Digest, Sha256};

pub use sea::SeaOrmTokenStore;

/// A refresh token to remember.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// # let store = rustbe_auth::store::SeaOrmTokenStore::new(db);
/// # store.create_tables().await.unwrap();
/// use rustbe_auth::store::{Consumed, RefreshRecord, RefreshTokenStore, token_hash};
///
/// let record = RefreshRecord {
///     token_hash: token_hash("the-refresh-jwt"),
///     user_id: "7".into(),
///     family: "session-1".into(),
///     expires_at: u64::MAX / 2,
/// };
/// store.insert(record.clone()).await.unwrap();
/// assert_eq!(store.consume(&record.token_hash).await.unwrap(), Consumed::Fresh { user_id: "7".into(), family: "session-1".into() });
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// SHA-256 of the token ([`token_hash`]).
    pub token_hash: String,
    /// Its user.
    pub user_id: String,
    /// The session it belongs to: every token rotated from one login shares it.
    pub family: String,
    /// Expiry, seconds since the epoch.
    pub expires_at: u64,
}

/// What spending a refresh token found.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// # let store = rustbe_auth::store::SeaOrmTokenStore::new(db);
/// # store.create_tables().await.unwrap();
/// use rustbe_auth::store::{Consumed, RefreshRecord, RefreshTokenStore};
///
/// let record = RefreshRecord { token_hash: "h".into(), user_id: "7".into(), family: "f".into(), expires_at: u64::MAX / 2 };
/// store.insert(record).await.unwrap();
/// let fresh = Consumed::Fresh { user_id: "7".into(), family: "f".into() };
/// assert_eq!(store.consume("h").await.unwrap(), fresh);
/// let replayed = Consumed::Reused { user_id: "7".into(), family: "f".into() };
/// assert_eq!(store.consume("h").await.unwrap(), replayed);
/// assert_eq!(store.consume("never-issued").await.unwrap(), Consumed::Unknown);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consumed {
    /// The token was live and is now spent: issue the next one in `family`.
    Fresh {
        /// Its user.
        user_id: String,
        /// Its session.
        family: String,
    },
    /// The token was already spent or revoked: someone replays it. Revoke the family.
    Reused {
        /// Its user.
        user_id: String,
        /// Its session.
        family: String,
    },
    /// No such token (or it expired).
    Unknown,
}

/// Refresh tokens: rotation, reuse detection, revocation.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// # let store = rustbe_auth::store::SeaOrmTokenStore::new(db);
/// # store.create_tables().await.unwrap();
/// use rustbe_auth::store::{Consumed, RefreshRecord, RefreshTokenStore};
///
/// let token = |hash: &str, family: &str| RefreshRecord { token_hash: hash.into(), user_id: "7".into(), family: family.into(), expires_at: u64::MAX / 2 };
/// store.insert(token("phone", "s1")).await.unwrap();
/// store.insert(token("laptop", "s2")).await.unwrap();
/// assert_eq!(store.revoke_user("7", Some("s1")).await.unwrap(), ["s2"], "every session but s1");
/// assert!(matches!(store.consume("laptop").await.unwrap(), Consumed::Reused { .. }));
/// assert_eq!(store.revoke_family("s1").await.unwrap(), 1);
/// assert!(matches!(store.consume("phone").await.unwrap(), Consumed::Reused { .. }));
/// # });
/// ```
pub trait RefreshTokenStore: Send + Sync + 'static {
    /// Remembers a new token, and its session if it is the session's first. A revoked session
    /// stays revoked: a token inserted into it (by a refresh racing the revocation) can never
    /// be spent.
    fn insert(&self, record: RefreshRecord) -> BoxFuture<'_, Result<(), Error>>;
    /// Spends a token atomically, and only while its session is live: of two concurrent calls
    /// with one token, one gets `Fresh`.
    fn consume<'a>(&'a self, token_hash: &'a str) -> BoxFuture<'a, Result<Consumed, Error>>;
    /// Revokes a session and every token in it; returns how many sessions were live (0 or 1).
    fn revoke_family<'a>(&'a self, family: &'a str) -> BoxFuture<'a, Result<u64, Error>>;
    /// Revokes every live session of a user except `keep`; returns the sessions revoked.
    fn revoke_user<'a>(
        &'a self,
        user_id: &'a str,
        keep: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Vec<String>, Error>>;
    /// The sessions revoked at or after `since` (seconds since the epoch), each with the time
    /// it was revoked: at start, they go back on the revocation list, so that an access token
    /// of a session ended before a restart stays refused (an in-memory list forgets).
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// # let store = rustbe_auth::store::SeaOrmTokenStore::new(db);
    /// # store.create_tables().await.unwrap();
    /// use rustbe_auth::store::{RefreshRecord, RefreshTokenStore};
    ///
    /// for family in ["s1", "s2"] {
    ///     store.insert(RefreshRecord { token_hash: family.into(), user_id: "7".into(), family: family.into(), expires_at: u64::MAX / 2 }).await.unwrap();
    /// }
    /// store.revoke_family("s1").await.unwrap();
    /// let ended = store.ended_sessions(0).await.unwrap();
    /// assert_eq!(ended.iter().map(|(family, _)| family.as_str()).collect::<Vec<_>>(), ["s1"]);
    /// assert!(store.ended_sessions(u64::MAX / 2).await.unwrap().is_empty(), "none revoked since");
    /// # });
    /// ```
    fn ended_sessions(&self, since: u64) -> BoxFuture<'_, Result<Vec<(String, u64)>, Error>>;
}

/// Single-use password-reset tokens.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// # let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// # let store = rustbe_auth::store::SeaOrmTokenStore::new(db);
/// # store.create_tables().await.unwrap();
/// use rustbe_auth::store::ResetTokenStore;
///
/// store.insert_reset("a", "7", u64::MAX / 2).await.unwrap();
/// store.insert_reset("b", "7", u64::MAX / 2).await.unwrap();
/// assert_eq!(store.consume_reset("a").await.unwrap().as_deref(), Some("7"));
/// assert_eq!(store.consume_reset("a").await.unwrap(), None, "single use");
/// store.invalidate_resets("7").await.unwrap();
/// assert_eq!(store.consume_reset("b").await.unwrap(), None);
/// # });
/// ```
pub trait ResetTokenStore: Send + Sync + 'static {
    /// Remembers a token for `user_id`, valid until `expires_at` (seconds since the epoch).
    fn insert_reset<'a>(
        &'a self,
        token_hash: &'a str,
        user_id: &'a str,
        expires_at: u64,
    ) -> BoxFuture<'a, Result<(), Error>>;
    /// Spends a live token atomically and returns its user; `None` if it is unknown, spent or
    /// expired.
    fn consume_reset<'a>(
        &'a self,
        token_hash: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, Error>>;
    /// Spends every live token of `user_id` (after a successful reset).
    fn invalidate_resets<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, Result<(), Error>>;
}

/// The hex SHA-256 of a token, as stored.
///
/// ```
/// assert_eq!(rustbe_auth::store::token_hash("abc").len(), 64);
/// ```
#[must_use]
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    rustbe_core::hex::encode(&digest)
}
