//! Builders of the hand-written routes' OpenAPI documents (shared by the products, reviews,
//! users and orders routes): envelope schemas, parameters, error responses.

use rustbe_core::app::BEARER_SCHEME;
use utoipa::openapi::path::{OperationBuilder, Parameter, ParameterBuilder, ParameterIn};
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

const JSON: &str = "application/json";

/// An error response: its status and what it means.
pub(crate) type ErrorResponse = (&'static str, &'static str);

pub(crate) const BAD_PATH: ErrorResponse = ("400", "The id is not a UUID (`BAD_REQUEST`)");
pub(crate) const UNAUTHORIZED: ErrorResponse = (
    "401",
    "No token (`UNAUTHORIZED`), or a bad, revoked or expired one (`INVALID_TOKEN`, `TOKEN_EXPIRED`)",
);
pub(crate) const FORBIDDEN: ErrorResponse = ("403", "The caller is not an admin (`FORBIDDEN`)");
pub(crate) const UNSUPPORTED: ErrorResponse = ("415", "The body is not `application/json`");
pub(crate) const UNAVAILABLE: ErrorResponse = (
    "503",
    "The database is unavailable (`SERVICE_UNAVAILABLE`, with `Retry-After`)",
);

pub(crate) fn typed(ty: Type, format: Option<KnownFormat>) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(ty))
        .format(format.map(SchemaFormat::KnownFormat))
        .into()
}

pub(crate) fn string() -> Schema {
    typed(Type::String, None)
}

pub(crate) fn boolean() -> Schema {
    typed(Type::Boolean, None)
}

pub(crate) fn uuid() -> Schema {
    typed(Type::String, Some(KnownFormat::Uuid))
}

/// An integer in `min..=max`.
pub(crate) fn bounded(min: i64, max: i64) -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::Integer))
        .minimum(Some(min))
        .maximum(Some(max))
        .into()
}

/// `sort`: comma-separated `fields`, each optionally prefixed with `-`.
pub(crate) fn sort_schema(fields: &[&str]) -> Schema {
    let field = format!("-?({})", fields.join("|"));
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .pattern(Some(format!("^{field}(,{field})*$")))
        .into()
}

pub(crate) fn reference(name: &str) -> RefOr<Schema> {
    Ref::from_schema_name(name).into()
}

pub(crate) fn array(item: RefOr<Schema>) -> RefOr<Schema> {
    ArrayBuilder::new().items(item).into()
}

/// `{"success": true, "data": data}`.
pub(crate) fn data(data: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("success", boolean())
        .property("data", data)
        .required("success")
        .required("data")
        .into()
}

/// `{"success": true, "data": [item], "pagination": PageMeta}`.
pub(crate) fn paged(item: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property("success", boolean())
        .property("data", array(item))
        .property("pagination", reference("PageMeta"))
        .required("success")
        .required("data")
        .required("pagination")
        .into()
}

/// An operation of `tag`; `secured` ones list the bearer scheme.
pub(crate) fn operation(tag: &str, summary: &str, secured: bool) -> OperationBuilder {
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
pub(crate) fn ok(description: &str, schema: RefOr<Schema>) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema)))
        .build()
}

/// 204.
pub(crate) fn no_content(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// A required JSON body.
pub(crate) fn body(schema: RefOr<Schema>) -> RequestBody {
    RequestBodyBuilder::new()
        .content(JSON, Content::new(Some(schema)))
        .required(Some(Required::True))
        .build()
}

/// Error responses, each an `ErrorEnvelope`.
pub(crate) fn errors(mut op: OperationBuilder, all: &[ErrorResponse]) -> OperationBuilder {
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

/// An optional query parameter.
pub(crate) fn query(name: &str, schema: Schema, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

/// A UUID path parameter.
pub(crate) fn path_id(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .schema(Some(uuid()))
        .description(Some(description))
        .build()
}

/// `page` and `limit`.
pub(crate) fn page_parameters() -> [Parameter; 2] {
    [
        query("page", bounded(1, i64::from(u32::MAX)), "The page, from 1"),
        query(
            "limit",
            bounded(1, 100),
            "Rows per page (default 20, at most 100; more is a 400)",
        ),
    ]
}

/// `sort` over `fields` (default `default`) and `order`.
pub(crate) fn sort_parameters(fields: &[&str], default: &str) -> [Parameter; 2] {
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

/// A document of `paths` with `schemas` and one described tag.
pub(crate) fn document(
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
