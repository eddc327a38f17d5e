//! The shop's users: rustbe-auth's [`SeaOrmUserStore`] over the `users` table, and the user
//! as the API shows it.

use chrono::{DateTime, Utc};
use rustbe_auth::users::SeaOrmUserStore;
use rustbe_core::Error;
use serde::Serialize;
use uuid::Uuid;

use crate::entities::user;

/// A user as the API shows it: never the password hash.
///
/// ```
/// use shop::users::User;
/// let user = User { id: uuid::Uuid::nil(), email: "a@b.co".into(), name: "A".into(), role: "customer".into(),
///     created_at: chrono::Utc::now(), updated_at: chrono::Utc::now() };
/// assert!(serde_json::to_value(&user).unwrap().get("password_hash").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Email, lower-cased.
    pub email: String,
    /// Display name.
    pub name: String,
    /// `customer` or `admin`.
    pub role: String,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<user::Model> for User {
    fn from(m: user::Model) -> Self {
        Self {
            id: m.id,
            email: m.email,
            name: m.name,
            role: m.role,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A database error, with the message that names the unique column when the email is taken.
pub(crate) fn email_taken(err: sea_orm::DbErr) -> Error {
    let err = Error::from(err);
    if err.code() == rustbe_core::ErrorCode::DuplicateEntry {
        err.with_message("Email is already registered")
    } else {
        err
    }
}

/// Users in the `users` table: rustbe-auth's store over the entity (`entities::user`).
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
pub type SeaOrmUsers = SeaOrmUserStore<user::Entity>;
