//! `GET /api/orders`, `GET /api/users/{id}/orders` and `GET /api/orders/{id}`: reading
//! orders with their items, in a fixed number of statements.

use rustbe_core::resource::order_by;
use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::envelope::Data;
use rustbe_core::extract::{Filters, Pagination, Path, Sort, SortFields, SortKey};
use rustbe_core::openapi::{NotModified, Tagged, Unauthorized, Unavailable};
use rustbe_core::resource::etag_of;
use rustbe_core::response::Page;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{Order, OrderStatus};
use super::{OrdersState, caller, is_admin};
use crate::entities::{order, order_item, user};

/// The items of `orders`, by order, each in product-id order: one statement.
pub(super) async fn items_of(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<HashMap<Uuid, Vec<order_item::Model>>, Error> {
    let mut by_order: HashMap<Uuid, Vec<order_item::Model>> = HashMap::new();
    if orders.is_empty() {
        return Ok(by_order);
    }
    let rows = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(orders.iter().copied()))
        .order_by_asc(order_item::Column::OrderId)
        .order_by_asc(order_item::Column::ProductId)
        .all(db)
        .await?;
    for row in rows {
        by_order.entry(row.order_id).or_default().push(row);
    }
    Ok(by_order)
}

/// Order `id` with its items, if `principal` may see it (owner or admin): 404 otherwise.
pub(super) async fn visible(
    db: &DatabaseConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<Order, Error> {
    let row = rustbe_core::db::first(order::Entity::find_by_id(id), db)
        .await?
        .ok_or_else(Error::not_found)?;
    if !is_admin(principal) && row.user_id != caller(principal)? {
        return Err(Error::not_found());
    }
    let mut items = items_of(db, &[id]).await?;
    Order::from_rows(&row, items.remove(&id).unwrap_or_default())
}

pub(super) struct OrderSort;

impl SortFields for OrderSort {
    const FIELDS: &'static [&'static str] = &["created_at", "total", "status"];
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

/// The query parameters of the lists; anything else is a 400.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Only orders with this status.
    status: Option<OrderStatus>,
}

/// A page of orders (of `owner` only, when given) with their items: three statements.
async fn page_of(
    db: &DatabaseConnection,
    owner: Option<Uuid>,
    query: &ListQuery,
    page: Pagination,
    sort: &Sort<OrderSort>,
) -> Result<Page<Order>, Error> {
    let mut condition = Condition::all();
    if let Some(owner) = owner {
        condition = condition.add(order::Column::UserId.eq(owner));
    }
    if let Some(status) = query.status {
        condition = condition.add(order::Column::Status.eq(status.as_str()));
    }
    let mut select = order::Entity::find().filter(condition);
    select = order_by(select, sort.keys(), |field| match field {
        "total" => order::Column::Total,
        "status" => order::Column::Status,
        _ => order::Column::CreatedAt,
    });
    let pages = select
        .order_by_asc(order::Column::Id)
        .paginate(db, page.limit());
    let total = pages.num_items().await?;
    let rows = pages.fetch_page(page.page() - 1).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut items = items_of(db, &ids).await?;
    let orders = rows
        .into_iter()
        .map(|row| {
            let lines = items.remove(&row.id).unwrap_or_default();
            Order::from_rows(&row, lines)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(orders, page, total))
}

/// The caller's orders (an admin's: everyone's), with their items
#[utoipa::path(get, path = "/api/orders", operation_id = "list_orders", tag = "orders", security(("bearer_auth" = [])),
    params(Pagination, Sort<OrderSort>, ListQuery),
    responses(Page<Order>, Unauthorized, Unavailable, (status = 400, description = "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`, `VALIDATION_ERROR`)", body = rustbe_core::envelope::ErrorEnvelope)))]
pub(super) async fn list(
    State(state): State<OrdersState>,
    principal: Principal,
    page: Pagination,
    sort: Sort<OrderSort>,
    Filters(query): Filters<ListQuery>,
) -> Result<Page<Order>, Error> {
    let owner = if is_admin(&principal) {
        None
    } else {
        Some(caller(&principal)?)
    };
    page_of(&state.db, owner, &query, page, &sort).await
}

/// One user's orders, with their items (that user or an admin)
#[utoipa::path(get, path = "/api/users/{id}/orders", operation_id = "list_user_orders", tag = "orders", security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "The user"), Pagination, Sort<OrderSort>, ListQuery),
    responses(Page<Order>, Unauthorized, Unavailable, (status = 400, description = "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`, `VALIDATION_ERROR`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 404, description = "Another user's orders, asked by a non-admin (`NOT_FOUND`)", body = rustbe_core::envelope::ErrorEnvelope)))]
pub(super) async fn list_for_user(
    State(state): State<OrdersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    page: Pagination,
    sort: Sort<OrderSort>,
    Filters(query): Filters<ListQuery>,
) -> Result<Page<Order>, Error> {
    if !is_admin(&principal) && caller(&principal)? != id {
        return Err(Error::not_found());
    }
    // The orders of a user that is not there (never was, or was deleted) are no empty page:
    // the user's own route answers 404, and so does this one, even to an admin.
    if is_admin(&principal) && user::Entity::find_by_id(id).count(&state.db).await? == 0 {
        return Err(Error::not_found());
    }
    page_of(&state.db, Some(id), &query, page, &sort).await
}

/// `order` in the envelope with its strong `ETag`.
pub(super) fn tagged(order: &Order) -> Result<(Vec<u8>, String), Error> {
    let body = serde_json::to_vec(&Data::new(order)).map_err(Error::internal)?;
    let etag = etag_of(&body);
    Ok((body, etag))
}

/// The entity tags of header `name`, if the request has it.
pub(super) fn entity_tags<'h>(
    headers: &'h HeaderMap,
    name: &header::HeaderName,
) -> Option<Vec<&'h str>> {
    let mut found: Option<Vec<&str>> = None;
    for value in headers.get_all(name) {
        let text = value.to_str().unwrap_or_default();
        found
            .get_or_insert_with(Vec::new)
            .extend(text.split(',').map(str::trim).filter(|t| !t.is_empty()));
    }
    found
}

pub(super) fn ok_with_etag(body: Vec<u8>, etag: &str) -> Result<Response, Error> {
    let etag = HeaderValue::from_str(etag).map_err(Error::internal)?;
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response())
}

/// One order with its items (owner or admin)
#[utoipa::path(get, path = "/api/orders/{id}", operation_id = "get_order", tag = "orders", security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "The order"),
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "An `ETag` read before: 304 if the order has not changed")),
    responses(Tagged<Order>, NotModified, Unauthorized, Unavailable,
        (status = 400, description = "The id is not a UUID (`BAD_REQUEST`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 404, description = "No such order, or one of another user (`NOT_FOUND`)", body = rustbe_core::envelope::ErrorEnvelope)))]
pub(super) async fn get_one(
    State(state): State<OrdersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let order = visible(&state.db, &principal, id).await?;
    let (body, etag) = tagged(&order)?;
    let fresh = entity_tags(&headers, &header::IF_NONE_MATCH).is_some_and(|tags| {
        tags.iter()
            .any(|t| *t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
    });
    if fresh {
        let etag = HeaderValue::from_str(&etag).map_err(Error::internal)?;
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    ok_with_etag(body, &etag)
}
