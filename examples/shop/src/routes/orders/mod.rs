//! `/api/orders…`: placing an order, reading orders, and moving an order along its lifecycle.
//!
//! # Placing an order
//!
//! `POST /api/orders` takes [`CreateOrder`], `{items: [{product_id, quantity}], address_id?}`.
//!
//! 1. The body is checked as a whole and every broken rule is named at once
//!    (`VALIDATION_ERROR`): `items` holds 1 to [`MAX_LINES`] lines and each `quantity` is 1 to
//!    [`MAX_QUANTITY`]. Lines for the same product are then merged into one
//!    ([`CreateOrder::merged`]): their quantities are summed, and the order holds one item per
//!    product. Errors about a product name its first line, `items[i].product_id`. The schema
//!    cannot forbid a product on two lines, so refusing them would reject a body the document
//!    calls valid.
//! 2. With an `Idempotency-Key` header (1 to 200 visible characters, per user), a key already
//!    used by this user answers its order again (see below).
//! 3. One transaction (`BEGIN IMMEDIATE` on SQLite, so concurrent orders queue for the write
//!    lock instead of failing to upgrade a read):
//!    - the prices of every product in one `SELECT … WHERE id IN (…)`, and the address when one
//!      is given. An unknown product is `409 CONFLICT` under `items[i].product_id`, as a
//!      foreign key violation is everywhere in the API; an address that does not exist or
//!      belongs to someone else is `409 CONFLICT` under `address_id` with the same message, so
//!      ids of other users cannot be probed;
//!    - the order row, `pending`, with the total computed from the catalogue exactly, in
//!      `Decimal` (each unit price times its quantity, summed); `total` and `unit_price` are
//!      `numeric(12,2)` and shown with two decimals;
//!    - the idempotency key row (user, key, SHA-256 of the canonical body, order id);
//!    - per line, in product-id order (so two orders never lock rows in opposite orders), one
//!      `UPDATE products SET stock_quantity = stock_quantity - q, popularity_score =
//!      popularity_score + q, updated_at = now WHERE id = ? AND stock_quantity >= q`. A line
//!      that updates no row is short (for merged lines, the sum is what must be in stock):
//!      the answer is `409 CONFLICT` naming every short line
//!      under `items[i].product_id`, and the transaction is rolled back, so nothing changes;
//!    - the items, in one `INSERT`, each with its catalogue `unit_price`.
//! 4. After the commit the cached representation of each product is invalidated, and the answer
//!    is `201` with the order as the reads show it ([`order::Model`]'s view) and
//!    `Location: /api/orders/{id}`.
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
//! The reads are the derive's ([`order::Model`]: `access(all = owner)`, nested under
//! `/users/{id}/orders` with `parent = "users"`), and its read hook fills each order's lines.
//! `GET /api/orders` lists the caller's orders (an admin's: everyone's), `GET
//! /api/users/{id}/orders` one user's (that user or an admin; anyone else gets 404, and so does
//! an admin for a user that does not exist, or no longer does). Both take `page`, `limit`,
//! `sort` (`created_at`, `total`, `status`; default `-created_at`), `order` and `status`; an
//! unknown parameter or status is 400. A page costs a fixed number of statements whatever its
//! size: the page (with its total, counted apart only when the page is full) and the lines of
//! all its orders in one `WHERE order_id IN (…)`. `GET /api/orders/{id}` (owner or admin, 404
//! otherwise) costs two: the order and its lines. It sends a strong `ETag` and answers `304`
//! to a matching `If-None-Match`; the answers of `POST` and `PATCH` are rendered and tagged
//! the same way ([`rustbe_core::resource::respond`]). Lines are listed in product-id order.
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

mod create;
mod dto;
mod openapi;
mod status;

use axum::Router;
use axum::routing::{patch, post};
use rustbe_core::Error;
use rustbe_core::access::Principal;
use rustbe_core::cache::Cache;
use rustbe_core::resource::Resource as _;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

pub use crate::entities::order::OrderLine;
pub use create::MAX_IDEMPOTENCY_KEY;
pub use dto::{
    CreateOrder, CreateOrderLine, MAX_LINES, MAX_QUANTITY, MergedLine, OrderStatus, UpdateOrder,
};
pub use openapi::openapi;

use crate::entities::{order, product};
use create::create;
use status::update;

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
/// let settings = shop::Settings::for_tests();
/// let db = rustbe_core::db::connect(&settings.core.database).await.unwrap();
/// let router = shop::app(settings, db).await.unwrap().into_router(); // merges `routes::orders::router`
/// assert_eq!(TestRequest::get("/api/orders").send(&router).await.error_code(), "UNAUTHORIZED");
/// # });
/// ```
pub fn router(db: DatabaseConnection) -> Router {
    Router::new()
        .route("/orders", post(create))
        .route("/orders/{id}", patch(update))
        .with_state(OrdersState { db })
        .merge(rustbe_core::resource::router::<order::Model>())
}

/// The caller's user id.
fn caller(principal: &Principal) -> Result<Uuid, Error> {
    Uuid::parse_str(principal.id()).map_err(|_| Error::forbidden())
}

fn is_admin(principal: &Principal) -> bool {
    principal.has_role("admin")
}
