//! Common parameters: a query parameter, a path id, the page and sort parameters.

use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

use super::{bounded, sort_schema, uuid};

/// An optional query parameter.
///
/// ```
/// let p = rustbe_core::openapi::query("q", rustbe_core::openapi::string(), "Search");
/// assert_eq!(p.name, "q");
/// ```
#[must_use]
pub fn query(name: &str, schema: Schema, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// A UUID path parameter.
///
/// ```
/// let p = rustbe_core::openapi::path_id("id", "The order");
/// assert_eq!(p.name, "id");
/// ```
#[must_use]
pub fn path_id(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(uuid()))
        .description(Some(description))
        .build()
}

/// `page`, `limit` and `offset` (what [`Pagination`](crate::extract::Pagination) reads).
///
/// ```
/// let [page, limit, offset] = rustbe_core::openapi::page_parameters();
/// assert_eq!((page.name.as_str(), limit.name.as_str(), offset.name.as_str()), ("page", "limit", "offset"));
/// ```
#[must_use]
pub fn page_parameters() -> [Parameter; 3] {
    [
        query("page", bounded(1, i64::from(u32::MAX)), "The page, from 1"),
        query(
            "limit",
            bounded(1, 100),
            "Rows per page (default 20, at most 100; more is a 400)",
        ),
        offset_parameter(),
    ]
}

/// `offset`: rows to skip, instead of `page`.
pub(crate) fn offset_parameter() -> Parameter {
    query(
        "offset",
        bounded(0, i64::from(u32::MAX)),
        "Rows to skip, from 0 (instead of `page`; both are a 400)",
    )
}

/// `sort` over `fields` (default `default`) and `order`.
///
/// ```
/// let [sort, order] = rustbe_core::openapi::sort_parameters(&["total"], "-total");
/// assert_eq!((sort.name.as_str(), order.name.as_str()), ("sort", "order"));
/// ```
#[must_use]
pub fn sort_parameters(fields: &[&str], default: &str) -> [Parameter; 2] {
    let order = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .enum_values(Some(["asc", "desc"]))
        .into();
    [
        query(
            "sort",
            sort_schema(fields),
            &format!(
                "Comma-separated fields, `-` for descending; one of: {} (default `{default}`)",
                fields.join(", ")
            ),
        ),
        query(
            "order",
            order,
            "`asc` or `desc`: the direction of the `sort` fields without `-`",
        ),
    ]
}
