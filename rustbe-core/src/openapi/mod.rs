//! The OpenAPI kit: the pieces every rustbe document is built from, so that the derive's
//! routes, rustbe-auth's and an app's hand-written ones describe the envelope, the errors and
//! the common parameters the same way. Schemas of the envelope (`{"success": true, "data":
//! …}`, a page with its `pagination`), error responses (an `ErrorEnvelope` per status),
//! parameters (`page`/`limit`, `sort`/`order`, a query or a UUID path parameter) and an
//! operation with the bearer scheme.
//!
//! ```
//! use rustbe_core::openapi::{self, ErrorResponse};
//! use utoipa::openapi::path::{HttpMethod, PathItem};
//! use utoipa::openapi::PathsBuilder;
//!
//! const NOT_FOUND: ErrorResponse = ("404", "No such order (`NOT_FOUND`)");
//! let mut op = openapi::operation("orders", "Get an order", true)
//!     .parameter(openapi::path_id("id", "The order"))
//!     .response("200", openapi::ok("The order", openapi::data(openapi::reference("Order"))));
//! op = openapi::errors(op, &[NOT_FOUND, openapi::UNAVAILABLE]);
//! let doc = openapi::document(
//!     PathsBuilder::new().path("/api/orders/{id}", PathItem::new(HttpMethod::Get, op.build())),
//!     Vec::new(),
//!     ("orders", "Orders"),
//! );
//! let json = serde_json::to_value(doc).unwrap();
//! let get = &json["paths"]["/api/orders/{id}"]["get"];
//! assert_eq!(get["responses"]["404"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
//! assert_eq!(get["security"][0]["bearer_auth"], serde_json::json!([]));
//! ```

use utoipa::openapi::path::OperationBuilder;
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, Content, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required,
};

use crate::app::BEARER_SCHEME;
use crate::format::Names;

mod parameters;
mod responses;

pub(crate) use parameters::offset_parameter;
pub use parameters::{page_parameters, path_id, query, sort_parameters};
pub use responses::{Invalid, NotModified, Tagged, Unauthorized, Unavailable, Unsupported};

/// An error response: its status and what it means. [`errors`] turns a list of them into
/// responses whose body is the `ErrorEnvelope`.
///
/// ```
/// const GONE: rustbe_core::openapi::ErrorResponse = ("404", "No such row (`NOT_FOUND`)");
/// assert_eq!(GONE.0, "404");
/// ```
pub type ErrorResponse = (&'static str, &'static str);

/// 401 for a route behind the bearer scheme.
pub const UNAUTHORIZED: ErrorResponse = (
    "401",
    "No token (`UNAUTHORIZED`), or a bad, revoked or expired one (`INVALID_TOKEN`, `TOKEN_EXPIRED`)",
);
/// 400 for a route with a JSON body: malformed, or breaking the rules.
pub const INVALID: ErrorResponse = (
    "400",
    "Malformed body (`BAD_REQUEST`) or broken rules (`VALIDATION_ERROR`, with `details`)",
);
/// 415 for a route with a JSON body.
pub const UNSUPPORTED: ErrorResponse = ("415", "The body is not `application/json`");
/// 503 for a route that reads the database.
pub const UNAVAILABLE: ErrorResponse = (
    "503",
    "The database is unavailable (`SERVICE_UNAVAILABLE`, with `Retry-After`)",
);

const JSON: &str = "application/json";

/// `typed`.
///
/// ```
/// let s = rustbe_core::openapi::typed(utoipa::openapi::schema::Type::Integer, None);
/// assert_eq!(serde_json::to_value(s).unwrap()["type"], "integer");
/// ```
#[must_use]
pub fn typed(ty: Type, format: Option<KnownFormat>) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(ty))
        .format(format.map(SchemaFormat::KnownFormat))
        .into()
}

/// `string`.
///
/// ```
/// assert_eq!(serde_json::to_value(rustbe_core::openapi::string()).unwrap()["type"], "string");
/// ```
#[must_use]
pub fn string() -> Schema {
    typed(Type::String, None)
}

/// `boolean`.
///
/// ```
/// assert_eq!(serde_json::to_value(rustbe_core::openapi::boolean()).unwrap()["type"], "boolean");
/// ```
#[must_use]
pub fn boolean() -> Schema {
    typed(Type::Boolean, None)
}

/// `uuid`.
///
/// ```
/// assert_eq!(serde_json::to_value(rustbe_core::openapi::uuid()).unwrap()["format"], "uuid");
/// ```
#[must_use]
pub fn uuid() -> Schema {
    typed(Type::String, Some(KnownFormat::Uuid))
}

/// An integer in `min..=max`.
///
/// ```
/// assert_eq!(serde_json::to_value(rustbe_core::openapi::bounded(1, 5)).unwrap()["maximum"], 5);
/// ```
#[must_use]
pub fn bounded(min: i64, max: i64) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

/// `sort`: comma-separated `fields`, each optionally prefixed with `-`.
///
/// ```
/// let s = serde_json::to_value(rustbe_core::openapi::sort_schema(&["name"])).unwrap();
/// assert_eq!(s["pattern"], "^-?(name)(,-?(name))*$");
/// ```
#[must_use]
pub fn sort_schema(fields: &[&str]) -> Schema {
    let field = format!("-?({})", fields.join("|"));
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(format!("^{field}(,{field})*$")))
        .into()
}

/// `reference`.
///
/// ```
/// let r = serde_json::to_value(rustbe_core::openapi::reference("Order")).unwrap();
/// assert_eq!(r["$ref"], "#/components/schemas/Order");
/// ```
#[must_use]
pub fn reference(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

/// `array`.
///
/// ```
/// let a = serde_json::to_value(rustbe_core::openapi::array(rustbe_core::openapi::reference("Order"))).unwrap();
/// assert_eq!(a["type"], "array");
/// ```
#[must_use]
pub fn array(item: RefOr<Schema>) -> RefOr<Schema> {
    ArrayBuilder::new().items(item).into()
}

/// `{"success": true, "data": data}`.
///
/// ```
/// let d = serde_json::to_value(rustbe_core::openapi::data(rustbe_core::openapi::reference("Order"))).unwrap();
/// assert_eq!(d["required"], serde_json::json!(["success", "data"]));
/// ```
#[must_use]
pub fn data(data: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("success", boolean())
        .property("data", data)
        .required("success")
        .required("data")
        .into()
}

/// `{"success": true, "data": [item], "pagination": PageMeta}`.
///
/// ```
/// let p = serde_json::to_value(rustbe_core::openapi::paged(rustbe_core::openapi::reference("Order"))).unwrap();
/// assert_eq!(p["properties"]["pagination"]["$ref"], "#/components/schemas/PageMeta");
/// ```
#[must_use]
pub fn paged(item: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("success", boolean())
        .property("data", array(item))
        .property("pagination", reference("PageMeta"))
        .required("success")
        .required("data")
        .required("pagination")
        .into()
}

/// `{"success": true, "data": [item], "pagination": {"limit", "next_cursor"}}`: a page by
/// cursor.
///
/// ```
/// let p = serde_json::to_value(rustbe_core::openapi::cursor_paged(rustbe_core::openapi::reference("Order"))).unwrap();
/// assert_eq!(p["properties"]["pagination"]["required"], serde_json::json!(["limit", "next_cursor"]));
/// ```
#[must_use]
pub fn cursor_paged(item: RefOr<Schema>) -> RefOr<Schema> {
    let pagination = ObjectBuilder::new()
        .property("limit", bounded(1, i64::from(u32::MAX)))
        .property(
            "next_cursor",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null])),
        )
        .required("limit")
        .required("next_cursor");
    ObjectBuilder::new()
        .property("success", boolean())
        .property("data", array(item))
        .property("pagination", pagination)
        .required("success")
        .required("data")
        .required("pagination")
        .into()
}

/// An envelope schema (`data`, `paged` or `cursor_paged`) carrying the [`Names`] of its
/// answer, so that formats which wrap answers in their names
/// ([`Plain::wrapped`](crate::format::Plain::wrapped)) document them so. The envelope itself
/// is unchanged.
///
/// ```
/// use rustbe_core::{format::Names, openapi::{data, named, reference}};
/// let schema = named(data(reference("Article")), Names::new("article", "articles"));
/// ```
#[must_use]
pub fn named(schema: RefOr<Schema>, names: Names<'_>) -> RefOr<Schema> {
    crate::format::tag_schema(schema, names)
}

/// An operation of `tag`; `secured` ones list the bearer scheme.
///
/// ```
/// let op = rustbe_core::openapi::operation("orders", "List orders", true).build();
/// assert!(op.security.is_some());
/// ```
#[must_use]
pub fn operation(tag: &str, summary: &str, secured: bool) -> OperationBuilder {
    let op = OperationBuilder::new().tag(tag).summary(Some(summary));
    if secured {
        op.security(SecurityRequirement::new(
            BEARER_SCHEME,
            Vec::<String>::new(),
        ))
    } else {
        op
    }
}

/// A success response with a JSON body.
///
/// ```
/// let r = rustbe_core::openapi::ok("The order", rustbe_core::openapi::reference("Order"));
/// assert_eq!(r.description, "The order");
/// ```
#[must_use]
pub fn ok(description: &str, schema: RefOr<Schema>) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema)))
        .build()
}

/// 204.
///
/// ```
/// assert_eq!(rustbe_core::openapi::no_content("Deleted").description, "Deleted");
/// ```
#[must_use]
pub fn no_content(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// A required JSON body.
///
/// ```
/// let b = rustbe_core::openapi::body(rustbe_core::openapi::reference("OrderCreate"));
/// assert!(b.content.contains_key("application/json"));
/// ```
#[must_use]
pub fn body(schema: RefOr<Schema>) -> RequestBody {
    RequestBodyBuilder::new()
        .content(JSON, Content::new(Some(schema)))
        .required(Some(Required::True))
        .build()
}

/// Error responses, each an `ErrorEnvelope` (in the app's error format once the document is
/// served).
///
/// ```
/// let op = rustbe_core::openapi::errors(rustbe_core::openapi::operation("o", "x", false), &[rustbe_core::openapi::UNAVAILABLE]).build();
/// assert!(op.responses.responses.contains_key("503"));
/// ```
#[must_use]
pub fn errors(mut op: OperationBuilder, all: &[ErrorResponse]) -> OperationBuilder {
    for (status, description) in all {
        op = op.response(
            *status,
            ResponseBuilder::new()
                .description(*description)
                .content(JSON, Content::new(Some(reference("ErrorEnvelope"))))
                .build(),
        );
    }
    op
}

/// A document of `paths` with `schemas` and one described tag.
///
/// ```
/// let doc = rustbe_core::openapi::document(utoipa::openapi::PathsBuilder::new(), Vec::new(), ("orders", "Orders"));
/// assert_eq!(doc.tags.unwrap()[0].name, "orders");
/// ```
#[must_use]
pub fn document(
    paths: PathsBuilder,
    schemas: Vec<(String, RefOr<Schema>)>,
    (tag, description): (&str, &str),
) -> OpenApi {
    OpenApiBuilder::new()
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new().schemas_from_iter(schemas).build(),
        ))
        .tags(Some([TagBuilder::new()
            .name(tag)
            .description(Some(description))
            .build()]))
        .build()
}

/// Every operation of a path item, to be changed in place.
pub(crate) fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}
