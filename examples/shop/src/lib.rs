//! The reference shop built on rustbe: users, products and orders (see `docs/shop.md`).
//!
//! The binary (`cargo run -p shop`) loads [`Config`] from the environment, connects the
//! database and serves [`app`]. Tests build the same router in-process.

use rustbe_core::app::App;
use rustbe_core::config::Config;
use sea_orm::DatabaseConnection;

/// The name the shop's configuration and documents go by.
///
/// ```
/// assert_eq!(shop::APP_NAME, "shop");
/// let config = rustbe_core::config::Config::for_tests(shop::APP_NAME);
/// assert_eq!(config.app_name, "shop");
/// ```
pub const APP_NAME: &str = "shop";

/// The shop: its routes and documents on rustbe's standard stack.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use rustbe_core::config::Config;
/// let config = Config::for_tests(shop::APP_NAME);
/// let db = rustbe_core::db::connect(&config.database).await.unwrap();
/// let router = shop::app(config, db).into_router();
/// # });
/// ```
pub fn app(config: Config, db: DatabaseConnection) -> App {
    App::new(config).database(db)
}
