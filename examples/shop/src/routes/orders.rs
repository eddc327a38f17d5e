//! `/api/orders…`: placing an order, reading orders, and moving an order along its lifecycle.
//!
//! # Placing an order
//!
//! `POST /api/orders` takes [`CreateOrder`], `{items: [{product_id, quantity}], address_id?}`.
//!
//! 1. The body is checked as a whole and every broken rule is named at once
//!    (`VALIDATION_ERROR`): `items` holds 1 to [`MAX_LINES`] lines, each `quantity` is 1 to
//!    [`MAX_QUANTITY`], and a product appears on one line only. A second line for the same
//!    product is refused under `items[i].product_id` rather than merged: a client that sends
//!    two lines for one product has a bug the shop should not hide.
//! 2. With an `Idempotency-Key` header (1 to 200 visible characters, per user), a key already
//!    used by this user answers its order again (see below).
//! 3. One transaction (`BEGIN IMMEDIATE` on SQLite, so concurrent orders queue for the write
//!    lock instead of failing to upgrade a read):
//!    - the prices of every product in one `SELECT … WHERE id IN (…)`, and the address when one
//!      is given. An unknown product is `VALIDATION_ERROR` under `items[i].product_id`; an
//!      address that does not exist or belongs to someone else is `VALIDATION_ERROR` under
//!      `address_id` with the same message, so ids of other users cannot be probed;
//!    - the order row, `pending`, with the total computed from the catalogue in integer cents
//!      (each unit price rounded to cents, times the quantity, summed) so no float error creeps
//!      in; `total` and `unit_price` are shown with two decimals;
//!    - the idempotency key row (user, key, SHA-256 of the canonical body, order id);
//!    - per line, in product-id order (so two orders never lock rows in opposite orders), one
//!      `UPDATE products SET stock_quantity = stock_quantity - q, popularity_score =
//!      popularity_score + q, updated_at = now WHERE id = ? AND stock_quantity >= q`. A line
//!      that updates no row is short: the answer is `409 CONFLICT` naming every short line
//!      under `items[i].product_id`, and the transaction is rolled back, so nothing changes;
//!    - the items, in one `INSERT`, each with its catalogue `unit_price`.
//! 4. After the commit the cached representation of each product is invalidated, and the answer
//!    is `201` with the [`Order`] and `Location: /api/orders/{id}`.
//!
//! # Idempotency
//!
//! A retry with the same key and the same body answers `201` with the order the key created and
//! the same `Location`; no order is created and no stock moves. The order is shown as it is now
//! (a retry after the order was paid shows it paid). The same key with another body is `422
//! UNPROCESSABLE_ENTITY`. "The same body" is compared on the canonical form of the parsed body
//! ([`CreateOrder::fingerprint`]), so whitespace, key order and the case of UUIDs do not
//! matter, while the order of lines does. Only a created order records its key: a request that
//! failed (no stock, bad input) may be retried with the same key. Two concurrent requests with
//! one key create one order: the second one's insert of the key fails on the primary key
//! `(user_id, key)`, its transaction is rolled back, and it answers what the key now holds.
//!
//! # Reading
//!
//! `GET /api/orders` lists the caller's orders (an admin's: everyone's), `GET
//! /api/users/{id}/orders` one user's (that user or an admin; anyone else gets 404, and an admin
//! gets an empty page for an unknown user). Both take `page`, `limit`, `sort` (`created_at`,
//! `total`, `status`; default `-created_at`), `order` and `status`; an unknown parameter or
//! status is 400 `BAD_REQUEST`. A page costs three statements whatever its size: the count, the
//! page, and the items of all its orders in one `WHERE order_id IN (…)`. `GET
//! /api/orders/{id}` (owner or admin, 404 otherwise) costs two: the order and its items. It
//! sends a strong `ETag` and answers `304` to a matching `If-None-Match`. Items are listed in
//! product-id order.
//!
//! # Status
//!
//! `PATCH /api/orders/{id}` takes [`UpdateOrder`], `{status}`; the address is fixed once the
//! order is placed. An admin moves an order forward along `pending` → `paid` → `shipped` →
//! `delivered`, or cancels it before delivery; any other move, including to the status it
//! already has, is `409 CONFLICT` ([`OrderStatus::can_move_to`]). The owner may cancel a
//! pending order; any other change is `403 FORBIDDEN`, except cancelling an order nobody may
//! cancel any more (delivered or cancelled), which is `409`. Cancelling puts the stock back and
//! takes the popularity back in the same transaction as the status, and invalidates the cached
//! products. The status is changed with `WHERE status = <the one read>`, so two concurrent
//! cancels restore the stock once; the loser gets `409`. A stale `If-Match` is `412`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, SubsecRound, Utc};
use rustbe_core::access::Principal;
use rustbe_core::app::BEARER_SCHEME;
use rustbe_core::cache::Cache;
use rustbe_core::envelope::Data;
use rustbe_core::extract::{Direction, Json, Pagination, Path, Query, Sort, SortFields, SortKey};
use rustbe_core::resource::{Resource as _, etag_of};
use rustbe_core::response::{Created, Page};
use rustbe_core::{Error, ErrorCode, FieldError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ComponentsBuilder, Content, OpenApi, OpenApiBuilder, PathsBuilder, Ref, RefOr, Required,
};
use uuid::Uuid;

use crate::entities::{address, idempotency_key, order, order_item, product};

/// The most lines an order may hold.
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_LINES, 50);
/// ```
pub const MAX_LINES: usize = 50;

/// The largest quantity of one line.
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_QUANTITY, 1000);
/// ```
pub const MAX_QUANTITY: i64 = 1000;

/// The longest `Idempotency-Key`, in bytes.
///
/// ```
/// assert_eq!(shop::routes::orders::MAX_IDEMPOTENCY_KEY, 200);
/// ```
pub const MAX_IDEMPOTENCY_KEY: usize = 200;

/// Where an order is in its lifecycle.
///
/// ```
/// use shop::routes::orders::OrderStatus;
/// assert_eq!(OrderStatus::Pending.as_str(), "pending");
/// assert_eq!(OrderStatus::parse("shipped"), Some(OrderStatus::Shipped));
/// assert_eq!(OrderStatus::parse("lost"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Placed, not paid yet: the stock is reserved.
    Pending,
    /// Paid.
    Paid,
    /// Handed to the carrier.
    Shipped,
    /// Arrived: final.
    Delivered,
    /// Cancelled, the stock put back: final.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    ///
    /// ```
    /// assert_eq!(shop::routes::orders::OrderStatus::ALL.len(), 5);
    /// ```
    pub const ALL: [Self; 5] = [
        Self::Pending,
        Self::Paid,
        Self::Shipped,
        Self::Delivered,
        Self::Cancelled,
    ];

    /// The name stored and shown.
    ///
    /// ```
    /// assert_eq!(shop::routes::orders::OrderStatus::Cancelled.as_str(), "cancelled");
    /// ```
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status named `name`, if there is one.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus;
    /// assert_eq!(OrderStatus::parse("paid"), Some(OrderStatus::Paid));
    /// assert_eq!(OrderStatus::parse("Paid"), None);
    /// ```
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The next step forward, if any.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus;
    /// assert_eq!(OrderStatus::Paid.next(), Some(OrderStatus::Shipped));
    /// assert_eq!(OrderStatus::Delivered.next(), None);
    /// assert_eq!(OrderStatus::Cancelled.next(), None);
    /// ```
    #[must_use]
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Pending => Some(Self::Paid),
            Self::Paid => Some(Self::Shipped),
            Self::Shipped => Some(Self::Delivered),
            Self::Delivered | Self::Cancelled => None,
        }
    }

    /// Whether an admin may move an order from `self` to `to`: one step forward, or to
    /// `cancelled` before delivery. Staying put is not a move.
    ///
    /// ```
    /// use shop::routes::orders::OrderStatus::*;
    /// assert!(Pending.can_move_to(Paid));
    /// assert!(Shipped.can_move_to(Cancelled));
    /// assert!(!Pending.can_move_to(Shipped)); // one step at a time
    /// assert!(!Paid.can_move_to(Pending)); // never backwards
    /// assert!(!Delivered.can_move_to(Cancelled));
    /// assert!(!Paid.can_move_to(Paid));
    /// ```
    #[must_use]
    pub fn can_move_to(self, to: Self) -> bool {
        self.next() == Some(to)
            || (to == Self::Cancelled && matches!(self, Self::Pending | Self::Paid | Self::Shipped))
    }
}

/// One line of a new order.
///
/// ```
/// let line: shop::routes::orders::CreateOrderLine = serde_json::from_str(
///     r#"{"product_id": "6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11", "quantity": 2}"#,
/// ).unwrap();
/// assert_eq!(line.quantity, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateOrderLine {
    /// The product.
    pub product_id: Uuid,
    /// How many, 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: i64,
}

/// `POST /api/orders`. Prices, the total, the owner and the status come from the server.
///
/// ```
/// use shop::routes::orders::CreateOrder;
/// let body: CreateOrder = serde_json::from_str(
///     r#"{"items": [{"product_id": "6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11", "quantity": 2}]}"#,
/// ).unwrap();
/// assert!(body.check().is_ok());
/// assert_eq!(body.address_id, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreateOrder {
    /// The lines: 1 to 50, one per product.
    #[schema(min_items = 1, max_items = 50)]
    pub items: Vec<CreateOrderLine>,
    /// One of the caller's addresses.
    #[serde(default)]
    pub address_id: Option<Uuid>,
}

impl CreateOrder {
    /// Checks the rules of the body, naming every broken one: `items` not empty and at most
    /// [`MAX_LINES`], each `quantity` 1 to [`MAX_QUANTITY`], each product on one line only.
    ///
    /// ```
    /// use shop::routes::orders::{CreateOrder, CreateOrderLine};
    /// let id = uuid::Uuid::nil();
    /// let line = |quantity| CreateOrderLine { product_id: id, quantity };
    /// let body = CreateOrder { items: vec![line(0), line(1)], address_id: None };
    /// let err = body.check().unwrap_err();
    /// let fields: Vec<_> = err.details().iter().map(|d| d.field()).collect();
    /// assert_eq!(fields, ["items[0].quantity", "items[1].product_id"]);
    /// let empty = CreateOrder { items: vec![], address_id: None };
    /// assert_eq!(empty.check().unwrap_err().details()[0].field(), "items");
    /// ```
    ///
    /// # Errors
    /// `VALIDATION_ERROR` with the details.
    pub fn check(&self) -> Result<(), Error> {
        let mut problems = Vec::new();
        if self.items.is_empty() {
            problems.push(FieldError::new("items", "must hold at least one item"));
        } else if self.items.len() > MAX_LINES {
            problems.push(FieldError::new(
                "items",
                format!("must hold at most {MAX_LINES} items"),
            ));
        }
        let mut first_line: HashMap<Uuid, usize> = HashMap::new();
        for (i, line) in self.items.iter().enumerate() {
            if !(1..=MAX_QUANTITY).contains(&line.quantity) {
                problems.push(FieldError::new(
                    format!("items[{i}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
            if let Some(first) = first_line.insert(line.product_id, i) {
                first_line.insert(line.product_id, first);
                problems.push(FieldError::new(
                    format!("items[{i}].product_id"),
                    format!(
                        "is already ordered in items[{first}]; put the whole quantity on one line"
                    ),
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::validation(problems))
        }
    }

    /// The hex SHA-256 of the canonical form of the body (fields in a fixed order, UUIDs in
    /// lower case, no whitespace): what an `Idempotency-Key` is bound to.
    ///
    /// ```
    /// use shop::routes::orders::CreateOrder;
    /// let a: CreateOrder = serde_json::from_str(
    ///     r#"{"items": [{"quantity": 1, "product_id": "6F1C9A4E-3C1B-4BDE-9B55-2A4F3C0D9E11"}]}"#,
    /// ).unwrap();
    /// let b: CreateOrder = serde_json::from_str(
    ///     r#"{"address_id": null, "items":[{"product_id":"6f1c9a4e-3c1b-4bde-9b55-2a4f3c0d9e11","quantity":1}]}"#,
    /// ).unwrap();
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// assert_eq!(a.fingerprint().len(), 64);
    /// ```
    #[must_use]
    pub fn fingerprint(&self) -> String {
        // Serialising the parsed struct gives its fields in declaration order; it cannot fail.
        let canonical = serde_json::to_string(self).unwrap_or_default();
        // rustbe-auth's hex SHA-256 (the shop has no hashing crate of its own).
        rustbe_auth::store::token_hash(&canonical)
    }
}

/// `PATCH /api/orders/{id}`.
///
/// ```
/// use shop::routes::orders::{OrderStatus, UpdateOrder};
/// let body: UpdateOrder = serde_json::from_str(r#"{"status": "cancelled"}"#).unwrap();
/// assert_eq!(body.status, OrderStatus::Cancelled);
/// assert!(serde_json::from_str::<UpdateOrder>(r#"{"status": "lost"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateOrder {
    /// The new status.
    pub status: OrderStatus,
}

/// One line of an order as the API shows it.
///
/// ```
/// let line = shop::routes::orders::OrderLine {
///     product_id: uuid::Uuid::nil(),
///     quantity: 2,
///     unit_price: 19.99,
/// };
/// assert_eq!(serde_json::to_value(&line).unwrap()["unit_price"], 19.99);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OrderLine {
    /// The product.
    pub product_id: Uuid,
    /// How many.
    pub quantity: i32,
    /// The catalogue price when the order was placed.
    pub unit_price: f64,
}

/// An order as the API shows it, with its lines.
///
/// ```
/// use shop::routes::orders::{Order, OrderStatus};
/// let now = chrono::Utc::now();
/// let order = Order {
///     id: uuid::Uuid::nil(),
///     user_id: uuid::Uuid::nil(),
///     address_id: None,
///     status: OrderStatus::Pending,
///     total: 39.98,
///     items: vec![],
///     created_at: now,
///     updated_at: now,
/// };
/// assert_eq!(serde_json::to_value(&order).unwrap()["status"], "pending");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Order {
    /// The id.
    pub id: Uuid,
    /// Who placed it.
    pub user_id: Uuid,
    /// Where it goes, if an address was given (cleared if the address is deleted).
    pub address_id: Option<Uuid>,
    /// Where it is in its lifecycle.
    pub status: OrderStatus,
    /// The sum of `unit_price × quantity` over the lines, computed by the server.
    pub total: f64,
    /// The lines, in product-id order.
    pub items: Vec<OrderLine>,
    /// When it was placed.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Order {
    fn from_rows(row: &order::Model, items: Vec<order_item::Model>) -> Result<Self, Error> {
        let status = OrderStatus::parse(&row.status).ok_or_else(|| {
            Error::internal(format!("order {} has status {:?}", row.id, row.status))
        })?;
        Ok(Self {
            id: row.id,
            user_id: row.user_id,
            address_id: row.address_id,
            status,
            total: money(cents(row.total)),
            items: items
                .into_iter()
                .map(|i| OrderLine {
                    product_id: i.product_id,
                    quantity: i.quantity,
                    unit_price: money(cents(i.unit_price)),
                })
                .collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// `price` in whole cents, rounded to the nearest.
fn cents(price: f64) -> i64 {
    (price * 100.0).round() as i64
}

/// Whole cents as money: a number with (at most) two decimals.
fn money(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Drops the cached representations of the products of `lines`, after their stock changed
/// outside the generated product routes.
async fn forget_products(cache: &Cache, lines: &[OrderLine]) {
    for line in lines {
        cache
            .invalidate(
                product::Model::META.collection,
                &line.product_id.to_string(),
            )
            .await;
    }
}

/// What the routes share.
#[derive(Clone)]
struct OrdersState {
    db: DatabaseConnection,
}

/// The routes, relative to `/api`: `/orders`, `/orders/{id}` and `/users/{id}/orders`. They
/// need a signed-in caller ([`Principal`]) and a [`Cache`] in the request, as the app's auth
/// layer and `App` give them.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::testing::TestRequest;
/// let config = rustbe_core::config::Config::for_tests(shop::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = shop::app(config, db).await.unwrap().into_router(); // merges `routes::orders::router`
/// assert_eq!(TestRequest::get("/api/orders").send(&router).await.error_code(), "UNAUTHORIZED");
/// # });
/// ```
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/orders", get(list).post(create))
        .route("/orders/{id}", get(get_one).patch(update))
        .route("/users/{id}/orders", get(list_for_user))
        .with_state(OrdersState { db })
}

/// The caller's user id.
fn caller(principal: &Principal) -> Result<Uuid, Error> {
    Uuid::parse_str(principal.id()).map_err(|_| Error::forbidden())
}

fn is_admin(principal: &Principal) -> bool {
    principal.has_role("admin")
}

// ---------------------------------------------------------------------------------------------
// Placing an order
// ---------------------------------------------------------------------------------------------

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

fn created(order: Order) -> Created<Order> {
    Created::new(format!("/api/orders/{}", order.id), order)
}

async fn create(
    State(state): State<OrdersState>,
    principal: Principal,
    cache: Cache,
    headers: HeaderMap,
    Json(body): Json<CreateOrder>,
) -> Result<Created<Order>, Error> {
    let user = caller(&principal)?;
    body.check()?;
    let key = idempotency_key(&headers)?;
    let hash = body.fingerprint();
    if let Some(key) = &key
        && let Some(order) = replay(&state.db, user, key, &hash).await?
    {
        return Ok(created(order));
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
            Ok(created(order))
        }
        Err(failure) => {
            txn.rollback().await?;
            match (failure, &key) {
                (Failure::KeyTaken, Some(key)) => replay(&state.db, user, key, &hash)
                    .await?
                    .map(created)
                    .ok_or_else(|| {
                        Error::conflict(
                            "A request with this Idempotency-Key failed meanwhile; retry",
                        )
                    }),
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
) -> Result<Option<Order>, Error> {
    let Some(row) = idempotency_key::Entity::find_by_id((user, key.to_owned()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row.request_hash != hash {
        return Err(Error::new(ErrorCode::UnprocessableEntity)
            .with_message("This Idempotency-Key was used with another request body"));
    }
    let Some(order) = order::Entity::find_by_id(row.order_id).one(db).await? else {
        return Ok(None);
    };
    let mut items = items_of(db, &[order.id]).await?;
    Order::from_rows(&order, items.remove(&row.order_id).unwrap_or_default()).map(Some)
}

/// The statements of `POST /api/orders`, inside `txn` (the caller commits or rolls back).
async fn place(
    txn: &DatabaseTransaction,
    user: Uuid,
    body: &CreateOrder,
    idempotency: Option<(&str, &str)>,
) -> Result<Order, Failure> {
    let ids: Vec<Uuid> = body.items.iter().map(|l| l.product_id).collect();
    let prices: HashMap<Uuid, f64> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Price)
        .filter(product::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, f64)>()
        .all(txn)
        .await?
        .into_iter()
        .collect();
    let mut problems: Vec<FieldError> = body
        .items
        .iter()
        .enumerate()
        .filter(|(_, line)| !prices.contains_key(&line.product_id))
        .map(|(i, _)| FieldError::new(format!("items[{i}].product_id"), "no such product"))
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
        return Err(Error::validation(problems).into());
    }

    let now = Utc::now().trunc_subsecs(6);
    let order_id = Uuid::new_v4();
    let mut lines: Vec<(usize, OrderLine)> = body
        .items
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let unit = prices.get(&line.product_id).copied().map_or(0, cents);
            let quantity = i32::try_from(line.quantity).unwrap_or(i32::MAX);
            (
                i,
                OrderLine {
                    product_id: line.product_id,
                    quantity,
                    unit_price: money(unit),
                },
            )
        })
        .collect();
    lines.sort_by_key(|(_, line)| line.product_id);
    let total: i64 = lines
        .iter()
        .map(|(_, l)| cents(l.unit_price) * i64::from(l.quantity))
        .sum();

    order::Entity::insert(order::ActiveModel {
        id: Set(order_id),
        user_id: Set(user),
        address_id: Set(body.address_id),
        status: Set(OrderStatus::Pending.as_str().to_owned()),
        total: Set(money(total)),
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

    Ok(Order {
        id: order_id,
        user_id: user,
        address_id: body.address_id,
        status: OrderStatus::Pending,
        total: money(total),
        items: lines.into_iter().map(|(_, line)| line).collect(),
        created_at: now,
        updated_at: now,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The items of `orders`, by order, each in product-id order: one statement.
async fn items_of(
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
async fn visible(db: &DatabaseConnection, principal: &Principal, id: Uuid) -> Result<Order, Error> {
    let row = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(Error::not_found)?;
    if !is_admin(principal) && row.user_id != caller(principal)? {
        return Err(Error::not_found());
    }
    let mut items = items_of(db, &[id]).await?;
    Order::from_rows(&row, items.remove(&id).unwrap_or_default())
}

struct OrderSort;

impl SortFields for OrderSort {
    const FIELDS: &'static [&'static str] = &["created_at", "total", "status"];
    const DEFAULT: &'static [SortKey] = &[SortKey::desc("created_at")];
}

/// The query parameters of the lists; anything else is a 400.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    status: Option<OrderStatus>,
    #[serde(rename = "page")]
    _page: Option<String>,
    #[serde(rename = "limit")]
    _limit: Option<String>,
    #[serde(rename = "sort")]
    _sort: Option<String>,
    #[serde(rename = "order")]
    _order: Option<String>,
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
    for key in sort.keys() {
        let column = match key.field {
            "total" => order::Column::Total,
            "status" => order::Column::Status,
            _ => order::Column::CreatedAt,
        };
        select = match key.direction {
            Direction::Asc => select.order_by_asc(column),
            Direction::Desc => select.order_by_desc(column),
        };
    }
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

async fn list(
    State(state): State<OrdersState>,
    principal: Principal,
    page: Pagination,
    sort: Sort<OrderSort>,
    Query(query): Query<ListQuery>,
) -> Result<Page<Order>, Error> {
    let owner = if is_admin(&principal) {
        None
    } else {
        Some(caller(&principal)?)
    };
    page_of(&state.db, owner, &query, page, &sort).await
}

async fn list_for_user(
    State(state): State<OrdersState>,
    principal: Principal,
    Path(id): Path<Uuid>,
    page: Pagination,
    sort: Sort<OrderSort>,
    Query(query): Query<ListQuery>,
) -> Result<Page<Order>, Error> {
    if !is_admin(&principal) && caller(&principal)? != id {
        return Err(Error::not_found());
    }
    page_of(&state.db, Some(id), &query, page, &sort).await
}

/// `order` in the envelope with its strong `ETag`.
fn tagged(order: &Order) -> Result<(Vec<u8>, String), Error> {
    let body = serde_json::to_vec(&Data::new(order)).map_err(Error::internal)?;
    let etag = etag_of(&body);
    Ok((body, etag))
}

/// The entity tags of header `name`, if the request has it.
fn entity_tags<'h>(headers: &'h HeaderMap, name: &header::HeaderName) -> Option<Vec<&'h str>> {
    let mut found: Option<Vec<&str>> = None;
    for value in headers.get_all(name) {
        let text = value.to_str().unwrap_or_default();
        found
            .get_or_insert_with(Vec::new)
            .extend(text.split(',').map(str::trim).filter(|t| !t.is_empty()));
    }
    found
}

fn ok_with_etag(body: Vec<u8>, etag: &str) -> Result<Response, Error> {
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

async fn get_one(
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

// ---------------------------------------------------------------------------------------------
// Status
// ---------------------------------------------------------------------------------------------

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

async fn update(
    State(state): State<OrdersState>,
    principal: Principal,
    cache: Cache,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(body): Json<UpdateOrder>,
) -> Result<Response, Error> {
    let mut order = visible(&state.db, &principal, id).await?;
    if let Some(tags) = entity_tags(&headers, &header::IF_MATCH) {
        let (_, etag) = tagged(&order)?;
        if !tags.iter().any(|t| *t == "*" || *t == etag) {
            return Err(Error::new(ErrorCode::PreconditionFailed));
        }
    }
    let (from, to) = (order.status, body.status);
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
    order.status = to;
    order.updated_at = now;
    let (body, etag) = tagged(&order)?;
    ok_with_etag(body, &etag)
}

// ---------------------------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------------------------

const JSON: &str = "application/json";

fn string_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .into()
}

fn schema_ref<T: ToSchema>() -> RefOr<Schema> {
    Ref::from_schema_name(T::name()).into()
}

/// `{"success": true, "data": data}`.
fn data_schema(data: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(
            "success",
            ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)),
        )
        .property("data", data)
        .required("success")
        .required("data")
        .into()
}

/// `{"success": true, "data": [item], "pagination": PageMeta}`.
fn page_schema(item: RefOr<Schema>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .property(
            "success",
            ObjectBuilder::new().schema_type(SchemaType::Type(Type::Boolean)),
        )
        .property("data", ArrayBuilder::new().items(item))
        .property("pagination", Ref::from_schema_name("PageMeta"))
        .required("success")
        .required("data")
        .required("pagination")
        .into()
}

fn parameter(name: &str, place: ParameterIn, schema: Schema, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .required(if matches!(place, ParameterIn::Path) {
            Required::True
        } else {
            Required::False
        })
        .parameter_in(place)
        .schema(Some(schema))
        .description(Some(description))
        .build()
}

fn id_parameter(description: &str) -> Parameter {
    let uuid = ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .into();
    parameter("id", ParameterIn::Path, uuid, description)
}

fn list_parameters() -> Vec<Parameter> {
    let integer = |min: i64| -> Schema {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(min))
            .into()
    };
    let one_of = |values: &[&str]| -> Schema {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(values.iter().copied()))
            .into()
    };
    let statuses: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    vec![
        parameter("page", ParameterIn::Query, integer(1), "The page, from 1"),
        parameter(
            "limit",
            ParameterIn::Query,
            integer(1),
            "Orders per page (default 20, at most 100)",
        ),
        parameter(
            "sort",
            ParameterIn::Query,
            string_schema(),
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

type ErrorResponse = (&'static str, &'static str);

const INVALID: ErrorResponse = (
    "400",
    "Malformed body or header (`BAD_REQUEST`) or broken rules (`VALIDATION_ERROR`, with \
     `details`)",
);
const BAD_QUERY: ErrorResponse = (
    "400",
    "An unknown parameter or sort field, or a bad value (`BAD_REQUEST`, `VALIDATION_ERROR`)",
);
const BAD_ID: ErrorResponse = ("400", "The id is not a UUID (`BAD_REQUEST`)");
const UNAUTHORIZED: ErrorResponse = (
    "401",
    "No token (`UNAUTHORIZED`), or a bad, revoked or expired one (`INVALID_TOKEN`, \
     `TOKEN_EXPIRED`)",
);
const NOT_FOUND: ErrorResponse = ("404", "No such order, or one of another user (`NOT_FOUND`)");
const UNSUPPORTED: ErrorResponse = ("415", "The body is not `application/json`");
const UNAVAILABLE: ErrorResponse = (
    "503",
    "The database is unavailable (`SERVICE_UNAVAILABLE`, with `Retry-After`)",
);

struct Op {
    summary: &'static str,
    parameters: Vec<Parameter>,
    body: Option<RefOr<Schema>>,
    /// The status of success and its answer.
    ok: (&'static str, utoipa::openapi::response::Response),
    errors: &'static [ErrorResponse],
}

fn operation(op: Op) -> Operation {
    let mut builder = OperationBuilder::new()
        .tag("orders")
        .summary(Some(op.summary))
        .security(SecurityRequirement::new(
            BEARER_SCHEME,
            Vec::<String>::new(),
        ));
    for parameter in op.parameters {
        builder = builder.parameter(parameter);
    }
    if let Some(body) = op.body {
        builder = builder.request_body(Some(
            RequestBodyBuilder::new()
                .content(JSON, Content::new(Some(body)))
                .required(Some(Required::True))
                .build(),
        ));
    }
    let (status, ok) = op.ok;
    builder = builder.response(status, ok);
    for (status, description) in op.errors {
        builder = builder.response(
            *status,
            ResponseBuilder::new()
                .description(*description)
                .content(
                    JSON,
                    Content::new(Some(Ref::from_schema_name("ErrorEnvelope"))),
                )
                .build(),
        );
    }
    builder.build()
}

fn response(
    description: &str,
    schema: RefOr<Schema>,
    headers: &[(&str, &str)],
) -> utoipa::openapi::response::Response {
    let mut builder = ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema)));
    for (name, description) in headers {
        builder = builder.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(string_schema()))
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
                data_schema(order()),
                &[("Location", "`/api/orders/{id}`")],
            ),
        ),
        errors: &[
            INVALID,
            UNAUTHORIZED,
            (
                "409",
                "Not enough stock for a line (`CONFLICT`, `details` names each short line); \
                 nothing changed",
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
        ok: (
            "200",
            response("A page of orders", page_schema(order()), &[]),
        ),
        errors: &[BAD_QUERY, UNAUTHORIZED, UNAVAILABLE],
    };
    let read = Op {
        summary: "One order with its items (owner or admin)",
        parameters: vec![
            id_parameter("The order"),
            parameter(
                "If-None-Match",
                ParameterIn::Header,
                string_schema(),
                "An `ETag` read before: 304 if the order has not changed",
            ),
        ],
        body: None,
        ok: (
            "200",
            response(
                "The order",
                data_schema(order()),
                &[("ETag", "Strong entity tag of the order")],
            ),
        ),
        errors: &[BAD_ID, UNAUTHORIZED, NOT_FOUND, UNAVAILABLE],
    };
    let patch = Op {
        summary: "Change the status: admins forward or cancel before delivery; owners cancel \
                  a pending order; cancelling puts the stock back",
        parameters: vec![
            id_parameter("The order"),
            parameter(
                "If-Match",
                ParameterIn::Header,
                string_schema(),
                "The `ETag` the change is based on: 412 if the order changed since",
            ),
        ],
        body: Some(schema_ref::<UpdateOrder>()),
        ok: (
            "200",
            response(
                "The order as it is now",
                data_schema(order()),
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
    by_user.insert(0, id_parameter("The user"));
    let of_user = Op {
        summary: "One user's orders, with their items (that user or an admin)",
        parameters: by_user,
        body: None,
        ok: (
            "200",
            response("A page of orders", page_schema(order()), &[]),
        ),
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
    OpenApiBuilder::new()
        .paths(paths.build())
        .components(Some(
            ComponentsBuilder::new().schemas_from_iter(schemas).build(),
        ))
        .tags(Some([TagBuilder::new()
            .name("orders")
            .description(Some("Placing orders, reading them, and their status"))
            .build()]))
        .build()
}
