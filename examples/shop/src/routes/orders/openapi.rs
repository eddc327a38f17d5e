//! The OpenAPI document of the order routes.

use utoipa::ToSchema;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, Parameter, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Content, OpenApi, RefOr, Required};

use super::{
    CreateOrder, CreateOrderLine, MAX_IDEMPOTENCY_KEY, Order, OrderLine, OrderStatus, UpdateOrder,
};
use crate::routes::doc::{
    self, ErrorResponse, UNAUTHORIZED, UNAVAILABLE, UNSUPPORTED, data, paged, path_id, string,
};

const JSON: &str = "application/json";

fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    doc::reference(&T::name())
}

/// A parameter `in` a place: required only in the path. (`parameter_in` comes first: utoipa
/// forces `required` for a path parameter, the builder's default place.)
fn parameter(name: &str, place: ParameterIn, schema: Schema, description: &str) -> Parameter {
    let required = if matches!(place, ParameterIn::Path) {
        Required::True
    } else {
        Required::False
    };
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(required)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn list_parameters() -> Vec<Parameter> {
    let one_of = |values: &[&str]| -> Schema {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(values.iter().copied()))
            .into()
    };
    let statuses: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    vec![
        parameter(
            "page",
            ParameterIn::Query,
            doc::bounded(1, i64::from(u32::MAX)),
            "The page, from 1",
        ),
        parameter(
            "limit",
            ParameterIn::Query,
            doc::bounded(1, 100),
            "Orders per page (default 20, at most 100)",
        ),
        parameter(
            "offset",
            ParameterIn::Query,
            doc::bounded(0, i64::from(u32::MAX)),
            "Orders to skip, from 0 (instead of `page`)",
        ),
        parameter(
            "sort",
            ParameterIn::Query,
            doc::sort_schema(&["created_at", "total", "status"]),
            "Comma-separated fields, `-` for descending; one of: created_at, total, status \
             (default `-created_at`)",
        ),
        parameter(
            "order",
            ParameterIn::Query,
            one_of(&["asc", "desc"]),
            "The direction of the `sort` fields without `-`",
        ),
        parameter(
            "status",
            ParameterIn::Query,
            one_of(&statuses),
            "Only orders with this status",
        ),
    ]
}

const INVALID: ErrorResponse = (
    "400",
    "Malformed body or header (`BAD_REQUEST`) or broken rules (`VALIDATION_ERROR`, with \
     `details`)",
);
const BAD_QUERY: ErrorResponse = (
    "400",
    "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`, `VALIDATION_ERROR`)",
);
const NOT_FOUND: ErrorResponse = ("404", "No such order, or one of another user (`NOT_FOUND`)");

struct Op {
    summary: &'static str,
    parameters: Vec<Parameter>,
    body: Option<RefOr<Schema>>,
    /// The status of success and its answer.
    ok: (&'static str, Response),
    errors: &'static [ErrorResponse],
}

/// `op`, tagged `orders`, with the bearer scheme.
fn operation(op: Op) -> Operation {
    let mut builder = doc::operation("orders", op.summary, true);
    for parameter in op.parameters {
        builder = builder.parameter(parameter);
    }
    if let Some(body) = op.body {
        builder = builder.request_body(Some(doc::body(body)));
    }
    let (status, ok) = op.ok;
    builder = builder.response(status, ok);
    doc::errors(builder, op.errors).build()
}

/// A JSON response with described headers.
fn response(description: &str, schema: RefOr<Schema>, headers: &[(&str, &str)]) -> Response {
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema)));
    for (name, description) in headers {
        builder = builder.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(*description))
                .build(),
        );
    }
    builder.build()
}

/// The OpenAPI document of these routes: every operation tagged `orders`, with the bearer
/// scheme, its parameters, bodies and answers in the envelope (errors as `ErrorEnvelope`), and
/// the schemas `Order`, `OrderLine`, `CreateOrder`, `CreateOrderLine`, `UpdateOrder` and
/// `OrderStatus`.
///
/// ```
/// let doc = serde_json::to_value(shop::routes::orders::openapi()).unwrap();
/// let create = &doc["paths"]["/api/orders"]["post"];
/// assert_eq!(create["tags"][0], "orders");
/// assert_eq!(create["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/CreateOrder");
/// assert!(doc["paths"]["/api/users/{id}/orders"]["get"].is_object());
/// assert!(doc["components"]["schemas"]["Order"].is_object());
/// ```
#[must_use]
pub fn openapi() -> OpenApi {
    let order = || schema_ref::<Order>();
    let idempotency = parameter(
        "Idempotency-Key",
        ParameterIn::Header,
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .min_length(Some(1))
            .max_length(Some(MAX_IDEMPOTENCY_KEY))
            .into(),
        "A retry with the same key and body answers the first order and creates nothing; the \
         same key with another body is 422",
    );
    let place = Op {
        summary: "Place an order: prices from the catalogue, stock reserved",
        parameters: vec![idempotency],
        body: Some(schema_ref::<CreateOrder>()),
        ok: (
            "201",
            response(
                "The order; `Location` names it",
                data(order()),
                &[("Location", "`/api/orders/{id}`")],
            ),
        ),
        errors: &[
            INVALID,
            UNAUTHORIZED,
            (
                "409",
                "Not enough stock for a line, or an unknown product or address (`CONFLICT`, \
                 `details` names each line or `address_id`); nothing changed",
            ),
            UNSUPPORTED,
            (
                "422",
                "The `Idempotency-Key` was used with another body (`UNPROCESSABLE_ENTITY`)",
            ),
            UNAVAILABLE,
        ],
    };
    let list = Op {
        summary: "The caller's orders (an admin's: everyone's), with their items",
        parameters: list_parameters(),
        body: None,
        ok: ("200", response("A page of orders", paged(order()), &[])),
        errors: &[BAD_QUERY, UNAUTHORIZED, UNAVAILABLE],
    };
    let read = Op {
        summary: "One order with its items (owner or admin)",
        parameters: vec![
            path_id("id", "The order"),
            parameter(
                "If-None-Match",
                ParameterIn::Header,
                string(),
                "An `ETag` read before: 304 if the order has not changed",
            ),
        ],
        body: None,
        ok: (
            "200",
            response(
                "The order",
                data(order()),
                &[("ETag", "Strong entity tag of the order")],
            ),
        ),
        errors: &[doc::BAD_PATH, UNAUTHORIZED, NOT_FOUND, UNAVAILABLE],
    };
    let patch = Op {
        summary: "Change the status: admins forward or cancel before delivery; owners cancel \
                  a pending order; cancelling puts the stock back",
        parameters: vec![
            path_id("id", "The order"),
            parameter(
                "If-Match",
                ParameterIn::Header,
                string(),
                "The `ETag` the change is based on: 412 if the order changed since",
            ),
        ],
        body: Some(schema_ref::<UpdateOrder>()),
        ok: (
            "200",
            response(
                "The order as it is now",
                data(order()),
                &[("ETag", "Strong entity tag of the order")],
            ),
        ),
        errors: &[
            INVALID,
            UNAUTHORIZED,
            (
                "403",
                "The owner asked for something other than cancelling a pending order \
                 (`FORBIDDEN`)",
            ),
            NOT_FOUND,
            ("409", "The order cannot move to that status (`CONFLICT`)"),
            (
                "412",
                "`If-Match` does not match the order's ETag (`PRECONDITION_FAILED`)",
            ),
            UNSUPPORTED,
            UNAVAILABLE,
        ],
    };
    let mut by_user = list_parameters();
    by_user.insert(0, path_id("id", "The user"));
    let of_user = Op {
        summary: "One user's orders, with their items (that user or an admin)",
        parameters: by_user,
        body: None,
        ok: ("200", response("A page of orders", paged(order()), &[])),
        errors: &[
            BAD_QUERY,
            UNAUTHORIZED,
            (
                "404",
                "Another user's orders, asked by a non-admin (`NOT_FOUND`)",
            ),
            UNAVAILABLE,
        ],
    };

    let mut orders = PathItem::new(HttpMethod::Get, operation(list));
    orders.merge_operations(PathItem::new(HttpMethod::Post, operation(place)));
    let mut read = operation(read);
    read.responses.responses.insert(
        "304".to_owned(),
        ResponseBuilder::new()
            .description("Not modified: the `If-None-Match` tag is current (no body)")
            .build()
            .into(),
    );
    let mut one = PathItem::new(HttpMethod::Get, read);
    one.merge_operations(PathItem::new(HttpMethod::Patch, operation(patch)));
    let paths = PathsBuilder::new()
        .path("/api/orders", orders)
        .path("/api/orders/{id}", one)
        .path(
            "/api/users/{id}/orders",
            PathItem::new(HttpMethod::Get, operation(of_user)),
        );

    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
    add::<Order>(&mut schemas);
    add::<OrderLine>(&mut schemas);
    add::<OrderStatus>(&mut schemas);
    add::<CreateOrder>(&mut schemas);
    add::<CreateOrderLine>(&mut schemas);
    add::<UpdateOrder>(&mut schemas);
    doc::document(
        paths,
        schemas,
        ("orders", "Placing orders, reading them, and their status"),
    )
}
