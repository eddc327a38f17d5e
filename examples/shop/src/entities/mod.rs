//! The shop's tables, as SeaORM entities. Categories, products and addresses are served by
//! the `#[resource]` derive; the rest by the hand-written routes of [`crate::routes`].

pub mod address;
pub mod category;
pub mod checks;
pub mod idempotency_key;
pub mod order;
pub mod order_item;
pub mod product;
pub mod review;
/// `users`: accounts, rustbe-auth's ready table (`rustbe_auth::users::account`). Emails are
/// stored trimmed and lower-cased, so the unique index makes them unique case-insensitively.
pub use rustbe_auth::users::account as user;
