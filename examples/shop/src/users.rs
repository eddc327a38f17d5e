//! The shop's users as the API shows them, and the message of a taken email. rustbe-auth's
//! `Accounts` keeps them, in its ready `users` table (the shop's migration creates it).

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
