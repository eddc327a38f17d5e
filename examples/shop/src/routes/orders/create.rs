//! `POST /api/orders`: placing an order, once per `Idempotency-Key`.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{SubsecRound, Utc};
use rustbe_core::access::Principal;
use rustbe_core::cache::Cache;
use rustbe_core::db::first;
use rustbe_core::extract::Json;
use rustbe_core::openapi::{Unauthorized, Unavailable, Unsupported};
use rustbe_core::resource::{ViewSchema, respond};
use rustbe_core::response::Created;
use rustbe_core::{Error, ErrorCode, FieldError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QuerySelect, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use rust_decimal::Decimal;

use super::dto::{CreateOrder, OrderStatus};
use super::{OrdersState, caller, forget_products};
use crate::entities::order::{OrderLine, money, with_items};
use crate::entities::{address, idempotency_key, order, order_item, product};

/// The longest `Idempotency-Key`, in bytes.
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_IDEMPOTENCY_KEY, 200);
/// ```
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// The `Idempotency-Key` header, if any.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Error> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY);
    match key {
        Some(key) => Ok(Some(key.to_owned())),
        None => Err(
            Error::bad_request("Invalid Idempotency-Key header").with_details([FieldError::new(
                "Idempotency-Key",
                format!("must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
            )]),
        ),
    }
}

/// `201` with the order as the generated reads show it, and its `Location`.
fn created(order: &order::Model) -> Result<Response, Error> {
    let mut response = respond(StatusCode::CREATED, order)?;
    let location = HeaderValue::from_str(&format!("/api/orders/{}", order.id));
    response
        .headers_mut()
        .insert(header::LOCATION, location.map_err(Error::internal)?);
    Ok(response)
}

/// Place an order: prices from the catalogue, stock reserved
#[utoipa::path(post, path = "/api/orders", operation_id = "place_order", tag = "orders", security(("bearer_auth" = [])),
    params(("Idempotency-Key" = Option<String>, Header, nullable = false, min_length = 1, max_length = 200,
        description = "A retry with the same key and body answers the first order and creates nothing; the same key with another body is 422")),
    request_body = CreateOrder,
    responses(Created<ViewSchema<order::Model>>, Unauthorized, Unsupported, Unavailable, (status = 400, description = "Malformed body or header (`BAD_REQUEST`) or broken rules (`VALIDATION_ERROR`, with `details`)", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 409, description = "Not enough stock for a line, or an unknown product or address (`CONFLICT`, `details` names each line or `address_id`); nothing changed", body = rustbe_core::envelope::ErrorEnvelope),
        (status = 422, description = "The `Idempotency-Key` was used with another body (`UNPROCESSABLE_ENTITY`)", body = rustbe_core::envelope::ErrorEnvelope)))]
pub(super) async fn create(
    State(state): State<OrdersState>,
    principal: Principal,
    cache: Cache,
    headers: HeaderMap,
    Json(body): Json<CreateOrder>,
) -> Result<Response, Error> {
    let user = caller(&principal)?;
    body.check()?;
    let key = idempotency_key(&headers)?;
    let hash = body.fingerprint();
    if let Some(key) = &key
        && let Some(order) = replay(&state.db, user, key, &hash).await?
    {
        return created(&order);
    }
    let txn = state
        .db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    let idempotency = key.as_deref().map(|k| (k, hash.as_str()));
    match place(&txn, user, &body, idempotency).await {
        Ok(order) => {
            txn.commit().await?;
            forget_products(&cache, &order.items).await;
            created(&order)
        }
        Err(failure) => {
            txn.rollback().await?;
            match (failure, &key) {
                (Failure::KeyTaken, Some(key)) => {
                    match replay(&state.db, user, key, &hash).await? {
                        Some(order) => created(&order),
                        None => Err(Error::conflict(
                            "A request with this Idempotency-Key failed meanwhile; retry",
                        )),
                    }
                }
                (Failure::KeyTaken, None) => Err(Error::internal("idempotency key without a key")),
                (Failure::Error(err), _) => Err(err),
            }
        }
    }
}

/// Why [`place`] gave up.
enum Failure {
    /// Another request stored the same idempotency key first.
    KeyTaken,
    Error(Error),
}

impl<E: Into<Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Self::Error(err.into())
    }
}

/// The order `key` created for `user`, if it created one; 422 if it was used with another body.
async fn replay(
    db: &DatabaseConnection,
    user: Uuid,
    key: &str,
    hash: &str,
) -> Result<Option<order::Model>, Error> {
    let Some(row) = first(
        idempotency_key::Entity::find_by_id((user, key.to_owned())),
        db,
    )
    .await?
    else {
        return Ok(None);
    };
    if row.request_hash != hash {
        return Err(Error::new(ErrorCode::UnprocessableEntity)
            .with_message("This Idempotency-Key was used with another request body"));
    }
    let Some(mut order) = first(order::Entity::find_by_id(row.order_id), db).await? else {
        return Ok(None);
    };
    with_items(db, std::slice::from_mut(&mut order)).await?;
    Ok(Some(order))
}

/// The statements of `POST /api/orders`, inside `txn` (the caller commits or rolls back).
async fn place(
    txn: &DatabaseTransaction,
    user: Uuid,
    body: &CreateOrder,
    idempotency: Option<(&str, &str)>,
) -> Result<order::Model, Failure> {
    let merged = body.merged();
    let ids: Vec<Uuid> = merged.iter().map(|l| l.product_id).collect();
    let prices: HashMap<Uuid, Decimal> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Price)
        .filter(product::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, Decimal)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut problems: Vec<FieldError> = merged
        .iter()
        .filter(|line| !prices.contains_key(&line.product_id))
        .map(|line| {
            FieldError::new(
                format!("items[{}].product_id", line.first),
                "no such product",
            )
        })
        .collect();
    if let Some(address_id) = body.address_id {
        let own = address::Entity::find()
            .select_only()
            .column(address::Column::Id)
            .filter(address::Column::Id.eq(address_id))
            .filter(address::Column::UserId.eq(user))
            .into_tuple::<Uuid>()
            .one(txn)
            .await?;
        if own.is_none() {
            problems.push(FieldError::new("address_id", "no such address"));
        }
    }
    if !problems.is_empty() {
        // A reference to a row that is not there is a conflict with the database's state, as
        // a foreign key violation is everywhere in the API (docs/errors.md), not a broken rule:
        // the body is well formed, and the same one may succeed once the row exists.
        return Err(Error::conflict("No such product or address")
            .with_details(problems)
            .into());
    }

    let now = Utc::now().trunc_subsecs(6);
    let order_id = Uuid::new_v4();
    let mut lines: Vec<(usize, OrderLine)> = merged
        .iter()
        .map(|line| {
            let unit = prices.get(&line.product_id).copied().unwrap_or_default();
            // At most MAX_LINES × MAX_QUANTITY (checked), far inside an i32.
            let quantity = i32::try_from(line.quantity).unwrap_or(i32::MAX);
            (
                line.first,
                OrderLine {
                    product_id: line.product_id,
                    quantity,
                    unit_price: money(unit),
                },
            )
        })
        .collect();
    lines.sort_by_key(|(_, line)| line.product_id);
    // Exact: decimal arithmetic, no float error (3 × 0.10 + 0.20 is 0.50).
    let total: Decimal = money(
        lines
            .iter()
            .map(|(_, l)| l.unit_price * Decimal::from(l.quantity))
            .sum(),
    );

    order::Entity::insert(order::ActiveModel {
        id: Set(order_id),
        user_id: Set(user),
        address_id: Set(body.address_id),
        status: Set(OrderStatus::Pending.as_str().to_owned()),
        total: Set(total),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(txn)
    .await?;

    // Before the stock moves: a concurrent request with the same key waits here for this
    // transaction and then fails on the primary key, instead of finding the stock gone.
    if let Some((key, hash)) = idempotency {
        let stored = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            user_id: Set(user),
            key: Set(key.to_owned()),
            request_hash: Set(hash.to_owned()),
            order_id: Set(order_id),
            created_at: Set(now),
        })
        .exec_without_returning(txn)
        .await;
        match stored {
            Ok(_) => {}
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                return Err(Failure::KeyTaken);
            }
            Err(err) => return Err(err.into()),
        }
    }

    let mut short = Vec::new();
    for (i, line) in &lines {
        let quantity = line.quantity;
        let taken = product::Entity::update_many()
            .col_expr(
                product::Column::StockQuantity,
                Expr::col(product::Column::StockQuantity).sub(quantity),
            )
            .col_expr(
                product::Column::PopularityScore,
                Expr::col(product::Column::PopularityScore).add(quantity),
            )
            .col_expr(product::Column::UpdatedAt, Expr::value(now))
            .filter(product::Column::Id.eq(line.product_id))
            .filter(product::Column::StockQuantity.gte(quantity))
            .exec(txn)
            .await?;
        if taken.rows_affected == 0 {
            short.push(FieldError::new(
                format!("items[{i}].product_id"),
                format!("not enough stock of product {}", line.product_id),
            ));
        }
    }
    if !short.is_empty() {
        short.sort_by(|a, b| a.field().cmp(b.field()));
        return Err(Error::conflict("Not enough stock")
            .with_details(short)
            .into());
    }

    order_item::Entity::insert_many(lines.iter().map(|(_, line)| order_item::ActiveModel {
        id: Set(Uuid::new_v4()),
        order_id: Set(order_id),
        product_id: Set(line.product_id),
        quantity: Set(line.quantity),
        unit_price: Set(line.unit_price),
    }))
    .exec_without_returning(txn)
    .await?;

    Ok(order::Model {
        id: order_id,
        user_id: user,
        address_id: body.address_id,
        status: OrderStatus::Pending.as_str().to_owned(),
        total,
        items: lines.into_iter().map(|(_, line)| line).collect(),
        created_at: now,
        updated_at: now,
    })
}
