//! [`SeaOrmUserStore`]: accounts in a SeaORM entity of the app's, whose columns
//! [`UserEntity`] names.

use std::fmt::Display;
use std::str::FromStr;

use rustbe_core::{Error, ErrorCode};
use sea_orm::sea_query::{FromValueTuple, ValueTuple, ValueType};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, IntoActiveModel, Iterable, ModelTrait, PrimaryKeyToColumn, PrimaryKeyTrait,
    QueryFilter, Schema, Value,
};
use serde::Serialize;

use super::{Credentials, NewUser, UserStore};

/// Which columns of a SeaORM entity hold an account, so that [`SeaOrmUserStore`] can serve
/// it. The entity has one primary key, of a type that reads from and writes to text
/// (`i32`, `i64`, `Uuid` …: the id in tokens); the email, name and password-hash columns are
/// text, the email unique. Server-set columns (a `Uuid` key, timestamps) are the entity's
/// own `ActiveModelBehavior`: `new` for a new row, `before_save` for every write.
///
/// ```
/// mod user {
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
///     #[sea_orm(table_name = "users")]
///     pub struct Model {
///         #[sea_orm(primary_key)]
///         pub id: i32,
///         #[sea_orm(unique)]
///         pub email: String,
///         pub name: String,
///         #[serde(skip)]
///         pub password_hash: String,
///         pub role: String,
///     }
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///     impl ActiveModelBehavior for ActiveModel {}
///
///     impl rustbe_auth::users::UserEntity for Entity {
///         const EMAIL: Column = Column::Email;
///         const NAME: Column = Column::Name;
///         const PASSWORD_HASH: Column = Column::PasswordHash;
///         const ROLE: Option<Column> = Some(Column::Role);
///         type User = Model; // what the API shows: the hash is skipped
///     }
/// }
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{NewUser, SeaOrmUserStore, UserStore};
///
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// let users = SeaOrmUserStore::<user::Entity>::new(db);
/// users.create_table().await.unwrap(); // in development; deploy with migrations
/// let new = NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "h".into() };
/// let (credentials, ada) = users.create(new).await.unwrap();
/// assert_eq!((credentials.id.as_str(), credentials.roles.as_slice()), ("1", &["customer".to_owned()][..]));
/// assert_eq!(users.profile("1").await.unwrap(), Some(ada.clone()));
/// let row = users.row("1").await.unwrap().unwrap();
/// assert_eq!(SeaOrmUserStore::<user::Entity>::credentials_of(&row), credentials);
/// # });
/// ```
pub trait UserEntity: EntityTrait {
    /// The email column: unique, stored as rustbe-auth gives it (trimmed, lower-cased).
    const EMAIL: Self::Column;
    /// The display name column (`NewUser::name`: Conduit's `username`, say).
    const NAME: Self::Column;
    /// The argon2 PHC string of the password.
    const PASSWORD_HASH: Self::Column;
    /// The role column, text; `None` for an app without roles, whose accounts have none.
    const ROLE: Option<Self::Column> = None;
    /// The role of an account that registers (`UserStore::create`).
    const DEFAULT_ROLE: &'static str = "customer";
    /// An account as the API shows it (`GET /users/me`, the register and login answers):
    /// the model itself when its hash is `#[serde(skip)]`, or a view of it.
    type User: Serialize + From<Self::Model> + Send + Sync + 'static;
}

/// The key type of `E`, which token ids are the text of.
type Key<E> = <<E as EntityTrait>::PrimaryKey as PrimaryKeyTrait>::ValueType;

/// Accounts in the app's own SeaORM entity `E` (see [`UserEntity`]): every lookup is one
/// statement by the key or the email, a registration one `INSERT … RETURNING`, and a
/// password change reads the row and writes it through the entity's `ActiveModelBehavior`.
/// A taken email is 409 `DUPLICATE_ENTRY` "Email is already registered" (another unique
/// column of the entity, such as a username, keeps the database's own 409).
///
/// See [`UserEntity`] for an example.
#[derive(Debug)]
pub struct SeaOrmUserStore<E> {
    db: DatabaseConnection,
    entity: std::marker::PhantomData<fn() -> E>,
}

impl<E> Clone for SeaOrmUserStore<E> {
    fn clone(&self) -> Self {
        Self::new(self.db.clone())
    }
}

impl<E> SeaOrmUserStore<E> {
    /// The accounts of `E` in `db`.
    ///
    /// See [`UserEntity`] for an example.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            entity: std::marker::PhantomData,
        }
    }

    /// The database the accounts are in.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
    /// let users = rustbe_auth::users::Accounts::new(db);
    /// assert_eq!(users.db().get_database_backend(), sea_orm::DbBackend::Sqlite);
    /// # });
    /// ```
    #[must_use]
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Creates `E`'s table from the entity when it does not exist yet
    /// (`Schema::create_table_from_entity(…).if_not_exists()`), for development and tests as
    /// `App::create_tables` does for resources; it never alters a table. Deploy with
    /// migrations.
    ///
    /// # Errors
    /// The database's.
    ///
    /// See [`UserEntity`] for an example.
    pub async fn create_table(&self) -> Result<(), Error>
    where
        E: EntityTrait,
    {
        let schema = Schema::new(self.db.get_database_backend());
        let mut table = schema.create_table_from_entity(E::default());
        self.db.execute(table.if_not_exists()).await?;
        Ok(())
    }
}

/// The text of a text column's value; empty for `NULL` or another type (a mistake of the
/// entity's declaration that its own tests show).
fn text(value: Value) -> String {
    <String as ValueType>::try_from(value).unwrap_or_default()
}

impl<E> SeaOrmUserStore<E>
where
    E: UserEntity,
    Key<E>: FromStr + Display,
{
    /// The key column of `E`.
    fn key_column() -> E::Column {
        E::PrimaryKey::iter()
            .next()
            .map(PrimaryKeyToColumn::into_column)
            .unwrap_or_else(|| unreachable!("SeaORM entities have a primary key"))
    }

    /// The row of the account whose id (the key's text, as in tokens) is `id`; `None` for an
    /// id that is not one.
    ///
    /// # Errors
    /// The database's.
    ///
    /// See [`UserEntity`] for an example.
    pub async fn row(&self, id: &str) -> Result<Option<E::Model>, Error> {
        let Ok(key) = id.parse::<Key<E>>() else {
            return Ok(None);
        };
        Ok(rustbe_core::db::first(E::find_by_id(key), &self.db).await?)
    }

    /// What authentication knows of the account `model` (to mint a token for a row the app
    /// read itself, with `AuthService::access_token`).
    ///
    /// See [`UserEntity`] for an example.
    #[must_use]
    pub fn credentials_of(model: &E::Model) -> Credentials {
        let key = Key::<E>::from_value_tuple(ValueTuple::One(model.get(Self::key_column())));
        Credentials {
            id: key.to_string(),
            password_hash: text(model.get(E::PASSWORD_HASH)),
            roles: E::ROLE
                .map(|role| text(model.get(role)))
                .into_iter()
                .collect(),
        }
    }
}

impl<E> UserStore for SeaOrmUserStore<E>
where
    E: UserEntity,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelBehavior + Send,
    Key<E>: FromStr + Display,
{
    type User = E::User;

    async fn find_by_email(&self, email: &str) -> Result<Option<(Credentials, E::User)>, Error> {
        let found = rustbe_core::db::first(E::find().filter(E::EMAIL.eq(email)), &self.db).await?;
        Ok(found.map(|model| (Self::credentials_of(&model), model.into())))
    }

    async fn credentials(&self, id: &str) -> Result<Option<Credentials>, Error> {
        Ok(self.row(id).await?.as_ref().map(Self::credentials_of))
    }

    async fn profile(&self, id: &str) -> Result<Option<E::User>, Error> {
        Ok(self.row(id).await?.map(Into::into))
    }

    async fn create(&self, new: NewUser) -> Result<(Credentials, E::User), Error> {
        self.create_with_role(new, E::DEFAULT_ROLE).await
    }

    async fn create_with_role(
        &self,
        new: NewUser,
        role: &str,
    ) -> Result<(Credentials, E::User), Error> {
        let email = new.email.clone();
        let mut row = <E::ActiveModel as ActiveModelBehavior>::new();
        row.set(E::EMAIL, new.email.into());
        row.set(E::NAME, new.name.into());
        row.set(E::PASSWORD_HASH, new.password_hash.into());
        if let Some(column) = E::ROLE {
            row.set(column, role.into());
        }
        match row.insert(&self.db).await.map_err(Error::from) {
            Ok(model) => Ok((Self::credentials_of(&model), model.into())),
            // Which unique column refused is the database's to say, in its own words: ask.
            Err(err) if err.code() == ErrorCode::DuplicateEntry => {
                let taken = E::find().filter(E::EMAIL.eq(email.as_str()));
                if rustbe_core::db::first(taken, &self.db).await?.is_some() {
                    Err(err.with_message(super::EMAIL_TAKEN))
                } else {
                    Err(err)
                }
            }
            Err(err) => Err(err),
        }
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), Error> {
        let model = self.row(id).await?.ok_or_else(Error::not_found)?;
        let mut row = model.into_active_model();
        row.set(E::PASSWORD_HASH, password_hash.into());
        row.update(&self.db).await?;
        Ok(())
    }
}
