//! The OpenAPI document of the order routes, from their `#[utoipa::path]`s.

use utoipa::OpenApi;

use crate::entities::order;

use super::{CreateOrder, CreateOrderLine, OrderLine, OrderStatus, UpdateOrder};

#[derive(OpenApi)]
#[openapi(
    paths(super::create::create, super::status::update),
    components(schemas(OrderLine, OrderStatus, CreateOrder, CreateOrderLine, UpdateOrder)),
    tags((name = "orders", description = "Placing orders, reading them, and their status"))
)]
struct OrdersDoc;

/// The OpenAPI document of these routes: every operation tagged `orders`, with the bearer
/// scheme, its parameters, bodies and answers in the envelope (errors as `ErrorEnvelope`), and
/// the schemas `Order` (the derive's, as its reads show it), `OrderLine`, `CreateOrder`,
/// `CreateOrderLine`, `UpdateOrder` and `OrderStatus`.
///
/// ```
/// let doc = serde_json::to_value(shop::routes::orders::openapi()).unwrap();
/// let create = &doc["paths"]["/api/orders"]["post"];
/// assert_eq!(create["tags"][0], "orders");
/// assert_eq!(create["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/CreateOrder");
/// let key = &create["parameters"][0];
/// assert_eq!((&key["name"], &key["schema"]["maxLength"]), (&"Idempotency-Key".into(), &shop::routes::orders::MAX_IDEMPOTENCY_KEY.into()));
/// assert!(doc["paths"]["/api/users/{id}/orders"]["get"].is_object());
/// assert!(doc["components"]["schemas"]["Order"].is_object());
/// ```
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = rustbe_core::resource::openapi::<order::Model>("/api");
    doc.merge(OrdersDoc::openapi());
    doc
}
