//! The user store the auth router works with: the ready table of [`account`] ([`Accounts`]),
//! an app's own user entity naming its columns ([`UserEntity`], served by
//! [`SeaOrmUserStore`]), or a store of another kind implementing [`UserStore`] itself.

pub mod account;
mod admin;
mod sea;

pub use admin::AccountRoutes;
pub use sea::{SeaOrmUserStore, UserEntity};

/// Accounts in the ready `users` table of [`account`]: what an app without columns of its
/// own on its accounts keeps them in.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{Accounts, NewUser, UserStore};
/// let db = rustbe_core::db::connect(&rustbe_core::config::DatabaseConfig::new("sqlite::memory:")).await.unwrap();
/// let users = Accounts::new(db);
/// users.create_table().await.unwrap(); // in development; deploy with migrations
/// let new = NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "h".into() };
/// let (credentials, ada) = users.create(new).await.unwrap();
/// assert_eq!((credentials.id, ada.role.as_str()), (ada.id.to_string(), "customer"));
/// # });
/// ```
pub type Accounts = SeaOrmUserStore<account::Entity>;

/// The message of the 409 `DUPLICATE_ENTRY` every store and the account routes answer when an
/// email is taken.
pub(crate) const EMAIL_TAKEN: &str = "Email is already registered";

use std::future::Future;
use std::sync::{Arc, Mutex};

use rustbe_core::{Error, ErrorCode};
use serde::Serialize;

/// What authentication needs to know about a user. `Debug` leaves the password hash out.
///
/// ```
/// use rustbe_auth::users::Credentials;
///
/// let credentials = Credentials { id: "7".into(), password_hash: "$argon2id$…".into(), roles: vec!["customer".into()] };
/// assert_eq!(format!("{credentials:?}"), r#"Credentials { id: "7", roles: ["customer"], .. }"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user's id, as text.
    pub id: String,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// The user's roles.
    pub roles: Vec<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// A user to create at registration. The role is the store's default (never taken from the
/// request). `Debug` leaves the password hash out.
///
/// ```
/// use rustbe_auth::users::NewUser;
///
/// let new = NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "$argon2id$…".into() };
/// assert_eq!(format!("{new:?}"), r#"NewUser { email: "ada@example.com", name: "Ada", .. }"#);
/// ```
#[derive(Clone)]
pub struct NewUser {
    /// Lower-cased, trimmed email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The argon2 PHC string of the chosen password.
    pub password_hash: String,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Users, as the auth router needs them. Emails arrive lower-cased and trimmed.
///
/// `User` is the public shape returned by the API: it must never contain the password hash.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
///
/// async fn roles_of(users: &impl UserStore, email: &str) -> Vec<String> {
///     users.find_by_email(email).await.unwrap().map(|(c, _)| c.roles).unwrap_or_default()
/// }
/// let users = MemoryUserStore::new();
/// users.create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "$argon2id$…".into() }).await.unwrap();
/// assert_eq!(roles_of(&users, "ada@example.com").await, ["customer"]);
/// assert!(roles_of(&users, "bob@example.com").await.is_empty());
/// # });
/// ```
pub trait UserStore: Send + Sync + 'static {
    /// The user as the API shows it.
    type User: Serialize + Send + Sync + 'static;

    /// The credentials and the public shape of the user with `email`, if any, in one read
    /// (login needs both).
    fn find_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<(Credentials, Self::User)>, Error>> + Send;
    /// The credentials of the user with `id`, if any.
    fn credentials(
        &self,
        id: &str,
    ) -> impl Future<Output = Result<Option<Credentials>, Error>> + Send;
    /// The public shape of the user with `id`, if any.
    fn profile(&self, id: &str) -> impl Future<Output = Result<Option<Self::User>, Error>> + Send;
    /// Creates a user; 409 `DUPLICATE_ENTRY` when the email is taken.
    fn create(
        &self,
        user: NewUser,
    ) -> impl Future<Output = Result<(Credentials, Self::User), Error>> + Send;
    /// Creates a user with `role` instead of the store's default, in one write (the admin
    /// bootstrap, [`AuthService::bootstrap_admin`](crate::AuthService::bootstrap_admin), creates
    /// its administrator so: never a customer promoted afterwards); 409 `DUPLICATE_ENTRY` when
    /// the email is taken. Never called with a role taken from a request.
    fn create_with_role(
        &self,
        user: NewUser,
        role: &str,
    ) -> impl Future<Output = Result<(Credentials, Self::User), Error>> + Send;
    /// Replaces a user's password hash.
    fn set_password(
        &self,
        id: &str,
        password_hash: &str,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

/// A user of [`MemoryUserStore`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
///
/// let (_, user) = MemoryUserStore::new().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "$argon2id$…".into() }).await.unwrap();
/// let json = serde_json::to_value(&user).unwrap();
/// assert_eq!((json["email"].as_str(), json["role"].as_str()), (Some("ada@example.com"), Some("customer")));
/// assert!(json.get("password_hash").is_none());
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MemoryUser {
    /// Id.
    pub id: String,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// `customer` or `admin`.
    pub role: String,
}

/// Users in memory: for tests and examples.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
/// let users = MemoryUserStore::new();
/// let new = NewUser { email: "a@b.co".into(), name: "A".into(), password_hash: "h".into() };
/// let (creds, user) = users.create(new.clone()).await.unwrap();
/// assert_eq!(user.role, "customer");
/// assert_eq!(users.create(new).await.unwrap_err().status(), 409);
/// users.set_role(&creds.id, "admin");
/// assert_eq!(users.credentials(&creds.id).await.unwrap().unwrap().roles, ["admin"]);
/// # });
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemoryUserStore {
    users: Arc<Mutex<Vec<(MemoryUser, String)>>>,
}

impl MemoryUserStore {
    /// No users. Clones share them.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
    ///
    /// let users = MemoryUserStore::new();
    /// assert!(users.find_by_email("ada@example.com").await.unwrap().is_none());
    /// users.clone().create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "$argon2id$…".into() }).await.unwrap();
    /// assert!(users.find_by_email("ada@example.com").await.unwrap().is_some());
    /// # });
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes a user's role (what an admin endpoint would do); an unknown id changes nothing.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// use rustbe_auth::users::{MemoryUserStore, NewUser, UserStore};
    ///
    /// let users = MemoryUserStore::new();
    /// let (creds, _) = users.create(NewUser { email: "ada@example.com".into(), name: "Ada".into(), password_hash: "$argon2id$…".into() }).await.unwrap();
    /// users.set_role(&creds.id, "admin");
    /// assert_eq!(users.profile(&creds.id).await.unwrap().unwrap().role, "admin");
    /// assert_eq!(users.credentials(&creds.id).await.unwrap().unwrap().roles, ["admin"]);
    /// # });
    /// ```
    pub fn set_role(&self, id: &str, role: &str) {
        for (user, _) in self.lock().iter_mut().filter(|(u, _)| u.id == id) {
            user.role = role.to_owned();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(MemoryUser, String)>> {
        self.users
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn find(&self, pred: impl Fn(&MemoryUser) -> bool) -> Option<(MemoryUser, String)> {
        self.lock().iter().find(|(u, _)| pred(u)).cloned()
    }
}

fn credentials((user, hash): (MemoryUser, String)) -> Credentials {
    Credentials {
        id: user.id,
        password_hash: hash,
        roles: vec![user.role],
    }
}

impl UserStore for MemoryUserStore {
    type User = MemoryUser;

    async fn find_by_email(&self, email: &str) -> Result<Option<(Credentials, MemoryUser)>, Error> {
        Ok(self
            .find(|u| u.email == email)
            .map(|found| (credentials(found.clone()), found.0)))
    }

    async fn credentials(&self, id: &str) -> Result<Option<Credentials>, Error> {
        Ok(self.find(|u| u.id == id).map(credentials))
    }

    async fn profile(&self, id: &str) -> Result<Option<MemoryUser>, Error> {
        Ok(self.find(|u| u.id == id).map(|(u, _)| u))
    }

    async fn create(&self, new: NewUser) -> Result<(Credentials, MemoryUser), Error> {
        self.create_with_role(new, "customer").await
    }

    async fn create_with_role(
        &self,
        new: NewUser,
        role: &str,
    ) -> Result<(Credentials, MemoryUser), Error> {
        let mut users = self.lock();
        if users.iter().any(|(u, _)| u.email == new.email) {
            return Err(Error::new(ErrorCode::DuplicateEntry).with_message(EMAIL_TAKEN));
        }
        let user = MemoryUser {
            id: uuid::Uuid::new_v4().to_string(),
            email: new.email,
            name: new.name,
            role: role.to_owned(),
        };
        users.push((user.clone(), new.password_hash.clone()));
        Ok((credentials((user.clone(), new.password_hash)), user))
    }

    async fn set_password(&self, id: &str, password_hash: &str) -> Result<(), Error> {
        for (_, hash) in self.lock().iter_mut().filter(|(u, _)| u.id == id) {
            *hash = password_hash.to_owned();
        }
        Ok(())
    }
}
