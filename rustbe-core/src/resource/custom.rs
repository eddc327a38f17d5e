//! Custom list filters: a query parameter backed by an app function that turns its parsed
//! value into a [`Condition`], allowlisted and documented like the derive's own filters.

use sea_orm::Condition;
use sea_orm::sea_query::SimpleExpr;
use utoipa::openapi::schema::Schema;

use super::FieldSchema;

/// A custom filter parameter of a list: `#[resource(filter_fn(name = "in_stock", with = …))]`
/// on the struct writes one. `condition` parses the raw query value and asks the app's
/// function for the rows it selects; `schema` is the parameter's schema in OpenAPI.
///
/// ```
/// use rustbe_core::resource::CustomFilter;
/// use sea_orm::{Condition, sea_query::Expr};
///
/// fn in_stock(yes: bool) -> Condition {
///     Condition::all().add(Expr::cust(if yes { "stock > 0" } else { "stock = 0" }))
/// }
/// const IN_STOCK: CustomFilter = CustomFilter {
///     name: "in_stock",
///     description: "Only products in stock (`true`) or sold out (`false`)",
///     schema: || rustbe_core::resource::custom_filter_schema(in_stock),
///     condition: |raw| rustbe_core::resource::custom_filter_condition(raw, in_stock),
/// };
/// assert!((IN_STOCK.condition)("true").is_ok());
/// assert_eq!((IN_STOCK.condition)("yes").unwrap_err(), "must be true or false");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CustomFilter {
    /// The query parameter.
    pub name: &'static str,
    /// Its description in OpenAPI.
    pub description: &'static str,
    /// Its schema in OpenAPI: the parsed type's [`QueryValue::query_schema`].
    pub schema: fn() -> Schema,
    /// The condition of a raw value, or a message for the client (a 400 naming the parameter).
    pub condition: fn(&str) -> Result<Condition, String>,
}

/// A type a custom filter takes from the query string: parsed from the raw text, with the
/// schema OpenAPI shows for it. Implemented for `bool` (`true`/`false`), the integers, `f64`
/// (finite), `Decimal`, `String` (trimmed, not blank) and `Uuid`; implement it for an app type (an id or
/// a slug, an enum …).
///
/// ```
/// use rustbe_core::resource::QueryValue;
/// assert_eq!(i32::parse_query(" 42 ").unwrap(), 42);
/// assert_eq!(bool::parse_query("maybe").unwrap_err(), "must be true or false");
/// assert!(String::parse_query("  ").is_err());
/// ```
pub trait QueryValue: Sized {
    /// The value of `raw`.
    ///
    /// # Errors
    /// A message for the client when `raw` is not a value of the type.
    fn parse_query(raw: &str) -> Result<Self, String>;
    /// The schema of the parameter.
    fn query_schema() -> Schema;
}

impl QueryValue for bool {
    fn parse_query(raw: &str) -> Result<Self, String> {
        match raw.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false".to_owned()),
        }
    }

    fn query_schema() -> Schema {
        <bool as FieldSchema>::schema()
    }
}

macro_rules! parsed_query_value {
    ($($t:ty => $message:literal;)*) => {$(
        impl QueryValue for $t {
            fn parse_query(raw: &str) -> Result<Self, String> {
                raw.trim().parse::<$t>().map_err(|_| $message.to_owned())
            }

            fn query_schema() -> Schema {
                <$t as FieldSchema>::schema()
            }
        }
    )*};
}

parsed_query_value! {
    i32 => "must be an integer";
    i64 => "must be an integer";
    u32 => "must be a non-negative integer";
    u64 => "must be a non-negative integer";
    uuid::Uuid => "must be a UUID";
}

impl QueryValue for rust_decimal::Decimal {
    fn parse_query(raw: &str) -> Result<Self, String> {
        crate::decimal::parse_query(raw)
    }

    fn query_schema() -> Schema {
        <rust_decimal::Decimal as FieldSchema>::schema()
    }
}

impl QueryValue for f64 {
    fn parse_query(raw: &str) -> Result<Self, String> {
        match raw.trim().parse::<f64>() {
            Ok(value) if value.is_finite() => Ok(value),
            _ => Err("must be a number".to_owned()),
        }
    }

    fn query_schema() -> Schema {
        <f64 as FieldSchema>::schema()
    }
}

impl QueryValue for String {
    fn parse_query(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("must not be blank".to_owned());
        }
        Ok(value.to_owned())
    }

    fn query_schema() -> Schema {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::SchemaType::Type(
                utoipa::openapi::schema::Type::String,
            ))
            .pattern(Some(super::NOT_BLANK_PATTERN))
            .into()
    }
}

/// What a custom filter's function may answer: a [`Condition`] or an expression, or
/// `Result` of one with a message for the client.
///
/// ```
/// use rustbe_core::resource::IntoCondition;
/// use sea_orm::{Condition, sea_query::Expr};
/// assert!(Condition::all().into_condition().is_ok());
/// assert!(Expr::cust("1 = 1").into_condition().is_ok());
/// let refused: Result<Condition, String> = Err("must be a slug".into());
/// assert_eq!(refused.into_condition().unwrap_err(), "must be a slug");
/// ```
pub trait IntoCondition {
    /// The condition, or a message for the client.
    ///
    /// # Errors
    /// The function's own message.
    fn into_condition(self) -> Result<Condition, String>;
}

impl IntoCondition for Condition {
    fn into_condition(self) -> Result<Condition, String> {
        Ok(self)
    }
}

impl IntoCondition for SimpleExpr {
    fn into_condition(self) -> Result<Condition, String> {
        Ok(Condition::all().add(self))
    }
}

impl<T: IntoCondition, E: Into<String>> IntoCondition for Result<T, E> {
    fn into_condition(self) -> Result<Condition, String> {
        self.map_err(Into::into)?.into_condition()
    }
}

/// The condition of a custom filter: `raw` parsed as the function's argument, then the
/// function's answer. What the derive's `filter_fn` calls.
///
/// ```
/// use rustbe_core::resource::custom_filter_condition;
/// use sea_orm::{Condition, sea_query::Expr};
/// fn min_rating(stars: i32) -> Result<Condition, String> {
///     if (1..=5).contains(&stars) {
///         Ok(Condition::all().add(Expr::cust(format!("rating >= {stars}"))))
///     } else {
///         Err("must be from 1 to 5".into())
///     }
/// }
/// assert!(custom_filter_condition("4", min_rating).is_ok());
/// assert_eq!(custom_filter_condition("9", min_rating).unwrap_err(), "must be from 1 to 5");
/// assert_eq!(custom_filter_condition("x", min_rating).unwrap_err(), "must be an integer");
/// ```
///
/// # Errors
/// The parse's or the function's message.
pub fn custom_filter_condition<T, O>(
    raw: &str,
    filter: impl Fn(T) -> O,
) -> Result<Condition, String>
where
    T: QueryValue,
    O: IntoCondition,
{
    filter(T::parse_query(raw)?).into_condition()
}

/// The schema of a custom filter's parameter: its function's argument type's.
///
/// ```
/// use rustbe_core::resource::custom_filter_schema;
/// fn in_stock(_: bool) -> sea_orm::Condition { sea_orm::Condition::all() }
/// let json = serde_json::to_value(custom_filter_schema(in_stock)).unwrap();
/// assert_eq!(json["type"], "boolean");
/// ```
#[must_use]
pub fn custom_filter_schema<T: QueryValue, O>(_filter: impl Fn(T) -> O) -> Schema {
    T::query_schema()
}

/// The condition of a read hook's answer (`#[resource(scope = path)]`): a condition or an
/// expression; an `Err` matches no row (and is logged), so a failing scope hides rather than
/// shows.
///
/// ```
/// use rustbe_core::resource::scope_condition;
/// use sea_orm::{Condition, DbBackend, QueryTrait, sea_query::Expr};
/// use sea_orm::entity::prelude::*;
/// # #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
/// # #[sea_orm(table_name = "docs")]
/// # pub struct Model { #[sea_orm(primary_key)] pub id: i32 }
/// # #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// # pub enum Relation {}
/// # impl ActiveModelBehavior for ActiveModel {}
/// let refused: Result<Condition, String> = Err("no tenant".into());
/// let condition = scope_condition(refused);
/// let sql = Entity::find().filter(condition).build(DbBackend::Sqlite).to_string();
/// assert!(sql.contains("1 = 0"), "{sql}");
/// assert!(!scope_condition(Expr::cust("deleted_at IS NULL")).is_empty());
/// ```
#[must_use]
pub fn scope_condition<O: IntoCondition>(scope: O) -> Condition {
    match scope.into_condition() {
        Ok(condition) => condition,
        Err(message) => {
            tracing::error!(%message, "a resource's read scope failed: no row matches");
            Condition::all().add(sea_orm::sea_query::Expr::cust("1 = 0"))
        }
    }
}
