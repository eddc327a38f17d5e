//! The shop's users: rustbe-auth's `Accounts` over its ready `users` table (the shop's
//! migration creates it), and the user as the API shows it.

use rustbe_core::Error;

/// A user as the API shows it: never the password hash (rustbe-auth's `account::User`).
///
/// ```
/// use shop::users::User;
/// let user = User { id: uuid::Uuid::nil(), email: "a@b.co".into(), name: "A".into(), role: "customer".into(),
///     created_at: chrono::Utc::now(), updated_at: chrono::Utc::now() };
/// assert!(serde_json::to_value(&user).unwrap().get("password_hash").is_none());
/// ```
pub use rustbe_auth::users::account::User;

/// A database error, with the message that names the unique column when the email is taken.
pub(crate) fn email_taken(err: sea_orm::DbErr) -> Error {
    let err = Error::from(err);
    if err.code() == rustbe_core::ErrorCode::DuplicateEntry {
        err.with_message("Email is already registered")
    } else {
        err
    }
}

/// Users in the `users` table: rustbe-auth's `Accounts`, its store over its ready table.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{NewUser, UserStore};
/// use sea_orm_migration::MigratorTrait;
///
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// shop::migration::Migrator::up(&db, None).await.unwrap();
/// let users = shop::users::SeaOrmUsers::new(db);
/// let new = NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "h".into() };
/// let (credentials, user) = users.create(new.clone()).await.unwrap();
/// assert_eq!((user.role.as_str(), credentials.roles.as_slice()), ("customer", &["customer".to_owned()][..]));
/// assert_eq!(user.created_at, user.updated_at);
/// assert_eq!(users.create(new).await.unwrap_err().status(), 409);
/// assert!(users.find_by_email("ada@example.com").await.unwrap().is_some());
/// # });
/// ```
pub type SeaOrmUsers = rustbe_auth::users::Accounts;
