//! `PATCH /api/orders/{id}`: moving an order along its lifecycle, and putting the stock back
//! when it is cancelled.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{SubsecRound, Utc};
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::cache::Cache;
use rustbe_core::db::first;
use rustbe_core::extract::{Json, Path};
use rustbe_core::openapi::{Tagged, Unauthorized, Unavailable, Unsupported};
use rustbe_core::resource::{ViewSchema, check_if_match, respond};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use uuid::Uuid;

use super::dto::{OrderStatus, UpdateOrder};
use super::{OrdersState, caller, forget_products, is_admin};
use crate::entities::order::with_items;
use crate::entities::{order, product};

/// Whether `principal` may move an order from `from` to `to`: `403` or `409` when not.
fn check_move(admin: bool, from: OrderStatus, to: OrderStatus) -> Result<(), Error> {
    let conflict = || {
        Error::conflict(format!(
            "An order cannot move from {} to {}",
            from.as_str(),
            to.as_str()
        ))
    };
    if admin {
        return if from.can_move_to(to) {
            Ok(())
        } else {
            Err(conflict())
        };
    }
    match (from, to) {
        (OrderStatus::Pending, OrderStatus::Cancelled) => Ok(()),
        (_, OrderStatus::Cancelled) if !from.can_move_to(to) => Err(conflict()),
        _ => Err(Error::forbidden().with_message("Customers may only cancel a pending order")),
    }
}

/// Change the status: admins forward or cancel before delivery; owners cancel a pending order; cancelling puts the stock back
#[utoipa::path(patch, path = "/api/orders/{id}", operation_id = "update_order", tag = "orders", security(("bearer_auth" = [])),
    params(("id" = Uuid, Path, description = "The order"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The `ETag` the change is based on: 412 if the order changed since")),
    request_body = UpdateOrder,
    responses(Tagged<ViewSchema<order::Model>>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "Malformed body or header (`BAD_REQUEST`) or broken rules (`VALIDATION_ERROR`, with `details`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 403, description = "The owner asked for something other than cancelling a pending order (`FORBIDDEN`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 404, description = "No such order, or one of another user (`NOT_FOUND`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 409, description = "The order cannot move to that status (`CONFLICT`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 412, description = "`If-Match` does not match the order's ETag (`PRECONDITION_FAILED`)", body = rustbe_core::envelope::ErrorEnvelope)))]
pub(super) async fn update(
    State(state): State<OrdersState>,
    principal: Principal,
    cache: Cache,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(body): Json<UpdateOrder>,
) -> Result<Response, Error> {
    let mut order = first(order::Entity::find_by_id(id), &state.db)
        .await?
        .filter(|o| is_admin(&principal) || caller(&principal).ok() == Some(o.user_id))
        .ok_or_else(Error::not_found)?;
    with_items(&state.db, std::slice::from_mut(&mut order)).await?;
    check_if_match(&headers, &order)?;
    let from = OrderStatus::parse(&order.status)
        .ok_or_else(|| Error::internal(format!("order {id} has status {:?}", order.status)))?;
    let to = body.status;
    check_move(is_admin(&principal), from, to)?;
    let now = Utc::now().trunc_subsecs(6);
    let txn = state
        .db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    let moved = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .filter(order::Column::Id.eq(id))
        .filter(order::Column::Status.eq(from.as_str()))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        txn.rollback().await?;
        return Err(Error::conflict(
            "The order changed meanwhile; read it again",
        ));
    }
    if to == OrderStatus::Cancelled {
        for line in &order.items {
            product::Entity::update_many()
                .col_expr(
                    product::Column::StockQuantity,
                    Expr::col(product::Column::StockQuantity).add(line.quantity),
                )
                .col_expr(
                    product::Column::PopularityScore,
                    Expr::col(product::Column::PopularityScore).sub(line.quantity),
                )
                .col_expr(product::Column::UpdatedAt, Expr::value(now))
                .filter(product::Column::Id.eq(line.product_id))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    if to == OrderStatus::Cancelled {
        forget_products(&cache, &order.items).await;
    }
    order.status = to.as_str().to_owned();
    order.updated_at = now;
    respond(StatusCode::OK, &order)
}
