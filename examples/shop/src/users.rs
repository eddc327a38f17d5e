//! The shop's users as the API shows them, and their roles. rustbe-auth's `Accounts` keeps
//! them, in its ready `users` table (the shop's migration creates it), and its
//! `AccountRoutes` serves `/api/users…`: the admin's list and each user's own account.

/// A user as the API shows it: never the password hash (rustbe-auth's `account::User`).
///
/// ```
/// use shop::users::User;
/// let user = User { id: uuid::Uuid::nil(), email: "a@b.co".into(), name: "A".into(), role: "customer".into(),
///     created_at: chrono::Utc::now(), updated_at: chrono::Utc::now() };
/// assert!(serde_json::to_value(&user).unwrap().get("password_hash").is_none());
/// ```
pub use rustbe_auth::users::account::User;

/// The roles a user may have: who registers is a `customer`.
///
/// ```
/// assert!(shop::users::ROLES.contains(&"admin"));
/// ```
pub const ROLES: &[&str] = &[
    <rustbe_auth::users::account::Entity as rustbe_auth::users::UserEntity>::DEFAULT_ROLE,
    rustbe_auth::router::ADMIN_ROLE,
];
