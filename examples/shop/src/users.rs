//! The shop's users behind rustbe-auth's [`UserStore`].

use chrono::{DateTime, Utc};
use rustbe_auth::users::{Credentials, NewUser, UserStore};
use rustbe_core::Error;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
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

fn credentials(m: &user::Model) -> Credentials {
    Credentials {
        id: m.id.to_string(),
        password_hash: m.password_hash.clone(),
        roles: vec![m.role.clone()],
    }
}

/// Users in the `users` table.
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
/// assert_eq!(user.role, "customer");
/// assert_eq!(users.create(new).await.unwrap_err().status(), 409);
/// assert!(users.find_by_email("ada@example.com").await.unwrap().is_some());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct SeaOrmUsers {
    db: DatabaseConnection,
}

impl SeaOrmUsers {
    /// Users over `db`.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// let users = shop::users::SeaOrmUsers::new(db);
    /// # });
    /// ```
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn by_id(&self, id: &str) -> Result<Option<user::Model>, Error> {
        let Ok(id) = Uuid::parse_str(id) else {
            return Ok(None);
        };
        Ok(rustbe_core::db::first(user::Entity::find_by_id(id), &self.db).await?)
    }

    async fn insert(
        &self,
        email: String,
        name: String,
        password_hash: String,
        role: &str,
    ) -> Result<user::Model, Error> {
        let now = Utc::now();
        let row = user::ActiveModel {
            id: Set(Uuid::new_v4()),
            email: Set(email),
            name: Set(name),
            role: Set(role.to_owned()),
            password_hash: Set(password_hash),
            created_at: Set(now),
            updated_at: Set(now),
        };
        row.insert(&self.db).await.map_err(email_taken)
    }
}

impl UserStore for SeaOrmUsers {
    type User = User;

    async fn find_by_email(&self, email: &str) -> Result<Option<(Credentials, User)>, Error> {
        let found = rustbe_core::db::first(
            user::Entity::find().filter(user::Column::Email.eq(email)),
            &self.db,
        )
        .await?;
        Ok(found.map(|row| (credentials(&row), User::from(row))))
    }

    async fn credentials(&self, id: &str) -> Result<Option<Credentials>, Error> {
        Ok(self.by_id(id).await?.as_ref().map(credentials))
    }

    async fn profile(&self, id: &str) -> Result<Option<User>, Error> {
        Ok(self.by_id(id).await?.map(User::from))
    }

    async fn create(&self, new: NewUser) -> Result<(Credentials, User), Error> {
        let row = self
            .insert(new.email, new.name, new.password_hash, "customer")
            .await?;
        Ok((credentials(&row), User::from(row)))
    }

    async fn create_with_role(
        &self,
        new: NewUser,
        role: &str,
    ) -> Result<(Credentials, User), Error> {
        let row = self
            .insert(new.email, new.name, new.password_hash, role)
            .await?;
        Ok((credentials(&row), User::from(row)))
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), Error> {
        let Some(row) = self.by_id(id).await? else {
            return Err(Error::not_found());
        };
        let mut active: user::ActiveModel = row.into();
        active.password_hash = Set(password_hash.to_owned());
        active.updated_at = Set(Utc::now());
        active.update(&self.db).await?;
        Ok(())
    }
}
