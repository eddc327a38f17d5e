//! Conversions the generated code needs between text, field types and SQL values.

use std::str::FromStr;

use sea_orm::prelude::{ChronoDateTime, ChronoDateTimeUtc, ChronoDateTimeWithTimeZone, Uuid};

use crate::Error;
use crate::access::Principal;

/// A field type a query string can filter by: parsed from text into an SQL value. Every
/// `FromStr` type that SeaORM can bind (numbers, `bool`, `String`, `Uuid`, chrono's dates and
/// times …) is one.
///
/// ```
/// use rustbe_core::resource::FilterValue;
/// assert_eq!(i32::parse_filter("42").unwrap(), sea_orm::Value::from(42_i32));
/// assert_eq!(i32::parse_filter("forty").unwrap_err(), "must be a valid value (invalid digit found in string)");
/// ```
pub trait FilterValue {
    /// The SQL value of `raw`.
    ///
    /// # Errors
    /// A message for the client when `raw` does not parse.
    fn parse_filter(raw: &str) -> Result<sea_orm::Value, String>;
}

impl<T> FilterValue for T
where
    T: FromStr + Into<sea_orm::Value>,
    T::Err: std::fmt::Display,
{
    fn parse_filter(raw: &str) -> Result<sea_orm::Value, String> {
        raw.trim()
            .parse::<T>()
            .map(Into::into)
            .map_err(|err| format!("must be a valid value ({err})"))
    }
}

/// A primary key type the server makes for new rows: UUIDs (v4).
///
/// ```
/// use rustbe_core::resource::GeneratedKey;
/// assert_ne!(uuid::Uuid::generate(), uuid::Uuid::generate());
/// ```
pub trait GeneratedKey {
    /// A fresh key.
    fn generate() -> Self;
}

impl GeneratedKey for Uuid {
    fn generate() -> Self {
        Uuid::new_v4()
    }
}

/// A timestamp field the server sets (`created_at`, `updated_at`).
///
/// ```
/// use rustbe_core::resource::Timestamp;
/// let now: chrono::DateTime<chrono::Utc> = Timestamp::now();
/// assert!(now.timestamp() > 0);
/// ```
pub trait Timestamp {
    /// The current time.
    fn now() -> Self;
}

impl Timestamp for ChronoDateTimeUtc {
    fn now() -> Self {
        chrono::Utc::now()
    }
}

impl Timestamp for ChronoDateTimeWithTimeZone {
    fn now() -> Self {
        chrono::Utc::now().fixed_offset()
    }
}

impl Timestamp for ChronoDateTime {
    fn now() -> Self {
        chrono::Utc::now().naive_utc()
    }
}

impl<T: Timestamp> Timestamp for Option<T> {
    fn now() -> Self {
        Some(T::now())
    }
}

/// The caller's id as the owner field's type: 401 without a caller, 403 when the id is not
/// of that type (the caller cannot own such rows).
///
/// ```
/// use rustbe_core::access::Principal;
/// use rustbe_core::resource::owner_id;
/// assert_eq!(owner_id::<i64>(Some(&Principal::new("7", ["customer"]))).unwrap(), 7);
/// assert_eq!(owner_id::<i64>(None).unwrap_err().status(), 401);
/// assert_eq!(owner_id::<i64>(Some(&Principal::new("x", ["customer"]))).unwrap_err().status(), 403);
/// ```
pub fn owner_id<T: FromStr>(principal: Option<&Principal>) -> Result<T, Error> {
    let principal = principal.ok_or_else(Error::unauthorized)?;
    principal.id().parse().map_err(|_| Error::forbidden())
}
